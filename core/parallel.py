"""Checking the drafts of a folder in parallel processes (`--jobs N`).

Each worker sets up its own plugin host and loads the BibTeX library once,
then checks the files it is handed; registry data goes through the one
on-disk cache all workers share. Results come back in the input order.

Workers are started with `spawn`, not `fork`: a forked child would inherit
whatever the parent holds (open cache connections, threads' locks), and
spawn behaves the same on every platform.
"""

from __future__ import annotations

import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from citeaudit.bib import breaker
from citeaudit.config import Options
from citeaudit.progress import progress
from citeaudit.report import DocumentReport

_worker: dict[str, Any] = {}
"""The worker process's host, library and checks, set once by `_start_worker`."""


def _start_worker(options: Options, optional: frozenset[Path], run: Any = None) -> None:
    from citeaudit.manager import get_plugin_manager
    from citeaudit.pipeline import enabled_checks, load_library

    breaker.use(run)  # the parent's registry budget and circuit breaker

    host = get_plugin_manager(disabled=options.disabled_plugins)
    _worker.update(options=options, host=host, library=load_library(options),
                   checks=enabled_checks(host, options), optional=optional)


def _check_one(path: Path) -> tuple[DocumentReport, ...]:
    from citeaudit.pipeline import check_document

    reports = check_document(path, _worker["options"], _worker["host"], _worker["library"],
                             _worker["checks"], optional=path in _worker["optional"])
    return tuple(_picklable(report) for report in reports)


def _picklable(report: DocumentReport) -> DocumentReport:
    """The report without the document extras that cannot cross a process boundary.

    A reader may keep live objects in `extras` (a parsed docx package) for a
    reporter; those are dropped here and read again in the parent process.
    """
    extras = report.document.extras
    kept = {}
    for name, value in extras.items():
        try:
            pickle.dumps(value)
        except Exception:
            continue
        kept[name] = value
    if len(kept) == len(extras):
        return report
    kept[_DROPPED] = True
    return replace(report, document=replace(report.document, extras=kept))


_DROPPED = "citeaudit.parallel.extras-dropped"


def _restore_extras(reports: list[DocumentReport], options: Options) -> list[DocumentReport]:
    """Read again, in this process, the documents whose extras a worker had to drop."""
    if not any(_DROPPED in r.document.extras for r in reports):
        return reports
    from citeaudit.manager import get_plugin_manager

    host = get_plugin_manager(disabled=options.disabled_plugins)
    restored = []
    for report in reports:
        if _DROPPED in report.document.extras:
            fresh = host.read_document(report.document.path, options)
            report = replace(report, document=replace(report.document, extras=fresh.extras))
        restored.append(report)
    return restored


def check_in_parallel(files: list[Path], options: Options, optional: frozenset[Path] = frozenset(),
                      ) -> list[DocumentReport]:
    """Check `files` in up to `options.jobs` processes; the reports of each file, in order.

    Files in `optional` that no reader recognises give none (see `check_document`).

    An error in any file (unreadable input, a failing plugin) is raised here
    as it would be when checking one by one; the other workers are stopped.
    """
    workers = max(1, min(options.jobs, len(files)))
    # Chunks amortise the round trip per file; four per worker keep the load even
    # when some drafts are much longer than others.
    chunksize = max(1, len(files) // (workers * 4))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(options, optional, breaker.current()))
    try:
        reports = []
        with progress(options, "checking drafts", len(files)) as advance:
            for found in pool.map(_check_one, files, chunksize=chunksize):
                reports.extend(found)
                advance(1)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return _restore_extras(reports, options)
