"""JUnit reporter: parses, a suite per document, a case per reference and claim, counts as in JSON."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sample_reports import sample_run

from citeaudit.model import Claim, Document, Finding, Marker, Reference, Span
from citeaudit.plugins.ci_reports import render_junit
from citeaudit.report import DocumentReport, RunReport, to_json


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunReport:
    monkeypatch.chdir(tmp_path)
    return sample_run(tmp_path)


def _cases_with_failures(suite: ET.Element) -> list[ET.Element]:
    return [case for case in suite.iter("testcase") if case.find("failure") is not None]


def test_the_xml_parses_with_one_suite_per_document(run):
    root = ET.fromstring(render_junit(run).encode("utf-8"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["drafts/atopic dermatitis.md", "review.docx", "article.xml"]


def test_counts_match_the_json_report(run):
    report = to_json(run)
    root = ET.fromstring(render_junit(run).encode("utf-8"))
    total_findings = 0
    for suite, doc in zip(root.findall("testsuite"), report["documents"], strict=True):
        props = {p.get("name"): int(p.get("value")) for p in suite.iter("property") if p.get("value").isdigit()}
        assert props["findings"] == len(doc["findings"])
        for severity in ("error", "warning", "info"):
            assert props[severity + "s"] == sum(1 for f in doc["findings"] if f["severity"] == severity)
        # every finding is one line of exactly one failure
        lines = [line for case in _cases_with_failures(suite) for line in case.find("failure").text.splitlines()]
        assert sorted(line.split()[0] for line in lines) == sorted(f["rule"] for f in doc["findings"])
        total_findings += len(lines)
        assert int(suite.get("failures")) == len(_cases_with_failures(suite))
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
    summary = report["summary"]
    assert total_findings == summary["errors"] + summary["warnings"] + summary["infos"]
    assert int(root.get("tests")) == sum(int(s.get("tests")) for s in root.findall("testsuite"))


def test_references_and_claims_are_cases_and_findings_go_to_them(run):
    root = ET.fromstring(render_junit(run).encode("utf-8"))
    md = root.findall("testsuite")[0]
    cases = {case.get("name"): case for case in md.findall("testcase")}
    claim_case = cases["claim 1: Dupilumab, a JAK inhibitor, improved EASI-75 at week ..."]
    assert claim_case.find("failure").get("type") == "CA404"
    assert "IL-4Rα" in claim_case.find("failure").get("message")
    # reference 1 carries the CA308 finding; reference 2 is not in the list: its own case
    assert cases["reference 1"].find("failure").text.startswith("CA308 metadata-unavailable (info)")
    assert any(name.startswith("CA102 uncited-reference at line 8") for name in cases)
    assert any(name == "CA201 bib-syntax at lib.bib, line 12" for name in cases)


def test_a_clean_document_has_passing_cases_only(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    claim = Claim(3, " ".join(f"w{i}" for i in range(12)), (Marker("[1]", (1,), Span(line=1), "bracket"),),
                  Span(line=1))
    refs = (Reference(1, "1", "one", Span(line=5)), Reference(None, "smith2020", "two", Span(line=6)))
    run = RunReport((DocumentReport(Document(tmp_path / "a.md", "markdown", (claim,), refs), ()),))
    suite = ET.fromstring(render_junit(run).encode("utf-8")).find("testsuite")
    assert [c.get("name") for c in suite.findall("testcase")] == [
        "reference 1", "reference smith2020", "claim 3: w0 w1 w2 w3 w4 w5 w6 w7 ..."]
    assert suite.get("failures") == "0" and suite.get("tests") == "3"


def test_several_findings_on_one_case_and_control_characters(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ref = Reference(None, "smith2020", "two", Span(line=6))
    findings = (Finding("CA205", "no DOI\x0b or PMID", Span(line=6), severity="info", key="smith2020"),
                Finding("CA206", "bad DOI <10.1/x&y>", Span(line=7), severity="error", key="smith2020"))
    run = RunReport((DocumentReport(Document(tmp_path / "lib.bib", "bibtex", (), (ref,)), findings),))
    text = render_junit(run)
    failure = ET.fromstring(text.encode("utf-8")).find("testsuite/testcase/failure")
    assert failure.get("type") == "CA206"
    assert failure.get("message") == "2 findings; worst: bad DOI <10.1/x&y>"
    assert "no DOI\ufffd or PMID" in failure.text


def test_the_command_line_junit_matches_its_json_report(tmp_path: Path, monkeypatch):
    import json

    from conftest import run_cli

    monkeypatch.chdir(tmp_path)
    for i, extra in enumerate(["", " Nemolizumab relieves itch [9].", " Responses lasted [3-2]."]):
        (tmp_path / f"d{i}.md").write_text(
            f"# Draft {i}\n\nDupilumab improved EASI-75 [2]. Tralokinumab targets IL-13 [1].{extra}\n\n"
            "## References\n\n1. Wollenberg A. Tralokinumab. Br J Dermatol. 2021;184:437-49.\n"
            "2. Simpson EL. Dupilumab. N Engl J Med. 2016;375:2335-48. doi:10.1056/NEJMoa1610020\n"
            "3. Guttman-Yassky E. Upadacitinib. Lancet. 2021;397:2151-68.\n", encoding="utf-8")
    code_json, out_json, _ = run_cli("check", ".", "--offline", "--format", "json")
    code_xml, out_xml, err = run_cli("check", ".", "--offline", "--format", "junit")
    assert code_json == code_xml == 1, err
    report = json.loads(out_json)
    root = ET.fromstring(out_xml.encode("utf-8"))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [d["path"] for d in report["documents"]] == ["d0.md", "d1.md", "d2.md"]
    for suite, doc in zip(suites, report["documents"], strict=True):
        assert int(suite.get("tests")) >= len(doc["claims"]) + len(doc["references"])
        lines = [line for case in _cases_with_failures(suite) for line in case.find("failure").text.splitlines()]
        assert len(lines) == len(doc["findings"])
        props = {p.get("name"): int(p.get("value")) for p in suite.iter("property") if p.get("value").isdigit()}
        assert props["findings"] == len(doc["findings"])
    names = [c.get("name") for c in suites[1].findall("testcase")]
    assert names[:3] == ["reference 1", "reference 2", "reference 3"]
    assert "claim 3: Nemolizumab relieves itch." in names
