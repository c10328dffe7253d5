"""References that give no identifier, looked up before the registry checks run.

A journal article or preprint with neither DOI nor PMID used to pass every
CA3 check unseen, which is exactly how an invented reference looks. Online
(and from the cache offline), each one is searched like `citeaudit fix`
does: Crossref's bibliographic search, then ECitMatch for those Crossref
has no agreeing candidate for. When one agrees on title, first author and
year, its DOI/PMID is used for the other CA3 checks and offered as the fix
of CA205; when none does, the reference gets CA310. Books, reports and web
pages are never searched (citeaudit.bib.search.searchable_kind).

After the records are fetched, a reference whose PMID PubMed does not know
and that gives no DOI is looked up with ECitMatch too (`replaced_pmids`),
all of them in one request: the PMID found is CA302's fix. (One with a DOI
gets its PMID from the batched esearch, citeaudit.bib.metadata.)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from citeaudit.model import Document, Lookup, Missing, RecordSet, Resolution, Work

LABELS = {"crossref-search": "a Crossref search", "ecitmatch": "PubMed ECitMatch"}
"""How reports name the two searches, the `source` of the lookups (and fixes) they give."""


def to_search(document: Document, resolutions: Mapping[Any, Resolution]) -> dict[Any, Work]:
    """The works to look up, by reference number (or id): journal articles and preprints with
    neither DOI nor PMID (searched before the records are fetched, `search`), and references
    with a PMID but no DOI, the work's `pmid` set (looked up with ECitMatch should PubMed not
    know the PMID, `replaced_pmids`)."""
    from citeaudit.bib.match import reference_work
    from citeaudit.bib.search import searchable_kind

    works: dict[Any, Work] = {}
    for ref in document.references:
        ident = ref.number if ref.number is not None else ref.id
        resolution = resolutions.get(ident)
        if resolution is None or resolution.doi:
            continue
        work = resolution.entry.work if resolution.entry is not None else reference_work(ref)
        if resolution.pmid:
            works[ident] = replace(work, pmid=resolution.pmid, doi=None)
        elif searchable_kind(work.kind if resolution.entry is not None else ref.work.kind, work):
            works[ident] = work
    return works


def apply_lookups(resolutions: Mapping[Any, Resolution], lookups: Mapping[Any, Lookup]) -> dict[Any, Resolution]:
    """The resolutions with each found DOI/PMID filled in, so the CA3 checks verify them."""
    updated = dict(resolutions)
    for ident, lookup in lookups.items():
        if lookup.status == "found" and ident in updated:
            updated[ident] = replace(updated[ident], doi=lookup.doi, pmid=lookup.pmid)
    return updated


def search(works: Mapping[Any, Work], options: Any, registries: Sequence[Any]) -> dict[Any, Lookup]:
    """Crossref search for every work without PMID, ECitMatch for those without an agreeing candidate."""
    from citeaudit.bib.ecitmatch import verified_matches
    from citeaudit.bib.search import search_works

    crossref = next((r for r in registries if r.name == "crossref"), None)
    works = {ident: work for ident, work in works.items() if not work.pmid}
    if not works or crossref is None:
        return {}
    with _session(options, registries) as (cache, client):
        found = search_works(works, options=options, cache=cache, client=client, crossref=crossref)
        lookups: dict[Any, Lookup] = {}
        for ident, result in found.items():
            if result.status == "found":
                lookups[ident] = Lookup("found", doi=result.doi, source="crossref-search",
                                        similarity=result.similarity, candidates=result.candidates)
            elif result.status == "none":
                lookups[ident] = Lookup("none", candidates=result.candidates, nearest=result.nearest)
            elif result.status == "unavailable":
                lookups[ident] = Lookup("unavailable", reason=result.reason)
        unmatched = {i: works[i] for i, lookup in lookups.items() if lookup.status == "none"}
        verified, _ = verified_matches(unmatched, options=options, registries=registries, cache=cache,
                                       client=client)
    for ident, (record, similarity) in verified.items():
        lookups[ident] = Lookup("found", doi=record.work.doi, pmid=record.identifier, source="ecitmatch",
                                similarity=similarity)
    return lookups


def replaced_pmids(works: Mapping[Any, Work], records: RecordSet, options: Any,
                   registries: Sequence[Any]) -> dict[Any, Lookup]:
    """Reference number (or id) -> the PMID ECitMatch finds, agreeing on title, first author and
    year, for each reference (of `to_search`) whose PMID PubMed does not know and that gives no DOI."""
    from citeaudit.bib.ecitmatch import verified_matches

    works = {ident: work for ident, work in works.items()
             if work.pmid and isinstance(records.get("pubmed", work.pmid), Missing)}
    if not works:
        return {}
    with _session(options, registries) as (cache, client):
        verified, _ = verified_matches(works, options=options, registries=registries, cache=cache, client=client)
    return {ident: Lookup("found", doi=record.work.doi, pmid=record.identifier, source="ecitmatch",
                          similarity=similarity) for ident, (record, similarity) in verified.items()}


@contextmanager
def _session(options: Any, registries: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
    """The open cache and, online, a client (None offline), both closed afterwards."""
    from citeaudit.bib.metadata import _open, make_client

    client = None if options.offline else make_client(options, registries)
    cache = _open(options)
    try:
        yield cache, client
    finally:
        cache.close()
        if client is not None:
            client.close()
