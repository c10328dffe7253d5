"""Load the author's BibTeX library faithfully, and say what is wrong with it.

pybtex's own `Parser` stops at (or prints) the first error and drops
repeated keys silently, so this module drives pybtex's low-level scanner
one entry at a time: each `@` at the start of a line begins a chunk, so an
unbalanced brace costs one entry, not the rest of the file. Every problem
becomes a finding in `Library.problems` with the file and line:

- CA201 a syntax error, an undefined `@string`, a repeated field, a
  `crossref` to no entry or in a cycle, a file with text but no entry;
- CA202 a repeated key (the first entry is kept), entries sharing a DOI or PMID;
- CA206 a DOI, PMID or PMCID that is not valid as written.
"""

from __future__ import annotations

import codecs
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import latexcodec  # noqa: F401  (registers the 'ulatex' codec)
from pybtex import errors as pybtex_errors
from pybtex.bibtex.utils import split_name_list
from pybtex.database import Person as PybtexPerson
from pybtex.database.input.bibtex import LowLevelParser, UndefinedMacro, month_names
from pybtex.scanner import PrematureEOF, PybtexError, PybtexSyntaxError
from pybtex.utils import CaseInsensitiveDict

from citeaudit.bib.identifiers import (
    find_identifiers,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)
from citeaudit.errors import InputError, LimitExceeded
from citeaudit.inputs import read_bounded
from citeaudit.limits import (
    MAX_BIBTEX_BYTES,
    MAX_BIBTEX_NESTING,
    MAX_BIBTEX_VALUE_CHARS,
    MAX_LIBRARY_ENTRIES,
)
from citeaudit.model import Finding, Library, LibraryEntry, Person, Span, Work

_LATEX = re.compile(r"[\\{}~$]|--")
_LATEX_CODEC_NEEDED = re.compile(r"[\\~$]|--")
_LEFTOVER_COMMAND = re.compile(r"\\[A-Za-z]+\*?\s*|\\(?=[^A-Za-z])")
_BRACES = re.compile(r"[{}]")
_QUOTE_OR_BRACES = re.compile(r'["{}]')
_ENTRY_START = re.compile(r"^[ \t]*@", re.MULTILINE)
_YEAR = re.compile(r"\b(\d{4})\b")
_KINDS = {
    "article": "article-journal", "book": "book", "inbook": "chapter", "incollection": "chapter",
    "inproceedings": "paper-conference", "conference": "paper-conference", "proceedings": "book",
    "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis", "techreport": "report",
    "report": "report", "online": "webpage", "electronic": "webpage", "www": "webpage",
    "misc": "document", "unpublished": "manuscript", "manual": "document", "dataset": "dataset",
    "software": "software",
}
_ABBREV_FIELDS = ("shortjournal", "journalabbrev", "journal-abbrev", "journal_abbrev",
                  "journal-iso", "iso-abbrev", "abbrev_journal")
_ID_FIELDS = {"doi": normalize_doi, "pmid": normalize_pmid, "pmcid": normalize_pmcid}
_TEXT_FIELDS = ("url", "note", "annote", "howpublished", "eprint", "extra")
_EPRINT_TYPES = {"doi": "doi", "pubmed": "pmid", "pmid": "pmid", "pmc": "pmcid", "pmcid": "pmcid"}


@dataclass(slots=True)
class _Raw:
    """An entry as scanned: fields flattened and macros expanded, nothing decoded."""

    key: str
    entry_type: str
    fields: dict[str, str]
    path: Path
    line: int
    inherited: dict[str, str] = field(default_factory=dict)


def load_library(paths: Sequence[Path]) -> Library:
    """Read every file, in order; problems are findings, unreadable files raise InputError."""
    problems: list[Finding] = []
    raws: list[_Raw] = []
    for path in paths:
        room = MAX_LIBRARY_ENTRIES - len(raws)
        file_raws, file_problems = scan(read_text(Path(path)), Path(path), room=room)
        raws.extend(file_raws)
        problems.extend(file_problems)
    raws = _drop_repeated_keys(raws, problems)
    _inherit_crossrefs(raws, problems)
    entries = tuple(_entry(raw, problems) for raw in raws)
    _report_shared_identifiers(entries, problems)
    return Library(paths=tuple(Path(p) for p in paths), entries=entries, problems=tuple(problems))


