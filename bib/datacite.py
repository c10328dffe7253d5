"""DataCite: metadata of the DOIs the DOI system says DataCite registered.

Datasets, software and many preprints (Zenodo, Dryad, figshare, arXiv) carry
DataCite DOIs that Crossref does not know. Their records are compared with
the reference like Crossref's (CA304), so a dataset cited under the wrong
title is caught and a real one is not called missing.

- `GET {CITEAUDIT_DATACITE_URL}/dois?ids=A,B&page[size]=N`: many DOIs a
  request (the `ids` filter of DataCite's REST API);
- a DOI missing from that answer is asked on its own, `GET /dois/{doi}`,
  where 404 means DataCite has no such DOI.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from typing import Any

from citeaudit.bib.doisystem import quote
from citeaudit.bib.http import Client, Malformed
from citeaudit.bib.identifiers import normalize_doi
from citeaudit.bib.records import plain
from citeaudit.bib.registry import Answer, base_url, batch_reply, json_body
from citeaudit.errors import RegistryError
from citeaudit.model import Person, Record, Work

DEFAULT_URL = "https://api.datacite.org"
BATCH = 100
"""DOIs per `ids` query (DataCite pages hold up to 1000 records)."""
MAX_QUERY = 3000
"""Longest encoded query sent in one URL."""
PREPRINT_RELATIONS = frozenset({"IsPreprintOf"})
"""relationType from a preprint to its published version."""


def _list(body: bytes) -> list[dict[str, Any]]:
    payload = json_body(body, dict, "DataCite DOI list")
    if not isinstance(payload.get("data"), list):
        raise Malformed("not a DataCite DOI list")
    return [item for item in payload["data"] if _is_item(item)]


def _item(body: bytes) -> dict[str, Any]:
    payload = json_body(body)
    item = payload.get("data") if isinstance(payload, dict) else None
    if not _is_item(item):
        raise Malformed("not a DataCite DOI record")
    return item  # type: ignore[return-value]


def _is_item(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("attributes"), dict)


def stored_body(item: dict[str, Any]) -> bytes:
    """How a DataCite record is kept: `{"data": item}` as `/dois/{doi}` answers it."""
    return json.dumps({"data": item}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _doi_of(item: dict[str, Any]) -> str:
    return (normalize_doi(str(item["attributes"].get("doi") or item.get("id") or "")) or "")


class DataCite:
    """The DataCite REST API as a citeaudit registry."""

    name = "datacite"
    label = "DataCite"
    kinds = ("doi",)
    after = "doi"
    """Asked only for DOIs the DOI system says DataCite registered (see `wants`)."""
    requests_per_second = 10.0

    def __init__(self, base_url: str | None = None) -> None:
        self._base_url = base_url

    @property
    def base_url(self) -> str:
        """`CITEAUDIT_DATACITE_URL`, read at call time."""
        return base_url(self._base_url, "CITEAUDIT_DATACITE_URL", DEFAULT_URL)

    @staticmethod
    def wants(before: Any) -> bool:
        """Whether the DOI system's record names DataCite as the agency."""
        return isinstance(before, Record) and (before.agency or "").lower() == "datacite"

    def batches(self, dois: Sequence[str]) -> list[list[str]]:
        """DOIs grouped so each `ids` query stays short; DOIs with commas go alone."""
        groups: list[list[str]] = []
        current: list[str] = []
        for doi in dois:
            if "," in doi:
                groups.append([doi])
                continue
            trial = [*current, doi]
            if current and (len(trial) > BATCH or len(urllib.parse.quote(",".join(trial))) > MAX_QUERY):
                groups.append(current)
                trial = [doi]
            current = trial
        if current:
            groups.append(current)
        return groups

    def fetch(self, identifiers: Sequence[str], client: Client) -> list[Answer]:
        """One Answer per DOI: `ids` batches, then single lookups for the gaps."""
        answers: list[Answer] = []
        found: dict[str, bytes] = {}
        alone: list[str] = []
        for batch in self.batches(identifiers):
            if len(batch) == 1:
                alone.extend(batch)
                continue
            params = {"ids": ",".join(batch), "page[size]": str(len(batch))}
            reply = batch_reply(self.name, batch, answers, lambda p=params: client.get(
                self.name, f"{self.base_url}/dois", params=p, parse=_list))
            if reply is None:
                continue
            wanted = set(batch)
            for item in reply.body:
                doi = _doi_of(item)
                if doi in wanted:
                    found[doi] = stored_body(item)
            alone.extend(d for d in batch if d not in found)
        answers.extend(Answer(doi, body) for doi, body in found.items())
        for doi in alone:
            try:
                reply = client.get(self.name, f"{self.base_url}/dois/{quote(doi)}", parse=_item)
            except RegistryError as exc:
                answers.append(Answer(doi, error=exc))
                continue
            answers.append(Answer(doi) if reply.status == 404 else Answer(doi, stored_body(reply.body)))
        return answers

    def parse(self, identifier: str, body: bytes, fetched_at: float | None = None) -> Record:
        """The Record of one stored DataCite DOI; a field of an unexpected type is a malformed answer."""
        try:
            return from_datacite(_item(body), identifier, fetched_at)
        except (TypeError, AttributeError, KeyError) as exc:
            raise Malformed(f"unexpected DataCite record shape: {exc}") from exc


