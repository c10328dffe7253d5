"""The data flow of docs/architecture.md, one call per arrow.

    path ─read─▶ Document ─resolve─▶ Resolutions ─fetch─▶ RecordSet ─checks─▶ Findings ─▶ report

`check_paths` runs it for drafts, `audit_library` for a BibTeX library on
its own. Both return a `RunReport`; the CLI renders it and decides the
exit code. Nothing here knows a file format, a rule or an output format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from citeaudit.checks import Check, CheckContext
from citeaudit.config import Options
from citeaudit.errors import InputError, PluginError, UnrecognisedFile
from citeaudit.manager import Host
from citeaudit.model import Document, Finding, Library, RecordSet, Resolution
from citeaudit.progress import progress
from citeaudit.report import DocumentReport, RunReport, StreamedRun
from citeaudit.rules import Rule, selected, severity_of


def enabled_checks(host: Host, options: Options) -> list[Check]:
    """Checks with at least one rule left after --select and --ignore."""
    return [check for check in host.checks() if any(rule_enabled(code, options) for code in check.codes)]


def rule_enabled(code: str, options: Options) -> bool:
    """Whether findings of `code` are reported (the more specific of --select/--ignore wins)."""
    return selected(code, options.select, options.ignore)


def discover(paths: Iterable[Path], suffixes: set[str], outputs: Iterable[str] = ()) -> list[Path]:
    """Files to check: each file given, and every readable draft below each folder.

    A folder search passes over hidden files and the copies reporters write
    beside drafts (`outputs`: file-name endings, see `Reporter.writes`).
    """
    outputs = tuple(outputs)
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in suffixes
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and not (outputs and p.name.endswith(outputs))
            ))
        elif path.exists():
            found.append(path)
        else:
            raise InputError(path, "no such file or folder")
    return found


def load_library(options: Options, *, cached: bool = True) -> Library | None:
    """The BibTeX library of `--bib`, or None when none was given.

    `cached`: read and keep the parsed copy in the cache folder (bib/libcache.py);
    a cluster's workers parse it, their file system is not the client's.
    """
    if not options.bib:
        return None
    from citeaudit.bib.cache import default_dir
    from citeaudit.bib.libcache import load_library as load

    return load(options.bib, (options.cache_dir or default_dir()) if cached else None)


def fetch_records(resolutions: Iterable[Resolution], options: Options, host: Host,
                  extra: Iterable[Resolution] = ()) -> RecordSet:
    """Registry outcomes for every identifier of the resolutions (batched, cached)."""
    from citeaudit.bib.metadata import fetch_records as fetch

    return fetch([*resolutions, *extra], options=options, registries=host.registries())


def run_checks(checks: Sequence[Check], context: CheckContext, host: Host) -> list[Finding]:
    """Every enabled check over one context; a check that raises is named in the error."""
    findings: list[Finding] = []
    owners = {c.name: c.plugin for c in host.components("check")}
    rules = host.rules()
    for check in checks:
        try:
            found = list(check.run(context))
        except Exception as exc:
            raise PluginError(owners.get(check.name, check.name),
                              f"check {check.name!r} failed on {context.document.path}: "
                              f"{type(exc).__name__}: {exc}") from exc
        _known_codes(found, rules, owners.get(check.name, check.name), f"check {check.name!r}")
        findings.extend(found)
    return findings


def _known_codes(findings: Iterable[Finding], rules: Mapping[str, Rule], plugin: str, who: str) -> None:
    """A finding whose code no check declares is the emitting plugin's error."""
    for finding in findings:
        if finding.rule not in rules:
            raise PluginError(plugin, f"{who} reported rule {finding.rule!r}, which no check declares "
                                      "(declare it with Check(rules=(Rule(...),)))")


def finalise(findings: Iterable[Finding], options: Options,
             rules: Mapping[str, Rule] | None = None) -> tuple[Finding, ...]:
    """Drop deselected rules and repeats, set severities, sort in document order."""
    kept: dict[tuple, Finding] = {}
    for finding in findings:
        if not rule_enabled(finding.rule, options):
            continue
        # A check may raise a finding above its rule's default (CA304 when the
        # title does not match at all); a user's per-rule override always wins.
        severity = options.severity.get(finding.rule) or finding.severity or \
            severity_of(finding.rule, rules or {}, options.severity)
        finding = replace(finding, severity=severity)
        identity = (finding.rule, finding.span, finding.claim, finding.citation, finding.reference,
                    finding.key, finding.path, finding.message)
        kept.setdefault(identity, finding)
    return tuple(sorted(kept.values(), key=_order))


