"""Checks CA101-CA106: the draft against itself (markers and reference list).

Pure functions over the Document; no library, no registry. CA103 runs only
for numeric drafts, because author-year styles have no citation order.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator

from citeaudit import hookimpl, patterns
from citeaudit.authoryear import alphabetical
from citeaudit.checks import Check, CheckContext
from citeaudit.limits import COMPARED_CHARS
from citeaudit.markers import PERSISTENT_KEYS
from citeaudit.model import Claim, Document, Finding, Marker, Reference, Span, Suppression
from citeaudit.rules import Rule

SAME_WORK_TITLE = 20
"""Least length of a title that, with the first author and year, identifies a work."""
NEAR_IDENTICAL = 95.0
"""rapidfuzz ratio (0-100) of two normalised entries above which they are one work
listed twice; different papers by one group in one journal stay well below it."""
MIN_WORDS = 4
"""Entries with fewer words than this, once identifiers are removed, are compared by identifier only."""


def _markers(document: Document) -> Iterator[tuple[Claim, Marker]]:
    for claim in document.claims:
        for marker in claim.markers:
            yield claim, marker


def _reported(document: Document, rule: str) -> set:
    """Spans the reader already reported under `rule`, so checks do not repeat them."""
    return {f.span for f in document.diagnostics if f.rule == rule}


def _listed(document: Document) -> set[int]:
    return {r.number for r in document.references if r.number is not None}


def undefined_citations(context: CheckContext) -> Iterator[Finding]:
    """CA101: a marker cites a number with no entry in the reference list."""
    document = context.document
    listed = _listed(document)
    known = f" (the list has {_ranges(sorted(listed))})" if listed else " (there is no reference list)"
    already = _reported(document, "CA101")
    for claim, marker in _markers(document):
        if marker.span in already:
            continue
        for number in dict.fromkeys(marker.numbers):
            if number not in listed:
                yield Finding(
                    rule="CA101",
                    message=f"{marker.text} cites reference {number}, which is not in the reference list{known}",
                    span=marker.span, claim=claim.id, citation=number,
                    evidence={"marker": marker.text})
    yield from _unknown_keys(context)


def _unknown_keys(context: CheckContext) -> Iterator[Finding]:
    """CA101 for a pandoc `[@key]` the library lacks (pandoc would print "???").

    Only with a library (--bib, or the draft's own `bibliography:`), and not
    for manubot keys (`@doi:...`), which are their own identifiers.
    """
    library = context.library
    if library is None:
        return
    known = {entry.key for entry in library.entries}
    folded = {key.lower() for key in known}
    reported: set[str] = set()
    for claim, marker in _markers(context.document):
        for key in marker.keys:
            if (marker.style != "pandoc-key" or key in reported or key in known
                    or key.lower() in folded or key.lower().startswith(PERSISTENT_KEYS)):
                continue
            reported.add(key)
            files = ", ".join(p.name for p in library.paths)
            yield Finding(rule="CA101", message=f"{marker.text} cites @{key}, which is not in the library ({files})",
                          span=marker.span, claim=claim.id, key=key,
                          evidence={"marker": marker.text, "key": key})


def uncited_references(context: CheckContext) -> Iterator[Finding]:
    """CA102: a reference-list entry no marker cites (by number or by key)."""
    document = context.document
    if document.extras.get("uncited_by_design"):
        return  # a correction or retraction notice lists the article it is about
    cited_numbers = {n for _, m in _markers(document) for n in m.numbers}
    cited_keys = {k for _, m in _markers(document) for k in m.keys}
    for ref in document.references:
        if ref.number is not None and ref.number in cited_numbers:
            continue
        if ref.number is None and (ref.key in cited_keys or ref.id in cited_keys):
            continue
        if ref.key is None and (ref.number is None or document.style == "author-year"):
            continue  # entries of an author-year draft are cited by name, not by number
        label = f"reference {ref.number}" if ref.number is not None else f"reference {ref.id}"
        yield Finding(rule="CA102", message=f"{label} is never cited in the text",
                      span=ref.span, reference=ref.number, key=ref.key,
                      evidence={"text": _short(ref.text)})


def citation_order(context: CheckContext) -> Iterator[Finding]:
    """CA103: a number first cited out of the order of first citation.

    The numbers of one marker are first cited together, so `[3, 2]` after
    `[1]` is in order. The numbers in order are the longest increasing run
    of first citations; each number outside it is reported once, at its
    first citation, so one reference cited late is one finding, not one
    for every number after it. Claims a reader marks as unordered (figure
    and table captions, read where the float is first cited) may be numbered
    there or not at all, as journals differ: a number is reported only when
    it is out of order either way. A list sorted
    alphabetically (a house style) gets one note instead.
    """
    document = context.document
    if document.style != "numeric":
        return
    listed = _listed(document)
    floating = set(document.extras.get("unordered_claims", ()))
    everywhere = _first_citations(document, listed, set())
    late = _late(everywhere)
    if floating and late:
        # Out of order only if so whether captions count where their float is first cited or not at all.
        text_only = _first_citations(document, listed, floating)
        late = [item for item in _late(text_only) if item[0] in {n for n, _, _ in late}]
        everywhere = text_only
    if not late:
        return
    if alphabetical([r.text for r in document.references if r.number is not None]):
        numbers = [n for n, _, _ in late]
        yield Finding(
            rule="CA103", severity="info", span=document.references[0].span,
            message=(f"the reference list is in alphabetical order (a house style), not in order "
                     f"of first citation: {len(late)} references are first cited out of order"),
            evidence={"house_style": "alphabetical", "out_of_order": _ranges(sorted(numbers))})
        return
    sequence = [n for n, _, _ in everywhere]
    position = {n: index for index, n in enumerate(sequence)}
    for number, claim, marker in late:
        before = [n for n in sequence[:position[number]] if n > number]
        after = [n for n in sequence[position[number] + 1:] if n < number]
        if after:
            message = f"reference {number} is first cited before reference {max(after)}"
        else:
            message = f"reference {number} is first cited after reference {min(before)}"
        yield Finding(
            rule="CA103", message=message + "; numbers should follow the order of first citation",
            span=marker.span, claim=claim.id, citation=number, reference=number,
            evidence={"marker": marker.text, "cited_before": sorted(after),
                      "cited_after": sorted(before)})


def _first_citations(document: Document, listed: set[int],
                     skipped: set[int]) -> list[tuple[int, Claim, Marker]]:
    """(number, claim, marker) of each listed number's first citation, outside `skipped` claims."""
    first: list[tuple[int, Claim, Marker]] = []
    seen: set[int] = set()
    for claim, marker in _markers(document):
        if claim.id in skipped:
            continue
        new = sorted(n for n in set(marker.numbers) if n in listed and n not in seen)
        seen.update(new)
        first.extend((n, claim, marker) for n in new)
    return first


def _late(first: list[tuple[int, Claim, Marker]]) -> list[tuple[int, Claim, Marker]]:
    """The first citations outside the longest increasing run of numbers."""
    keep = _longest_increasing([n for n, _, _ in first])
    return [item for index, item in enumerate(first) if index not in keep]


def _longest_increasing(sequence: list[int]) -> set[int]:
    """Indices of one longest strictly increasing subsequence (patience sorting, n log n)."""
    tails: list[int] = []
    tail_index: list[int] = []
    previous = [-1] * len(sequence)
    for index, value in enumerate(sequence):
        at = bisect.bisect_left(tails, value)
        if at:
            previous[index] = tail_index[at - 1]
        if at == len(tails):
            tails.append(value)
            tail_index.append(index)
        else:
            tails[at] = value
            tail_index[at] = index
    kept: set[int] = set()
    index = tail_index[-1] if tail_index else -1
    while index >= 0:
        kept.add(index)
        index = previous[index]
    return kept


def malformed_markers(context: CheckContext) -> Iterator[Finding]:
    """CA104: a marker the grammar could not read unambiguously."""
    document = context.document
    already = _reported(document, "CA104")
    for claim, marker in _markers(document):
        if marker.problem and marker.span not in already:
            yield Finding(rule="CA104", message=f"marker {marker.text!r}: {marker.problem}",
                          span=marker.span, claim=claim.id,
                          evidence={"marker": marker.text, "problem": marker.problem,
                                    "style": marker.style})


def duplicate_references(context: CheckContext) -> Iterator[Finding]:
    """CA105: a later entry that is the same work as an earlier one.

    Each entry is compared with every earlier one, so the text comparison
    runs in rapidfuzz's C loop with a score cutoff rather than pair by pair
    in Python: a 1,000-entry list would otherwise take seconds.
    """
    from rapidfuzz import fuzz, process

    refs = context.document.references
    # Text says little when identifiers are all there is ("@biorxiv:10.1101/x" is "biorxiv").
    # A crafted list of 4,000 entries of 2 kB each made the pairwise comparison run for
    # minutes; real entries are 150-400 characters and are compared whole.
    normalised = [_bounded(text) if len(text.split()) >= MIN_WORDS else ""
                  for text in map(_normalise, (r.text for r in refs))]
    first_doi: dict[str, int] = {}
    first_pmid: dict[str, int] = {}
    first_work: dict[tuple[str, int, str], int] = {}
    texts: dict[int, str] = {}
    for later, b in enumerate(refs):
        candidates = []
        if b.doi and b.doi in first_doi:
            candidates.append(first_doi[b.doi])
        if b.pmid and b.pmid in first_pmid:
            candidates.append(first_pmid[b.pmid])
        work = _same_work_key(b)
        if work in first_work:
            candidates.append(first_work[work])
        if work:
            first_work.setdefault(work, later)
        scores: dict[int, float] = {}
        if normalised[later] and texts:
            scores = {index: score for _text, score, index in process.extract(
                normalised[later], texts, scorer=fuzz.ratio, score_cutoff=NEAR_IDENTICAL, limit=None)}
            candidates.extend(scores)
        if b.doi:
            first_doi.setdefault(b.doi, later)
        if b.pmid:
            first_pmid.setdefault(b.pmid, later)
        if normalised[later]:
            texts[later] = normalised[later]
        if not candidates:
            continue
        a = refs[min(candidates)]
        score = None
        if a.doi and a.doi == b.doi:
            why = f"the same DOI {a.doi}"
        elif a.pmid and a.pmid == b.pmid:
            why = f"the same PMID {a.pmid}"
        elif min(candidates) not in scores:
            why = "the same first author, year and title"
        else:
            why, score = "near-identical text", scores[min(candidates)]
        yield Finding(
            rule="CA105",
            message=f"{_name(b)} duplicates {_name(a)} ({why})",
            span=b.span, reference=b.number, key=b.key,
            evidence={"duplicate_of": a.number if a.number is not None else a.id,
                      "reason": why} | ({"score": round(score, 1)} if score else {}))


def _same_work_key(ref: Reference) -> tuple[str, int, str] | None:
    """(first author, year, title) folded, when all are known and the title says enough:
    two entries sharing them are one work however differently the rest is written."""
    work = ref.work
    first = work.first_author
    title = " ".join(re.sub(r"[^\w]+", " ", (work.title or "").lower()).split())
    if first is None or work.year is None or len(title) < SAME_WORK_TITLE:
        return None
    return first.family.lower(), work.year, title


def reference_numbering(context: CheckContext) -> Iterator[Finding]:
    """CA106: the list's own labels have a gap, a repeat, or go backwards.

    Each problem is reported once, at the entry where it shows: a number
    listed later is not missing, and one label out of place does not make
    every later one out of sequence.
    """
    numbered = [r for r in context.document.references if r.number is not None and r.key is None]
    present = {r.number for r in numbered}
    highest = 0
    seen: dict[int, Reference] = {}
    for ref in numbered:
        number = ref.number
        assert number is not None
        message, evidence = "", {}
        if number in seen:
            message = f"reference number {number} is used twice in the list{_first_at(seen[number].span)}"
            evidence = {"problem": "repeat", "first": seen[number].span.location()}
        elif number < highest:
            message = f"reference {number} comes after {highest} in the list"
            evidence = {"problem": "out-of-sequence", "after": highest}
        elif number > highest + 1:
            missing = [n for n in range(highest + 1, number) if n not in present]
            if missing:
                message = f"the list jumps from {highest} to {number}: {_ranges(missing)} missing"
                evidence = {"problem": "gap", "missing": missing}
        if message:
            yield Finding(rule="CA106", message=message, span=ref.span, reference=number,
                          evidence=evidence)
        seen.setdefault(number, ref)
        if number <= highest + 1 + len(numbered):
            highest = max(highest, number)


def _first_at(span: Span) -> str:
    """" (first at line 12)" / " (first in paragraph 8)", or nothing when the reader gives no place."""
    if span.line is not None:
        return f" (first at line {span.line})"
    if span.paragraph is not None:
        return f" (first in paragraph {span.paragraph + 1})"
    return ""


_IDENTIFIERS = patterns.compile(r"(?:doi\s*:?\s*|https?://\S+|\b10\.\d{4,9}/|pmid\s*:?\s*\d+|pmcid\s*:?\s*pmc\d+|pmc\d+)\S*")


def _bounded(text: str) -> str:
    half = COMPARED_CHARS // 2
    return text if len(text) <= COMPARED_CHARS else f"{text[:half]} {text[-half:]}"


def _normalise(text: str) -> str:
    """Entry text for comparison: no label, no identifiers (one entry may lack them), no punctuation."""
    text = re.sub(r"^\s*(?:\[\d+\]|\d+[.)])\s*", "", text.lower())
    text = _IDENTIFIERS.sub(" ", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _name(ref: Reference) -> str:
    return f"reference {ref.number}" if ref.number is not None else f"reference {ref.id}"


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _ranges(numbers: list[int]) -> str:
    """`1-4, 7` for [1, 2, 3, 4, 7]."""
    parts: list[tuple[int, int]] = []
    for n in numbers:
        if parts and parts[-1][1] == n - 1:
            parts[-1] = (parts[-1][0], n)
        else:
            parts.append((n, n))
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in parts)


# -- the rules these checks emit ----------------------------------------


def _explain_undefined(finding: Finding, labels: object) -> str | None:
    if finding.citation is None:
        return None
    return f"Reference {finding.citation} is cited here, but the reference list has no entry {finding.citation}."


def _explain_uncited(finding: Finding, labels: object) -> str | None:
    if finding.reference is None:
        return None
    return f"Reference {finding.reference} is in the reference list but never cited in the text."


CA101 = Rule(
    "CA101", "undefined-citation", "error",
    "a marker cites a number that has no entry in the reference list",
    help="Add the missing entry to the reference list, or correct the number in the marker.",
    explain=_explain_undefined)

CA102 = Rule(
    "CA102", "uncited-reference", "warning",
    "a reference-list entry is never cited in the text",
    help="Cite the reference where it supports a claim, or remove it from the list.",
    explain=_explain_uncited)

CA103 = Rule(
    "CA103", "citation-order", "warning",
    "numbers are not assigned in order of first citation (Vancouver/AMA)",
    help="Renumber the references in order of first citation (Vancouver/AMA), or move the citation.")

CA104 = Rule(
    "CA104", "malformed-marker", "error",
    "a marker cannot be read unambiguously: descending range (5-3), empty item (1,,2), range of one, mixed bracket styles, a superscript that may be an exponent or footnote",
    help="Rewrite the marker unambiguously: ascending ranges (3-5), no empty items, one bracket style.")

CA105 = Rule(
    "CA105", "duplicate-reference", "warning",
    "two reference-list entries are the same work (same DOI/PMID, or near-identical text)",
    help="Keep one of the two entries and point every citation of the other at it.")

CA106 = Rule(
    "CA106", "reference-numbering", "error",
    "the reference list's own numbering has a gap, a repeat, or is out of sequence",
    help="Number the reference list 1, 2, 3... without gaps or repeats.")

CA107 = Rule(
    "CA107", "unused-suppression", "info",
    "an inline `citeaudit: ignore` directive (or a BibTeX `citeaudit-ignore` field) hides no finding: the problem it accepted is gone",
    help="Remove the stale suppression, as ruff's unused-noqa asks.")


def unused_suppressions(context: CheckContext) -> Iterator[Finding]:
    """CA107 comes once every check has run and the suppressions were applied (`stale_suppression`)."""
    return iter(())


def stale_suppression(suppression: Suppression) -> Finding:
    """CA107 for an inline suppression that hid nothing (citeaudit.suppression judges which)."""
    what = ", ".join(suppression.codes) if suppression.codes else "every rule"
    where = f"library entry {suppression.key}" if suppression.key else "its scope"
    return Finding(rule="CA107", message=f"inline suppression of {what} hides nothing in {where}: "
                                         "remove it (the finding it accepted is gone)",
                   span=suppression.span, key=suppression.key,
                   path=str(suppression.span.part) if suppression.key and suppression.span.part else None,
                   evidence={"codes": list(suppression.codes), "key": suppression.key})


CHECKS = (
    Check("undefined-citation", (CA101,), undefined_citations,
          description="markers citing numbers the reference list (or keys the library) lacks"),
    Check("uncited-reference", (CA102,), uncited_references,
          description="reference-list entries no marker cites"),
    Check("citation-order", (CA103,), citation_order,
          description="numbers assigned out of order of first citation (numeric style)"),
    Check("malformed-marker", (CA104,), malformed_markers,
          description="markers that cannot be read unambiguously"),
    Check("duplicate-reference", (CA105,), duplicate_references,
          description="the same work listed twice"),
    Check("reference-numbering", (CA106,), reference_numbering,
          description="gaps, repeats and disorder in the list's own numbering"),
    Check("unused-suppression", (CA107,), unused_suppressions, stale=stale_suppression,
          description="inline suppressions that hide nothing (judged after every other check)"),
)


@hookimpl(trylast=True)
def citeaudit_register_checks(register: Callable[[Check], None]) -> None:
    for check in CHECKS:
        register(check)
