"""Every report states citeaudit's version, the date and which registries answered."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from conftest import DATA, run_cli

from citeaudit import __version__

DRAFT = DATA / "registry/verify_draft.md"
FAST = ["--plugin-option", "registry-backoff=0.01", "--plugin-option", "request-timeout=1"]
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
DATE = "2026-01-01T00:00:00Z"


def _check(tmp_path, fmt: str, *extra: str) -> str:
    code, out, err = run_cli("check", str(DRAFT), "--cache-dir", str(tmp_path / "cache"), "--format", fmt,
                             "--fail-on", "never", "--select", "CA3", "--timeout", "4", *FAST, *extra)
    assert code == 0, err
    return out


@pytest.fixture
def fixed_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def test_json_says_both_registries_answered_live(recorded_registry, tmp_path, fixed_date):
    run = json.loads(_check(tmp_path, "json"))["run"]
    assert run["date"] == DATE and run["offline"] is False
    # The DOI system answers for reference 6, whose DOI Crossref does not know.
    assert {name: r["state"] for name, r in run["registries"].items()} == {"crossref": "answered",
                                                                          "doi": "answered",
                                                                          "pubmed": "answered"}
    assert run["requests"] > 0
    assert run["summary"].startswith(f"citeaudit {__version__}, 2026-01-01 00:00:00 UTC; "
                                     "Crossref, the DOI system and PubMed answered (")


def test_a_dead_registry_is_named_with_the_reason(recorded_registry, tmp_path, fixed_date):
    recorded_registry.fault("500", "efetch")
    run = json.loads(_check(tmp_path, "json"))["run"]
    assert run["registries"]["pubmed"]["state"] == "unavailable"
    assert run["registries"]["crossref"]["state"] == "answered"
    assert "Crossref and the DOI system answered; PubMed unavailable (" in run["summary"]


def test_an_offline_run_says_so_in_every_format(tmp_path, fixed_date):
    outputs = {fmt: _check(tmp_path, fmt, "--offline") for fmt in ("text", "json", "sarif", "junit", "github")}
    sentence = f"citeaudit {__version__}, 2026-01-01 00:00:00 UTC; offline: registry data from the cache only"
    assert sentence in outputs["text"] and sentence in outputs["github"]
    assert json.loads(outputs["json"])["run"]["summary"].startswith(sentence)
    sarif = json.loads(outputs["sarif"])["runs"][0]
    assert sarif["invocations"][0]["startTimeUtc"] == DATE
    assert sarif["invocations"][0]["properties"]["offline"] is True
    assert sarif["tool"]["driver"]["version"] == __version__
    suite = ET.fromstring(outputs["junit"]).find("testsuite")
    assert suite is not None and suite.get("timestamp") == DATE.rstrip("Z")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["citeaudit-version"] == __version__ and props["registries"].startswith("offline")


def test_a_run_without_registry_checks_says_they_were_not_consulted(tmp_path, fixed_date):
    code, out, err = run_cli("check", str(DRAFT), "--select", "CA1", "--format", "json", "--fail-on", "never")
    assert code == 0, err
    run = json.loads(out)["run"]
    assert run["registries"] is None and run["summary"].endswith("registries not consulted")
