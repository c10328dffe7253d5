"""Reporter `text`: findings for people, grouped by document, then by claim.

Each finding is one `path:line:col: CODE name severity message` line, the
form editors and terminals turn into links. Colour only on a terminal
(`Options.color` overrides). Text that came from the input (claim text,
messages quoting markers, paths) is stripped of control characters, so a
draft cannot move the cursor or recolour the terminal.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from citeaudit import hookimpl
from citeaudit.model import Finding, Span
from citeaudit.report import DocumentReport, Reporter, RunReport, Stream, Totals, render_stream
from citeaudit.rules import Rule

_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
"""CSI, OSC and two-character escape sequences, removed whole."""

STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}
CLAIM_TEXT_LIMIT = 100


class Styled:
    """A line as (text, style) pieces: plain text, or rich's colours on a terminal."""

    __slots__ = ("pieces", "style")

    def __init__(self, text: str = "", style: str = "") -> None:
        self.style = style
        """The whole line's style, under each piece's own (as rich's `Text(text, style=…)`)."""
        self.pieces: list[tuple[str, str]] = [(text, "")] if text else []

    def append(self, text: str, style: str = "") -> Styled:
        if text:
            self.pieces.append((text, style))
        return self

    @property
    def plain(self) -> str:
        return "".join(text for text, _ in self.pieces)


_RICH_STRIPS = dict.fromkeys((7, 8, 11, 12, 13))
"""The control characters rich removes from any text it prints (`rich.control.strip_control_codes`)."""


class _Writer:
    """Prints `Styled` lines: through rich with colour, else as the very text rich would write
    without it, without importing rich (a fifteenth of a warm check's start-up)."""

    def __init__(self, file: Any, color: bool) -> None:
        self.file = file
        self.console = None
        if color:
            from rich.console import Console

            self.console = Console(file=file, force_terminal=True, color_system="standard", highlight=False,
                                   soft_wrap=True, emoji=False, markup=False)

    def print(self, line: Styled) -> None:
        if self.console is None:
            self.file.write(line.plain.translate(_RICH_STRIPS).expandtabs(8) + "\n")
            return
        from rich.text import Text

        text = Text(style=line.style)
        for piece, style in line.pieces:
            text.append(piece, style=style or None)
        self.console.print(text)


def clean(text: Any) -> str:
    """`text` without terminal escapes or control characters, on one line."""
    text = _ESCAPES.sub("", str(text))
    if text.isprintable():  # the common case, checked in C: no Cc or Cf character
        return text
    # Cf holds the bidirectional overrides that can make text read differently than it is.
    return "".join(" " if ch in "\n\r\t" else ch for ch in text
                   if ch in "\n\r\t" or unicodedata.category(ch) not in {"Cc", "Cf"})


def place(path: str, span: Span) -> str:
    """`path:line:col` (text), `path:line:xpath` (XML), `path:¶paragraph:col` (docx), with
    the part when there is one."""
    where = path
    if span.part and not span.part.endswith((".bib", ".bibtex")):
        where += f"[{span.part}]"
    if span.line is not None:
        where += f":{span.line}" + (f":{span.column}" if span.column is not None else "")
        if span.column is None and span.xpath:
            where += f":{span.xpath}"  # XML: the line alone says little in a one-line file
    elif span.paragraph is not None:
        # Paragraph and column counted from 1, as lines and columns are for text formats.
        where += f":\u00b6{span.paragraph + 1}" + (f":{span.offset + 1}" if span.offset is not None else "")
    elif span.xpath:
        where += f":{span.xpath}"
    return clean(where)


def _color(options: Any) -> bool:
    chosen = getattr(options, "color", None)
    if chosen is not None:
        return bool(chosen)
    return sys.stdout.isatty()


