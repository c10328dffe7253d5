"""Parsing untrusted XML: no DTD, no entities, no network, bounded size and depth.

Every reader of XML (JATS, the parts of a .docx, PubMed responses) goes
through `parse`, so one place decides what hostile input is refused:
external entities (XXE), parameter entities, entity expansion ("billion
laughs"), DTD fetches, and inputs over `MAX_BYTES` or deeper than `MAX_DEPTH`.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from citeaudit.errors import InputError, LimitExceeded
from citeaudit.limits import MAX_XML_BYTES, MAX_XML_DEPTH

MAX_BYTES = MAX_XML_BYTES
"""Largest XML document accepted, in bytes (see `citeaudit.limits`)."""
MAX_DEPTH = MAX_XML_DEPTH
"""Deepest element nesting accepted (see `citeaudit.limits`)."""


_INTERNAL_SUBSET = re.compile(
    rb"<!DOCTYPE\s+[^\s\[>]+(?:\s+(?:SYSTEM|PUBLIC)(?:\s+(?:\"[^\"]*\"|'[^']*'))+)?\s*\[", re.I)
"""A DOCTYPE with an internal subset (`<!DOCTYPE x [...]>`); a `[` later in the text is no such thing."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=False, recover=False,
    )


def parse(data: bytes, path: str | Path, *, what: str = "XML") -> etree._Element:
    """The root element of `data`; InputError naming `path` and the line when it is refused."""
    if len(data) > MAX_BYTES:
        raise LimitExceeded(path, f"{what} is {len(data) // (1024 * 1024)} MiB, over the "
                                  f"{MAX_BYTES // (1024 * 1024)} MiB limit")
    if b"<!entity" in data[:65536].lower() or _INTERNAL_SUBSET.search(data[:65536]):
        raise InputError(path, f"{what} declares entities or an internal DTD subset; refused "
                               "(entity expansion and external entities are not allowed)")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        if "Excessive depth" in str(exc.msg):  # libxml2 stops at 256 levels before we can count them
            raise LimitExceeded(path, f"{what} nests elements deeper than {MAX_DEPTH}", line=line) from exc
        raise InputError(path, f"malformed {what}: {exc.msg}", line=line) from exc
    if root is None:
        raise InputError(path, f"empty {what}")
    _check_depth(root, path, what)
    return root


def _check_depth(root: etree._Element, path: str | Path, what: str) -> None:
    depth = 0
    for event, _el in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > MAX_DEPTH:
            raise LimitExceeded(path, f"{what} nests elements deeper than {MAX_DEPTH}")
