"""The bundled example does what README and examples/README.md say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def snapshot_cache() -> None:
    code, out, err = run_cli("cache", "import", *map(str, sorted((EXAMPLES / "snapshot").iterdir())))
    assert code == 0, err
    assert "imported 3 crossref records" in out and "imported 2 pubmed records" in out


def _check(name: str) -> tuple[int, dict]:
    code, out, err = run_cli("check", str(EXAMPLES / name), "--bib", str(EXAMPLES / "library.bib"),
                             "--offline", "--format", "json")
    assert code in (0, 1), err
    return code, json.loads(out)["documents"][0]


def test_the_readme_example_is_clean_and_verified_offline(snapshot_cache: None):
    code, doc = _check("review.md")
    assert code == 0
    assert {f["severity"] for f in doc["findings"]} <= {"info"}
    assert {f["rule"] for f in doc["findings"]} == {"CA205"}
    verified = {r["number"] for r in doc["references"] if r["doi"] or r["pmid"]}
    assert verified == {7, 8, 10}
    assert all(r["library_key"] for r in doc["references"])


def test_the_flawed_example_shows_exactly_its_planted_defects(snapshot_cache: None):
    code, doc = _check("review-flawed.md")
    assert code == 1
    found = sorted((f["rule"], f["reference"] or f["citation"]) for f in doc["findings"] if f["rule"] != "CA205")
    assert found == [("CA101", 11), ("CA204", 7), ("CA401", 10), ("CA404", 7)]
    (ca404,) = [f for f in doc["findings"] if f["rule"] == "CA404"]
    assert "dupilumab" in ca404["message"] and ca404["claim"] == 5


def test_the_text_report_says_how_many_claims_went_unchecked(snapshot_cache: None):
    code, out, err = run_cli("check", str(EXAMPLES / "review.md"), "--bib", str(EXAMPLES / "library.bib"),
                             "--offline")
    assert code == 0, err
    _, doc = _check("review.md")
    claims = {u["claim"] for u in doc["unchecked"]}
    assert claims and f"{len(claims)} claims not checked against the cited work" in out