class TextStream(Stream):
    """The report as text, a document at a time; ANSI colour only when enabled."""

    def __init__(self, options: Any = None) -> None:
        import io

        super().__init__(options)
        self.buffer = io.StringIO()
        self.console = _Writer(self.buffer, _color(options))
        self.quiet = bool(getattr(options, "quiet", False))
        self.libraries_only = True
        """Every document so far is a BibTeX library (`citeaudit bib`): no claims to speak of."""
        self.unchecked: dict[str, set[tuple[str, int]]] = {}
        """Why claims went unchecked, in words -> the (document, cited number) pairs concerned."""

    def _taken(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


    def document(self, report: DocumentReport) -> str:
        self.libraries_only = self.libraries_only and report.document.format == "bibtex"
        for item in report.unchecked:
            phrase = next((words for reason, words in UNCHECKED_WORDS if item.reason.startswith(reason)),
                          "{} " + item.reason)
            self.unchecked.setdefault(phrase, set()).add((str(report.document.path), item.citation))
        _document(self.console, report, self.rules, self.options)
        return self._taken()

    def finish(self, totals: Totals) -> str:
        # Last, not first: which registries answered is known once every document is done.
        if not self.quiet:  # -q: the findings and the summary line only
            self.console.print(Styled(clean(totals.run_info().sentence()), style="dim"))
        _summary(self.console, totals, self)
        return self._taken()


def render(run: RunReport) -> str:
    """The whole report as text."""
    return render_stream(TextStream(run.options), run)


def _document(console: Any, report: DocumentReport, rules: Mapping[str, Rule], options: Any = None) -> None:
    doc = report.document
    path = str(doc.path)
    quiet = bool(getattr(options, "quiet", False))
    if not quiet:
        head = Styled(clean(path), style="bold")
        counts = [] if doc.format == "bibtex" else [_plural(len(doc.claims), "claim")]
        counts += [_plural(len(doc.references), "entry" if doc.format == "bibtex" else "reference"),
                   _plural(len(report.findings), "finding")]
        style = "" if doc.format == "bibtex" else f", {doc.style} citations"
        if doc.format == "bibtex" and not doc.references:
            head.append(" has no entries")
        else:
            head.append(f" ({doc.format}{style}): {', '.join(counts)}", style="dim")
        console.print(head)
    by_claim: dict[int | None, list[Finding]] = {}
    for finding in report.findings:
        by_claim.setdefault(finding.claim, []).append(finding)
    claims = {c.id: c for c in doc.claims}
    for claim_id, findings in sorted(by_claim.items(), key=lambda item: (item[0] is None, item[0] or 0)):
        if quiet:
            pass
        elif claim_id is not None and claim_id in claims:
            claim = claims[claim_id]
            text = clean(claim.text)
            if len(text) > CLAIM_TEXT_LIMIT:
                text = text[:CLAIM_TEXT_LIMIT - 1] + "\u2026"
            console.print(Styled(f"  claim {claim_id}: ", style="bold").append(text, style="italic"))
        elif claim_id is None and len(by_claim) > 1:
            console.print(Styled("  references and document", style="bold"))
        for item in fold(findings) if claim_id is None else findings:
            if isinstance(item, list):
                console.print(_folded(item, path, rules))
                continue
            console.print(_line(item, item.path or path, rules))
            for diff in _diffs(item):
                console.print(diff)
    if report.suppressed and not quiet:
        console.print(Styled(f"  ({report.suppressed} findings hidden by the baseline)", style="dim"))


def _line(finding: Finding, path: str, rules: Mapping[str, Rule]) -> Any:
    rule = rules.get(finding.rule)
    severity = finding.severity or (rule.severity if rule else "info")
    name = rule.name if rule else ""
    line = Styled("    ")
    line.append(place(path, finding.span), style="bold")
    line.append(": ")
    line.append(clean(finding.rule), style=STYLES.get(severity, ""))
    line.append(f" {name} ")
    line.append(severity, style=STYLES.get(severity, ""))
    line.append(" " + clean(finding.message))
    if finding.fix is not None:
        line.append(f" ({clean(finding.fix.sentence())})", style="green")
    return line


def field_pairs(finding: Finding) -> list[tuple[str, str, str, str]]:
    """(field, what the draft or library says, what the other side says, other side's name) of CA204/CA304."""
    evidence = finding.evidence if isinstance(finding.evidence, dict) else {}
    pairs = []
    if finding.rule == "CA204":
        for field, values in (evidence.get("fields") or {}).items():
            pairs.append((field, str(values.get("reference", "")), str(values.get("library", "")), "library"))
    elif finding.rule == "CA304":
        for field, values in (evidence.get("differences") or {}).items():
            cited, record = values.get("cited"), values.get("record")
            if isinstance(cited, list):  # authors: the cited list against as many record authors
                record = list(record or [])[:len(cited)] if isinstance(record, list) else record
            pairs.append((field.replace("_", " "), _joined(cited), _joined(record), "record"))
    return pairs


def _joined(value: Any) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value or "")


def _diffs(finding: Finding) -> list[Any]:
    """One line per differing field, both values whole: `[-old-]{+new+}`, or colour on a terminal."""
    from citeaudit.worddiff import segments

    lines = []
    for field, ours, theirs, name in field_pairs(finding):
        line = Styled(f"        {clean(field)}: ")
        for kind, text in segments(clean(ours), clean(theirs)):
            if kind == "same":
                line.append(text)
            elif kind == "old":
                line.append("[-", style="dim").append(text, style="bold red").append("-]", style="dim")
            else:
                line.append("{+", style="dim").append(text, style="bold green").append("+}", style="dim")
        origin = "reference" if finding.rule == "CA204" else str(finding.evidence.get("origin", "reference"))
        line.append(f"  ({origin} \u2192 {name})", style="dim")
        lines.append(line)
    return lines


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


FOLD_LIMIT = 12
"""Most numbers or ranges (or keys) a folded line lists before "and N more"."""


def fold(findings: list[Finding]) -> list[Finding | list[Finding]]:
    """Findings of the references and the document, repeats of one info rule folded into a list.

    The text report shows such a list as one line naming the references; the
    other formats keep every finding.
    """
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.severity == "info" and (finding.reference is not None or finding.key):
            groups.setdefault(finding.rule, []).append(finding)
    folded = {rule for rule, group in groups.items() if len(group) > 1}
    items: list[Finding | list[Finding]] = []
    for finding in findings:
        if finding.rule not in folded:
            items.append(finding)
        elif groups[finding.rule][0] is finding:
            items.append(groups[finding.rule])
    return items


