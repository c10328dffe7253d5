"""Edit a BibTeX file's text in place: change, add a field, or an entry's type, and nothing else.

`citeaudit fix` must leave every entry it does not change byte for byte as
it was, and keep comments, `@string`, `@preamble` and the order of entries,
so the user's diff shows only the fixes. Re-serialising with pybtex would
lose all of that; this module finds where each entry and field is written
and splices new values into the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ENTRY = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*([{(])", re.MULTILINE)
_NAME = re.compile(r"\s*([^\s=,{}()\"#%]+)\s*=\s*")
_SPECIAL = re.compile(r"[&%$#_{}~^\\]")


@dataclass
class FieldText:
    """Where one field's value is written."""

    name: str
    """Lower-case field name."""
    start: int
    """Offset of the value's first character (its brace or quote, or the bare word)."""
    end: int
    """Offset just past the value."""
    line_start: int
    """Offset of the start of the line the field name is on."""


@dataclass
class EntryText:
    """Where one entry is written."""

    entry_type: str
    type_start: int
    """Offset of the type name after `@`."""
    key: str
    close: int
    """Offset of the closing brace or parenthesis."""
    fields: dict[str, FieldText] = field(default_factory=dict)


def _value_end(text: str, pos: int, close: str) -> int:
    """Offset past a value (`{...}`, `"..."`, a word, joined by `#`), starting at `pos`."""
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            return pos
        char = text[pos]
        if char == "{":
            depth = 0
            while pos < len(text):
                if text[pos] == "{":
                    depth += 1
                elif text[pos] == "}":
                    depth -= 1
                    if depth == 0:
                        pos += 1
                        break
                pos += 1
        elif char == '"':
            pos += 1
            depth = 0
            while pos < len(text) and not (text[pos] == '"' and depth == 0):
                depth += {"{": 1, "}": -1}.get(text[pos], 0)
                pos += 1
            pos += 1
        else:
            match = re.compile(r"[^\s,#" + re.escape(close) + r"]+").match(text, pos)
            pos = match.end() if match else pos
        rest = pos
        while rest < len(text) and text[rest] in " \t\r\n":
            rest += 1
        if rest < len(text) and text[rest] == "#":
            pos = rest + 1
            continue
        return pos


def locate(text: str) -> dict[str, EntryText]:
    """Entries by lower-case key (the first of a repeated key, as the loader keeps)."""
    entries: dict[str, EntryText] = {}
    for match in _ENTRY.finditer(text):
        kind = match.group(1).lower()
        if kind in ("string", "preamble", "comment"):
            continue
        close = "}" if match.group(2) == "{" else ")"
        pos = match.end()
        key_match = re.compile(r"\s*([^,\s" + re.escape(close) + r"]*)\s*,?").match(text, pos)
        if key_match is None:
            continue
        key = key_match.group(1)
        pos = key_match.end()
        entry = EntryText(kind, match.start(1), key, -1)
        while True:
            name = _NAME.match(text, pos)
            if name is None:
                rest = re.compile(r"[\s,]*").match(text, pos).end()
                if rest < len(text) and text[rest] == close:
                    entry.close = rest
                break
            start = name.end()
            end = _value_end(text, start, close)
            line_start = text.rfind("\n", 0, name.start(1)) + 1
            entry.fields.setdefault(name.group(1).lower(), FieldText(name.group(1).lower(), start, end, line_start))
            pos = end
            comma = re.compile(r"\s*,").match(text, pos)
            if comma is None:
                rest = re.compile(r"\s*").match(text, pos).end()
                if rest < len(text) and text[rest] == close:
                    entry.close = rest
                break
            pos = comma.end()
        if entry.close >= 0:
            entries.setdefault(key.lower(), entry)
    return entries


def latex_escape(value: str) -> str:
    """A plain-text value as BibTeX text: the characters TeX treats specially escaped."""
    return _SPECIAL.sub(lambda m: {"{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}",
                                   "\\": r"\textbackslash{}"}.get(m.group(), "\\" + m.group()), value)


def written_value(value: str, verbatim: bool) -> str:
    """A value as it goes between braces: identifiers verbatim, text escaped."""
    return value if verbatim else latex_escape(value)


@dataclass(frozen=True)
class Edit:
    """One change to the text of one entry."""

    key: str
    field: str
    """Lower-case field name, or `@type` for the entry type."""
    value: str | None
    """What to write (already BibTeX text, without delimiters); None removes nothing: unused."""


def apply(text: str, edits: list[Edit]) -> str:
    """`text` with the edits made; entries without edits are untouched, byte for byte."""
    located = locate(text)
    splices: list[tuple[int, int, str]] = []
    for key, group in _by_key(edits).items():
        entry = located.get(key.lower())
        if entry is None:
            continue
        added: list[Edit] = []
        for edit in group:
            if edit.field == "@type":
                splices.append((entry.type_start, entry.type_start + len(entry.entry_type), edit.value or ""))
                continue
            written = entry.fields.get(edit.field)
            if written is None:
                added.append(edit)
                continue
            old = text[written.start:written.end]
            splices.append((written.start, written.end, _delimited(old, edit.value or "")))
        if added:
            splices.append(_insertion(text, entry, added))
    for start, end, new in sorted(splices, key=lambda s: -s[0]):
        text = text[:start] + new + text[end:]
    return text


def _by_key(edits: list[Edit]) -> dict[str, list[Edit]]:
    grouped: dict[str, list[Edit]] = {}
    for edit in edits:
        grouped.setdefault(edit.key, []).append(edit)
    return grouped


def _delimited(old: str, value: str) -> str:
    """`value` in the delimiters the old value used (a bare number stays bare while it is one)."""
    if old.startswith('"') and '"' not in value:
        return f'"{value}"'
    if not old.startswith(("{", '"')) and value.isdigit():
        return value
    return "{" + value + "}"


def _insertion(text: str, entry: EntryText, added: list[Edit]) -> tuple[int, int, str]:
    """New fields right after the entry's last value, laid out like the last field's line.

    Inserting `,\n  name = {value}` just after the last value keeps whatever
    followed it (a trailing comma or none, the closing brace's line) as it was.
    """
    last = max(entry.fields.values(), key=lambda f: f.end, default=None)
    if last is None:
        key_end = text.index(",", entry.type_start) + 1 if "," in text[entry.type_start:entry.close] else entry.close
        return key_end, key_end, "".join(f" {e.field} = {{{e.value}}}," for e in added)
    line = text[last.line_start:last.end]
    layout = re.match(r"([ \t]*)([^\s=]+)([ \t]*)=([ \t]*)", line)
    multiline = "\n" in text[last.end:entry.close] or "\n" in text[entry.type_start:last.line_start]
    if layout is None or not multiline:
        return last.end, last.end, "".join(f", {e.field} = {{{e.value}}}" for e in added)
    indent, name, before, after = layout.groups()
    width = len(name) + len(before)
    lines = "".join(f",\n{indent}{(e.field + ' ').ljust(width) if width > len(e.field) else e.field + ' '}"
                    f"={after or ' '}{{{e.value}}}" for e in added)
    return last.end, last.end, lines
