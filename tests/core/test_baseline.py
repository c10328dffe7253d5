"""Baselines: fingerprints survive edits elsewhere, duplicates are counted, bad files are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citeaudit.baseline import SCHEMA, filter_run, fingerprint, read_baseline, write_baseline
from citeaudit.errors import InputError
from citeaudit.model import Claim, Document, Finding, Marker, Reference, Resolution, Span, Work
from citeaudit.report import DocumentReport, RunReport

CLAIMS = [
    "Dupilumab improved EASI-75 at week 16.",
    "Tralokinumab targets IL-13.",
    "Upadacitinib, a JAK inhibitor, works within days.",
]


def _report(path: Path, shift: int = 0, claims: list[str] = CLAIMS, extra: tuple[Finding, ...] = ()
            ) -> DocumentReport:
    """A draft whose lines, claim ids and reference numbers all move by `shift`."""
    claim_objs = tuple(
        Claim(i + 1 + shift, text, (Marker(f"[{i + 1 + shift}]", (i + 1 + shift,), Span(line=3 + i + shift), "bracket"),),
              Span(line=3 + i + shift, column=1))
        for i, text in enumerate(claims)
    )
    refs = (
        Reference(1 + shift, "1", "1. Simpson EL. N Engl J Med. 2016;375:2335-48.", Span(line=20 + shift),
                  Work(doi="10.1056/NEJMoa1610020")),
        Reference(2 + shift, "2", "2. Wollenberg A. Br J Dermatol. 2021;184:437-49.", Span(line=21 + shift),
                  Work(pmid="33000465")),
        Reference(3 + shift, "3", "3. Guttman-Yassky E. Lancet. 2021;397:2151-68.", Span(line=22 + shift)),
    )
    resolutions = {1 + shift: Resolution(1 + shift, None, doi="10.1056/nejmoa1610020"),
                   2 + shift: Resolution(2 + shift, None, pmid="33000465"),
                   3 + shift: Resolution(3 + shift, None)}
    findings = (
        Finding("CA304", f"year 2016 differs (line {20 + shift})", Span(line=20 + shift), severity="warning",
                reference=1 + shift),
        Finding("CA205", "no DOI or PMID", Span(line=22 + shift), severity="info", reference=3 + shift),
        Finding("CA404", "upadacitinib is a JAK inhibitor", Span(line=5 + shift), severity="error",
                claim=3 + shift, citation=3 + shift, reference=3 + shift),
        Finding("CA401", "IL-13 not found in the cited work", Span(line=4 + shift), severity="warning",
                claim=2 + shift, citation=2 + shift, reference=2 + shift),
        *extra,
    )
    return DocumentReport(Document(path, "markdown", claim_objs, refs), findings, resolutions)


@pytest.fixture
def draft(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path / "review.md"


def test_a_baseline_hides_everything_it_was_written_from(draft: Path, tmp_path: Path):
    run = RunReport((_report(draft),))
    write_baseline(tmp_path / "baseline.json", run)
    filtered = filter_run(run, tmp_path / "baseline.json")
    assert filtered.documents[0].findings == ()
    assert filtered.documents[0].suppressed == 4


def test_after_a_paragraph_above_and_one_new_defect_only_that_defect_is_reported(draft: Path, tmp_path: Path):
    write_baseline(tmp_path / "baseline.json", RunReport((_report(draft),)))
    new = Finding("CA101", "cites 9, which has no entry", Span(line=9), severity="error", claim=5, citation=9)
    edited = _report(draft, shift=2, claims=[*CLAIMS, "Abrocitinib is oral."], extra=(new,))
    filtered = filter_run(RunReport((edited,)), tmp_path / "baseline.json")
    assert filtered.documents[0].findings == (new,)
    assert filtered.documents[0].suppressed == 4


def test_a_changed_claim_or_reference_is_a_new_finding(draft: Path, tmp_path: Path):
    write_baseline(tmp_path / "baseline.json", RunReport((_report(draft),)))
    reworded = _report(draft, claims=[CLAIMS[0], CLAIMS[1], "Upadacitinib, a JAK inhibitor, works within hours."])
    kept = filter_run(RunReport((reworded,)), tmp_path / "baseline.json").documents[0].findings
    assert [f.rule for f in kept] == ["CA404"]


def test_fingerprints_ignore_case_spacing_and_punctuation_of_the_claim(draft: Path):
    plain = _report(draft)
    noisy = _report(draft, claims=[c.upper().replace(" ", "  ").replace(",", " ;") for c in CLAIMS])
    assert [fingerprint(plain, f) for f in plain.findings] == [fingerprint(noisy, f) for f in noisy.findings]


def test_reference_identity_prefers_doi_then_pmid_then_text(draft: Path):
    report = _report(draft)
    moved = _report(draft, shift=5)
    for before, after in zip(report.findings, moved.findings, strict=True):
        assert fingerprint(report, before) == fingerprint(moved, after)
    other_doi = DocumentReport(report.document, report.findings,
                               {**report.resolutions, 1: Resolution(1, None, doi="10.1/other")})
    assert fingerprint(other_doi, report.findings[0]) != fingerprint(report, report.findings[0])


def test_duplicates_are_counted(draft: Path, tmp_path: Path):
    twice = Finding("CA205", "no DOI or PMID", Span(line=22), severity="info", reference=3)
    write_baseline(tmp_path / "b.json", RunReport((_report(draft),)))
    data = json.loads((tmp_path / "b.json").read_text())
    assert data["schema"] == SCHEMA
    assert {e["rule"]: e["count"] for e in data["findings"]}["CA205"] == 1
    filtered = filter_run(RunReport((_report(draft, extra=(twice,)),)), tmp_path / "b.json")
    assert filtered.documents[0].findings == (twice,)

    write_baseline(tmp_path / "b2.json", RunReport((_report(draft, extra=(twice,)),)))
    assert read_baseline(tmp_path / "b2.json").most_common(1)[0][1] == 2


def test_findings_are_kept_apart_by_document(draft: Path, tmp_path: Path):
    write_baseline(tmp_path / "b.json", RunReport((_report(draft),)))
    other = _report(tmp_path / "other.md")
    assert len(filter_run(RunReport((other,)), tmp_path / "b.json").documents[0].findings) == 4


def test_the_file_names_the_document_relative_to_itself(draft: Path, tmp_path: Path):
    write_baseline(tmp_path / "b.json", RunReport((_report(draft),)))
    data = json.loads((tmp_path / "b.json").read_text())
    assert {e["path"] for e in data["findings"]} == {"review.md"}
    assert all(len(e["fingerprint"]) == 32 and e["message"] for e in data["findings"])


@pytest.mark.parametrize("content, message", [
    (None, "no such baseline file"),
    ("{not json", "not JSON"),
    ('{"schema": "citeaudit-report/1"}', "not a citeaudit baseline"),
    ('[1, 2]', "not a citeaudit baseline"),
    ('{"schema": "citeaudit-baseline/1", "findings": [{"path": "a"}]}', "entry 1 lacks"),
])
def test_unreadable_baselines_are_input_errors(tmp_path: Path, content, message):
    path = tmp_path / "b.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError, match=message) as info:
        read_baseline(path)
    assert str(path) in str(info.value)


# -- end to end, through the command line ------------------------------------

DRAFT = """# Biologics in atopic dermatitis