def numbers(values: list[int], limit: int | None = None) -> str:
    """`1-6, 9`: sorted, runs of three or more as ranges; past `limit` parts, `and N more`."""
    values = sorted(set(values))
    parts: list[tuple[str, int]] = []
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and values[end + 1] == values[end] + 1:
            end += 1
        if end - start >= 2:
            parts.append((f"{values[start]}-{values[end]}", end - start + 1))
        else:
            parts.extend((str(v), 1) for v in values[start:end + 1])
        start = end + 1
    shown = parts if limit is None else parts[:limit]
    more = sum(n for _, n in parts[len(shown):])
    return ", ".join(text for text, _ in shown) + (f" and {more} more" if more else "")


def _folded(group: list[Finding], path: str, rules: Mapping[str, Rule]) -> Any:
    """One line for repeats of one info rule: what, how many, and which references."""
    first = group[0]
    rule = rules.get(first.rule)
    numbered = [f.reference for f in group if f.reference is not None]
    keys = list(dict.fromkeys(f.key for f in group if f.reference is None and f.key))
    where = []
    if numbered:
        where.append(("reference " if len(set(numbered)) == 1 else "references ") + numbers(numbered, FOLD_LIMIT))
    if keys:
        where.append(("entry " if len(keys) == 1 else "entries ") + ", ".join(keys[:FOLD_LIMIT])
                     + (f" and {len(keys) - FOLD_LIMIT} more" if len(keys) > FOLD_LIMIT else ""))
    line = Styled("    ")
    line.append(place(path, Span()), style="bold")
    line.append(": ")
    line.append(clean(first.rule), style=STYLES["info"])
    line.append(f" {rule.name if rule else ''} ")
    line.append("info", style=STYLES["info"])
    summary = _fold_summary(group)
    line.append(" " + clean((summary + " (" if summary else "") + "; ".join(where) + (")" if summary else "")))
    return line


def _fold_summary(group: list[Finding]) -> str:
    """What a folded group of CA308 says: how many references, and why, once."""
    if group[0].rule != "CA308":
        return ""
    reasons: dict[str, int] = {}
    for finding in group:
        reason = str(finding.evidence.get("reason", "unknown"))
        reasons[reason] = reasons.get(reason, 0) + 1
    whys = ", ".join(("offline and not cached" if r == "offline" else r) +
                     (f" ({n})" if len(reasons) > 1 else "") for r, n in reasons.items())
    return f"{_plural(len(group), 'reference')} not verified: {whys}"


def _summary(console: Any, totals: Totals, stream: TextStream) -> None:
    s = totals.summary()
    plural = _plural
    if s["documents"] and stream.libraries_only:
        # `citeaudit bib`: a library has entries, not claims.
        text = Styled(f"{plural(s['references'], 'library entry')}: ")
    else:
        text = Styled(f"{plural(s['documents'], 'document')}, {plural(s['claims'], 'claim')}, "
                    f"{plural(s['references'], 'reference')}: ")
    text.append(plural(s["errors"], "error"), style=STYLES["error"] if s["errors"] else "")
    text.append(", ")
    text.append(plural(s["warnings"], "warning"), style=STYLES["warning"] if s["warnings"] else "")
    text.append(f", {plural(s['infos'], 'info')}")
    if totals.unchecked_claims:
        text.append(f"; {plural(totals.unchecked_claims, 'claim')} not checked against the cited work: "
                    + unchecked_reasons(stream.unchecked))
    console.print(text)


UNCHECKED_WORDS = (
    ("the reference has no DOI or PMID", "{} no DOI or PMID"),
    ("the record has no abstract", "{} no abstract"),
    ("the record could not be fetched", "{} no record to hand (offline or the registry failed)"),
    ("the registry does not know the identifier", "{} an identifier the registries do not know"),
    ("no registry record", "{} no registry record"),
    ("registry records were not fetched", "{} no record fetched (registry checks deselected)"),
    ("the reference list has no such entry", "{} no entry in the reference list"),
)
"""Why claims went unchecked, in words: (reason as the check gives it, phrase)."""


def unchecked_reasons(cited: dict[str, set[tuple[str, int]]]) -> str:
    """`9 references have no abstract, 3 have no DOI or PMID`: cited references per reason."""
    parts = []
    for n, (phrase, refs) in enumerate(sorted(cited.items(), key=lambda item: -len(item[1]))):
        count = len(refs)
        who = (_plural(count, "reference") if n == 0 else str(count)) + (" has" if count == 1 else " have")
        parts.append(phrase.format(who))
    return ", ".join(parts)


@hookimpl(trylast=True)
def citeaudit_register_reporters(register: Callable[[Reporter], None]) -> None:
    register(Reporter("text", stream=TextStream,
                      description="findings grouped by document and claim, path:line:col"))
