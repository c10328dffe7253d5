"""Registry records for a reference list: cache first, then as few requests as possible.

    resolutions ─▶ DOIs, PMIDs ─cache─▶ fresh rows
                                 └──▶ Crossref: filter batches (+ single 404 probes)
                                 └──▶ PubMed: esearch [doi] for DOIs without PMID
                                              efetch for PMIDs asked + PMIDs found
    ─▶ RecordSet (Record | Missing | Unavailable per identifier, DOI -> PMID links)

Never raises for network trouble: whatever could not be had becomes
`Unavailable(reason)`, which CA308 reports. With `--offline` only the cache
is read (expired rows too) and the rest is `Unavailable("offline")`.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from citeaudit.bib import breaker, parsed
from citeaudit.bib.cache import (
    LINK_TTL,
    LINKS,
    MISSING_TTL,
    NO_LINK_TTL,
    Cache,
    Entry,
    open_cache,
    record_ttl,
)
from citeaudit.bib.followup import identifiers_by_kind, ordered, split
from citeaudit.bib.http import Budget, Client
from citeaudit.bib.identifiers import normalize_pmid
from citeaudit.bib.registry import Answer, DoiSearch, Registry
from citeaudit.errors import RegistryError
from citeaudit.model import FetchOutcome, Missing, Record, RecordSet, Resolution, Unavailable
from citeaudit.progress import progress

log = logging.getLogger(__name__)

def entry_for(registry: Registry, answer: Answer, now: float) -> tuple[Entry, FetchOutcome]:
    """The cache row of one answer, with its expiry (see citeaudit.bib.cache), and its outcome."""
    if answer.body is None:
        return (Entry(registry.name, answer.identifier, None, now, now + MISSING_TTL),
                Missing(registry.name, answer.identifier))
    try:
        record = registry.parse(answer.identifier, answer.body, now)
    except ValueError:
        return (Entry(registry.name, answer.identifier, answer.body, now, now),
                Unavailable(registry.name, answer.identifier, "malformed-response"))
    ttl = record_ttl(record.work.year, bool(record.notices),
                     record.preprint_of is not None or record.work.kind == "preprint", now)
    return Entry(registry.name, answer.identifier, answer.body, now, now + ttl), record


def _outcome(registry: Registry, entry: Entry) -> FetchOutcome:
    if entry.body is None:
        return Missing(registry.name, entry.identifier)
    try:
        return registry.parse(entry.identifier, entry.body, entry.fetched_at)
    except ValueError:
        return Unavailable(registry.name, entry.identifier, "malformed-response")


def _outcomes(registry: Registry, rows: dict[str, Entry], cache: Cache) -> dict[str, FetchOutcome]:
    """The outcome of every cached row: its stored parsed record when still valid, else parsed now
    (and the record kept for the next run, see citeaudit.bib.parsed)."""
    found: dict[str, FetchOutcome] = parsed.load(cache, registry, rows)
    new = []
    for identifier, row in rows.items():
        if identifier not in found:
            outcome = found[identifier] = _outcome(registry, row)
            if isinstance(outcome, Record):
                new.append((row, outcome))
    parsed.store(cache, registry, new)
    return found


def _malformed(outcome: FetchOutcome) -> bool:
    return isinstance(outcome, Unavailable) and outcome.reason == "malformed-response"


def _open(options: Any) -> Cache:
    try:
        return open_cache(options.cache_dir)
    except (OSError, sqlite3.Error) as exc:
        log.warning("registry cache cannot be opened (%s); using a temporary one for this run", exc)
        return Cache(Path(":memory:"))


def make_client(options: Any, registries: Sequence[Any]) -> Client:
    """A transport set up from the run's options and the registries' rate limits.

    Inside a run (`citeaudit.bib.breaker.registry_run`) the client gets what is
    left of the run's budget and its circuit breaker; a fetch outside one has
    a budget and breaker of its own.
    """
    plugin = getattr(options, "plugin_options", {}) or {}
    run = breaker.current() or breaker.RegistryRun(float(options.timeout))
    return Client(
        budget=Budget(run.remaining()),
        breaker=run,
        answer_timeout=float(plugin.get("answer-timeout") or 8.0),
        request_timeout=float(plugin.get("request-timeout") or 20.0),
        retries=int(plugin.get("registry-retries") if plugin.get("registry-retries") is not None else 3),
        backoff=float(plugin.get("registry-backoff") or 0.5),
        rates={r.name: float(getattr(r, "requests_per_second", 0) or 0) for r in registries},
        mailto=options.mailto,
    )


def fetch_records(resolutions: Sequence[Resolution], *, options: Any, registries: Sequence[Any],
                  client: Client | None = None) -> RecordSet:
    """Registry outcomes for every DOI, PMID and PMCID of `resolutions` (batched, cached).

    Registries that follow another's answer (the DOI system after Crossref,
    DataCite after the DOI system) and local ones (Retraction Watch) are
    asked afterwards, in the order `citeaudit.bib.followup` plans, sharing the open cache.
    """
    direct, later = split(registries)

    def then(records: RecordSet, cache: Cache) -> RecordSet:
        return _follow_up(records, resolutions, options=options, later=later, client=client, cache=cache)

    return _fetch_direct(resolutions, options=options, registries=direct, client=client, then=then)


def _fetch_direct(resolutions: Sequence[Resolution], *, options: Any, registries: Sequence[Any],
                  client: Client | None, then: Callable[[RecordSet, Cache], RecordSet]) -> RecordSet:
    """The direct registries' outcomes, handed with the open cache to `then` (the follow-ups)."""
    by_kind = identifiers_by_kind(resolutions)
    pmids = by_kind["pmid"]
    wanted_dois = set(by_kind["doi"])  # `in` over the list was quadratic: 100,000 entries never finished
    doi_only = [doi for doi in dict.fromkeys(r.doi.lower() for r in resolutions if r.doi and not r.pmid)
                if doi in wanted_dois]
    outcomes: dict[tuple[str, str], FetchOutcome] = {}
    links: dict[str, str] = {}
    cache = _open(options)
    now = time.time()

    def cached(source: str, identifiers: list[str], *, always: bool = False) -> dict[str, Any]:
        """Cached rows still usable: fresh ones, or any row offline; none with --refresh."""
        if options.refresh and not options.offline and not always:
            return {}
        rows = cache.get_many(source, identifiers)
        return {i: row for i, row in rows.items()
                if row is not None and (options.offline or row.fresh(now))}

    try:
        todo: dict[str, list[str]] = {}
        for registry in registries:
            asked = [i for kind in registry.kinds for i in by_kind.get(kind, ())]
            rows = cached(registry.name, asked)
            read = _outcomes(registry, rows, cache)
            todo[registry.name] = []
            for identifier in asked:
                outcome = read.get(identifier)
                if outcome is None or (_malformed(outcome) and not options.offline):
                    todo[registry.name].append(identifier)  # absent, or a bad row: fetch it again
                else:
                    outcomes[(registry.name, identifier)] = outcome
        searcher = next((r for r in registries if isinstance(r, DoiSearch)), None)
        to_search: list[str] = []
        doi_only_set = set(doi_only)
        if searcher is not None:
            # A DOI whose reference's PMID PubMed is known not to have: the search gives the right one.
            doi_only += [d for d in _unknown_pmid_dois(resolutions, outcomes, searcher.name, wanted_dois)
                         if d not in doi_only_set]
            doi_only_set.update(doi_only)
        if searcher is not None and doi_only:
            to_search, fetch = _known_links(doi_only, cached, searcher, outcomes, links, set(pmids), cache)
            todo[searcher.name].extend(fetch)
        if options.offline:
            for registry in registries:
                for identifier in todo[registry.name]:
                    outcomes[(registry.name, identifier)] = Unavailable(registry.name, identifier, "offline")
            return then(RecordSet(outcomes=outcomes, requests=0, pmid_for_doi=links), cache)
        if not to_search and not any(todo.values()):
            return then(RecordSet(outcomes=outcomes, requests=0, pmid_for_doi=links), cache)
        own = client is None
        # Registries do not wait for one another: with a client each, their
        # requests run in parallel threads, so latency and NCBI's pacing
        # overlap instead of adding up. An injected client is used serially.
        clients = [make_client(options, registries) if own else client for _ in registries]
        try:
            total = sum(len(v) for v in todo.values()) + len(to_search)
            with progress(options, "fetching registry records", total) as advance:
                jobs = [(registry, registry is searcher, todo[registry.name], c)
                        for registry, c in zip(registries, clients, strict=True)]
                if own and len(jobs) > 1:
                    from concurrent.futures import ThreadPoolExecutor

                    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
                        gathered = list(pool.map(lambda job: _gather(*job, to_search), jobs))
                else:
                    gathered = [_gather(*job, to_search) for job in jobs]
                searched: list[str] | None = None
                unsearched: dict[str, Unavailable] = {}
                for registry, (answers, found) in zip(registries, gathered, strict=True):
                    if registry is searcher:
                        if isinstance(found, RegistryError):
                            unsearched = {doi: Unavailable(registry.name, doi, found.reason) for doi in to_search}
                        else:
                            searched = found
                        advance(len(to_search))
                    advance(len(answers))
                    _store(registry, answers, cache, outcomes)
                if searcher is not None and searched is not None:
                    _link(searcher, to_search, searched, outcomes, cache, links)
                if searcher is not None and not unsearched:
                    late = [d for d in _unknown_pmid_dois(resolutions, outcomes, searcher.name, wanted_dois)
                            if d not in links and d not in doi_only_set]
                    if late:
                        _late_links(late, cached, searcher, clients[registries.index(searcher)], outcomes,
                                    links, cache)
            sent = sum(c.requests for c in {id(c): c for c in clients}.values())
            return then(RecordSet(outcomes=outcomes, requests=sent, pmid_for_doi=links, unsearched=unsearched),
                        cache)
        finally:
            if own:
                for c in clients:
                    c.close()
    finally:
        cache.close()


