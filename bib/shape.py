"""The shape of registry answers that citeaudit relies on, checked where they come in.

A Crossref work is JSON from a server we do not control (or from a cache
row, or a snapshot file). `records.from_crossref` reads a dozen of its
fields; each has one documented type, and anything else (an `author` list
of strings, `page` as a number, `volume` 1e400, `relation` as a list, an
`abstract` list, a year of a thousand digits, a title of megabytes) used to
reach that code as a TypeError or AttributeError. `crossref_work` checks
exactly those fields, recursively, and raises `Malformed` (a ValueError)
naming the first field that is wrong, so the transport retries the answer
and then reports it as CA308, a cache row is dropped and fetched again, and
a snapshot import names the line.

Fields citeaudit does not read are not checked: Crossref adds fields often,
and an unknown field is no reason to distrust a known one. Null is accepted
wherever a field may be absent. A hand-written check was chosen over a
schema library (pydantic, jsonschema): the shape is a dozen fields, the
error must name the field in a sentence, and it adds no dependency to the
runtime (see docs/dependencies.md).

PubMed answers are XML, where every value is text: records.py bounds the
length of each text it takes, and the callers check element names.
"""

from __future__ import annotations

import re
from typing import Any

from citeaudit.bib.http import Malformed
from citeaudit.limits import MAX_REGISTRY_TEXT_CHARS

TEXT_FIELDS = ("DOI", "page", "article-number", "volume", "issue", "type", "subtype", "abstract")
"""Crossref fields read as one string."""
TEXT_LIST_FIELDS = ("title", "subtitle", "container-title", "short-container-title", "subject")
"""Crossref fields read as a list of strings (a bare string is accepted too)."""
DATE_FIELDS = ("published-print", "issued", "published-online", "published")
"""Crossref date objects: `{"date-parts": [[2015, 1, 5]], "date-time": "..."}`."""
UPDATE_FIELDS = ("updated-by", "update-to")
"""Lists of `{"type": ..., "DOI": ..., "updated": date}`."""

_DATE_PART = re.compile(r"[0-9]{1,4}")


def crossref_work(item: Any) -> dict[str, Any]:
    """`item` itself when every field citeaudit reads has its documented type; else Malformed."""
    _object(item, "work")
    doi = item.get("DOI")
    where = f"work {doi}" if isinstance(doi, str) and len(doi) < 300 else "work"
    for key in TEXT_FIELDS:
        _text(item.get(key), f"{where}: {key}")
    for key in TEXT_LIST_FIELDS:
        _texts(item.get(key), f"{where}: {key}")
    for key in DATE_FIELDS:
        _date(item.get(key), f"{where}: {key}")
    issue = item.get("journal-issue")
    if issue is not None:
        _object(issue, f"{where}: journal-issue")
        _date(issue.get("published-print"), f"{where}: journal-issue.published-print")
    for index, person in enumerate(_list(item.get("author"), f"{where}: author")):
        _object(person, f"{where}: author[{index}]")
        for key in ("given", "family", "name"):
            _text(person.get(key), f"{where}: author[{index}].{key}")
    for key in UPDATE_FIELDS:
        for index, update in enumerate(_list(item.get(key), f"{where}: {key}")):
            _object(update, f"{where}: {key}[{index}]")
            _text(update.get("type"), f"{where}: {key}[{index}].type")
            _text(update.get("DOI"), f"{where}: {key}[{index}].DOI")
            _date(update.get("updated"), f"{where}: {key}[{index}].updated")
    relation = item.get("relation")
    if relation is not None:
        _object(relation, f"{where}: relation")
        for name, targets in relation.items():
            for index, target in enumerate(_list(targets, f"{where}: relation.{name}")):
                _object(target, f"{where}: relation.{name}[{index}]")
                _text(target.get("id"), f"{where}: relation.{name}[{index}].id")
                _text(target.get("id-type"), f"{where}: relation.{name}[{index}].id-type")
    return item


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)


def _object(value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise Malformed(f"{where} is {_kind(value)}, expected an object")


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Malformed(f"{where} is {_kind(value)}, expected a list")
    return value


def _text(value: Any, where: str) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise Malformed(f"{where} is {_kind(value)}, expected text")
    if len(value) > MAX_REGISTRY_TEXT_CHARS:
        raise Malformed(f"{where} is {len(value):,} characters long, over {MAX_REGISTRY_TEXT_CHARS:,}")


def _texts(value: Any, where: str) -> None:
    if isinstance(value, str):
        _text(value, where)
        return
    for index, text in enumerate(_list(value, where)):
        _text(text, f"{where}[{index}]")


def _date(value: Any, where: str) -> None:
    if value is None:
        return
    _object(value, where)
    _text(value.get("date-time"), f"{where}.date-time")
    for parts in _list(value.get("date-parts"), f"{where}.date-parts"):
        for part in _list(parts, f"{where}.date-parts"):
            if part is None:
                continue
            if isinstance(part, bool) or not isinstance(part, (int, str)) \
                    or not _DATE_PART.fullmatch(str(part).strip()):
                raise Malformed(f"{where}.date-parts holds {str(part)[:20]!r}, not a year, month or day")

