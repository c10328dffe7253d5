"""Where two values of one field differ, character by character, for reports.

A CA204 or CA304 finding says "year 2003 (record: 2002)"; a reader of a
long title or author list needs to see *which* characters differ, and
needs both values whole. `segments` splits the pair into runs that are
equal, only in the first value, or only in the second; each reporter marks
them its own way (`[-old-]{+new+}` in plain text, colour on a terminal,
`<del>`/`<ins>` in HTML).
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Literal

Kind = Literal["same", "old", "new"]

MIN_COMMON = 3
"""Equal runs shorter than this between two changes are folded into the change:
`Katsamb[-o-]{+a+}s` stays fine-grained, but two unrelated titles do not
become a confetti of single shared letters."""


def segments(old: str, new: str) -> list[tuple[Kind, str]]:
    """`old` against `new` as (kind, text) runs; joining same+old gives `old`, same+new gives `new`."""
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    runs: list[tuple[Kind, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            runs.append(("same", old[i1:i2]))
            continue
        if i2 > i1:
            runs.append(("old", old[i1:i2]))
        if j2 > j1:
            runs.append(("new", new[j1:j2]))
    return _merge(_fold_short_equals(runs))


def _fold_short_equals(runs: list[tuple[Kind, str]]) -> list[tuple[Kind, str]]:
    """A short equal run between two changes becomes part of both changes."""
    out: list[tuple[Kind, str]] = []
    for i, (kind, text) in enumerate(runs):
        between = 0 < i < len(runs) - 1 and runs[i - 1][0] != "same" and runs[i + 1][0] != "same"
        if kind == "same" and between and len(text.strip()) < MIN_COMMON and len(text) < MIN_COMMON + 2:
            out.extend([("old", text), ("new", text)])
        else:
            out.append((kind, text))
    # Put every old run of a change before its new runs.
    ordered: list[tuple[Kind, str]] = []
    change: list[tuple[Kind, str]] = []
    for kind, text in out:
        if kind == "same":
            ordered.extend(sorted(change, key=lambda r: r[0] != "old"))
            change = []
            ordered.append((kind, text))
        else:
            change.append((kind, text))
    ordered.extend(sorted(change, key=lambda r: r[0] != "old"))
    return ordered


def _merge(runs: list[tuple[Kind, str]]) -> list[tuple[Kind, str]]:
    merged: list[tuple[Kind, str]] = []
    for kind, text in runs:
        if not text:
            continue
        if merged and merged[-1][0] == kind:
            merged[-1] = (kind, merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return merged


def side(runs: list[tuple[Kind, str]], which: Kind) -> list[tuple[bool, str]]:
    """One value's runs as (differs, text): which="old" gives the first value, "new" the second."""
    return [(kind != "same", text) for kind, text in runs if kind in ("same", which)]


def inline(old: str, new: str) -> str:
    """Plain-text diff: `Katsamb[-o-]{+a+}s` (the wdiff notation)."""
    out = []
    for kind, text in segments(old, new):
        out.append(text if kind == "same" else f"[-{text}-]" if kind == "old" else f"{{+{text}+}}")
    return "".join(out)
