"""Read the fields of a reference string in Vancouver/AMA, APA, PLOS or Harvard style.

No kept library parses reference strings offline without a trained model
(anystyle and GROBID need Ruby or Java and model files), so this is a small
pattern parser: it finds the year and the volume/issue/pages locator, the
two anchors every biomedical style has, and splits what lies between them
into authors, title and journal. Its accuracy on the JATS corpus is in
docs/reference-parsing.md (benchmarks/refparse_accuracy.py measures it).
"""

from __future__ import annotations

import re

from citeaudit import patterns
from citeaudit.bib.identifiers import find_identifiers
from citeaudit.model import Person, Work

_DASH = "-\u2010\u2011\u2012\u2013\u2014\u2212"
_PAGE = rf"[A-Za-z]{{0,2}}\d[\w.]*(?:\s*[{_DASH}]\s*[A-Za-z]{{0,2}}\d[\w.]*)?"
_YEAR = r"(?:1[6-9]|20)\d{2}"

# Everything that is not bibliographic text: identifiers, links, access notes,
# the bare PMID PLOS appends, the list label a reader may leave in.
_NOISE = (
    # (pattern, strings of which the text must hold one for it to match: most
    # references hold none, and a search costs more than a substring test)
    (patterns.compile(r"\b(?:doi|DOI)\s*(?:[:=]\s*|\s+(?=10\.|https?:))\S+"), ("doi", "DOI")),
    (patterns.compile(r"(?:https?://|www\.)\S+"), ("http", "www.")),
    (patterns.compile(r"\b(?:PMID|PMCID|PMC ID)\s*[:=]?\s*\S+", re.IGNORECASE), None),
    (patterns.compile(r"\bPMC\d+\b"), ("PMC",)),
    (patterns.compile(r"\b10\.\d{4,9}/\S+"), ("10.",)),
    (patterns.compile(r"\(?\b(?:Accessed|accessed|Available (?:from|at)|Retrieved)\b[^)]*\)?\.?"),
     ("ccessed", "Available", "Retrieved")),
    (patterns.compile(r"\[(?:cited|Internet|published online)[^\]]*\]", re.IGNORECASE), ("[",)),
    (patterns.compile(r"\s\d{6,9}\.?\s*$"), None),
)
_LABEL = patterns.compile(r"^\s*(?:\[\d+\]|\d+[.)]|\(\d+\))\s+")

_VANCOUVER = patterns.compile(
    rf"(?P<year>{_YEAR})[a-z]?(?:\s+[A-Z][a-z]{{2,8}}\.?(?:[{_DASH}/][A-Z][a-z]{{2,8}})?(?:\s+\d{{1,2}})?)?"
    rf"\s*;\s*(?P<volume>[\w.]+)?\s*(?:\((?P<issue>[^)]+)\))?"
    rf"(?:\s*:\s*(?P<pages>{_PAGE}))?"
)
_BARE_PAGES = patterns.compile(rf"\s*([{_DASH}]\s*\d+)\b")
_PAREN_YEAR = patterns.compile(rf"^(?P<authors>.*?)\s*\((?P<year>{_YEAR})[a-z]?(?:[,;][^)]*)?\)[.,:]?\s*(?P<rest>.*)$")
_HARVARD_YEAR = patterns.compile(rf"^(?P<authors>.*?),?\s+(?P<year>{_YEAR})[a-z]?\.\s+(?P<rest>.*)$")
# Volume(issue), pages or Volume: pages at the end of an author-year reference.
_APA_TAIL = patterns.compile(
    rf"^(?P<head>.*?)[,.]?\s+(?P<volume>\d[\w.]*)\s*(?:\((?P<issue>[^)]+)\))?"
    rf"(?:(?:\s*[,:]\s*|\s+)(?:pp?\.\s*)?(?P<pages>{_PAGE}))?\.?$"
)
_SENTENCE_END = patterns.compile(r"(?<=[.?!])\s+(?=\S)")
_INITIAL = patterns.compile(r"(?:^|[\s.\-])[A-Z]\.$")
_VANCOUVER_AUTHOR = patterns.compile(
    r"^(?P<family>[^\d,]+?)\s+(?P<given>[A-Z](?:[A-Z]{0,3}|[a-z])(?:-[A-Z]{1,2})?(?:\s+(?:Jr|Sr|II|III|IV|2nd|3rd))?)"
    r"(?:\s+(?P<particle>(?:van|von|de|der|den|da|di|del|du|le|la)(?:\s+(?:der|den|de|la))?))?$")
