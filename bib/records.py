"""One normalised `Record` from a Crossref work (JSON) or a PubMed article (XML).

Both registries describe the same things in different shapes; checks compare
references against one vocabulary (`Work`, `Notice`), so the differences end
here: titles lose their markup, page ranges keep e-locators, structured
abstracts keep their section labels ("BACKGROUND: ..."), and every way a
registry announces a retraction, correction or expression of concern becomes
a `Notice`.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from citeaudit import patterns
from citeaudit.bib.http import Malformed
from citeaudit.bib.identifiers import normalize_doi, normalize_pmcid, normalize_pmid
from citeaudit.bib.shape import crossref_work
from citeaudit.limits import MAX_REGISTRY_TEXT_CHARS
from citeaudit.model import Notice, Person, Record, Work
from citeaudit.numbers import parse_int

if TYPE_CHECKING:  # parsed PubMed XML; lxml itself is loaded by whoever parsed it
    from lxml import etree

_TAG = patterns.compile(r"<[^>]+>")

CROSSREF_UPDATES: dict[str, str] = {
    "retraction": "retraction",
    "partial_retraction": "retraction",
    "removal": "retraction",
    "withdrawal": "withdrawal",
    "correction": "correction",
    "erratum": "correction",
    "corrigendum": "correction",
    "expression_of_concern": "expression-of-concern",
}
"""Crossref update types that are notices on the work, -> Notice.kind.
`new_version`, `addendum`, `clarification` and the like are not."""

CROSSREF_RELATIONS: dict[str, str] = {
    "is-retracted-by": "retraction",
    "retraction": "retraction",
    "is-corrected-by": "correction",
    "correction": "correction",
    "has-expression-of-concern": "expression-of-concern",
    "expression-of-concern": "expression-of-concern",
}
"""Crossref relation names that point from a work to a notice about it."""

PUBMED_COMMENTS: dict[str, str] = {
    "RetractionIn": "retraction",
    "PartialRetractionIn": "retraction",
    "ErratumIn": "correction",
    "CorrectedandRepublishedIn": "correction",
    "ExpressionOfConcernIn": "expression-of-concern",
}
"""PubMed CommentsCorrections RefTypes that announce a notice on the article."""


_SPACE_BEFORE_PUNCTUATION = patterns.compile(r"\s+([,.;:)\]])")


def plain(text: str | None) -> str | None:
    """Text without markup or entities, white space folded; None when empty."""
    if not text:
        return None
    folded = " ".join(html.unescape(_TAG.sub(" ", text)).split())
    # Tags removed from inside a word ("H<sub>2</sub>O") leave a space before punctuation.
    folded = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", folded)
    return folded or None


# -- Crossref ---------------------------------------------------------------


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    return plain(str(value)) if value else None


def _year(date: Any) -> int | None:
    try:
        year = date["date-parts"][0][0]
    except (KeyError, IndexError, TypeError):
        return None
    return parse_int(year, 4)


def crossref_abstract(jats: str | None) -> str | None:
    """A Crossref JATS abstract as plain paragraphs; section titles become `LABEL: `."""
    if not jats:
        return None
    text = re.sub(r"<(?:jats:)?title>(.*?)</(?:jats:)?title>\s*", lambda m: f"\n{m.group(1).strip()}: ",
                  jats, flags=re.S)
    text = re.sub(r"</(?:jats:)?(?:p|sec)>", "\n", text)
    paragraphs = [plain(p) for p in text.split("\n")]
    joined: list[str] = []
    for para in paragraphs:
        if not para:
            continue
        if joined and joined[-1].endswith(":"):
            joined[-1] = f"{joined[-1]} {para}"
        else:
            joined.append(para)
    # A leading "Abstract:" heading says nothing.
    if joined and joined[0].lower().rstrip(":") == "abstract":
        joined.pop(0)
    if joined and joined[0].lower().startswith("abstract: "):
        joined[0] = joined[0][len("abstract: "):]
    return "\n".join(joined) or None


def from_crossref(item: dict[str, Any], identifier: str | None = None,
                  fetched_at: float | None = None) -> Record:
    """The Record of one Crossref work item (the `message` of `/works/{doi}`); Malformed if misshapen."""
    crossref_work(item)
    doi = normalize_doi(str(item.get("DOI", ""))) or (identifier or "").lower()
    title = _first(item.get("title"))
    subtitle = _first(item.get("subtitle"))
    if title and subtitle and subtitle.lower() not in title.lower():
        title = f"{title}: {subtitle}"
    authors = tuple(
        Person(family=plain(a.get("family")) or plain(a.get("name")) or "",
               given=plain(a.get("given")) or "")
        for a in item.get("author") or () if a.get("family") or a.get("name")
    )
    print_year = _year(item.get("published-print")) or _year((item.get("journal-issue") or {}).get("published-print"))
    years = [y for y in (print_year, _year(item.get("issued")), _year(item.get("published-online")),
                         _year(item.get("published"))) if y]
    pages = plain(item.get("page")) or plain(item.get("article-number"))
    kind = str(item.get("type") or "") or None
    if kind == "posted-content" and item.get("subtype") == "preprint":
        kind = "preprint"
    work = Work(
        title=title, authors=authors, year=years[0] if years else None,
        journal=_first(item.get("container-title")),
        journal_abbrev=_first(item.get("short-container-title")),
        volume=plain(item.get("volume")), issue=plain(item.get("issue")),
        pages=pages, doi=doi, kind=kind,
    )
    preprint_of = None
    relations = item.get("relation") or {}
    for target in relations.get("is-preprint-of") or ():
        if target.get("id-type", "doi") == "doi":
            preprint_of = normalize_doi(str(target.get("id", ""))) or preprint_of
            break
    subjects = tuple(plain(s) for s in item.get("subject") or () if plain(s))
    return Record(
        source="crossref", identifier=identifier or doi, work=work,
        abstract=crossref_abstract(item.get("abstract")),
        publication_types=(kind,) if kind else (),
        keywords=tuple(dict.fromkeys(subjects)),
        notices=_crossref_notices(item, doi),
        preprint_of=preprint_of, fetched_at=fetched_at,
        other_years=tuple(dict.fromkeys(y for y in years[1:] if y != work.year)),
    )


def _crossref_notices(item: dict[str, Any], doi: str) -> tuple[Notice, ...]:
    notices: dict[tuple[str, str | None], Notice] = {}

    def add(kind: str, notice_doi: str | None, date: str | None, source: str) -> None:
        notices.setdefault((kind, notice_doi), Notice(kind=kind, doi=notice_doi, date=date, source=source))  # type: ignore[arg-type]

    for update in item.get("updated-by") or ():
        kind = CROSSREF_UPDATES.get(str(update.get("type", "")).lower())
        if kind:
            add(kind, normalize_doi(str(update.get("DOI", ""))), _date(update.get("updated")),
                "crossref updated-by")
    # A notice deposited against the work's own DOI (Elsevier marks retractions
    # in place this way); `update-to` naming another DOI means this record *is*
    # the notice, which says nothing about the cited work being retracted.
    for update in item.get("update-to") or ():
        kind = CROSSREF_UPDATES.get(str(update.get("type", "")).lower())
        if kind and normalize_doi(str(update.get("DOI", ""))) == doi:
            add(kind, None, _date(update.get("updated")), "crossref update-to")
    for name, targets in (item.get("relation") or {}).items():
        kind = CROSSREF_RELATIONS.get(name)
        if not kind:
            continue
        for target in targets or ():
            target_doi = normalize_doi(str(target.get("id", ""))) if target.get("id-type", "doi") == "doi" else None
            if not any(n.kind == kind and n.doi == target_doi for n in notices.values()):
                add(kind, target_doi, None, f"crossref relation {name}")
    return tuple(notices.values())


def _date(value: Any) -> str | None:
    if isinstance(value, dict):
        if value.get("date-time"):
            return str(value["date-time"])[:10]
        parts = (value.get("date-parts") or [[None]])[0] or [None]
        numbers = [parse_int(p, 4) for p in parts]
        if None in numbers:
            numbers = numbers[:numbers.index(None)]
        if numbers:
            return "-".join(f"{n:02d}" if i else str(n) for i, n in enumerate(numbers))
    return None


def crossref_items(payload: Any) -> list[dict[str, Any]]:
    """Work items in any Crossref shape: an envelope, a list envelope, a bare item or list."""
    if isinstance(payload, list):
        return [i for i in payload if isinstance(i, dict) and i.get("DOI")]
    if not isinstance(payload, dict):
        return []
    message = payload.get("message", payload)
    if isinstance(message, dict) and isinstance(message.get("items"), list):
        return [i for i in message["items"] if isinstance(i, dict) and i.get("DOI")]
    return [message] if isinstance(message, dict) and message.get("DOI") else []


# -- PubMed -----------------------------------------------------------------


def _text(element: etree._Element | None) -> str | None:
    """All text inside an element, inline markup (<i>, <sup>) dropped, white space folded."""
    if element is None:
        return None
    return _fold("".join(element.itertext()))


def _fold(text: str | None) -> str | None:
    """XML text (entities already decoded) with white space folded; None when empty.

    Malformed when longer than any real field (`MAX_REGISTRY_TEXT_CHARS`)."""
    if not text:
        return None
    if len(text) > MAX_REGISTRY_TEXT_CHARS:
        raise Malformed(f"a PubMed field is {len(text):,} characters long, over {MAX_REGISTRY_TEXT_CHARS:,}")
    return " ".join(text.split()) or None


def _pubmed_year(date: etree._Element | None) -> int | None:
    if date is None:
        return None
    year = date.findtext("Year")
    if not year:
        match = re.match(r"\s*([0-9]{4})", date.findtext("MedlineDate") or "")
        year = match.group(1) if match else None
    return parse_int(year, 4)


def pubmed_articles(root: etree._Element) -> list[etree._Element]:
    """The PubmedArticle elements of an efetch answer or baseline file (or one article)."""
    if root.tag in ("PubmedArticle", "PubmedBookArticle"):
        return [root]
    return [el for el in root if el.tag in ("PubmedArticle", "PubmedBookArticle")]


def pubmed_pmid(article: etree._Element) -> str | None:
    """The PMID of one PubmedArticle."""
    return normalize_pmid(article.findtext("MedlineCitation/PMID")
                          or article.findtext("BookDocument/PMID") or "")


def from_pubmed(article: etree._Element, identifier: str | None = None,
                fetched_at: float | None = None) -> Record:
    """The Record of one PubmedArticle element."""
    citation = article.find("MedlineCitation")
    if citation is None:
        citation = article.find("BookDocument")
    if citation is None:
        from lxml import etree

        citation = etree.Element("MedlineCitation")
    art = citation.find("Article")
    if art is None:
        art = citation
    pmid = pubmed_pmid(article) or identifier or ""
    ids = {el.get("IdType"): _fold(el.text) or ""
           for el in article.iterfind("PubmedData/ArticleIdList/ArticleId")}
    doi = normalize_doi(ids.get("doi", "")) or next(
        (normalize_doi(el.text or "") for el in art.iterfind("ELocationID")
         if el.get("EIdType") == "doi" and normalize_doi(el.text or "")), None)
    authors = []
    for author in art.iterfind("AuthorList/Author"):
        if author.findtext("LastName"):
            authors.append(Person(family=_fold(author.findtext("LastName")) or "",
                                  given=_fold(author.findtext("ForeName") or author.findtext("Initials")) or ""))
        elif author.findtext("CollectiveName"):
            authors.append(Person(family=_fold(author.findtext("CollectiveName")) or ""))
    journal = art.find("Journal")
    issue = journal.find("JournalIssue") if journal is not None else None
    print_year = _pubmed_year(issue.find("PubDate") if issue is not None else None)
    e_year = _pubmed_year(art.find("ArticleDate"))
    pages = _text(art.find("Pagination/MedlinePgn"))
    if not pages:
        start, end = art.findtext("Pagination/StartPage"), art.findtext("Pagination/EndPage")
        pages = f"{start}-{end}" if start and end else start
    if not pages:
        pages = next((_fold(el.text) for el in art.iterfind("ELocationID") if el.get("EIdType") == "pii"), None)
    title = _text(art.find("ArticleTitle")) or _text(art.find("BookTitle"))
    work = Work(
        title=title.rstrip(".") if title and not title.endswith("..") else title,
        authors=tuple(authors), year=print_year or e_year,
        journal=_fold(journal.findtext("Title")) if journal is not None else None,
        journal_abbrev=_fold(journal.findtext("ISOAbbreviation")) if journal is not None
        else _fold(citation.findtext("MedlineJournalInfo/MedlineTA")),
        volume=_fold(issue.findtext("Volume")) if issue is not None else None,
        issue=_fold(issue.findtext("Issue")) if issue is not None else None,
        pages=pages, doi=doi, pmid=pmid, pmcid=normalize_pmcid(ids.get("pmc", "")),
        kind="article-journal",
    )
    types = tuple(_fold(t.text) or "" for t in art.iterfind("PublicationTypeList/PublicationType"))
    return Record(
        source="pubmed", identifier=identifier or pmid, work=work,
        abstract=_pubmed_abstract(art), publication_types=types,
        mesh_terms=tuple(_fold(d.text) or "" for d in citation.iterfind("MeshHeadingList/MeshHeading/DescriptorName")),
        keywords=tuple(_fold(k.text) or "" for k in citation.iterfind("KeywordList/Keyword") if _fold(k.text)),
        substances=tuple(_fold(s.text) or "" for s in citation.iterfind("ChemicalList/Chemical/NameOfSubstance")),
        notices=_pubmed_notices(citation, types), fetched_at=fetched_at,
        other_years=(e_year,) if e_year and print_year and e_year != print_year else (),
    )


def _pubmed_abstract(art: etree._Element) -> str | None:
    parts = []
    for section in art.iterfind("Abstract/AbstractText"):
        text = _text(section)
        if not text:
            continue
        label = section.get("Label")
        parts.append(f"{label}: {text}" if label else text)
    return "\n".join(parts) or None


def _pubmed_notices(citation: etree._Element, types: tuple[str, ...]) -> tuple[Notice, ...]:
    notices = []
    for comment in citation.iterfind("CommentsCorrectionsList/CommentsCorrections"):
        kind = PUBMED_COMMENTS.get(comment.get("RefType", ""))
        if kind:
            notices.append(Notice(kind=kind, pmid=normalize_pmid(comment.findtext("PMID") or ""),  # type: ignore[arg-type]
                                  source=f"pubmed CommentsCorrections {comment.get('RefType')}"))
    if "Retracted Publication" in types and not any(n.kind == "retraction" for n in notices):
        notices.append(Notice(kind="retraction", source="pubmed publication type Retracted Publication"))
    return tuple(notices)
