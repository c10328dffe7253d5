"""Reporter `html`: one self-contained page an author or editor can read.

The draft's claims in reading order, each coloured by its worst finding and
followed directly by its findings, in plain words with the rule code last
and the evidence as sentences (html_evidence); citation buttons that open a
panel saying why the claim is flagged, then the reference, its library
entry, its registry records and the abstract with the claim's terms
highlighted; a summary linking to every finding; filters; n/p for the next
and previous finding; a document index when there are several drafts.

The page loads nothing: CSS and JS are inlined and pinned by hash in a
Content-Security-Policy, so even a string that slipped through escaping
could not run. Every string from the input goes through `html.escape`, and
the JSON embedded for the script has `<` escaped so it cannot close its tag.
The findings, summary and reference identifiers come from `to_json`, so this
page and the JSON report tell the same story.
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from html import escape
from typing import Any
from urllib.parse import quote

from citeaudit import hookimpl
from citeaudit.explain import Explainer, source_label
from citeaudit.model import (
    SEVERITIES,
    Claim,
    Finding,
    Missing,
    Record,
    Reference,
    Resolution,
    Unavailable,
    Work,
)
from citeaudit.report import DocumentReport, Reporter, RunReport, at_least, min_severity, to_json
from citeaudit.rules import FAMILIES, family_title
from citeaudit.runinfo import run_info

CLEAN = "clean"

# Words too common in biomedical prose to mean a claim and an abstract agree.
STOPWORDS = frozenset("""
about after against also among although analysis associated because been before being between both
compared could data during each effect effects from have however including into more most other over
patient patients reported results showed shown significant since some studies study such than that
their them then there these they this those through treated treatment under were when where which
while with within without would years
""".split())

_WORD = re.compile(r"\d+(?:[.,]\d+)*%?|[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]")


DEFAULT_MIN_SEVERITY = "warning"
"""Infos (a reference without identifiers, a record not fetched) only with --min-severity info."""


def render(run: RunReport) -> str:
    """The whole report as one HTML page."""
    run, hidden = at_least(run, min_severity(run.options, DEFAULT_MIN_SEVERITY))
    report = to_json(run)
    css = _asset("html_report.css")
    js = _asset("html_report.js")
    highlights: dict[str, Any] = {}
    documents = []
    words = Explainer.of(run)
    for index, (doc_report, doc_json) in enumerate(zip(run.documents, report["documents"], strict=True)):
        highlights[str(index)] = claim_highlights(doc_report)
        documents.append(_document(index, doc_report, doc_json, words))
    payload = {"report": report, "highlights": highlights}
    csp = ("default-src 'none'; img-src 'none'; base-uri 'none'; form-action 'none'; "
           f"style-src '{_sha256(css)}'; script-src '{_sha256(js)}'")
    names = ", ".join(d.document.path.name for d in run.documents) or "no documents"
    first = next((f"#d{i}-f0" for i, d in enumerate(run.documents) if d.findings), "#main")
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{escape(csp)}\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<meta name=\"referrer\" content=\"no-referrer\">\n",
        f"<title>citeaudit report: {escape(names)}</title>\n",
        f"<style>{css}</style>\n</head>\n<body>\n",
        f"<a class=\"skip\" href=\"{first}\">Skip to the first finding</a>\n",
        "<header>\n<h1>citeaudit report</h1>\n",
        f"<p class=\"meta\" id=\"run\">{escape(names)} · {escape(run_info(run).sentence())}</p>\n",
        _summary(run, report["summary"], hidden),
        _document_index(run),
        "</header>\n",
        "<nav class=\"stepper\" aria-label=\"Findings\"><button type=\"button\" data-step=\"-1\" "
        "aria-keyshortcuts=\"p\">Previous finding <kbd>p</kbd></button><button type=\"button\" data-step=\"1\" "
        "aria-keyshortcuts=\"n\">Next finding <kbd>n</kbd></button>"
        "<span id=\"step-status\" role=\"status\" aria-live=\"polite\"></span></nav>\n",
        "<main id=\"main\" tabindex=\"-1\">\n",
        *documents,
        "</main>\n",
        "<aside id=\"panel\" class=\"panel\" role=\"dialog\" aria-modal=\"false\" "
        "aria-labelledby=\"panel-title\" tabindex=\"-1\" hidden>\n"
        "<div class=\"panel-head\"><h2 id=\"panel-title\">Reference</h2>"
        "<button type=\"button\" class=\"close\" aria-label=\"Close the panel\">×</button></div>\n"
        "<div id=\"panel-body\"></div>\n</aside>\n",
        f"<script type=\"application/json\" id=\"citeaudit-data\">{script_json(payload)}</script>\n",
        f"<script>{js}</script>\n</body>\n</html>\n",
    ])


def script_json(value: Any) -> str:
    """JSON safe inside a <script> element: `</script>` and `<!--` cannot appear."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def worst(findings: Iterable[Finding]) -> str:
    """The most severe severity among `findings`, or "clean"."""
    ranks = [SEVERITIES.index(f.severity) for f in findings if f.severity in SEVERITIES]
    return SEVERITIES[min(ranks)] if ranks else CLEAN


