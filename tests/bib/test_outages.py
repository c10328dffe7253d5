"""Outages are loud and cheap: CA309 and a stderr line, a circuit breaker, one budget per run.

Every test runs against the loopback fake registry (or a closed port) and
asserts outcomes and request counts; the seconds these cost with default
settings are measured by benchmarks/outages.py (docs/performance.md).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from conftest import DATA, run_cli
from fakeregistry import use_closed_port

DRAFT = DATA / "registry/verify_draft.md"
FAST = ["--plugin-option", "registry-backoff=0.01", "--plugin-option", "answer-timeout=0.3",
        "--plugin-option", "request-timeout=0.5"]
HANG_GUARD = 120
"""Seconds after which a subprocess run counts as hung (never reached when things work)."""


def _check(tmp_path, *paths, extra=(), cli=run_cli):
    code, out, err = cli("check", *map(str, paths), "--cache-dir", str(tmp_path / "cache"),
                         "--format", "json", *FAST, *extra)
    assert "Traceback" not in err
    return code, json.loads(out), err


def _rules(report):
    return [(f["rule"], f["reference"]) for d in report["documents"] for f in d["findings"]]


def _subprocess(*args: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "citeaudit", *args], capture_output=True, text=True,
                          timeout=HANG_GUARD)
    return done.returncode, done.stdout, done.stderr


def test_a_registry_that_never_answers_gives_ca309_a_stderr_line_and_exit_1(recorded_registry, tmp_path):
    recorded_registry.fault("hang")
    code, report, err = _check(tmp_path, DRAFT)
    assert code == 1
    ca309 = [f for d in report["documents"] for f in d["findings"] if f["rule"] == "CA309"]
    assert sorted(f["evidence"]["registry"] for f in ca309) == ["crossref", "pubmed"]
    assert all(f["severity"] == "error" and f["evidence"]["reasons"] == ["timeout"] for f in ca309)
    lines = [line for line in err.splitlines() if "not verified" in line]
    assert len(lines) == 2 and any("Crossref" in line and "6 references" in line for line in lines)
    # Two silent waits per registry, then the breaker: not one per batch, retry and document.
    assert recorded_registry.count("works") == 2
    assert recorded_registry.count("esearch") + recorded_registry.count("efetch") == 2
    # One CA308 per reference, never one per identifier.
    ca308 = [ref for rule, ref in _rules(report) if rule == "CA308"]
    assert sorted(ca308) == list(range(1, 8))


def test_a_registry_that_refuses_connections_gives_ca309(monkeypatch, tmp_path):
    use_closed_port(monkeypatch)
    code, report, err = _check(tmp_path, DRAFT)
    assert code == 1
    assert {f["evidence"]["reasons"][0] for d in report["documents"] for f in d["findings"]
            if f["rule"] == "CA309"} == {"connection-error"}
    assert err.count("could not be reached") == 2


def test_offline_accepts_unverified_references(recorded_registry, tmp_path):
    recorded_registry.fault("hang")
    code, report, err = _check(tmp_path, DRAFT, extra=["--offline", "--select", "CA3"])
    assert code == 0
    assert "CA309" not in {rule for rule, _ in _rules(report)}
    assert "not verified" not in err and recorded_registry.count() == 0


def test_ca309_is_configurable_like_any_rule(recorded_registry, tmp_path):
    recorded_registry.fault("hang")
    (tmp_path / "citeaudit.toml").write_text('[severity]\nCA309 = "warning"\n')
    code, report, _ = _check(tmp_path, DRAFT, extra=["--config", str(tmp_path / "citeaudit.toml"),
                                                     "--select", "CA309"])
    assert code == 0
    assert {f["severity"] for d in report["documents"] for f in d["findings"]} == {"warning"}


def test_a_transient_failure_does_not_trip_the_breaker(recorded_registry, tmp_path):
    recorded_registry.fault("hang", endpoint="works", times=1)
    code, report, err = _check(tmp_path, DRAFT, extra=["--select", "CA3"])
    assert "CA309" not in {rule for rule, _ in _rules(report)} and "not verified" not in err
    assert recorded_registry.count("works") == 2  # the silent one and its retry


def _copies(tmp_path, count: int):
    folder = tmp_path / "drafts"
    folder.mkdir()
    for n in range(count):
        shutil.copy(DRAFT, folder / f"draft{n:03d}.md")
    return folder


def test_the_breaker_is_shared_by_every_document_of_the_run(recorded_registry, tmp_path):
    recorded_registry.fault("hang")
    code, report, err = _check(tmp_path, _copies(tmp_path, 10))
    assert code == 1 and len(report["documents"]) == 10
    assert recorded_registry.count() == 4
    ca309 = [(i, f) for i, d in enumerate(report["documents"]) for f in d["findings"] if f["rule"] == "CA309"]
    assert [i for i, _ in ca309] == [0, 0]  # once per registry per run, on the first document
    # The finding counts its own document (written before later ones are checked); the stderr
    # line counts the run: 10 drafts x 6 DOIs (Crossref) and 7 references (PubMed).
    assert {f["evidence"]["references"] for _, f in ca309} == {6, 7}
    assert "60 references in 10 documents" in err and "70 references in 10 documents" in err


def test_the_breaker_and_budget_are_shared_by_jobs_workers(recorded_registry, tmp_path):
    recorded_registry.fault("hang")
    drafts = _copies(tmp_path, 12)
    code, out, err = _subprocess("check", str(drafts), "--jobs", "4", "--cache-dir", str(tmp_path / "cache"),
                                 "--format", "json", *FAST)
    assert code == 1, err
    assert err.count("could not be reached") == 2
    # Each worker may see at most two silent waits per registry before the shared breaker
    # stops it; unshared, twelve drafts would ask at least 12 x 2 x 2 times.
    assert recorded_registry.count() <= 4 * 2 * 2
    report = json.loads(out)
    assert sum(f["rule"] == "CA309" for d in report["documents"] for f in d["findings"]) == 2


def test_the_time_budget_belongs_to_the_run_not_to_each_document(tmp_path):
    from fakeregistry import FakeRegistry

    # A registry that answers, slowly: the breaker never trips, only the budget stops the run.
    with FakeRegistry(latency=0.4) as fake:
        fake.add_crossref(*(DATA / "registry/crossref").glob("*.json"))
        fake.add_pubmed(*(DATA / "registry/pubmed").glob("*.xml"))
        env = {"CITEAUDIT_CROSSREF_URL": fake.crossref_url, "CITEAUDIT_EUTILS_URL": fake.eutils_url}
        with pytest.MonkeyPatch.context() as mp:
            for name, value in env.items():
                mp.setenv(name, value)
            code, report, err = _check(tmp_path, _copies(tmp_path, 8),
                                       extra=["--timeout", "0.6", "--plugin-option", "answer-timeout=5",
                                              "--plugin-option", "request-timeout=5", "--select", "CA3"])
        # Per document, eight budgets would let every draft ask again (at least 16 requests).
        assert fake.count() <= 4
    assert "timeout" in err


def test_closed_port_with_jobs_stays_cheap(monkeypatch, tmp_path):
    use_closed_port(monkeypatch)
    drafts = _copies(tmp_path, 40)
    code, out, err = _subprocess("check", str(drafts), "--jobs", "4", "--cache-dir", str(tmp_path / "cache"),
                                 "--format", "json", "--select", "CA3")
    assert code == 1, err
    report = json.loads(out)
    assert len(report["documents"]) == 40
    assert sum(f["rule"] == "CA309" for d in report["documents"] for f in d["findings"]) == 2
    assert "240 references in 40 documents" in err and "280 references in 40 documents" in err
