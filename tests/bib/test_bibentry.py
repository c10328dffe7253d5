"""The BibTeX entry CA203 suggests: keys that never collide, TeX escaped, types, merged records."""

from __future__ import annotations

from citeaudit.bib.bibentry import entry_text, new_key, suggested_entry
from citeaudit.bib.bibtex import load_library
from citeaudit.model import Person, Record, Work

WORK = Work(title="Blue light & 5% benzoyl peroxide: a trial_of acne", authors=(Person("Müller-Lüdenscheidt", "Anna"),
            Person("O'Brien", "P")), year=2019, journal="J Derm & Ther", volume="12", issue="3",
            pages="100-9", doi="10.1000/x", kind="article-journal")


def test_keys_are_ascii_family_and_year_and_step_past_taken_ones():
    assert new_key(WORK, ()) == "mullerludenscheidt2019"
    assert new_key(WORK, {"MullerLudenscheidt2019"}) == "mullerludenscheidt2019a"
    taken = {"mullerludenscheidt2019", *(f"mullerludenscheidt2019{c}" for c in "abcdefghijklmnopqrstuvwxyz")}
    assert new_key(WORK, taken) == "mullerludenscheidt2019aa"
    assert new_key(Work(title="The effects of light"), ()) == "effects"


def test_the_entry_loads_back_as_the_same_work(tmp_path):
    path = tmp_path / "one.bib"
    path.write_text(entry_text(WORK, "k"), encoding="utf-8")
    library = load_library([path])
    assert not library.problems
    work = library.entries[0].work
    assert (work.title, work.journal, work.pages, work.issue, work.doi) == \
        (WORK.title, WORK.journal, "100-9", "3", "10.1000/x")
    assert [p.family for p in work.authors] == ["Müller-Lüdenscheidt", "O'Brien"]


def test_types_and_containers():
    assert entry_text(Work(title="T", kind="chapter", journal="Book"), "k").startswith("@incollection{k,")
    assert "  booktitle = {Book}," in entry_text(Work(title="T", kind="chapter", journal="Book"), "k")
    assert entry_text(Work(title="T", kind="posted-content"), "k").startswith("@misc{k,")
    assert entry_text(Work(title="T", journal="J"), "k").startswith("@article{k,")


def test_records_are_merged_crossref_first_and_used_only_when_they_describe_the_reference():
    crossref = Record("crossref", "10.1000/x", Work(title=WORK.title, authors=WORK.authors, year=2019,
                                                    journal="Journal of Dermatology", doi="10.1000/x",
                                                    kind="journal-article"))
    pubmed = Record("pubmed", "123", Work(title=WORK.title.lower(), year=2019, journal="J Derm", pmid="123",
                                          pmcid="PMC9", kind="article-journal"))
    text, source = suggested_entry(Work(title=WORK.title), [pubmed, crossref], ())
    assert source == "crossref"
    assert "  journal = {Journal of Dermatology}," in text and "  pmid = {123}," in text and "  pmcid = {PMC9}," in text
    other = Record("crossref", "10.1000/y", Work(title="Something else entirely, about cats", doi="10.1000/y"))
    assert suggested_entry(Work(title=WORK.title), [other], ()) is None
    assert suggested_entry(Work(title=WORK.title, journal="J"), [], ())[1] == "reference"
    assert suggested_entry(Work(doi="10.1000/x"), [], ()) is None
