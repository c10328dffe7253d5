"""Reporters `sarif`, `junit` and `github`: the formats CI systems already read.

SARIF 2.1.0 feeds GitHub code scanning and other dashboards, JUnit XML the
test-result views of GitLab, Jenkins and Azure, and GitHub workflow
commands annotate a pull request directly from the job log.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from citeaudit import __version__, hookimpl
from citeaudit.baseline import fingerprint
from citeaudit.model import Claim, Finding, Reference, Span
from citeaudit.report import DocumentReport, Reporter, RunReport, Stream, Totals, render_stream
from citeaudit.rules import Rule
from citeaudit.runinfo import RunInfo

if TYPE_CHECKING:  # imported when a JUnit report is written: a check that writes none skips it
    import xml.etree.ElementTree as ET

INFORMATION_URI = "https://pypi.org/project/citeaudit/"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_NAME = "citeaudit/v1"
SRCROOT = "%SRCROOT%"

LEVELS = {"error": "error", "warning": "warning", "info": "note"}
COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}

def portable_path(path: str | Path) -> str:
    """`path` relative to the working folder when it is below it, with forward slashes."""
    path = Path(path)
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return path.as_posix()


# -- SARIF -------------------------------------------------------------------


def _sarif_rules(catalogue: Mapping[str, Rule]) -> list[dict[str, Any]]:
    """The run's rules, with the help their checks declare."""
    return [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": f"{rule.code} {rule.name}"},
            "fullDescription": {"text": rule.summary[0].upper() + rule.summary[1:] + "."},
            "help": {"text": rule.help or rule.summary,
                     "markdown": f"**{rule.code} {rule.name}**: {rule.summary}.\n\n{rule.help}".rstrip()},
            "defaultConfiguration": {"level": LEVELS[rule.severity]},
            "properties": {"tags": [rule.family]},
        }
        for rule in catalogue.values()
    ]


