"""Registry outages of a run: which registries failed, and how many references that left unverified.

A registry that could not be reached, or kept failing, during an online run
must not pass as a clean build: the run gets one CA309 finding per such
registry (on the first document it left unverified: reports are written as
documents are checked, so the first is the one that can carry it) and the
CLI one line on stderr with the run's totals, instead of a quiet CA308 per
reference. `--offline` is the explicit
way to accept unverified references, so an offline run has no outages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from citeaudit.model import Finding, Unavailable

if TYPE_CHECKING:
    from citeaudit.report import DocumentReport

NAMES = {"crossref": "Crossref", "pubmed": "PubMed", "datacite": "DataCite", "doi": "doi.org", "pmc": "The PMC ID converter",
         "idconv": "the PMC ID converter"}
"""Registry names as people write them."""


@dataclass(frozen=True, slots=True)
class Outage:
    """One registry that failed during the run."""

    registry: str
    """Registry name (`crossref`, `pubmed`)."""
    reasons: tuple[str, ...]
    """Why, most frequent first (timeout, connection-error, server-error...)."""
    references: int
    """References (or library entries) of the run left unverified by it."""
    documents: int
    """Documents those references are in."""

    @property
    def title(self) -> str:
        return NAMES.get(self.registry, self.registry)

    def message(self) -> str:
        """The stderr line of the run: how many references of how many documents."""
        what = f"{self.references} reference{'s' if self.references != 1 else ''}"
        where = f" in {self.documents} documents" if self.documents > 1 else ""
        return (f"{self.title} could not be reached or kept failing ({', '.join(self.reasons)}): "
                f"{what}{where} not verified against it; --offline accepts unverified references")


def failures(report: DocumentReport) -> dict[str, dict[str, str]]:
    """registry -> {identifier (lower case): reason} of what it failed to answer for this document."""
    records = report.records
    failed: dict[str, dict[str, str]] = {}
    if records is None:
        return failed
    for outcome in [*records.outcomes.values(), *records.unsearched.values()]:
        if isinstance(outcome, Unavailable) and outcome.reason != "offline":
            failed.setdefault(outcome.source, {})[outcome.identifier.lower()] = outcome.reason
    return failed


def unverified(report: DocumentReport, identifiers: dict[str, str]) -> Counter:
    """reason -> references (or library entries) of `report` with an identifier among `identifiers`."""
    counts: Counter = Counter()
    for resolution in report.resolutions.values():
        reasons = [identifiers[i.lower()] for i in (resolution.doi, resolution.pmid, resolution.pmcid)
                   if i and i.lower() in identifiers]
        if reasons:
            counts[reasons[0]] += 1
    return counts


class OutageTracker:
    """Follows a run's documents as they stream past and marks each registry outage once.

    The first document a registry fails gets the CA309 finding (its evidence
    counts that document's references: later documents may not be checked
    yet); `outages` adds up the whole run for the stderr line, once the
    stream is done. An offline run has no outages.
    """

    def __init__(self, options: Any, finalise: Callable[[list[Finding]], tuple[Finding, ...]]) -> None:
        self.offline = bool(getattr(options, "offline", False))
        self.finalise = finalise
        self.counts: dict[str, Counter] = {}
        self.documents: Counter = Counter()
        self.outages: list[Outage] = []
        """Filled in by `finish`."""

    def add(self, report: DocumentReport) -> DocumentReport:
        """The report, with a CA309 for each registry that fails for the first time in the run."""
        if self.offline:
            return report
        new: list[Finding] = []
        for registry, identifiers in sorted(failures(report).items()):
            counts = unverified(report, identifiers)
            if not counts:
                continue
            if registry not in self.counts:
                new.append(outage_finding(registry, counts))
            self.counts.setdefault(registry, Counter()).update(counts)
            self.documents[registry] += 1
        if not new:
            return report
        return replace(report, findings=self.finalise([*report.findings, *new]))

    def finish(self) -> list[Outage]:
        """The run's outages, in name order (also kept in `outages`)."""
        self.outages[:] = [Outage(registry, tuple(r for r, _ in counts.most_common()), sum(counts.values()),
                                  self.documents[registry])
                           for registry, counts in sorted(self.counts.items())]
        return self.outages


def outage_finding(registry: str, counts: Counter) -> Finding:
    """The CA309 finding of a registry's outage, on the first document it left unverified."""
    title = NAMES.get(registry, registry)
    reasons = [r for r, _ in counts.most_common()]
    total = sum(counts.values())
    return Finding(rule="CA309", message=f"{title} could not be reached or kept failing ({', '.join(reasons)}): "
                                         f"{total} reference{'s' if total != 1 else ''} of this document (and "
                                         "any later one it fails) not verified; --offline accepts unverified "
                                         "references",
                   evidence={"registry": registry, "reasons": reasons, "references": total})
