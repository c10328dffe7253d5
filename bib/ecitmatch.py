"""NCBI ECitMatch: PMIDs for citations given as journal, year, volume, first page, author.

Many citations go in one request: `bdata` holds one
`journal|year|volume|first page|author|key|` line per citation, lines joined
by a carriage return (`%0D` once encoded). PubMed answers one line per
citation with the PMID appended, or `NOT_FOUND` / `AMBIGUOUS`. A citation
is only looked up when it has all five parts: with fewer, ECitMatch guesses.

Answers are cached per citation line (the key left out), so a citation
asked for again, by `fix` or by `check`, costs no request.

`verified_matches` is what every user of ECitMatch wants (`fix` of a library
or a draft, the search for references without identifier in `check`): the
PMIDs found, their PubMed records fetched in one batch, and only those whose
record agrees with the cited work (citeaudit.bib.search.agrees) kept.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from citeaudit.bib.cache import DAY, Cache, Entry
from citeaudit.bib.http import Client
from citeaudit.bib.match import fold
from citeaudit.bib.pubmed import PubMed
from citeaudit.errors import RegistryError
from citeaudit.model import Record, RecordSet, Work

CITMATCH = "pubmed-citmatch"
"""Pseudo-registry of the cache: citation line -> PMID (NULL: not found)."""
CITMATCH_TTL = 30 * DAY
MAX_QUERY = 1700
"""Longest encoded `bdata` sent in one GET: ECitMatch takes no POST."""

log = logging.getLogger(__name__)


def citation_line(work: Work) -> str | None:
    """`journal|year|volume|first page|author|` of a work, None when a part is missing."""
    journal = work.journal_abbrev or work.journal
    first_page = re.split(r"[-\u2013]", work.pages or "")[0].strip()
    author = work.first_author
    if not (journal and work.year and work.volume and first_page and author):
        return None
    initials = "".join(p[0] for p in re.split(r"[\s.\-]+", author.given) if p)
    name = f"{fold(author.family)} {initials.lower()}".strip()
    parts = [fold(journal), str(work.year), work.volume.strip(), first_page, name]
    if any("|" in p or "\r" in p or "\n" in p for p in parts):
        return None
    return "|".join(parts) + "|"


def match_citations(works: Mapping[Any, Work], *, cache: Cache, client: Client | None,
                    pubmed: PubMed | None = None) -> dict[Any, str | None]:
    """key -> PMID (None: not found) for every work with a full citation line that was answered.

    Works missing from the result could not be asked (too few parts, offline
    and not cached, or the request failed).
    """
    pubmed = pubmed or PubMed()
    lines = {key: line for key, work in works.items() if (line := citation_line(work))}
    wanted = list(dict.fromkeys(lines.values()))
    rows = cache.get_many(CITMATCH, wanted)
    now = time.time()
    answers: dict[str, str | None] = {}
    for line in wanted:
        row = rows.get(line)
        if row is not None and (client is None or row.fresh(now)):
            answers[line] = row.body.decode() if row.body else None
    todo = [line for line in wanted if line not in answers]
    if todo and client is not None:
        found = _ask(todo, client, pubmed)
        now = time.time()
        cache.put_many([Entry(CITMATCH, line, pmid.encode() if pmid else None, now, now + CITMATCH_TTL)
                        for line, pmid in found.items()])
        answers.update(found)
    return {key: answers[line] for key, line in lines.items() if line in answers}


def verified_matches(works: Mapping[Any, Work], *, options: Any, registries: Sequence[Any], cache: Cache,
                     client: Client | None) -> tuple[dict[Any, tuple[Record, float]], RecordSet | None]:
    """key -> (PubMed record, title similarity) for each work ECitMatch finds and whose record agrees
    on title, first author and year; and the records fetched (None when none were).

    One ECitMatch request per batch of citations (cached per citation), one
    batched efetch for the PMIDs it found (cached like every record).
    """
    from citeaudit.bib.metadata import fetch_records
    from citeaudit.bib.search import agrees
    from citeaudit.model import Resolution

    pubmed = next((r for r in registries if r.name == "pubmed"), None)
    if not works or pubmed is None:
        return {}, None
    pmids = {key: pmid for key, pmid in match_citations(works, cache=cache, client=client, pubmed=pubmed).items()
             if pmid}
    if not pmids:
        return {}, None
    records = fetch_records([Resolution(None, None, pmid=p) for p in dict.fromkeys(pmids.values())],
                            options=options, registries=[pubmed])
    verified: dict[Any, tuple[Record, float]] = {}
    for key, pmid in pmids.items():
        record = records.record("pubmed", pmid)
        similarity = agrees(works[key], record) if record is not None else None
        if record is not None and similarity is not None:
            verified[key] = (record, round(similarity, 1))
    return verified, records


def _batches(lines: list[str]) -> list[list[str]]:
    import urllib.parse

    groups: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        trial = [*current, f"{line}{len(current)}|"]
        if current and len(urllib.parse.quote("\r".join(trial))) > MAX_QUERY:
            groups.append(current)
            current = []
        current.append(line)
    if current:
        groups.append(current)
    return groups


def _ask(lines: list[str], client: Client, pubmed: PubMed) -> dict[str, str | None]:
    """One request per batch; a failed batch leaves its lines out (not looked up)."""
    found: dict[str, str | None] = {}
    for batch in _batches(lines):
        bdata = "\r".join(f"{line}{index}|" for index, line in enumerate(batch))
        params = {"db": "pubmed", "retmode": "xml", "bdata": bdata, "tool": "citeaudit"}
        if client.mailto:
            params["email"] = client.mailto
        try:
            reply = client.get(pubmed.name, f"{pubmed.base_url}/ecitmatch.cgi", params=params,
                               parse=lambda body: body.decode("utf-8"))
        except RegistryError as exc:
            log.info("ECitMatch failed: %s", exc)
            continue
        if reply.status == 404:
            continue
        for answer in reply.body.splitlines():
            parts = answer.strip().split("|")
            if len(parts) < 7 or not parts[5].isdigit() or int(parts[5]) >= len(batch):
                continue
            pmid = parts[6].strip()
            found[batch[int(parts[5])]] = pmid if pmid.isdigit() else None
    return found