Dupilumab improved EASI-75 at week 16 [1]. Tralokinumab targets IL-13 [3].
Lebrikizumab was also effective [2].

## References

1. Simpson EL, Bieber T, Guttman-Yassky E, et al. Two phase 3 trials of dupilumab versus placebo in atopic dermatitis. N Engl J Med. 2016;375(24):2335-2348. doi:10.1056/NEJMoa1610020
2. Silverberg JI, Guttman-Yassky E, Thaci D, et al. Two phase 3 trials of lebrikizumab for moderate-to-severe atopic dermatitis. N Engl J Med. 2023;388(12):1080-1091.
3. Wollenberg A, Blauvelt A, Guttman-Yassky E, et al. Tralokinumab for moderate-to-severe atopic dermatitis. Br J Dermatol. 2021;184(3):437-449.
4. Guttman-Yassky E, Teixeira HD, Simpson EL, et al. Once-daily upadacitinib versus placebo. Lancet. 2021;397:2151-2168.
"""


def _check(*args: str) -> tuple[int, dict]:
    from conftest import run_cli

    code, out, err = run_cli("check", "review.md", "--offline", "--format", "json", *args)
    assert code in (0, 1), err
    return code, json.loads(out)


def test_cli_baseline_reports_exactly_the_one_new_defect(draft: Path, tmp_path: Path):
    draft.write_text(DRAFT, encoding="utf-8")
    code, before = _check("--write-baseline", "baseline.json", "--fail-on", "warning")
    # The run that writes the baseline accepts its findings: exit 0.
    assert code == 0 and len(before["documents"][0]["findings"]) >= 3  # CA102, CA103, CA205...
    code, hidden = _check("--baseline", "baseline.json", "--fail-on", "info")
    assert code == 0 and hidden["documents"][0]["findings"] == []

    edited = DRAFT.replace(
        "# Biologics in atopic dermatitis\n",
        "# Biologics in atopic dermatitis\n\nAn unrelated paragraph, added by a co-author.\n\n"
        "It spans several lines\nso that every line below moves.\n",
    ).replace("Lebrikizumab was also effective [2].",
              "Lebrikizumab was also effective [2]. Nemolizumab relieves itch [7].")
    draft.write_text(edited, encoding="utf-8")
    code, after = _check("--baseline", "baseline.json")
    findings = after["documents"][0]["findings"]
    assert [(f["rule"], f["citation"]) for f in findings] == [("CA101", 7)]
    assert code == 1
    assert after["summary"]["errors"] == 1


def test_a_baseline_named_in_the_configuration_is_relative_to_that_file(draft: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch):
    from conftest import run_cli

    draft.write_text(DRAFT, encoding="utf-8")
    code, _out, err = run_cli("check", "review.md", "--offline", "--write-baseline", "accepted.json")
    assert code == 0, err
    (tmp_path / "citeaudit.toml").write_text('baseline = "accepted.json"\nfail-on = "info"\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)
    code, out, err = run_cli("check", "../review.md", "--offline", "--format", "json")
    assert code == 0 and json.loads(out)["documents"][0]["findings"] == [], err
    (tmp_path / "citeaudit.toml").write_text('fail-on = "info"\n')
    assert run_cli("check", "../review.md", "--offline")[0] == 1


@pytest.mark.parametrize("text", [
    '{"schema": "citeaudit-baseline/1", "findings": 5}',
    '{"schema": "citeaudit-baseline/1", "findings": [{"path": "d.md", "fingerprint": "x", "count": 1e400}]}',
    '{"schema": "citeaudit-baseline/1", "findings": [{"path": [1], "fingerprint": {}, "count": 1}]}',
    '{"schema": "citeaudit-baseline/1", "findings": [{"path": "d.md", "fingerprint": "x", "count": true}]}',
    '{"schema": "citeaudit-baseline/1", "findings": [null]}',
    "[" * 100_000 + "]" * 100_000,
    '"just text"',
])
def test_a_baseline_of_the_wrong_shape_is_one_line_exit_2(tmp_path: Path, text: str):
    """Hostile configuration (issue 22): each of these was a crash."""
    from conftest import run_cli

    draft = tmp_path / "d.md"
    draft.write_text("A claim [1].\n\n## References\n\n1. Smith J. T. J. 2020;1:1-2.\n")
    (tmp_path / "b.json").write_text(text)
    code, _, err = run_cli("check", str(draft), "--offline", "--baseline", str(tmp_path / "b.json"))
    assert code == 2 and err.count("\n") == 1 and "b.json" in err and "internal error" not in err, err
