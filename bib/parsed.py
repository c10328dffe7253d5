"""Records parsed from cached answers, kept beside them so a warm run does not parse them again.

Reading a cached Crossref answer means decoding its JSON, checking its shape
(`bib.shape`) and normalising it (`bib.records`); for a 200-reference draft
that was a quarter of a warm check. The `Record` parsed from a cache row is
therefore stored in the cache's `records` table, pickled, with a stamp: the
version of the row it was parsed from (its fetch time, the length and CRC-32
of its body) and of the code that parsed it (citeaudit's version, the newest
mtime of its modules, Python's version).

A stored record stands in for its row only when

- its stamp is the stamp of the row as read now: a row fetched again,
  edited or tampered with has another one, so it is parsed and checked
  like any answer (a bad one is dropped and fetched again, CA308 offline);
- the registry parses with citeaudit's code (a plugin's parser may change
  without citeaudit's code changing);
- the database file belongs to the current user and nobody else may write
  it, since a pickle runs code when loaded (the rule of `bib.libcache`).

Anything wrong with a stored record (truncated, another class) means parsing
the row again, never an error; a cache that cannot be written is read as is.
"""

from __future__ import annotations

import functools
import os
import pickle
import sys
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

from citeaudit import __version__
from citeaudit.bib.cache import Cache, Entry
from citeaudit.bib.libcache import code_stamp, only_ours
from citeaudit.model import Record

FORMAT = 1
"""Bumped when what is stored changes shape."""


def load(cache: Cache, registry: Any, rows: Mapping[str, Entry]) -> dict[str, Record]:
    """The stored records of `rows` (identifier -> row) whose stamps still match; the rest must be parsed."""
    if not rows or not _own_parser(registry) or not _trusted(cache):
        return {}
    found: dict[str, Record] = {}
    for identifier, (stamp, data) in cache.get_parsed(registry.name, rows).items():
        row = rows.get(identifier)
        if row is None or row.body is None or stamp != _stamp(row):
            continue
        try:
            record = pickle.loads(data)
        except Exception:  # truncated, or pickled by code that is gone: parse the row
            continue
        if type(record) is Record:
            found[identifier] = record
    return found


def store(cache: Cache, registry: Any, parsed: Iterable[tuple[Entry, Record]]) -> None:
    """Keep the records just parsed from these rows, for the next run."""
    if cache.read_only or not _own_parser(registry):
        return
    rows = []
    for row, record in parsed:
        if row.body is None:
            continue
        try:
            data = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, RecursionError, TypeError, AttributeError):
            continue
        rows.append((row.registry, row.identifier, _stamp(row), data))
    cache.put_parsed(rows)


def _own_parser(registry: Any) -> bool:
    """Whether the registry parses with citeaudit's code (the code stamp covers it)."""
    return getattr(getattr(type(registry), "parse", None), "__module__", "").startswith("citeaudit.")


def _stamp(row: Entry) -> bytes:
    """The row's version: its fetch time and the length and CRC-32 of its body, with the code.

    A change detector, not a seal (whoever may write the database may write the
    stamps too: `_trusted` is the guard). A body changed to one of the same length
    and checksum would only let the record parsed from the earlier, checked body
    stand in for it; a row fetched or imported again always has a new fetch time.
    """
    body = row.body or b""
    return b"%s\0%r\0%d\0%08x" % (_code(), row.fetched_at, len(body), zlib.crc32(body))


@functools.cache
def _code() -> bytes:
    """What a parsed record depends on besides its row: the code and Python that parsed it."""
    return repr((FORMAT, __version__, sys.version, code_stamp())).encode()


def _trusted(cache: Cache) -> bool:
    """Whether the database (and its write-ahead log, which holds rows too) is the current
    user's alone: only then is a pickle in it loaded."""
    try:
        files = [os.stat(cache.path)]
    except (OSError, ValueError):
        return False
    try:
        files.append(os.stat(f"{cache.path}-wal"))
    except FileNotFoundError:
        pass
    except (OSError, ValueError):
        return False
    return all(only_ours(st) for st in files)