def _artifact(path: str | Path) -> dict[str, Any]:
    shown = portable_path(path)
    if Path(shown).is_absolute():
        return {"uri": Path(shown).as_uri()}
    # surrogateescape: a file name that is not UTF-8 keeps its own bytes, percent-encoded
    return {"uri": quote(shown, safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}


def _sarif_location(report: DocumentReport, finding: Finding) -> dict[str, Any]:
    span = finding.span
    physical: dict[str, Any] = {"artifactLocation": _artifact(finding.path or report.document.path)}
    region: dict[str, Any] = {}
    if span.line is not None:
        region["startLine"] = max(span.line, 1)
        if span.column is not None:
            region["startColumn"] = max(span.column, 1)
    if region:
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    logical = _logical_location(span)
    if logical:
        location["logicalLocations"] = [logical]
    return location


def _logical_location(span: Span) -> dict[str, Any] | None:
    """Docx paragraphs and JATS elements have no lines worth the name: name the element."""
    if span.paragraph is not None:
        part = span.part or "document"
        where = f"{part}/paragraph[{span.paragraph + 1}]"
        if span.offset is not None:
            where += f"/offset[{span.offset}]"
        return {"name": f"paragraph {span.paragraph + 1}", "fullyQualifiedName": where,
                "kind": "element"}
    if span.xpath:
        return {"fullyQualifiedName": span.xpath, "kind": "element"}
    return None


def _sarif_result(report: DocumentReport, finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    severity = finding.severity or "warning"
    properties = {name: value for name, value in (
        ("severity", severity), ("claim", finding.claim), ("citation", finding.citation),
        ("reference", finding.reference), ("key", finding.key),
    ) if value is not None}
    if finding.evidence:
        properties["evidence"] = finding.evidence
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        **({"ruleIndex": index[finding.rule]} if finding.rule in index else {}),
        "level": LEVELS[severity],
        "message": {"text": finding.message},
        "locations": [_sarif_location(report, finding)],
        "partialFingerprints": {FINGERPRINT_NAME: fingerprint(report, finding)},
        "properties": properties,
    }
    if finding.fix is not None:
        properties["fix"] = finding.fix.as_json()
        fix = sarif_fix(report, finding)
        if fix is not None:
            result["fixes"] = [fix]
    return result


def sarif_fix(report: DocumentReport, finding: Finding) -> dict[str, Any] | None:
    """A SARIF `fix` replacing the old value where it is written, or adding the missing one.

    SARIF needs the exact region to replace, so the old value is looked for
    in the source text from the finding's line on (a BibTeX field sits a few
    lines below its entry's `@`); when it cannot be found, the fix stays in
    the result's properties only, never as a region that would damage the file.
    """
    fix, span = finding.fix, finding.span
    path = Path((fix.target if fix is not None else None) or finding.path or report.document.path)
    if fix is None or fix.new is None or (span.line is None and not fix.target) \
            or path.suffix.lower() == ".docx":
        return None
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    if fix.target:  # a whole entry for the library: appended after its last line, the draft untouched
        end = (len(lines), len(lines[-1]) + 1) if lines else (1, 1)
        region = {"startLine": end[0], "startColumn": end[1], "endLine": end[0], "endColumn": end[1]}
        return _sarif_change(fix, path, region, ("\n\n" if lines else "") + fix.new.rstrip("\n"))
    start = span.line - 1
    if start >= len(lines):
        return None
    bibtex = path.suffix.lower() in (".bib", ".bibtex")
    if fix.old is None:
        text = lines[start]
        if bibtex and "," in text:
            column, inserted = text.index(",") + 2, f"\n  {fix.field} = {{{fix.new}}},"
        else:
            column, inserted = len(text) + 1, f" {fix.suggestion()}"
        region = {"startLine": start + 1, "startColumn": column, "endLine": start + 1, "endColumn": column}
    else:
        for number in range(start, min(len(lines), start + 60)):
            column = lines[number].find(fix.old)
            if column >= 0:
                break
            if number > start and bibtex and lines[number].lstrip().startswith("@"):
                return None
        else:
            return None
        region = {"startLine": number + 1, "startColumn": column + 1, "endLine": number + 1,
                  "endColumn": column + 1 + len(fix.old)}
        inserted = fix.new
    return _sarif_change(fix, path, region, inserted)


def _sarif_change(fix: Any, path: Path, region: dict[str, int], inserted: str) -> dict[str, Any]:
    return {"description": {"text": f"{fix.sentence()[0].upper()}{fix.sentence()[1:]} (from {fix.source})"},
            "artifactChanges": [{"artifactLocation": _artifact(path),
                                 "replacements": [{"deletedRegion": region,
                                                   "insertedContent": {"text": inserted}}]}]}


def _sarif_log(results: Any, totals: Totals, finished: bool) -> dict[str, Any]:
    info = totals.run_info()
    run_properties: dict[str, Any] = {}
    if finished:
        # Known once every document is done, so after the results.
        run_properties = {"summary": totals.summary(), "run": info.sentence(),
                          "registries": info.registries_sentence()}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "citeaudit", "version": __version__,
                                "semanticVersion": __version__,
                                "informationUri": INFORMATION_URI, "rules": _sarif_rules(totals.rules)}},
            "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().resolve().as_uri() + "/"}},
            "invocations": [{"executionSuccessful": True, "startTimeUtc": info.date,
                             "properties": {"offline": info.offline}}],
            "results": results,
            "properties": run_properties,
        }],
    }


def sarif(run: RunReport) -> dict[str, Any]:
    """The run as a SARIF 2.1.0 log with one run."""
    return json.loads(render_sarif(run))


_RESULTS = "\x00results\x00"
"""Stands for the result list in the indented outline; no report text contains a NUL."""
_RESULT_INDENT = " " * 8
"""Where `runs[0].results[i]` stands in the indented log."""


class SarifStream(Stream):
    """The SARIF log, written a document's results at a time."""

    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self.index: dict[str, int] = {}
        self.results = 0

    @staticmethod
    def _outline(totals: Totals, finished: bool) -> tuple[str, str]:
        text = json.dumps(_sarif_log(_RESULTS, totals, finished), indent=2, ensure_ascii=False)
        head, tail = text.split(json.dumps(_RESULTS), 1)
        return head, tail

    def start(self, totals: Totals) -> str:
        super().start(totals)
        self.index = {code: i for i, code in enumerate(totals.rules)}
        return self._outline(totals, finished=False)[0] + "["

    def document(self, report: DocumentReport) -> str:
        pieces = []
        for finding in report.findings:
            item = json.dumps(_sarif_result(report, finding, self.index), indent=2, ensure_ascii=False)
            pieces.append(("," if self.results else "") + "\n"
                          + "\n".join(_RESULT_INDENT + line for line in item.splitlines()))
            self.results += 1
        return "".join(pieces)

    def finish(self, totals: Totals) -> str:
        close = "\n      ]" if self.results else "]"
        return close + self._outline(totals, finished=True)[1] + "\n"


