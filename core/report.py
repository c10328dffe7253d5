"""The result of a run, as reporters receive it, and its JSON form.

`to_json` is the one definition of the "citeaudit-report/1" schema of
INTERFACE.md; the json reporter prints it and other reporters (html, sarif)
may build on it so every format tells the same story.

Reports are built from a stream: a `ReportStream` sees one `DocumentReport`
at a time and the running `Totals`, so a folder of ten thousand articles is
written as it is checked and never held whole. A reporter that needs the
whole run at once (the HTML page, the commented Word copy) gives `render`
instead, and gets a `RunReport`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from citeaudit import __version__
from citeaudit.model import SEVERITIES, Document, Finding, Library, RecordSet, Resolution, Unchecked
from citeaudit.rules import Rule
from citeaudit.runinfo import RegistryTally, RunInfo

SCHEMA = "citeaudit-report/1"


@dataclass(frozen=True, slots=True)
class DocumentReport:
    """One document's findings and what they were based on."""

    document: Document
    """The document as read."""
    findings: tuple[Finding, ...]
    """Findings after selection, severity and baseline, in document order."""
    resolutions: Mapping[int | str, Resolution] = field(default_factory=dict)
    """Reference number (or library key) -> Resolution."""
    records: RecordSet | None = None
    """Registry outcomes, when fetched."""
    library: Library | None = None
    """The library the document was checked against."""
    suppressed: int = 0
    """Findings hidden by the baseline."""
    unchecked: tuple[Unchecked, ...] = ()
    """Claims' citations some check could not verify, with the reason."""


@dataclass(frozen=True, slots=True)
class RunReport:
    """Everything one invocation found."""

    documents: tuple[DocumentReport, ...]
    """One entry per document, in the order given."""
    options: Any = None
    """The run's `citeaudit.config.Options`."""
    rules: Mapping[str, Rule] = field(default_factory=dict)
    """The run's rule catalogue (`Host.rules()`): names, default severities, help."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Source of data -> how reports name it (`crossref` -> `Crossref`): the registries'
    labels and the searches' (citeaudit.pipeline.source_labels)."""
    outages: tuple[Any, ...] = ()
    """`citeaudit.bib.outage.Outage`s: registries that left references unverified."""
    started: float = field(default_factory=time.time)
    """Unix time the run began; reports give it as their date (citeaudit.runinfo)."""

    def findings(self) -> list[tuple[DocumentReport, Finding]]:
        """Every finding with its document, in order."""
        return [(doc, f) for doc in self.documents for f in doc.findings]

    def summary(self) -> dict[str, int]:
        """The `summary` object of the JSON report."""
        return Totals.of(self.documents).summary()

    def empty_totals(self) -> Totals:
        """Totals to stream this run into: its options, start time and rules, no counts yet."""
        return Totals(options=self.options, rules=self.rules, started=self.started, labels=self.labels)

    def totals(self) -> Totals:
        """Everything the run adds up to, as a stream of it would have counted."""
        return Totals.of(self.documents, self.options, self.started, self.rules, self.labels)


@dataclass(slots=True)
class StreamedRun:
    """A run whose documents are checked as they are asked for: `documents` is read once.

    What a streaming reporter gets, so that the run never holds more than the
    document being written; `materialise` makes a `RunReport` for reporters
    that need the whole run.
    """

    documents: Iterable[DocumentReport]
    """The reports, each produced when the iteration reaches it."""
    options: Any = None
    """The run's options."""
    rules: Mapping[str, Rule] = field(default_factory=dict)
    """The run's rule catalogue."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Source of data -> how reports name it."""
    started: float = field(default_factory=time.time)
    """Unix time the run began."""
    outages: Sequence[Any] = ()
    """`citeaudit.bib.outage.Outage`s, filled in once `documents` has been read to the end."""

    def empty_totals(self) -> Totals:
        return Totals(options=self.options, rules=self.rules, started=self.started, labels=self.labels)

    def materialise(self) -> RunReport:
        documents = tuple(self.documents)  # first: reading them to the end fills in the outages
        return RunReport(documents, self.options, rules=self.rules, labels=self.labels, started=self.started,
                         outages=tuple(self.outages))


