"""Find the registry record of a work that carries no identifier, or learn that there is none.

Crossref's bibliographic search (`/works?query.bibliographic=...&rows=5`)
always answers with its best guesses, however weak: for a work that exists
nowhere it still returns five works that share a few words. So a candidate
is taken only when it *agrees* with the cited work on all three of

- the title (similarity at least `TITLE_AGREES`, subtitles tolerated),
- the first author's family name,
- the year (one year apart allowed: online-first versus print),

and otherwise the work is reported as not found, never given the nearest
guess. docs/fix.md gives the measurements behind the thresholds.

One request per work, sent concurrently within Crossref's limits
(`concurrency`), each through the shared transport (timeouts, retries,
budget, the rate Crossref announces in its `X-Rate-Limit-*` headers). The
raw candidate list is cached like any registry answer, under the query.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from citeaudit.bib.cache import DAY, Cache, Entry
from citeaudit.bib.crossref import Crossref, crossref_headers
from citeaudit.bib.http import Client, Malformed
from citeaudit.bib.match import fold
from citeaudit.bib.records import from_crossref
from citeaudit.errors import RegistryError
from citeaudit.model import Record, Work

SEARCH = "crossref-search"
"""Pseudo-registry of the cache: query -> the candidate items Crossref returned."""
ROWS = 5
"""Candidates asked for: the right work, when Crossref has it, is nearly always first."""
SEARCH_TTL = 30 * DAY
"""How long a search answer is trusted online (a work is registered weeks after it appears)."""
TITLE_AGREES = 90.0
"""Least title similarity (0-100) of an agreeing candidate (docs/fix.md: measured)."""
MIN_TITLE = 20
"""Titles shorter than this ("Acne", "Editorial") are too common to identify a work."""
CONCURRENCY = {"polite": 3, "public": 1}
"""Requests in flight at once: Crossref's limits for the polite pool (a contact
address given) and the public pool."""
SELECT = ("DOI,title,subtitle,author,issued,published-print,published-online,published,"
          "container-title,short-container-title,volume,issue,page,article-number,type,subtype,relation,score")
"""The fields a candidate is judged and used by; the rest of each work is not sent."""
SEARCHABLE_KINDS = frozenset({"article-journal", "article", "preprint", "journal-article", "posted-content"})
"""Kinds of work a registry should know (CA310): journal articles and preprints."""

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Found:
    """What a search learnt about one work."""

    status: str
    """`found` (a candidate agrees), `none` (none agrees), `unavailable` (no answer: offline
    and not cached, or the registry failed), `unsearchable` (too little to search by)."""
    record: Record | None = None
    """The agreeing candidate's record."""
    similarity: float | None = None
    """Title similarity of the agreeing candidate, 0-100."""
    candidates: int = 0
    """How many candidates the registry offered."""
    reason: str = ""
    """Why it is unavailable or unsearchable."""
    nearest: str | None = None
    """Title of the most similar candidate that did not agree (for messages)."""

    @property
    def doi(self) -> str | None:
        return self.record.work.doi if self.record else None


def query_of(work: Work) -> str | None:
    """The bibliographic string sent to Crossref, None when the work cannot be identified by one."""
    if not work.title or len(fold(work.title)) < MIN_TITLE or not work.first_author or work.year is None:
        return None
    parts = [work.title, work.first_author.family, work.journal or "", str(work.year),
             work.volume or "", (work.pages or "").split("-")[0]]
    return " ".join(" ".join(p.split()) for p in parts if p)


def searchable_kind(kind: str | None, work: Work) -> bool:
    """Whether a work is a journal article or preprint (what CA310 is for), not a book, report or page."""
    if kind in SEARCHABLE_KINDS:
        return kind not in ("article-journal", "article") or bool(work.journal)
    # A reference parsed from text has no kind: a journal name with a volume or pages says article.
    return kind is None and bool(work.journal) and bool(work.volume or work.pages)


def title_similarity(cited: str | None, found: str | None) -> float:
    """0-100; a subtitle present on one side only does not count against it."""
    if not cited or not found:
        return 0.0
    a, b = fold(cited), fold(found)
    best = fuzz.ratio(a, b)
    for x, y in ((cited, found), (found, cited)):
        main = fold(x.split(":")[0])
        if len(main) >= MIN_TITLE and ":" in x:
            best = max(best, fuzz.ratio(main, fold(y)), fuzz.ratio(main, fold(y.split(":")[0])))
    return float(best)


def same_family(cited: str, found: str) -> bool:
    """Same family name, allowing particles, hyphenated and double names, and transliteration noise."""
    a, b = fold(cited).replace(" ", ""), fold(found).replace(" ", "")
    if not a or not b:
        return False
    return a == b or a.endswith(b) or b.endswith(a) or a.startswith(b) or b.startswith(a) \
        or fuzz.ratio(a, b) >= 85


