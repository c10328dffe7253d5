"""Matching references to library entries: key, DOI, PMID, then author + year + title."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from paths import DATA

from citeaudit.bib.match import FUZZY_THRESHOLD, Index, fold, resolve, title_similarity
from citeaudit.bib.refparse import parse_reference
from citeaudit.model import (
    Claim,
    Document,
    Library,
    LibraryEntry,
    Marker,
    Person,
    Reference,
    Span,
    Work,
)

FLEMING = Work(title="Risk of infection in patients with atopic dermatitis treated with dupilumab: "
                     "a meta-analysis of randomized controlled trials",
               authors=(Person("Fleming", "Patrick"), Person("Drucker", "Aaron M.")), year=2018,
               journal="Journal of the American Academy of Dermatology", volume="78", issue="1",
               pages="62-69.e1", doi="10.1016/j.jaad.2017.09.052")
FLEMING_TEXT = ("Fleming P, Drucker AM. Risk of infection in patients with atopic dermatitis treated with "
                "dupilumab: a meta-analysis of randomized controlled trials. J Am Acad Dermatol. "
                "2018;78(1):62-69.e1.")


def entry(key: str, work: Work) -> LibraryEntry:
    return LibraryEntry(key=key, entry_type="article", work=work, span=Span(line=1, part="lib.bib"))


def reference(number: int, text: str, *, key: str | None = None, parse: bool = True) -> Reference:
    return Reference(number=number, id=str(number), text=text, span=Span(line=number),
                     work=parse_reference(text) if parse else Work(), key=key)


def document(*refs: Reference, claims: tuple[Claim, ...] = ()) -> Document:
    return Document(path=Path("draft.md"), format="markdown", claims=claims, references=refs)


def library(*entries: LibraryEntry) -> Library:
    return Library(paths=(Path("lib.bib"),), entries=entries)


def test_no_library_keeps_the_reference_identifiers() -> None:
    ref = reference(1, FLEMING_TEXT + " doi:10.1016/j.jaad.2017.09.052 PMID: 28987493")
    out = resolve(document(ref), None)
    assert out[1].entry is None and out[1].method is None
    assert (out[1].doi, out[1].pmid) == ("10.1016/j.jaad.2017.09.052", "28987493")


def test_match_by_reference_key_then_identifiers_fill_in() -> None:
    lib = library(entry("fleming2018", FLEMING), entry("other", Work(title="Something else entirely")))
    out = resolve(document(reference(1, "anything", key="fleming2018", parse=False)), lib)
    assert out[1].entry.key == "fleming2018" and out[1].method == "key"
    assert out[1].doi == "10.1016/j.jaad.2017.09.052"


def test_match_by_marker_key() -> None:
    marker = Marker(text="[@fleming2018]", numbers=(1,), span=Span(line=3), style="pandoc-key",
                    keys=("fleming2018",))
    claim = Claim(id=1, text="Infections were rare.", markers=(marker,), span=Span(line=3))
    lib = library(entry("fleming2018", FLEMING))
    out = resolve(document(reference(1, "unparseable", parse=False), claims=(claim,)), lib)
    assert out[1].method == "key" and out[1].entry.key == "fleming2018"


def test_match_by_doi_before_fuzzy() -> None:
    decoy = entry("decoy", FLEMING.__class__(title=FLEMING.title, authors=FLEMING.authors, year=2018))
    lib = library(decoy, entry("fleming2018", FLEMING))
    out = resolve(document(reference(1, FLEMING_TEXT + " doi:10.1016/J.JAAD.2017.09.052")), lib)
    assert out[1].method == "doi" and out[1].entry.key == "fleming2018"


def test_match_by_pmid() -> None:
    lib = library(entry("z", Work(title="Application of JAK inhibitors", pmid="38444845")))
    out = resolve(document(reference(4, "Zhang Y. Something. PMID: 38444845")), lib)
    assert out[4].method == "pmid" and out[4].pmid == "38444845"


def test_fuzzy_match_and_refusals() -> None:
    lib = library(entry("fleming2018", FLEMING))
    out = resolve(document(reference(1, FLEMING_TEXT)), lib)
    assert out[1].method == "fuzzy" and out[1].entry.key == "fleming2018" and out[1].score >= 95
    wrong_author = FLEMING_TEXT.replace("Fleming P", "Flemming Q").replace("Drucker AM", "Smith AM")
    wrong_year = FLEMING_TEXT.replace("2018;", "2015;")
    out = resolve(document(reference(1, wrong_author), reference(2, wrong_year)), lib)
    assert out[1].entry is None and out[2].entry is None


def test_unparsed_reference_is_parsed_for_matching() -> None:
    lib = library(entry("fleming2018", FLEMING))
    out = resolve(document(reference(1, FLEMING_TEXT, parse=False)), lib)
    assert out[1].method == "fuzzy"


def test_ambiguous_match_names_the_candidates() -> None:
    twin = Work(title=FLEMING.title, authors=FLEMING.authors, year=2018, journal="J Am Acad Dermatol")
    lib = library(entry("fleming2018a", FLEMING), entry("fleming2018b", twin))
    out = resolve(document(reference(1, FLEMING_TEXT)), lib)
    assert out[1].entry is None
    assert set(out[1].candidates) == {"fleming2018a", "fleming2018b"}


def test_unnumbered_references_are_keyed_by_id() -> None:
    ref = Reference(number=None, id="B7", text=FLEMING_TEXT, span=Span(line=1), work=parse_reference(FLEMING_TEXT))
    out = resolve(document(ref), library(entry("fleming2018", FLEMING)))
    assert out["B7"].entry.key == "fleming2018" and out["B7"].reference is None


# --- the threshold, measured on real reference lists ------------------------------------------

JATS = ("plos_ppat.1003133.xml", "plos_pone.0069640.xml", "pub2tei_biorxiv_371435.xml")


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _first(el: etree._Element, name: str) -> str | None:
    found = next((c for c in el.iter() if _local(c) == name), None)
    return " ".join("".join(found.itertext()).split()) if found is not None else None


def _flatten(el: etree._Element) -> str:
    parts: list[str] = []
    for piece in el.itertext():
        if parts and parts[-1][-1:].isalnum() and piece[:1].isalnum():
            parts.append(" ")
        parts.append(piece)
    return " ".join("".join(parts).split())


def corpus_pairs(data: Path) -> list[tuple[str, Work]]:
    """(reference text, the fields its publisher tagged) for each journal reference."""
    pairs = []
    seen: set[tuple[str, int]] = set()
    for name in JATS:
        root = etree.parse(str(data / "bib" / "jats" / name)).getroot()
        for el in root.iter():
            if _local(el) != "mixed-citation":
                continue
            title, source, year = _first(el, "article-title"), _first(el, "source"), _first(el, "year")
            names = [n for n in el.iter() if _local(n) in ("name", "string-name")]
            if not (title and source and year and names):
                continue
            people = tuple(Person(_first(n, "surname") or "", _first(n, "given-names") or "") for n in names)
            work = Work(title=title, authors=people, year=int(year[:4]), journal=source)
            # A work listed twice in one article (plos_pone.0069640 has one) is one entry, not two.
            if (fold(title), work.year) not in seen:
                seen.add((fold(title), work.year))
                pairs.append((_flatten(el), work))
    return pairs


@pytest.fixture(scope="module")
def pairs() -> list[tuple[str, Work]]:
    return corpus_pairs(DATA)


def test_corpus_is_large_enough(pairs: list[tuple[str, Work]]) -> None:
    assert len(pairs) > 150


def test_threshold_separates_true_pairs_from_impostors(pairs: list[tuple[str, Work]]) -> None:
    """Every reference scores its own entry's title; the best other candidate is the impostor.

    True pairs sit far above FUZZY_THRESHOLD and impostors (same first
    author and year, another paper) far below it, so the threshold is not
    a fine-tuned number: anything between the two bands would do.
    """
    lib = library(*(entry(f"r{i}", w) for i, (_, w) in enumerate(pairs)))
    index = Index(lib)
    true_scores, impostor_scores = [], []
    for i, (text, _) in enumerate(pairs):
        work, folded = parse_reference(text), fold(text)
        for item in index.items:
            s = title_similarity(work, folded, item)
            if s is not None:
                (true_scores if item.entry.key == f"r{i}" else impostor_scores).append(s)
    true_scores.sort()
    assert len(true_scores) >= 0.98 * len(pairs)
    assert true_scores[int(0.02 * len(true_scores))] >= FUZZY_THRESHOLD + 5
    assert max(impostor_scores, default=0) < FUZZY_THRESHOLD - 10


def test_corpus_references_match_their_own_entries(pairs: list[tuple[str, Work]]) -> None:
    lib = library(*(entry(f"r{i}", w) for i, (_, w) in enumerate(pairs)))
    refs = [reference(i, text) for i, (text, _) in enumerate(pairs)]
    out = resolve(document(*refs), lib)
    right = sum(1 for i in range(len(pairs)) if out[i].entry and out[i].entry.key == f"r{i}")
    wrong = sum(1 for i in range(len(pairs)) if out[i].entry and out[i].entry.key != f"r{i}")
    assert wrong == 0
    assert right >= 0.97 * len(pairs)


def test_no_match_when_the_entry_is_missing(pairs: list[tuple[str, Work]]) -> None:
    """Leave each reference's own entry out: nothing else may be taken for it."""
    half = len(pairs) // 2
    lib = library(*(entry(f"r{i}", w) for i, (_, w) in enumerate(pairs[:half])))
    refs = [reference(i, text) for i, (text, _) in enumerate(pairs) if i >= half]
    out = resolve(document(*refs), lib)
    assert [n for n, r in out.items() if r.entry is not None] == []


def test_an_nlm_journal_subtitle_does_not_hide_the_journal() -> None:
    from citeaudit.bib.journals import same_journal

    full = "Journal of cosmetic and laser therapy : official publication of the European Society for Laser Dermatology"
    assert same_journal("J Cosmet Laser Ther", full)
    assert not same_journal("J Dermatol Sci", full)
