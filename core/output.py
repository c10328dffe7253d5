"""Every file citeaudit writes goes through here, so no user file is ever lost.

Three promises, kept in one place for every writer (`--output`, the
commented .docx copy, `--write-baseline`):

- an output is never one of the run's inputs (a draft, a `--bib` library,
  the configuration file, the baseline read): `refuse_inputs` compares
  resolved paths and, for files that exist, device and inode, so a second
  hard link, a symlink or a `../` detour are all caught;
- a regular file is replaced atomically: the new content is written to a
  temporary file in the same folder, synced, and renamed over the old one,
  so a reader (or a crash, or a full disk) sees the old report or the new
  one, never a mix;
- a symlink is written through to its target, which is replaced in the
  target's folder (the link stays a link), and a special file (a device
  such as /dev/null, a FIFO, /dev/stdout) is opened and written directly,
  never renamed over.

The temporary file is anonymous where the system allows it (Linux
`O_TMPFILE`): it has no name until it is complete, so kill -9 while
writing leaves nothing behind. Elsewhere it is named
`.<report>.citeaudit-<pid>-<random>.tmp`; the next write to the same
report removes such leftovers whose process is gone, and nothing else.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path

from citeaudit.errors import UsageError
from citeaudit.safejson import clean

TMP_SUFFIX = ".tmp"
"""Temporary names are `.<name>.citeaudit-<pid>-<hex>.tmp`; only these are ever cleaned up."""


def refuse_inputs(outputs: Iterable[tuple[str, Path | None]],
                  inputs: Iterable[tuple[str, Path | None]]) -> None:
    """UsageError if any output (option, path) is one of the inputs or another output.

    Called before anything is written: a report must never replace the draft,
    library, configuration or baseline it was made from.
    """
    seen: list[tuple[str, Path, tuple[int, int] | None]] = []
    for what, path in inputs:
        if path is not None:
            seen.append((what, *identity(Path(path))))
    for option, path in outputs:
        if path is None:
            continue
        resolved, inode = identity(Path(path))
        for what, other, other_inode in seen:
            if resolved == other or (inode is not None and inode == other_inode):
                raise UsageError(f"{option} {path} is an input ({what}); refusing to overwrite it")
        seen.append((f"also the output of {option}", resolved, inode))


def identity(path: Path) -> tuple[Path, tuple[int, int] | None]:
    """Resolved path and (device, inode) of an existing non-special file, else None."""
    resolved = Path(os.path.realpath(path))
    try:
        info = os.stat(path)
    except OSError:
        return resolved, None
    if not stat.S_ISREG(info.st_mode):
        return resolved, None  # /dev/null may be both an input and an output harmlessly
    return resolved, (info.st_dev, info.st_ino)


def write_atomic(path: Path, data: str | bytes | Iterable[str | bytes]) -> None:
    """Write `data` to `path`: atomically for a regular file, through a symlink, directly to a device.

    `data` may be an iterable of pieces (a streamed report), written as they
    come. Raises UsageError for a folder or a missing folder; OSError (disk
    full, permissions) leaves the old file whole and no temporary file behind.
    """
    path = Path(path)
    payload = data
    try:
        info = os.stat(path)  # what the path finally names, through symlinks and /dev/stdout
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{path} is a folder; give a file name")
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_special(path, payload)
        return
    target = Path(os.path.realpath(path))  # through every symlink, to what they point at
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"{path}: folder {folder} does not exist")
    _remove_leftovers(target)
    mode = info.st_mode & 0o777 if info is not None else _new_file_mode()
    _replace(target, payload, mode)


def _write_special(target: Path, payload: Payload) -> None:
    """A device, FIFO or terminal: open it and write, no temporary file, no rename."""
    fd = os.open(target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    try:
        _write_all(fd, payload)
    finally:
        os.close(fd)


Payload = str | bytes | Iterable[str | bytes]
"""What `write_atomic` takes: the whole text, or its pieces in order."""


def _write_all(fd: int, payload: Payload) -> None:
    pieces = (payload,) if isinstance(payload, (str, bytes)) else payload
    for piece in pieces:
        # A lone surrogate (a file name that is not UTF-8) as U+FFFD, never a UnicodeEncodeError.
        view = memoryview(clean(piece).encode("utf-8") if isinstance(piece, str) else piece)
        while view:
            view = view[os.write(fd, view):]


def _read_back(fd: int) -> Iterable[bytes]:
    """What has been written to `fd`, from its start, a block at a time."""
    offset = 0
    while block := os.pread(fd, 1 << 20, offset):
        offset += len(block)
        yield block


def _replace(target: Path, payload: Payload, mode: int, *, anonymous: bool = True) -> None:
    fd, tmp = _temporary(target, anonymous)
    try:
        os.fchmod(fd, mode)
        _write_all(fd, payload)
        os.fsync(fd)
        if tmp is None:  # anonymous: give it a name only now that it is complete
            name = _temp_name(target)
            try:
                _name_anonymous(fd, name)
            except OSError:  # /proc not usable for linkat here: write a named temporary file
                _replace(target, _read_back(fd), mode, anonymous=False)
                return
            tmp = name
        os.replace(tmp, target)
        tmp = None
    finally:
        os.close(fd)
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _temporary(target: Path, anonymous: bool) -> tuple[int, str | None]:
    """An open file in `target`'s folder: anonymous (name None) where O_TMPFILE works."""
    flag = getattr(os, "O_TMPFILE", 0)
    if anonymous and flag and os.path.isdir("/proc/self/fd"):
        try:
            return os.open(target.parent, flag | os.O_WRONLY, 0o600), None
        except OSError:
            pass  # a file system without O_TMPFILE support: a named temporary file
    name = _temp_name(target)
    return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), name


def _name_anonymous(fd: int, name: str) -> None:
    """linkat(AT_SYMLINK_FOLLOW) of /proc/self/fd/<fd>: os.link uses it only with a dir fd."""
    proc = os.open("/proc/self/fd", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.link(str(fd), name, src_dir_fd=proc, follow_symlinks=True)
    finally:
        os.close(proc)


def _temp_name(target: Path) -> str:
    return str(target.parent / f".{_stem(target)}.citeaudit-{os.getpid()}-{os.urandom(4).hex()}{TMP_SUFFIX}")


def _stem(target: Path) -> str:
    """The report's name as its temporary files start: cut, so a 255-byte name still leaves room."""
    return target.name[:100]


def _remove_leftovers(target: Path) -> None:
    """Remove temporary files of this report left by a killed citeaudit process, and nothing else."""
    pattern = re.compile(rf"\.{re.escape(_stem(target))}\.citeaudit-(\d{{1,10}})-[0-9a-f]{{8}}{re.escape(TMP_SUFFIX)}")
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if match is None or _running(int(match.group(1))):
            continue
        leftover = target.parent / name
        try:
            if stat.S_ISREG(os.lstat(leftover).st_mode):
                os.unlink(leftover)
        except OSError:
            pass


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