def _order(f: Finding) -> tuple:
    s = f.span
    return (f.path or "", s.part or "", s.line if s.line is not None else (s.paragraph or 0),
            s.column if s.column is not None else (s.offset or 0), f.rule, f.reference or 0)


def check_document(path: Path, options: Options, host: Host, library: Library | None,
                   checks: Sequence[Check] | None = None, *, optional: bool = False,
                   ) -> tuple[DocumentReport, ...]:
    """Read one file and run every enabled check on each document in it (one, or one per
    article of a JATS article set).

    `optional` files were found in a folder rather than named: one that no
    reader recognises (a `pom.xml` beside the drafts) is passed over (no report).
    """
    checks = enabled_checks(host, options) if checks is None else checks
    return tuple(_run(read.document, options, host, read.library, read.resolutions, checks)
                 for read in read_resolved(path, options, host, library, optional=optional))


@dataclass(frozen=True, slots=True)
class Resolved:
    """One document as read, with its library and its references resolved: ready to fetch for."""

    document: Document
    library: Library | None
    """The run's library, or the one the draft names in its front matter."""
    resolutions: dict
    """Reference number (or key) -> Resolution."""


def read_resolved(path: Path, options: Options, host: Host, library: Library | None, *,
                  optional: bool = False) -> tuple[Resolved, ...]:
    """The first phase of a check: read the file and resolve each document's references."""
    from citeaudit.bib.match import resolve

    try:
        documents = host.read_documents(path, options)
    except UnrecognisedFile:
        if optional:
            return ()
        raise
    resolved = []
    for document in documents:
        own = library if library is not None else _front_matter_library(document)
        resolved.append(Resolved(document, own, resolve(document, own)))
    return tuple(resolved)


def registry_phase(wanted: list[Resolution] | None, works: Mapping, searching: bool, options: Options,
                   host: Host) -> tuple[dict[str, str], dict, RecordSet | None]:
    """Every registry request of one document: shortDOIs expanded, references without an
    identifier searched (`works`, when registry checks run), records fetched.

    Returns (shortDOI -> DOI, lookups, records). The process that owns the cache runs it, a
    cluster's client too, document by document, so every executor makes the same requests.
    """
    if wanted is None:
        return {}, {}, None
    from citeaudit.bib.lookup import replaced_pmids, search
    from citeaudit.bib.shortdoi import expand, with_expanded

    expanded: dict[str, str] = {}
    if searching:
        expanded = expand((r.doi for r in wanted if r.doi), options)
        wanted = list(with_expanded(dict(enumerate(wanted)), expanded).values())
    lookups = search(works, options, host.registries()) if works else {}
    found = [Resolution(None, None, doi=lk.doi, pmid=lk.pmid) for lk in lookups.values() if lk.status == "found"]
    records = fetch_records([*wanted, *found], options, host)
    replaced = replaced_pmids(works, records, options, host.registries()) if works else {}
    return expanded, lookups, replace(records, replaced_pmids=replaced) if replaced else records


def searches_registries(checks: Sequence[Check]) -> bool:
    """Whether a registry check runs: then shortDOIs are expanded and references without one searched."""
    return any("records" in c.needs for c in checks)


def _front_matter_library(document: Document) -> Library | None:
    """The library a draft names itself (pandoc's `bibliography:`), used when --bib is not given."""
    named = document.extras.get("bibliography")
    if not named:
        return None
    from citeaudit.bib.bibtex import load_library as load

    return load(tuple(Path(p) for p in named))


