"""Findings in plain words, for the reports people read (HTML page, Word comments).

A check's message is written for a log line: exact, dense, rule-shaped.
An author reading a commented draft needs the problem first, in a
sentence ("The cited abstract never mentions isotretinoin"), and the rule
code last, for looking it up. Each rule words its own findings
(`Rule.explain`, next to the check that emits it, built from the evidence
with the helpers here); `explain` only dispatches, and falls back to the
check's own message, so nothing is ever left unexplained.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from citeaudit.model import Finding
from citeaudit.rules import Rule

OWN_SOURCES = {"library": "the library", "reference": "the reference as written"}
"""How a fix drawn from the BibTeX library or from the draft's own reference (CA203's entry)
names its source; registries and searches name themselves (`Registry.label`, `citeaudit.bib.lookup.LABELS`), through the run's `labels`."""
FIELD_NAMES = {"first_author": "first author", "first author": "first author"}


def evidence_of(finding: Finding) -> Mapping[str, Any]:
    """The finding's evidence when it is a mapping (as the built-in checks give it), else empty."""
    return finding.evidence if isinstance(finding.evidence, Mapping) else {}


def reference_of(finding: Finding) -> str:
    """`reference 5`, `reference 7` (a citation with no entry), or `the cited work`."""
    number = finding.reference if finding.reference is not None else finding.citation
    return f"reference {number}" if number is not None else "the cited work"


def listed(items: Sequence[Any]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    names = [str(i) for i in items if str(i)]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def different(names: Sequence[str]) -> str:
    """ "a different year", "different authors", "a different year and volume"."""
    words = [FIELD_NAMES.get(n, n.replace("_", " ")) for n in names]
    article = "" if words and words[0] == "authors" else "a "
    return article + "different " + listed(words)


def _sentence(text: str) -> str:
    """Capitalised, unless it starts with a name that must stay as written (a file, a DOI, `[9]`)."""
    text = text.strip()
    first = text.split(" ", 1)[0]
    if not first.isalpha() and not first.rstrip(",:;").isalpha():
        return text
    return text[:1].upper() + text[1:]


def explain(finding: Finding, rules: Mapping[str, Rule] | None = None,
            labels: Mapping[str, str] | None = None) -> str:
    """One or two sentences saying what is wrong, without the rule code.

    The wording is the rule's own (`Rule.explain`, declared by the check that
    emits it); a rule without one, or that has nothing to say about this
    finding, falls back to the finding's message. `labels` name the data
    sources (`crossref` -> `Crossref`), as the run's `labels` do.
    """
    rule = (rules or {}).get(finding.rule)
    said = rule.explain(finding, labels or {}) if rule is not None and rule.explain is not None else None
    return said if said else _sentence(finding.message).rstrip(".") + "."


def source_label(source: str, labels: Mapping[str, str] | None = None) -> str:
    """How reports name a source of data: `Crossref`, `a Crossref search`, `the library`."""
    return (labels or {}).get(source) or OWN_SOURCES.get(source, source)


def fix_text(finding: Finding, labels: Mapping[str, str] | None = None) -> str | None:
    """The finding's suggested fix as a sentence, when a check offered one."""
    fix = getattr(finding, "fix", None)
    if not fix:
        return None
    if isinstance(fix, str):
        return _sentence(fix)
    if hasattr(fix, "suggestion") and hasattr(fix, "source"):  # citeaudit.model.Fix
        was = f" instead of {fix.old}" if fix.old is not None and fix.new is not None else ""
        return f"{_sentence(fix.suggestion())}{was} (from {source_label(fix.source, labels)})."
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


@dataclass(frozen=True)
class Explainer:
    """A run's rules and source labels, held together to word its findings (`Explainer.of(run)`)."""

    rules: Mapping[str, Rule] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, run: Any) -> Explainer:
        """For a `RunReport` (or anything with its `rules` and `labels`)."""
        return cls(getattr(run, "rules", None) or {}, getattr(run, "labels", None) or {})

    def explain(self, finding: Finding) -> str:
        return explain(finding, self.rules, self.labels)

    def fix_text(self, finding: Finding) -> str | None:
        return fix_text(finding, self.labels)
