"""Registry outages of a run: which registries failed, and how many references that left unverified.

A registry that could not be reached, or kept failing, during an online run
must not pass as a clean build: the run gets one CA309 finding per such
registry (on the first document it left unverified) and the CLI one line on
stderr, instead of a quiet CA308 per reference. `--offline` is the explicit
way to accept unverified references, so an offline run has no outages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
    first: int = 0
    """Index of the first of those documents: the one that carries the CA309 finding."""

    @property
    def title(self) -> str:
        return NAMES.get(self.registry, self.registry)

    def message(self) -> str:
        """One sentence for the CA309 finding and the stderr line."""
        what = f"{self.references} reference{'s' if self.references != 1 else ''}"
        where = f" in {self.documents} documents" if self.documents > 1 else ""
        return (f"{self.title} could not be reached or kept failing ({', '.join(self.reasons)}): "
                f"{what}{where} not verified against it; --offline accepts unverified references")


def find_outages(reports: Sequence[DocumentReport], options: Any) -> list[Outage]:
    """The registries that left references unverified in an online run, in name order."""
    if getattr(options, "offline", False):
        return []
    lost: dict[str, dict[str, int]] = {}
    affected: dict[str, list[int]] = {}
    for index, report in enumerate(reports):
        records = report.records
        if records is None:
            continue
        failed: dict[str, dict[str, str]] = {}
        outcomes = [*records.outcomes.values(), *records.unsearched.values()]
        for outcome in outcomes:
            if isinstance(outcome, Unavailable) and outcome.reason != "offline":
                failed.setdefault(outcome.source, {})[outcome.identifier.lower()] = outcome.reason
        for registry, identifiers in failed.items():
            for resolution in report.resolutions.values():
                ids = [i.lower() for i in (resolution.doi, resolution.pmid, resolution.pmcid) if i]
                reasons = [identifiers[i] for i in ids if i in identifiers]
                if reasons:
                    counts = lost.setdefault(registry, {})
                    counts[reasons[0]] = counts.get(reasons[0], 0) + 1
                    documents = affected.setdefault(registry, [])
                    if not documents or documents[-1] != index:
                        documents.append(index)
    return [Outage(registry, tuple(sorted(counts, key=lambda r: -counts[r])), sum(counts.values()),
                   len(affected[registry]), affected[registry][0])
            for registry, counts in sorted(lost.items())]


def outage_finding(outage: Outage) -> Finding:
    """The CA309 finding of one outage."""
    return Finding(rule="CA309", message=outage.message(),
                   evidence={"registry": outage.registry, "reasons": list(outage.reasons),
                             "references": outage.references, "documents": outage.documents})
