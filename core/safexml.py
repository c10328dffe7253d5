"""Parsing untrusted XML: no DTD, no entities, no network, bounded size and depth.

Every reader of XML (JATS, the parts of a .docx, PubMed responses) goes
through `parse`, so one place decides what hostile input is refused:
external entities (XXE), parameter entities, entity expansion ("billion
laughs"), DTD fetches, and inputs over `MAX_BYTES` or deeper than `MAX_DEPTH`.
The parser never resolves, loads or fetches anything; declarations are then
refused from what the parser recorded (`refuse_declarations`), wherever they
stand in the text and in whatever encoding.
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
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        if "Excessive depth" in str(exc.msg):  # libxml2 stops at 256 levels before we can count them
            raise LimitExceeded(path, f"{what} nests elements deeper than {MAX_DEPTH}", line=line) from exc
        raise InputError(path, f"malformed {what}: {exc.msg}", line=line) from exc
    if root is None:
        raise InputError(path, f"empty {what}")
    refuse_declarations(root, path, what)
    _check_depth(root, path, what)
    return root


def refuse_declarations(root: etree._Element, path: str | Path, what: str = "XML") -> None:
    """InputError when the document's DOCTYPE has an internal subset (`<!DOCTYPE x [...]>`).

    Read from the parsed document, not from its text: libxml2 records the
    DOCTYPE without expanding or loading anything (given the parser above),
    so white space, comments or a UTF-16 encoding before it cannot hide a
    subset, as they hid it from the 64 kB text scan this replaces. A DOCTYPE
    naming only an external DTD (PubMed's, JATS's) is fine: it is never
    loaded. lxml lists a subset's entities and elements but not its
    attribute lists or notations, so when a DOCTYPE is present its canonical
    serialisation (libxml2's, one form whatever the input looked like) is
    what is read.
    """
    tree = root.getroottree()
    dtd = tree.docinfo.internalDTD
    if dtd is None:
        return
    entity = next(dtd.iterentities(), None)
    element = next(dtd.iterelements(), None)
    if entity is not None:
        declared = f"declares entity {entity.name!r} in an internal DTD subset"
    elif element is not None:
        declared = f"declares element {element.name!r} in an internal DTD subset"
    elif _SUBSET.match(etree.tostring(tree, encoding="utf-8")):
        declared = "has an internal DTD subset"
    else:
        return
    raise InputError(path, f"{what} {declared}; refused "
                           "(entity expansion and external entities are not allowed)")


_SUBSET = re.compile(rb"""(?:<\?xml[^>]*\?>)?\s*(?:(?:<!--.*?-->|<\?.*?\?>)\s*)*"""
                     rb"""<!DOCTYPE\s+[^\s\[>]+(?:\s+(?:SYSTEM|PUBLIC)(?:\s+(?:"[^"]*"|'[^']*'))+)?\s*\[""", re.S)
"""The head of libxml2's serialisation of a document whose DOCTYPE has an internal subset."""


def _check_depth(root: etree._Element, path: str | Path, what: str) -> None:
    depth = 0
    for event, _el in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > MAX_DEPTH:
            raise LimitExceeded(path, f"{what} nests elements deeper than {MAX_DEPTH}")
