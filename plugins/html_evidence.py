"""A finding and its evidence as sentences, for the HTML report.

The JSON evidence of a check is for programs (`["vitiligo"]`,
`best_sentence: null`). A reader needs it as prose: the claim with the
missing word marked as missing, the abstract sentence that conflicts with
the conflicting number marked on both sides, and for field mismatches
(CA204, CA304) the reference, the library entry and the registry record
side by side with the differing characters marked. Every string is escaped
here; nothing from the draft reaches the page as markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from citeaudit.bib.match import reference_work
from citeaudit.explain import Explainer, source_label
from citeaudit.model import Claim, Finding, Record, Work
from citeaudit.report import DocumentReport
from citeaudit.worddiff import segments, side

FIELDS = {"first_author": "first author", "first author": "first author"}
"""Evidence field names, as a reader says them."""


def evidence_html(finding: Finding, report: DocumentReport, claims: Mapping[int, Claim],
                  labels: Mapping[str, str] | None = None) -> str:
    """The finding's evidence as paragraphs and tables; "" when there is nothing to add.
    `labels` name the registries (the run's `labels`)."""
    evidence = finding.evidence if isinstance(finding.evidence, Mapping) else {}
    claim = claims.get(finding.claim) if finding.claim is not None else None
    rule = finding.rule
    if rule in ("CA204", "CA304"):
        table = field_table(finding, report, labels)
        if table:
            return table
    if rule == "CA401" and claim is not None:
        missing = [str(t) for t in evidence.get("looked_for") or []]
        return ("<p>In the claim:</p>" + _quote(claim.text, missing, "missing")
                + _best(evidence.get("best_sentence"), [], "Closest sentence of the abstract"))
    if rule == "CA402" and claim is not None:
        said = [str(evidence.get("claim_text") or "")] if evidence.get("claim_text") else _numbers(
            str(evidence.get("looked_for", "")))
        found = [str(t) for t in evidence.get("found_text") or []] or [
            n for f in evidence.get("found") or [] for n in _numbers(str(f))]
        return ("<p>The claim says:</p>" + _quote(claim.text, said, "conflict")
                + _best(evidence.get("best_sentence"), found, "The abstract says"))
    if rule == "CA403" and claim is not None:
        designs = [str(d) for d in evidence.get("looked_for") or []]
        types = ", ".join(str(t) for t in evidence.get("found") or [])
        return ("<p>The claim says:</p>" + _quote(claim.text, designs, "conflict")
                + f"<p>PubMed publication types: {escape(types)}.</p>")
    if rule == "CA404" and claim is not None:
        phrase = str(evidence.get("looked_for") or "")
        own = ", ".join(str(t).replace("-", " ") for t in evidence.get("found") or [])
        return ("<p>The claim says:</p>" + _quote(claim.text, [phrase], "conflict")
                + f"<p>{escape(str(evidence.get('drug', 'The drug')))}: {escape(own)} "
                f"<span class=\"meta\">({escape(str(evidence.get('source', 'citeaudit lexicon')))})</span>.</p>")
    return _generic(evidence)


# -- marked text ---------------------------------------------------------------


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:[.,]\d+)*%?", text)


def mark(text: str, terms: Iterable[str], kind: str) -> str:
    """`text` escaped, with every whole-word occurrence of `terms` in <mark class=kind>."""
    spans: list[tuple[int, int]] = []
    for term in {t.strip() for t in terms if t and t.strip()}:
        for m in re.finditer(r"(?<![\w.])" + re.escape(term) + r"(?![\w])", text, re.IGNORECASE):
            spans.append(m.span())
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            continue
        out.append(escape(text[last:start]))
        out.append(f"<mark class=\"{kind}\">{escape(text[start:end])}</mark>")
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def _quote(text: str, terms: Iterable[str], kind: str) -> str:
    return f"<blockquote class=\"evidence-quote\">{mark(text, terms, kind)}</blockquote>"


