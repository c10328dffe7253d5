"""PMC identifiers: PMCID <-> PMID <-> DOI through NCBI's PMC ID converter.

`GET {CITEAUDIT_IDCONV_URL}/?ids=A,B,...&format=json` takes up to 200
identifiers of one type a request and answers one record per identifier:
`{"pmcid", "pmid", "doi"}` when PMC has the article, or `"status": "error"`
("invalid article id") when it has not.

Two uses:
- the `pmc` registry: the record of each PMCID a reference gives, so CA303
  can tell a PMCID that names another work than the reference's PMID or DOI;
- `pmcids_for`: the PMCIDs of PMIDs or DOIs, for `citeaudit fix` to fill a
  missing PMCID (cached per identifier, like the `pmc` registry's records).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from typing import Any

from citeaudit.bib.cache import LINK_TTL, NO_LINK_TTL, Cache, Entry
from citeaudit.bib.http import Client, Malformed
from citeaudit.bib.identifiers import normalize_doi, normalize_pmcid, normalize_pmid
from citeaudit.bib.registry import Answer, endpoint_missing, failed, json_body
from citeaudit.bib.registry import base_url as registry_url
from citeaudit.errors import RegistryError
from citeaudit.model import Record, Work

DEFAULT_URL = "https://www.ncbi.nlm.nih.gov/pmc/utils/idconv/v1.0"
BATCH = 200
"""Identifiers per request, the converter's limit."""
TOOL = "citeaudit"
LINKS = "pmc-ids"
"""Pseudo-registry of the cache: PMID or DOI -> its PMCID (NULL: PMC does not hold it)."""

log = logging.getLogger(__name__)


def _records(body: bytes) -> list[dict[str, Any]]:
    payload = json_body(body, dict, "PMC ID converter answer")
    if payload.get("status") == "error":
        raise Malformed(f"PMC ID converter error: {str(payload.get('message', ''))[:200]}")
    records = payload.get("records")
    if not isinstance(records, list):
        raise Malformed("PMC ID converter answer without records")
    return [r for r in records if isinstance(r, dict)]


