"""Lexicon loading and the drugs, targets and diseases found in text."""

from __future__ import annotations

from citeaudit.plugins.support.entities import covered, is_covered, mentions
from citeaudit.plugins.support.lexicon import lexicon


def concepts(text: str) -> list[str]:
    return [m.concept for m in mentions(text)]


def test_lexicon_facts_and_sources() -> None:
    lex = lexicon()
    assert lexicon() is lex  # loaded once
    assert {"il-4r", "il-13", "mab"} <= lex.concepts["dupilumab"].tags
    assert "jak" in lex.concepts["upadacitinib"].tags  # jak1 implies jak
    assert "mab" not in lex.concepts["etanercept"].tags
    assert lex.names["adtralza"] == "tralokinumab"


def test_names_brands_synonyms_and_abbreviations() -> None:
    assert concepts("Dupixent (dupilumab) in atopic eczema (AD)") == [
        "dupilumab", "dupilumab", "atopic-dermatitis", "atopic-dermatitis"]
    assert concepts("interleukin 4 and IL-4Rα") == ["il-4", "il-4r"]
    assert concepts("Kaposi varicelliform eruption") == ["eczema-herpeticum"]
    # Abbreviations are case-sensitive: "ad" is not atopic dermatitis.
    assert concepts("ad hoc") == []


def test_families_beyond_the_lexicon() -> None:
    assert concepts("IL-33 and IL-12/23 and JAK1/2") == ["il-33", "il-12", "il-23", "jak1", "jak2"]
    assert concepts("fooximab was given") == ["drug:fooximab"]


def test_covered_includes_drug_targets_and_broader_concepts() -> None:
    ids = covered(["A trial of upadacitinib in generalized pustular psoriasis"])
    assert {"upadacitinib", "jak1", "jak", "psoriasis"} <= ids
    assert is_covered("jak", ids) and is_covered("il-17a", covered(["IL-17 blockade"]))
    assert not is_covered("dupilumab", ids)