def _best(sentence: Any, terms: list[str], intro: str) -> str:
    if not sentence:
        return ""
    return f"<p>{escape(intro)}:</p>" + _quote(str(sentence), terms, "conflict")


def _generic(evidence: Mapping[str, Any]) -> str:
    """Other evidence as readable pairs: lists joined, nothing null, no JSON brackets."""
    rows = []
    for key, value in evidence.items():
        text = readable(value)
        if text:
            rows.append(f"<dt>{escape(str(key).replace('_', ' '))}</dt><dd>{escape(text)}</dd>")
    return f"<dl class=\"evidence\">{''.join(rows)}</dl>" if rows else ""


def readable(value: Any, depth: int = 0) -> str:
    """A JSON value as words: `a, b`; `key: value; ...`; "" for null or empty."""
    if value is None or value == "" or value == [] or value == {} or depth > 3:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(t for v in value if (t := readable(v, depth + 1)))
    if isinstance(value, Mapping):
        return "; ".join(f"{str(k).replace('_', ' ')}: {t}" for k, v in value.items()
                         if (t := readable(v, depth + 1)))
    return str(value)


# -- CA204 / CA304: reference, library, registry side by side -------------------------


def _value(work: Work | None, field: str, count: int | None = None) -> str | None:
    if work is None:
        return None
    if field == "first author":
        return work.authors[0].family if work.authors else None
    if field == "authors":
        names = [p.family for p in work.authors]
        return ", ".join(names[:count] if count else names) or None
    value = getattr(work, field, None)
    if field == "journal" and not value:
        value = work.journal_abbrev
    return None if value in (None, "") else str(value)


def _records(report: DocumentReport, finding: Finding) -> list[Record]:
    if report.records is None or finding.reference is None:
        return []
    resolution = report.resolutions.get(finding.reference)
    if resolution is None:
        return []
    pmid = resolution.pmid or (report.records.pmid_for_doi.get(resolution.doi.lower()) if resolution.doi else None)
    found = [report.records.record("pubmed", pmid), report.records.record("crossref", resolution.doi)]
    return [r for r in found if r is not None]