def _run(document: Document, options: Options, host: Host, library: Library | None,
         resolutions: dict, checks: Sequence[Check]) -> DocumentReport:
    from citeaudit.bib.lookup import apply_lookups, to_search
    from citeaudit.bib.shortdoi import with_expanded

    searching = searches_registries(checks)
    works = to_search(document, resolutions) if searching else {}
    expanded, lookups, records = registry_phase(wanted_records(checks, library, resolutions), works,
                                                searching, options, host)
    resolutions = apply_lookups(with_expanded(resolutions, expanded), lookups)
    return finish_document(document, options, host, library, resolutions, checks, records, lookups)


def wanted_records(checks: Sequence[Check], library: Library | None,
                   resolutions: Mapping) -> list[Resolution] | None:
    """The second phase: what to fetch from the registries (None when no check needs records)."""
    needs = set().union(*(c.needs for c in checks)) if checks else set()
    if not needs & {"records", "library-records"}:
        return None
    extra: list[Resolution] = []
    if "library-records" in needs and library is not None:
        extra = [Resolution(reference=None, entry=e, method="key", doi=e.work.doi,
                            pmid=e.work.pmid, pmcid=e.work.pmcid) for e in library.entries]
    return [*resolutions.values(), *extra]


def finish_document(document: Document, options: Options, host: Host, library: Library | None,
                    resolutions: dict, checks: Sequence[Check], records: RecordSet | None,
                    lookups: dict | None = None) -> DocumentReport:
    """The last phase: every enabled check over the document and its records (no I/O).

    `lookups` are what the registry search found for references with no
    identifier (citeaudit.bib.lookup); `resolutions` already carry them.
    """
    if records is not None and lookups:
        records = replace(records, lookups=lookups)
    context = CheckContext(document=document, options=options, library=library,
                           resolutions=resolutions, records=records)
    _known_codes(document.diagnostics, host.rules(), host.reader_of(document.path), "its reader")
    findings = finalise([*document.diagnostics, *run_checks(checks, context, host)], options, host.rules())
    findings = _suppress(findings, document, library, records, options, host, checks)
    unchecked = {(u.claim, u.citation, u.reason): u for check in checks if check.unchecked
                 for u in check.unchecked(context)}
    return DocumentReport(document=document, findings=findings, resolutions=resolutions,
                          records=records, library=library,
                          unchecked=tuple(sorted(unchecked.values(), key=lambda u: (u.claim, u.citation))))


def _suppress(findings: tuple[Finding, ...], document: Document, library: Library | None,
              records: RecordSet | None, options: Options, host: Host, checks: Sequence[Check]) -> tuple[Finding, ...]:
    """The findings inline suppressions leave, and one more for each suppression that hid
    nothing, worded by the checks that report them (`Check.stale`: CA107)."""
    from citeaudit import suppression

    kept, stale = suppression.apply(
        findings, document, library, complete=records is None or suppression.records_complete(records),
        enabled=lambda code: rule_enabled(code, options) and any(r.startswith(code) for r in host.rules()),
        needs_records=[code for check in host.checks() if "records" in check.needs for code in check.codes],
        own_library=document.format == "bibtex")
    unused = [check.stale(s) for check in checks if check.stale is not None for s in stale]
    if not unused and len(kept) == len(findings):
        return findings
    return finalise([*kept, *unused], options, host.rules())


ParallelCheck = Callable[[list[Path], Options, frozenset[Path], Host], Iterable[DocumentReport]]
"""Checks files in worker processes (`citeaudit.parallel.check_in_parallel`), in order."""


def check_paths(paths: Sequence[Path], options: Options, host: Host,
                parallel: ParallelCheck | None = None) -> RunReport:
    """Check every draft named or found below the folders named, and hold every report."""
    return stream_paths(paths, options, host, parallel).materialise()


