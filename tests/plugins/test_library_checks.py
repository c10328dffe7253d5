"""CA201-CA206: the library plugin's checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from citeaudit.bib.bibtex import load_library
from citeaudit.bib.compare import page_range, same_pages
from citeaudit.bib.match import resolve
from citeaudit.bib.refparse import parse_reference
from citeaudit.checks import CheckContext
from citeaudit.config import Options
from citeaudit.manager import get_plugin_manager
from citeaudit.model import Document, Library, LibraryEntry, Person, Reference, Span, Work
from citeaudit.plugins.library import check_identifiers, compare, lint_library, match_library

BIB = r"""@article{fleming2018,
  author = {Fleming, Patrick and Drucker, Aaron M.},
  title = {Risk of infection in patients with atopic dermatitis treated with dupilumab: {A} meta-analysis of randomized controlled trials},
  journal = {Journal of the American Academy of Dermatology},
  year = {2018}, volume = {78}, number = {1}, pages = {62--69.e1},
  doi = {10.1016/j.jaad.2017.09.052}
}
@article{veilleux2017,
  author = {Veilleux, Marie-Sophie and Shear, Neil H.},
  title = {Biologics in patients with skin diseases},
  journal = {J Allergy Clin Immunol},
  year = {2017}, volume = {139}, number = {5}, pages = {1423--1430}
}
"""

FLEMING = ("Fleming P, Drucker AM. Risk of infection in patients with atopic dermatitis treated with "
           "dupilumab: a meta-analysis of randomized controlled trials. J Am Acad Dermatol. 2018;78(1):62-9.")
VEILLEUX = ("Veilleux MS, Shear NH. Biologics in patients with skin diseases. J Allergy Clin Immunol. "
            "2016;139(4):1423-1430.")
ABSENT = "Morrow T, Felcone LH. Defining the difference: what makes biologics unique. Biotechnol Healthc. 2004;1(4):24-29."


def ref(number: int, text: str) -> Reference:
    work = parse_reference(text)
    from citeaudit.bib.identifiers import find_identifiers

    return Reference(number=number, id=str(number), text=text, span=Span(line=10 + number, column=1),
                     work=work, raw_identifiers=find_identifiers(text).raw)


def context(refs: list[Reference], library: Library | None) -> CheckContext:
    document = Document(path=Path("draft.md"), format="markdown", claims=(), references=tuple(refs))
    return CheckContext(document=document, options=Options(), library=library,
                        resolutions=resolve(document, library))


@pytest.fixture
def library(tmp_path: Path) -> Library:
    path = tmp_path / "lib.bib"
    path.write_text(BIB, encoding="utf-8")
    return load_library([path])


def test_checks_are_registered() -> None:
    names = {c.name: c for c in get_plugin_manager().checks()}
    assert names["library-lint"].codes == ("CA201", "CA202", "CA206")
    assert names["library-match"].codes == ("CA203", "CA204")
    assert names["identifiers"].codes == ("CA205", "CA206")


def test_clean_match_gives_nothing(library: Library) -> None:
    findings = list(match_library(context([ref(1, FLEMING)], library)))
    assert findings == []


def test_mismatch_names_each_field(library: Library) -> None:
    [finding] = match_library(context([ref(3, VEILLEUX)], library))
    assert (finding.rule, finding.reference, finding.key) == ("CA204", 3, "veilleux2017")
    assert set(finding.evidence["fields"]) == {"year", "issue"}
    assert finding.evidence["fields"]["year"] == {"reference": "2016", "library": "2017"}
    assert finding.span == Span(line=13, column=1)


def test_not_in_library_and_ambiguous(library: Library) -> None:
    [absent] = match_library(context([ref(2, ABSENT)], library))
    assert absent.rule == "CA203" and absent.reference == 2 and not absent.evidence["ambiguous"]
    twin = LibraryEntry(key="fleming2018b", entry_type="article", work=library.entries[0].work,
                        span=Span(line=40, part="lib.bib"))
    doubled = Library(paths=library.paths, entries=(*library.entries, twin))
    [ambiguous] = match_library(context([ref(1, FLEMING)], doubled))
    assert ambiguous.rule == "CA203" and "ambiguous" in ambiguous.message
    assert ambiguous.evidence["candidates"] == ["fleming2018", "fleming2018b"]


def test_match_checks_need_a_library() -> None:
    assert list(match_library(context([ref(2, ABSENT)], None))) == []


def test_identifier_checks_without_library() -> None:
    refs = [ref(1, FLEMING + " doi:10.1016/j.jaad.2017.09.052"), ref(2, ABSENT),
            ref(3, VEILLEUX + " doi: 10.1016/ PMID: 12ab")]
    findings = list(check_identifiers(context(refs, None)))
    assert [(f.rule, f.reference) for f in findings] == [("CA205", 2), ("CA205", 3), ("CA206", 3), ("CA206", 3)]
    assert {f.evidence["value"] for f in findings if f.rule == "CA206"} == {"10.1016/", "12ab"}


def test_library_identifier_fills_the_gap(library: Library) -> None:
    findings = list(check_identifiers(context([ref(1, FLEMING), ref(3, VEILLEUX)], library)))
    assert [(f.rule, f.reference, f.key) for f in findings] == [("CA205", 3, "veilleux2017")]
    assert "veilleux2017" in findings[0].message


def test_lint_reports_library_problems(tmp_path: Path) -> None:
    path = tmp_path / "bad.bib"
    path.write_text(BIB + "@article{fleming2018, title={again}}\n", encoding="utf-8")
    lib = load_library([path])
    findings = list(lint_library(context([], lib)))
    assert [(f.rule, f.key, f.span.line, f.path) for f in findings] == [("CA202", "fleming2018", 14, str(path))]
    assert list(lint_library(context([], None))) == []


@pytest.mark.parametrize("a, b", [("62-9", "62-69"), ("62–69", "62-69"), ("62-69.e1", "62-69"),
                                  ("1423-30", "1423-1430"), ("e12019", "12019"), ("e0152459", "e152459"),
                                  ("645.e1-5", "645.e1-645.e5"), ("100", "100-109")])
def test_same_pages(a: str, b: str) -> None:
    assert same_pages(a, b)


@pytest.mark.parametrize("a, b", [("62-9", "62-79"), ("63-69", "62-69"), ("e12019", "e12091")])
def test_different_pages(a: str, b: str) -> None:
    assert not same_pages(a, b)


def test_page_range_expands_short_last_page() -> None:
    assert page_range("1361-73") == ("1361", "1373")
    assert page_range("b2803") == ("b2803", None)


def test_compare_journal_abbreviation_and_author() -> None:
    entry = Work(authors=(Person("Fleming", "Patrick"),), journal="Journal of the American Academy of Dermatology",
                 journal_abbrev="J Am Acad Dermatol")
    assert compare(Work(authors=(Person("Fleming", "P"),), journal="J Am Acad Dermatol"), entry) == {}
    assert compare(Work(journal="J. Am. Acad. Dermatol."), entry) == {}
    diff = compare(Work(authors=(Person("Drucker", "AM"),), journal="JAMA Dermatol"), entry)
    assert set(diff) == {"first author", "journal"}
    assert compare(Work(volume="078", issue="1"), Work(volume="78", issue="01")) == {}