def _unknown_pmid_dois(resolutions: Sequence[Resolution], outcomes: dict[tuple[str, str], FetchOutcome],
                       searcher: str, wanted: set[str]) -> list[str]:
    """DOIs of references whose PMID PubMed says does not exist (CA302): their PMID is searched
    like a DOI-only reference's, so CA302 can offer the right one."""
    return list(dict.fromkeys(r.doi.lower() for r in resolutions if r.doi and r.pmid and r.doi.lower() in wanted
                              and isinstance(outcomes.get((searcher, r.pmid)), Missing)))


def _known_links(dois: list[str], cached: Callable[..., dict[str, Any]], searcher: Any,
                 outcomes: dict[tuple[str, str], FetchOutcome], links: dict[str, str],
                 named: set[str], cache: Cache) -> tuple[list[str], list[str]]:
    """(DOIs still to search, linked PMIDs whose record must be fetched), from the cached links.

    The links found go into `links`; the cached records of linked PMIDs into `outcomes`.
    """
    to_search: list[str] = []
    rows = cached(LINKS, dois)
    for doi in dois:
        body = rows[doi].body if doi in rows else None
        pmid = normalize_pmid(body.decode("ascii", "replace")) if body else None
        if doi not in rows or (body and not pmid):  # absent, or a link row that is no PMID
            to_search.append(doi)
        elif pmid:
            links[doi] = pmid
    # A linked PMID's record is wanted like any PMID the draft names.
    linked = [p for p in dict.fromkeys(links[d] for d in dois if d in links)
              if p not in named and (searcher.name, p) not in outcomes]
    rows = cached(searcher.name, linked, always=True) if linked else {}
    for pmid, outcome in _outcomes(searcher, rows, cache).items():
        outcomes[(searcher.name, pmid)] = outcome
    return to_search, [p for p in linked if p not in rows]


