"""CA404 attribution: which class phrase belongs to which drug."""

from __future__ import annotations

import pytest

from citeaudit.plugins.support.pharmacology import contradictions


@pytest.mark.parametrize(("text", "drug", "wrong"), [
    ("Dupilumab, a JAK inhibitor, reduced infections.", "dupilumab", ("jak",)),
    ("Ustekinumab, an IL-17 inhibitor, is effective.", "ustekinumab", ("il-17",)),
    ("The JAK1 inhibitor dupilumab was given.", "dupilumab", ("jak1",)),
    ("Etanercept, a monoclonal antibody against TNF, was used.", "etanercept", ("mab",)),
    ("Guselkumab (Tremfya), an anti-IL-12/23 antibody, was used.", "guselkumab", ("il-12",)),
    ("Tralokinumab, which binds to IL-4Rα, was used.", "tralokinumab", ("il-4r",)),
    ("Apremilast is a biologic.", "apremilast", ("biologic",)),
])
def test_contradictions_found(text, drug, wrong) -> None:
    (found,) = contradictions(text)
    assert (found.drug.concept, found.wrong) == (drug, wrong)


@pytest.mark.parametrize("text", [
    # Real sentences from seeds 001-003.
    "Drugs like ustekinumab, which targets interleukin-12 and interleukin-23, and dupilumab, which "
    "inhibits interleukin-4 and interleukin-13, are examples.",
    "This article focuses on JAK inhibitors such as tofacitinib, baricitinib, ruxolitinib, Abrocitinib, "
    "upadacitinib, and deucravacitinib, to explore the possible application.",
    "Dupilumab, a monoclonal antibody targeting interleukin 4 and interleukin 13, appears to decrease risk.",
    # Loose co-occurrence is not attribution.
    "Switching from dupilumab to a JAK inhibitor helped.",
    "Unlike JAK inhibitors, dupilumab does not need laboratory monitoring.",
    "Dupilumab and upadacitinib, a JAK inhibitor, were compared.",
    "Upadacitinib, a selective JAK1 inhibitor, and dupilumab, an IL-4Rα antagonist, were compared.",
    "Ustekinumab targets the p40 subunit shared by IL-12 and IL-23.",
])
def test_correct_or_unattached_phrases_pass(text) -> None:
    assert contradictions(text) == []


def test_a_gap_of_punctuation_only_between_drug_and_class_does_not_crash():
    from citeaudit.plugins.support.pharmacology import _attached_after

    assert _attached_after(", ", bare=False) is True
    assert _attached_after(",", bare=True) is False
