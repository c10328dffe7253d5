"""What the cited work says, gathered from its registry records once per reference.

PubMed gives the abstract, MeSH terms, substances and publication types;
Crossref may add an abstract or keywords. A reference whose records give
no abstract is not checked for entities, numbers or topic, and
`unchecked_claims` says why, so a report can list what was not verified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from citeaudit import patterns
from citeaudit.checks import CheckContext
from citeaudit.model import Missing, Record, Unavailable, Unchecked
from citeaudit.plugins.support.entities import covered
from citeaudit.plugins.support.quantities import Quantity, extract
from citeaudit.plugins.support.similarity import terms

# Abstracts are edited prose: a full stop, then a capital or a digit, ends a sentence.
_SENTENCE_BREAK = patterns.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])|\n+")


def records_of(context: CheckContext, key: int | str) -> list[Record]:
    """Registry records of one reference (by number, or library key): PubMed first.

    PubMed comes first because it carries the abstract, MeSH terms and
    publication types that claim checks need; Crossref adds what PubMed
    lacks (update notices, preprint relations).
    """
    resolution = context.resolutions.get(key)
    if resolution is None or context.records is None:
        return []
    pmid = resolution.pmid or context.records.pmid_for_doi.get((resolution.doi or "").lower())
    found = [context.records.record("pubmed", pmid),
             context.records.record("crossref", resolution.doi)]
    return [r for r in found if r is not None]


@dataclass(frozen=True, slots=True)
class Source:
    """The cited work as the claim checks see it."""

    key: int | str
    """Reference number (or library key)."""
    records: tuple[str, ...]
    """`source:identifier` of the records used, for evidence."""
    title: str
    """Title, possibly empty."""
    abstract: str
    """Abstract, possibly empty."""
    sentences: tuple[str, ...]
    """Title and abstract sentences."""
    concepts: frozenset[str]
    """Lexicon concepts named in title, abstract, MeSH, keywords or substances."""
    quantities: tuple[Quantity, ...]
    """Quantities of the title and abstract."""
    publication_types: tuple[str, ...]
    """PubMed publication types (empty without a PubMed record)."""
    terms: tuple[str, ...]
    """Similarity terms of title, abstract and MeSH terms."""

    @property
    def text(self) -> str:
        """Title and abstract."""
        return f"{self.title}\n{self.abstract}"


def build_source(key: int | str, records: Sequence[Record]) -> Source:
    """One Source from a reference's records (PubMed first)."""
    return replace(_build(tuple(records)), key=key)


@lru_cache(maxsize=1024)
def _build(records: tuple[Record, ...]) -> Source:
    # Cached by the records alone: three checks look at the same references of a
    # document, and a reference and its library entry (another key) share records.
    title = next((r.work.title for r in records if r.work.title), "") or ""
    abstract = next((r.abstract for r in records if r.abstract), "") or ""
    headings = tuple(dict.fromkeys(t for r in records for t in (*r.mesh_terms, *r.keywords, *r.substances)))
    split = _SENTENCE_BREAK.split(abstract) if abstract else []
    text = f"{title}\n{abstract}"
    everything = "\n".join([text, *headings])
    kept = tuple(s for s in ([title] if title else []) + split if s)
    return Source(
        key="",  # set by build_source
        records=tuple(f"{r.source}:{r.identifier}" for r in records),
        title=title,
        abstract=abstract,
        sentences=kept,
        concepts=covered([everything]),
        quantities=tuple(extract(text)),
        publication_types=tuple(t for r in records if r.source == "pubmed" for t in r.publication_types),
        terms=tuple(terms(everything)),
    )


def why_unchecked(context: CheckContext, key: int | str) -> str | None:
    """Why a cited reference's claims cannot be checked against it, or None if they can."""
    resolution = context.resolutions.get(key)
    if resolution is None:
        return "the reference list has no such entry"
    if not (resolution.doi or resolution.pmid):
        return "the reference has no DOI or PMID"
    if context.records is None:
        return "registry records were not fetched"
    records = records_of(context, key)
    if not records:
        outcomes = [context.records.get("pubmed", resolution.pmid),
                    context.records.get("crossref", resolution.doi)]
        reasons = [f"{o.source} {o.reason}" for o in outcomes if isinstance(o, Unavailable)]
        if reasons:
            return "the record could not be fetched (" + ", ".join(reasons) + ")"
        if any(isinstance(o, Missing) for o in outcomes):
            return "the registry does not know the identifier"
        return "no registry record"
    if not any(r.abstract for r in records):
        return "the record has no abstract"
    return None


def unchecked_claims(context: CheckContext) -> tuple[Unchecked, ...]:
    """Every (claim, citation) the support checks skipped, with the reason.

    Checks cannot add to a report, so this is for reporters and the
    pipeline to call; docs/accuracy.md says how it is meant to be shown.
    """
    reasons: dict[int, str | None] = {}
    result: list[Unchecked] = []
    for claim in context.document.claims:
        for number in dict.fromkeys(claim.citations):
            if number not in reasons:
                reasons[number] = why_unchecked(context, number)
            reason = reasons[number]
            if reason:
                result.append(Unchecked(claim.id, number, reason))
    return tuple(result)
