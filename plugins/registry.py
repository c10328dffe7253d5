"""Built-in plugin: the Crossref and PubMed registries and the CA3 checks.

CA301-CA308 compare each reference (and its library entry) with what the
registries answered. Comparisons tolerate the variation real references
have (subtitles, markup, diacritics, journal abbreviations, "et al.",
abbreviated page ranges such as `62-9`, print vs online-first years) and
say in `evidence` exactly which field differs and how.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from rapidfuzz import fuzz

from citeaudit import hookimpl
from citeaudit.bib.compare import (
    TITLE_SAME,
    TITLE_UNRELATED,
    fold,
    same_journal,
    same_number,
    same_pages,
    same_person,
    title_similarity,
)
from citeaudit.bib.crossref import Crossref
from citeaudit.bib.datacite import DataCite
from citeaudit.bib.doisystem import DoiSystem
from citeaudit.bib.idconv import PmcIds
from citeaudit.bib.pubmed import PubMed
from citeaudit.bib.retractionwatch import RetractionWatch
from citeaudit.checks import Check, CheckContext
from citeaudit.explain import different, evidence_of, listed, reference_of, source_label
from citeaudit.model import (
    Finding,
    Fix,
    Missing,
    Record,
    Reference,
    Resolution,
    Unavailable,
    Work,
)
from citeaudit.options import Integer, Number
from citeaudit.plugins.notices import (
    details,
    distinct,
    evidence,
    explain_notice,
    explain_retracted,
    notice_fix,
)
from citeaudit.rules import Rule

REGISTRIES = (Crossref, PubMed, DoiSystem, DataCite, PmcIds, RetractionWatch)
REGISTRY_NAMES = {registry.name: registry.label for registry in REGISTRIES}
"""Registry name -> how messages name it, as each registry declares (`Registry.label`)."""


@hookimpl(trylast=True)
def citeaudit_register_registries(register: Any) -> None:
    for registry in REGISTRIES:
        register(registry())


@hookimpl(trylast=True)
def citeaudit_add_options(group: Any) -> None:
    group.add("request-timeout", default=20.0, type=Number(0.0, 600.0, above=True),
              help="seconds one registry request may take")
    group.add("answer-timeout", default=8.0, type=Number(0.0, 600.0, above=True),
              help="seconds to wait for a registry to start answering (two silent waits trip the breaker)")
    group.add("registry-retries", default=3, type=Integer(0, 10), help="retries of a failed registry request")
    group.add("registry-backoff", default=0.5, type=Number(0.0, 60.0),
              help="first retry delay in seconds (doubles each retry)")


# -- the rules these checks emit ----------------------------------------

CA301 = Rule(
    "CA301", "doi-not-found", "error",
    "the registry answers that the DOI does not exist",
    help="Check the DOI against the publisher's page; it is probably mistyped.")

CA302 = Rule(
    "CA302", "pmid-not-found", "error",
    "PubMed answers that the PMID does not exist",
    help="Check the PMID on PubMed; it is probably mistyped.")

CA303 = Rule(
    "CA303", "identifier-conflict", "error",
    "the DOI and the PMID of one reference name different works",
    help="Find which of the DOI and the PMID is wrong; they name different works.")

def _explain_mismatch(finding: Finding, labels: Mapping[str, str]) -> str | None:
    said = evidence_of(finding)
    if not isinstance(said.get("differences"), Mapping):
        return None
    who = "The library entry" if said.get("origin") == "library entry" else "The reference"
    registries = listed([source_label(r, labels) for r in said.get("registries", [])]) or "the registry"
    return f"{who} gives {different(list(said['differences']))} than {registries}."


CA304 = Rule(
    "CA304", "metadata-mismatch", "warning",
    "title, authors, year, journal, volume, issue or pages disagree with the registry record (error when the title does not match at all)",
    help="Copy title, authors, year, journal, volume, issue and pages from the registry record.",
    explain=_explain_mismatch)

CA305 = Rule(
    "CA305", "retracted", "error",
    "the cited work has been retracted",
    help="Remove the citation or replace it with sound evidence; say so if the retraction is the point.",
    explain=explain_retracted)

CA306 = Rule(
    "CA306", "correction-notice", "warning",
    "the cited work has an erratum, correction or expression of concern",
    help="Read the correction or expression of concern and check that the claim still holds.",
    explain=explain_notice)

CA307 = Rule(
    "CA307", "preprint-published", "info",
    "a cited preprint has since been published; cite the version of record",
    help="Cite the published version of record instead of the preprint.")

def _explain_unavailable(finding: Finding, labels: object) -> str:
    return (f"The registry record of {reference_of(finding)} could not be fetched, so it was not verified "
            f"({evidence_of(finding).get('reason', 'unavailable')}).")


CA308 = Rule(
    "CA308", "metadata-unavailable", "info",
    "the record could not be fetched (offline, timeout, rate limit): the reference was not verified (at most once per reference)",
    help="Run again online (or import a metadata snapshot) so the reference can be verified.",
    explain=_explain_unavailable)

CA309 = Rule(
    "CA309", "registry-unavailable", "error",
    "a registry could not be reached or kept failing during an online run: one finding per registry, with the number of references left unverified (`--offline` accepts them instead)",
    help="Run again when the registry answers, or pass --offline to accept unverified references.")

CA310 = Rule(
    "CA310", "unresolvable-reference", "warning",
    "a journal article or preprint without DOI/PMID that no registry search finds (title, first author and year agree with no candidate): possibly fabricated",
    help="Check that the work exists: search for its title; replace or remove the reference if it does not.")


@hookimpl(trylast=True)
def citeaudit_register_checks(register: Any) -> None:
    needs = frozenset({"records"})
    register(Check("identifier-existence", (CA301, CA302, CA310), check_existence, needs,
                   "DOIs and PMIDs the registries say do not exist"))
    register(Check("identifier-conflict", (CA303,), check_conflict, needs,
                   "a DOI, a PMID or a PMCID naming different works"))
    register(Check("metadata-mismatch", (CA304,), check_metadata, needs,
                   "title, authors, year, journal, volume, issue, pages against the registry"))
    register(Check("update-notices", (CA305, CA306), check_notices, needs,
                   "retractions, corrections, expressions of concern"))
    register(Check("preprint-published", (CA307,), check_preprints, needs,
                   "cited preprints that have a published version"))
    # CA309 is the run's (citeaudit.bib.outage), made from the records this check has fetched.
    register(Check("metadata-unavailable", (CA308, CA309), check_unavailable, needs,
                   "references that could not be verified, registries that could not be reached"))


# -- walking the references --------------------------------------------------


def _entries(context: CheckContext) -> Iterator[tuple[Reference, Resolution]]:
    for ref in context.document.references:
        resolution = context.resolutions.get(ref.number if ref.number is not None else ref.id)
        if resolution is not None:
            yield ref, resolution


def _label(ref: Reference) -> str:
    return f"reference {ref.number}" if ref.number is not None else f"entry {ref.id}"


def _finding(rule: str, message: str, ref: Reference, resolution: Resolution, fix: Fix | None = None,
             **evidence: Any) -> Finding:
    return Finding(rule=rule, message=message, span=ref.span, reference=ref.number,
                   key=resolution.entry.key if resolution.entry else (ref.key if ref.number is not None else ref.id),
                   evidence=evidence, fix=fix)


def _origin(ref: Reference, kind: str) -> str:
    return "reference" if getattr(ref.work, kind) else "library entry"


def _pmid(context: CheckContext, resolution: Resolution) -> str | None:
    if resolution.pmid:
        return resolution.pmid
    if context.records is None or not resolution.doi:
        return None
    return context.records.pmid_for_doi.get(resolution.doi.lower())


def _records(context: CheckContext, resolution: Resolution, *, notices: bool = False) -> list[Record]:
    """The bibliographic records of a reference (PubMed, Crossref, DataCite); with
    `notices`, also the Retraction Watch entries listing its DOI or PMID."""
    if context.records is None:
        return []
    records = context.records
    found = [records.record("pubmed", _pmid(context, resolution)),
             records.record("crossref", resolution.doi), records.record("datacite", resolution.doi)]
    if notices:
        found += [records.record("retractionwatch", resolution.doi),
                  records.record("retractionwatch", _pmid(context, resolution))]
    return list({id(r): r for r in found if r is not None}.values())


# -- CA301, CA302, CA308 -------------------------------------------------------


def check_existence(context: CheckContext) -> Iterable[Finding]:
    """CA301 / CA302: the registry answered that the identifier does not exist."""
    if context.records is None:
        return
    for ref, resolution in _entries(context):
        if _doi_not_found(context, resolution):
            asked = context.records.get("doi", resolution.doi) is not None
            yield _finding("CA301", f"{_label(ref)}: DOI {resolution.doi} does not exist ("
                                    + ("neither Crossref nor the DOI system knows it)" if asked
                                       else "Crossref has no such DOI)"), ref, resolution,
                           doi=resolution.doi, registry="doi" if asked else "crossref",
                           origin=_origin(ref, "doi"))
        if isinstance(context.records.get("pubmed", resolution.pmid), Missing):
            yield _finding("CA302", f"{_label(ref)}: PMID {resolution.pmid} does not exist in PubMed",
                           ref, resolution, pmid_fix(context, ref, resolution), pmid=resolution.pmid,
                           registry="pubmed", origin=_origin(ref, "pmid"))
        lookup = context.records.lookups.get(ref.number if ref.number is not None else ref.id)
        if lookup is not None and lookup.status == "none":
            yield _finding("CA310", f"{_label(ref)}: no registry knows a work like this (no Crossref or "
                                    "PubMed candidate agrees on title, first author and year); "
                                    "check that it exists", ref, resolution,
                           candidates=lookup.candidates, nearest=lookup.nearest)


def pmid_fix(context: CheckContext, ref: Reference, resolution: Resolution) -> Fix | None:
    """CA302's fix: the PMID PubMed links to the reference's DOI (the batched esearch), else, for a
    reference without DOI, the PMID ECitMatch finds for its citation (citeaudit.bib.lookup)."""
    records = context.records
    if records is None:
        return None
    linked = records.pmid_for_doi.get(resolution.doi.lower()) if resolution.doi else None
    if linked and linked != resolution.pmid:
        return Fix(field="pmid", old=resolution.pmid, new=linked, source="pubmed")
    found = records.replaced_pmids.get(ref.number if ref.number is not None else ref.id)
    if found is not None and found.pmid and found.pmid != resolution.pmid:
        return Fix(field="pmid", old=resolution.pmid, new=found.pmid, source="ecitmatch")
    return None


def _doi_not_found(context: CheckContext, resolution: Resolution) -> bool:
    """Crossref lacks the DOI and the DOI system itself says it does not exist.

    Without a DOI-system answer (that registry not loaded), a DOI PubMed
    knows still counts as existing.
    """
    records = context.records
    if records is None or not isinstance(records.get("crossref", resolution.doi), Missing):
        return False
    system = records.get("doi", resolution.doi)
    if system is not None:
        return isinstance(system, Missing)
    return not _doi_known_elsewhere(context, resolution)


def _doi_known_elsewhere(context: CheckContext, resolution: Resolution) -> bool:
    """A DOI Crossref lacks but PubMed knows is registered elsewhere (DataCite, mEDRA)."""
    record = _records(context, resolution)
    return any(r.source == "pubmed" and (r.work.doi or "").lower() == (resolution.doi or "").lower()
               for r in record)


def check_unavailable(context: CheckContext) -> Iterable[Finding]:
    """CA308: a record could not be fetched, so the reference was not verified (once per reference)."""
    if context.records is None:
        return
    for ref, resolution in _entries(context):
        lost = [(source, identifier, kind, outcome.reason)
                for source, identifier, kind in (("crossref", resolution.doi, "DOI"), ("doi", resolution.doi, "DOI"),
                                                 ("datacite", resolution.doi, "DOI"),
                                                 ("pubmed", resolution.pmid, "PMID"),
                                                 ("pmc", resolution.pmcid, "PMCID"))
                if isinstance(outcome := context.records.get(source, identifier), Unavailable)]
        if not lost:
            continue
        whys = list(dict.fromkeys(UNAVAILABLE_WHY.get(reason, reason) for *_, reason in lost))
        identifiers = " and ".join(dict.fromkeys(f"{kind} {identifier}" for _, identifier, kind, _ in lost))
        registries = " and ".join(REGISTRY_NAMES.get(source, source) for source, *_ in lost)
        yield _finding("CA308", f"{_label(ref)}: {identifiers} not verified: {registries} "
                                f"record{'s' if len(lost) > 1 else ''} unavailable ({'; '.join(whys)})",
                       ref, resolution, registry=lost[0][0], identifier=lost[0][1], reason=lost[0][3],
                       **({"also": [{"registry": source, "identifier": identifier, "reason": reason}
                                    for source, identifier, _, reason in lost[1:]]} if len(lost) > 1 else {}))


UNAVAILABLE_WHY = {"offline": "offline and not in the cache"}
"""Reasons of Unavailable outcomes in words, where the short name is not clear."""


# -- CA303 ---------------------------------------------------------------------


def conflict(crossref: Record, pubmed: Record, doi: str) -> dict[str, Any] | None:
    """Why the DOI's and the PMID's records are different works, or None."""
    if pubmed.work.doi:
        if pubmed.work.doi.lower() != doi.lower():
            return {"pubmed_doi": pubmed.work.doi}
        return None
    score = title_similarity(crossref.work.title, pubmed.work.title)
    if score is not None and score < TITLE_UNRELATED:
        return {"title_similarity": round(score)}
    return None


def pmcid_conflict(pmc: Record, doi: str | None, pmid: str | None) -> dict[str, Any] | None:
    """Why a PMCID (PMC's record of it) names another work than `pmid` and `doi`, or None.

    PMC's PMID decides when both sides have one; its DOI only when there is
    no PMID to compare, so a reference whose DOI alone is wrong is left to
    the DOI-PMID comparison.
    """
    if pmid and pmc.work.pmid:
        return {"pmc_pmid": pmc.work.pmid, "pmc_doi": pmc.work.doi} if pmc.work.pmid != pmid else None
    if doi and pmc.work.doi and pmc.work.doi != doi.lower():
        return {"pmc_pmid": pmc.work.pmid, "pmc_doi": pmc.work.doi}
    return None


def _check_pmcid(context: CheckContext, ref: Reference, resolution: Resolution) -> Iterator[Finding]:
    pmc = context.records.record("pmc", resolution.pmcid) if context.records else None
    if pmc is None:
        return
    why = pmcid_conflict(pmc, resolution.doi, resolution.pmid)
    if why is None:
        return
    theirs = ", ".join(f"{k} {v}" for k, v in (("PMID", why["pmc_pmid"]), ("DOI", why["pmc_doi"])) if v)
    ours = ", ".join(f"{k} {v}" for k, v in (("PMID", resolution.pmid), ("DOI", resolution.doi)) if v)
    yield _finding("CA303", f"{_label(ref)}: PMCID {resolution.pmcid} names a different work "
                            f"(PMC: {theirs}; the reference: {ours})", ref, resolution,
                   pmcid_fix(ref, resolution, context.records.record("pubmed", resolution.pmid)),
                   pmcid=resolution.pmcid, doi=resolution.doi, pmid=resolution.pmid,
                   registry="pmc", **why)


def pmcid_fix(ref: Reference, resolution: Resolution, pubmed: Record | None) -> Fix | None:
    """The PMCID PubMed gives the reference's PMID, when that record is the cited work (its title fits)."""
    if pubmed is None or not pubmed.work.pmcid or pubmed.work.pmcid == resolution.pmcid:
        return None
    cited = (resolution.entry.work.title if resolution.entry else None) or ref.work.title
    if cited and (title_similarity(cited, pubmed.work.title) or 0.0) < TITLE_SAME:
        return None
    return Fix(field="pmcid", old=resolution.pmcid, new=pubmed.work.pmcid, source="pubmed")


def check_conflict(context: CheckContext) -> Iterable[Finding]:
    """CA303: the DOI, the PMID and the PMCID of one reference name different works."""
    if context.records is None:
        return
    for ref, resolution in _entries(context):
        if resolution.pmcid:
            yield from _check_pmcid(context, ref, resolution)
        if not (resolution.doi and resolution.pmid):
            continue
        crossref = context.records.record("crossref", resolution.doi)
        pubmed = context.records.record("pubmed", resolution.pmid)
        if crossref is None or pubmed is None:
            continue
        why = conflict(crossref, pubmed, resolution.doi)
        if why is None:
            continue
        message = (f"{_label(ref)}: DOI {resolution.doi} and PMID {resolution.pmid} name different works: "
                   f"\"{_short(crossref.work.title)}\" vs \"{_short(pubmed.work.title)}\"")
        yield _finding("CA303", message, ref, resolution, conflict_fix(ref, resolution, crossref, pubmed),
                       doi=resolution.doi, pmid=resolution.pmid,
                       doi_title=crossref.work.title, pmid_title=pubmed.work.title, **why)


def conflict_fix(ref: Reference, resolution: Resolution, crossref: Record, pubmed: Record) -> Fix | None:
    """Which identifier of a conflicting pair to change: the one whose record the reference's title fits less.

    Only the DOI can be corrected from a record (PubMed gives the DOI of its
    work; Crossref gives no PMID), so a fix is offered when the PMID's record
    is the one that fits and carries a DOI.
    """
    cited = (resolution.entry.work.title if resolution.entry else None) or ref.work.title
    fits_pubmed = title_similarity(cited, pubmed.work.title) or 0.0
    fits_crossref = title_similarity(cited, crossref.work.title) or 0.0
    if fits_pubmed >= TITLE_SAME and fits_pubmed > fits_crossref and pubmed.work.doi:
        return Fix(field="doi", old=resolution.doi, new=pubmed.work.doi, source="pubmed")
    return None


def _short(text: str | None, size: int = 70) -> str:
    text = text or "(no title)"
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


# -- CA304 ---------------------------------------------------------------------


def differences(cited: Work, records: list[Record]) -> dict[str, dict[str, Any]]:
    """Fields of `cited` that agree with none of the records, each with what the records say."""
    diffs: dict[str, dict[str, Any]] = {}

    def seen(getter: Any) -> list[Any]:
        return list(dict.fromkeys(v for r in records if (v := getter(r)) not in (None, "", ())))

    if cited.title:
        titles = seen(lambda r: r.work.title)
        scores = [s for t in titles if (s := title_similarity(cited.title, t)) is not None]
        if scores and max(scores) < TITLE_SAME:
            diffs["title"] = {"cited": cited.title, "record": titles[0], "similarity": round(max(scores)),
                              "unrelated": max(scores) < TITLE_UNRELATED}
    if cited.year:
        years = seen(lambda r: r.work.year) + [y for r in records for y in r.other_years]
        if years and cited.year not in years:
            diffs["year"] = {"cited": cited.year, "record": years[0], "accepted": sorted(set(years))}
    authored = [r for r in records if r.work.authors]
    if cited.authors and authored:
        first = authored[0].work.authors[0]
        if not any(same_person(cited.authors[0].family, r.work.authors[0].family, r.work.authors[0].given)
                   for r in authored):
            diffs["first_author"] = {"cited": cited.authors[0].family, "record": first.family}
        families = [a for r in authored for a in r.work.authors]
        folded = {fold(a.family) for a in families}  # most cited names are there as written: skip the scan
        absent = [p.family for p in cited.authors[1:]
                  if not fold(p.family).startswith("et al") and fold(p.family) not in folded
                  and not any(same_person(p.family, a.family, a.given) for a in families)]
        if absent:
            diffs["authors"] = {"cited": [p.family for p in cited.authors], "not_in_record": absent,
                                "record": [a.family for a in authored[0].work.authors[:10]]}
    if cited.journal:
        journals = [r.work for r in records if r.work.journal or r.work.journal_abbrev]
        if journals and not any(same_journal(cited.journal, w.journal, w.journal_abbrev) for w in journals):
            diffs["journal"] = {"cited": cited.journal, "record": journals[0].journal or journals[0].journal_abbrev,
                                "abbreviation": journals[0].journal_abbrev}
    for field in ("volume", "issue"):
        value = getattr(cited, field)
        if value:
            values = seen(lambda r, f=field: getattr(r.work, f))
            if values and not any(same_number(value, v) for v in values):
                diffs[field] = {"cited": value, "record": values[0]}
    if cited.pages:
        pages = seen(lambda r: r.work.pages)
        if pages and not any(same_pages(cited.pages, p) for p in pages):
            diffs["pages"] = {"cited": cited.pages, "record": pages[0]}
    return diffs


def _describe(diffs: dict[str, dict[str, Any]]) -> str:
    parts = []
    for field, diff in diffs.items():
        if field == "authors":
            parts.append(f"authors {', '.join(diff['not_in_record'])} not in the record")
        elif field == "title":
            parts.append(f"title \"{diff['cited']}\" (record: \"{diff['record']}\")")
        else:
            parts.append(f"{field.replace('_', ' ')} {diff['cited']} (record: {diff['record']})")
    return "; ".join(parts)


def check_metadata(context: CheckContext) -> Iterable[Finding]:
    """CA304: the reference's and the library entry's fields against the registry records."""
    for ref, resolution in _entries(context):
        records = _records(context, resolution)
        if not records:
            continue
        crossref = context.records.record("crossref", resolution.doi) if context.records else None
        pubmed = context.records.record("pubmed", resolution.pmid) if context.records else None
        if crossref and pubmed and resolution.doi and conflict(crossref, pubmed, resolution.doi):
            continue  # CA303 says it; field-by-field noise would hide that
        sources = [("reference", ref.work, ref.span, None)]
        if resolution.entry is not None and context.document.format != "bibtex":
            entry = resolution.entry
            sources.append(("library entry", entry.work, entry.span, entry.span.part))
        for origin, work, span, path in sources:
            diffs = differences(work, records)
            if not diffs:
                continue
            unrelated = bool(diffs.get("title", {}).get("unrelated"))
            who = _label(ref) if origin == "reference" else f"library entry {resolution.entry.key}"  # type: ignore[union-attr]
            registries = "/".join(REGISTRY_NAMES.get(r.source, r.source) for r in records)
            yield Finding(
                rule="CA304", severity="error" if unrelated else None, fix=metadata_fix(diffs, records),
                message=f"{who} disagrees with {registries}: {_describe(diffs)}",
                span=span, reference=ref.number, path=path,
                key=resolution.entry.key if resolution.entry else None,
                evidence={"origin": origin, "fields": sorted(diffs), "differences": diffs,
                          "registries": [r.source for r in records],
                          "identifiers": {r.source: r.identifier for r in records}},
            )


FIX_ORDER = ("year", "volume", "issue", "pages", "journal", "first_author", "authors", "title")
"""Which differing field CA304 offers as its fix when several differ: the plainest first."""


def metadata_fix(diffs: dict[str, dict[str, Any]], records: list[Record]) -> Fix | None:
    """The record's value for the first differing field of FIX_ORDER."""
    for name in FIX_ORDER:
        if name in diffs:
            diff = diffs[name]
            if name == "authors":
                # The misspelt name and the record's name nearest to it.
                old = diff["not_in_record"][0]
                best = max(diff["record"], key=lambda family: fuzz.ratio(fold(old), fold(family)))
                return Fix(field="author", old=old, new=best, source=records[0].source)
            return Fix(field=name, old=str(diff["cited"]), new=str(diff["record"]), source=records[0].source)
    return None


# -- CA305, CA306, CA307 ---------------------------------------------------------


def check_notices(context: CheckContext) -> Iterable[Finding]:
    """CA305 retracted (or withdrawn); CA306 corrected or under an expression of concern."""
    for ref, resolution in _entries(context):
        notices = distinct([n for r in _records(context, resolution, notices=True) for n in r.notices])
        retractions = [n for n in notices if n.kind in ("retraction", "withdrawal")]
        others = [n for n in notices if n.kind not in ("retraction", "withdrawal")]
        if retractions:
            yield _finding("CA305", f"{_label(ref)} has been {'withdrawn' if all(n.kind == 'withdrawal' for n in retractions) else 'retracted'} ({details(retractions)})",
                           ref, resolution, notice_fix(retractions), notices=[evidence(n) for n in retractions])
        if others:
            kinds = sorted({n.kind.replace("-", " ") for n in others})
            yield _finding("CA306", f"{_label(ref)} has a {' and an '.join(kinds)} notice ({details(others)}); "
                                    "check that the claim still holds", ref, resolution,
                           notice_fix(others), notices=[evidence(n) for n in others])


def check_preprints(context: CheckContext) -> Iterable[Finding]:
    """CA307: a cited preprint has a published version of record."""
    for ref, resolution in _entries(context):
        for record in _records(context, resolution):
            if record.preprint_of:
                yield _finding("CA307", f"{_label(ref)} cites a preprint that has been published "
                                        f"as DOI {record.preprint_of}; cite the version of record",
                               ref, resolution,
                               Fix(field="doi", old=resolution.doi or record.identifier, new=record.preprint_of,
                                   source=record.source),
                               preprint=record.identifier, published=record.preprint_of)
                break