def _ids(record: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(PMCID, PMID, DOI) of one converter record, normalised; all None for an error record."""
    if record.get("status") == "error" or record.get("errmsg"):
        return None, None, None
    return (normalize_pmcid(str(record.get("pmcid") or "")),
            normalize_pmid(str(record.get("pmid") or "")),
            normalize_doi(str(record.get("doi") or "")))


def _requested(record: dict[str, Any], kind: str) -> str | None:
    """Which asked identifier a record answers: `requested-id`, else its own field of that kind."""
    value = str(record.get("requested-id") or record.get(kind) or "")
    normal = {"pmcid": normalize_pmcid, "pmid": normalize_pmid, "doi": normalize_doi}[kind]
    return normal(value)


def base_url() -> str:
    """`CITEAUDIT_IDCONV_URL`, read at call time."""
    return registry_url(None, "CITEAUDIT_IDCONV_URL", DEFAULT_URL)


def convert(identifiers: Sequence[str], kind: str, client: Client,
            registry: str = "pmc") -> dict[str, dict[str, Any] | None]:
    """The converter's record per identifier of one `kind` (pmcid, pmid, doi); None: not in PMC.

    Raises RegistryError when a batch could not be had.
    """
    found: dict[str, dict[str, Any] | None] = {}
    for start in range(0, len(identifiers), BATCH):
        batch = list(identifiers[start:start + BATCH])
        params = {"ids": ",".join(batch), "format": "json", "idtype": kind, "tool": TOOL}
        if client.mailto:
            params["email"] = client.mailto
        reply = client.get(registry, f"{base_url()}/", params=params, parse=_records)
        if reply.status == 404:
            raise RegistryError(registry, "http-404", f"{reply.url} does not exist")
        for record in reply.body:
            asked = _requested(record, kind)
            if asked in batch:
                found[asked] = None if _ids(record)[0] is None else record
        for identifier in batch:
            found.setdefault(identifier, None)
    return found


def pmcids_for(identifiers: Sequence[str], client: Client | None, cache: Cache,
               *, refresh: bool = False) -> dict[str, str | None]:
    """PMCID of each PMID or DOI (None: PMC does not hold it), keyed by the PMID or the
    normalised DOI (`https://doi.org/10.1/X` -> `10.1/x`); what `citeaudit fix` fills in.

    Answers are cached like every registry answer (`LINKS`, one row per
    identifier), so a second run, or an `--offline` one (`client` None), asks
    nothing. PMIDs and DOIs go in separate requests, as the converter wants
    one type a request. Identifiers left out of the result could not be
    looked up (offline and not cached, or the converter failed).
    """
    by_kind = {"pmid": list(dict.fromkeys(p for p in identifiers if normalize_pmid(p) == p))}
    by_kind["doi"] = list(dict.fromkeys(doi for d in identifiers if d not in by_kind["pmid"]
                                        and (doi := normalize_doi(d))))
    wanted = [i for ids in by_kind.values() for i in ids]
    rows = {} if refresh and client is not None else cache.get_many(LINKS, wanted)
    now = time.time()
    out: dict[str, str | None] = {}
    for identifier, row in rows.items():
        if client is None or row.fresh(now):
            out[identifier] = row.body.decode("ascii", "replace") if row.body else None
    if client is None:
        return out
    stored: list[Entry] = []
    for kind, asked in by_kind.items():
        todo = [i for i in asked if i not in out]
        for start in range(0, len(todo), BATCH):
            try:
                found = convert(todo[start:start + BATCH], kind, client)
            except RegistryError as exc:
                log.info("PMC ID converter failed: %s", exc)
                continue
            now = time.time()
            for identifier, record in found.items():
                pmcid = _ids(record)[0] if record else None
                out[identifier] = pmcid
                stored.append(Entry(LINKS, identifier, pmcid.encode() if pmcid else None, now,
                                    now + (LINK_TTL if pmcid else NO_LINK_TTL)))
    cache.put_many(stored)
    return out


def stored_record(pmcid: str, pmid: str | None, doi: str | None) -> bytes:
    """A converter record as the `pmc` registry caches it, for a PMCID learnt elsewhere
    (a PubMed snapshot's `ArticleId IdType="pmc"`), so offline runs can check it too."""
    record = {"pmcid": pmcid, **({"pmid": pmid} if pmid else {}), **({"doi": doi} if doi else {})}
    return json.dumps(record).encode()


class PmcIds:
    """The PMC ID converter as a citeaudit registry of PMCIDs."""

    name = "pmc"
    label = "the PMC ID converter"
    kinds = ("pmcid",)
    requests_per_second = 3.0
    """An NCBI service: NCBI's E-utilities pace."""

    def fetch(self, identifiers: Sequence[str], client: Client) -> list[Answer]:
        """One Answer per PMCID, 200 a request."""
        answers: list[Answer] = []
        for start in range(0, len(identifiers), BATCH):
            batch = list(identifiers[start:start + BATCH])
            try:
                records = convert(batch, "pmcid", client, self.name)
            except RegistryError as exc:
                if exc.reason == "http-404":
                    answers.extend(endpoint_missing(self.name, batch, base_url()))
                else:
                    answers.extend(failed(batch, exc))
                continue
            for pmcid in batch:
                record = records.get(pmcid)
                answers.append(Answer(pmcid, json.dumps(record).encode() if record else None))
        return answers

    def parse(self, identifier: str, body: bytes, fetched_at: float | None = None) -> Record:
        """The Record of one converter record: the PMCID's PMID and DOI, no bibliographic fields."""
        pmcid, pmid, doi = _ids(json_body(body, dict, "PMC ID converter record"))
        return Record(source=self.name, identifier=identifier,
                      work=Work(pmcid=pmcid or identifier, pmid=pmid, doi=doi), fetched_at=fetched_at)
