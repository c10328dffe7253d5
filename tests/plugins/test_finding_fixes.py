"""Suggested fixes on findings: JSON `fix`, SARIF `fixes`, the text line, HTML and Word comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli
from paths import EXAMPLES
from sample_reports import validate_sarif

from citeaudit.model import Document, Finding, Fix, Reference, Span
from citeaudit.plugins.ci_reports import render_sarif
from citeaudit.plugins.docx.report import Anchor, comment_lines
from citeaudit.report import DocumentReport, RunReport


@pytest.fixture
def flawed() -> dict:
    code, out, err = run_cli("cache", "import", *map(str, sorted((EXAMPLES / "snapshot").iterdir())))
    assert code == 0, err
    code, out, err = run_cli("check", str(EXAMPLES / "review-flawed.md"), "--bib", str(EXAMPLES / "library.bib"),
                             "--offline", "--format", "json")
    assert code == 1, err
    return json.loads(out)["documents"][0]


def test_the_flawed_example_suggests_the_library_and_registry_values(flawed: dict):
    fixes = {(f["rule"], f["fix"]["field"]): f["fix"] for f in flawed["findings"] if "fix" in f}
    # Reference 5 says 2003; its library entry and both registries say 2002.
    assert fixes[("CA204", "year")] == {"field": "year", "old": "2003", "new": "2002", "source": "library"}
    assert fixes[("CA304", "year")]["new"] == "2002"
    # Every CA204/CA304/CA306 of the example has a fix; no check can correct the others.
    assert all("fix" in f for f in flawed["findings"] if f["rule"] in ("CA204", "CA304", "CA306"))
    assert all("fix" not in f for f in flawed["findings"] if f["rule"] in ("CA101", "CA404", "CA401"))


def test_the_text_line_asks_did_you_mean(flawed: dict):
    code, out, err = run_cli("check", str(EXAMPLES / "review-flawed.md"), "--bib", str(EXAMPLES / "library.bib"),
                             "--offline", "--no-color")
    assert code == 1, err
    (line,) = [line for line in out.splitlines() if "CA204" in line and "year" in line]
    assert line.endswith("(did you mean 2002?)")


def _run(tmp_path: Path) -> RunReport:
    bib = tmp_path / "lib.bib"
    bib.write_text("@article{fleming2018,\n  title = {Risk of infection},\n  year = {2017},\n}\n\n"
                   "@article{nodoi,\n  title = {Something},\n}\n", encoding="utf-8")
    doc = Document(bib, "bibtex", (), (Reference(None, "fleming2018", "x", Span(line=1)),))
    findings = (
        Finding("CA304", "year 2017 (record: 2018)", Span(line=1), severity="warning", key="fleming2018",
                fix=Fix("year", "2017", "2018", "pubmed")),
        Finding("CA205", "no DOI", Span(line=6), severity="info", key="nodoi",
                fix=Fix("doi", None, "10.1016/j.jaad.2017.09.052", "crossref-search")),
        Finding("CA304", "pages", Span(line=1), severity="warning", key="fleming2018",
                fix=Fix("pages", "1-2", "62-69", "crossref")),
    )
    return RunReport((DocumentReport(doc, findings),))


def test_sarif_fixes_replace_exactly_the_old_value_and_stay_valid(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    log = json.loads(render_sarif(_run(tmp_path)))
    validate_sarif(log)
    year, doi, pages = log["runs"][0]["results"]
    (change,) = year["fixes"][0]["artifactChanges"]
    (replacement,) = change["replacements"]
    assert replacement["deletedRegion"] == {"startLine": 3, "startColumn": 11, "endLine": 3, "endColumn": 15}
    assert replacement["insertedContent"]["text"] == "2018"
    inserted = doi["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert inserted["insertedContent"]["text"] == "\n  doi = {10.1016/j.jaad.2017.09.052},"
    assert inserted["deletedRegion"]["startColumn"] == inserted["deletedRegion"]["endColumn"] == 16
    # "1-2" is written nowhere in the entry: no region to replace, so no SARIF fix, only the property.
    assert "fixes" not in pages and pages["properties"]["fix"]["new"] == "62-69"


def test_word_comments_and_html_name_the_suggestion(tmp_path: Path):
    run = _run(tmp_path)
    finding = run.documents[0].findings[1]
    lines = comment_lines(Anchor(None, 0, None, "", (finding,), "reference"))
    assert lines[-1] == "Suggested: doi:10.1016/j.jaad.2017.09.052"
    from citeaudit.plugins.html_report import render

    html = render(run)
    assert "Suggested: <code>year</code> 2017 &rarr; <strong>2018</strong>" in html