def claim_findings(claim: Claim, findings: Iterable[Finding]) -> list[Finding]:
    """Findings about this claim: naming it, or placed on one of its markers."""
    spans = {m.span for m in claim.markers}
    return [f for f in findings if f.claim == claim.id or (f.claim is None and f.span in spans)]


def reference_findings(ref: Reference, findings: Iterable[Finding]) -> list[Finding]:
    """Findings about a reference-list entry that no claim owns."""
    if ref.number is None:
        return [f for f in findings if f.claim is None and f.key == ref.id]
    return [f for f in findings if f.claim is None and f.reference == ref.number]


# -- abstract highlights ------------------------------------------------------


def highlight_ranges(text: str, terms: Iterable[str]) -> list[list[int]]:
    """Sorted, non-overlapping [start, end) ranges of whole-word matches of `terms` in `text`."""
    found: list[tuple[int, int]] = []
    for term in {t.strip() for t in terms if t and t.strip()}:
        pattern = r"(?<![\w.])" + re.escape(term) + r"(?![\w])"
        found.extend(m.span() for m in re.finditer(pattern, text, re.IGNORECASE))
    merged: list[list[int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def claim_terms(text: str) -> list[str]:
    """The words and numbers of a claim worth looking for in an abstract."""
    terms = []
    for token in _WORD.findall(text):
        if token[0].isdigit() or (len(token) >= 4 and token.lower() not in STOPWORDS):
            terms.append(token)
    return terms


def evidence_terms(evidence: Any, depth: int = 0) -> list[str]:
    """Every string or number in a finding's evidence (checks put matched terms there)."""
    if depth > 4:
        return []
    if isinstance(evidence, str):
        return [evidence]
    if isinstance(evidence, bool):
        return []
    if isinstance(evidence, int | float):
        return [str(evidence)]
    if isinstance(evidence, Mapping):
        return [t for v in evidence.values() for t in evidence_terms(v, depth + 1)]
    if isinstance(evidence, list | tuple):
        return [t for v in evidence for t in evidence_terms(v, depth + 1)]
    return []


def claim_highlights(report: DocumentReport) -> dict[str, dict[str, list[list[int]]]]:
    """claim id -> reference number -> ranges to mark in that reference's abstract.

    Terms the checks named in their evidence win; without any, the claim's
    own words and numbers that occur in the abstract are marked.
    """
    result: dict[str, dict[str, list[list[int]]]] = {}
    for claim in report.document.claims:
        per_ref: dict[str, list[list[int]]] = {}
        for number in dict.fromkeys(claim.citations):
            abstract = abstract_of(report, number)
            if not abstract:
                continue
            related = [f for f in report.findings if f.claim == claim.id
                       and number in (f.reference, f.citation)]
            terms = [t for f in related for t in evidence_terms(_claim_side(f.evidence))]
            ranges = highlight_ranges(abstract, terms) if terms else []
            if not ranges:
                ranges = highlight_ranges(abstract, claim_terms(claim.text))
            if ranges:
                per_ref[str(number)] = ranges
        if per_ref:
            result[str(claim.id)] = per_ref
    return result


HIGHLIGHTED = ("looked_for", "found_text", "drug")
"""Evidence keys naming what the claim says (and where the abstract says otherwise); other keys
(the concepts a work covers, say) would mark drugs the claim never names."""


def _claim_side(evidence: Any) -> dict[str, Any]:
    return {k: evidence[k] for k in HIGHLIGHTED if k in evidence} if isinstance(evidence, Mapping) else {}


def records_of(report: DocumentReport, key: int | str) -> list[tuple[str, str, Any]]:
    """(registry, identifier, outcome) for one reference, PubMed first."""
    resolution = report.resolutions.get(key)
    ref = report.document.reference(key) if isinstance(key, int) else None
    pmid = (resolution.pmid if resolution else None) or (ref.pmid if ref else None)
    doi = (resolution.doi if resolution else None) or (ref.doi if ref else None)
    if report.records is None:
        return []
    found = []
    for source, identifier in (("pubmed", pmid), ("crossref", doi)):
        outcome = report.records.get(source, identifier)
        if outcome is not None:
            found.append((source, identifier, outcome))
    return found


def abstract_of(report: DocumentReport, key: int | str) -> str | None:
    """The first abstract any registry gave for the reference."""
    for _source, _identifier, outcome in records_of(report, key):
        if isinstance(outcome, Record) and outcome.abstract:
            return outcome.abstract
    return None


# -- page parts ---------------------------------------------------------------


def _summary(run: RunReport, summary: Mapping[str, int], hidden: int = 0) -> str:
    by_family: dict[str, Counter[str]] = {family: Counter() for family in FAMILIES}
    by_rule: dict[str, Counter[str]] = {family: Counter() for family in FAMILIES}
    for _doc, finding in run.findings():
        family = finding.rule[:-2]
        by_family.setdefault(family, Counter())[finding.severity or "info"] += 1
        by_rule.setdefault(family, Counter())[finding.rule] += 1
    rows = []
    for family, counts in by_family.items():
        rules = ", ".join(f"{escape(code)} ×{n}" for code, n in sorted(by_rule[family].items()))
        label = escape(family_title(family))
        rows.append(
            f"<tr data-family=\"{escape(family)}\"><th scope=\"row\">{escape(family)}xx "
            f"<span class=\"meta\">{label}</span></th>"
            + "".join(f"<td class=\"n\" data-severity=\"{s}\">{counts[s]}</td>" for s in SEVERITIES)
            + f"<td class=\"n\" data-total>{sum(counts.values())}</td><td>{rules}</td></tr>\n")
    overall = (f"{summary['documents']} document(s), {summary['claims']} claim(s), "
               f"{summary['references']} reference(s): {summary['errors']} error(s), "
               f"{summary['warnings']} warning(s), {summary['infos']} info")
    return ("<section aria-labelledby=\"summary-title\">\n<h2 id=\"summary-title\">Summary</h2>\n"
            f"<p id=\"overall\">{escape(overall)}</p>\n"
            + (f"<p class=\"meta\" id=\"hidden\">{hidden} finding(s) below the shown severity left out; "
               "<code>--min-severity info</code> shows them.</p>\n" if hidden else "")
            + _finding_index(run)
            + "<div class=\"scroll\"><table class=\"summary\">\n<caption class=\"meta\">Findings per rule family</caption>\n"
            "<thead><tr><th scope=\"col\">family</th><th scope=\"col\">errors</th>"
            "<th scope=\"col\">warnings</th><th scope=\"col\">info</th><th scope=\"col\">total</th>"
            "<th scope=\"col\">rules</th></tr></thead>\n<tbody>\n" + "".join(rows)
            + "</tbody>\n</table></div>\n</section>\n")


def _place(finding: Finding) -> str:
    if finding.claim is not None:
        return f"Claim {finding.claim}"
    if finding.reference is not None:
        return f"Reference {finding.reference}"
    if finding.key:
        return f"Library entry {finding.key}"
    return "Document"


def _finding_index(run: RunReport) -> str:
    """Every finding, one line each, linking to where it is shown."""
    groups = []
    words = Explainer.of(run)
    for index, report in enumerate(run.documents):
        if not report.findings:
            continue
        items = "".join(
            f"<li class=\"sev-{escape(f.severity or 'info')}\"><a href=\"#d{index}-f{i}\">"
            f"<span class=\"place\">{escape(_place(f))}</span>: {escape(words.explain(f))} "
            f"<span class=\"code\">\u2014 {escape(f.rule)}</span></a></li>"
            for i, f in enumerate(report.findings))
        head = (f"<p class=\"meta\"><a href=\"#d{index}\">{escape(str(report.document.path))}</a></p>"
                if len(run.documents) > 1 else "")
        groups.append(f"{head}<ol class=\"finding-index\">{items}</ol>")
    if not groups:
        return "<p class=\"none\">No findings.</p>\n"
    return ("<nav aria-labelledby=\"index-title\"><h3 id=\"index-title\">Every finding</h3>"
            + "".join(groups) + "</nav>\n")


def _document_index(run: RunReport) -> str:
    """With several drafts, a list of them with their counts."""
    if len(run.documents) < 2:
        return ""
    items = "".join(
        f"<li><a href=\"#d{i}\">{escape(str(d.document.path))}</a> "
        f"<span class=\"meta\">{len(d.document.claims)} claim(s), {len(d.findings)} finding(s)"
        f" \u00b7 worst: {worst(d.findings)}</span></li>"
        for i, d in enumerate(run.documents))
    return ("<nav class=\"doc-index\" aria-labelledby=\"docs-title\"><h2 id=\"docs-title\">Documents</h2>"
            f"<ol>{items}</ol></nav>\n")


def _document(index: int, report: DocumentReport, doc_json: Mapping[str, Any], words: Explainer) -> str:
    doc = report.document
    ref_ids = {ref.number: f"d{index}-r{i}" for i, ref in enumerate(doc.references) if ref.number is not None}
    finding_ids = {id(f): f"d{index}-f{i}" for i, f in enumerate(report.findings)}
    shown = _Shown(report, index, finding_ids, doc_json["findings"], words)
    parts = [
        f"<section class=\"document\" id=\"d{index}\" aria-labelledby=\"d{index}-title\">\n",
        f"<h2 id=\"d{index}-title\">{escape(str(doc.path))}</h2>\n",
        f"<p class=\"meta\">{escape(doc.format)} · {escape(doc.style)} citations · "
        f"{len(doc.claims)} claim(s) · {len(doc.references)} reference(s) · "
        f"{len(report.findings)} finding(s)</p>\n",
        _filters(index, doc_json["findings"]),
        _draft(index, report, ref_ids, shown),
        _references(index, report, doc_json["references"], shown),
        _loose(index, report, shown),
        "</section>\n",
    ]
    return "".join(parts)


class _Shown:
    """Renders each finding once, where it belongs, and remembers which it rendered."""

    def __init__(self, report: DocumentReport, index: int, ids: Mapping[int, str],
                 findings_json: list[Mapping[str, Any]], words: Explainer) -> None:
        self.report, self.index, self.ids, self.words = report, index, ids, words
        self.json = {id(f): fj for f, fj in zip(report.findings, findings_json, strict=True)}
        self.claims = {c.id: c for c in report.document.claims}
        self.done: set[int] = set()

    def items(self, findings: Iterable[Finding]) -> str:
        from citeaudit.plugins.html_evidence import finding_item  # only when a page is written

        out = []
        for f in findings:
            if id(f) in self.done:
                continue
            self.done.add(id(f))
            out.append(finding_item(self.index, f, self.json[id(f)], self.ids[id(f)], self.report, self.claims,
                                    self.words))
        return "".join(out)

    def rest(self) -> list[Finding]:
        return [f for f in self.report.findings if id(f) not in self.done]


def _filters(index: int, findings_json: list[Mapping[str, Any]]) -> str:
    if not findings_json:
        return ""
    names = {f["rule"]: f["name"] for f in findings_json}
    options = "".join(f"<option value=\"{escape(r)}\">{escape(r)} {escape(names[r])}</option>" for r in sorted(names))
    boxes = "".join(f"<label><input type=\"checkbox\" name=\"severity\" value=\"{s}\" checked> {s}</label>"
                    for s in SEVERITIES)
    return (f"<form class=\"filter-form\" data-scope=\"d{index}\" aria-label=\"Filter the findings\">"
            f"<fieldset class=\"filters\"><legend>Show findings</legend>{boxes}"
            f"<label>rule <select name=\"rule\"><option value=\"\">all rules</option>{options}</select></label>"
            f"<span class=\"count\" role=\"status\" aria-live=\"polite\"></span></fieldset></form>\n")


def _draft(index: int, report: DocumentReport, ref_ids: Mapping[int, str], shown: _Shown) -> str:
    doc = report.document
    out = [f"<section class=\"draft\" aria-labelledby=\"d{index}-draft\">\n"
           f"<h3 id=\"d{index}-draft\">The draft's claims</h3>\n"]
    if not doc.claims:
        out.append("<p class=\"none\">No claims with citation markers.</p>\n")
    section: object = object()
    for claim in doc.claims:
        if claim.section != section:
            section = claim.section
            out.append(f"<h4 class=\"section\">{escape(section or 'Untitled section')}</h4>\n")
        out.append(_claim(index, claim, report, ref_ids, shown))
    out.append("</section>\n")
    return "".join(out)


def _claim(index: int, claim: Claim, report: DocumentReport, ref_ids: Mapping[int, str], shown: _Shown) -> str:
    mine = claim_findings(claim, report.findings)
    severity = worst(mine)
    badge = f"<span class=\"badge sev-{severity}\">{severity}</span>" if severity != CLEAN else ""
    markers = []
    for marker in claim.markers:
        buttons = "".join(_cite_button(index, claim.id, n, report, ref_ids) for n in marker.numbers)
        if not marker.numbers:
            buttons = f"<span class=\"unread\">{escape(marker.text)}</span>"
        markers.append(f"<span class=\"marker\" title=\"{escape(marker.text)}\">{buttons}</span>")
    cited = [r for n in dict.fromkeys(claim.citations) if (r := report.document.reference(n)) is not None]
    theirs = [f for r in cited for f in reference_findings(r, report.findings)]
    tags = "".join(
        f"<a class=\"tag sev-{escape(f.severity or 'info')}\" href=\"#{shown.ids[id(f)]}\" "
        f"title=\"{escape(shown.words.explain(f))}\">{escape(f.rule)}</a>" for f in [*mine, *theirs])
    items = shown.items(mine)
    listing = (f"<ul class=\"findings claim-findings\" id=\"d{index}-c{claim.id}-findings\" "
               f"aria-label=\"Findings on claim {claim.id}\">{items}</ul>\n") if items else ""
    return (f"<div class=\"claim-block\"><p class=\"claim sev-{severity}\" id=\"d{index}-c{claim.id}\" "
            f"data-claim=\"{claim.id}\" data-severity=\"{severity}\"><span class=\"claim-id\" "
            f"aria-label=\"claim {claim.id}\">{claim.id}</span>{badge}<span class=\"claim-text\">"
            f"{escape(claim.text)}</span>{''.join(markers)}{tags}</p>\n{listing}</div>\n")


def _cite_button(index: int, claim: int, number: int, report: DocumentReport,
                 ref_ids: Mapping[int, str]) -> str:
    ref = report.document.reference(number)
    target = ref_ids.get(number, "")
    severity = worst(reference_findings(ref, report.findings)) if ref else "error"
    classes = f"cite sev-{severity}" + ("" if ref else " missing")
    label = f"Reference {number}" + ("" if ref else " (not in the reference list)")
    return (f"<button type=\"button\" class=\"{classes}\" data-doc=\"{index}\" data-claim=\"{claim}\" "
            f"data-number=\"{number}\" data-target=\"{target}\" aria-controls=\"panel\" "
            f"aria-expanded=\"false\" aria-label=\"{escape(label)}\">{number}</button>")


def _loose(index: int, report: DocumentReport, shown: _Shown) -> str:
    """Findings with no claim and no reference-list entry (a library problem, say)."""
    items = shown.items(shown.rest())
    if not items:
        return ""
    return (f"<section class=\"loose\" aria-labelledby=\"d{index}-loose\"><h3 id=\"d{index}-loose\">"
            f"Library and document</h3><ul class=\"findings\">{items}</ul></section>\n")


def _references(index: int, report: DocumentReport, refs_json: list[Mapping[str, Any]], shown: _Shown) -> str:
    doc = report.document
    out = [f"<section class=\"references\" aria-labelledby=\"d{index}-refs\">\n"
           f"<h3 id=\"d{index}-refs\">References</h3>\n"]
    if not doc.references:
        out.append("<p class=\"none\">No reference list.</p>\n")
    for i, (ref, rj) in enumerate(zip(doc.references, refs_json, strict=True)):
        out.append(_reference(f"d{index}-r{i}", ref, rj, report, shown))
    out.append("</section>\n")
    return "".join(out)


def _reference(dom_id: str, ref: Reference, rj: Mapping[str, Any], report: DocumentReport, shown: _Shown) -> str:
    key: int | str = ref.number if ref.number is not None else ref.id
    mine = reference_findings(ref, report.findings)
    severity = worst(mine)
    label = f"Reference {ref.number}" if ref.number is not None else f"Entry {ref.id}"
    ident = f" <span class=\"meta\">({escape(ref.id)})</span>" if ref.id != str(ref.number) else ""
    ids = []
    if rj.get("doi"):
        ids.append(f"<span>DOI <a href=\"{escape(doi_url(rj['doi']))}\" rel=\"noopener noreferrer\">"
                   f"{escape(rj['doi'])}</a></span>")
    if rj.get("pmid"):
        ids.append(f"<span>PMID {_pmid_link(rj['pmid'])}</span>")
    if rj.get("pmcid"):
        ids.append(f"<span>PMCID {escape(rj['pmcid'])}</span>")
    tags = shown.items(mine)
    return (f"<article class=\"ref sev-{severity}\" id=\"{dom_id}\" data-number=\"{escape(str(ref.number or ''))}\""
            f" data-severity=\"{severity}\">\n"
            f"<h4>{escape(label)}{ident}</h4>\n"
            f"<p class=\"ref-text\">{escape(ref.text)}</p>\n"
            + (f"<p class=\"ids\">{''.join(ids)}</p>\n" if ids else "")
            + (f"<ul class=\"findings ref-findings\" aria-label=\"Findings on this reference\">{tags}</ul>\n"
               if tags else "")
            + _library(report.resolutions.get(key), report)
            + _records(report, key, shown.words.labels)
            + "</article>\n")


def doi_url(doi: str) -> str:
    """The doi.org address of a DOI, every unsafe character percent-encoded."""
    return "https://doi.org/" + quote(doi, safe="/:;()._-")


def _pmid_link(pmid: str) -> str:
    if not str(pmid).isdigit():
        return escape(str(pmid))
    return (f"<a href=\"https://pubmed.ncbi.nlm.nih.gov/{pmid}/\" rel=\"noopener noreferrer\">"
            f"{escape(str(pmid))}</a>")


def _library(resolution: Resolution | None, report: DocumentReport) -> str:
    head = "<section class=\"lib\"><h5>Library entry</h5>"
    if report.library is None:
        return head + "<p class=\"none\">No library was given (--bib).</p></section>\n"
    if resolution is None or resolution.entry is None:
        also = ""
        if resolution and resolution.candidates:
            also = " Equally good candidates: " + ", ".join(resolution.candidates) + "."
        return head + f"<p class=\"none\">No library entry matched.{escape(also)}</p></section>\n"
    entry = resolution.entry
    how = resolution.method or "?"
    if resolution.score is not None:
        how += f", score {resolution.score:.0f}"
    return (head + f"<p><code>{escape(entry.key)}</code> <span class=\"meta\">@{escape(entry.entry_type)}, "
            f"matched by {escape(how)}</span></p>{_work(entry.work)}</section>\n")


def _work(work: Work) -> str:
    authors = "; ".join(str(a) for a in work.authors[:3]) + (" et al." if len(work.authors) > 3 else "")
    where = " ".join(str(x) for x in (work.journal, work.year) if x)
    if work.volume:
        where += f" {work.volume}" + (f"({work.issue})" if work.issue else "")
    if work.pages:
        where += f":{work.pages}"
    lines = [f"<p class=\"title\">{escape(work.title)}</p>" if work.title else "",
             f"<p class=\"authors\">{escape(authors)}</p>" if authors else "",
             f"<p class=\"journal\">{escape(where.strip())}</p>" if where.strip() else ""]
    return "".join(lines)


def _records(report: DocumentReport, key: int | str, labels: Mapping[str, str]) -> str:
    head = "<section class=\"records\"><h5>Registry records</h5>"
    if report.records is None:
        return head + "<p class=\"none\">Registry records were not fetched in this run.</p></section>\n"
    found = records_of(report, key)
    if not found:
        return head + "<p class=\"none\">No DOI or PMID to look up.</p></section>\n"
    parts = []
    abstract = None
    for source, identifier, outcome in found:
        label = f"{source_label(source, labels)} {identifier}"
        if isinstance(outcome, Missing):
            parts.append(f"<div class=\"record missing\"><p class=\"src\">{escape(label)}</p>"
                         f"<p class=\"notice\">The registry has no such identifier.</p></div>")
        elif isinstance(outcome, Unavailable):
            parts.append(f"<div class=\"record unavailable\"><p class=\"src\">{escape(label)}</p>"
                         f"<p class=\"none\">Not verified: {escape(outcome.reason)}.</p></div>")
        elif isinstance(outcome, Record):
            abstract = abstract or outcome.abstract
            notices = "".join(
                f"<li class=\"notice\">{escape(n.kind.replace('-', ' '))}"
                + (f" ({escape(n.date)})" if n.date else "")
                + (f" <a href=\"{escape(doi_url(n.doi))}\" rel=\"noopener noreferrer\">{escape(n.doi)}</a>"
                   if n.doi else "")
                + (f" PMID {_pmid_link(n.pmid)}" if n.pmid else "") + "</li>"
                for n in outcome.notices)
            types = ", ".join(outcome.publication_types)
            parts.append(f"<div class=\"record\"><p class=\"src\">{escape(label)}</p>{_work(outcome.work)}"
                         + (f"<p class=\"meta\">{escape(types)}</p>" if types else "")
                         + (f"<ul class=\"notices\">{notices}</ul>" if notices else "")
                         + (f"<p class=\"notice\">Preprint; published as {escape(outcome.preprint_of)}</p>"
                            if outcome.preprint_of else "")
                         + "</div>")
    box = (f"<section class=\"abstract-box\"><h5>Abstract</h5><div class=\"abstract\">{escape(abstract)}</div></section>"
           if abstract else "")
    return head + "".join(parts) + "</section>\n" + box + "\n"


def _asset(name: str) -> str:
    from importlib import resources  # when a report is written, not at every start-up

    return resources.files("citeaudit.plugins").joinpath(name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    import hashlib

    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


@hookimpl(trylast=True)
def citeaudit_register_reporters(register: Callable[[Reporter], None]) -> None:
    register(Reporter("html", render, "one self-contained HTML page: the draft with its problems marked"))

