"""The one HTTP transport every registry goes through.

A registry that hangs must not hang a CI job, and a registry that is busy
must be asked politely, so everything about the wire lives here:

- one `requests.Session`, so connections are reused across batches;
- a timeout on every request, never longer than what is left of the run's
  overall time budget (`Budget`), enforced while the body downloads too, so
  a server that drips its answer byte by byte is cut off;
- retries with exponential backoff on connection trouble, timeouts, 5xx and
  429, honouring `Retry-After` (capped by the budget);
- a minimum interval between requests per registry (`rate`);
- a circuit breaker (`citeaudit.bib.breaker.RegistryRun`, shared by the
  whole run): after two consecutive timeouts or connection failures a
  registry is not asked again, and what is still to ask fails at once;
- a `parse` callback run inside the retry loop, so a truncated body, an HTML
  error page or invalid JSON/XML is retried like any other transient fault.

Every low-level failure leaves this module as `citeaudit.errors.RegistryError`
with a short `reason` (timeout, rate-limited, server-error, connection-error,
malformed-response, redirected, http-NNN) that CA308 shows. A redirect is
followed only to the registry's own host, so the Crossref Plus token, the
NCBI api_key and the mailto never reach another; an answer is cut off past
`MAX_REGISTRY_ANSWER_BYTES` decompressed (gzip bombs, endless bodies). Messages name the registry and
the URL without its query string, so API keys and tokens never leak.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from citeaudit import __version__
from citeaudit.errors import RegistryError
from citeaudit.limits import MAX_REDIRECTS, MAX_REGISTRY_ANSWER_BYTES

if TYPE_CHECKING:
    import requests

    from citeaudit.bib.breaker import RegistryRun

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Statuses worth asking again; any other non-2xx answer is final."""
ANSWER_STATUSES = frozenset({200, 404})
"""Statuses handed back to the registry: a record, or "no such identifier"."""
BREAKER_REASONS = frozenset({"timeout", "connection-error"})
"""Failures the circuit breaker counts: the registry is not there, as opposed to busy."""
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
"""Followed only within the registry's own origin (see `Client._send`)."""
CHUNK = 64 * 1024
"""Most bytes of a body taken in one read; the deadline is checked between reads."""


_SECONDS = re.compile(r"[0-9]{1,12}")


class Malformed(ValueError):
    """Raised by a `parse` callback when a body is not what the registry sends."""


@dataclass
class Budget:
    """The overall time a run may spend on registries, shared by every request."""

    seconds: float
    """Total allowance."""
    clock: Callable[[], float] = time.monotonic
    """Injectable so tests need not wait."""
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.seconds - (self.clock() - self.started))


@dataclass(frozen=True, slots=True)
class Response:
    """What a registry gets back: a status it can act on and the parsed body."""

    status: int
    """200 or 404."""
    body: Any
    """The `parse` callback's result for a 200, the raw bytes for a 404."""
    url: str
    """The URL asked, without query string (safe to log)."""