def render_sarif(run: RunReport) -> str:
    return render_stream(SarifStream(run.options), run)


# -- JUnit -------------------------------------------------------------------

# XML 1.0 cannot carry most control characters, even escaped.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", text)


def _where(finding: Finding) -> str:
    span = finding.span
    parts = [portable_path(finding.path)] if finding.path else []
    if span.part:
        parts.append(span.part)
    if span.line is not None:
        parts.append(f"line {span.line}" + (f", column {span.column}" if span.column is not None else ""))
    elif span.paragraph is not None:
        parts.append(f"paragraph {span.paragraph + 1}"
                     + (f", offset {span.offset}" if span.offset is not None else ""))
    if span.xpath:
        parts.append(span.xpath)
    return ", ".join(parts)


def _title(finding: Finding, rules: Mapping[str, Rule]) -> str:
    """`CA304 metadata-mismatch`: the code and, when the catalogue has it, the rule's name."""
    rule = rules.get(finding.rule)
    return f"{finding.rule} {rule.name}" if rule else finding.rule


def _finding_line(finding: Finding, rules: Mapping[str, Rule]) -> str:
    where = _where(finding)
    return (f"{_title(finding, rules)} ({finding.severity})"
            + (f" at {where}" if where else "") + f": {finding.message}")


def _claim_name(claim: Claim) -> str:
    words = claim.text.split()
    head = " ".join(words[:8]) + (" ..." if len(words) > 8 else "")
    return f"claim {claim.id}: {head}"


def _reference_name(ref: Reference) -> str:
    return f"reference {ref.number}" if ref.number is not None else f"reference {ref.id}"


def junit_cases(report: DocumentReport, rules: Mapping[str, Rule] | None = None,
                ) -> list[tuple[str, list[Finding]]]:
    """(test case name, its findings) for one document: references, claims, then the rest.

    A finding goes to its claim when it names one, else to its reference
    (by number, or by key for a library), else to a case of its own.
    """
    claims = {c.id: (_claim_name(c), []) for c in report.document.claims}
    by_number: dict[int, tuple[str, list[Finding]]] = {}
    by_id: dict[str, tuple[str, list[Finding]]] = {}
    refs: list[tuple[str, list[Finding]]] = []
    for ref in report.document.references:
        case: tuple[str, list[Finding]] = (_reference_name(ref), [])
        refs.append(case)
        if ref.number is not None:
            by_number.setdefault(ref.number, case)
        by_id.setdefault(ref.id, case)
    loose: list[tuple[str, list[Finding]]] = []
    for finding in report.findings:
        target = claims.get(finding.claim) if finding.claim is not None else None
        if target is None and finding.reference is not None:
            target = by_number.get(finding.reference)
        if target is None and finding.key:
            target = by_id.get(finding.key)
        if target is None:
            where = _where(finding)
            name = _title(finding, rules or {}) + (f" at {where}" if where else "")
            target = (name, [])
            loose.append(target)
        target[1].append(finding)
    return [*refs, *claims.values(), *loose]


_REGISTRIES = "\x00registries\x00"
"""Stands for the run's registry sentence in spooled suites: it is known only at the end."""


def _testsuite(report: DocumentReport, info: RunInfo, rules: Mapping[str, Rule]) -> tuple[ET.Element, int, int]:
    import xml.etree.ElementTree as ET

    path = portable_path(report.document.path)
    cases = junit_cases(report, rules)
    failed = sum(1 for _, findings in cases if findings)
    suite = ET.Element("testsuite", name=_xml_text(path), tests=str(len(cases)),
                       failures=str(failed), errors="0", skipped="0", time="0",
                       timestamp=info.date.rstrip("Z"))
    props = ET.SubElement(suite, "properties")
    counts: dict[str, object] = {"citeaudit-version": info.version, "registries": _REGISTRIES,
                                 "findings": len(report.findings), "suppressed": report.suppressed}
    for severity in ("error", "warning", "info"):
        counts[severity + "s"] = sum(1 for f in report.findings if f.severity == severity)
    for name, value in counts.items():
        ET.SubElement(props, "property", name=name, value=str(value))
    for name, findings in cases:
        case = ET.SubElement(suite, "testcase", name=_xml_text(name), classname=_xml_text(path),
                             file=_xml_text(path), time="0")
        if findings:
            worst = min(findings, key=lambda f: ("error", "warning", "info").index(f.severity or "info"))
            message = worst.message if len(findings) == 1 else f"{len(findings)} findings; worst: {worst.message}"
            failure = ET.SubElement(case, "failure", type=worst.rule, message=_xml_text(message))
            failure.text = _xml_text("\n".join(_finding_line(f, rules) for f in findings))
    return suite, len(cases), failed