def _late_links(dois: list[str], cached: Callable[..., dict[str, Any]], searcher: Any, client: Client,
                outcomes: dict[tuple[str, str], FetchOutcome], links: dict[str, str], cache: Cache) -> None:
    """The PMIDs of DOIs whose reference's PMID turned out not to exist: one more batched
    esearch (and efetch) for all of them, made only when PubMed has just said so."""
    to_search, fetch = _known_links(dois, cached, searcher, outcomes, links, set(), cache)
    searched = _search(searcher, to_search, client, fetch)
    fetch = [p for p in dict.fromkeys(fetch) if (searcher.name, p) not in outcomes]
    rows = cached(searcher.name, fetch, always=True) if fetch else {}
    for pmid, outcome in _outcomes(searcher, rows, cache).items():
        outcomes[(searcher.name, pmid)] = outcome
    fetch = [p for p in fetch if p not in rows]
    if fetch:
        _store(searcher, searcher.fetch(fetch, client), cache, outcomes)
    if isinstance(searched, list):
        _link(searcher, to_search, searched, outcomes, cache, links)


def _gather(registry: Registry, searches: bool, todo: list[str], client: Client,
            to_search: list[str]) -> tuple[list[Answer], list[str] | RegistryError | None]:
    """One registry's requests: the DOI search when it is the searcher, then the batched fetch.

    Runs in a worker thread: it touches no cache and no shared state but `todo`.
    """
    searched = _search(registry, to_search, client, todo) if searches else None
    return (registry.fetch(todo, client) if todo else []), searched