def read_text(path: Path) -> str:
    """The file's text: UTF-8 (BOM or not), UTF-16 (BOM or not), else Latin-1."""
    data = read_bounded(path, MAX_BIBTEX_BYTES, what="the BibTeX file")  # /dev/zero has no size to check
    if data.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        kind = {b"PK": "a zip archive (a Word .docx?)", b"%P": "a PDF", b"\xd0\xcf": "an old Word .doc"}[data[:2]]
        raise InputError(path, f"is {kind}, not a BibTeX file: give the draft to `citeaudit check`"
                               " and its library with --bib")
    return decode_bytes(data, path)


def decode_bytes(data: bytes, path: Path) -> str:
    """Text of a .bib file whatever encoding the reference manager used."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif len(data) >= 4 and data[1:4:2] == b"\0\0" and data[0] and data[2]:
        encoding = "utf-16-le"
    elif len(data) >= 4 and data[0:3:2] == b"\0\0" and data[1] and data[3]:
        encoding = "utf-16-be"
    else:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            # Older EndNote and JabRef exports are Latin-1/cp1252; every byte decodes.
            return data.decode("cp1252", errors="replace")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not valid {encoding.upper()} text at byte {exc.start}") from None


class _Scanner(LowLevelParser):
    """pybtex's scanner, told to report errors to us rather than raise or print.

    Field values are read with one regular-expression pass over their
    braces instead of pybtex's token per brace: same result, same errors,
    a third of the time on a large library.
    """

    def __init__(self, text: str, macros: CaseInsensitiveDict, errors: list, path: Path) -> None:
        super().__init__(text, macros=macros, handle_error=errors.append, filename=str(path))

    def parse_value(self) -> None:
        """pybtex's loop over `a # "b" # c`, stopping a value that expands past the limit.

        An @string is stored expanded, so `@string{b = a # a}` doubles `a`: a
        1.7 kB chain of them spells gigabytes. Each value (and so each macro)
        is measured before it is joined, which bounds memory and time.
        """
        parts: list[str] = []
        size = 0
        while True:
            if parts and not self.optional([self.HASH]):
                break
            part = self.parse_value_part()
            size += len(part)
            if size > MAX_BIBTEX_VALUE_CHARS:
                raise PybtexSyntaxError(f"value expands to more than {MAX_BIBTEX_VALUE_CHARS:,} characters "
                                        "(@string macros doubling each other?)", self)
            parts.append(part)
        self.current_value = parts

    def parse_value_part(self) -> str:
        token = self.required([self.QUOTE, self.LBRACE, self.NUMBER, self.NAME], description="field value")
        if token.pattern is self.LBRACE:
            return self._delimited(_BRACES, "}")
        if token.pattern is self.QUOTE:
            return self._delimited(_QUOTE_OR_BRACES, '"')
        if token.pattern is self.NUMBER:
            return token.value
        return self.substitute_macro(token.value)

    def _delimited(self, pattern: re.Pattern, end: str) -> str:
        start, depth = self.pos, 0
        for m in pattern.finditer(self.text, start):
            char = m.group()
            if char == "{":
                depth += 1
                if depth > MAX_BIBTEX_NESTING:
                    self._advance(m.end())
                    raise PybtexSyntaxError("too many nested braces", self)
            elif depth:
                depth -= int(char == "}")
            elif char == end:
                self._advance(m.end())
                return self.text[start : m.start()]
            else:
                self._advance(m.end())
                raise PybtexSyntaxError("unbalanced braces", self)
        self._advance(self.end_pos)
        raise PrematureEOF(self)

    def _advance(self, pos: int) -> None:
        self.update_lineno(self.text[self.pos : pos])
        self.pos = pos


def scan(text: str, path: Path, *, room: int = MAX_LIBRARY_ENTRIES) -> tuple[list[_Raw], list[Finding]]:
    """Entries and CA201 findings of one file's text; LimitExceeded past `room` entries."""
    problems: list[Finding] = []
    raws: list[_Raw] = []
    macros = CaseInsensitiveDict(month_names)
    newlines = [m.start() for m in re.finditer("\n", text)]

    def line_of(offset: int) -> int:
        return bisect_right(newlines, offset - 1) + 1

    starts = [m.end() - 1 for m in _ENTRY_START.finditer(text)]
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        chunk_line = line_of(start)
        errors: list[PybtexError] = []
        scanner = _Scanner(text[start:end], macros, errors, path)
        for command, body in scanner:
            entry_line = chunk_line + text.count("\n", start, start + scanner.command_start)
            fatal = [e for e in errors if not isinstance(e, UndefinedMacro)]
            for error in errors:
                problems.append(_syntax_finding(error, scanner.current_entry_key, path, entry_line, chunk_line))
            errors.clear()
            kind = command.lower()
            if kind in ("string", "preamble") or fatal:
                continue
            key, fields = body
            if len(raws) >= room:
                raise LimitExceeded(path, "the library has more entries than the limit of "
                                          f"{MAX_LIBRARY_ENTRIES:,}", line=entry_line)
            raws.append(_Raw(key=key, entry_type=kind, fields=_fields(key, fields, path, entry_line, problems),
                             path=path, line=entry_line))
        for error in errors:
            problems.append(_syntax_finding(error, scanner.current_entry_key, path, chunk_line, chunk_line))
    if not starts and text.strip() and not text.lstrip().startswith("%"):
        problems.append(Finding(rule="CA201", message="no BibTeX entry found in a file with text in it",
                                span=Span(line=1), path=str(path)))
    return raws, problems


