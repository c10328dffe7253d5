"""DOI, PMID and PMCID normalisation, validation and extraction."""

from __future__ import annotations

import pytest

from citeaudit.bib.identifiers import (
    Identifiers,
    find_identifiers,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)


@pytest.mark.parametrize("written, expected", [
    ("10.1016/j.jaad.2017.09.052", "10.1016/j.jaad.2017.09.052"),
    ("10.1016/J.JAAD.2017.09.052", "10.1016/j.jaad.2017.09.052"),
    ("https://doi.org/10.1111/bjd.17088", "10.1111/bjd.17088"),
    ("http://dx.doi.org/10.1111/bjd.17088", "10.1111/bjd.17088"),
    ("doi:10.1164/rccm.202110-2418OC", "10.1164/rccm.202110-2418oc"),
    ("DOI: 10.3389/fimmu.2024.1341632.", "10.3389/fimmu.2024.1341632"),
    ("https://doi.org/10.3389%2Ffimmu.2024.1341632", "10.3389/fimmu.2024.1341632"),
    ("10.1016/j.jaad.2017.\n   09.052", "10.1016/j.jaad.2017.09.052"),
    ("10.1016/S0140-6736(18)31234-5", "10.1016/s0140-6736(18)31234-5"),
    ("(10.1016/S0140-6736(18)31234-5)", None),
    ("10.1016/S0140-6736(18)31234-5).", "10.1016/s0140-6736(18)31234-5"),
    ("10.1007/978-3-030-59861-7_23", "10.1007/978-3-030-59861-7_23"),
])
def test_normalize_doi(written: str, expected: str | None) -> None:
    assert normalize_doi(written) == expected


@pytest.mark.parametrize("bad", ["10.1016", "10.1016/", "1016/j.jaad.2017.09.052", "10.12/abc",
                                 "doi:", "", "jaad.2017.09.052", "10.abcd/x"])
def test_invalid_doi_is_none(bad: str) -> None:
    assert normalize_doi(bad) is None


@pytest.mark.parametrize("written, expected", [
    ("28987493", "28987493"), (28987493, "28987493"), ("PMID: 38444845", "38444845"),
    ("pmid:1", "1"), ("https://pubmed.ncbi.nlm.nih.gov/38444845/", "38444845"),
    ("0", None), ("012345", None), ("1234567890", None), ("12ab", None), ("PMC10912518", None), (True, None),
])
def test_normalize_pmid(written: object, expected: str | None) -> None:
    assert normalize_pmid(written) == expected


@pytest.mark.parametrize("written, expected", [
    ("PMC10912518", "PMC10912518"), ("pmc10912518", "PMC10912518"), ("PMCID: PMC10164714", "PMC10164714"),
    ("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC10912518/", "PMC10912518"),
    # A PMID put in a PMCID field (the eLife schematron fixture's mistake) is not a PMCID.
    ("16452092", None), ("PMC", None), ("PMCabc", None),
])
def test_normalize_pmcid(written: str, expected: str | None) -> None:
    assert normalize_pmcid(written) == expected


def test_find_identifiers_in_a_vancouver_reference() -> None:
    text = ("Butala S, Castelo-Soccio L, Seshadri R, et al. Biologic versus small molecule therapy. "
            "J Allergy Clin Immunol Pract. 2023;11(5):1361-1373. doi:10.1016/j.jaip.2023.03.011. "
            "PMID: 36948491; PMCID: PMC10164714")
    found = find_identifiers(text)
    assert found == Identifiers(doi="10.1016/j.jaip.2023.03.011", pmid="36948491", pmcid="PMC10164714",
                                raw=(("doi", "10.1016/j.jaip.2023.03.011"), ("pmid", "36948491"),
                                     ("pmcid", "PMC10164714")))


def test_find_identifiers_keeps_invalid_values_as_written() -> None:
    found = find_identifiers("Smith J. A title. Nature. 2001;1:2. doi: 1016/abc. PMID: 12ab")
    assert found.doi is None and found.pmid is None
    assert ("doi", "1016/abc") in found.raw
    assert ("pmid", "12ab") in found.raw


def test_find_identifiers_in_urls() -> None:
    found = find_identifiers("https://onlinelibrary.wiley.com/doi/abs/10.1111/bjd.17088 "
                             "https://pubmed.ncbi.nlm.nih.gov/38444845/")
    assert found.doi == "10.1111/bjd.17088"
    assert found.pmid == "38444845"
    # "/doi/" in a publisher's URL path is no label: nothing invalid is reported.
    assert all(normalize_doi(v) for k, v in found.raw if k == "doi")


def test_find_identifiers_in_plain_text_finds_nothing() -> None:
    found = find_identifiers("World Health Organization. Biologicals. Accessed March 23, 2024.")
    assert found == Identifiers()


def test_first_valid_identifier_wins() -> None:
    found = find_identifiers("doi: 10.12/bad then 10.1000/good")
    assert found.doi == "10.1000/good"
    assert [v for k, v in found.raw] == ["10.12/bad", "10.1000/good"]


def test_labelled_sici_doi_keeps_its_check_character():
    # Old Wiley SICI DOIs end in ";2-X"; cut there, the DOI would not resolve.
    found = find_identifiers("J Clin Ultrasound. 2001;29:130-139. "
                             "doi:10.1002/1097-0096(200103/04)29:3<130::aid-jcu1012>3.0.co;2-x")
    assert found.doi == "10.1002/1097-0096(200103/04)29:3<130::aid-jcu1012>3.0.co;2-x"
    assert find_identifiers("doi:10.1000/abc; PMID: 12").doi == "10.1000/abc"


def test_short_dois_are_valid_and_known_as_short() -> None:
    from citeaudit.bib.identifiers import is_short_doi

    assert normalize_doi("10/F6KFT3") == "10/f6kft3" and is_short_doi("10/f6kft3")
    assert normalize_doi("https://doi.org/10/98p") == "10/98p"
    assert not is_short_doi("10.1038/ng.2938") and normalize_doi("10/") is None


def test_an_author_named_doi_is_not_a_doi_and_libkey_urls_give_pmids() -> None:
    assert find_identifiers("Doi T., Hamaguchi T. NC-6004 phase I. 2017").raw == ()
    assert find_identifiers("doi 10.1/x and doi: 6857").raw == (("doi", "10.1/x"), ("doi", "6857"))
    found = find_identifiers("https://libkey.io/libraries/2/pmid/30778736")
    assert found.pmid == "30778736" and found.raw == (("pmid", "30778736"),)


@pytest.mark.parametrize("written", ["http://dx.doi.org.ezp-prod1.hul.harvard.edu/10.3390/f9080492",
                                     "https://doi-org.ezproxy.lib.example.ac.uk/10.3390/f9080492"])
def test_a_doi_link_through_a_library_proxy_is_that_doi(written: str) -> None:
    assert normalize_doi(written) == "10.3390/f9080492"
    assert find_identifiers(f"Forests 2018. {written}").doi == "10.3390/f9080492"
