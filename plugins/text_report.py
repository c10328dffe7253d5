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
from citeaudit.report import DocumentReport, Reporter, RunReport, Totals, render_stream
from citeaudit.rules import Rule

_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
"""CSI, OSC and two-character escape sequences, removed whole."""

STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}
CLAIM_TEXT_LIMIT = 100


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


class TextStream:
    """The report as text, a document at a time; ANSI colour only when enabled."""

    def __init__(self, options: Any = None) -> None:
        import io

        from rich.console import Console

        color = _color(options)
        self.buffer = io.StringIO()
        self.console = Console(file=self.buffer, force_terminal=color, no_color=not color,
                               color_system="standard" if color else None, highlight=False,
                               soft_wrap=True, emoji=False, markup=False)
        self.rules: Mapping[str, Rule] = {}

    def _taken(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text

    def start(self, totals: Totals) -> str:
        self.rules = totals.rules
        return ""

    def document(self, report: DocumentReport) -> str:
        _document(self.console, report, self.rules)
        return self._taken()

    def finish(self, totals: Totals) -> str:
        from rich.text import Text

        # Last, not first: which registries answered is known once every document is done.
        self.console.print(Text(clean(totals.run_info().sentence()), style="dim"))
        _summary(self.console, totals)
        return self._taken()


def render(run: RunReport) -> str:
    """The whole report as text."""
    return render_stream(TextStream(run.options), run)


def _document(console: Any, report: DocumentReport, rules: Mapping[str, Rule]) -> None:
    from rich.text import Text

    doc = report.document
    path = str(doc.path)
    head = Text(clean(path), style="bold")
    head.append(f" ({doc.format}, {doc.style} citations): {_plural(len(doc.claims), 'claim')}, "
                f"{_plural(len(doc.references), 'reference')}, "
                f"{_plural(len(report.findings), 'finding')}", style="dim")
    console.print(head)
    by_claim: dict[int | None, list[Finding]] = {}
    for finding in report.findings:
        by_claim.setdefault(finding.claim, []).append(finding)
    claims = {c.id: c for c in doc.claims}
    for claim_id, findings in sorted(by_claim.items(), key=lambda item: (item[0] is None, item[0] or 0)):
        if claim_id is not None and claim_id in claims:
            claim = claims[claim_id]
            text = clean(claim.text)
            if len(text) > CLAIM_TEXT_LIMIT:
                text = text[:CLAIM_TEXT_LIMIT - 1] + "\u2026"
            console.print(Text(f"  claim {claim_id}: ", style="bold").append(text, style="italic"))
        elif claim_id is None and len(by_claim) > 1:
            console.print(Text("  references and document", style="bold"))
        for finding in findings:
            console.print(_line(finding, finding.path or path, rules))
            for diff in _diffs(finding):
                console.print(diff)
    if report.suppressed:
        console.print(Text(f"  ({report.suppressed} findings hidden by the baseline)", style="dim"))


def _line(finding: Finding, path: str, rules: Mapping[str, Rule]) -> Any:
    from rich.text import Text

    rule = rules.get(finding.rule)
    severity = finding.severity or (rule.severity if rule else "info")
    name = rule.name if rule else ""
    line = Text("    ")
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
    from rich.text import Text

    from citeaudit.worddiff import segments

    lines = []
    for field, ours, theirs, name in field_pairs(finding):
        line = Text(f"        {clean(field)}: ")
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
    return f"{n} {word}" + ("" if n == 1 else "s")


def _summary(console: Any, totals: Totals) -> None:
    from rich.text import Text

    s = totals.summary()
    plural = _plural
    text = Text(f"{plural(s['documents'], 'document')}, {plural(s['claims'], 'claim')}, "
                f"{plural(s['references'], 'reference')}: ")
    text.append(plural(s["errors"], "error"), style=STYLES["error"] if s["errors"] else "")
    text.append(", ")
    text.append(plural(s["warnings"], "warning"), style=STYLES["warning"] if s["warnings"] else "")
    text.append(f", {plural(s['infos'], 'info')}")
    if totals.unchecked_claims:
        text.append(f"; {plural(totals.unchecked_claims, 'claim')} not checked against the cited work "
                    "(reasons: --format json)")
    console.print(text)


@hookimpl(trylast=True)
def citeaudit_register_reporters(register: Callable[[Reporter], None]) -> None:
    register(Reporter("text", stream=TextStream,
                      description="findings grouped by document and claim, path:line:col"))
