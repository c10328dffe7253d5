"""One comparison module: matching, CA204 and CA304 agree on what "the same" is."""

from __future__ import annotations

import pytest

from citeaudit.bib.compare import page_range, same_journal, same_number, same_pages, same_person
from citeaudit.model import Person, Record, Work
from citeaudit.plugins.library import compare
from citeaudit.plugins.registry import differences

EQUAL_PAGES = [
    ("645.e1-5", "645.e1-645.e5"),
    ("0062-69", "62-69"),
    ("62-9", "62-69"),
    ("62-69.e1", "62-69"),
    ("1116-22", "1116-1122"),
    ("e0152459", "0152459"),
    ("e33693", "33693"),
    ("S12-5", "S12-S15"),
    ("62–69", "62-69"),
]
DIFFERENT_PAGES = [
    ("645.e1-5", "645.e1-645.e9"),
    ("62-9", "62-70"),
    ("63", "62-69"),
    ("0062-69", "62-68"),
]


@pytest.mark.parametrize("a, b", EQUAL_PAGES)
def test_pages_that_are_equal_are_equal_for_ca204_and_ca304_alike(a: str, b: str):
    """Defect 6: `645.e1-5` vs `645.e1-645.e5` (and `0062-69` vs `62-69`) were equal for CA204
    and different for CA304."""
    assert same_pages(a, b) and same_pages(b, a)
    assert "pages" not in compare(Work(pages=a), Work(pages=b))
    assert "pages" not in differences(Work(pages=a), [Record("crossref", "10.1/x", Work(pages=b))])


@pytest.mark.parametrize("a, b", DIFFERENT_PAGES)
def test_pages_that_differ_differ_for_both(a: str, b: str):
    assert not same_pages(a, b)
    assert "pages" in compare(Work(pages=a), Work(pages=b))
    assert "pages" in differences(Work(pages=a), [Record("crossref", "10.1/x", Work(pages=b))])


def test_page_ranges_are_written_out():
    assert page_range("645.e1-5") == ("645.e1", "645.e5")
    assert page_range("0062-69") == ("62", "69")
    assert page_range("1361-73") == ("1361", "1373")
    assert page_range(" ") is None


@pytest.mark.parametrize("cited, family, same", [
    ("van der Berg", "Berg", True), ("García López", "García", True), ("Dörner", "Dorner", True),
    ("Castelo-Soccio", "Castelo Soccio", True), ("van der Pluijm", "van Gogh", False),
    ("Norris", "Geary", False),
])
def test_the_same_person_for_ca204_and_ca304(cited: str, family: str, same: bool):
    assert same_person(cited, family) is same
    library = compare(Work(authors=(Person(cited),)), Work(authors=(Person(family),)))
    registry = differences(Work(authors=(Person(cited),)),
                           [Record("crossref", "10.1/x", Work(authors=(Person(family),)))])
    assert ("first author" not in library) is same and ("first_author" not in registry) is same


def test_volumes_issues_and_journals():
    assert same_number("078", "78") and same_number("3", "3-4") and not same_number("4", "5")
    assert same_journal("J Am Acad Dermatol", "Journal of the American Academy of Dermatology")
    assert not same_journal("Br J Dermatol", None, "J Am Acad Dermatol")


@pytest.mark.parametrize("cited, name", [
    ("Proc Natl Acad Sci U S A", "Proceedings of the National Academy of Sciences"),
    ("Proc. Natl. Acad. Sci. U.S.A.", "Proceedings of the National Academy of Sciences"),
])
def test_a_trailing_country_qualifier_does_not_make_another_journal(cited: str, name: str):
    assert same_journal(cited, name)
    assert "journal" not in compare(Work(journal=cited), Work(journal=name))


def test_a_library_entry_without_an_abbreviation_still_has_its_journal_compared():
    """CA204 compared the journal only when the entry also gave an abbreviation (None agreed)."""
    assert "journal" in compare(Work(journal="Br J Dermatol"),
                                Work(journal="Journal of the American Academy of Dermatology"))
