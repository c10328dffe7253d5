"""Processes that share one cache: lock contention is waited for, never mistaken for corruption.

Found by benchmarks/fuzz.py, whose workers start together: while one process
creates a fresh database or switches it to WAL, another got "database is
locked" (SQLite returns it there without waiting), and `Cache._open` moved the
healthy database aside as `*.corrupt-*` while the others kept writing to the
renamed file. The race hit about one run in three; ten trials of eight
processes each.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from citeaudit.bib import cache as cache_module
from citeaudit.bib.cache import FILENAME, Cache, Entry, open_cache

PROCESSES = 8
TRIALS = 10


def _open_and_write(args: tuple[str, float, int]) -> int:
    folder, start_at, index = args
    while time.time() < start_at:  # all processes open the cache at the same instant
        pass
    cache = open_cache(Path(folder))
    now = time.time()
    cache.put_many([Entry("crossref", f"10.5555/{index}", b"{}", now, now + 3600)])
    cache.close()
    return index


def test_processes_opening_a_fresh_cache_together_never_move_it_aside(tmp_path):
    context = multiprocessing.get_context("fork")
    with context.Pool(PROCESSES) as pool:
        for trial in range(TRIALS):
            folder = tmp_path / f"cache{trial}"
            start_at = time.time() + 0.3
            pool.map(_open_and_write, [(str(folder), start_at, i) for i in range(PROCESSES)])
            assert not list(folder.glob("*.corrupt-*")), f"trial {trial}: a busy cache was moved aside"
            db = sqlite3.connect(folder / FILENAME)
            assert db.execute("SELECT count(*) FROM answers").fetchone()[0] == PROCESSES
            db.close()


def test_a_database_held_by_another_writer_is_waited_for(tmp_path):
    path = tmp_path / FILENAME
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE early (x)")
    holder.execute("BEGIN EXCLUSIVE")
    threading.Timer(0.5, holder.execute, ("COMMIT",)).start()
    started = time.monotonic()
    with open_cache(tmp_path) as cache:
        cache.put_many([Entry("pubmed", "1", b"x", 1.0, 2.0)])
    holder.close()
    assert time.monotonic() - started >= 0.4
    assert not list(tmp_path.glob("*.corrupt-*"))
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT count(*) FROM answers").fetchone()[0] == 1
    db.close()


def test_locked_without_waiting_is_retried(tmp_path, monkeypatch):
    connect = Cache._connect
    failures = []

    def flaky(self):
        if len(failures) < 3:
            failures.append(1)
            raise sqlite3.OperationalError("database is locked")
        return connect(self)

    monkeypatch.setattr(Cache, "_connect", flaky)
    with open_cache(tmp_path) as cache:
        assert cache.get("pubmed", "1") is None
    assert len(failures) == 3 and not list(tmp_path.glob("*.corrupt-*"))


def test_a_lock_that_outlasts_the_patience_is_an_error_not_a_rebuild(tmp_path, monkeypatch):
    (tmp_path / FILENAME).write_bytes(b"")

    def locked(self):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(Cache, "_connect", locked)
    monkeypatch.setattr(cache_module, "OPEN_PATIENCE", 0.2)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        open_cache(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [FILENAME]
