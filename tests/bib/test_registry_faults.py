"""Registry faults on the loopback fake server: every run ends within its time budget, and a
reference the registries could not answer gets CA308 instead of passing unverified.

No test here measures seconds (a loaded CI machine makes any bound a coin toss): a fault
that outlasts the budget (an hour's Retry-After, an answer 30 s late) would, if waited
for, end in a verified record, so CA308 with its reason proves the budget cut it short."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from conftest import DATA, run_cli
from fakeregistry import use_closed_port

DRAFT = DATA / "registry/verify_draft.md"
REFERENCES = set(range(1, 8))
"""Every reference of the draft carries a DOI or a PMID."""
FAST = ["--plugin-option", "registry-backoff=0.01", "--plugin-option", "request-timeout=1"]
BUDGET = 4.0


@pytest.fixture
def fake(recorded_registry):
    return recorded_registry


def _run(tmp_path, *extra: str, budget: float = BUDGET) -> tuple[dict[int, set[str]], str]:
    code, out, err = run_cli("check", str(DRAFT), "--cache-dir", str(tmp_path / "cache"), "--format", "json",
                             "--fail-on", "never", "--select", "CA3", "--timeout", str(budget), *FAST, *extra)
    assert code == 0, err
    assert "Traceback" not in err
    rules: dict[int, set[str]] = defaultdict(set)
    for finding in json.loads(out)["documents"][0]["findings"]:
        rules[finding["reference"]].add(finding["rule"])
    return rules, out


@pytest.fixture
def clean(fake, tmp_path_factory):
    rules, _ = _run(tmp_path_factory.mktemp("clean"))
    fake.clear()
    return rules


TOTAL = ["429", "500", "502", "503", "504", "reset", "truncated", "invalid", "html", "wrong-type", "bad-utf8"]


@pytest.mark.parametrize("kind", TOTAL)
def test_a_registry_that_always_fails_gives_ca308_for_every_reference(fake, tmp_path, kind):
    fake.fault(kind)
    rules, out = _run(tmp_path)
    assert {n for n, r in rules.items() if "CA308" in r} == REFERENCES
    assert fake.count() > 0


@pytest.mark.parametrize("kind", TOTAL + ["slow"])
def test_a_transient_fault_is_retried_and_nothing_is_lost(fake, clean, tmp_path, kind):
    fake.fault(kind, times=1, retry_after="0", delay=2.0)
    rules, out = _run(tmp_path)
    assert rules == clean
    assert "CA308" not in set().union(*rules.values())


def test_a_429_storm_with_long_retry_after_stays_within_the_budget(fake, tmp_path):
    storm = fake.fault("429", retry_after="3600")
    rules, out = _run(tmp_path)
    assert storm.hits >= 2  # both registries were asked, and told to wait an hour
    assert {n for n, r in rules.items() if "CA308" in r} == REFERENCES
    assert "rate-limited" in out


def test_a_503_with_an_http_date_retry_after_stays_within_the_budget(fake, tmp_path):
    fake.fault("503", retry_after="Wed, 21 Oct 2099 07:28:00 GMT")
    rules, out = _run(tmp_path)
    assert {n for n, r in rules.items() if "CA308" in r} == REFERENCES


def test_slow_answers_past_the_budget_end_the_run_on_time(fake, tmp_path):
    fake.fault("slow", delay=30.0)
    rules, out = _run(tmp_path, budget=2.0)
    assert {n for n, r in rules.items() if "CA308" in r} == REFERENCES
    assert "timeout" in out


def test_one_registry_down_still_verifies_through_the_other(fake, clean, tmp_path):
    fake.fault("500", endpoint="efetch")
    fake.fault("500", endpoint="esearch")
    rules, out = _run(tmp_path)
    # The DOI-only references are verified by Crossref; the PMID-only one (7) is not.
    assert "CA308" in rules[7]
    assert rules[6] >= {"CA301"} and rules[4] >= {"CA305"}


def test_a_registry_that_refuses_connections_gives_ca308_fast(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    use_closed_port(monkeypatch)
    rules, out = _run(tmp_path)
    assert {n for n, r in rules.items() if "CA308" in r} == REFERENCES


def test_offline_with_an_empty_cache_gives_ca308_without_any_request(fake, tmp_path):
    rules, out = _run(tmp_path, "--offline")
    assert fake.count() == 0
    assert {n for n, r in rules.items() if "CA308" in r} == REFERENCES
