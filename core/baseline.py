"""Baselines: the findings a team has accepted, so CI fails only on new ones.

A finding is stored by a fingerprint that survives edits elsewhere in the
draft: its rule, the identity of the reference it concerns (DOI, PMID,
library key, or the reference text), the normalised text of the claim, and
its message with numbers masked. Line numbers, reference numbers and claim
ids are left out on purpose: inserting a paragraph or a reference shifts
them all. Equal fingerprints are counted, so a baseline holding one copy
of a problem hides one copy, and a second copy is new. Documents are named
relative to the baseline file, which works from any working folder.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from citeaudit import __version__, safejson
from citeaudit.errors import InputError
from citeaudit.inputs import read_bounded
from citeaudit.limits import MAX_BASELINE_BYTES
from citeaudit.model import Finding, Reference
from citeaudit.output import identity, refuse_inputs, write_atomic
from citeaudit.report import DocumentReport, RunReport

SCHEMA = "citeaudit-baseline/1"

_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")
# A list label the reader may have left in the entry text ("3.", "[3]", "3)").
_LABEL = re.compile(r"^\s*\[?\d+[\].)]?\s+")


def _document_key(document: str | Path, baseline: Path) -> str:
    """The document's path relative to the baseline's folder, so any working folder will do."""
    try:
        return Path(os.path.relpath(Path(document).resolve(), Path(baseline).resolve().parent)).as_posix()
    except ValueError:  # another drive, on Windows
        return Path(document).resolve().as_posix()


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def _reference_of(report: DocumentReport, finding: Finding) -> Reference | None:
    number = finding.reference if finding.reference is not None else finding.citation
    if number is not None:
        ref = report.document.reference(number)
        if ref is not None:
            return ref
    if finding.key:
        for ref in report.document.references:
            if finding.key in (ref.id, ref.key):
                return ref
    return None


def reference_identity(report: DocumentReport, finding: Finding) -> str:
    """What the finding's reference *is*, independent of its number in the list."""
    ref = _reference_of(report, finding)
    if ref is None:
        if finding.key:
            return f"key:{finding.key}"
        number = finding.reference if finding.reference is not None else finding.citation
        # A number with no entry (CA101): the number is all there is.
        return f"number:{number}" if number is not None else ""
    resolution = report.resolutions.get(ref.number if ref.number is not None else ref.id)
    doi = (resolution.doi if resolution else None) or ref.doi
    if doi:
        return f"doi:{doi.lower()}"
    pmid = (resolution.pmid if resolution else None) or ref.pmid
    if pmid:
        return f"pmid:{pmid}"
    key = (resolution.entry.key if resolution and resolution.entry else None) or ref.key
    if key:
        return f"key:{key}"
    return "text:" + _normalise(_LABEL.sub("", ref.text))


def claim_identity(report: DocumentReport, finding: Finding) -> str:
    """The normalised text of the finding's claim, or '' when it has none."""
    if finding.claim is None:
        return ""
    for claim in report.document.claims:
        if claim.id == finding.claim:
            return _normalise(claim.text)
    return ""


def fingerprint(report: DocumentReport, finding: Finding) -> str:
    """A stable hash of what the finding is about, not of where it is."""
    parts = (
        finding.rule,
        reference_identity(report, finding),
        claim_identity(report, finding),
        Path(finding.path).name if finding.path else "",
        _DIGITS.sub("#", _normalise(finding.message)),
    )
    import hashlib  # when fingerprints are wanted, not at every start-up

    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


