"""What a metadata registry is, as the core sees it: a name, the identifiers it takes, a batched fetch.

Registries are components like checks and reporters: a plugin registers
them with `citeaudit_register_registries` (the built-in `registry` plugin
registers Crossref and PubMed), and the core only ever talks to this
protocol. The transport (`citeaudit.bib.http.Client`) and the `Answer`
type live in citeaudit.bib, which implements the built-in registries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from citeaudit.model import Record


@runtime_checkable
class Registry(Protocol):
    """A metadata source, registered through `citeaudit_register_registries`."""

    name: str
    """Short name used in the cache, in RecordSet keys and in findings."""
    kinds: tuple[str, ...]
    """Identifier kinds `fetch` takes: `doi`, `pmid` or `pmcid`.

    Optional, read with getattr: `label`, how reports name it (`Crossref`,
    `the DOI system`; its `name` otherwise); `requests_per_second`; `after` (the name
    of the registry whose answer comes first) with `wants(outcome)` (ask
    about an identifier only when that outcome calls for it); `local`
    (answered from the cache alone). See `citeaudit.bib.followup`."""

    def fetch(self, identifiers: Sequence[str], client: Any) -> list[Any]:
        """One `citeaudit.bib.registry.Answer` per identifier, in as few requests as the registry
        allows, through `client` (a `citeaudit.bib.http.Client`).

        Never raises for network trouble: a failed batch becomes Answers
        carrying the error, so the rest of the batches still count.
        """
        ...

    def parse(self, identifier: str, body: bytes, fetched_at: float | None = None) -> Record:
        """The Record of one raw body this registry (or a snapshot) produced."""
        ...


@runtime_checkable
class DoiSearch(Protocol):
    """A registry that can find its own identifiers for DOIs (PubMed's esearch)."""

    def search_dois(self, dois: Sequence[str], client: Any) -> list[str]:
        """Identifiers of records carrying any of `dois`; which is which comes
        from the records' own DOIs once fetched. Raises RegistryError."""
        ...
