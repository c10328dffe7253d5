"""Fill the registry cache from files: how air-gapped sites and the examples work offline.

Accepted, recognised by content rather than name:
- PubMed XML: an efetch answer or a baseline/update file (`PubmedArticleSet`),
  plain or gzip-compressed (`.xml.gz`);
- Crossref JSON: one work (`/works/{doi}` envelope or bare item), a work list
  (`/works?...` envelope or a JSON array), or JSON-lines of any of these;
- the Retraction Watch CSV (`citeaudit.bib.retractionwatch`), which replaces
  any earlier import of it.

Each record is stored exactly as a network answer would be, so offline runs
and online runs read the same rows. A PubMed record that carries a DOI also
stores the DOI -> PMID link, so references that give only a DOI find their
PubMed record offline; one that carries a PMCID stores what the PMC ID
converter would answer for it, so PMCIDs are checked offline too.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lxml import etree

from citeaudit import safejson
from citeaudit.bib import retractionwatch
from citeaudit.bib.cache import LINK_TTL, LINKS, Cache, Entry, record_ttl
from citeaudit.bib.crossref import stored_body
from citeaudit.bib.idconv import PmcIds, stored_record
from citeaudit.bib.identifiers import normalize_doi
from citeaudit.bib.records import (
    crossref_items,
    from_crossref,
    from_pubmed,
    pubmed_articles,
    pubmed_pmid,
)
from citeaudit.errors import InputError, LimitExceeded
from citeaudit.inputs import read_bounded
from citeaudit.limits import MAX_SNAPSHOT_UNPACKED_BYTES, MAX_XML_BYTES
from citeaudit.safexml import parse as parse_xml
from citeaudit.safexml import refuse_declarations


def _read(path: Path) -> bytes:
    data = read_bounded(path, MAX_SNAPSHOT_UNPACKED_BYTES, what="the snapshot")  # devices too
    if data[:2] != b"\x1f\x8b":
        return data
    unpacker = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        out = unpacker.decompress(data, MAX_SNAPSHOT_UNPACKED_BYTES)
    except zlib.error as exc:
        raise InputError(path, f"corrupt gzip data: {exc}") from exc
    if unpacker.unconsumed_tail:
        raise LimitExceeded(path, "unpacks to more than "
                                  f"{MAX_SNAPSHOT_UNPACKED_BYTES // (1024 * 1024)} MiB")
    return out


def import_files(cache: Cache, paths: Sequence[Path]) -> dict[str, int]:
    """Import each file into `cache`; returns records imported per registry."""
    counts: dict[str, int] = {}
    for path in map(Path, paths):
        if retractionwatch.looks_like(path):
            counts[retractionwatch.NAME] = counts.get(retractionwatch.NAME, 0) + retractionwatch.import_csv(cache, path)
            continue
        data = _read(path)
        head = data.lstrip()[:1]
        if head == b"<":
            entries = _pubmed(data, path)
        elif head in (b"{", b"["):
            entries = _crossref(data, path)
        else:
            raise InputError(path, "neither PubMed XML nor Crossref JSON / JSON-lines")
        cache.put_many(entries)
        for entry in entries:
            if entry.registry not in (LINKS, PmcIds.name):  # derived from the records counted
                counts[entry.registry] = counts.get(entry.registry, 0) + 1
    return counts


def _pubmed(data: bytes, path: Path) -> list[Entry]:
    if len(data) > MAX_XML_BYTES:
        return _pubmed_large(data, path)
    root = parse_xml(data, path, what="PubMed XML")
    articles = pubmed_articles(root)
    if not articles:
        raise InputError(path, f"PubMed XML without PubmedArticle elements (root is <{root.tag}>)")
    return _pubmed_entries(articles, path)


def _pubmed_large(data: bytes, path: Path) -> list[Entry]:
    """Baseline files are bigger than the XML size limit; stream them article by article."""
    import io

    articles = []
    try:
        parser = etree.iterparse(io.BytesIO(data), tag="PubmedArticle",
                                 resolve_entities=False, no_network=True, load_dtd=False)
        for _event, element in parser:
            articles.append(element)
    except etree.XMLSyntaxError as exc:
        raise InputError(path, f"malformed PubMed XML: {exc.msg}",
                         line=exc.position[0] if exc.position else None) from exc
    if parser.root is not None:
        refuse_declarations(parser.root, path, "PubMed XML")
    return _pubmed_entries(articles, path)


def _pubmed_entries(articles: list[etree._Element], path: Path) -> list[Entry]:
    now = time.time()
    entries = []
    for article in articles:
        pmid = pubmed_pmid(article)
        if not pmid:
            raise InputError(path, "a PubmedArticle has no PMID", line=article.sourceline)
        try:
            record = from_pubmed(article, pmid, now)
        except ValueError as exc:
            raise InputError(path, f"PubMed record {pmid} is malformed: {exc}", line=article.sourceline) from None
        ttl = record_ttl(record.work.year, bool(record.notices), False, now)
        entries.append(Entry("pubmed", pmid, etree.tostring(article, encoding="utf-8"), now, now + ttl))
        if record.work.doi:
            entries.append(Entry(LINKS, record.work.doi, pmid.encode(), now, now + LINK_TTL))
        if record.work.pmcid:
            entries.append(Entry(PmcIds.name, record.work.pmcid,
                                 stored_record(record.work.pmcid, pmid, record.work.doi), now, now + ttl))
    return entries


def _crossref(data: bytes, path: Path) -> list[Entry]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 at byte {exc.start}") from exc
    payloads: list[tuple[int, Any]] = []
    try:
        payloads.append((1, safejson.loads(text)))
    except json.JSONDecodeError:
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                payloads.append((number, safejson.loads(line)))
            except json.JSONDecodeError as exc:
                raise InputError(path, f"invalid JSON: {exc.msg}", line=number) from exc
            except ValueError as exc:
                raise InputError(path, str(exc), line=number) from None
    except ValueError as exc:  # too deep, or a number of too many digits
        raise InputError(path, str(exc), line=1) from None
    now = time.time()
    entries = []
    for number, payload in payloads:
        items = crossref_items(payload)
        if not items:
            raise InputError(path, "JSON that is not a Crossref work or work list", line=number)
        for item in items:
            raw = item.get("DOI")
            doi = normalize_doi(raw) if isinstance(raw, str) else None
            if not doi:
                raise InputError(path, f"invalid DOI {str(raw)[:100]!r}", line=number)
            try:
                record = from_crossref(item, doi, now)
            except ValueError as exc:
                raise InputError(path, f"Crossref work is malformed: {exc}", line=number) from None
            ttl = record_ttl(record.work.year, bool(record.notices),
                             record.preprint_of is not None or record.work.kind == "preprint", now)
            entries.append(Entry("crossref", doi, stored_body(item), now, now + ttl))
    return entries