class BaselineRecorder:
    """Every finding of a run, counted by fingerprint as its documents stream past."""

    def __init__(self, baseline: Path) -> None:
        self.baseline = Path(baseline)
        self.counts: Counter[tuple[str, str]] = Counter()
        self.examples: dict[tuple[str, str], tuple[str, str]] = {}
        """entry -> (rule, message) of its first finding."""

    def add(self, report: DocumentReport) -> None:
        path = _document_key(report.document.path, self.baseline)
        for finding in report.findings:
            entry = (path, fingerprint(report, finding))
            self.counts[entry] += 1
            self.examples.setdefault(entry, (finding.rule, finding.message))

    def write(self) -> None:
        """Store what was counted in the baseline file (atomically), sorted for readable diffs."""
        entries = [
            {"path": doc, "fingerprint": fp, "rule": self.examples[(doc, fp)][0],
             "count": self.counts[(doc, fp)], "message": self.examples[(doc, fp)][1]}
            for doc, fp in sorted(self.counts, key=lambda e: (e[0], self.examples[e][0], e[1]))
        ]
        data = {"schema": SCHEMA, "tool": {"name": "citeaudit", "version": __version__},
                "findings": entries}
        write_atomic(self.baseline, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_baseline(path: Path, run: RunReport) -> None:
    """Store every finding of `run` in `path` (atomically), sorted for readable diffs."""
    recorder = BaselineRecorder(path)
    for report in run.documents:
        recorder.add(report)
    recorder.write()


def read_baseline(path: Path) -> Counter[tuple[str, str]]:
    """(document path relative to the baseline, fingerprint) -> how many findings it accepts."""
    if not Path(path).exists():
        raise InputError(path, "no such baseline file (write one with --write-baseline)")
    raw = read_bounded(path, MAX_BASELINE_BYTES, what="the baseline")  # /dev/zero has no size
    try:
        data: Any = safejson.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(path, "the baseline is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"the baseline is not JSON: {exc.msg}", line=exc.lineno) from exc
    except ValueError as exc:  # nested too deeply, or a number of thousands of digits
        raise InputError(path, f"the baseline is not a baseline: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else None
        raise InputError(path, f"not a citeaudit baseline (schema {found!r}, expected {SCHEMA!r})")
    entries = data.get("findings") or []
    if not isinstance(entries, list):
        raise InputError(path, "the baseline's findings must be a list")
    counts: Counter[tuple[str, str]] = Counter()
    for index, entry in enumerate(entries):
        doc = entry.get("path") if isinstance(entry, dict) else None
        fp = entry.get("fingerprint") if isinstance(entry, dict) else None
        count = entry.get("count", 1) if isinstance(entry, dict) else None
        if not isinstance(doc, str) or not isinstance(fp, str) or isinstance(count, bool) \
                or not isinstance(count, int) or not 0 <= count <= 1_000_000_000:
            raise InputError(path, f"baseline entry {index + 1} lacks path, fingerprint or count "
                                   "(text, text, a whole number)")
        counts[(doc, fp)] += count
    return counts


class BaselineFilter:
    """Hides, document by document, the findings a baseline accepts."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.budget = read_baseline(path)

    def apply(self, report: DocumentReport) -> DocumentReport:
        """`report` without the accepted findings; it counts what it hid."""
        doc = _document_key(report.document.path, self.path)
        kept = []
        for finding in report.findings:
            entry = (doc, fingerprint(report, finding))
            if self.budget[entry] > 0:
                self.budget[entry] -= 1
            else:
                kept.append(finding)
        hidden = len(report.findings) - len(kept)
        return replace(report, findings=tuple(kept), suppressed=report.suppressed + hidden)


def filter_run(run: RunReport, path: Path) -> RunReport:
    """`run` without the findings the baseline at `path` accepts; each document counts what it hid."""
    accepted = BaselineFilter(path)
    return replace(run, documents=tuple(accepted.apply(report) for report in run.documents))


# -- a run's outputs never replace its inputs ------------------------------


def refuse_run_inputs(options: object, documents: Iterable[Path | str] = ()) -> None:
    """`refuse_inputs` for a run: its report and baseline outputs against all it reads."""
    get = lambda name: getattr(options, name, None)  # noqa: E731
    inputs: list[tuple[str, Path | None]] = [("a draft", Path(d)) for d in documents]
    inputs += [("a --bib library", Path(b)) for b in get("bib") or ()]
    baseline = get("baseline")
    if baseline is not None and _rewrites_baseline(Path(baseline), get("write_baseline")):
        baseline = None  # accepting the current state again, as docs/ci.md says
    inputs += [("the configuration file", get("config_path")), ("the --baseline read", baseline)]
    refuse_inputs([("--write-baseline", get("write_baseline")), ("--output", get("output"))], inputs)


def _rewrites_baseline(baseline: Path, written: Path | None) -> bool:
    """True when `--write-baseline` replaces the `--baseline` read and that file is a baseline."""
    if written is None or identity(baseline) != identity(Path(written)):
        return False
    try:
        read_baseline(baseline)
    except InputError:
        return False  # not a baseline: some other file that must not be replaced
    return True
