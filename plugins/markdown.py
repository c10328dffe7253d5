"""Reader `markdown`: Markdown and plain-text drafts (.md, .markdown, .txt).

markdown-it-py gives the structure (headings, paragraphs, list items, table
cells, footnotes, front matter); the marker grammar of `citeaudit.markers`
runs on the visible text of each block, so inline code, URLs and images are
never read as citations. Every character of a block's text is mapped back
to its source line and column.

The reference list is the list (or run of labelled paragraphs) under a
References / Bibliography / Literature cited / Works cited heading of any
level; a draft without such a heading (text pasted from a PDF, like the
seeds) uses its last numbered list that reads like references. Entry labels
are read from the source line because markdown-it renumbers ordered lists.

Pandoc citations (`[@key]`, `@key`): the references are the cited keys,
numbered in order of first citation (what a numeric CSL style would print),
with identifiers taken from manubot keys (`doi:`, `pubmed:`, `url:`...) or
from link-reference definitions (`[@tag:x]: doi:10...`); see
`citeaudit.plugins.pandoc_keys`. pandoc-crossref's `@fig:`/`@tbl:` are not
citations, and the front matter's `bibliography:` is the library when
`--bib` is not given.
"""

from __future__ import annotations

import bisect
import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citeaudit import hookimpl, patterns
from citeaudit.authoryear import is_author_year
from citeaudit.claims import Block, build_claims
from citeaudit.errors import InputError, LimitExceeded
from citeaudit.inputs import read_bounded
from citeaudit.limits import MAX_MARKER_OPENINGS, MAX_TEXT_BYTES
from citeaudit.markers import find_markers
from citeaudit.model import Document, Marker, Reference, Span
from citeaudit.plugins.pandoc_keys import bibliography_files, resolve_keys
from citeaudit.readers import Reader
from citeaudit.suppression import markdown_suppressions

SUFFIXES = (".md", ".markdown", ".txt")
MAX_BYTES = MAX_TEXT_BYTES
"""Drafts larger than this are refused (see `citeaudit.limits`)."""

_REFERENCES_HEADING = patterns.compile(
    r"^(?:\d+(?:\.\d+)*\.?\s+)?(?:references?(?: list| cited)?|bibliography|literature cited|"
    r"works cited|cited literature|sources)\s*:?$",
    re.IGNORECASE,
)
_LABEL = patterns.compile(r"^\s*(?:[-*+]\s+)?(?:\[(\d{1,4})\]|\((\d{1,4})\)|(\d{1,4})[.)])(?=\s|$)")
_YEAR = patterns.compile(r"\b(?:1[89]|20)\d{2}\b")
_URL = patterns.compile(r"(?<![@\w/.])(?<!@url:)(?:https?://|www\.|doi:\s*10\.)\S+", re.IGNORECASE)
"""Links and DOIs written out, whose digits are no citation; not `@doi:10...` or
`@https://...` or `@url:https://...`, which are manubot citation keys."""
_NUMERIC_CSL = patterns.compile(
    r"^csl:.*(?:ieee|vancouver|ama|american-medical|nature|plos|bmc|lancet|jama|nlm|"
    r"cell-numeric|numeric)", re.IGNORECASE | re.MULTILINE)
_SUP_TAG = patterns.compile(r"</?sup\s*>", re.IGNORECASE)
_BR_TAG = patterns.compile(r"<br\s*/?>", re.IGNORECASE)


@hookimpl(trylast=True)
def citeaudit_register_readers(register: Callable[[Reader], None]) -> None:
    register(Reader("markdown", SUFFIXES, lambda path, options: read_markdown(path),
                    description="Markdown (pandoc, manubot) and plain-text drafts"))


