"""Reading an input file with a bound, whatever kind of file it turns out to be.

A size check before reading (`stat().st_size`) says 0 for a device, a FIFO
or /proc file, so `--bib /dev/zero` or a draft that is a symlink to
/dev/urandom was read until memory ran out. Every reader of a whole input
calls `read_bounded`, which reads at most one byte past its limit and then
stops with a one-line `LimitExceeded`. A pipe is still read (process
substitution, `<(...)`, gives one). A FIFO found in a folder is never
opened (only regular files are drafts there); one named on the command
line waits for its writer, as `cat` would.
"""

from __future__ import annotations

from pathlib import Path

from citeaudit.errors import InputError, LimitExceeded


def read_bounded(path: str | Path, limit: int, *, what: str = "file") -> bytes:
    """The bytes of `path`; LimitExceeded past `limit` bytes, InputError when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a file") from None
    except FileNotFoundError:
        raise InputError(path, "cannot read: no such file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise LimitExceeded(path, f"{what} is over the {_size(limit)} limit")
    return data


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit} bytes"