def agrees(work: Work, record: Record) -> float | None:
    """The title similarity when `record` is `work` (title, first author, year agree), else None."""
    found = record.work
    if not found.first_author or not work.first_author:
        return None
    if not same_family(work.first_author.family, found.first_author.family):
        return None
    years = {y for y in (found.year, *record.other_years) if y}
    if work.year is None or not years or min(abs(work.year - y) for y in years) > 1:
        return None
    similarity = title_similarity(work.title, found.title)
    return similarity if similarity >= TITLE_AGREES else None


def judge(work: Work, items: Sequence[Mapping[str, Any]]) -> Found:
    """The agreeing candidate of a search answer, preferring a version of record to a preprint."""
    best: tuple[tuple[bool, float], Record, float] | None = None
    nearest: tuple[float, str] | None = None
    for item in items:
        try:
            record = from_crossref(dict(item))
        except (ValueError, TypeError, AttributeError):
            continue
        if not record.work.doi:
            continue
        similarity = agrees(work, record)
        if similarity is None:
            near = title_similarity(work.title, record.work.title)
            if record.work.title and (nearest is None or near > nearest[0]):
                nearest = (near, record.work.title)
            continue
        rank = (record.work.kind != "preprint" or work.kind == "preprint", similarity)
        if best is None or rank > best[0]:
            best = (rank, record, similarity)
    if best is None:
        return Found("none", candidates=len(items), nearest=nearest[1] if nearest else None)
    return Found("found", record=best[1], similarity=round(best[2], 1), candidates=len(items))


def _items(body: bytes) -> list[dict[str, Any]]:
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise Malformed(f"invalid JSON: {exc}") from exc
    message = payload.get("message") if isinstance(payload, dict) else None
    items = message.get("items") if isinstance(message, dict) else None
    if not isinstance(items, list):
        raise Malformed("not a Crossref work list")
    return [i for i in items if isinstance(i, dict)]


def search_works(works: Mapping[Any, Work], *, options: Any, cache: Cache, client: Client | None,
                 crossref: Crossref | None = None) -> dict[Any, Found]:
    """A `Found` for every work: cached answers first, then one request per work still to search.

    `client` None means offline: whatever is not cached is `unavailable`.
    """
    crossref = crossref or Crossref()
    queries = {key: query_of(work) for key, work in works.items()}
    results: dict[Any, Found] = {k: Found("unsearchable", reason="no title, first author or year")
                                 for k, q in queries.items() if q is None}
    wanted = list(dict.fromkeys(q for q in queries.values() if q))
    now = time.time()
    rows = {} if getattr(options, "refresh", False) and client is not None else cache.get_many(SEARCH, wanted)
    answers: dict[str, list[dict[str, Any]] | RegistryError | None] = {}
    for query in wanted:
        row = rows.get(query)
        if row is not None and row.body is not None and (client is None or row.fresh(now)):
            try:
                answers[query] = _items(row.body)
                continue
            except Malformed:
                pass
        answers[query] = None
    todo = [q for q, a in answers.items() if a is None]
    if todo and client is not None:
        fetched = _search_all(todo, client, crossref)
        stored = []
        for query, answer in fetched.items():
            answers[query] = answer
            if isinstance(answer, list):
                body = json.dumps({"message": {"items": answer}}, ensure_ascii=False,
                                  separators=(",", ":")).encode("utf-8")
                stored.append(Entry(SEARCH, query, body, time.time(), time.time() + SEARCH_TTL))
        cache.put_many(stored)
    for key, query in queries.items():
        if query is None:
            continue
        answer = answers.get(query)
        if answer is None:
            results[key] = Found("unavailable", reason="offline and not in the cache")
        elif isinstance(answer, RegistryError):
            results[key] = Found("unavailable", reason=answer.reason)
        else:
            results[key] = judge(works[key], answer)
    return results


def concurrency(client: Client) -> int:
    """Searches in flight at once: the polite pool's limit with a contact address, else the public pool's."""
    return CONCURRENCY["polite" if client.mailto else "public"]


def _search_all(queries: list[str], client: Client, crossref: Crossref) -> dict[str, Any]:
    headers = crossref_headers()
    mailto = client.mailto or headers.pop("Mailto", None)
    extra = {"mailto": mailto} if mailto else {}
    url = f"{crossref.base_url}/works"

    def one(query: str) -> tuple[str, list[dict[str, Any]] | RegistryError]:
        params = {"query.bibliographic": query, "rows": str(ROWS), "select": SELECT, **extra}
        try:
            reply = client.get(crossref.name, url, params=params, headers=headers, parse=_items)
        except RegistryError as exc:
            log.info("bibliographic search failed: %s", exc)
            return query, exc
        if reply.status == 404:
            return query, RegistryError(crossref.name, "http-404", f"{reply.url} does not exist")
        return query, reply.body

    with ThreadPoolExecutor(max_workers=concurrency(client)) as pool:
        return dict(pool.map(one, queries))
