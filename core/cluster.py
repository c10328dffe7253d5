"""Checking a folder on a Dask distributed cluster (`--executor dask`).

A check has three phases (citeaudit.pipeline): read and resolve, fetch the
registry records, run the checks. On a cluster the first and last run on
the workers, the middle one here, in the one process that owns the cache:

    workers: read + resolve ──identifiers──▶ here: fetch (batched, cached) ──records──▶ workers: checks

so however many workers there are, Crossref and NCBI see the requests one
process would make, in the same order (document by document, as
`--jobs 1` does), and the cache has one writer. Documents stay on the
worker that read them (a Dask future) until they are checked; only the
identifiers to fetch and the finished reports travel. Reports come back in
document order and are the ones `--jobs 1` gives.

The workers must see the drafts and the library at the same paths as this
process (a shared file system), and have citeaudit installed with the same
plugins (docs/scale.md).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from citeaudit.errors import UsageError
from citeaudit.manager import Host
from citeaudit.options import Options
from citeaudit.report import DocumentReport

LOOKAHEAD = 8
"""Files read ahead of the one being fetched for, per worker: enough to keep the cluster busy,
few enough that the cluster's memory holds a bounded number of documents."""

_state: dict[tuple, Any] = {}
"""In a worker process: (host, library, checks) per run setup, built once."""


def _setup(options: Options, recipe: dict[str, Any]) -> tuple[Any, Any, Any]:
    """The worker's plugin host, library and enabled checks for this run (built once per process)."""
    from citeaudit.parallel import _host_from
    from citeaudit.pipeline import enabled_checks, load_library

    key = (repr(options), repr(recipe))
    if key not in _state:
        _state.clear()
        host = _host_from(recipe)
        _state[key] = (host, load_library(options, cached=False), enabled_checks(host, options))
    return _state[key]


def _read(path: Path, optional: bool, options: Options, recipe: dict[str, Any]) -> tuple[Any, ...]:
    """On a worker: read one file and resolve its documents' references."""
    from citeaudit.pipeline import read_resolved

    host, library, _ = _setup(options, recipe)
    return read_resolved(path, options, host, library, optional=optional)


def _wanted(resolved: tuple[Any, ...], options: Options, recipe: dict[str, Any]) -> list[Any]:
    """On a worker: for each document of a read file, what to fetch (None: nothing) and what
    to search the registries for (references with no identifier, citeaudit.bib.lookup)."""
    from citeaudit.bib.lookup import to_search
    from citeaudit.pipeline import searches_registries, wanted_records

    _, _, checks = _setup(options, recipe)
    searching = searches_registries(checks)
    return [(wanted_records(checks, r.library, r.resolutions),
             to_search(r.document, r.resolutions) if searching else {}, searching) for r in resolved]


def _finish(resolved: tuple[Any, ...], index: int, records: Any, lookups: dict, expanded: dict,
            options: Options, recipe: dict[str, Any]) -> DocumentReport:
    """On a worker: the checks over one document with what was fetched and found for it."""
    from citeaudit.bib.lookup import apply_lookups
    from citeaudit.bib.shortdoi import with_expanded
    from citeaudit.parallel import _picklable
    from citeaudit.pipeline import finish_document

    host, _, checks = _setup(options, recipe)
    r = resolved[index]
    resolutions = apply_lookups(with_expanded(r.resolutions, expanded), lookups)
    return _picklable(finish_document(r.document, options, host, r.library, resolutions,
                                      checks, records, lookups))


def _client(options: Options) -> Any:
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--executor dask needs Dask distributed: pip install 'citeaudit[dask]'") from None
    address = options.scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if not address:
        raise UsageError("--executor dask: give --scheduler tcp://HOST:8786 "
                         "(or set DASK_SCHEDULER_ADDRESS)")
    try:
        return Client(address, timeout=30, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise UsageError(f"--scheduler {address}: cannot reach the Dask scheduler ({exc})") from exc


def check_on_cluster(files: list[Path], options: Options, optional: frozenset[Path] = frozenset(),
                     host: Host | None = None) -> Iterator[DocumentReport]:
    """Check `files` on the cluster at `--scheduler`; the reports of each file, in order."""
    from citeaudit.manager import get_plugin_manager
    from citeaudit.parallel import _portable, _restore_extras
    from citeaudit.pipeline import registry_phase

    host = host if host is not None else get_plugin_manager(disabled=options.disabled_plugins)
    recipe = _portable(host.recipe())
    client = _client(options)
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        ahead = LOOKAHEAD * workers
        reads: deque[Any] = deque()
        checks: deque[Any] = deque()
        queued = iter(files)

        def read_more() -> None:
            for path in queued:
                reads.append(client.submit(_read, path, path in optional, options, recipe, pure=False))
                if len(reads) >= ahead:
                    return

        read_more()
        while reads:
            read = reads.popleft()
            wanted = client.submit(_wanted, read, options, recipe, pure=False).result()
            for index, (resolutions, works, searching) in enumerate(wanted):
                # The parent asks the registries, as one process does: the same requests.
                expanded, lookups, records = registry_phase(resolutions, works, searching, options, host)
                checks.append(client.submit(_finish, read, index, records, lookups, expanded, options,
                                            recipe, pure=False))
            del read  # the worker may drop the document once its checks are done
            read_more()
            while len(checks) > ahead:
                yield _restore_extras(checks.popleft().result(), options, host)
        while checks:
            yield _restore_extras(checks.popleft().result(), options, host)
    finally:
        client.close()
