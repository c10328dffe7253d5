"""What registries answer (`Answer`), and helpers for implementing one (the protocol: citeaudit.registry).

A registry answers one `Answer` per identifier asked: the raw bytes of that
one record (what the cache stores), "does not exist", or the error that kept
it from answering. Parsing the raw bytes into a `Record` is a separate step
(`parse`), so a record read back from the cache is parsed exactly like one
fresh from the network.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from citeaudit.bib.http import Malformed
from citeaudit.errors import RegistryError
from citeaudit.registry import DoiSearch, Registry

__all__ = ["Answer", "DoiSearch", "Registry", "endpoint_missing", "failed"]


@dataclass(frozen=True, slots=True)
class Answer:
    """A registry's answer about one identifier."""

    identifier: str
    """The identifier asked for, normalised."""
    body: bytes | None = None
    """The raw record (one Crossref item as JSON, one PubmedArticle as XML)."""
    error: RegistryError | None = None
    """Why there is no answer; None when the registry answered."""

    @property
    def missing(self) -> bool:
        """The registry answered that the identifier does not exist."""
        return self.body is None and self.error is None


def failed(identifiers: Sequence[str], error: RegistryError) -> list[Answer]:
    """The same error as the answer for every identifier of a failed batch."""
    return [Answer(identifier, error=error) for identifier in identifiers]


def endpoint_missing(registry: str, identifiers: Sequence[str], url: str) -> list[Answer]:
    """Answers for a batch whose endpoint itself answered 404 (a wrong base URL, not a missing work)."""
    return failed(identifiers, RegistryError(registry, "http-404", f"{url} does not exist"))


def json_body(body: bytes, shape: type | None = None, what: str = "registry answer") -> Any:
    """A JSON answer, parsed; invalid JSON, or JSON not of `shape`, is `Malformed` (retried, then CA308)."""
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise Malformed(f"invalid JSON: {exc}") from exc
    if shape is not None and not isinstance(payload, shape):
        raise Malformed(f"not a {what}")
    return payload


def base_url(explicit: str | None, variable: str, default: str) -> str:
    """A registry's base URL: the one given, else the environment variable (read at call
    time, so tests and air-gapped sites can point elsewhere), else the public service."""
    return (explicit or os.environ.get(variable) or default).rstrip("/")


def batch_reply(registry: str, batch: Sequence[str], answers: list[Answer], request: Any) -> Any:
    """The reply to one batch request, or None after adding the batch's failed Answers:
    the error it raised, or a 404 of the endpoint itself (a wrong base URL)."""
    try:
        reply = request()
    except RegistryError as exc:
        answers.extend(failed(batch, exc))
        return None
    if reply.status == 404:
        answers.extend(endpoint_missing(registry, batch, reply.url))
        return None
    return reply