def _search(searcher: Any, dois: list[str], client: Client, todo: list[str]) -> list[str] | RegistryError | None:
    """PMIDs esearch finds for `dois`, added to `todo`; None when there was no search, the error when it failed."""
    if not dois:
        return None
    try:
        found = searcher.search_dois(dois, client)
    except RegistryError as exc:
        log.info("DOI to PMID search failed: %s", exc)
        return exc
    asked = set(todo)  # a set: `p not in todo` over a list was quadratic in the ids found
    todo.extend(p for p in dict.fromkeys(found) if p not in asked)
    return found


def _store(registry: Registry, answers: list[Answer], cache: Cache,
           outcomes: dict[tuple[str, str], FetchOutcome]) -> None:
    now = time.time()
    rows = []
    for answer in answers:
        key = (registry.name, answer.identifier)
        if answer.error is not None:
            outcomes[key] = Unavailable(registry.name, answer.identifier, answer.error.reason)
            continue
        row, outcome = entry_for(registry, answer, now)
        outcomes[key] = outcome
        if not isinstance(outcome, Unavailable):
            rows.append(row)
    cache.put_many(rows)
    parsed.store(cache, registry, [(row, outcomes[(registry.name, row.identifier)]) for row in rows
                                   if isinstance(outcomes[(registry.name, row.identifier)], Record)])


def _link(searcher: Any, dois: list[str], searched: list[str],
          outcomes: dict[tuple[str, str], FetchOutcome], cache: Cache, links: dict[str, str]) -> None:
    """Tie each searched DOI to the fetched PubMed record that carries it."""
    wanted = set(dois)
    fetched_all = True
    for pmid in searched:
        outcome = outcomes.get((searcher.name, pmid))
        if isinstance(outcome, Record) and outcome.work.doi in wanted:
            links.setdefault(outcome.work.doi, pmid)
        elif isinstance(outcome, Unavailable):
            fetched_all = False
    now = time.time()
    rows = [Entry(LINKS, doi, links[doi].encode(), now, now + LINK_TTL) for doi in dois if doi in links]
    if fetched_all:
        # Only a complete answer proves a DOI has no PubMed record.
        rows += [Entry(LINKS, doi, None, now, now + NO_LINK_TTL) for doi in dois if doi not in links]
    cache.put_many(rows)


def _follow_up(records: RecordSet, resolutions: Sequence[Resolution], *, options: Any,
              later: Sequence[Any], client: Client | None, cache: Cache) -> RecordSet:
    """`records` with the outcomes of the local and following registries added."""
    if not later:
        return records
    by_kind = identifiers_by_kind(resolutions)
    outcomes: dict[tuple[str, str], FetchOutcome] = dict(records.outcomes)
    sent = 0
    own = client is None and not options.offline
    now = time.time()
    try:
        for registry in ordered(list(later)):
            asked = [i for kind in registry.kinds for i in by_kind.get(kind, ())]
            if getattr(registry, "local", False):
                for identifier, row in cache.get_many(registry.name, asked).items():
                    outcomes[(registry.name, identifier)] = _outcome(registry, row)
                continue
            asked = [i for i in asked if registry.wants(outcomes.get((registry.after, i)))]
            if not asked:
                continue
            rows = {} if options.refresh and not options.offline else cache.get_many(registry.name, asked)
            todo = []
            for identifier in asked:
                row = rows.get(identifier)
                if row is not None and (options.offline or row.fresh(now)):
                    outcomes[(registry.name, identifier)] = _outcome(registry, row)
                else:
                    todo.append(identifier)
            if not todo:
                continue
            if options.offline:
                for identifier in todo:
                    outcomes[(registry.name, identifier)] = Unavailable(registry.name, identifier, "offline")
                continue
            if client is None:
                client = make_client(options, later)
            before = client.requests
            _store(registry, registry.fetch(todo, client), cache, outcomes)
            sent += client.requests - before
    finally:
        if own and client is not None:
            client.close()
    return RecordSet(outcomes=outcomes, requests=records.requests + sent, pmid_for_doi=records.pmid_for_doi,
                     unsearched=records.unsearched)