def read_markdown(path: Path) -> Document:
    """Read a Markdown or plain-text draft; InputError when it is not readable text."""
    data = read_bounded(path, MAX_BYTES, what="the draft")  # /dev/zero has no size to check first
    text, encoding = decode(data, path)
    return parse_markdown(text, path, plain=path.suffix.lower() == ".txt", encoding=encoding)


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """The text of a draft and the encoding used: UTF-8 (BOM or not), UTF-16 by BOM, else Latin-1.

    Latin-1 is used only when the bytes hold no UTF-8 multi-byte sequence at
    all (an old Windows or PDF export); a mix is refused, because guessing
    would silently corrupt names and symbols.
    """
    for bom, name in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                      (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                text = data.decode(name)
            except UnicodeDecodeError as exc:
                raise InputError(path, f"not valid {name.upper()} text despite its byte-order mark "
                                       f"(byte {exc.start})") from exc
            return _checked(text, path), name
    if b"\x00" in data[:8192]:
        raise InputError(path, "binary file, not a text draft (contains NUL bytes)")
    try:
        return _checked(data.decode("utf-8-sig"), path), "utf-8"
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        if re.search(rb"[\xc2-\xf4][\x80-\xbf]", data):
            raise InputError(path, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                                   f"{exc.start}), and not Latin-1 either: it mixes encodings",
                             line=line) from exc
        return _checked(data.decode("latin-1"), path), "latin-1"


def _checked(text: str, path: Path) -> str:
    if not text.strip():
        raise InputError(path, "empty file: no text to check")
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 8:
        raise InputError(path, "binary file, not a text draft (control characters)")
    return text


def _parser(plain: bool) -> Any:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark").enable("table").use(front_matter_plugin).use(footnote_plugin)
    if plain:
        md.disable("code")  # indentation in pasted plain text is layout, not a code block
    return md


# -- the source map ----------------------------------------------------------


@dataclass
class _Text:
    """Visible text of one block, each character tied to a source offset."""

    chars: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    protected: list[tuple[int, int]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def extend(self, other: _Text, separator: str) -> None:
        """Append another block's text (a table cell to its row)."""
        if self.chars:
            anchor = other.offsets[0] if other.offsets else self.offsets[-1]
            self.chars.extend(separator)
            self.offsets.extend([anchor] * len(separator))
        shift = len(self.chars)
        self.chars.extend(other.chars)
        self.offsets.extend(other.offsets)
        self.protected.extend((a + shift, b + shift) for a, b in other.protected)


class _Source:
    """The draft's text with line starts, so an offset becomes (line, column)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def span(self, offset: int) -> Span:
        line = bisect.bisect_right(self.starts, offset) - 1
        return Span(line=line + 1, column=offset - self.starts[line] + 1)

    def region(self, lines: list[int] | None) -> tuple[int, int]:
        if not lines:
            return 0, len(self.text)
        end = self.starts[lines[1]] if lines[1] < len(self.starts) else len(self.text)
        return self.starts[lines[0]], end

    def render(self, inline: Any, lines: list[int] | None) -> _Text:
        """The visible text of an inline token, mapped onto the source region `lines`."""
        out = _Text()
        cursor, limit = self.region(lines)
        link_stack: list[tuple[str, int]] = []

        def emit(piece: str, protect: bool = False) -> None:
            # Find the whole piece in the source; pieces markdown-it changed
            # (escapes, entities) are placed character by character.
            nonlocal cursor
            begin = len(out.chars)
            where = self.text.find(piece, cursor, limit)
            if where >= 0 and piece:
                out.chars.extend(piece)
                out.offsets.extend(range(where, where + len(piece)))
                cursor = where + len(piece)
            else:
                for ch in piece:
                    pos = self.text.find(ch, cursor, limit)
                    out.chars.append(ch)
                    out.offsets.append(pos if pos >= 0 else cursor)
                    if pos >= 0:
                        cursor = pos + 1
            if protect and len(out.chars) > begin:
                out.protected.append((begin, len(out.chars)))

        for child in inline.children or ():
            kind = child.type
            if kind == "text":
                emit(child.content)
            elif kind in ("softbreak", "hardbreak"):
                emit("\n")
            elif kind == "code_inline":
                emit(child.content, protect=True)
            elif kind == "html_inline":
                if _SUP_TAG.fullmatch(child.content.strip()):
                    emit(child.content)
                elif _BR_TAG.fullmatch(child.content.strip()):
                    emit("\n")
            elif kind == "link_open":
                link_stack.append((child.attrGet("href") or "", len(out.chars)))
                if child.markup != "autolink" and _is_key_link(child, inline.children):
                    emit("[")
            elif kind == "link_close" and link_stack:
                href, begin = link_stack.pop()
                inner = "".join(out.chars[begin:])
                if child.markup == "autolink" or inner.strip() in {href, href.removeprefix("mailto:")}:
                    out.protected.append((begin, len(out.chars)))
                elif inner.startswith("[@"):
                    emit("]")
        for match in _URL.finditer(out.text):
            out.protected.append(match.span())
        return out


def _is_key_link(link_open: Any, children: list[Any]) -> bool:
    """A pandoc citation that markdown-it took for a reference-style link (`[@tag:x]`)."""
    index = children.index(link_open)
    following = children[index + 1] if index + 1 < len(children) else None
    return following is not None and following.type == "text" and following.content.startswith("@")


# -- the walk ----------------------------------------------------------------


@dataclass
class _Entry:
    """A reference-list entry being collected."""

    label: str | None
    number: int | None
    offset: int
    parts: list[str] = field(default_factory=list)


@dataclass
class _Walk:
    """What one pass over the token stream collected."""

    blocks: list[tuple[_Text, str | None]] = field(default_factory=list)
    entries: list[_Entry] = field(default_factory=list)
    list_entries: list[list[_Entry]] = field(default_factory=list)
    """Entries of every ordered list outside a reference section (fallback list)."""
    list_blocks: list[list[int]] = field(default_factory=list)
    """Indices into `blocks` of the items of each ordered list in `list_entries`."""
    front_matter: str = ""
    has_heading: bool = False


def parse_markdown(text: str, path: Path, *, plain: bool = False, encoding: str = "utf-8") -> Document:
    """A Document from Markdown source `text` (path is only recorded)."""
    openings = text.count("[") + text.count("^") + text.count("<sup")
    if openings > MAX_MARKER_OPENINGS:
        raise LimitExceeded(path, f"{openings:,} characters that open citation markers, over the "
                                  f"limit of {MAX_MARKER_OPENINGS:,} (a long review has a few thousand)")
    source = _Source(text.replace("\r\n", "\n").replace("\r", "\n"))
    env: dict[str, Any] = {}
    try:
        tokens = _parser(plain).parse(source.text, env)
    except Exception as exc:  # markdown-it has no error type of its own
        raise InputError(path, f"cannot parse as Markdown: {exc}") from exc
    walk = _walk(tokens, source)
    entries = walk.entries
    if not entries and not walk.has_heading:
        entries = _fallback_list(walk)
    references = [_reference(e, i, source) for i, e in enumerate(entries, start=1)]
    numbered = [r.number for r in references if r.number is not None]
    count = max(numbered) if numbered else None

    blocks = [_block(t, section, source, count) for t, section in walk.blocks]
    blocks, key_refs = resolve_keys(blocks, env.get("references", {}), numbered=bool(numbered))
    claims = build_claims(blocks)
    markers = [m for c in claims for m in c.markers]
    style = _style(markers, references, walk.front_matter, [t.text for t, _ in walk.blocks])
    extras: dict[str, Any] = {"encoding": encoding}
    if bibliography := bibliography_files(walk.front_matter, path):
        extras["bibliography"] = bibliography
    return Document(path=path, format="markdown", claims=claims,
                    references=tuple(references) + tuple(key_refs), style=style, extras=extras,
                    suppressions=markdown_suppressions(source.text))




def _walk(tokens: list[Any], source: _Source) -> _Walk:
    walk = _Walk()
    heading_paragraph = _last_heading_paragraph(tokens)
    section: str | None = None
    refs_level: int | None = None
    list_depth = 0
    ordered: list[bool] = []
    entry: _Entry | None = None
    current_list: list[_Entry] | None = None
    current_blocks: list[int] | None = None
    row: _Text | None = None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        kind = tok.type
        if kind == "front_matter":
            walk.front_matter = tok.content
        elif kind == "heading_open":
            walk.has_heading = True
            level = int(tok.tag[1])
            title = source.render(tokens[i + 1], tokens[i + 1].map).text.strip()
            if refs_level is not None and level <= refs_level:
                refs_level = None
            if _REFERENCES_HEADING.match(title):
                refs_level = level
            section = title
            i += 3
            continue
        elif kind == "footnote_block_open":
            refs_level, section = None, "Footnotes"
        elif kind in ("ordered_list_open", "bullet_list_open"):
            list_depth += 1
            ordered.append(kind == "ordered_list_open")
            if list_depth == 1 and ordered[-1] and refs_level is None:
                current_list, current_blocks = [], []
        elif kind in ("ordered_list_close", "bullet_list_close"):
            list_depth -= 1
            ordered.pop()
            if list_depth == 0 and current_list is not None:
                walk.list_entries.append(current_list)
                walk.list_blocks.append(current_blocks or [])
                current_list = current_blocks = None
        elif kind == "list_item_open" and list_depth == 1:
            label, number = _label(source, tok.map)
            entry = _Entry(label, number, source.region(tok.map)[0])
            if refs_level is not None and _continues(walk.entries, number):
                # "2001. Nature..." in a wrapped entry: a year, not a new label
                entry = walk.entries[-1]
                entry.parts.append(f"{label}.")
            elif refs_level is not None:
                walk.entries.append(entry)
            elif current_list is not None:
                current_list.append(entry)
        elif kind == "list_item_close" and list_depth == 1:
            entry = None
        elif kind == "tr_open":
            row = _Text()
        elif kind == "tr_close" and row is not None:
            # A table row is one block: a cell holding only "[7]" cites the row.
            if refs_level is None:
                walk.blocks.append((row, section))
            row = None
        elif kind == "inline" and row is not None:
            row.extend(source.render(tok, tok.map), " | ")
        elif kind == "inline" and i == heading_paragraph:
            # "References" as a plain line (text pasted from a PDF): the list follows.
            rendered = source.render(tok, tok.map)
            section, refs_level = rendered.text.split("\n", 1)[0].strip(), 7
            rest = rendered.text.find("\n")
            if rest >= 0:
                tail = _Text(rendered.chars[rest + 1:], rendered.offsets[rest + 1:])
                _collect_reference(walk, None, tail)
        elif kind == "inline":
            rendered = source.render(tok, tok.map)
            if refs_level is not None:
                _collect_reference(walk, entry, rendered)
            else:
                if entry is not None and current_list is not None:
                    entry.parts.append(rendered.text)
                    if current_blocks is not None:
                        current_blocks.append(len(walk.blocks))
                walk.blocks.append((rendered, section))
        i += 1
    return walk


def _last_heading_paragraph(tokens: list[Any]) -> int | None:
    """Index of the last top-level paragraph whose first line is a references heading."""
    found = None
    depth = 0
    for index, tok in enumerate(tokens):
        if tok.type in ("bullet_list_open", "ordered_list_open", "table_open", "blockquote_open"):
            depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close", "table_close", "blockquote_close"):
            depth -= 1
        elif (tok.type == "inline" and depth == 0 and index and tokens[index - 1].type == "paragraph_open"
              and _REFERENCES_HEADING.match(tok.content.split("\n", 1)[0].strip())):
            found = index
    return found


def _continues(entries: list[_Entry], number: int | None) -> bool:
    """A list label far past the running number continues the previous entry."""
    if not entries or number is None or entries[-1].number is None:
        return False
    return number > entries[-1].number + 50 and 1800 <= number <= 2100


def _label(source: _Source, lines: list[int] | None) -> tuple[str | None, int | None]:
    """The label of a list item as written on its first source line."""
    start, end = source.region(lines)
    match = _LABEL.match(source.text[start:end])
    if not match:
        return None, None
    digits = next(g for g in match.groups() if g)
    return digits, int(digits)


def _collect_reference(walk: _Walk, entry: _Entry | None, rendered: _Text) -> None:
    """Add a block of the reference section: part of a list item, or labelled lines."""
    if entry is not None:
        entry.parts.append(rendered.text)
        return
    text = rendered.text
    if text.lstrip().startswith(":::"):
        return  # a pandoc div such as "::: {#refs}", where pandoc will print the list
    starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    for pos, line_start in enumerate(starts):
        line_end = starts[pos + 1] if pos + 1 < len(starts) else len(text)
        line = text[line_start:line_end]
        match = _LABEL.match(line)
        offset = rendered.offsets[line_start] if line_start < len(rendered.offsets) else 0
        digits = next((g for g in match.groups() if g), None) if match else None
        if digits and _continues(walk.entries, int(digits)):
            walk.entries[-1].parts.append(line)
        elif match or not walk.entries:
            walk.entries.append(_Entry(digits, int(digits) if digits else None, offset,
                                       [line[match.end():] if match else line]))
        else:
            walk.entries[-1].parts.append(line)


def _fallback_list(walk: _Walk) -> list[_Entry]:
    """The last numbered list that reads like references, for drafts without a heading.

    The list's items are then taken out of the claim blocks.
    """
    for index in range(len(walk.list_entries) - 1, -1, -1):
        entries = walk.list_entries[index]
        texts = [" ".join(e.parts) for e in entries]
        with_year = sum(1 for t in texts if _YEAR.search(t))
        if len(entries) >= 2 and with_year >= 0.6 * len(entries):
            dropped = set(walk.list_blocks[index])
            walk.blocks = [b for i, b in enumerate(walk.blocks) if i not in dropped]
            return entries
    return []


def _reference(entry: _Entry, position: int, source: _Source) -> Reference:
    from citeaudit.bib.identifiers import find_identifiers
    from citeaudit.bib.refparse import parse_reference

    text = re.sub(r"\s+", " ", " ".join(entry.parts)).strip()
    ids = find_identifiers(text)
    return Reference(number=entry.number, id=entry.label or f"ref{position}", text=text,
                     span=source.span(entry.offset), work=parse_reference(text),
                     raw_identifiers=ids.raw)


def _block(rendered: _Text, section: str | None, source: _Source, count: int | None) -> Block:
    text = rendered.text
    offsets = rendered.offsets

    def span_at(index: int) -> Span:
        if not offsets:
            return Span(line=1, column=1)
        return source.span(offsets[min(index, len(offsets) - 1)])

    markers = []
    for found in find_markers(text, reference_count=count):
        if any(found.start < end and start < found.end for start, end in rendered.protected):
            continue
        markers.append((found.start, found.end,
                        Marker(found.text, found.numbers, span_at(found.start), found.style,
                               found.keys, found.problem)))
    return Block(text, markers, span_at, section)


# -- pandoc keys and style ---------------------------------------------------


def _style(markers: list[Marker], references: list[Reference], front_matter: str,
           texts: list[str]) -> str:
    """numeric when markers cite numbers; author-year for pandoc keys unless a numeric CSL is
    named, and for "(Smith et al., 2020)" citations written out (see `citeaudit.authoryear`)."""
    numeric = sum(1 for m in markers if m.style != "pandoc-key")
    keyed = len(markers) - numeric
    if is_author_year(texts, numeric + keyed):
        return "author-year"
    if numeric >= keyed and (numeric or any(r.number is not None for r in references)):
        return "numeric"
    if keyed and _NUMERIC_CSL.search(front_matter):
        return "numeric"
    return "author-year"