class Client:
    """Connection reuse, timeouts, retries, rate limits and the time budget.

    One client serves one `fetch_records` call; its `requests` counter is the
    number of HTTP requests actually sent (retries included).
    """

    def __init__(self, *, budget: Budget | None = None, request_timeout: float = 20.0,
                 retries: int = 3, backoff: float = 0.5, max_wait: float = 30.0,
                 rates: Mapping[str, float] | None = None, mailto: str | None = None,
                 session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, answer_timeout: float = 8.0,
                 breaker: RegistryRun | None = None) -> None:
        self.budget = budget or Budget(60.0)
        self.request_timeout = request_timeout
        self.answer_timeout = answer_timeout
        """Longest wait for a registry to start answering (and for each read after that):
        two such waits and a backoff fit in 20 s, so a silent registry trips the breaker
        within that."""
        self.breaker = breaker
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.rates = dict(rates or {})
        if session is None:
            # Imported here: requests costs ~40 ms at start-up, and runs that
            # find everything in the cache (or are --offline) never need it.
            import requests

            session = requests.Session()
        self.session = session
        self.mailto = mailto
        """Contact address: Crossref's polite pool, NCBI's `email` parameter."""
        agent = f"citeaudit/{__version__} (https://pypi.org/project/citeaudit/"
        self.session.headers["User-Agent"] = agent + (f"; mailto:{mailto})" if mailto else ")")
        self.sleep = sleep
        self.clock = clock
        """What request pacing measures time with (tests pass a fake one with a fake `sleep`)."""
        self.requests = 0
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, registry: str, url: str, *, params: Mapping[str, str] | None = None,
            headers: Mapping[str, str] | None = None, parse: Callable[[bytes], T]) -> Response:
        """GET `url`; see `request`."""
        return self.request(registry, "GET", url, params=params, headers=headers, parse=parse)

    def post(self, registry: str, url: str, *, data: Mapping[str, str],
             headers: Mapping[str, str] | None = None, parse: Callable[[bytes], T]) -> Response:
        """POST a form to `url`; see `request`."""
        return self.request(registry, "POST", url, data=data, headers=headers, parse=parse)

    def request(self, registry: str, method: str, url: str, *,
                params: Mapping[str, str] | None = None, data: Mapping[str, str] | None = None,
                headers: Mapping[str, str] | None = None,
                parse: Callable[[bytes], Any]) -> Response:
        """One logical request: a 200 (body parsed by `parse`) or a 404, else RegistryError.

        `parse` raises `Malformed` (or any ValueError) for a body that is not
        what the registry sends; that is retried like a transient fault.
        """
        attempt = 0
        while True:
            try:
                return self._attempt(registry, method, url, params, data, headers, parse)
            except _Retry as retry:
                attempt += 1
                if retry.reason in BREAKER_REASONS and self.breaker is not None \
                        and self.breaker.failed(registry, retry.reason):
                    raise RegistryError(registry, retry.reason,
                                        f"{retry.detail}; not asked again in this run after "
                                        "consecutive failures") from retry.__cause__
                wait = retry.wait if retry.wait is not None else self._backoff(attempt)
                left = self.budget.remaining()
                if attempt > self.retries or wait > min(self.max_wait, left):
                    raise RegistryError(registry, retry.reason,
                                        f"{retry.detail}; gave up after {attempt} attempt"
                                        f"{'s' if attempt > 1 else ''}") from retry.__cause__
                log.info("%s: %s, retrying in %.1f s", registry, retry.detail, wait)
                self.sleep(wait)

    def _backoff(self, attempt: int) -> float:
        # Jitter keeps parallel runs sharing a cache from retrying in step.
        return self.backoff * (2 ** (attempt - 1)) * (1 + random.random() / 4)

    def adopt_rate_limit(self, registry: str, headers: Mapping[str, str]) -> None:
        """Slow down to the rate a registry announces (Crossref's `X-Rate-Limit-Limit` per
        `X-Rate-Limit-Interval`), never speed up past the rate configured."""
        limit, interval = headers.get("X-Rate-Limit-Limit"), headers.get("X-Rate-Limit-Interval")
        if not limit or not interval:
            return
        try:
            announced = float(limit) / float(interval.strip().rstrip("s") or "1")
        except ValueError:
            return
        if announced > 0:
            with self._lock:
                current = self.rates.get(registry)
                self.rates[registry] = min(current, announced) if current else announced

    def _pace(self, registry: str) -> None:
        rate = self.rates.get(registry)
        if not rate:
            return
        with self._lock:
            now = self.clock()
            wait = self._last.get(registry, 0.0) + 1.0 / rate - now
            self._last[registry] = now + max(0.0, wait)
        if wait > 0:
            self.sleep(wait)

    def _attempt(self, registry: str, method: str, url: str, params: Any, data: Any,
                 headers: Any, parse: Callable[[bytes], Any]) -> Response:
        import requests

        left = self.budget.remaining()
        if left <= 0:
            raise RegistryError(registry, "timeout",
                                f"the overall time budget of {self.budget.seconds:g} s is used up")
        safe_url = url.split("?", 1)[0]
        down = self.breaker.down(registry) if self.breaker is not None else None
        if down is not None:
            raise RegistryError(registry, down, f"{safe_url} not asked: {registry} failed repeatedly "
                                                "earlier in this run")
        self._pace(registry)
        timeout = min(self.request_timeout, max(left, 0.05))
        wait = min(self.answer_timeout, timeout)
        started = time.monotonic()
        try:
            reply = self._send(method, url, params, data, headers, wait)
        except requests.Timeout as exc:
            raise _Retry("timeout", f"no answer from {safe_url} within {wait:.1f} s") from exc
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:
            raise _Retry("connection-error", f"{safe_url}: {type(exc).__name__}") from exc
        except requests.RequestException as exc:
            raise RegistryError(registry, "connection-error",
                                f"{safe_url}: {type(exc).__name__}") from exc
        if self.breaker is not None:
            self.breaker.answered(registry)
        with reply:
            body = self._read_body(reply, safe_url, started, timeout)
        self.adopt_rate_limit(registry, reply.headers)
        status = reply.status_code
        if status in RETRY_STATUSES:
            reason = "rate-limited" if status == 429 else "server-error"
            raise _Retry(reason, f"{safe_url} answered HTTP {status}",
                         retry_after(reply.headers.get("Retry-After")))
        if status not in ANSWER_STATUSES:
            raise RegistryError(registry, f"http-{status}", f"{safe_url} answered HTTP {status}")
        if status == 404:
            return Response(404, body, safe_url)
        content_type = reply.headers.get("Content-Type", "").lower()
        if "html" in content_type:
            raise _Retry("malformed-response", f"{safe_url} sent an HTML page instead of data")
        try:
            parsed = parse(body)
        except (ValueError, UnicodeError) as exc:
            raise _Retry("malformed-response", f"{safe_url} sent a malformed body: {_short(exc)}") from exc
        return Response(200, parsed, safe_url)

    def _send(self, method: str, url: str, params: Any, data: Any, headers: Any,
              timeout: float) -> requests.Response:
        """The answer to `method url`, following redirects only within the registry's own origin.

        requests would follow a redirect to any host with every header we
        set (the Crossref Plus token, the mailto in User-Agent) and, on 307
        and 308, the POST body with NCBI's api_key. So redirects are followed
        here, by hand, and only to the same scheme, host and port (or from
        http to https on the same host); anywhere else is a registry fault.
        """
        safe_url = url.split("?", 1)[0]
        for _hop in range(MAX_REDIRECTS + 1):
            self.requests += 1
            reply = self.session.request(method, url, params=params, data=data, headers=headers,
                                         timeout=timeout, allow_redirects=False, stream=True)
            if reply.status_code not in REDIRECT_STATUSES:
                return reply
            location = reply.headers.get("Location", "")
            reply.close()
            target = urllib.parse.urljoin(reply.url, location.strip())
            if not location.strip() or not same_origin(url, target):
                where = urllib.parse.urlsplit(target).hostname or "nowhere"
                raise _Retry("redirected", f"{safe_url} redirected (HTTP {reply.status_code}) to another "
                                           f"host, {where}; not followed, so no credential leaves the registry")
            if reply.status_code == 303 or (reply.status_code in (301, 302) and method == "POST"):
                method, data = "GET", None
            url, params = target, None  # the Location carries its own query
        raise _Retry("redirected", f"{safe_url} redirected more than {MAX_REDIRECTS} times")

    def _read_body(self, reply: requests.Response, safe_url: str, started: float,
                   timeout: float) -> bytes:
        """The whole body, as it arrives, within `timeout` of `started` and within the budget.

        The per-read timeout of requests cannot stop a server that sends one
        byte at a time, and `iter_content` waits for a full chunk, so the body
        is read with `read1` (whatever has arrived, one socket read at most)
        and the clock is checked between reads.
        """
        from urllib3.exceptions import HTTPError, ReadTimeoutError

        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                if time.monotonic() - started > timeout or self.budget.remaining() <= 0:
                    raise _Retry("timeout", f"{safe_url} did not send its whole answer "
                                            f"within {timeout:.1f} s")
                chunk = reply.raw.read1(CHUNK, decode_content=True)
                if not chunk:
                    return b"".join(chunks)
                size += len(chunk)
                if size > MAX_REGISTRY_ANSWER_BYTES:  # an endless body, or a gzip bomb as it inflates
                    raise _Retry("malformed-response", f"{safe_url} sent more than "
                                 f"{MAX_REGISTRY_ANSWER_BYTES // (1024 * 1024)} MiB (decompressed)")
                chunks.append(chunk)
        except ReadTimeoutError as exc:
            raise _Retry("timeout", f"{safe_url} stopped sending its answer for {timeout:.1f} s") from exc
        except (HTTPError, OSError) as exc:
            raise _Retry("connection-error", f"{safe_url}: {type(exc).__name__}") from exc


class _Retry(Exception):
    """Internal: this attempt failed in a way worth repeating."""

    def __init__(self, reason: str, detail: str, wait: float | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.wait = wait


def retry_after(value: str | None) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or HTTP date); None if absent."""
    if not value:
        return None
    value = value.strip()
    if _SECONDS.fullmatch(value):  # ASCII digits only: "²" and "٣" are digits to str.isdigit
        return float(value)
    import email.utils  # only for a date; it imports socket and the email package

    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None


def same_origin(asked: str, target: str) -> bool:
    """True when `target` is on the host that was asked: same scheme, host and port, or http -> https."""
    a, b = urllib.parse.urlsplit(asked), urllib.parse.urlsplit(target)
    try:
        a_port, b_port = a.port, b.port
    except ValueError:
        return False
    if not a.hostname or a.hostname.lower() != (b.hostname or "").lower():
        return False
    if (a.scheme, a_port) == (b.scheme, b_port):
        return True
    return a.scheme == "http" and b.scheme == "https" and a_port in (None, 80) and b_port in (None, 443)


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:120] or type(exc).__name__
