"""Writing reports without ever leaving a half-written or clobbered file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from citeaudit.errors import UsageError


def write_atomic(path: Path, data: str | bytes | Iterable[str | bytes]) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`.

    A reader of `path` sees the old report or the new one, never a mix; a
    crash leaves the old one. Refuses to write over an input-looking file
    only by the caller's choice of path: callers check that first. `data`
    may be an iterable of pieces (a streamed report), written as they come.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"{path}: folder {folder} does not exist")
    pieces = (data,) if isinstance(data, (str, bytes)) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        # mkstemp makes the file 0600; a report gets the mode of the file it
        # replaces, or what the umask gives a new file.
        os.chmod(tmp, _mode_for(path))
        with os.fdopen(fd, "wb") as fh:
            for piece in pieces:
                fh.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
