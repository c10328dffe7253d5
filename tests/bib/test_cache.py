"""The SQLite registry cache: rows, expiry, WAL, corruption recovery, stats."""

from __future__ import annotations

import logging
import sqlite3
import time

from conftest import run_cli

from citeaudit.bib.cache import (
    DAY,
    FILENAME,
    LINKS,
    RECENT_TTL,
    RECORD_TTL,
    Entry,
    default_dir,
    open_cache,
    record_ttl,
)


def test_rows_round_trip_and_replace(tmp_path):
    with open_cache(tmp_path) as cache:
        cache.put_many([Entry("crossref", "10.1000/a", b"{}", 1.0, 2.0),
                        Entry("pubmed", "1", None, 1.0, 2.0)])
        cache.put_many([Entry("crossref", "10.1000/a", b'{"v":2}', 3.0, 4.0)])
        rows = cache.get_many("crossref", ["10.1000/a", "10.1000/b"])
        assert list(rows) == ["10.1000/a"] and rows["10.1000/a"].body == b'{"v":2}'
        assert cache.get("pubmed", "1").body is None
        assert cache.get("crossref", "1") is None


def test_wal_mode_lets_a_second_connection_read(tmp_path):
    with open_cache(tmp_path) as cache:
        cache.put_many([Entry("pubmed", "1", b"x", 1.0, 2.0)])
        other = sqlite3.connect(tmp_path / FILENAME)
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert other.execute("SELECT count(*) FROM answers").fetchone()[0] == 1
        other.close()


def test_freshness(tmp_path):
    entry = Entry("pubmed", "1", b"x", 100.0, 200.0)
    assert entry.fresh(150.0) and not entry.fresh(200.0)


def test_ttl_policy():
    now = time.mktime((2025, 6, 1, 0, 0, 0, 0, 0, -1))
    assert record_ttl(2010, False, False, now) == RECORD_TTL == 90 * DAY
    assert record_ttl(2024, False, False, now) == RECENT_TTL == 7 * DAY
    assert record_ttl(2010, True, False, now) == RECENT_TTL
    assert record_ttl(2010, False, True, now) == RECENT_TTL
    assert record_ttl(None, False, False, now) == RECENT_TTL


def test_a_corrupt_database_is_moved_aside_and_rebuilt(tmp_path, caplog):
    (tmp_path / FILENAME).write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING, logger="citeaudit.bib.cache"):
        with open_cache(tmp_path) as cache:
            cache.put_many([Entry("pubmed", "1", b"x", 1.0, 2.0)])
            assert cache.get("pubmed", "1").body == b"x"
    aside = list(tmp_path.glob(f"{FILENAME}.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")
    assert "cannot be read" in caplog.text


def test_clear_and_stats(tmp_path):
    now = time.time()
    with open_cache(tmp_path) as cache:
        cache.put_many([Entry("crossref", "10.1000/a", b"{}", now - 3 * DAY, now + DAY),
                        Entry("crossref", "10.1000/b", None, now - 3600, now - 1),
                        Entry(LINKS, "10.1000/a", b"1", now, now + DAY)])
        lines = cache.stats_lines()
        assert lines[0] == f"cache: {tmp_path / FILENAME}"
        assert any(line.startswith("crossref: 2 answers (1 not found, 1 expired), fetched newest 1 h ago, oldest 3 days ago")
                   for line in lines)
        assert any(line.startswith("pubmed-doi: 1 links") for line in lines)
        assert cache.clear() == 3
        assert cache.stats_lines()[-1] == "no cached answers"


def test_default_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CITEAUDIT_CACHE_DIR", str(tmp_path / "here"))
    assert default_dir() == tmp_path / "here"


def test_cli_stats_and_clear(tmp_path):
    with open_cache(tmp_path) as cache:
        cache.put_many([Entry("pubmed", "1", b"x", time.time(), time.time() + DAY)])
    code, out, _ = run_cli("cache", "stats", "--cache-dir", str(tmp_path))
    assert code == 0 and "pubmed: 1 answers" in out
    code, out, _ = run_cli("cache", "clear", "--cache-dir", str(tmp_path))
    assert code == 0 and out.strip() == "removed 1 cached responses"
