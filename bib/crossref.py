"""Crossref: many DOIs per request through `/works?filter=doi:A,doi:B`.

crossref-commons (the requested client) fetches one DOI per call with
`requests.get`, no timeout and a new connection each time, so its retrieval
functions are not used. What is sound in it is used: its Crossref Plus token
and polite-pool conventions (`~/.crapi_key`, or `CR_API_PLUS`, `CR_API_MAILTO`,
`CR_API_AGENT`), read through `crossref_commons.authorization`, and its URL
encoding of a DOI as one path segment (`crossref_commons.http_utils.uenc`).
Every request goes through `citeaudit.bib.http.Client`.

A DOI missing from a batch answer is asked for once on its own
(`/works/{doi}`): that tells "does not exist" (404) from an alias the filter
does not match (200, the record of the DOI it redirects to).
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from citeaudit import safejson
from citeaudit.bib.http import Client, Malformed
from citeaudit.bib.records import crossref_items, from_crossref
from citeaudit.bib.registry import Answer, endpoint_missing, failed
from citeaudit.bib.shape import crossref_work
from citeaudit.errors import RegistryError, UsageError
from citeaudit.model import Record

DEFAULT_URL = "https://api.crossref.org"
MAX_QUERY = 3000
"""Longest encoded filter query sent in one URL; proxies and servers refuse long URLs."""
MAX_ROWS = 1000
"""Crossref's largest page."""


def crossref_headers() -> dict[str, str]:
    """Headers from crossref-commons' conventions: the Plus token and a contact address.

    Read fresh on every run (crossref-commons caches them for the life of
    the process), and never logged: the token is a secret.
    """
    from crossref_commons.authorization import crapi_key
    from crossref_commons.config import CRAPI_KEY_FN

    crapi_key.cache_clear()
    try:
        headers = dict(crapi_key())
    except (ValueError, TypeError, AttributeError, OSError) as exc:  # never echo the file: it holds a secret
        headers = {0: type(exc).__name__}
    if not all(isinstance(k, str) and isinstance(v, str) and "\n" not in v for k, v in headers.items()):
        raise UsageError(f"{Path.home() / CRAPI_KEY_FN}: not a crossref-commons key file (a JSON object "
                         "of header names to text values); fix or remove it")
    headers.pop("User-Agent", None)  # ours names citeaudit; theirs may be anything
    return headers


def _json(body: bytes) -> Any:
    try:
        return safejson.loads(body)
    except ValueError as exc:
        raise Malformed(f"invalid JSON: {exc}") from exc


def _list(body: bytes) -> list[dict[str, Any]]:
    """The works of a `/works?filter=` answer, each of the shape records.py reads (else Malformed)."""
    payload = _json(body)
    if not isinstance(payload, dict) or not isinstance(payload.get("message"), dict) \
            or not isinstance(payload["message"].get("items"), list):
        raise Malformed("not a Crossref work list")
    return [crossref_work(item) for item in crossref_items(payload)]


def _item(body: bytes) -> dict[str, Any]:
    items = crossref_items(_json(body))
    if len(items) != 1:
        raise Malformed("not a Crossref work")
    return crossref_work(items[0])


def stored_body(item: dict[str, Any]) -> bytes:
    """How a work is kept in the cache: compact JSON without its cited-reference list."""
    # The cited-reference list is most of a work's size and no check reads it.
    return json.dumps({k: v for k, v in item.items() if k != "reference"},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Crossref:
    """The Crossref REST API as a citeaudit registry."""

    name = "crossref"
    label = "Crossref"
    kinds = ("doi",)
    requests_per_second = 10.0
    """Crossref asks polite-pool clients to stay well under its published limit."""

    def __init__(self, base_url: str | None = None) -> None:
        self._base_url = base_url

    @property
    def base_url(self) -> str:
        """`CITEAUDIT_CROSSREF_URL`, read at call time so tests and sites can point elsewhere."""
        return (self._base_url or os.environ.get("CITEAUDIT_CROSSREF_URL") or DEFAULT_URL).rstrip("/")

    def batches(self, dois: Sequence[str], extra: dict[str, str]) -> list[list[str]]:
        """DOIs grouped so each filter query stays under MAX_QUERY characters."""
        groups: list[list[str]] = []
        current: list[str] = []
        for doi in dois:
            trial = [*current, doi]
            query = urllib.parse.urlencode({"filter": ",".join(f"doi:{d}" for d in trial),
                                            "rows": str(len(trial)), **extra})
            if current and (len(query) > MAX_QUERY or len(trial) > MAX_ROWS):
                groups.append(current)
                current = [doi]
            else:
                current = trial
        if current:
            groups.append(current)
        return groups

    def fetch(self, identifiers: Sequence[str], client: Client) -> list[Answer]:
        """One Answer per DOI: batched filter queries, then single lookups for the gaps."""
        headers = crossref_headers()
        # The polite pool: our contact address, else the one crossref-commons' settings give.
        mailto = client.mailto or headers.pop("Mailto", None)
        extra = {"mailto": mailto} if mailto else {}
        # A comma would split the filter value, so such DOIs go one by one.
        listable = [d for d in identifiers if "," not in d]
        found: dict[str, bytes] = {}
        answers: list[Answer] = []
        alone = [d for d in identifiers if "," in d]
        for batch in self.batches(listable, extra):
            params = {"filter": ",".join(f"doi:{d}" for d in batch), "rows": str(len(batch)), **extra}
            try:
                reply = client.get(self.name, f"{self.base_url}/works", params=params,
                                   headers=headers, parse=_list)
            except RegistryError as exc:
                answers.extend(failed(batch, exc))
                continue
            if reply.status == 404:
                answers.extend(endpoint_missing(self.name, batch, reply.url))
                continue
            wanted = set(batch)
            for item in reply.body:
                doi = (item.get("DOI") or "").lower()
                if doi in wanted:
                    found[doi] = stored_body(item)
            alone.extend(d for d in batch if d not in found)
        answers.extend(Answer(doi, body) for doi, body in found.items())
        for doi in alone:
            answers.append(self._single(doi, client, headers, extra))
        return answers

    def _single(self, doi: str, client: Client, headers: dict[str, str], extra: dict[str, str]) -> Answer:
        from crossref_commons.http_utils import uenc  # it imports requests: only when asking

        url = f"{self.base_url}/works/{uenc(doi)}"
        try:
            reply = client.get(self.name, url, params=extra, headers=headers, parse=_item)
        except RegistryError as exc:
            return Answer(doi, error=exc)
        if reply.status == 404:
            return Answer(doi)
        return Answer(doi, stored_body(reply.body))

    def parse(self, identifier: str, body: bytes, fetched_at: float | None = None) -> Record:
        """The Record of one stored Crossref item."""
        return from_crossref(_item(body), identifier, fetched_at)
