"""`citeaudit fix LIBRARY.bib`: what the registries say should change in a library, entry by entry.

    entries ─▶ no DOI: Crossref bibliographic search, one request each (concurrent)
            ─▶ DOIs and PMIDs: the batched fetch of citeaudit.bib.metadata
               (Crossref filter batches, PubMed efetch, esearch DOI -> PMID)
            ─▶ still no PMID: ECitMatch, many citations a request, then efetch to verify
            ─▶ changes: doi, pmid, pmcid filled (a PMID PubMed does not know replaced);
               year, volume, issue, pages corrected
               where an identifier makes the match certain; journal names restyled;
               preprints replaced by their published version

Nothing is guessed: a DOI from a search is taken only when title, first
author and year agree (citeaudit.bib.search), a PMID from ECitMatch only
when its record agrees the same way. The changes are applied to the text by
citeaudit.bib.bibedit, which leaves everything else byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from citeaudit.bib.bibedit import Edit, written_value
from citeaudit.bib.ecitmatch import verified_matches
from citeaudit.bib.metadata import _open, fetch_records, make_client
from citeaudit.bib.search import search_works, searchable_kind
from citeaudit.model import (
    Library,
    LibraryEntry,
    Missing,
    Record,
    RecordSet,
    Resolution,
    Unavailable,
)

FIELDS = ("doi", "pmid", "pmcid", "year", "volume", "issue", "pages", "journal", "preprint")
"""What `--select` takes; `preprint` stands for every change that replaces a preprint."""
JOURNAL_STYLES = ("keep", "full", "abbrev")
CORRECTED = ("year", "volume", "issue", "pages")
"""Fields corrected from the record when an identifier makes the match certain."""
SEARCHED_KINDS = frozenset({"article-journal", "paper-conference", "chapter", "preprint", "document",
                            "manuscript"})
"""Entry kinds `fix` searches a DOI for (by title, first author and year; books and web pages
are not searched: their titles are too often shared)."""


@dataclass(frozen=True)
class Change:
    """One field of one entry to change."""

    key: str
    field: str
    """doi, pmid, pmcid, year, volume, issue, pages, journal, note, entrytype."""
    old: str | None
    new: str
    source: str
    """crossref, pubmed, crossref-search, pubmed-esearch, ecitmatch."""
    evidence: dict[str, Any] = field(default_factory=dict)
    group: str = ""
    """`preprint` for the changes that replace a preprint; else the field."""

    def line(self) -> str:
        """One line of the text change log: key, field, old -> new, source and score."""
        score = self.evidence.get("title_similarity")
        how = self.source + (f", title {score:g}%" if score is not None else "")
        return f"{self.key}: {self.field} {self.old if self.old is not None else '(none)'} -> {self.new} ({how})"

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "field": self.field, "old": self.old, "new": self.new,
                "source": self.source, "evidence": self.evidence}


@dataclass
class FixPlan:
    """Everything `fix` found: the changes, and what it could not settle."""

    changes: list[Change] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    """Keys searched whose work no registry candidate agrees with: they get nothing."""
    not_looked_up: list[tuple[str, str]] = field(default_factory=list)
    """(key, why) of entries that could not be looked up (offline and not cached, a failed request)."""
    requests: int = 0
    """HTTP requests sent."""


def wants_search(entry: LibraryEntry) -> bool:
    """Whether `fix` searches a DOI for this entry (one with a PMID gets its DOI from PubMed)."""
    return not entry.work.doi and not entry.work.pmid and (entry.work.kind in SEARCHED_KINDS or searchable_kind(entry.work.kind, entry.work))


def plan_fixes(library: Library, options: Any, registries: Sequence[Any], *,
               fields: Sequence[str] = FIELDS, journal_style: str = "keep") -> FixPlan:
    """The changes the registries support for every entry of `library`."""
    plan = FixPlan()
    crossref = next((r for r in registries if r.name == "crossref"), None)
    client = None if options.offline else make_client(options, registries)
    cache = _open(options)
    try:
        entries = list(library.entries)
        to_search = {e.key: e.work for e in entries if wants_search(e)} if {"doi", "pmid"} & set(fields) else {}
        found = search_works(to_search, options=options, cache=cache, client=client, crossref=crossref) \
            if to_search and crossref is not None else {}
        for key, result in found.items():
            if result.status == "none":
                plan.not_found.append(key)
            elif result.status == "unavailable":
                plan.not_looked_up.append((key, result.reason))
        doi_of = {e.key: e.work.doi or (found[e.key].doi if e.key in found else None) for e in entries}
        records = fetch_records([Resolution(None, e, doi=doi_of[e.key], pmid=e.work.pmid) for e in entries],
                                options=options, registries=registries)
        plan.requests += records.requests
        # A PMID PubMed says does not exist is replaced like a missing one (by DOI, else ECitMatch).
        pmid_of = {e.key: (None if isinstance(records.get("pubmed", e.work.pmid), Missing) else e.work.pmid)
                   or records.pmid_for_doi.get((doi_of[e.key] or "").lower()) for e in entries}
        cited = {e.key: e.work for e in entries if not pmid_of[e.key] and e.work.kind == "article-journal"}
        matched, more = verified_matches(cited, options=options, registries=registries, cache=cache,
                                         client=client) if {"doi", "pmid"} & set(fields) else ({}, None)
        if more is not None:
            plan.requests += more.requests
            records = RecordSet(outcomes={**records.outcomes, **more.outcomes}, requests=records.requests,
                                pmid_for_doi=records.pmid_for_doi)
        plan.not_found = [key for key in plan.not_found if key not in matched]
        for entry in entries:
            key = entry.key
            if key in matched:
                pmid_of[key] = matched[key][0].identifier
            plan.changes.extend(_entry_changes(entry, doi_of[key], pmid_of[key], found.get(key),
                                               records, journal_style, key in matched))
        if "pmcid" in fields:
            pmcids, unasked = _pmcids(entries, plan.changes, doi_of, pmid_of, records, client, cache, options)
            plan.changes.extend(pmcids)
            plan.not_looked_up.extend((key, "PMCID: offline and not in the cache" if client is None
                                       else "PMCID: the PMC ID converter failed") for key in unasked)
        published = [c.new for c in plan.changes if c.field == "doi" and c.group == "preprint"]
        if published:
            final = fetch_records([Resolution(None, None, doi=d) for d in published], options=options,
                                  registries=registries)
            plan.requests += final.requests
            plan.changes = _published_versions(plan.changes, library, final)
        if client is not None:
            plan.requests += client.requests
            client.close()
    finally:
        cache.close()
    plan.changes = [c for c in plan.changes if (c.group or c.field) in fields or c.field in fields]
    return plan


def _entry_changes(entry: LibraryEntry, doi: str | None, pmid: str | None, found: Any, records: RecordSet,
                   journal_style: str, via_citation: bool) -> list[Change]:
    from citeaudit.plugins.registry import differences

    key, work, written = entry.key, entry.work, entry.fields
    crossref = records.record("crossref", doi)
    pubmed = records.record("pubmed", pmid)
    changes: list[Change] = []
    if not work.doi:
        if found is not None and found.status == "found" and found.doi:
            changes.append(Change(key, "doi", None, found.doi, "crossref-search",
                                  {"title_similarity": found.similarity, "candidates": found.candidates,
                                   "title": found.record.work.title}))
        elif pubmed is not None and pubmed.work.doi:
            changes.append(Change(key, "doi", None, pubmed.work.doi, "pubmed", {"pmid": pmid}))
    if pmid and pmid != work.pmid:
        source = "ecitmatch" if via_citation else "pubmed-esearch"
        evidence = {**({"doi": doi} if doi else {}), **({"not_in_pubmed": work.pmid} if work.pmid else {})}
        changes.append(Change(key, "pmid", _written(written, "pmid") if work.pmid else None, pmid, source, evidence))
    if not work.pmcid and pubmed is not None and pubmed.work.pmcid:
        changes.append(Change(key, "pmcid", None, pubmed.work.pmcid, "pubmed", {"pmid": pmid}))
    if crossref is not None and crossref.preprint_of and entry.work.doi:
        changes.append(Change(key, "doi", work.doi, crossref.preprint_of, "crossref",
                              {"relation": "is-preprint-of", "preprint": work.doi}, group="preprint"))
        return changes
    records_ = [r for r in (pubmed, crossref) if r is not None]
    if records_:
        diffs = differences(work, records_)
        for name in CORRECTED:
            if name in diffs:
                old = _written(written, name)
                changes.append(Change(key, name, old, str(diffs[name]["record"]), records_[0].source,
                                      {"identifier": records_[0].identifier}))
        styled = _journal(work.journal, records_, journal_style)
        if styled and work.journal and styled != work.journal and ("journal" in written or "journaltitle" in written):
            changes.append(Change(key, "journal", written.get("journal") or written.get("journaltitle"), styled,
                                  records_[0].source if journal_style == "abbrev" else (crossref or records_[0]).source,
                                  {"style": journal_style}))
    return changes


def _pmcids(entries: list[LibraryEntry], changes: list[Change], doi_of: dict, pmid_of: dict,
            records: RecordSet, client: Any, cache: Any, options: Any) -> tuple[list[Change], list[str]]:
    """PMCIDs from the PMC ID converter for entries whose PubMed record did not give one,
    and the keys that could not be asked (offline and not cached).

    PubMed records carry the PMCID when PMC has the article, so only entries
    without a PubMed record are asked about (by DOI), in batches of 200;
    the answers are cached (citeaudit.bib.idconv.pmcids_for).
    """
    from citeaudit.bib.idconv import pmcids_for

    have = {c.key for c in changes if c.field == "pmcid"}
    asked = {e.key: doi_of[e.key] for e in entries if not e.work.pmcid and e.key not in have
             and doi_of[e.key] and records.record("pubmed", pmid_of[e.key]) is None}
    if not asked:
        return [], []
    found = pmcids_for(list(dict.fromkeys(asked.values())), client, cache,
                       refresh=bool(getattr(options, "refresh", False)))
    known = {doi.lower(): doi for doi in asked.values()}
    found = {known.get(k, k): v for k, v in found.items()}
    changes = [Change(key, "pmcid", None, pmcid, "pmc-idconv", {"doi": doi})
               for key, doi in asked.items() if (pmcid := found.get(doi) or found.get(doi.lower()))]
    # Only entries whose DOI the registries answered for count: the others could not be checked at all.
    return changes, [key for key, doi in asked.items() if doi not in found and doi.lower() not in found
                     and not isinstance(records.get("crossref", doi), Unavailable)]


def _journal(current: str | None, records: list[Record], style: str) -> str | None:
    if style == "keep" or not current:
        return None
    if style == "abbrev":
        return next((r.work.journal_abbrev for r in records if r.work.journal_abbrev), None)
    # Crossref writes journal titles as published; PubMed's full titles are often lower case.
    ordered = sorted(records, key=lambda r: r.source != "crossref")
    return next((r.work.journal for r in ordered if r.work.journal), None)


def _published_versions(changes: list[Change], library: Library, final: RecordSet) -> list[Change]:
    """Each preprint's DOI change completed with the published version's fields and a note."""
    out: list[Change] = []
    for change in changes:
        out.append(change)
        if change.group != "preprint" or change.field != "doi":
            continue
        entry = library.get(change.key)
        record = final.record("crossref", change.new)
        if entry is None or record is None:
            out.pop()  # the published version could not be read: leave the preprint as it is
            continue
        pw, written = record.work, entry.fields
        for name, value in (("journal", pw.journal), ("year", str(pw.year) if pw.year else None),
                            ("volume", pw.volume), ("issue", pw.issue), ("pages", pw.pages)):
            if value and _written(written, name) != value:
                out.append(Change(change.key, name, _written(written, name), value, "crossref",
                                  {"published": change.new}, group="preprint"))
        if entry.entry_type != "article":
            out.append(Change(change.key, "entrytype", entry.entry_type, "article", "crossref",
                              {"published": change.new}, group="preprint"))
        note = "addendum" if "journaltitle" in written or "date" in written else "note"
        previous = written.get(note)
        text = f"Preprint: doi:{change.old}"
        out.append(Change(change.key, note, previous, f"{previous}; {text}" if previous else text, "crossref",
                          {"preprint": change.old}, group="preprint"))
    return out


_BIB_NAMES = {"issue": ("number", "issue"), "journal": ("journal", "journaltitle"), "year": ("year", "date")}


def _written(fields: dict[str, str], name: str) -> str | None:
    for candidate in _BIB_NAMES.get(name, (name,)):
        if candidate in fields:
            return fields[candidate]
    return None


def edits(changes: Sequence[Change], library: Library) -> list[Edit]:
    """The text edits that make `changes`, in the names and forms the entries already use."""
    out: list[Edit] = []
    for change in changes:
        entry = library.get(change.key)
        fields = entry.fields if entry else {}
        if change.field == "entrytype":
            out.append(Edit(change.key, "@type", change.new))
            continue
        name = next((n for n in _BIB_NAMES.get(change.field, (change.field,)) if n in fields),
                    _BIB_NAMES.get(change.field, (change.field,))[0])
        value = change.new
        if name == "date":
            value = re.sub(r"^\d{4}", value, fields.get("date", value))
        if change.field == "pages":
            value = re.sub(r"\s*[-\u2013]+\s*", "--", value)
        verbatim = change.field in ("doi", "pmid", "pmcid", "year", "volume", "issue", "pages")
        out.append(Edit(change.key, name, written_value(value, verbatim)))
    return out
