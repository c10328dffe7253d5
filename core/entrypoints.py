"""The plugin entry points, found without importlib.metadata when only citeaudit declares any.

`importlib.metadata.entry_points` imports email, zipfile, csv and inspect
and reads the metadata of every installed distribution: about 15 ms, a
twentieth of a warm check, on every run. Nearly always the only
distribution declaring `citeaudit` entry points is citeaudit itself, so
`builtin_only` first looks for itself: it lists the folders on `sys.path`,
reads the `entry_points.txt` of each `*.dist-info` and `*.egg-info` folder
there, and answers with citeaudit's own entry points, in the order of its
file, when they name only the built-in plugins.

Anything it does not fully understand makes it answer None, and the
caller asks importlib.metadata as before: another distribution with
`citeaudit` entry points (a third-party plugin), a name not among the
built-ins, copies of one distribution that differ, a zip file or an egg on
`sys.path`, or a metadata finder on `sys.meta_path` other than the
standard one.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping

_SUFFIXES = (".dist-info", ".egg-info")


class BuiltinEntryPoint:
    """A built-in plugin's entry point, as much of `importlib.metadata.EntryPoint` as loading it needs."""

    __slots__ = ("name", "value")
    dist = None

    def __init__(self, name: str, value: str) -> None:
        self.name, self.value = name, value


def builtin_only(group: str, builtin: Mapping[str, str]) -> list[BuiltinEntryPoint] | None:
    """Every `group` entry point, when all are built-in ones of a single distribution;
    None when the full lookup (importlib.metadata) is needed."""
    from importlib.machinery import PathFinder

    if any(hasattr(finder, "find_distributions") and finder is not PathFinder for finder in sys.meta_path):
        return None  # distributions may come from elsewhere
    copies: dict[str, list[list[tuple[str, str]]]] = {}
    for folder in sys.path:
        try:
            entries = list(os.scandir(folder or "."))
        except NotADirectoryError:
            return None  # a zip file on sys.path may hold distributions
        except OSError:
            continue  # a folder that does not exist holds nothing
        for entry in entries:
            name = entry.name
            if name.endswith((".egg", ".egg-link")):
                return None  # old-style installs: let importlib.metadata judge
            if not name.endswith(_SUFFIXES):
                continue
            try:
                with open(os.path.join(entry.path, "entry_points.txt"), encoding="utf-8") as fh:
                    text = fh.read()
            except (FileNotFoundError, NotADirectoryError):  # no entry points (an egg-info file)
                text = ""
            except (OSError, UnicodeDecodeError):
                return None
            found = _section(text, group)
            if found is None:
                return None
            copies.setdefault(_normalized(name.rsplit(".", 1)[0].split("-", 1)[0]), []).append(found)
    declaring = [found for found in copies.values() if any(found)]
    if len(declaring) != 1 or any(copy != declaring[0][0] for copy in declaring[0]):
        return None  # none, several, or copies that differ (which one counts is importlib's call)
    only = declaring[0][0]
    if any(builtin.get(name) != value for name, value in only):
        return None
    return [BuiltinEntryPoint(name, value) for name, value in only]


def _normalized(name: str) -> str:
    """A distribution name as importlib.metadata compares them."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _section(text: str, group: str) -> list[tuple[str, str]] | None:
    """The `name = value` pairs of one section of an entry_points.txt; None if a line is not one."""
    pairs: list[tuple[str, str]] = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            inside = line == f"[{group}]"
            continue
        if inside:
            name, sep, value = line.partition("=")
            if not sep:
                return None
            pairs.append((name.strip(), value.strip()))
    return pairs
