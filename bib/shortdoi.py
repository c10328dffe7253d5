"""shortDOIs (`10/f6kft3`) expanded to the DOI they stand for, so they are verified like any DOI.

The DOI Foundation's short form is an alias handle: `GET {CITEAUDIT_DOI_URL}/api/handles/10/f6kft3?type=HS_ALIAS`
answers `{"responseCode": 1, "values": [{"type": "HS_ALIAS", "data": {"value": "10.1371/..."}}]}`
(manubot expands them the same way). Crossref does not know the short form,
so without this a shortDOI reference could be checked against nothing.
Answers are cached like records (`shortdoi` rows: the DOI, or none when the
handle does not exist); offline, only the cache is read. A shortDOI that
cannot be expanded stays as it is: it is valid (never CA206), just unverified.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from citeaudit.bib.doisystem import DEFAULT_URL, quote
from citeaudit.bib.http import Malformed
from citeaudit.bib.identifiers import is_short_doi, normalize_doi
from citeaudit.bib.registry import base_url, json_body
from citeaudit.errors import RegistryError

REGISTRY = "shortdoi"
"""Cache rows of expanded shortDOIs."""
TTL = 365 * 24 * 3600.0
"""An alias does not change: a year."""


def _alias(body: bytes) -> str | None:
    """The DOI an HS_ALIAS handle answer names (None: the handle has no alias)."""
    payload = json_body(body, dict, "DOI handle API answer")
    if not isinstance(payload.get("responseCode"), int):
        raise Malformed("not a DOI handle API answer")
    for value in payload.get("values") or ():
        data = value.get("data") if isinstance(value, dict) else None
        if isinstance(data, dict) and isinstance(data.get("value"), str):
            doi = normalize_doi(data["value"])
            if doi and not is_short_doi(doi):
                return doi
    return None


def expand(dois: Iterable[str], options: Any) -> dict[str, str]:
    """shortDOI -> the DOI it stands for, for those of `dois` that are shortDOIs and resolve."""
    from citeaudit.bib.cache import Entry
    from citeaudit.bib.doisystem import DoiSystem
    from citeaudit.bib.metadata import _open, make_client

    shorts = sorted({d.lower() for d in dois if is_short_doi(d)})
    if not shorts:
        return {}
    found: dict[str, str] = {}
    cache = _open(options)
    client = None
    try:
        cached = cache.get_many(REGISTRY, shorts)
        for short in shorts:
            entry = cached.get(short)
            if entry is not None and (options.offline or entry.fresh()):
                if entry.body:
                    found[short] = json.loads(entry.body)["doi"]
                continue
            if options.offline:
                continue
            if client is None:
                client = make_client(options, [DoiSystem()])
            url = f"{base_url(None, 'CITEAUDIT_DOI_URL', DEFAULT_URL)}/api/handles/{quote(short)}"
            try:
                reply = client.get("doi", url, params={"type": "HS_ALIAS"}, parse=_alias)
            except RegistryError:
                continue  # unverified this run, asked again the next
            now = time.time()
            doi = reply.body if reply.status == 200 else None
            body = json.dumps({"doi": doi}).encode() if doi else None
            cache.put_many([Entry(REGISTRY, short, body, now, now + TTL)])
            if doi:
                found[short] = doi
    finally:
        cache.close()
        if client is not None:
            client.close()
    return found


def with_expanded(resolutions: Mapping[Any, Any], expanded: Mapping[str, str]) -> dict[Any, Any]:
    """The resolutions with each expanded shortDOI replaced by its DOI."""
    return {key: replace(r, doi=expanded[r.doi.lower()]) if r.doi and r.doi.lower() in expanded else r
            for key, r in resolutions.items()}
