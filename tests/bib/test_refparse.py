"""Reference strings in APA, Vancouver/AMA, PLOS and Harvard style."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citeaudit.bib.refparse import parse_reference
from citeaudit.model import Person


def seed_references(data: Path) -> list[str]:
    text = (data / "bib" / "seed_000.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if re.match(r"\s+\d+\.\s", line)]


def test_seed_000_apa_list(data: Path) -> None:
    refs = seed_references(data)
    assert len(refs) == 10
    works = [parse_reference(r) for r in refs]
    assert [w.year for w in works] == [2018, None, 2019, 2004, 2009, 2017, 2021, 2019, 2020, 2023]
    adami = works[2]
    assert adami.authors[:2] == (Person("Adami", "G."), Person("Saag", "K. G."))
    assert adami.title == "Balancing benefits and risks in the era of biologics"
    assert (adami.journal, adami.volume, adami.issue, adami.pages) == (
        "Ther Adv Musculoskelet Dis", "11", None, "1759720X19883973")
    alten = works[8]
    assert [p.family for p in alten.authors] == ["Alten", "Mischkewitz", "Stefanski", "Dörner"]
    assert (alten.journal, alten.volume, alten.issue, alten.pages) == ("Z Rheumatol", "79", "3", "241-254")
    # A corporate author stays whole, "&" included.
    assert works[0].authors == (Person("U.S. Food & Drug Administration"),)


def test_vancouver_with_identifiers() -> None:
    work = parse_reference(
        "7. Fleming P, Drucker AM. Risk of infection in patients with atopic dermatitis treated with "
        "dupilumab: a meta-analysis of randomized controlled trials. J Am Acad Dermatol. "
        "2018;78(1):62-69.e1. doi:10.1016/j.jaad.2017.09.052")
    assert work.authors == (Person("Fleming", "P"), Person("Drucker", "AM"))
    assert work.title.startswith("Risk of infection") and work.title.endswith("controlled trials")
    assert (work.journal, work.year, work.volume, work.issue, work.pages) == (
        "J Am Acad Dermatol", 2018, "78", "1", "62-69.e1")
    assert work.doi == "10.1016/j.jaad.2017.09.052"


def test_vancouver_with_month_and_article_number() -> None:
    work = parse_reference("Zhang Y, Jiang G. Application of JAK inhibitors in paradoxical reaction through "
                           "immune-related dermatoses. Front Immunol. 2024 Feb 20;15:1341632. "
                           "doi: 10.3389/fimmu.2024.1341632. PMID: 38444845")
    assert (work.journal, work.year, work.volume, work.pages) == ("Front Immunol", 2024, "15", "1341632")
    assert (work.doi, work.pmid) == ("10.3389/fimmu.2024.1341632", "38444845")


def test_vancouver_et_al_and_elocator() -> None:
    work = parse_reference("Lanneau GS, Argenta PA, Lanneau MS, Riffenburgh RH, Gold MA, McMeekin DS, et al. "
                           "Vulvar cancer in young women: demographic features and outcome evaluation. "
                           "American journal of obstetrics and gynecology. 2009;200(6):645.e1-5.")
    assert len(work.authors) == 6
    assert work.journal == "American journal of obstetrics and gynecology"
    assert work.pages == "645.e1-5"


def test_plos_style() -> None:
    work = parse_reference("Felig P, Marliss E, Cahill GF Jr. (1969) Plasma amino acid levels and insulin "
                           "secretion in obesity. N Engl J Med 281: 811–816. 5809519")
    assert work.year == 1969
    assert work.authors[2] == Person("Cahill", "GF Jr")
    assert (work.title, work.journal, work.volume, work.pages) == (
        "Plasma amino acid levels and insulin secretion in obesity", "N Engl J Med", "281", "811-816")


def test_harvard_style() -> None:
    work = parse_reference("McMahon, K., Ward, D., 2006. Make Roads Safe: A New Priority for Sustainable "
                           "Development. Commission for Global Road Safety.")
    assert [p.family for p in work.authors] == ["McMahon", "Ward"]
    assert work.year == 2006
    assert work.title == "Make Roads Safe: A New Priority for Sustainable Development"


def test_dotted_journal_abbreviation_stays_together() -> None:
    work = parse_reference("Smith J, Jones K. A study of things. J. Am. Acad. Dermatol. 2001;5:1-9.")
    assert work.title == "A study of things"
    assert work.journal == "J. Am. Acad. Dermatol"


@pytest.mark.parametrize("text", ["", "   ", "Biologicals.", "(2019)", "1.", "doi:10.1000/x"])
def test_odd_input_never_raises(text: str) -> None:
    work = parse_reference(text)
    assert work.year is None or isinstance(work.year, int)


def test_a_page_range_where_the_volume_should_be() -> None:
    work = parse_reference("14. Champion HR, Sacco WJ, Copes W, Gann DS, et al. A revision of the trauma "
                           "score. J Trauma. 1989;623–9.")
    assert (work.journal, work.year, work.volume, work.pages) == ("J Trauma", 1989, None, "623-629")
    assert parse_reference("Smith J. A title of some length. J Med. 2001;12:1123-31.").pages == "1123-1131"
    assert parse_reference("Smith J. A title of some length. J Med. 2001;12(3):99-101.").pages == "99-101"


def test_book_edition_group_author_and_trailing_particle() -> None:
    book = parse_reference("Moore EE, Feliciano DV, Mattox KL. Trauma. 8th edition. Book. New York: "
                           "McGraw-Hill Education; 2017.")
    assert (book.title, book.year, book.authors[0]) == ("Trauma", 2017, Person("Moore", "EE"))
    group = parse_reference("The R team. R-project. 2018.")
    assert (group.authors, group.title, group.year) == ((Person("The R team"),), "R-project", 2018)
    work = parse_reference("Gerdin M, Roy N, Schreeb J von, Petzold M. Traumatic transfers. "
                           "J Clin Epidemiol. 2016;74:40-7.")
    assert work.authors[2] == Person("von Schreeb", "J")
