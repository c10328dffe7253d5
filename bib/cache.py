"""The registry cache: one SQLite row per (registry, identifier), raw answer and fetch time.

Raw answers are stored, not parsed records, so a better parser improves old
cache entries too, and a snapshot imported from files is indistinguishable
from a network answer. The records parsed from them are kept beside, in a
`records` table, each stamped with the answer and the code it came from, so a
warm run need not parse every answer again (bib/parsed.py). WAL mode lets parallel runs (`--jobs`, CI matrix jobs
on one runner) read while one writes.

How long a row is trusted online (offline, every row is used, however old):

| row | trusted for | why |
|---|---|---|
| record of a work less than 3 years old, a preprint, or one already carrying a notice | 7 days | retractions, corrections and publication of preprints mostly arrive in these years, and a corrected work is the likeliest to be retracted next |
| any other record | 90 days | bibliographic data of an older work rarely changes |
| "does not exist" (404, absent from efetch) | 1 day | a DOI is often cited before it is registered |
| DOI -> PMID link | 30 days (7 when none was found) | PubMed indexes new work weeks after it appears |

A file that is not a database (or a malformed one), or a database whose
`answers` table has other columns, is moved aside (`*.corrupt-<time>`) and
rebuilt, with a warning in the log: a cache is never a reason to fail a run.
A row whose values have the wrong types (a text body, a text time) is
skipped as if absent, so it is fetched again. A cache that cannot be
written (a read-only file, folder or file system) is still read: it is
opened read-only and writes are skipped. A database that is merely busy (another process is
creating it, switching it to WAL or writing) is waited for, never moved: the
other processes would go on writing to the renamed file.
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DAY = 86400.0
RECORD_TTL = 90 * DAY
RECENT_TTL = 7 * DAY
MISSING_TTL = 1 * DAY
LINK_TTL = 30 * DAY
NO_LINK_TTL = 7 * DAY
RECENT_YEARS = 3
"""A work published this many years ago or later counts as recent."""

FILENAME = "registry.sqlite3"
BUSY_SECONDS = 30.0
"""How long one statement waits for another process's lock (SQLite's busy timeout)."""
OPEN_PATIENCE = 30.0
"""How long opening keeps retrying when SQLite reports "locked" without waiting.

SQLite skips the busy timeout in a few cases (switching to WAL while
another connection reads, upgrading a read to a write), and those happen
when processes start together on a fresh cache.
"""
SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    registry   TEXT NOT NULL,
    identifier TEXT NOT NULL,
    body       BLOB,
    fetched_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (registry, identifier)
) WITHOUT ROWID;
"""

PARSED_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    registry   TEXT NOT NULL,
    identifier TEXT NOT NULL,
    stamp      BLOB NOT NULL,
    data       BLOB NOT NULL,
    PRIMARY KEY (registry, identifier)
) WITHOUT ROWID;
"""
"""Records parsed from the answers, kept so a warm run need not parse them again (bib/parsed.py)."""

LINKS = "pubmed-doi"
"""Pseudo-registry of DOI -> PMID links learnt through esearch; body is the PMID or NULL."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One cached answer."""

    registry: str
    identifier: str
    body: bytes | None
    """The raw record; None when the registry said the identifier does not exist."""
    fetched_at: float
    expires_at: float

    def fresh(self, now: float | None = None) -> bool:
        """Whether the row may be used online without asking again."""
        return (now if now is not None else time.time()) < self.expires_at


def record_ttl(year: int | None, notices: bool, preprint: bool, now: float | None = None) -> float:
    """Seconds a record is trusted online (see the module docstring)."""
    this_year = time.gmtime(now if now is not None else time.time()).tm_year
    recent = year is None or year >= this_year - RECENT_YEARS + 1
    return RECENT_TTL if (recent or notices or preprint) else RECORD_TTL


