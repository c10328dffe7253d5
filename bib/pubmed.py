"""PubMed through NCBI E-utilities: efetch up to 200 PMIDs a request, esearch for DOIs.

efetch silently leaves out PMIDs that do not exist, so an answer without an
article for a PMID that was asked for means "not found". A batched esearch
for `"A"[doi] OR "B"[doi]` returns PMIDs without saying which DOI each is
for; the caller maps them back through the DOIs in the fetched records.

Long requests are POSTed, as NCBI asks; so is every request when
`NCBI_API_KEY` is set, which keeps the key out of URLs and therefore out of
any log that records them.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from citeaudit.bib.http import Client, Malformed
from citeaudit.bib.identifiers import normalize_pmid
from citeaudit.bib.records import from_pubmed, pubmed_articles, pubmed_pmid
from citeaudit.bib.registry import Answer, endpoint_missing, failed
from citeaudit.errors import InputError, RegistryError
from citeaudit.model import Record

if TYPE_CHECKING:
    from lxml import etree

DEFAULT_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
BATCH = 200
"""PMIDs per efetch and DOIs per esearch."""
MAX_GET = 1800
"""Longest query sent as GET; longer ones are POSTed."""
TOOL = "citeaudit"


def parse_xml(body: bytes, what: str) -> etree._Element:
    """`citeaudit.safexml.parse`, imported (with lxml) only when an answer is parsed: a warm
    run takes its records ready-made from the cache."""
    from citeaudit.safexml import parse

    return parse(body, what)


def _xml(root_tag: str, max_ids: int = 0):
    """The parse callback for an E-utilities answer: its root, every part in the shape read."""
    def parse(body: bytes) -> etree._Element:
        try:
            root = parse_xml(body, "E-utilities response")
        except InputError as exc:
            raise Malformed(exc.reason) from exc
        if root.tag != root_tag:
            raise Malformed(f"expected <{root_tag}>, got <{root.tag}>")
        if root_tag == "PubmedArticleSet":
            articles = pubmed_articles(root)
            if max_ids and len(articles) > max_ids:  # more than asked for: bound the work on it
                raise Malformed(f"{len(articles):,} articles where at most {max_ids} were asked for")
            for article in articles:
                from_pubmed(article)  # every field in bounds, or Malformed: retried, not stored
        if root_tag == "eSearchResult":
            ids = [el.text for el in root.iterfind("IdList/Id")]
            if max_ids and len(ids) > max_ids:  # no real esearch answer sends more than retmax
                raise Malformed(f"{len(ids):,} ids where at most {max_ids} were asked for")
            if not all(i and normalize_pmid(i) == i for i in ids):
                raise Malformed("an esearch id that is not a PMID")
        return root
    return parse


class PubMed:
    """NCBI PubMed as a citeaudit registry."""

    name = "pubmed"
    label = "PubMed"
    kinds = ("pmid",)

    def __init__(self, base_url: str | None = None) -> None:
        self._base_url = base_url

    @property
    def base_url(self) -> str:
        """`CITEAUDIT_EUTILS_URL`, read at call time."""
        return (self._base_url or os.environ.get("CITEAUDIT_EUTILS_URL") or DEFAULT_URL).rstrip("/")

    @property
    def requests_per_second(self) -> float:
        """NCBI's limit: 3 requests a second, 10 with an API key."""
        return 10.0 if os.environ.get("NCBI_API_KEY") else 3.0

    def _call(self, client: Client, endpoint: str, params: dict[str, str], root_tag: str,
              max_ids: int = 0):
        params = {**params, "tool": TOOL}
        if client.mailto:
            params["email"] = client.mailto
        key = os.environ.get("NCBI_API_KEY")
        if key:
            params["api_key"] = key
        url = f"{self.base_url}/{endpoint}"
        if key or len(urllib.parse.urlencode(params)) > MAX_GET:
            return client.post(self.name, url, data=params, parse=_xml(root_tag, max_ids))
        return client.get(self.name, url, params=params, parse=_xml(root_tag, max_ids))

    def fetch(self, identifiers: Sequence[str], client: Client) -> list[Answer]:
        """One Answer per PMID, 200 PMIDs a request."""
        answers: list[Answer] = []
        for start in range(0, len(identifiers), BATCH):
            batch = list(identifiers[start:start + BATCH])
            try:
                reply = self._call(client, "efetch.fcgi",
                                   {"db": "pubmed", "retmode": "xml", "id": ",".join(batch)},
                                   "PubmedArticleSet", max_ids=len(batch))
            except RegistryError as exc:
                answers.extend(failed(batch, exc))
                continue
            if reply.status == 404:
                answers.extend(endpoint_missing(self.name, batch, reply.url))
                continue
            from lxml import etree

            found = {pubmed_pmid(a): etree.tostring(a, encoding="utf-8") for a in pubmed_articles(reply.body)}
            answers.extend(Answer(pmid, found.get(pmid)) for pmid in batch)
        return answers

    def search_dois(self, dois: Sequence[str], client: Client) -> list[str]:
        """PMIDs of PubMed records carrying any of `dois` (esearch, batched). Raises RegistryError."""
        pmids: list[str] = []
        for start in range(0, len(dois), BATCH):
            batch = dois[start:start + BATCH]
            # Quotes keep DOIs with brackets, colons or semicolons one search phrase.
            term = " OR ".join(f'"{d.replace(chr(34), "")}"[doi]' for d in batch)
            retmax = 3 * len(batch)
            reply = self._call(client, "esearch.fcgi",
                               {"db": "pubmed", "term": term, "retmax": str(retmax)},
                               "eSearchResult", max_ids=retmax)
            if reply.status == 404:
                raise RegistryError(self.name, "http-404", f"{reply.url} does not exist")
            error = reply.body.findtext("ERROR")
            if error:
                raise RegistryError(self.name, "registry-error", " ".join(error.split())[:200])
            pmids.extend(el.text for el in reply.body.iterfind("IdList/Id"))
        return list(dict.fromkeys(pmids))

    def parse(self, identifier: str, body: bytes, fetched_at: float | None = None) -> Record:
        """The Record of one stored PubmedArticle."""
        articles = pubmed_articles(_xml_any(body))
        if not articles:
            raise Malformed("not a PubmedArticle")
        return from_pubmed(articles[0], identifier, fetched_at)


def _xml_any(body: bytes) -> etree._Element:
    try:
        return parse_xml(body, "cached PubMed record")
    except InputError as exc:
        raise Malformed(exc.reason) from exc
