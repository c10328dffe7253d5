"""The text reporter, and the example's JSON report against its golden file.

Regenerate the golden file after an intended change with
`CITEAUDIT_UPDATE_GOLDEN=1 python -m pytest tests/plugins/test_text_report.py -k golden`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import builtin_rules, run_cli
from paths import DATA, ROOT, TESTS

from citeaudit.config import Options
from citeaudit.model import Claim, Document, Finding, Marker, Span
from citeaudit.plugins.text_report import clean, place, render
from citeaudit.report import DocumentReport, RunReport

GOLDEN = TESTS / "golden" / "review.json"
DEFECTS = DATA / "markdown" / "defects.md"


def run_of(findings: tuple[Finding, ...], claim_text: str = "Dupilumab works.", color: bool = False,
           ) -> RunReport:
    marker = Marker("[9]", (9,), Span(line=3, column=17), "bracket")
    doc = Document(Path("draft.md"), "markdown", (Claim(1, claim_text, (marker,), Span(line=3, column=1)),), ())
    return RunReport((DocumentReport(doc, findings),), Options(color=color), builtin_rules())


def test_lines_are_grouped_by_claim_with_path_line_col() -> None:
    findings = (
        Finding("CA101", "[9] cites reference 9, which is not in the list", Span(line=3, column=17),
                severity="error", claim=1, citation=9),
        Finding("CA102", "reference 2 is never cited", Span(line=9, column=1), severity="warning",
                reference=2),
    )
    out = render(run_of(findings))
    lines = out.splitlines()
    # The run's facts come last, before the summary: a streamed report knows them only then.
    assert lines[-2].startswith("citeaudit ") and lines[-2].endswith("registries not consulted")
    assert lines[0].startswith("draft.md (markdown, numeric citations): 1 claim, 0 references, 2 findings")
    assert lines[1] == "  claim 1: Dupilumab works."
    assert lines[2] == ("    draft.md:3:17: CA101 undefined-citation error [9] cites reference 9, "
                        "which is not in the list")
    assert lines[3] == "  references and document"
    assert lines[4].strip().startswith("draft.md:9:1: CA102 uncited-reference warning")
    assert lines[-1] == "1 document, 1 claim, 0 references: 1 error, 1 warning, 0 infos"
    assert "\x1b" not in out


def test_colour_only_when_asked() -> None:
    finding = Finding("CA101", "m", Span(line=1, column=1), severity="error", claim=1)
    assert "\x1b[" in render(run_of((finding,), color=True))
    assert "\x1b[" not in render(run_of((finding,), color=False))


def test_input_text_cannot_reach_the_terminal() -> None:
    hostile = "Claim \x1b[2J\x1b]0;title\x07with\u202eevil\r\ntext"
    finding = Finding("CA104", "marker '\x1b[31m[1'", Span(line=1, column=1), severity="error", claim=1)
    out = render(run_of((finding,), claim_text=hostile))
    assert "\x1b" not in out and "\u202e" not in out and "\r" not in out
    assert "Claim withevil  text" in out
    assert clean("a\x00b\x9bc") == "abc"


@pytest.mark.parametrize(("span", "expected"), [
    (Span(line=4, column=2), "d.md:4:2"),
    (Span(paragraph=12, offset=5), "d.md:\u00b613:6"),
    (Span(paragraph=0, offset=3, part="footnote:2"), "d.md[footnote:2]:\u00b61:4"),
    (Span(xpath="/article/body/p[3]", line=40), "d.md:40:/article/body/p[3]"),
    (Span(xpath="/article/body/p[3]"), "d.md:/article/body/p[3]"),
])
def test_place(span: Span, expected: str) -> None:
    assert place("d.md", span) == expected


def test_cli_text_output_for_the_defect_draft() -> None:
    code, out, err = run_cli("check", str(DEFECTS), "--select", "CA1", "--no-color")
    assert code == 1, err
    assert "defects.md:8:68: CA101 undefined-citation error" in out
    assert "defects.md:9:35: CA104 malformed-marker error marker '[5-4]': descending range 5-4" in out
    assert out.rstrip().endswith("3 errors, 3 warnings, 0 infos")


def test_example_matches_golden_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run_cli("check", "examples/review.md", "--offline", "--select", "CA1",
                             "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    report["tool"].pop("version")
    run = report.pop("run")  # the date changes with every run; tests/core/test_runinfo.py checks it
    assert run["offline"] is True and run["registries"] is None
    if os.environ.get("CITEAUDIT_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert report == json.loads(GOLDEN.read_text(encoding="utf-8"))
    document = report["documents"][0]
    assert document["findings"] == [] and document["style"] == "numeric"
    assert [c["id"] for c in document["claims"]] == list(range(1, len(document["claims"]) + 1))
    first_lines = [(c["location"]["line"], c["location"]["column"]) for c in document["claims"]]
    assert first_lines == sorted(first_lines)


# -- CA204 / CA304: both values whole, the difference marked ---------------------

LONG = ("Phototherapy with blue (415 nm) and red (660 nm) light in the treatment of acne vulgaris: "
        "a randomized trial of four light sources in one hundred and seven patients")


def _mismatches() -> tuple[Finding, ...]:
    return (
        Finding("CA304", "reference 9 disagrees with PubMed: title ...", Span(line=20, column=1),
                severity="warning", reference=9,
                evidence={"origin": "reference", "fields": ["authors", "title"], "differences": {
                    "title": {"cited": LONG.replace("(660 nm)", "(630 nm)"), "record": LONG, "similarity": 98},
                    "authors": {"cited": ["Papageorgiou", "Katsambos", "Chu"], "not_in_record": ["Katsambos"],
                                "record": ["Papageorgiou", "Katsambas", "Chu", "Extra"]}}}),
        Finding("CA204", "reference 5 and library entry 'kawada2002' disagree: year '2003' vs '2002'",
                Span(line=21, column=1), severity="warning", reference=5, key="kawada2002",
                evidence={"fields": {"year": {"reference": "2003", "library": "2002"}}}),
    )


def test_mismatches_show_both_whole_values_with_the_difference_marked() -> None:
    out = render(run_of(_mismatches()))
    title = LONG.replace("(660 nm)", "(6[-3-]{+6+}0 nm)")
    assert f"        title: {title}  (reference \u2192 record)" in out
    assert "        authors: Papageorgiou, Katsamb[-o-]{+a+}s, Chu  (reference \u2192 record)" in out
    assert "        year: 200[-3-]{+2+}  (reference \u2192 library)" in out
    assert "\x1b[" not in out


def test_mismatch_differences_are_coloured_on_a_terminal() -> None:
    out = render(run_of(_mismatches(), color=True))
    assert "\x1b[1;31m3" in out and "\x1b[1;32m2" in out


def test_registry_mismatch_messages_never_cut_a_title() -> None:
    from citeaudit.model import Record, Work
    from citeaudit.plugins.registry import _describe, differences

    record = Record("pubmed", "1", Work(title=LONG))
    diffs = differences(Work(title=LONG[:60] + " and something else entirely different here"), [record])
    message = _describe(diffs)
    assert LONG in message and "\u2026" not in message


def test_a_misspelt_second_author_is_a_mismatch_with_registry_and_library() -> None:
    from citeaudit.model import Person, Record, Work
    from citeaudit.plugins.library import compare
    from citeaudit.plugins.registry import differences

    cited = Work(authors=(Person("Papageorgiou", "P"), Person("Katsambos", "A"), Person("Chu", "A")))
    record = Work(authors=(Person("Papageorgiou", "P"), Person("Katsambas", "A"), Person("Chu", "A")))
    assert differences(cited, [Record("pubmed", "10809858", record)])["authors"]["not_in_record"] == ["Katsambos"]
    assert compare(cited, record)["authors"] == {"reference": "Papageorgiou, Katsambos, Chu",
                                                 "library": "Papageorgiou, Katsambas, Chu"}
    assert compare(record, record) == {}
    etal = Work(authors=(Person("Papageorgiou", "P"), Person("et al.", "")))
    assert compare(etal, record) == {}