def _creator(creator: dict[str, Any]) -> Person | None:
    family = plain(creator.get("familyName"))
    given = plain(creator.get("givenName")) or ""
    name = plain(creator.get("name"))
    if not family and name:
        if creator.get("nameType") == "Personal" and "," in name:
            family, _, given = (part.strip() for part in name.partition(","))
        else:
            family = name  # an organisation, or a name DataCite did not split
    return Person(family=family, given=given) if family else None


def _title(titles: Any) -> str | None:
    if not isinstance(titles, list):
        return None
    main = [t for t in titles if isinstance(t, dict) and not t.get("titleType")]
    for t in main or [t for t in titles if isinstance(t, dict)]:
        text = plain(t.get("title"))
        if text:
            return text
    return None


def from_datacite(item: dict[str, Any], identifier: str | None = None,
                  fetched_at: float | None = None) -> Record:
    """The Record of one DataCite DOI (the `data` of `/dois/{doi}`)."""
    attrs = item["attributes"]
    doi = _doi_of(item) or (identifier or "").lower()
    container = attrs.get("container") if isinstance(attrs.get("container"), dict) else {}
    types = attrs.get("types") if isinstance(attrs.get("types"), dict) else {}
    general = str(types.get("resourceTypeGeneral") or "")
    preprint = general == "Preprint" or str(types.get("resourceType") or "").lower() == "preprint"
    year = attrs.get("publicationYear")
    try:
        year = int(year) if year is not None else None
    except (TypeError, ValueError):
        year = None
    first, last = container.get("firstPage"), container.get("lastPage")
    pages = f"{first}-{last}" if first and last else (str(first) if first else None)
    work = Work(
        title=_title(attrs.get("titles")),
        authors=tuple(p for c in attrs.get("creators") or () if isinstance(c, dict)
                      if (p := _creator(c)) is not None),
        year=year,
        journal=plain(container.get("title")),
        volume=plain(str(container["volume"])) if container.get("volume") else None,
        issue=plain(str(container["issue"])) if container.get("issue") else None,
        pages=pages, doi=doi,
        kind="preprint" if preprint else (str(types.get("citeproc") or general.lower()) or None),
    )
    published = None
    if preprint:
        published = next((normalize_doi(str(r.get("relatedIdentifier", "")))
                          for r in attrs.get("relatedIdentifiers") or () if isinstance(r, dict)
                          and r.get("relationType") in PREPRINT_RELATIONS
                          and str(r.get("relatedIdentifierType", "")).upper() == "DOI"), None)
    descriptions = [plain(d.get("description")) for d in attrs.get("descriptions") or ()
                    if isinstance(d, dict) and d.get("descriptionType") == "Abstract"]
    return Record(
        source="datacite", identifier=identifier or doi, work=work,
        abstract=next((d for d in descriptions if d), None),
        publication_types=tuple(t for t in (general, str(types.get("resourceType") or "")) if t),
        keywords=tuple(s for s in (plain(x.get("subject")) for x in attrs.get("subjects") or ()
                                   if isinstance(x, dict)) if s),
        preprint_of=published, fetched_at=fetched_at, agency="DataCite",
    )