@dataclass(slots=True)
class Totals:
    """What a run adds up to, counted as its documents stream past.

    It is all a streamed run keeps of the documents it has written: counts,
    not the documents themselves.
    """

    documents: int = 0
    claims: int = 0
    references: int = 0
    severities: Counter = field(default_factory=Counter)
    """severity -> findings."""
    by_rule: Counter = field(default_factory=Counter)
    """rule code -> findings (for --statistics)."""
    suppressed: int = 0
    """Findings hidden by the baseline."""
    unchecked_claims: int = 0
    """Claims some check could not verify against the cited work."""
    unchecked_reasons: Counter = field(default_factory=Counter)
    """reason -> claims' citations not checked for it."""
    options: Any = None
    """The run's options (what `run_info` needs of them: --offline)."""
    rules: Mapping[str, Rule] = field(default_factory=dict)
    """The run's rule catalogue (`Host.rules()`), for the streams' rule names and help."""
    started: float = field(default_factory=time.time)
    """Unix time the run began: the date every report gives."""
    registries: RegistryTally = field(default_factory=RegistryTally)
    """How the registries fared (citeaudit.runinfo)."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Registry name -> how reports name it (`RunReport.labels`)."""

    def add(self, report: DocumentReport) -> None:
        """Count one document's report."""
        self.registries.add(report)
        self.documents += 1
        self.claims += len(report.document.claims)
        self.references += len(report.document.references)
        for finding in report.findings:
            self.severities[finding.severity] += 1
            self.by_rule[finding.rule] += 1
        self.suppressed += report.suppressed
        self.unchecked_claims += len({u.claim for u in report.unchecked})
        self.unchecked_reasons.update(u.reason for u in report.unchecked)

    @classmethod
    def of(cls, reports: Iterable[DocumentReport], options: Any = None,
           started: float | None = None, rules: Mapping[str, Rule] | None = None,
           labels: Mapping[str, str] | None = None) -> Totals:
        totals = cls(options=options, rules=rules or {}, labels=labels or {})
        if started is not None:
            totals.started = started
        for report in reports:
            totals.add(report)
        return totals

    def run_info(self) -> RunInfo:
        """Version, date and how the registries fared, for what has streamed so far."""
        return self.registries.info(self.options, self.started, self.labels)

    def summary(self) -> dict[str, int]:
        """The `summary` object of the JSON report."""
        return {
            "documents": self.documents,
            "claims": self.claims,
            "references": self.references,
            "errors": self.severities["error"],
            "warnings": self.severities["warning"],
            "infos": self.severities["info"],
        }


def min_severity(options: Any, default: str) -> str:
    """The lowest severity a report for people shows: --min-severity, else the format's default."""
    chosen = getattr(options, "min_severity", None)
    if chosen is None:
        chosen = (getattr(options, "plugin_options", None) or {}).get("min-severity")
    return chosen if chosen in SEVERITIES else default


def at_least(run: RunReport, level: str) -> tuple[RunReport, int]:
    """The run with only findings of `level` or worse, and how many were left out."""
    from dataclasses import replace

    rank = SEVERITIES.index(level)
    documents, hidden = [], 0
    for doc in run.documents:
        kept = tuple(f for f in doc.findings if SEVERITIES.index(f.severity or "info") <= rank)
        hidden += len(doc.findings) - len(kept)
        documents.append(replace(doc, findings=kept) if len(kept) != len(doc.findings) else doc)
    return (replace(run, documents=tuple(documents)) if hidden else run), hidden


class ReportStream(Protocol):
    """One run's report, written piece by piece as documents are checked.

    `start` is written first, then `document` for each document in order,
    then `finish` with the totals of everything streamed. Each returns the
    text to append (possibly empty).
    """

    def start(self, totals: Totals) -> str: ...

    def document(self, report: DocumentReport) -> str: ...

    def finish(self, totals: Totals) -> str: ...


class Stream:
    """A `ReportStream` to build on: it keeps the run's rule catalogue when the run starts,
    and writes nothing at the start or the end unless a subclass does."""

    def __init__(self, options: Any = None) -> None:
        self.options = options
        self.rules: Mapping[str, Rule] = {}

    def start(self, totals: Totals) -> str:
        self.rules = totals.rules
        return ""

    def document(self, report: DocumentReport) -> str:
        raise NotImplementedError

    def finish(self, totals: Totals) -> str:
        return ""


