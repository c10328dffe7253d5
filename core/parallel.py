"""Checking the drafts of a folder in parallel processes (`--jobs N`).

Each worker builds the very plugin set of the parent's host from its
recipe (the same plugins disabled, the same extra plugin objects, entry
points or not), loads the BibTeX library once, then checks the files it is
handed; registry data goes through the one on-disk cache all workers share.
Results come back in the input order.

Workers are started with `spawn`, not `fork`: a forked child would inherit
whatever the parent holds (open cache connections, threads' locks), and
spawn behaves the same on every platform.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import pickle
import signal
import threading
import types
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from citeaudit.bib import breaker
from citeaudit.errors import UsageError
from citeaudit.manager import Host, get_plugin_manager
from citeaudit.options import Options
from citeaudit.pipeline import check_document, enabled_checks, load_library
from citeaudit.report import DocumentReport

_worker: dict[str, Any] = {}
"""The worker process's host, library and checks, set once by `_start_worker`."""


def _portable(recipe: dict[str, Any]) -> dict[str, Any]:
    """The host's recipe as it can cross to a spawned process: a module plugin by its name."""
    extra = []
    for plugin in recipe["extra"]:
        if isinstance(plugin, types.ModuleType):
            extra.append(("module", plugin.__name__))
            continue
        try:
            pickle.dumps(plugin)
        except Exception as exc:
            name = getattr(plugin, "__name__", type(plugin).__name__)
            raise UsageError(f"--jobs: plugin {name!r} cannot be sent to worker processes ({exc}); "
                             "register it by entry point, as a module, or as an object of a "
                             "module-level class") from exc
        extra.append(("object", plugin))
    return {**recipe, "extra": tuple(extra)}


def _host_from(recipe: dict[str, Any]) -> Host:
    extra = [importlib.import_module(value) if kind == "module" else value for kind, value in recipe["extra"]]
    return get_plugin_manager(disabled=recipe["disabled"], extra=extra, entry_points=recipe["entry_points"])


def _start_worker(options: Options, optional: frozenset[Path], recipe: dict[str, Any], run: Any = None) -> None:
    # Ctrl-C reaches every process of the terminal's group: the parent alone
    # answers it (one line, exit 130), workers are stopped by the parent.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked by the parent while it started us
    breaker.use(run)  # the parent's registry budget and circuit breaker
    host = _host_from(recipe)
    _worker.update(options=options, host=host, library=load_library(options),
                   checks=enabled_checks(host, options), optional=optional)


def _check_one(path: Path) -> tuple[DocumentReport, ...]:
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


def _restore_extras(report: DocumentReport, options: Options, host: Host) -> DocumentReport:
    """Read again, in this process, a document whose extras a worker had to drop."""
    if _DROPPED not in report.document.extras:
        return report
    fresh = host.read_document(report.document.path, options)
    return replace(report, document=replace(report.document, extras=fresh.extras))


@contextmanager
def _sigint_held() -> Iterator[None]:
    """SIGINT held back, not ignored, while worker processes start.

    A worker inherits the blocked signal through fork and exec, so a Ctrl-C to
    the terminal's group cannot interrupt its imports with a traceback; its
    initializer then ignores SIGINT and unblocks it, which discards one that
    arrived meanwhile. The parent loses nothing: a Ctrl-C that arrives here
    (pending on this thread, or taken by another thread and noted by the
    handler below) is raised again as soon as the workers have started, where
    ignoring it lost a Ctrl-C pressed at the start of a run.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # runs the handler if one is pending
        signal.signal(signal.SIGINT, previous)
        if caught:
            signal.raise_signal(signal.SIGINT)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Interrupted: end the workers now rather than wait for their current drafts.

    A worker ended while it writes a result leaves half a message in the result
    pipe, and the pool's manager thread would wait for the rest for ever (and
    shutdown, and the interpreter's exit, with it). Once every worker is gone,
    closing this process's copy of the pipe's write end turns that wait into
    end-of-file, which the pool treats as a broken pool.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
            process.join()
    results = getattr(pool, "_result_queue", None)
    if results is not None:
        results._writer.close()
    pool.shutdown(wait=True, cancel_futures=True)


def check_in_parallel(files: list[Path], options: Options, optional: frozenset[Path] = frozenset(),
                      host: Host | None = None) -> Iterator[DocumentReport]:
    """Check `files` in up to `options.jobs` processes; the reports of each file, in order.

    Reports are yielded as soon as they are next in order, and only a few
    chunks are handed out ahead of the one awaited, so the parent holds a
    bounded number of reports however many files there are.

    Files in `optional` that no reader recognises give none (see `check_document`).
    An error in any file (unreadable input, a failing plugin) is raised here
    as it would be when checking one by one; the other workers are stopped.
    """
    host = host if host is not None else get_plugin_manager(disabled=options.disabled_plugins)
    recipe = _portable(host.recipe())
    workers = max(1, min(options.jobs, len(files)))
    # Chunks amortise the round trip per file; four per worker keep the load even
    # when some drafts are much longer than others. Small chunks keep memory flat.
    chunksize = max(1, min(CHUNK_LIMIT, len(files) // (workers * 4)))
    chunks = [files[i:i + chunksize] for i in range(0, len(files), chunksize)]
    ahead = workers * 2
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(options, optional, recipe, breaker.current()))
    pending: deque[Future] = deque()
    try:
        for chunk in chunks:
            # A worker started by this submit inherits SIGINT blocked (see _sigint_held).
            starting = len(getattr(pool, "_processes", None) or {}) < workers
            with _sigint_held() if starting else contextlib.nullcontext():
                pending.append(pool.submit(_check_chunk, chunk))
            while len(pending) > ahead:
                yield from _reports_of(pending.popleft(), options, host)
        while pending:
            yield from _reports_of(pending.popleft(), options, host)
    except BaseException as exc:
        if isinstance(exc, Exception):
            pool.shutdown(wait=True, cancel_futures=True)
        else:  # Ctrl-C, as KeyboardInterrupt or the command line's own Interrupted
            _stop(pool)
        raise
    pool.shutdown(wait=True)


CHUNK_LIMIT = 8
"""Files a worker checks per hand-out at most: its reports wait in the parent until their turn."""


def _check_chunk(paths: list[Path]) -> list[DocumentReport]:
    return [report for path in paths for report in _check_one(path)]


def _reports_of(future: Future, options: Options, host: Host) -> Iterator[DocumentReport]:
    for report in future.result():
        yield _restore_extras(report, options, host)