class JunitStream(Stream):
    """JUnit XML: the root's counts come first, so the suites wait in a spool
    file (on disk past a few MB) until the last document is done."""

    SPOOL_BYTES = 8 * 1024 * 1024

    def __init__(self, options: Any = None) -> None:
        import tempfile

        super().__init__(options)
        self.body = tempfile.SpooledTemporaryFile(max_size=self.SPOOL_BYTES, mode="w+", encoding="utf-8",
                                                  errors="surrogatepass")  # any str round-trips
        self.tests = self.failures = 0
        self.info: RunInfo | None = None

    def start(self, totals: Totals) -> str:
        self.info = totals.run_info()  # version and start date; the registries come at the end
        return super().start(totals)

    def document(self, report: DocumentReport) -> str:
        import xml.etree.ElementTree as ET

        assert self.info is not None
        suite, tests, failures = _testsuite(report, self.info, self.rules)
        self.tests, self.failures = self.tests + tests, self.failures + failures
        ET.indent(suite, level=1)
        self.body.write("  " + ET.tostring(suite, encoding="unicode").rstrip("\n") + "\n")
        return ""

    def finish(self, totals: Totals) -> str:
        import xml.etree.ElementTree as ET
        from xml.sax.saxutils import escape

        registries = escape(_xml_text(totals.run_info().registries_sentence()), {'"': "&quot;"})
        self.body.seek(0)
        suites = [line.replace(_REGISTRIES, registries) for line in self.body]
        self.body.close()
        root = ET.Element("testsuites", name="citeaudit", tests=str(self.tests),
                          failures=str(self.failures), errors="0")
        head = '<?xml version="1.0" encoding="UTF-8"?>\n'
        if not suites:
            return head + ET.tostring(root, encoding="unicode") + "\n"
        opening = ET.tostring(root, encoding="unicode").removesuffix(" />")
        return head + opening + ">\n" + "".join(suites) + "</testsuites>\n"


def render_junit(run: RunReport) -> str:
    return render_stream(JunitStream(run.options), run)


# -- GitHub workflow commands --------------------------------------------------


def escape_data(text: str) -> str:
    """Escape a workflow command's message the way the Actions runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command property value (`:` and `,` delimit properties)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(report: DocumentReport, finding: Finding, rules: Mapping[str, Rule] | None = None) -> str:
    """One `::error file=...,line=...::message` line."""
    severity = finding.severity or "warning"
    span = finding.span
    props = [("file", portable_path(finding.path or report.document.path))]
    if span.line is not None:
        props.append(("line", str(span.line)))
        if span.column is not None:
            props.append(("col", str(span.column)))
    props.append(("title", _title(finding, rules or {})))
    message = finding.message
    if span.line is None and (where := _where(finding)):
        message = f"{message} ({where})"
    joined = ",".join(f"{name}={escape_property(value)}" for name, value in props)
    return f"::{COMMANDS[severity]} {joined}::{escape_data(message)}"


class GithubStream(Stream):
    """One workflow command per finding, then a summary line and the run's facts."""

    def document(self, report: DocumentReport) -> str:
        return "".join(github_command(report, finding, self.rules) + "\n" for finding in report.findings)

    def finish(self, totals: Totals) -> str:
        summary = totals.summary()
        return (f"citeaudit: {summary['documents']} document(s), {summary['errors']} error(s), "
                f"{summary['warnings']} warning(s), {summary['infos']} info(s)"
                + (f", {totals.suppressed} in the baseline" if totals.suppressed else "") + "\n"
                + totals.run_info().sentence() + "\n")


def render_github(run: RunReport) -> str:
    return render_stream(GithubStream(run.options), run)


def _reporters() -> Iterable[Reporter]:
    yield Reporter("sarif", stream=SarifStream,
                   description="SARIF 2.1.0 for GitHub code scanning and other dashboards")
    yield Reporter("junit", stream=JunitStream,
                   description="JUnit XML: a test suite per document, a test case per claim and reference")
    yield Reporter("github", stream=GithubStream,
                   description="GitHub Actions workflow commands (pull-request annotations)")


@hookimpl(trylast=True)
def citeaudit_register_reporters(register: Callable[[Reporter], None]) -> None:
    for reporter in _reporters():
        register(reporter)