def field_table(finding: Finding, report: DocumentReport, labels: Mapping[str, str] | None = None) -> str:
    """Reference vs library entry vs registry, one row per differing field, differences marked."""
    evidence = finding.evidence if isinstance(finding.evidence, Mapping) else {}
    if finding.rule == "CA204":
        fields = [str(f) for f in evidence.get("fields", {})]
        base = "reference"
    else:
        fields = [FIELDS.get(str(f), str(f)) for f in evidence.get("differences", {})]
        base = "library" if evidence.get("origin") == "library entry" else "reference"
    ref = report.document.reference(finding.reference) if finding.reference is not None else None
    if ref is None or not fields:
        return ""
    resolution = report.resolutions.get(finding.reference)
    entry = resolution.entry.work if resolution and resolution.entry else None
    records = _records(report, finding)
    cited = reference_work(ref)
    rows = []
    for field in fields:
        count = len(cited.authors) if field == "authors" and cited.authors else None
        values = {"reference": _value(cited, field, count), "library": _value(entry, field, count),
                  "registry": next((v for r in records if (v := _value(r.work, field, count))), None)}
        if finding.rule == "CA204" and field in evidence.get("fields", {}):
            values["reference"] = str(evidence["fields"][field].get("reference", values["reference"]))
            values["library"] = str(evidence["fields"][field].get("library", values["library"]))
        other = "library" if finding.rule == "CA204" else "registry"
        cells = []
        for column in ("reference", "library", "registry"):
            value = values[column]
            against = values[other] if column == base else values[base]
            cells.append(f"<td data-column=\"{column}\">{diff_cell(value, against)}</td>")
        rows.append(f"<tr><th scope=\"row\">{escape(field)}</th>{''.join(cells)}</tr>")
    source = ", ".join(source_label(r.source, labels) for r in records)
    named = f"<br><span class=\"meta\">{escape(source)}</span>" if source else ""
    return ("<div class=\"scroll\"><table class=\"field-diff\"><caption>What each source says "
            "(differences marked)</caption><thead><tr><th scope=\"col\">field</th>"
            "<th scope=\"col\">reference</th><th scope=\"col\">library</th>"
            f"<th scope=\"col\">registry{named}</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def diff_cell(value: str | None, against: str | None) -> str:
    """`value` escaped, the characters that `against` lacks in <mark class="diff">."""
    if value is None:
        return "<span class=\"none\">not given</span>"
    if against is None or against == value:
        return escape(value)
    runs = side(segments(value, against), "old")
    return "".join(f"<mark class=\"diff\">{escape(t)}</mark>" if differs else escape(t) for differs, t in runs)


def finding_item(index: int, finding: Finding, fj: Mapping[str, Any], dom_id: str, report: DocumentReport,
             claims: Mapping[int, Claim], words: Explainer) -> str:
    """One finding as a list item: the plain sentence, the code, the evidence, the fix, the message."""

    def attr(name: str) -> str:
        value = fj.get(name)
        return "" if value is None else escape(str(value))

    where = []
    if fj["claim"] is not None:
        where.append(f"<a href=\"#d{index}-c{fj['claim']}\">claim {fj['claim']}</a>")
    if fj["reference"] is not None:
        where.append(f"reference {escape(str(fj['reference']))}")
    elif fj["citation"] is not None:
        where.append(f"citation {escape(str(fj['citation']))}")
    if fj["key"]:
        where.append(f"library key <code>{escape(str(fj['key']))}</code>")
    location = ", ".join(f"{escape(str(k))} {escape(str(v))}" for k, v in fj["location"].items())
    if location:
        where.append(location)
    severity = escape(fj["severity"] or "info")
    fix = words.fix_text(finding)
    evidence = evidence_html(finding, report, claims, words.labels)
    return (f"<li class=\"finding sev-{severity}\" id=\"{dom_id}\" tabindex=\"-1\" data-rule=\"{attr('rule')}\" "
            f"data-severity=\"{severity}\" data-claim=\"{attr('claim')}\" "
            f"data-citation=\"{attr('citation')}\" data-reference=\"{attr('reference')}\" "
            f"data-key=\"{attr('key')}\"><p class=\"explain\"><span class=\"badge sev-{severity}\">{severity}</span>"
            f"<span class=\"plain\">{escape(words.explain(finding))}</span> <span class=\"code\">\u2014 "
            f"<code class=\"rule\">{escape(fj['rule'])}</code> <span class=\"rule-name\">{escape(fj['name'])}</span>"
            f"</span></p>"
            + (f"<div class=\"evidence-box\">{evidence}</div>" if evidence else "")
            + _fix(finding, fix)
            + f"<details><summary>check message and place</summary><p class=\"message\">{escape(fj['message'])}</p>"
            f"<div class=\"where\">{' · '.join(where)}</div></details></li>\n")


def _fix(finding: Finding, fix: str | None) -> str:
    """The suggested fix: field, old value, new value and source when the check gave a Fix."""
    data = finding.fix.as_json() if hasattr(finding.fix, "as_json") else None  # type: ignore[union-attr]
    if data and data["field"] == "entry" and data["new"]:  # CA203: the whole entry, to copy into the library
        return (f"<p class=\"fix\">Suggested: {escape(finding.fix.suggestion())} "  # type: ignore[union-attr]
                f"<span class=\"meta\">({escape(str(data['source']))})</span></p>"
                f"<pre class=\"fix-entry\">{escape(str(data['new']))}</pre>")
    if data:
        old = f"{escape(str(data['old']))} &rarr; " if data["old"] is not None else ""
        new = escape(str(data["new"])) if data["new"] is not None else "(remove)"
        return (f"<p class=\"fix\">Suggested: <code>{escape(str(data['field']))}</code> {old}<strong>{new}</strong> "
                f"<span class=\"meta\">({escape(str(data['source']))})</span></p>")
    return f"<p class=\"fix\">Suggested: {escape(fix)}</p>" if fix else ""
