"""Parsed records kept beside the cache rows: a warm run parses no answer again, and a row
that changed, a stored record that is not one, or a database others may write is parsed."""

from __future__ import annotations

import functools
import os
import sqlite3

import pytest
from conftest import DATA
from fakeregistry import FakeRegistry

from citeaudit.bib import parsed
from citeaudit.bib.cache import FILENAME, open_cache
from citeaudit.bib.crossref import Crossref
from citeaudit.bib.metadata import fetch_records
from citeaudit.bib.pubmed import PubMed
from citeaudit.config import Options
from citeaudit.model import Record, Resolution

REFS = [Resolution(1, None, doi="10.1038/nnano.2014.279"),
        Resolution(2, None, doi="10.1016/j.addr.2015.01.008", pmid="29768149")]


class UnpacedPubMed(PubMed):
    requests_per_second = 0.0


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setenv("HOME", str(DATA))
    with FakeRegistry() as server:
        server.add_crossref(*(DATA / "registry/crossref").glob("*.json"))
        server.add_pubmed(*(DATA / "registry/pubmed").glob("*.xml"))
        yield server.use(monkeypatch)


@pytest.fixture
def parses(monkeypatch):
    """How many answers the registries parse (list of identifiers)."""
    seen: list[str] = []
    for cls in (Crossref, PubMed):
        original = cls.parse

        @functools.wraps(original)  # still citeaudit's parser, whose records may be kept
        def counted(self, identifier, body, fetched_at=None, _original=original):
            seen.append(identifier)
            return _original(self, identifier, body, fetched_at)

        monkeypatch.setattr(cls, "parse", counted)
    return seen


def _fetch(tmp_path, **kw):
    options = Options(cache_dir=tmp_path / "cache", quiet=True,
                      plugin_options={"registry-backoff": 0.01, "registry-retries": 1}, **kw)
    return fetch_records(REFS, options=options, registries=[Crossref(), UnpacedPubMed()])


def _records(records) -> dict:
    return {key: value for key, value in records.outcomes.items() if isinstance(value, Record)}


def test_a_warm_run_parses_no_answer_and_gets_the_same_records(fake, tmp_path, parses):
    cold = _fetch(tmp_path)
    assert len(_records(cold)) == len(parses) == 3  # each parsed once, as it arrived
    parses.clear()
    warm = _fetch(tmp_path)
    offline = _fetch(tmp_path, offline=True)
    assert parses == []
    assert warm.requests == 0 and _records(warm) == _records(cold) == _records(offline)


def test_a_changed_row_is_parsed_again(fake, tmp_path, parses):
    _fetch(tmp_path)
    db = sqlite3.connect(tmp_path / "cache" / FILENAME)
    with db:
        (body,) = db.execute("SELECT body FROM answers WHERE identifier = '10.1038/nnano.2014.279'").fetchone()
        db.execute("UPDATE answers SET body = ? WHERE identifier = '10.1038/nnano.2014.279'", (body + b" ",))
    db.close()
    parses.clear()
    warm = _fetch(tmp_path, offline=True)
    assert parses == ["10.1038/nnano.2014.279"]  # the same JSON with a space more: parsed, stored again
    assert isinstance(warm.get("crossref", "10.1038/nnano.2014.279"), Record)
    parses.clear()
    _fetch(tmp_path, offline=True)
    assert parses == []


@pytest.mark.parametrize("data", [b"not a pickle", b"\x80\x05\x95\x05\x00\x00", b"\x80\x04K\x01."],
                         ids=["garbage", "truncated", "not-a-record"])
def test_a_stored_record_that_is_not_one_means_parsing_the_row(fake, tmp_path, parses, data):
    cold = _fetch(tmp_path)
    db = sqlite3.connect(tmp_path / "cache" / FILENAME)
    with db:
        db.execute("UPDATE records SET data = ?", (data,))
    db.close()
    parses.clear()
    warm = _fetch(tmp_path, offline=True)
    assert sorted(parses) == ["10.1016/j.addr.2015.01.008", "10.1038/nnano.2014.279", "29768149"]
    assert _records(warm) == _records(cold)


def test_records_in_a_database_others_may_write_are_not_loaded(fake, tmp_path, parses):
    _fetch(tmp_path)
    os.chmod(tmp_path / "cache" / FILENAME, 0o664)
    parses.clear()
    _fetch(tmp_path, offline=True)
    assert len(parses) == 3


def test_a_write_ahead_log_others_may_write_is_not_trusted_either(tmp_path):
    with open_cache(tmp_path) as cache:
        cache.put_many([])  # opened, in WAL mode
        cache.get("crossref", "10.1/x")
        assert parsed._trusted(cache)
        wal = tmp_path / f"{FILENAME}-wal"
        assert wal.exists()  # SQLite gives it the database's mode; someone widened it since
        os.chmod(wal, 0o666)
        assert not parsed._trusted(cache)


def test_a_registry_parsing_with_a_plugins_code_keeps_no_parsed_records(fake, tmp_path):
    class PluginCrossref(Crossref):
        def parse(self, identifier, body, fetched_at=None):
            return super().parse(identifier, body, fetched_at)
    with open_cache(tmp_path) as cache:
        row = cache.get("crossref", "x")
        assert row is None
        assert parsed.load(cache, PluginCrossref(), {"x": object()}) == {}  # type: ignore[dict-item]
    options = Options(cache_dir=tmp_path / "cache", quiet=True)
    fetch_records(REFS[:1], options=options, registries=[PluginCrossref()])
    db = sqlite3.connect(tmp_path / "cache" / FILENAME)
    assert db.execute("SELECT count(*) FROM records").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM answers").fetchone()[0] == 1
    db.close()


def test_cache_clear_removes_the_parsed_records_too(fake, tmp_path):
    _fetch(tmp_path)
    with open_cache(tmp_path / "cache") as cache:
        cache.clear()
    db = sqlite3.connect(tmp_path / "cache" / FILENAME)
    assert db.execute("SELECT count(*) FROM records").fetchone()[0] == 0
    db.close()
