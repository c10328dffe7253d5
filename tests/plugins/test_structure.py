"""CA101-CA106 on real drafts: the defect draft, clean drafts in every marker style."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import paths
import pytest
from conftest import run_cli

from citeaudit.checks import CheckContext
from citeaudit.model import Claim, Document, Finding, Marker, Reference, Span
from citeaudit.plugins.markdown import parse_markdown, read_markdown
from citeaudit.plugins.structure import CHECKS

DATA = paths.DATA / "markdown"
EXAMPLE = paths.EXAMPLES / "review.md"


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


def test_one_late_reference_is_one_finding_not_a_cascade() -> None:
    order = (1, 2, 3, *range(5, 31), 4)
    doc = doc_of(*(marker(f"[{n}]", (n,), i) for i, n in enumerate(order, start=1)), numbers=tuple(range(1, 31)))
    (finding,) = [f for f in findings(doc) if f.rule == "CA103"]
    assert finding.citation == 4
    assert finding.message.startswith("reference 4 is first cited after reference 5")


def test_one_early_reference_is_one_finding() -> None:
    order = (1, 20, *range(2, 20), *range(21, 31))
    doc = doc_of(*(marker(f"[{n}]", (n,), i) for i, n in enumerate(order, start=1)), numbers=tuple(range(1, 31)))
    (finding,) = [f for f in findings(doc) if f.rule == "CA103"]
    assert finding.citation == 20
    assert finding.evidence["cited_before"] == list(range(2, 20))


def test_floating_claims_count_only_when_out_of_order_either_way() -> None:
    # claim 2 is a caption read where its figure is first cited; it cites 5 early (numbered
    # where the text cites it) and 9 early (out of order however captions are counted)
    markers = [marker("[1]", (1,), 1), marker("[5, 9]", (5, 9), 2), *(marker(f"[{n}]", (n,), n) for n in (2, 3, 4, 5, 6, 7, 8, 9))]
    doc = doc_of(*markers, numbers=tuple(range(1, 10)))
    assert [f.citation for f in findings(doc)] == [5, 9]
    floating = replace(doc, extras={"unordered_claims": (2,)})
    assert findings(floating) == []
    early = [marker("[1]", (1,), 1), marker("[9]", (9,), 2), *(marker(f"[{n}]", (n,), n) for n in (2, 9, 3, 4, 5, 6, 7, 8))]
    doc = replace(doc_of(*early, numbers=tuple(range(1, 10))), extras={"unordered_claims": (2,)})
    assert [f.citation for f in findings(doc)] == [9]


def test_alphabetical_list_is_one_note() -> None:
    names = ["Adams", "Baker", "Cole", "Diaz", "Evans", "Ford", "Gray", "Hall"]
    refs = tuple(Reference(n, str(n), f"{name} A. Study {n}. J Test. 2020;{n}:1-2.", Span(line=20 + n))
                 for n, name in enumerate(names, start=1))
    order = (5, 1, 8, 2, 7, 3, 6, 4)
    claims = tuple(Claim(i, "c", (marker(f"[{n}]", (n,), i),), Span(line=i)) for i, n in enumerate(order, start=1))
    (note,) = findings(Document(Path("d.xml"), "jats", claims, refs))
    assert (note.rule, note.severity, note.evidence["house_style"]) == ("CA103", "info", "alphabetical")


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