def _syntax_finding(error: PybtexError, key: str | None, path: Path, entry_line: int,
                    chunk_line: int) -> Finding:
    reason = error.args[0] if error.args else type(error).__name__
    if isinstance(error, UndefinedMacro):
        reason = f"undefined @string macro {reason!r}"
    elif isinstance(error, PrematureEOF):
        reason = "unbalanced braces or quotes: the entry does not close before the next entry or the end of the file"
    error_line = chunk_line + error.lineno - 1 if isinstance(error, PybtexSyntaxError) and error.lineno else entry_line
    what = f"entry {key!r}" if key else "entry"
    skipped = "" if isinstance(error, UndefinedMacro) else " (entry skipped)"
    where = f" (error at line {error_line})" if error_line != entry_line else ""
    return Finding(rule="CA201", message=f"{what}{where}: {reason}{skipped}", span=Span(line=entry_line),
                   key=key, path=str(path), evidence={"error_line": error_line, "reason": reason})


def _fields(key: str, pairs: list, path: Path, line: int, problems: list[Finding]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, parts in pairs:
        lower = name.lower()
        if lower in fields:
            problems.append(Finding(rule="CA201", message=f"entry {key!r}: field {lower!r} given twice "
                                    "(the first is kept)", span=Span(line=line), key=key, path=str(path)))
            continue
        fields[lower] = " ".join("".join(parts).split())
    return fields


def _drop_repeated_keys(raws: list[_Raw], problems: list[Finding]) -> list[_Raw]:
    """Keep the first entry of each key; BibTeX compares keys without case."""
    first: dict[str, _Raw] = {}
    kept: list[_Raw] = []
    for raw in raws:
        seen = first.get(raw.key.lower())
        if seen is None:
            first[raw.key.lower()] = raw
            kept.append(raw)
            continue
        where = f"line {seen.line}" if seen.path == raw.path else f"{seen.path}:{seen.line}"
        problems.append(Finding(
            rule="CA202", message=f"key {raw.key!r} repeats the entry at {where} (the first is kept)",
            span=Span(line=raw.line), key=raw.key, path=str(raw.path),
            evidence={"duplicate_of": seen.key, "first_line": seen.line, "shared": "key"}))
    return kept


def _inherit_crossrefs(raws: list[_Raw], problems: list[Finding]) -> None:
    """Fill missing fields from the `crossref` parent, as BibTeX and biber do.

    The nearest ancestor's value wins; a parent's title becomes the child's
    booktitle. Each entry's chain is resolved once and remembered, so a
    chain of 2,000 entries costs 2,000 steps, not 2,000 walks of it.
    """
    by_key = {raw.key.lower(): raw for raw in raws}
    resolved: dict[str, _Chain] = {}
    for raw in raws:
        chain = _resolve_chain(raw, by_key, resolved)
        parent = chain.parent
        if parent is not None:
            for name, value in parent.fields.items():
                if name not in raw.fields:
                    raw.inherited[name] = value
            if parent.book is not None and "booktitle" not in raw.fields:
                raw.inherited["booktitle"] = parent.book
        if chain.missing:
            problems.append(Finding(rule="CA201", message=f"entry {raw.key!r}: crossref to "
                                    f"{chain.missing!r}, which is not in the library",
                                    span=Span(line=raw.line), key=raw.key, path=str(raw.path)))
        elif chain.cycle:
            problems.append(Finding(rule="CA201", message=f"entry {raw.key!r}: crossref cycle "
                                    + " -> ".join(chain.cycle),
                                    span=Span(line=raw.line), key=raw.key, path=str(raw.path)))


@dataclass(slots=True)
class _Chain:
    """What an entry passes to its children: its and its ancestors' fields, and how its chain ends."""

    fields: dict[str, str]
    """Its own fields over its ancestors' (crossref and ids left out)."""
    book: str | None
    """The booktitle a child inherits: the nearest booktitle or title up the chain."""
    parent: _Chain | None = None
    """The resolved parent (None at the top of the chain)."""
    missing: str | None = None
    """The parent key at the end of the chain that is not in the library."""
    cycle: tuple[str, ...] = ()
    """The keys of the cycle the chain runs into."""


def _resolve_chain(raw: _Raw, by_key: dict[str, _Raw], resolved: dict[str, _Chain]) -> _Chain:
    """`raw`'s chain, resolving each entry above it at most once (no recursion)."""
    path: list[_Raw] = []
    seen: dict[str, int] = {}
    node: _Raw | None = raw
    above: _Chain | None = None
    missing: str | None = None
    cycle: tuple[str, ...] = ()
    while node is not None:
        key = node.key.lower()
        if key in resolved:
            above = resolved[key]
            break
        if key in seen:
            cycle = tuple(r.key.lower() for r in path[seen[key]:]) + (key,)
            break
        seen[key] = len(path)
        path.append(node)
        parent_key = node.fields.get("crossref")
        if not parent_key:
            break
        node = by_key.get(parent_key.lower())
        if node is None:
            missing = parent_key
    # Resolve from the top down; an entry on a cycle keeps its own fields only.
    for entry in reversed(path):
        parent = above if not (cycle and entry.key.lower() in cycle) else None
        own = {k: v for k, v in entry.fields.items() if k not in ("crossref", "ids")}
        fields = {**parent.fields, **own} if parent is not None else own
        book = entry.fields.get("booktitle") or entry.fields.get("title") or (parent.book if parent else None)
        above = _Chain(fields=fields, book=book, parent=parent,
                       missing=missing if parent is None else parent.missing,
                       cycle=cycle if parent is None else parent.cycle)
        resolved[entry.key.lower()] = above
    return resolved[raw.key.lower()]


def _entry(raw: _Raw, problems: list[Finding]) -> LibraryEntry:
    fields = {**raw.inherited, **raw.fields}
    doi, pmid, pmcid = _identifiers(raw, fields, problems)
    journal = fields.get("journal") or fields.get("journaltitle") or fields.get("booktitle")
    abbrev = next((fields[f] for f in _ABBREV_FIELDS if fields.get(f)), None)
    year = _YEAR.search(fields.get("year") or fields.get("date") or "")
    work = Work(
        title=_text(fields.get("title")),
        authors=_people(fields.get("author") or fields.get("editor") or ""),
        year=int(year[1]) if year else None,
        journal=_text(journal),
        journal_abbrev=_text(abbrev),
        volume=_text(fields.get("volume")),
        issue=_text(fields.get("number") or fields.get("issue")),
        pages=_pages(fields.get("pages")),
        doi=doi, pmid=pmid, pmcid=pmcid,
        kind=_KINDS.get(raw.entry_type, raw.entry_type),
    )
    return LibraryEntry(key=raw.key, entry_type=raw.entry_type, work=work,
                        span=Span(line=raw.line, part=str(raw.path)), fields=fields)


def _identifiers(raw: _Raw, fields: dict[str, str], problems: list[Finding]) -> tuple[str | None, ...]:
    """DOI, PMID, PMCID from their own fields, else from URL, note and eprint.

    Each value written in an identifier field, or labelled as one in free
    text, that does not validate is reported as CA206 with the value.
    """
    found: dict[str, str | None] = {}
    written: list[tuple[str, str, str]] = []
    eprint_kind = _EPRINT_TYPES.get((fields.get("eprinttype") or fields.get("archiveprefix") or "").lower())
    for name, normalise in _ID_FIELDS.items():
        value = fields.get(name)
        if value is None and eprint_kind == name and fields.get("eprint"):
            value = fields["eprint"]
        if value is not None:
            value = _text(value) or ""
            written.append((name, value, name))
            found[name] = normalise(value)
    for name in _TEXT_FIELDS:
        if name in fields and not (name == "eprint" and eprint_kind):
            ids = find_identifiers(decode_latex(fields[name]))
            for kind, value in ids.raw:
                if kind not in found:
                    written.append((kind, value, name))
            for kind in _ID_FIELDS:
                if not found.get(kind) and getattr(ids, kind):
                    found[kind] = getattr(ids, kind)
    if not found.get("doi") and "doi" not in fields:
        # Springer and Wiley exports use the DOI itself as the citation key.
        found["doi"] = normalize_doi(raw.key) if raw.key.lower().startswith(("10.", "doi:", "https://doi.org/")) else None
    for kind, value, source in written:
        if _ID_FIELDS[kind](value) is None:
            label = {"doi": "DOI", "pmid": "PMID", "pmcid": "PMCID"}[kind]
            problems.append(Finding(
                rule="CA206", message=f"entry {raw.key!r}: invalid {label} {value!r} in field {source!r}",
                span=Span(line=raw.line), key=raw.key, path=str(raw.path),
                evidence={"kind": kind, "value": value, "field": source}))
    return found.get("doi"), found.get("pmid"), found.get("pmcid")


def _report_shared_identifiers(entries: Sequence[LibraryEntry], problems: list[Finding]) -> None:
    for kind, label in (("doi", "DOI"), ("pmid", "PMID")):
        first: dict[str, LibraryEntry] = {}
        for entry in entries:
            value = getattr(entry.work, kind)
            if not value:
                continue
            seen = first.setdefault(value, entry)
            if seen is entry:
                continue
            problems.append(Finding(
                rule="CA202", message=f"entries {seen.key!r} (line {seen.span.line}) and {entry.key!r} "
                                      f"share {label} {value}",
                span=Span(line=entry.span.line), key=entry.key, path=entry.span.part,
                evidence={"duplicate_of": seen.key, "first_line": seen.span.line, "shared": kind,
                          "value": value}))


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    return decode_latex(value) or None


def _pages(value: str | None) -> str | None:
    text = _text(value)
    return re.sub(r"\s*[-\u2010-\u2015\u2212]+\s*", "-", text) if text else None


@lru_cache(maxsize=65536)
def _people(value: str) -> tuple[Person, ...]:
    return tuple(p for p in (_person(name) for name in split_name_list(value)) if p is not None)


def _person(name: str) -> Person | None:
    """One BibTeX name; `others` (BibTeX's et al.) is no person."""
    if name.strip().lower() == "others":
        return None
    family, sep, given = name.partition(",")
    # The common "Family, Given" form needs none of pybtex's von/Jr rules.
    if sep and "," not in given and family.count("{") == family.count("}") and not family[:1].islower():
        return Person(family=decode_latex(family.strip()), given=decode_latex(given.strip()))
    # pybtex reports a malformed name through its global error hook, which
    # prints in non-strict mode; capture() keeps it quiet whatever the mode.
    try:
        with pybtex_errors.capture():
            parsed = PybtexPerson(name)
    except PybtexError:
        return Person(family=decode_latex(name))
    family = decode_latex(" ".join([*parsed.prelast_names, *parsed.last_names]))
    given = decode_latex(" ".join([*parsed.first_names, *parsed.middle_names]))
    if parsed.lineage_names:
        given = f"{given} {decode_latex(' '.join(parsed.lineage_names))}".strip()
    return Person(family=family or decode_latex(name), given=given)


@lru_cache(maxsize=65536)
def decode_latex(value: str) -> str:
    """Plain text of a BibTeX value: accents decoded, protective braces and markup gone.

    latexcodec is exact but slow (about 0.1 ms a call), so values with no
    backslash, tilde, dollar or double dash skip it.
    """
    if _LATEX.search(value):
        if _LATEX_CODEC_NEEDED.search(value):
            try:
                value = codecs.decode(value, "ulatex")
            except (UnicodeError, ValueError):
                pass
            value = _LEFTOVER_COMMAND.sub("", value)
        value = value.replace("{", "").replace("}", "").replace("\xa0", " ")
    return " ".join(value.split())
