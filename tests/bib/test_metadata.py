"""fetch_records: cache first, batched requests, offline, refresh, and every fault -> Unavailable."""

from __future__ import annotations

import pytest
from fakeregistry import FakeRegistry

from citeaudit.bib.crossref import Crossref
from citeaudit.bib.metadata import fetch_records
from citeaudit.bib.pubmed import PubMed
from citeaudit.config import Options
from citeaudit.model import Missing, Record, Resolution, Unavailable

FAST = {"registry-backoff": 0.01, "registry-retries": 2, "request-timeout": 0.5}


def options(tmp_path, **kw) -> Options:
    kw.setdefault("plugin_options", FAST)
    return Options(cache_dir=tmp_path / "cache", quiet=True, **kw)


class UnpacedPubMed(PubMed):
    """NCBI's 3 requests/s would only slow the tests; pacing is tested in test_http."""

    requests_per_second = 0.0


def registries():
    return [Crossref(), UnpacedPubMed()]


@pytest.fixture
def fake(data, monkeypatch):
    monkeypatch.setenv("HOME", str(data))
    with FakeRegistry() as server:
        server.add_pubmed(data / "registry/pubmed/biopython_pubmed4_refs.xml")
        server.add_crossref(data / "registry/crossref/10.1038_nnano.2014.279.json")
        server.add_crossref(*(data / "registry/crossref").glob("*.json"))
        server.add_pubmed(*(data / "registry/pubmed").glob("*.xml"))
        yield server.use(monkeypatch)


REFS = [
    Resolution(1, None, doi="10.1038/nnano.2014.279"),
    Resolution(2, None, doi="10.1371/notarealdoi"),
    Resolution(3, None, doi="10.1016/j.addr.2015.01.008", pmid="29768149"),
    Resolution(4, None, doi="10.1136/gutjnl-2016-312510"),
    Resolution(5, None, pmid="99999999"),
]


def test_cold_then_warm(fake, tmp_path):
    cold = fetch_records(REFS, options=options(tmp_path), registries=registries())
    assert isinstance(cold.get("crossref", "10.1038/nnano.2014.279"), Record)
    assert isinstance(cold.get("crossref", "10.1371/notarealdoi"), Missing)
    assert isinstance(cold.get("pubmed", "99999999"), Missing)
    assert cold.record("pubmed", "29768149").work.doi == "10.1056/nejmoa1715274"
    # The DOI-only reference found its PubMed record through esearch.
    assert cold.pmid_for_doi == {"10.1136/gutjnl-2016-312510": "27797938"}
    assert cold.record("pubmed", "27797938") is not None
    # Crossref and PubMed are asked in parallel: the order holds within each registry.
    endpoints = [r.endpoint for r in fake.requests]
    assert [e for e in endpoints if e.startswith("work")] == ["works", "work", "work"]
    assert [e for e in endpoints if not e.startswith("work")] == ["esearch", "efetch"]
    assert cold.requests == 5
    warm = fetch_records(REFS, options=options(tmp_path), registries=registries())
    assert warm.requests == 0 and fake.count() == 5
    assert warm.outcomes.keys() == cold.outcomes.keys() and warm.pmid_for_doi == cold.pmid_for_doi


def test_two_hundred_references_cost_at_most_six_requests_cold_and_none_warm(fake, tmp_path):
    pairs = fake.add_copies(200)
    refs = [Resolution(n, None, doi=doi, pmid=pmid if n % 2 else None) for n, (doi, pmid) in enumerate(pairs, 1)]
    cold = fetch_records(refs, options=options(tmp_path), registries=registries())
    assert cold.requests == fake.count() <= 6
    assert sum(isinstance(o, Record) for o in cold.outcomes.values()) == 400
    assert len(cold.pmid_for_doi) == 100
    warm = fetch_records(refs, options=options(tmp_path), registries=registries())
    assert warm.requests == 0 and len(warm.outcomes) == 400


def test_offline_with_an_empty_cache_is_unavailable_everywhere(fake, tmp_path):
    result = fetch_records(REFS, options=options(tmp_path, offline=True), registries=registries())
    assert fake.count() == 0 and result.requests == 0
    assert {type(o) for o in result.outcomes.values()} == {Unavailable}
    assert {o.reason for o in result.outcomes.values()} == {"offline"}
    assert len(result.outcomes) == 6


