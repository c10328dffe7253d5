"""Findings in plain words: the sentence the HTML page and the Word comments lead with."""

from __future__ import annotations

from citeaudit.explain import explain, fix_text, with_code
from citeaudit.model import Finding, Fix


def test_field_mismatches_read_as_english() -> None:
    year = Finding("CA204", "m", reference=5, key="kawada2002",
                   evidence={"fields": {"year": {"reference": "2003", "library": "2002"}}})
    assert explain(year) == "The reference and its library entry (kawada2002) give a different year."
    authors = Finding("CA304", "m", reference=9, evidence={"origin": "reference", "registries": ["pubmed", "crossref"],
                                                            "differences": {"authors": {}}})
    assert explain(authors) == "The reference gives different authors than PubMed and Crossref."


def test_claim_findings_name_what_is_wrong() -> None:
    ca401 = Finding("CA401", "m", reference=10, evidence={"looked_for": ["vitiligo"]})
    assert explain(ca401).startswith("The cited abstract never mentions vitiligo")
    ca404 = Finding("CA404", "m", claim=2, evidence={"drug": "isotretinoin", "looked_for": "biologic",
                                                     "found": ["retinoid", "small-molecule"]})
    assert explain(ca404) == ("The claim calls isotretinoin \u201cbiologic\u201d, but its label makes it retinoid "
                              "and small molecule (citeaudit dermatology lexicon).")


def test_unknown_rules_fall_back_to_the_message_and_the_code_comes_last() -> None:
    other = Finding("XY901", "lib.bib:3: something odd", reference=1, fix=Fix("year", "2017", "2018", "pubmed"))
    assert explain(other) == "lib.bib:3: something odd."
    assert fix_text(other) == "Year 2018 instead of 2017 (from PubMed)."
    assert with_code(other).endswith(" \u2014 XY901") and with_code(other).startswith("lib.bib:3")