def default_dir() -> Path:
    """`CITEAUDIT_CACHE_DIR`, else the platform's user cache folder."""
    env = os.environ.get("CITEAUDIT_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs  # only when no folder is given: --cache-dir and the variable skip it

    return Path(platformdirs.user_cache_dir("citeaudit", appauthor=False))


class Cache:
    """An open cache database; use as a context manager or call `close`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.read_only = False
        """True when the cache can only be read: rows are served, writes skipped."""
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return self._connect_patiently()
        except (sqlite3.DatabaseError, PermissionError) as exc:
            rebuild = isinstance(exc, _ForeignCache) or _not_a_database(exc)
            if not rebuild:
                db = self._connect_read_only() if self.path.is_file() and not _busy(exc) else None
                if db is None:
                    raise
                return db  # a cache we may read but not write
            aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
            log.warning("registry cache %s cannot be read (%s); moved it to %s and started a new one",
                        self.path, exc, aside.name)
            for suffix in ("-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            try:
                self.path.replace(aside)
            except FileNotFoundError:  # another process found it first and moved it
                pass
            return self._connect_patiently()

    def _connect_patiently(self) -> sqlite3.Connection:
        """`_connect`, retried with backoff while the database is locked, for `OPEN_PATIENCE`."""
        deadline = time.monotonic() + OPEN_PATIENCE
        delay = 0.01
        while True:
            try:
                return self._connect()
            except sqlite3.OperationalError as exc:
                if not _busy(exc) or time.monotonic() >= deadline:
                    raise
                log.debug("registry cache %s is busy (%s); trying again in %.2f s", self.path, exc, delay)
            # Jitter, so processes that collided do not collide again in step.
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 0.5)

    def _connect_read_only(self) -> sqlite3.Connection | None:
        """The cache opened for reading only, or None; `immutable` where no -shm can be made."""
        from urllib.parse import quote

        for mode in ("mode=ro", "immutable=1"):
            try:
                db = sqlite3.connect(f"file:{quote(str(self.path.resolve()))}?{mode}", uri=True,
                                     timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
            except sqlite3.Error:
                continue
            try:
                _check_columns(db)
                db.execute("SELECT count(*) FROM answers").fetchone()
            except sqlite3.Error:
                db.close()
                continue
            log.info("registry cache %s is read-only: reading it, storing nothing new", self.path)
            self.read_only = True
            return db
        return None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None,
                             check_same_thread=False)
        try:
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
            db.execute("PRAGMA synchronous = NORMAL")
            # WAL is a property of the file: set it once, not on every open,
            # since switching needs a lock SQLite does not wait for.
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            with _Transaction(db):
                db.execute(SCHEMA)
                db.execute(PARSED_SCHEMA)
            _check_columns(db)
            db.execute("SELECT count(*) FROM answers").fetchone()
        except sqlite3.Error:
            db.close()
            raise
        return db

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_many(self, registry: str, identifiers: Iterable[str]) -> dict[str, Entry]:
        """Cached rows of these identifiers, fresh or not."""
        wanted = list(dict.fromkeys(identifiers))
        found: dict[str, Entry] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT identifier, body, fetched_at, expires_at FROM answers "
                f"WHERE registry = ? AND identifier IN ({marks})", (registry, *chunk))
            for identifier, body, fetched_at, expires_at in rows:
                if _usable(identifier, body, fetched_at, expires_at):
                    found[identifier] = Entry(registry, identifier, body, fetched_at, expires_at)
                else:
                    log.info("registry cache: skipped a %s row of the wrong shape for %r",
                             registry, str(identifier)[:80])
        return found

    def get(self, registry: str, identifier: str) -> Entry | None:
        """One cached row, fresh or not."""
        return self.get_many(registry, [identifier]).get(identifier)

    def put_many(self, entries: Sequence[Entry]) -> None:
        """Store rows, replacing older answers, in one transaction."""
        if not entries or self.read_only:
            return
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?)",
                [(e.registry, e.identifier, e.body, e.fetched_at, e.expires_at) for e in entries])

    def get_parsed(self, registry: str, identifiers: Iterable[str]) -> dict[str, tuple[bytes, bytes]]:
        """Stored parsed records of these identifiers: identifier -> (stamp, data), unchecked."""
        wanted = list(dict.fromkeys(identifiers))
        found: dict[str, tuple[bytes, bytes]] = {}
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                rows = self._db.execute(
                    f"SELECT identifier, stamp, data FROM records "
                    f"WHERE registry = ? AND identifier IN ({','.join('?' * len(chunk))})", (registry, *chunk))
                for identifier, stamp, data in rows:
                    if isinstance(identifier, str) and isinstance(stamp, bytes) and isinstance(data, bytes):
                        found[identifier] = (stamp, data)
        except sqlite3.Error as exc:  # a read-only cache from before the table: parse the answers
            log.debug("registry cache: no parsed records (%s)", exc)
            return {}
        return found

    def put_parsed(self, rows: Sequence[tuple[str, str, bytes, bytes]]) -> None:
        """Store parsed records (registry, identifier, stamp, data); a failure only costs parsing again."""
        if not rows or self.read_only:
            return
        try:
            with self._transaction():
                self._db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)", rows)
        except sqlite3.Error as exc:
            log.info("registry cache: parsed records not stored (%s)", exc)

    def replace(self, registry: str, entries: Sequence[Entry]) -> None:
        """Make `entries` the only rows of `registry`, in one transaction (re-imports)."""
        with self._transaction():
            self._db.execute("DELETE FROM answers WHERE registry = ?", (registry,))
            self._db.executemany(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?)",
                [(e.registry, e.identifier, e.body, e.fetched_at, e.expires_at) for e in entries])

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def clear(self) -> int:
        """Remove every row; returns how many there were."""
        if self.read_only:
            raise sqlite3.OperationalError(f"{self.path}: the cache is read-only")
        with self._transaction():
            count = self._db.execute("SELECT count(*) FROM answers").fetchone()[0]
            self._db.execute("DELETE FROM answers")
            self._db.execute("DELETE FROM records")
        self._db.execute("VACUUM")
        return int(count)

    def stats_lines(self) -> list[str]:
        """What `citeaudit cache stats` prints: where, how big, rows and age per registry."""
        now = time.time()
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        lines = [f"cache: {self.path}", f"size: {size / 1024:.1f} KiB"]
        rows = self._db.execute(
            "SELECT registry, count(*), sum(body IS NULL), sum(expires_at <= ?), "
            "min(fetched_at), max(fetched_at) FROM answers GROUP BY registry ORDER BY registry", (now,))
        total = 0
        for registry, count, missing, stale, oldest, newest in rows:
            total += count
            what = "links" if registry == LINKS else "answers"
            newest_ago, oldest_ago = ago(now - newest), ago(now - oldest)
            when = newest_ago if newest_ago == oldest_ago else f"newest {newest_ago}, oldest {oldest_ago}"
            lines.append(f"{registry}: {count} {what} ({missing} not found, {stale} expired), fetched {when}")
        if not total:
            lines.append("no cached answers")
        return lines


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, so concurrent writers queue instead of failing."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


class _ForeignCache(sqlite3.DatabaseError):
    """A database whose `answers` table is not ours: rebuilt like a corrupt one."""


COLUMNS = ("registry", "identifier", "body", "fetched_at", "expires_at")


def _check_columns(db: sqlite3.Connection) -> None:
    found = tuple(row[1] for row in db.execute("PRAGMA table_info(answers)"))
    if found != COLUMNS:
        raise _ForeignCache(f"its answers table has columns {', '.join(found) or 'none'}, not {', '.join(COLUMNS)}")


def _usable(identifier: object, body: object, fetched_at: object, expires_at: object) -> bool:
    """Whether a row has the types citeaudit writes (SQLite columns take any type)."""
    times_ok = all(isinstance(t, (int, float)) and not isinstance(t, bool) and t == t and abs(t) < 1e12
                   for t in (fetched_at, expires_at))
    return isinstance(identifier, str) and (body is None or isinstance(body, bytes)) and times_ok


def _busy(exc: BaseException) -> bool:
    """Whether `exc` is lock contention: wait, do not rebuild."""
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return code & 0xFF in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def _not_a_database(exc: BaseException) -> bool:
    """Whether `exc` says the file is not a database, or a malformed one: rebuild."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB
    message = str(exc).lower()
    return "not a database" in message or "malformed" in message


def ago(seconds: float) -> str:
    """How long ago, as people say it: `just now`, `40 s ago`, `15 min ago`, `3 h ago`, `2 days ago`."""
    seconds = max(0.0, seconds)
    if seconds < 5:
        return "just now"
    for unit, size in (("days", DAY), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            value = round(seconds / size)
            return f"{value} {'day' if unit == 'days' and value == 1 else unit} ago"
    return f"{seconds:.0f} s ago"


def open_cache(cache_dir: Path | None) -> Cache:
    """The cache in `cache_dir` (else `default_dir()`), created when absent."""
    return Cache((cache_dir or default_dir()) / FILENAME)
