"""Findings in plain words: the sentence the HTML page and the Word comments lead with.

The wording of each rule is declared with the rule, by the check that emits it; core/explain.py
only dispatches to it and falls back to the finding's message.
"""

from __future__ import annotations

import pytest

from citeaudit.explain import Explainer, explain, fix_text
from citeaudit.manager import get_plugin_manager
from citeaudit.model import Finding, Fix
from citeaudit.pipeline import source_labels
from citeaudit.rules import Rule


@pytest.fixture(scope="module")
def words() -> Explainer:
    host = get_plugin_manager(entry_points=False)
    return Explainer(host.rules(), source_labels(host))


def test_field_mismatches_read_as_english(words: Explainer) -> None:
    year = Finding("CA204", "m", reference=5, key="kawada2002",
                   evidence={"fields": {"year": {"reference": "2003", "library": "2002"}}})
    assert words.explain(year) == "The reference and its library entry (kawada2002) give a different year."
    authors = Finding("CA304", "m", reference=9, evidence={"origin": "reference", "registries": ["pubmed", "crossref"],
                                                            "differences": {"authors": {}}})
    assert words.explain(authors) == "The reference gives different authors than PubMed and Crossref."
    datacite = Finding("CA304", "m", reference=9, evidence={"origin": "library entry", "registries": ["datacite"],
                                                             "differences": {"year": {}, "volume": {}}})
    assert words.explain(datacite) == "The library entry gives a different year and volume than DataCite."


def test_claim_findings_name_what_is_wrong(words: Explainer) -> None:
    ca401 = Finding("CA401", "m", reference=10, evidence={"looked_for": ["vitiligo"]})
    assert words.explain(ca401).startswith("The cited abstract never mentions vitiligo")
    ca404 = Finding("CA404", "m", claim=2, evidence={"drug": "isotretinoin", "looked_for": "biologic",
                                                     "found": ["retinoid", "small-molecule"]})
    assert words.explain(ca404) == ("The claim calls isotretinoin \u201cbiologic\u201d, but its label makes it "
                                    "retinoid and small molecule (citeaudit dermatology lexicon).")


def test_every_sentence_of_the_old_explain_module_is_now_the_rules_own(words: Explainer) -> None:
    """The wording moved from core/explain.py to the rules, unchanged (issue 19)."""
    cases = [
        (Finding("CA101", "m", citation=7), "Reference 7 is cited here, but the reference list has no entry 7."),
        (Finding("CA102", "m", reference=3), "Reference 3 is in the reference list but never cited in the text."),
        (Finding("CA305", "m", reference=2, evidence={"notices": [{"doi": "10.1/r"}]}),
         "The cited work (reference 2) has been retracted. Notice: 10.1/r."),
        (Finding("CA306", "m", reference=2, evidence={"notices": [{"kind": "expression-of-concern", "pmid": "9"}]}),
         "The cited work (reference 2) has a expression of concern notice: check that the claim still holds. "
         "Notice: PMID 9."),
        (Finding("CA308", "m", reference=4, evidence={"reason": "offline"}),
         "The registry record of reference 4 could not be fetched, so it was not verified (offline)."),
        (Finding("CA402", "m", reference=1, evidence={"looked_for": "40%", "found": ["30%"]}),
         "The claim gives 40%; the abstract of reference 1 gives 30%."),
        (Finding("CA403", "m", reference=1, evidence={"looked_for": ["meta-analysis"], "found": ["Review"]}),
         "The claim calls reference 1 a meta-analysis; PubMed lists it as Review."),
        (Finding("CA406", "m", reference=8), "The claim shares few words with reference 8; is this the work that "
                                             "supports it?"),
    ]
    for finding, sentence in cases:
        assert words.explain(finding) == sentence, finding.rule


def test_a_rule_with_nothing_to_say_falls_back_to_the_message(words: Explainer) -> None:
    assert words.explain(Finding("CA101", "marker [x] cites nothing")) == "Marker [x] cites nothing."
    assert explain(Finding("CA101", "m", citation=7)) == "M."  # without the run's rules: the message


def test_a_third_party_rule_words_its_own_findings() -> None:
    rule = Rule("XY101", "odd", "info", "odd", explain=lambda finding, labels: f"Odd ({labels['xy']}).")
    assert explain(Finding("XY101", "m"), {"XY101": rule}, {"xy": "the XY registry"}) == "Odd (the XY registry)."


def test_unknown_rules_fall_back_to_the_message(words: Explainer) -> None:
    other = Finding("XY901", "lib.bib:3: something odd", reference=1, fix=Fix("year", "2017", "2018", "pubmed"))
    assert words.explain(other) == "lib.bib:3: something odd."
    assert words.fix_text(other) == "Year 2018 instead of 2017 (from PubMed)."
    assert fix_text(other) == "Year 2018 instead of 2017 (from pubmed)."


def test_fix_sources_are_named_by_the_registries_and_searches(words: Explainer) -> None:
    def source(name: str) -> str | None:
        return words.fix_text(Finding("CA205", "m", fix=Fix("doi", None, "10.1/x", name)))

    assert source("crossref-search") == "doi:10.1/x (from a Crossref search)."
    assert source("ecitmatch").endswith("(from PubMed ECitMatch).")
    assert source("library").endswith("(from the library).")
    assert source("retractionwatch").endswith("(from Retraction Watch).")
