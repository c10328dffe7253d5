"""The result of a run, as reporters receive it, and its JSON form.

`to_json` is the one definition of the "citeaudit-report/1" schema of
INTERFACE.md; the json reporter prints it and other reporters (html, sarif)
may build on it so every format tells the same story.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from citeaudit import __version__
from citeaudit.model import Document, Finding, Library, RecordSet, Resolution, Unchecked
from citeaudit.rules import Rule

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
    outages: tuple[Any, ...] = ()
    """`citeaudit.bib.outage.Outage`s: registries that left references unverified."""
    started: float = field(default_factory=time.time)
    """Unix time the run began; reports give it as their date (citeaudit.runinfo)."""

    def rule_name(self, code: str) -> str:
        """The rule's name, or the code in lower case when the catalogue lacks it."""
        rule = self.rules.get(code)
        return rule.name if rule else code.lower()

    def findings(self) -> list[tuple[DocumentReport, Finding]]:
        """Every finding with its document, in order."""
        return [(doc, f) for doc in self.documents for f in doc.findings]

    def summary(self) -> dict[str, int]:
        """The `summary` object of the JSON report."""
        counts = Counter(f.severity for _, f in self.findings())
        return {
            "documents": len(self.documents),
            "claims": sum(len(d.document.claims) for d in self.documents),
            "references": sum(len(d.document.references) for d in self.documents),
            "errors": counts["error"],
            "warnings": counts["warning"],
            "infos": counts["info"],
        }


@dataclass(frozen=True, slots=True)
class Reporter:
    """An output format, as a plugin registers it."""

    name: str
    """What `--format` takes."""
    render: Callable[[RunReport], str | bytes]
    """Turn the run into the report's text (or bytes, for binary formats)."""
    description: str = ""
    """One line for `citeaudit plugins`."""
    binary: bool = False
    """True when `render` returns bytes; such a format needs `--output`."""


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
    from citeaudit.runinfo import run_info

    return {
        "schema": SCHEMA,
        "tool": {"name": "citeaudit", "version": __version__},
        "run": run_info(run).as_json(),
        "documents": [document_json(d, run.rules) for d in run.documents],
        "summary": run.summary(),
    }