def test_offline_reads_expired_rows_and_refresh_ignores_fresh_ones(fake, tmp_path):
    first = fetch_records(REFS[:1], options=options(tmp_path), registries=registries())
    assert first.requests == 2  # the Crossref batch and the DOI -> PMID search
    from citeaudit.bib.cache import open_cache

    with open_cache(tmp_path / "cache") as cache:
        cache._db.execute("UPDATE answers SET expires_at = 0")
    offline = fetch_records(REFS[:1], options=options(tmp_path, offline=True), registries=registries())
    assert isinstance(offline.get("crossref", "10.1038/nnano.2014.279"), Record)
    assert offline.requests == 0 and fake.count() == 2
    online = fetch_records(REFS[:1], options=options(tmp_path), registries=registries())
    assert online.requests == 2
    fresh = fetch_records(REFS[:1], options=options(tmp_path), registries=registries())
    assert fresh.requests == 0
    refreshed = fetch_records(REFS[:1], options=options(tmp_path, refresh=True), registries=registries())
    assert refreshed.requests == 2 and fake.count() == 6


@pytest.mark.parametrize("kind", ["429", "500", "503", "slow", "truncated", "invalid", "html", "reset",
                                  "wrong-type", "bad-utf8"])
def test_a_fault_on_one_registry_spares_the_other(fake, tmp_path, kind):
    fake.fault(kind, endpoint="efetch", retry_after="0", delay=1.5)
    result = fetch_records(REFS, options=options(tmp_path), registries=registries())
    reasons = {o.reason for (source, _), o in result.outcomes.items() if source == "pubmed"}
    assert all(isinstance(o, Unavailable) for (source, _), o in result.outcomes.items() if source == "pubmed")
    assert reasons <= {"rate-limited", "server-error", "timeout", "connection-error", "malformed-response"}
    assert isinstance(result.get("crossref", "10.1038/nnano.2014.279"), Record)
    assert isinstance(result.get("crossref", "10.1371/notarealdoi"), Missing)
    # the first try and two retries; a registry that times out or drops the connection twice
    # in a row is given up on (the circuit breaker)
    assert fake.count("efetch") == (2 if kind in ("slow", "reset") else 3)
    # Nothing unavailable was cached: the next run asks again and succeeds.
    fake.clear()
    again = fetch_records(REFS, options=options(tmp_path), registries=registries())
    assert isinstance(again.get("pubmed", "29768149"), Record) and fake.count("efetch") == 1


def test_the_time_budget_stops_a_dead_registry(fake, tmp_path):
    fake.fault("slow", delay=3.0)
    result = fetch_records(REFS, options=options(tmp_path, timeout=1.0,
                                                 plugin_options={**FAST, "request-timeout": 5}),
                           registries=registries())
    # Answers 3 s late fit the 5 s request timeout: only the 1 s budget can have ended them.
    assert all(isinstance(o, Unavailable) and o.reason == "timeout" for o in result.outcomes.values())


def test_no_identifiers_no_requests(fake, tmp_path):
    result = fetch_records([Resolution(1, None)], options=options(tmp_path), registries=registries())
    assert result.outcomes == {} and fake.count() == 0


def test_an_unwritable_cache_falls_back_to_memory(fake, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = fetch_records(REFS[:1], options=Options(cache_dir=blocker / "cache", quiet=True),
                           registries=registries())
    assert isinstance(result.get("crossref", "10.1038/nnano.2014.279"), Record)


def test_progress_is_silent_off_a_terminal_and_with_quiet(fake, tmp_path, capsys):
    fetch_records(REFS[:2], options=Options(cache_dir=tmp_path / "a", plugin_options=FAST),
                  registries=registries())
    assert capsys.readouterr().err == ""


def test_progress_bar_on_a_terminal(fake, tmp_path, monkeypatch):
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("CI", raising=False)  # CI turns the bar off; this test is about a terminal
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    fetch_records(REFS[:2], options=Options(cache_dir=tmp_path / "b", plugin_options=FAST),
                  registries=registries())
    assert "fetching registry records" in terminal.getvalue()
    quiet = Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    fetch_records(REFS[2:4], options=options(tmp_path), registries=registries())
    assert quiet.getvalue() == ""
