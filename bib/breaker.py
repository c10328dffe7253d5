"""One time budget and one circuit breaker per run, shared by every document and worker.

A registry that is down must cost a run seconds, not minutes, however many
drafts the run checks and however many `--jobs` processes check them:

- the budget is a deadline (wall-clock time, so every process reads the same
  one) set when the run starts; each registry client gets what is left of it;
- the breaker counts consecutive timeouts and connection failures per
  registry; after `TRIP_AFTER` of them the registry is down for the rest of
  the run and every later request to it fails at once with the same reason.

Within one process the state is kept in memory. A run with `--jobs` gives it
a folder (`folder`), created by the parent and handed to every worker: a
failure appends a line to `<registry>.failures`, an answer empties that
file, and the first process to see `TRIP_AFTER` lines writes
`<registry>.down`. Appends are atomic, so no lock is needed across
processes; a race can only make the breaker trip one request later.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

TRIP_AFTER = 2
"""Consecutive timeouts or connection failures after which a registry is down."""


class RegistryRun:
    """The run's registry deadline and breaker; picklable, so workers share it."""

    def __init__(self, seconds: float, folder: str | None = None, *, deadline: float | None = None) -> None:
        self.seconds = seconds
        """The budget as given (`--timeout`), for messages."""
        self.deadline = time.time() + seconds if deadline is None else deadline
        """Wall-clock time at which the budget is used up."""
        self.folder = folder
        """Shared state folder for worker processes; None: this process only."""
        self._init_local()

    def _init_local(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, list[str]] = {}
        self._down: dict[str, str] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"seconds": self.seconds, "deadline": self.deadline, "folder": self.folder}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_local()

    def remaining(self) -> float:
        """Seconds left of the run's budget, never negative."""
        return max(0.0, self.deadline - time.time())

    def down(self, registry: str) -> str | None:
        """The reason `registry` was given up on, or None while it is still asked."""
        reason = self._down.get(registry)
        if reason is None and self.folder is not None:
            try:
                with open(self._file(registry, "down"), encoding="utf-8") as fh:
                    reason = fh.read().strip() or "connection-error"
            except OSError:
                return None
            self._down[registry] = reason
        return reason

    def failed(self, registry: str, reason: str) -> bool:
        """Count a timeout or connection failure; True when the registry is now down."""
        with self._lock:
            if self.folder is None:
                seen = self._failures.setdefault(registry, [])
                seen.append(reason)
            else:
                with open(self._file(registry, "failures"), "a+", encoding="utf-8") as fh:
                    fh.write(reason + "\n")
                    fh.flush()
                    fh.seek(0)
                    seen = fh.read().split()
            if len(seen) < TRIP_AFTER:
                return False
            self._down[registry] = reason
            if self.folder is not None:
                with open(self._file(registry, "down"), "w", encoding="utf-8") as fh:
                    fh.write(reason)
            return True

    def answered(self, registry: str) -> None:
        """The registry answered (any HTTP status): the failures are no longer consecutive."""
        if self.folder is None:
            self._failures.pop(registry, None)
            return
        path = self._file(registry, "failures")
        try:
            if os.path.getsize(path):
                os.truncate(path, 0)
        except OSError:
            pass

    def _file(self, registry: str, kind: str) -> str:
        assert self.folder is not None
        return os.path.join(self.folder, f"{re.sub(r'[^A-Za-z0-9_-]', '_', registry)}.{kind}")


_current: RegistryRun | None = None


def current() -> RegistryRun | None:
    """The run in progress in this process, if one was started (or handed to this worker)."""
    return _current


def use(run: RegistryRun | None) -> None:
    """Make `run` this process's current run (a `--jobs` worker receiving the parent's)."""
    global _current
    _current = run


@contextmanager
def registry_run(seconds: float, *, shared: bool = False) -> Iterator[RegistryRun]:
    """The current run for the duration of the block; `shared` gives it a folder for workers.

    A block inside another reuses the outer run, so a budget is never restarted.
    """
    global _current
    if _current is not None:
        yield _current
        return
    folder = tempfile.mkdtemp(prefix="citeaudit-run-") if shared else None
    _current = RegistryRun(seconds, folder)
    try:
        yield _current
    finally:
        _current = None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
