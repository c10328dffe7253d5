"""The parsed BibTeX library, kept in the cache folder so a warm run skips parsing it.

Parsing a library (pybtex's scanner, LaTeX decoding, names, identifiers)
is most of a warm check's work that does not depend on the draft, and the
library rarely changes between two runs. The parsed `Library` (entries and
the problems found while reading it) is pickled in
`<cache dir>/libraries/`, one file per list of --bib files.

It is used only while nothing it depends on has changed: the key holds,
for every file, its resolved path, size, inode, mtime_ns and ctime_ns
(ctime moves on every write, even one that restores the mtime), plus
citeaudit's version, the newest modification time of citeaudit's own
modules (an edited checkout) and of the pybtex installation, and the
Python version. A stored file whose key differs is replaced. Check
results are never cached: only the parsed library is.

A pickle runs code when loaded, so a file is read only when the current
user owns it and nobody else may write it (it is written 0600); anything
wrong with it (unreadable, truncated, stale, from another version) means
parsing the library again, never an error. A cache folder that cannot be
written is read and left alone.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import stat
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path

from citeaudit import __version__
from citeaudit.model import Library

FOLDER = "libraries"
FORMAT = 1
"""Bumped when what is stored changes shape."""


def load_library(paths: Sequence[Path], cache_dir: Path | None) -> Library:
    """The library of `paths`: from the cache when still valid, else parsed (and stored)."""
    key = _key(paths) if cache_dir is not None else None
    if key is None:
        return _parse(paths)
    # Named after the files alone, so an edited library replaces its old copy.
    files = [file[0] for file in key[-1]]
    # Two lists whose names clash take turns in one file (the key inside tells them apart).
    name = f"{zlib.crc32(chr(0).join(files).encode('utf-8', 'surrogatepass')):08x}"
    stored = Path(cache_dir) / FOLDER / f"{name}.pickle"
    library = _read(stored, key)
    if library is None:
        library = _parse(paths)
        _write(stored, key, library)
    return library


def clear(cache_dir: Path) -> int:
    """Remove every stored library (`citeaudit cache clear`); returns how many there were."""
    removed = 0
    for stored in (Path(cache_dir) / FOLDER).glob("*.pickle"):
        with contextlib.suppress(OSError):
            stored.unlink()
            removed += 1
    return removed


def _parse(paths: Sequence[Path]) -> Library:
    # Imported only on a miss: a warm run never loads pybtex's parser or latexcodec.
    from citeaudit.bib.bibtex import load_library as parse

    return parse(paths)


def _key(paths: Sequence[Path]) -> tuple | None:
    """What the parsed library depends on; None when a file cannot be looked at (let parsing say why)."""
    files = []
    try:
        for path in paths:
            resolved = Path(path).resolve()
            st = resolved.stat()
            if not stat.S_ISREG(st.st_mode):
                return None  # a pipe or device reads differently every time
            files.append((str(resolved), st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns))
    except (OSError, RuntimeError, ValueError):
        return None
    # The paths as given too: the library (its spans, its findings) names its files as the
    # command line did, so `lib.bib` and `/abs/lib.bib` must not share one parsed copy.
    return (FORMAT, __version__, sys.version, code_stamp(), tuple(str(p) for p in paths), tuple(files))


@functools.cache
def code_stamp() -> tuple[int, ...]:
    """The newest mtime of citeaudit's modules and pybtex's: a changed reader invalidates the cache."""
    import importlib.util

    import citeaudit
    import citeaudit.bib

    folders = [Path(citeaudit.__file__).parent, Path(citeaudit.bib.__file__).parent]
    spec = importlib.util.find_spec("pybtex")
    if spec is not None and spec.origin:
        folders.append(Path(spec.origin).parent)
    stamps = []
    for folder in folders:
        newest = 0
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.endswith(".py"):
                    newest = max(newest, entry.stat().st_mtime_ns)
        stamps.append(newest)
    return tuple(stamps)


def only_ours(st: os.stat_result) -> bool:
    """Whether a file is a regular one of the current user's that nobody else may write: a
    pickle runs code when loaded, so only such a file's is (this library copy, parsed records)."""
    if not stat.S_ISREG(st.st_mode) or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    return not hasattr(os, "getuid") or st.st_uid == os.getuid()


def _read(stored: Path, key: tuple) -> Library | None:
    try:
        with stored.open("rb") as fh:
            if not only_ours(os.fstat(fh.fileno())):
                return None
            found_key, library = pickle.load(fh)
    except Exception:  # absent, unreadable, truncated, from another version: parse again
        return None
    return library if found_key == key and isinstance(library, Library) else None


def _write(stored: Path, key: tuple, library: Library) -> None:
    temporary = stored.with_name(f".{stored.name}.{os.getpid()}.tmp")
    try:
        stored.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((key, library), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, stored)
    except (OSError, pickle.PicklingError, RecursionError, TypeError, AttributeError):
        with contextlib.suppress(OSError):  # a read-only cache folder: parse next time too
            temporary.unlink(missing_ok=True)