def stream_paths(paths: Sequence[Path], options: Options, host: Host,
                 parallel: ParallelCheck | None = None) -> StreamedRun:
    """Every draft named or found below the folders named, each checked when it is asked for.

    Finding the files happens now (a missing path fails at once); reading and
    checking happen as the run's documents are iterated, one at a time, or
    `--jobs` at a time a few files ahead. With `parallel` and `--jobs` over 1,
    several files are checked in worker processes; the run context
    (citeaudit.run) passes it, so this module never imports the one that imports it.
    """
    files = discover(paths, host.suffixes(), host.own_outputs())
    named = {p for p in paths if not p.is_dir()}
    optional = frozenset(f for f in files if f not in named)

    from citeaudit.bib.breaker import registry_run
    from citeaudit.bib.outage import OutageTracker

    tracker = OutageTracker(options, lambda findings: finalise(findings, options, host.rules()))

    def reports() -> Iterator[DocumentReport]:
        in_workers = parallel is not None and (len(files) > 1 or options.executor == "dask")
        count = 0
        # One registry budget and circuit breaker for the whole run, shared by every worker.
        with registry_run(options.timeout, shared=in_workers), \
                progress(options, "checking drafts", len(files)) as advance:
            if in_workers:
                found: Iterable[DocumentReport] = parallel(files, options, optional, host)
            else:
                library = load_library(options)
                checks = enabled_checks(host, options)
                found = (report for f in files
                         for report in check_document(f, options, host, library, checks, optional=f in optional))
            for report in found:
                count += 1
                advance(1)
                yield tracker.add(report)
        tracker.finish()
        if not count:
            raise InputError(", ".join(map(str, paths)), "no drafts found (readers take: "
                             + ", ".join(sorted(host.suffixes())) + ")")

    return apply_baseline(StreamedRun(reports(), options, rules=host.rules(), labels=source_labels(host),
                                      outages=tracker.outages), options)


def audit_library(paths: Sequence[Path], options: Options, host: Host) -> RunReport:
    """Audit BibTeX files on their own: the library as a document of references."""
    from citeaudit.bib.audit import library_document

    options = replace(options, bib=tuple(paths))
    library = load_library(options)
    assert library is not None
    document, resolutions = library_document(library)
    checks = [c for c in enabled_checks(host, options)
              if "library" in c.needs or "records" in c.needs or c.stale is not None]
    from citeaudit.bib.breaker import registry_run
    from citeaudit.bib.outage import OutageTracker

    tracker = OutageTracker(options, lambda findings: finalise(findings, options, host.rules()))
    with registry_run(options.timeout):
        report = tracker.add(_run(document, options, host, library, resolutions, checks))
    return apply_baseline(RunReport(documents=(report,), options=options, rules=host.rules(),
                                    labels=source_labels(host), outages=tuple(tracker.finish())), options)


def source_labels(host: Host) -> dict[str, str]:
    """How reports name each source of data: the registries by their `label`, the searches
    for references without identifiers by theirs (citeaudit.bib.lookup.LABELS)."""
    from citeaudit.bib.lookup import LABELS

    return {**LABELS, **host.labels()}


RunT = TypeVar("RunT", RunReport, StreamedRun)


def apply_baseline(run: RunT, options: Options) -> RunT:
    """Hide findings present in `--baseline`; write `--write-baseline` once the run is done.

    Works document by document, so a streamed run stays streamed.
    """
    if not options.write_baseline and not options.baseline:
        return run
    from citeaudit.baseline import BaselineFilter, BaselineRecorder, refuse_run_inputs

    recorder = BaselineRecorder(options.write_baseline) if options.write_baseline else None
    accepted = BaselineFilter(options.baseline) if options.baseline else None

    def documents(reports: Iterable[DocumentReport]) -> Iterator[DocumentReport]:
        sources: list[Path] = []
        for report in reports:
            if recorder is not None:
                sources += document_sources(report)
                recorder.add(report)
            yield accepted.apply(report) if accepted is not None else report
        if recorder is not None:
            refuse_run_inputs(options, sources)
            recorder.write()

    if isinstance(run, RunReport):
        return replace(run, documents=tuple(documents(run.documents)))
    return replace(run, documents=documents(run.documents))


def document_sources(report: DocumentReport) -> list[Path]:
    """The files a document was read from: its path, and each file a reader names in an
    extras entry `{"path": ...}` (a Word draft's package)."""
    paths = [Path(report.document.path)]
    for value in report.document.extras.values():
        if isinstance(value, dict) and isinstance(value.get("path"), str) and value["path"]:
            paths.append(Path(value["path"]))
    return paths


def run_sources(run: RunReport) -> list[Path]:
    """Every file the run's documents were read from (a Word draft's package too)."""
    return [path for report in run.documents for path in document_sources(report)]