"""`Fleming P`, `Schreeb J von` (MEDLINE puts the particle last: von Schreeb J)."""
_APA_AUTHORS = patterns.compile(
    r"(?P<family>[^,&]+?),\s*(?P<given>(?:[A-Z][a-z]?\.?[\s-]?)+?(?:\s*(?:Jr|Sr)\.?)?)\s*(?=,|$)"
)
_AUTHORS_END = patterns.compile(r"((?:\b[A-Z]{1,3}|\bal|\bJr|\bSr|\bII|\bIII|\bIV))\.\s+(?=\S)")
_ET_AL = patterns.compile(r",?\s*\bet\s+al\b\.?", re.IGNORECASE)


def parse_reference(text: str) -> Work:
    """The fields of one reference string; what cannot be read is left None."""
    ids = find_identifiers(text)
    clean = _clean(text)
    work = _author_year(clean) or _vancouver(clean) or _fallback(clean)
    return Work(
        title=work.title, authors=work.authors, year=work.year, journal=work.journal,
        volume=work.volume, issue=work.issue, pages=_tidy_pages(work.pages),
        doi=ids.doi, pmid=ids.pmid, pmcid=ids.pmcid,
    )


def _clean(text: str) -> str:
    text = _LABEL.sub("", " ".join(text.split()))
    for pattern, needs in _NOISE:
        if needs is None or any(need in text for need in needs):
            text = pattern.sub(" ", text)
    return " ".join(text.split()).strip(" ,;")


def _tidy_pages(pages: str | None) -> str | None:
    """`623–9` -> `623-629`: one dash, the last page written out."""
    if not pages:
        return None
    pages = re.sub(rf"\s*[{_DASH}]\s*", "-", pages).rstrip(".")
    first, dash, last = pages.partition("-")
    if dash and first.isdigit() and last.isdigit() and len(last) < len(first):
        written = first[: len(first) - len(last)] + last
        if int(written) >= int(first):
            return f"{first}-{written}"
    return pages


def _vancouver(text: str) -> Work | None:
    """`Authors. Title. Journal. 2018;78(1):62-69.`"""
    locator = None
    for m in _VANCOUVER.finditer(text):
        if m.group("volume") or m.group("pages"):
            locator = m
            break
    if locator is None:
        return None
    authors, title, journal = _split_front(text[: locator.start()].rstrip(" .,"))
    volume, pages = locator["volume"], locator["pages"]
    bare = _BARE_PAGES.match(text, locator.end()) if volume and not pages and not locator["issue"] else None
    if bare:
        # "J Trauma. 1989;623-9": a page range where the volume should be; the volume is missing.
        volume, pages = None, volume + bare[1]
    return Work(title=title, authors=authors, year=int(locator["year"]), journal=journal,
                volume=volume, issue=locator["issue"], pages=pages)


def _author_year(text: str) -> Work | None:
    """`Authors (2019). Title. Journal, 11(2), 3-9.` or `Authors, 2006. Title. Journal 3, 1-9.`"""
    m = _PAREN_YEAR.match(text)
    if m is None or not m["authors"] or len(m["authors"]) > 0.8 * len(text):
        m = _HARVARD_YEAR.match(text)
        if m is None or not _looks_like_authors(m["authors"]):
            return None
    rest = m["rest"].rstrip(" .")
    volume = issue = pages = None
    tail = _APA_TAIL.match(rest)
    if tail and len(_sentences(tail["head"])) > 1:
        rest, volume, issue, pages = tail["head"], tail["volume"], tail["issue"], tail["pages"]
    title, journal = _split_title_journal(rest)
    return Work(title=title, authors=_authors(m["authors"]), year=int(m["year"]),
                journal=journal, volume=volume, issue=issue, pages=pages)


def _fallback(text: str) -> Work:
    """A book, report or web page: no journal locator."""
    year = re.search(rf"\b({_YEAR})\b", text)
    front = text[: year.start()] if year else text
    authors, title, journal = _split_front(front)
    parts = _sentences(_without_edition(front))
    if not authors and len(parts) == 2 and _corporate(parts[0]):
        # "The R team. R-project. 2018.": a group author, then the title.
        authors, title, journal = (Person(family=parts[0].strip(" .")),), _strip(parts[1]), None
    return Work(title=title, authors=authors, year=int(year[1]) if year else None, journal=journal)


