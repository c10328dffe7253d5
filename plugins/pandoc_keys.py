"""pandoc citation keys in Markdown: the references they stand for, and the library a draft names.

Each distinct key cited is one reference, numbered in order of first
citation. manubot's persistent-identifier keys (`@doi:`, `@pubmed:`,
`@url:`...) carry their identifier, so they can be verified without a
library; the YAML front matter's `bibliography:` is the library when
`--bib` is not given (docs/markdown.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from citeaudit.claims import Block
from citeaudit.model import Marker, Reference, Span, Work


def resolve_keys(blocks: list[Block], definitions: dict[str, Any], *, numbered: bool,
                  ) -> tuple[list[Block], list[Reference]]:
    """Number cited pandoc keys in order of first citation and give their markers numbers.

    When the draft also has a numbered list, the key references keep
    number None (they are found by key, not by number).
    """
    order: dict[str, Marker] = {}
    for block in blocks:
        for _, _, marker in block.markers:
            for key in marker.keys:
                order.setdefault(key, marker)
    if not order:
        return blocks, []
    numbers = {key: (None if numbered else n) for n, key in enumerate(order, start=1)}
    refs = [_key_reference(key, numbers[key], marker.span, definitions) for key, marker in order.items()]
    if numbered:
        return blocks, refs

    def renumber(marker: Marker) -> Marker:
        if not marker.keys:
            return marker
        return replace(marker, numbers=tuple(numbers[k] for k in marker.keys))

    blocks = [replace(b, markers=[(s, e, renumber(m)) for s, e, m in b.markers]) for b in blocks]
    return blocks, refs


_KEY_KINDS = {"doi": "doi", "biorxiv": "doi", "medrxiv": "doi", "pmid": "pmid", "pubmed": "pmid",
              "pmcid": "pmcid"}
"""manubot key prefixes whose value is a DOI, PMID or PMCID."""


def _key_reference(key: str, number: int | None, span: Span, definitions: dict[str, Any]) -> Reference:
    """The reference a pandoc key stands for, carrying the identifier a manubot key names.

    `[@doi:10.1/x]`, `[@pubmed:123]`, `[@pmcid:PMC1]`, `[@biorxiv:10.1101/x]` give that
    identifier; `[@url:...]` and `[@https://...]` whatever identifier the address holds
    (a doi.org or PubMed link); `arxiv:`, `isbn:`, `clinicaltrials:` keep their value as
    written. A `[@tag:x]: doi:10...` definition stands for its target.
    """
    from citeaudit.bib.identifiers import (
        find_identifiers,
        normalize_doi,
        normalize_pmcid,
        normalize_pmid,
    )

    target = key
    # markdown-it keys link-reference definitions by label, folded as lower().upper()
    definition = definitions.get(f"@{key}".lower().upper())
    if definition:
        target = definition.get("href", key)
    prefix, _, value = target.partition(":")
    prefix = prefix.lower()
    kind = _KEY_KINDS.get(prefix)
    normalise: dict[str, Callable[[str], str | None]] = {
        "doi": normalize_doi, "pmid": normalize_pmid, "pmcid": normalize_pmcid}
    work = Work()
    raw: tuple[tuple[str, str], ...] = ()
    if kind is not None:
        raw = ((kind, value),)
        if normal := normalise[kind](value):
            work = Work(**{kind: normal})
    elif target.startswith("10.") and (normal := normalize_doi(target)):
        work, raw = Work(doi=normal), (("doi", target),)
    else:
        ids = find_identifiers(value if prefix == "url" else target)
        work, raw = Work(doi=ids.doi, pmid=ids.pmid, pmcid=ids.pmcid), ids.raw
        if not raw and prefix in ("arxiv", "isbn", "clinicaltrials", "wikidata"):
            raw = ((prefix, value),)
    return Reference(number=number, id=key, text=f"@{key}" + (f" {target}" if target != key else ""),
                     span=span, work=work, key=key, raw_identifiers=raw)


_BIBLIOGRAPHY = re.compile(r"^bibliography:[ \t]*(?P<one>[^\n]*)\n?(?P<list>(?:[ \t]*-[ \t]*[^\n]*\n?)*)",
                           re.MULTILINE)


def bibliography_files(front_matter: str, path: Path) -> tuple[str, ...]:
    """BibTeX files the YAML front matter names (`bibliography: paper.bib` or a list), that exist.

    Paths are relative to the draft. CSL JSON and YAML bibliographies (manubot's
    `manual-references.json`) are not BibTeX libraries and are passed over.
    """
    match = _BIBLIOGRAPHY.search(front_matter)
    if not match:
        return ()
    names = [match["one"]] + re.findall(r"-[ \t]*([^\n]*)", match["list"])
    found = []
    for name in names:
        name = name.strip().strip("'\"").strip()
        if name.lower().endswith((".bib", ".bibtex")) and (path.parent / name).is_file():
            found.append(str(path.parent / name))
    return tuple(found)
