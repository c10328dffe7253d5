"""Retraction Watch: retractions, corrections and expressions of concern, offline.

The Retraction Watch database is the most complete list of retracted,
corrected and flagged papers; Crossref acquired it in 2023 and distributes it
openly as one CSV (https://gitlab.com/crossref/retraction-watch-data, file
`retraction_watch.csv`; also https://api.labs.crossref.org/data/retractionwatch?you@example.org).
`citeaudit cache import retraction_watch.csv` loads it into the registry
cache, streaming the rows; a second import replaces the first. From then on
every reference whose DOI or PMID is listed as an original paper gets its
notices with no request at all, online or `--offline`.

Each original paper (by DOI and by PMID) becomes one cache row of the local
registry `retractionwatch` holding its notices: nature, date, reason,
notice DOI and PMID, as in the CSV. RetractionNature maps onto `Notice.kind`:
Retraction -> retraction (CA305); Correction -> correction and Expression of
concern -> expression-of-concern (both CA306, as RULES.md defines it); a
Reinstatement withdraws the retractions and expressions of concern dated
before it.
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from citeaudit.bib.cache import Cache, Entry
from citeaudit.bib.http import Client, Malformed
from citeaudit.bib.identifiers import normalize_doi, normalize_pmid
from citeaudit.bib.registry import Answer, json_body
from citeaudit.errors import InputError
from citeaudit.model import Notice, Record, Work

NAME = "retractionwatch"
NATURES = {
    "retraction": "retraction",
    "correction": "correction",
    "expression of concern": "expression-of-concern",
    "reinstatement": "reinstatement",
}
"""RetractionNature (lower case) -> Notice.kind; `reinstatement` is applied, never reported."""
REQUIRED = ("OriginalPaperDOI", "OriginalPaperPubMedID", "RetractionNature")
KEPT = 100 * 365 * 86400.0
"""Seconds an imported row is kept: until the next import replaces it."""
_US_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")


def looks_like(path: Path) -> bool:
    """Whether `path` is a Retraction Watch CSV (by its header row, not its name)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace")
    return all(column in first for column in REQUIRED)


def iso_date(value: str | None) -> str | None:
    """`7/12/2023 0:00` (the CSV's US dates) or `2023-07-12` as `2023-07-12`; None if neither."""
    if not value:
        return None
    if match := _US_DATE.match(value):
        month, day, year = (int(g) for g in match.groups())
        return f"{year:04d}-{month:02d}-{day:02d}"
    if match := _ISO_DATE.match(value):
        return "-".join(match.groups())
    return None


def _pmid(value: str | None) -> str | None:
    """`36035816.0` (the CSV writes PMIDs as floats) as `36035816`; 0 means none."""
    text = (value or "").strip()
    if text.endswith(".0"):
        text = text[:-2]
    return normalize_pmid(text) if text.strip("0") else None


def _reason(value: str | None) -> str | None:
    """`+Paper Mill;+Unreliable Results;` as `Paper Mill; Unreliable Results`."""
    parts = [p.strip().lstrip("+").strip() for p in (value or "").split(";")]
    return "; ".join(p for p in parts if p) or None


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        handle = open(path, newline="", encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from exc
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
        if missing:
            raise InputError(path, "not a Retraction Watch CSV: no column " + ", ".join(missing), line=1)
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as exc:
            raise InputError(path, f"malformed CSV: {exc}", line=reader.line_num) from exc


def import_csv(cache: Cache, path: Path) -> int:
    """Load a Retraction Watch CSV into `cache`, replacing an earlier import; returns works listed."""
    works: dict[str, dict[str, Any]] = {}
    keys: dict[str, str] = {}
    """identifier (DOI or PMID) -> the work it names, so a work listed by DOI and PMID is one."""
    for _line, row in _rows(path):
        kind = NATURES.get((row.get("RetractionNature") or "").strip().lower())
        if kind is None:
            continue
        doi = normalize_doi(row.get("OriginalPaperDOI") or "")
        pmid = _pmid(row.get("OriginalPaperPubMedID"))
        if not doi and not pmid:
            continue
        key = keys.get(doi or "") or keys.get(pmid or "") or (doi or pmid)
        work = works.setdefault(key, {"doi": doi, "pmid": pmid, "title": (row.get("Title") or "").strip() or None,
                                      "notices": []})
        work["doi"] = work["doi"] or doi
        work["pmid"] = work["pmid"] or pmid
        for identifier in (doi, pmid):
            if identifier:
                keys.setdefault(identifier, key)
        work["notices"].append({
            "kind": kind, "doi": normalize_doi(row.get("RetractionDOI") or ""),
            "pmid": _pmid(row.get("RetractionPubMedID")), "date": iso_date(row.get("RetractionDate")),
            "reason": _reason(row.get("Reason")), "nature": (row.get("RetractionNature") or "").strip(),
            "record": (row.get("Record ID") or "").strip() or None,
        })
    now = time.time()
    entries = []
    for work in works.values():
        body = json.dumps(work, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        entries.extend(Entry(NAME, identifier, body, now, now + KEPT)
                       for identifier in (work["doi"], work["pmid"]) if identifier)
    cache.replace(NAME, entries)
    return len(works)


def notices(work: dict[str, Any]) -> tuple[Notice, ...]:
    """The notices of one stored work, reinstatements applied."""
    kinds = set(NATURES.values())
    listed = [n for n in work.get("notices") or () if isinstance(n, dict) and n.get("kind") in kinds]
    reinstated = max((n.get("date") or "" for n in listed if n["kind"] == "reinstatement"), default=None)
    kept = []
    for n in listed:
        if n["kind"] == "reinstatement":
            continue
        if reinstated is not None and n["kind"] != "correction" and (n.get("date") or "") <= reinstated:
            continue
        kept.append(Notice(kind=n["kind"], doi=n.get("doi"), pmid=n.get("pmid"), date=n.get("date"),
                           source="Retraction Watch", reason=n.get("reason")))
    return tuple(kept)


class RetractionWatch:
    """The imported Retraction Watch CSV as a local registry: cache rows only, never a request."""

    name = NAME
    label = "Retraction Watch"
    kinds = ("doi", "pmid")
    local = True

    def fetch(self, identifiers: Sequence[str], client: Client) -> list[Answer]:
        """Never asked: a work without a row is not listed."""
        return []

    def parse(self, identifier: str, body: bytes, fetched_at: float | None = None) -> Record:
        """The Record of one listed work: its notices, title and identifiers from the CSV."""
        work = json_body(body, dict, "stored Retraction Watch work")
        try:
            return Record(source=NAME, identifier=identifier,
                          work=Work(title=work.get("title"), doi=work.get("doi"), pmid=work.get("pmid")),
                          notices=notices(work), fetched_at=fetched_at)
        except (TypeError, AttributeError, KeyError) as exc:
            raise Malformed(f"unexpected Retraction Watch row shape: {exc}") from exc