def _corporate(text: str) -> bool:
    """A group author: a few words, no colon, no digits ("The R team", "World Health Organization")."""
    words = text.strip(" .").split()
    return 0 < len(words) <= 6 and not re.search(r"[:\d]", text)


_EDITION = patterns.compile(
    r"(?:^|(?<=[.?!]))\s*(?:\d+(?:st|nd|rd|th)\s+(?:edition|ed)|(?:Book|Report|Thesis|Software|Internet|Web page))\.?(?=\s|$)",
    re.IGNORECASE)
"""An edition statement or the type word R Markdown styles print ("8th edition.", "Book.")."""


def _without_edition(text: str) -> str:
    return " ".join(_EDITION.sub(" ", text).split())


def _split_front(front: str) -> tuple[tuple[Person, ...], str | None, str | None]:
    """Authors, title and journal of the part before the locator.

    A Vancouver author list ends at the first period after initials
    (`Drucker AM.`), `et al.` or a name suffix; a corporate author is the
    first sentence.
    """
    authors: tuple[Person, ...] = ()
    for end in _AUTHORS_END.finditer(front):
        if _looks_like_authors(front[: end.end(1)]):
            authors = _authors(front[: end.end(1)])
            front = front[end.end():]
            break
    else:
        parts = _sentences(front)
        if len(parts) > 2 and _looks_like_authors(parts[0]):
            authors, front = _authors(parts[0]), " ".join(parts[1:])
    title, journal = _split_title_journal(_without_edition(front))
    return authors, title, journal


def _split_title_journal(rest: str) -> tuple[str | None, str | None]:
    """Title is everything up to the last sentence end; the journal follows it.

    Abbreviated journal names written with periods (`J. Am. Acad.
    Dermatol.`) would split into words, so short capitalised pieces at the
    end are glued back to the journal.
    """
    parts = _sentences(rest)
    if not parts:
        return None, None
    if len(parts) == 1:
        return _strip(parts[0]), None
    journal = [parts.pop()]
    while len(parts) > 1 and re.fullmatch(r"(?:[A-Z][A-Za-z]{0,7}\.\s?)+", parts[-1]):
        journal.insert(0, parts.pop())
    return _strip(" ".join(parts)), _strip(" ".join(journal))


def _sentences(text: str) -> list[str]:
    """Pieces of `text` split after `.`, `?` or `!`, except after an initial (`J.`)."""
    pieces: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if _INITIAL.search(text[start : m.start()]):
            continue
        pieces.append(text[start : m.start()].strip())
        start = m.end()
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def _strip(value: str) -> str | None:
    value = value.strip(" .,;:")
    return value or None


def _looks_like_authors(text: str) -> bool:
    text = _ET_AL.sub("", text).strip(" .,")
    if not text:
        return False
    if _vancouver_people(text) is not None or _APA_AUTHORS.match(text):
        return True
    return len(text) < 80 and "," not in text


def _vancouver_people(text: str) -> tuple[Person, ...] | None:
    """`Fleming P, Drucker AM`, allowing a group author among the names; None if it is not that."""
    items = [i.strip(" .") for i in re.split(r",|\band\b|&", text) if i.strip(" .")]
    matched = [_VANCOUVER_AUTHOR.match(i) for i in items]
    if not items or 2 * sum(1 for m in matched if m) <= len(items):
        return None
    return tuple(Person(family=f"{m['particle']} {m['family']}" if m["particle"] else m["family"],
                        given=m["given"]) if m else Person(family=i)
                 for i, m in zip(items, matched, strict=True))


def _authors(text: str) -> tuple[Person, ...]:
    """Split `Fleming P, Drucker AM` or `Adami, G., & Saag, K. G.`; else one corporate author."""
    text = _ET_AL.sub("", text).strip(" ,;")
    if not text.strip(" ."):
        return ()
    vancouver = _vancouver_people(text)
    if vancouver is not None:
        return vancouver
    listed = re.sub(r"\s*(?:,\s*)?(?:&|\band\b)\s*", ", ", text)
    apa = list(_APA_AUTHORS.finditer(listed))
    if apa and apa[0].start() == 0:
        return tuple(Person(family=m["family"].strip(" ,"), given=" ".join(m["given"].split()))
                     for m in apa)
    return (Person(family=text.strip(" .")),)
