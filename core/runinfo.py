"""What every report says about its own run: citeaudit's version, the date, the registries.

A report read a week later, or attached to a manuscript, must say when it
was made and whether its registry checks rest on live answers, the cache
or nothing at all: "no retraction found" means little from an offline
run. Every reporter takes these facts from here, so all formats say the
same thing in the same words.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from citeaudit import __version__
from citeaudit.model import Missing, Record, Unavailable


@dataclass(frozen=True, slots=True)
class RegistryState:
    """How one registry fared in a run."""

    name: str
    """Registry name as the cache stores it (crossref, pubmed)."""
    answered: int
    """Identifiers it gave a record or a definite "does not exist" for (live or cached)."""
    unavailable: dict[str, int]
    """Reason -> identifiers it could not give (offline, timeout, ...)."""
    label: str = ""
    """How reports name it (the registry's own `label`: `Crossref`, `the DOI system`); its name
    when it gives none."""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.name)

    def state(self) -> str:
        """answered, partly answered, unavailable."""
        if not self.unavailable:
            return "answered"
        return "partly answered" if self.answered else "unavailable"

    def as_json(self) -> dict[str, Any]:
        return {"state": self.state(), "answered": self.answered, "unavailable": dict(self.unavailable)}


@dataclass(frozen=True, slots=True)
class RunInfo:
    """The facts a report states about its run."""

    version: str
    """citeaudit's version."""
    date: str
    """When the run started, ISO 8601 in UTC to the second."""
    offline: bool
    """--offline: registry data came from the cache only."""
    consulted: bool
    """Whether registry records were looked up at all (not with --select CA1, say)."""
    registries: tuple[RegistryState, ...]
    """Each registry asked, in name order."""
    requests: int
    """HTTP requests made to registries (0: everything came from the cache)."""

    def registries_sentence(self) -> str:
        """ "Crossref and PubMed answered (4 requests)", "offline: ...", "registries not consulted"."""
        if not self.consulted:
            return "registries not consulted"
        if not self.registries:
            return ("offline: no reference needed a registry" if self.offline
                    else "no reference needed a registry")
        if self.offline:
            parts = []
            for r in self.registries:
                missing = sum(r.unavailable.values())
                parts.append(f"{r.label} {r.answered} record{'s' if r.answered != 1 else ''}"
                             + (f", {missing} not in the cache" if missing else ""))
            return "offline: registry data from the cache only (" + "; ".join(parts) + ")"
        answered = [r.label for r in self.registries if r.state() == "answered"]
        listed = ", ".join(answered[:-1]) + " and " + answered[-1] if len(answered) > 1 else "".join(answered)
        parts = [listed + " answered"] if answered else []
        for r in self.registries:
            if r.state() != "answered":
                reasons = ", ".join(f"{why} ×{n}" if n > 1 else why for why, n in sorted(r.unavailable.items()))
                parts.append(f"{r.label} {r.state()} ({reasons})")
        how = f"{self.requests} request{'s' if self.requests != 1 else ''}" if self.requests else "all from the cache"
        return "; ".join(parts) + f" ({how})"

    def sentence(self) -> str:
        """One line for people: version, date, registries."""
        return f"citeaudit {self.version}, {self.date.replace('T', ' ').replace('Z', ' UTC')}; {self.registries_sentence()}"

    def as_json(self) -> dict[str, Any]:
        """The `run` object of the JSON report."""
        return {
            "date": self.date,
            "offline": self.offline,
            "registries": {r.name: r.as_json() for r in self.registries} if self.consulted else None,
            "requests": self.requests,
            "summary": self.sentence(),
        }


def timestamp(epoch: float | None = None) -> str:
    """ISO 8601 UTC to the second; SOURCE_DATE_EPOCH, when set, fixes it for reproducible reports."""
    fixed = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if fixed.isdigit():
        epoch = float(fixed)
    moment = datetime.fromtimestamp(time.time() if epoch is None else epoch, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class RegistryTally:
    """How the registries fared, counted document by document as a run streams past."""

    def __init__(self) -> None:
        self.answered: Counter[str] = Counter()
        self.unavailable: dict[str, Counter[str]] = {}
        self.consulted = False
        self.requests = 0

    def add(self, report: Any) -> None:
        """Count one `DocumentReport`'s registry outcomes."""
        records = report.records
        if records is None:
            return
        self.consulted = True
        self.requests += records.requests
        for (source, _identifier), outcome in records.outcomes.items():
            if isinstance(outcome, (Record, Missing)):
                self.answered[source] += 1
            elif isinstance(outcome, Unavailable):
                self.unavailable.setdefault(source, Counter())[outcome.reason] += 1

    def info(self, options: Any, started: float | None, labels: Mapping[str, str] | None = None) -> RunInfo:
        """The facts of the run counted so far; `labels` name the registries (`RunReport.labels`)."""
        names = sorted(set(self.answered) | set(self.unavailable))
        states = tuple(RegistryState(n, self.answered[n], dict(self.unavailable.get(n, {})), (labels or {}).get(n, ""))
                       for n in names)
        return RunInfo(version=__version__, date=timestamp(started),
                       offline=bool(getattr(options, "offline", False)), consulted=self.consulted,
                       registries=states, requests=self.requests)


def run_info(run: Any) -> RunInfo:
    """The facts of a `RunReport`."""
    tally = RegistryTally()
    for report in run.documents:
        tally.add(report)
    return tally.info(run.options, getattr(run, "started", None), getattr(run, "labels", None))
