"""Regular expressions compiled once per installation instead of once per run.

Python compiles a pattern in pure Python (`re._parser`, `re._compiler`) and
keeps it only for the life of the process: citeaudit's own patterns cost a
warm check about 20 ms, a fifteenth of it, on every run. `compile` gives the
same `re.Pattern` as `re.compile`, and keeps what the compiler made of each
pattern (the program `_sre` runs, its flags and group names) in a file beside
the byte code, `__pycache__/citeaudit-patterns.<tag>.marshal`, written when
Python writes byte code (not under PYTHONDONTWRITEBYTECODE) and read back by
the next run, which then only hands each program to `_sre.compile`.

The file is trusted as much as the `.pyc` files beside it, and checked
anyway: it is used only when it was made by this very Python (`sys.version`),
and `_sre.compile` validates every program it is given. Anything unexpected
(no such internals in this Python, a damaged file, a program refused) means
compiling the pattern the ordinary way, never an error.
"""

from __future__ import annotations

import atexit
import marshal
import os
import re
import sys
from pathlib import Path
from typing import Any

FORMAT = 1
STORE = (Path(__file__).resolve().parent / "__pycache__"
         / f"citeaudit-patterns.{sys.implementation.cache_tag}.marshal")
"""Where the compiled programs are kept (tests point it elsewhere). Every pattern compiled
through here is kept; a new Python starts the file afresh."""

_programs: dict[tuple[str, int], tuple[Any, ...]] | None = None
_added = False


def compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, from the stored program when there is one."""
    global _added
    if not isinstance(pattern, str) or flags & re.DEBUG:
        return re.compile(pattern, flags)
    flags = int(flags)
    programs = _load()
    key = (pattern, flags)
    program = programs.get(key)
    if program is not None:
        try:
            return _build(pattern, program)
        except Exception:  # refused by _sre, or internals that changed: compile it again
            del programs[key]
    try:
        program = _program(pattern, flags)
        compiled = _build(pattern, program)
    except Exception:
        return re.compile(pattern, flags)
    programs[key] = program
    _added = True
    return compiled


def _program(pattern: str, flags: int) -> tuple[Any, ...]:
    """What `re._compiler.compile` hands to `_sre.compile` (CPython 3.11 and later)."""
    from re import _compiler, _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern, flags)
    code = [int(op) for op in _compiler._code(parsed, flags)]  # plain ints: marshal takes no subclasses
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return (flags | parsed.state.flags, code, parsed.state.groups - 1, groupindex, tuple(indexgroup))


def _build(pattern: str, program: tuple[Any, ...]) -> re.Pattern[str]:
    import _sre

    final_flags, code, groups, groupindex, indexgroup = program
    return _sre.compile(pattern, final_flags, code, groups, groupindex, indexgroup)


def _load() -> dict[tuple[str, int], tuple[Any, ...]]:
    global _programs
    if _programs is None:
        _programs = {}
        try:
            stored = marshal.loads(STORE.read_bytes())
            if isinstance(stored, tuple) and stored[:2] == (FORMAT, sys.version) and isinstance(stored[2], dict):
                _programs = stored[2]
        except Exception:  # absent, unreadable, damaged: compile as usual, store anew
            pass
        atexit.register(_save)
    return _programs


def _save() -> None:
    """Write the programs when new ones were compiled and Python writes byte code."""
    if not _added or _programs is None or sys.dont_write_bytecode:
        return
    temporary = STORE.with_name(f".{STORE.name}.{os.getpid()}.tmp")
    try:
        STORE.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(marshal.dumps((FORMAT, sys.version, _programs)))
        os.replace(temporary, STORE)
    except (OSError, ValueError):  # a read-only installation: compile every run, as before
        try:
            temporary.unlink(missing_ok=True)
        except OSError:
            pass
