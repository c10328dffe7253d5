"""The DOI system itself: does a DOI exist, and which agency registered it.

Crossref registers most DOIs a review cites, but not all: datasets and
software (Zenodo, Dryad, figshare) are DataCite's, and mEDRA, JaLC, KISTI and
others register the rest. So a DOI Crossref does not know is asked here
before anyone says it does not exist:

- `GET {CITEAUDIT_DOI_URL}/api/handles/{doi}` (the DOI proxy's REST API, one
  DOI a request): `responseCode` 1 means the DOI exists, 100 that it does
  not (the proxy also answers HTTP 404 then); 200 ("no values of the type
  asked") still means it exists;
- `GET {CITEAUDIT_DOI_URL}/ra/{doi},{doi},...` ("Which RA?", many DOIs a
  request) for the registration agency of the DOIs that exist.

One stored body per DOI, `{"doi": ..., "agency": ...}`, parsed into a
`Record` with no bibliographic fields: it proves existence and names the
agency, which decides whether DataCite is asked for the metadata.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from typing import Any

from citeaudit.bib.http import Client, Malformed
from citeaudit.bib.registry import Answer, base_url, json_body
from citeaudit.errors import RegistryError
from citeaudit.model import Record, Work

DEFAULT_URL = "https://doi.org"
EXISTS = frozenset({1, 200})
"""Handle API response codes meaning the handle exists (200: exists, no values of the type asked)."""
NOT_FOUND = 100
MAX_RA_PATH = 1500
"""Longest comma-joined DOI list sent in one `/ra/` path."""


def _handle(body: bytes) -> int:
    payload = json_body(body, dict, "DOI handle API answer")
    if not isinstance(payload.get("responseCode"), int):
        raise Malformed("not a DOI handle API answer")
    return int(payload["responseCode"])


def _agencies(body: bytes) -> list[dict[str, Any]]:
    payload = json_body(body, list, "DOI registration agency answer")
    if not all(isinstance(p, dict) for p in payload):
        raise Malformed("not a DOI registration agency answer")
    return payload


def quote(doi: str) -> str:
    """A DOI as a URL path: its slashes kept, everything unsafe escaped."""
    return urllib.parse.quote(doi, safe="/")


class DoiSystem:
    """doi.org as a citeaudit registry: existence and registration agency of a DOI."""

    name = "doi"
    label = "the DOI system"
    kinds = ("doi",)
    after = "crossref"
    """Asked only for DOIs that registry answered do not exist (see `wants`)."""
    requests_per_second = 10.0

    def __init__(self, base_url: str | None = None) -> None:
        self._base_url = base_url

    @property
    def base_url(self) -> str:
        """`CITEAUDIT_DOI_URL`, read at call time."""
        return base_url(self._base_url, "CITEAUDIT_DOI_URL", DEFAULT_URL)

    @staticmethod
    def wants(before: Any) -> bool:
        """Whether Crossref's outcome for a DOI calls for asking the DOI system."""
        from citeaudit.model import Missing

        return isinstance(before, Missing)

    def fetch(self, identifiers: Sequence[str], client: Client) -> list[Answer]:
        """One Answer per DOI: a handle lookup each, then their agencies in batches."""
        answers: list[Answer] = []
        existing: list[str] = []
        for doi in identifiers:
            try:
                reply = client.get(self.name, f"{self.base_url}/api/handles/{quote(doi)}",
                                   params={"type": "URL"}, parse=_handle)
            except RegistryError as exc:
                answers.append(Answer(doi, error=exc))
                continue
            code = reply.body if reply.status == 200 else _code_of_404(reply.body)
            if code == NOT_FOUND:
                answers.append(Answer(doi))
            elif code in EXISTS:
                existing.append(doi)
            else:
                # A 404 without a handle answer is a wrong base URL, not a missing DOI.
                answers.append(Answer(doi, error=RegistryError(
                    self.name, "http-404" if reply.status == 404 else "registry-error",
                    f"{reply.url} answered response code {code}")))
        agencies = self._agencies(existing, client)
        answers.extend(Answer(doi, json.dumps({"doi": doi, "agency": agencies.get(doi)}).encode())
                       for doi in existing)
        return answers

    def _agencies(self, dois: list[str], client: Client) -> dict[str, str | None]:
        """Registration agency per DOI (None when "Which RA?" could not say)."""
        found: dict[str, str | None] = {}
        for batch in _batches(dois):
            try:
                reply = client.get(self.name, f"{self.base_url}/ra/{','.join(map(quote, batch))}",
                                   parse=_agencies)
            except RegistryError:
                continue  # existence is known; the agency only decides whether DataCite is asked
            if reply.status != 200:
                continue
            for item in reply.body:
                doi = str(item.get("DOI", "")).lower()
                if doi in batch and isinstance(item.get("RA"), str):
                    found[doi] = item["RA"]
        return found

    def parse(self, identifier: str, body: bytes, fetched_at: float | None = None) -> Record:
        """A Record that proves the DOI exists; `agency` says who registered it."""
        payload = json_body(body, dict, "stored DOI system answer")
        agency = payload.get("agency")
        return Record(source=self.name, identifier=identifier, work=Work(doi=identifier),
                      agency=agency if isinstance(agency, str) else None, fetched_at=fetched_at)


def _code_of_404(body: bytes) -> int | None:
    try:
        return _handle(body)
    except Malformed:
        return None


def _batches(dois: list[str]) -> list[list[str]]:
    """DOIs grouped for `/ra/`: a comma inside a DOI would split it, so such DOIs go alone."""
    groups: list[list[str]] = []
    current: list[str] = []
    size = 0
    for doi in dois:
        if "," in doi:
            groups.append([doi])
            continue
        if current and size + len(doi) + 1 > MAX_RA_PATH:
            groups.append(current)
            current, size = [], 0
        current.append(doi)
        size += len(doi) + 1
    if current:
        groups.append(current)
    return groups
