"""Findings in plain words, for the reports people read (HTML page, Word comments).

A check's message is written for a log line: exact, dense, rule-shaped.
An author reading a commented draft needs the problem first, in a
sentence ("The cited abstract never mentions isotretinoin"), and the rule
code last, for looking it up. `explain` builds that sentence from the
finding's evidence, and falls back to the check's own message for rules
(or plugins) it has no wording for, so nothing is ever left unexplained.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from citeaudit.model import Finding

SOURCES = {"crossref": "Crossref", "pubmed": "PubMed", "library": "the library",
           "crossref-search": "a Crossref search", "ecitmatch": "PubMed ECitMatch"}
FIELD_NAMES = {"first_author": "first author", "first author": "first author"}


def _ref(finding: Finding) -> str:
    number = finding.reference if finding.reference is not None else finding.citation
    return f"reference {number}" if number is not None else "the cited work"


def _words(items: Sequence[Any]) -> str:
    names = [str(i) for i in items if str(i)]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _fields(names: Sequence[str]) -> str:
    """ "a different year", "different authors", "a different year and volume"."""
    words = [FIELD_NAMES.get(n, n.replace("_", " ")) for n in names]
    article = "" if words and words[0] == "authors" else "a "
    return article + "different " + _words(words)


def _sentence(text: str) -> str:
    """Capitalised, unless it starts with a name that must stay as written (a file, a DOI, `[9]`)."""
    text = text.strip()
    first = text.split(" ", 1)[0]
    if not first.isalpha() and not first.rstrip(",:;").isalpha():
        return text
    return text[:1].upper() + text[1:]


def explain(finding: Finding) -> str:
    """One or two sentences saying what is wrong, without the rule code."""
    evidence: Mapping[str, Any] = finding.evidence if isinstance(finding.evidence, Mapping) else {}
    rule = finding.rule
    ref = _ref(finding)
    looked_for = evidence.get("looked_for")
    if rule == "CA101" and finding.citation is not None:
        return f"Reference {finding.citation} is cited here, but the reference list has no entry {finding.citation}."
    if rule == "CA102" and finding.reference is not None:
        return f"Reference {finding.reference} is in the reference list but never cited in the text."
    if rule == "CA204" and isinstance(evidence.get("fields"), Mapping):
        return (f"The reference and its library entry{_key(finding)} give "
                f"{_fields(list(evidence['fields']))}.")
    if rule == "CA304" and isinstance(evidence.get("differences"), Mapping):
        who = "The library entry" if evidence.get("origin") == "library entry" else "The reference"
        registries = _words([{"crossref": "Crossref", "pubmed": "PubMed"}.get(r, r)
                             for r in evidence.get("registries", [])]) or "the registry"
        return f"{who} gives {_fields(list(evidence['differences']))} than {registries}."
    if rule == "CA305":
        return f"The cited work ({ref}) has been retracted. {_notices(evidence)}".strip()
    if rule == "CA306":
        kinds = _words(sorted({str(n.get("kind", "correction")).replace("-", " ")
                               for n in evidence.get("notices", []) if isinstance(n, Mapping)})) or "correction"
        return f"The cited work ({ref}) has a {kinds} notice: check that the claim still holds. {_notices(evidence)}".strip()
    if rule == "CA308":
        return f"The registry record of {ref} could not be fetched, so it was not verified ({evidence.get('reason', 'unavailable')})."
    if rule == "CA401" and isinstance(looked_for, list) and looked_for:
        return (f"The cited abstract never mentions {_words(looked_for)} "
                f"(nor do the title, keywords or MeSH terms of {ref}).")
    if rule == "CA402" and looked_for:
        found = evidence.get("found") or []
        said = _words(found) if isinstance(found, list) else str(found)
        if evidence.get("claim_text") and evidence.get("found_text"):
            return (f"The claim says \u201c{evidence['claim_text']}\u201d; the abstract of {ref} says "
                    f"\u201c{_words(evidence['found_text'])}\u201d ({said}).")
        return f"The claim gives {looked_for}; the abstract of {ref} gives {said}."
    if rule == "CA403" and isinstance(looked_for, list):
        types = _words(evidence.get("found") or [])
        return f"The claim calls {ref} a {_words(looked_for)}; PubMed lists it as {types}."
    if rule == "CA404" and evidence.get("drug") and looked_for:
        own = _words([str(t).replace("-", " ") for t in evidence.get("found", [])])
        return (f"The claim calls {evidence['drug']} \u201c{looked_for}\u201d, but its label makes it "
                f"{own} (citeaudit dermatology lexicon).")
    if rule == "CA406":
        return f"The claim shares few words with {ref}; is this the work that supports it?"
    return _sentence(finding.message).rstrip(".") + "."


def _key(finding: Finding) -> str:
    return f" ({finding.key})" if finding.key else ""


def _notices(evidence: Mapping[str, Any]) -> str:
    where = [str(n.get("doi") or (f"PMID {n['pmid']}" if n.get("pmid") else "")) for n in evidence.get("notices", [])
             if isinstance(n, Mapping)]
    where = [w for w in where if w]
    return f"Notice: {_words(where)}." if where else ""


def fix_text(finding: Finding) -> str | None:
    """The finding's suggested fix as a sentence, when a check offered one."""
    fix = getattr(finding, "fix", None)
    if not fix:
        return None
    if isinstance(fix, str):
        return _sentence(fix)
    if hasattr(fix, "suggestion") and hasattr(fix, "source"):  # citeaudit.model.Fix
        was = f" instead of {fix.old}" if fix.old is not None and fix.new is not None else ""
        return f"{_sentence(fix.suggestion())}{was} (from {SOURCES.get(fix.source, fix.source)})."
    if isinstance(fix, Mapping):
        for name in ("description", "text", "message", "summary"):
            if fix.get(name):
                return _sentence(str(fix[name]))
        if fix.get("replacement") is not None:
            return f"Suggested: {fix['replacement']}"
        return None
    for name in ("description", "text", "message", "summary"):
        value = getattr(fix, name, None)
        if value:
            return _sentence(str(value))
    return None


def with_code(finding: Finding) -> str:
    """The plain sentence, the fix when there is one, then the rule code: for one-line uses."""
    parts = [explain(finding)]
    fix = fix_text(finding)
    if fix:
        parts.append(f"Fix: {fix}")
    return " ".join(parts) + f" \u2014 {finding.rule}"