def stream_chunks(stream: ReportStream, reports: Iterable[DocumentReport],
                  totals: Totals) -> Iterator[str]:
    """Drive `stream` over `reports`: the report's text, one piece per document.

    `totals` is filled as the documents pass; `start` sees it empty (its
    options and start time), `finish` complete.
    """
    reports = iter(reports)
    first = next(reports, None)  # a run that fails on its first document writes nothing
    yield stream.start(totals)
    if first is not None:
        totals.add(first)
        yield stream.document(first)
    for report in reports:
        totals.add(report)
        yield stream.document(report)
    yield stream.finish(totals)


@dataclass(frozen=True, slots=True)
class Reporter:
    """An output format, as a plugin registers it: `render`, `stream`, or both."""

    name: str
    """What `--format` takes."""
    render: Callable[[RunReport], str | bytes] | None = None
    """Turn the whole run into the report's text (or bytes, for binary formats)."""
    description: str = ""
    """One line for `citeaudit plugins`."""
    binary: bool = False
    """True when `render` returns bytes; such a format needs `--output`."""
    stream: Callable[[Any], ReportStream] | None = None
    """Given the run's options, a `ReportStream` that writes the report as documents
    complete; preferred over `render` when both are given, since memory stays flat."""
    writes: str = ""
    """The file-name ending of the copies it writes beside drafts (`.citeaudit.docx`), so a
    folder search passes them over; empty when it writes nothing a reader would take."""
    progressive: bool = False
    """Written to standard output as each document completes, for a reader that follows
    it; other streams are spooled (to disk past a few MB) and printed whole at the end,
    so a run that fails half-way prints nothing."""

    def __post_init__(self) -> None:
        if self.render is None and self.stream is None:
            raise TypeError(f"reporter {self.name!r} gives neither render nor stream")
        if self.render is None:
            object.__setattr__(self, "render", _render_from(self.stream))


def render_stream(stream: ReportStream, run: RunReport) -> str:
    """The whole text `stream` writes for a run held in memory."""
    return "".join(stream_chunks(stream, run.documents, run.empty_totals()))


def _render_from(stream: Callable[[Any], ReportStream]) -> Callable[[RunReport], str]:
    """`render` for a streaming reporter: the whole stream over the run's documents."""
    def render(run: RunReport) -> str:
        return render_stream(stream(run.options), run)

    return render


def finding_json(finding: Finding, rules: Mapping[str, Rule] | None = None) -> dict[str, Any]:
    """One finding as the JSON report writes it."""
    location = finding.span.location()
    if finding.path:
        location.setdefault("file", finding.path)
    found = {
        "rule": finding.rule,
        "name": rules[finding.rule].name if rules and finding.rule in rules else finding.rule.lower(),
        "severity": finding.severity,
        "message": finding.message,
        "claim": finding.claim,
        "citation": finding.citation,
        "reference": finding.reference,
        "key": finding.key,
        "location": location,
        "evidence": finding.evidence,
    }
    if finding.fix is not None:
        found["fix"] = finding.fix.as_json()
    return found


def document_json(report: DocumentReport, rules: Mapping[str, Rule] | None = None) -> dict[str, Any]:
    """One document of the JSON report."""
    doc = report.document
    references = []
    for ref in doc.references:
        res = report.resolutions.get(ref.number if ref.number is not None else ref.id)
        references.append({
            "number": ref.number,
            "id": ref.id,
            "text": ref.text,
            "doi": (res.doi if res else None) or ref.doi,
            "pmid": (res.pmid if res else None) or ref.pmid,
            "pmcid": (res.pmcid if res else None) or ref.pmcid,
            "library_key": res.entry.key if res and res.entry else None,
            "location": ref.span.location(),
        })
    return {
        "path": str(doc.path),
        "format": doc.format,
        "style": doc.style,
        "claims": [
            {"id": c.id, "text": c.text, "citations": list(c.citations),
             "location": c.span.location()}
            for c in doc.claims
        ],
        "references": references,
        "findings": [finding_json(f, rules) for f in report.findings],
        "unchecked": [{"claim": u.claim, "citation": u.citation, "reason": u.reason}
                      for u in report.unchecked],
    }


def to_json(run: RunReport) -> dict[str, Any]:
    """The whole report as the "citeaudit-report/1" JSON object."""
    totals = run.totals()
    return {
        "schema": SCHEMA,
        "tool": {"name": "citeaudit", "version": __version__},
        "documents": [document_json(d, run.rules) for d in run.documents],
        "run": totals.run_info().as_json(),
        "summary": totals.summary(),
    }
