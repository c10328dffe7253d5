"""Sentence segmentation and claim building."""

from __future__ import annotations

import pytest
from test_markers import Case, load_cases

from citeaudit.claims import Block, build_claims, sentences
from citeaudit.markers import find_markers
from citeaudit.model import Marker, Span


def block_of(text: str, reference_count: int | None = None, section: str | None = None) -> Block:
    markers = [
        (f.start, f.end, Marker(f.text, f.numbers, Span(line=1, column=f.start + 1), f.style,
                                f.keys, f.problem))
        for f in find_markers(text, reference_count=reference_count)
    ]
    return Block(text, markers, lambda offset: Span(line=1, column=offset + 1), section)


@pytest.mark.parametrize("case", load_cases("claims"), ids=lambda c: c.title)
def test_claim_case(case: Case) -> None:
    claims = build_claims([block_of(case.text, case.reference_count)])
    got = [f"{','.join(map(str, c.citations))} | {c.text}" for c in claims]
    assert got == list(case.expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("One. Two.", ["One.", "Two."]),
    ("Smith et al. showed it. Then more.", ["Smith et al. showed it.", "Then more."]),
    ("Use e.g. methotrexate. Or i.e. this.", ["Use e.g. methotrexate.", "Or i.e. this."]),
    ("RR 0.54 vs. 1.0 in 2.5% of cases. Next.", ["RR 0.54 vs. 1.0 in 2.5% of cases.", "Next."]),
    ("See Fig. 3. Then Figs. 4 and 5.", ["See Fig. 3.", "Then Figs. 4 and 5."]),
    ("In J. Am. Acad. Dermatol. 2018;78:62 it was. Next.",
     ["In J. Am. Acad. Dermatol. 2018;78:62 it was.", "Next."]),
    ("A line\nwrapped here. And a\nsecond one.", ["A line\nwrapped here.", "And a\nsecond one."]),
    ('He said "stop." Then left.', ['He said "stop."', "Then left."]),
    ("Ends in a marker.[3] Next one.", ["Ends in a marker.[3]", "Next one."]),
    ("The U.S. FDA approved it. Next.", ["The U.S. FDA approved it.", "Next."]),
    ("  ", []),
    ("no final stop", ["no final stop"]),
])
def test_sentences(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in sentences(text)] == expected


def test_claim_ids_spans_and_sections() -> None:
    first = block_of("Dupilumab works [1]. Nothing here. JAK inhibitors too [2].", section="Intro")
    second = block_of("Costs are high [3].", section="Costs")
    claims = build_claims([first, second], first_id=7)
    assert [c.id for c in claims] == [7, 8, 9]
    assert claims[1].span == Span(line=1, column=36)
    assert [c.section for c in claims] == ["Intro", "Intro", "Costs"]
    assert claims[2].markers[0].text == "[3]"


def test_marker_text_is_removed_without_leaving_gaps() -> None:
    claims = build_claims([block_of("Biologics [1], small molecules [2-3] and others [4] work.")])
    assert claims[0].text == "Biologics, small molecules and others work."
    assert claims[0].citations == (1, 2, 3, 4)


def test_blocks_without_markers_give_no_claims() -> None:
    assert build_claims([block_of("Nothing cited. At all.")]) == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("Liver failure is common. [1] Preterm delivery follows. [5]",
     ["1 | Liver failure is common.", "5 | Preterm delivery follows."]),
    ("It complicates 20% of cases. [1,2]", ["1,2 | It complicates 20% of cases."]),
    ("Acute renal failure. [1] and approximately 70% need delivery. [5]",
     ["1 | Acute renal failure.", "5 | and approximately 70% need delivery."]),
])
def test_a_citation_after_the_full_stop_belongs_to_the_sentence_before(text, expected):
    claims = build_claims([block_of(text)])
    assert [f"{','.join(map(str, c.citations))} | {c.text}" for c in claims] == expected
