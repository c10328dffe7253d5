"""CA101-CA106 on real drafts: the defect draft, clean drafts in every marker style."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import run_cli

from citeaudit.checks import CheckContext
from citeaudit.model import Claim, Document, Finding, Marker, Reference, Span
from citeaudit.plugins.markdown import parse_markdown, read_markdown
from citeaudit.plugins.structure import CHECKS

DATA = Path(__file__).parent / "data" / "markdown"
EXAMPLE = Path(__file__).parent.parent / "examples" / "review.md"


def findings(document: Document) -> list[Finding]:
    context = CheckContext(document=document, options=None)
    return [f for check in CHECKS for f in check.run(context)]


def summary(document: Document) -> list[tuple]:
    return sorted((f.rule, f.citation, f.reference) for f in findings(document))


def test_defect_draft_reports_each_defect_once() -> None:
    assert summary(read_markdown(DATA / "defects.md")) == [
        ("CA101", 12, None),   # [12]: no such entry
        ("CA102", None, 9),    # 9 never cited
        ("CA103", 4, 4),       # 4 first cited before 3
        ("CA104", None, None),  # [5-4]: descending range
        ("CA105", None, 6),    # 6 repeats 1
        ("CA106", None, 8),    # 7 missing from the list
    ]


def test_defect_findings_point_at_the_place() -> None:
    found = {f.rule: f for f in findings(read_markdown(DATA / "defects.md"))}
    assert found["CA101"].span == Span(line=8, column=68) and found["CA101"].claim == 8
    assert found["CA104"].evidence["marker"] == "[5-4]"
    assert found["CA105"].evidence["duplicate_of"] == 1
    assert found["CA106"].evidence["missing"] == [7]
    assert all(f.severity is None for f in found.values())


STYLES = {
    "bracket": "[{}]",
    "bracket-dash": "[{}]",
    "html-sup": "<sup>{}</sup>",
    "pandoc-sup": "^{}^",
    "unicode-sup": "{}",
    "paren": " ({})",
    "flattened": "{}",
}
_SUP = str.maketrans("0123456789,-", "⁰¹²³⁴⁵⁶⁷⁸⁹˒⁻")


def clean_draft(style: str) -> str:
    cites = ["1", "2,3", "4-6", "2", "7"]
    if style == "bracket-dash":
        cites[2] = "4–6"
    if style == "unicode-sup":
        cites = [c.translate(_SUP) for c in cites]
    if style == "paren":
        cites = ["1,2", "2,3", "4-6", "3,4", "6,7"]
    mark = [STYLES[style].format(c) for c in cites]
    if style == "flattened":
        body = (f"Dupilumab lowered skin infections.{mark[0]} Eczema herpeticum was rarer "
                f"(in adults).{mark[1]} JAK inhibitors act fast.{mark[2]}\n"
                f"Costs are high.{mark[3]} Monitoring matters (always).{mark[4]}\n")
    else:
        body = (f"Dupilumab lowered skin infections{mark[0]}. Eczema herpeticum was rarer{mark[1]}.\n"
                f"JAK inhibitors act fast{mark[2]}. Costs are high{mark[3]}. Monitoring matters{mark[4]}.\n")
    refs = "\n".join(f"{n}. Author{n} A. A distinct title number {n} about topic {n * 7}. "
                     f"J Test. {2000 + n};{n}:{n}0-{n}9." for n in range(1, 8))
    return f"# Draft\n\n{body}\n## References\n\n{refs}\n"


@pytest.mark.parametrize("style", sorted(STYLES))
def test_clean_draft_in_each_style_has_no_finding(style: str) -> None:
    doc = parse_markdown(clean_draft(style), Path("clean.md"))
    cited = {n for c in doc.claims for n in c.citations}
    assert cited == set(range(1, 8)), [c.markers for c in doc.claims]
    assert findings(doc) == []


def test_example_is_clean() -> None:
    assert findings(read_markdown(EXAMPLE)) == []


def test_seed_000_only_reports_what_the_excerpt_leaves_uncited() -> None:
    found = findings(read_markdown(DATA / "seed000.txt"))
    assert {f.rule for f in found} == {"CA102"}
    assert sorted(f.reference for f in found) == [1, 2, 3, 4, 6, 7, 8]


def marker(text: str, numbers: tuple[int, ...], column: int, problem: str | None = None) -> Marker:
    return Marker(text, numbers, Span(line=1, column=column), "bracket", problem=problem)


def doc_of(*markers: Marker, numbers: tuple[int, ...] = (1, 2, 3), style: str = "numeric",
           diagnostics: tuple[Finding, ...] = ()) -> Document:
    claims = tuple(Claim(i, f"claim {i}", (m,), m.span) for i, m in enumerate(markers, start=1))
    refs = tuple(Reference(n, str(n), f"Entry about subject {n * 11} in 20{n:02d}.", Span(line=10 + i))
                 for i, n in enumerate(numbers))
    return Document(Path("d.md"), "markdown", claims, refs, style=style, diagnostics=diagnostics)


def test_citation_order_only_for_numeric_style() -> None:
    doc = doc_of(marker("[2]", (2,), 1), marker("[1]", (1,), 5), marker("[3]", (3,), 9))
    assert [f.rule for f in findings(doc)] == ["CA103"]
    assert findings(replace(doc, style="author-year")) == []


def test_numbers_of_one_marker_are_cited_together() -> None:
    doc = doc_of(marker("[1]", (1,), 1), marker("[3, 2]", (3, 2), 5))
    assert findings(doc) == []


def test_reader_diagnostics_are_not_repeated() -> None:
    bad = marker("[3-1]", (), 1, problem="descending range 3-1")
    reported = Finding("CA104", "reader said so", span=bad.span)
    doc = doc_of(bad, marker("[1-3]", (1, 2, 3), 9), diagnostics=(reported,))
    assert [f.rule for f in findings(doc)] == []


def test_duplicates_by_identifier() -> None:
    doc = doc_of(marker("[1-3]", (1, 2, 3), 1))
    refs = list(doc.references)
    refs[2] = replace(refs[2], work=replace(refs[2].work, pmid="123"))
    refs[0] = replace(refs[0], work=replace(refs[0].work, pmid="123"))
    found = findings(replace(doc, references=tuple(refs)))
    assert [(f.rule, f.reference, f.evidence["duplicate_of"]) for f in found] == [("CA105", 3, 1)]


@pytest.mark.parametrize(("numbers", "expected"), [
    ((1, 2, 3), []),
    ((1, 2, 2, 3), [("repeat", 2)]),
    ((1, 3, 2), [("out-of-sequence", 2)]),
    ((2, 3), [("gap", 2)]),
    ((1, 2, 5, 3, 4), [("out-of-sequence", 3), ("out-of-sequence", 4)]),
])
def test_reference_numbering(numbers: tuple[int, ...], expected: list) -> None:
    doc = doc_of(numbers=numbers)
    found = [f for f in findings(doc) if f.rule == "CA106"]
    assert [(f.evidence["problem"], f.reference) for f in found] == expected


def test_cli_reports_the_defects_and_exits_1() -> None:
    code, out, err = run_cli("check", str(DATA / "defects.md"), "--select", "CA1", "--format", "json")
    assert code == 1, err
    assert out.count('"rule": "CA1') == 6
