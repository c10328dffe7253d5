"""A BibTeX entry for a cited work the library lacks: what CA203 suggests adding.

The entry is made from the registry records of the reference's DOI or PMID
when they describe the cited work (Crossref's fields first, as it writes
titles and journals as published; PubMed's PMID and PMCID added), else from
the reference as parsed from the draft. Its key is the first author's family
name and the year (`smith2018`), with `a`, `b`... when the library already
has that key. Text fields are escaped for TeX; identifiers, numbers and
pages are written as they are (`--` between pages).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import fields

from citeaudit.bib.bibedit import latex_escape
from citeaudit.bib.compare import TITLE_SAME, fold, title_similarity
from citeaudit.model import Record, Work

TYPES = {"article-journal": "article", "journal-article": "article", "article": "article",
         "book": "book", "monograph": "book", "chapter": "incollection", "book-chapter": "incollection",
         "paper-conference": "inproceedings", "proceedings-article": "inproceedings",
         "report": "techreport", "thesis": "phdthesis", "dissertation": "phdthesis"}
"""Work kinds (CSL and Crossref) -> BibTeX entry types; any other kind is `misc`, no kind `article`
when there is a journal."""


def describes(record: Record, cited: Work) -> bool:
    """Whether a record is the cited work: the titles agree, or the reference gives none to compare."""
    if not cited.title or not record.work.title:
        return True
    return (title_similarity(cited.title, record.work.title) or 0.0) >= TITLE_SAME


def merged(records: Sequence[Record]) -> Work:
    """One work from several records of it: each field from the first record that has it."""
    values = {}
    for name in (f.name for f in fields(Work)):
        values[name] = next((v for r in records if (v := getattr(r.work, name)) not in (None, "", ())), None)
    values["authors"] = values["authors"] or ()
    return Work(**values)


def new_key(work: Work, taken: Collection[str]) -> str:
    """`family` + `year` in ASCII lower case (`smith2018`; the first long title word without an
    author), suffixed `a`, `b`... past the keys taken."""
    first = work.first_author
    stem = fold(first.family if first else "").replace(" ", "")
    if not stem:
        stem = next((w for w in fold(work.title).split() if len(w) > 3), "ref")
    stem = re.sub(r"[^a-z0-9]", "", stem.encode("ascii", "ignore").decode()) or "ref"
    base = f"{stem}{work.year or ''}"
    lowered = {k.lower() for k in taken}
    if base not in lowered:
        return base
    return next(f"{base}{s}" for s in _suffixes() if f"{base}{s}" not in lowered)


def _suffixes():
    letters = "abcdefghijklmnopqrstuvwxyz"
    yield from letters
    yield from (a + b for a in letters for b in letters)


def entry_text(work: Work, key: str) -> str:
    """The entry as BibTeX text, one field a line, in the usual order."""
    kind = TYPES.get(work.kind or "", "misc" if work.kind else ("article" if work.journal else "misc"))
    container = "booktitle" if kind in ("incollection", "inproceedings") else "journal"
    text = [("author", " and ".join(str(p) for p in work.authors)), ("title", work.title),
            (container, work.journal or work.journal_abbrev)]
    verbatim = [("year", str(work.year) if work.year else None), ("volume", work.volume), ("number", work.issue),
                ("pages", re.sub(r"\s*[-\u2013]+\s*", "--", work.pages) if work.pages else None),
                ("doi", work.doi), ("pmid", work.pmid), ("pmcid", work.pmcid)]
    lines = [f"  {name} = {{{latex_escape(value)}}}," for name, value in text if value]
    lines += [f"  {name} = {{{value}}}," for name, value in verbatim if value]
    return "\n".join([f"@{kind}{{{key},", *lines, "}"]) + "\n"


def suggested_entry(cited: Work, records: Sequence[Record], taken: Collection[str]) -> tuple[str, str] | None:
    """(entry text, source) for a cited work: from the records that describe it (source: the
    first record's registry), else, when there are no records, from the reference itself
    (`reference`); None when the records name another work or the reference has no title."""
    agreeing = sorted((r for r in records if describes(r, cited)), key=lambda r: r.source != "crossref")
    if agreeing:
        work, source = merged(agreeing), agreeing[0].source
    elif cited.title and not records:
        work, source = cited, "reference"
    else:  # the records name another work (CA304 says which field is wrong), or too little to go on
        return None
    return entry_text(work, new_key(work, taken)), source
