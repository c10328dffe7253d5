"""The rule catalogue: every code a finding can carry (RULES.md).

Codes are public interface: add, never repurpose. `citeaudit rules` prints
this table; the pipeline takes default severities from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from citeaudit.model import Severity


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of RULES.md."""

    code: str
    """`CA` and three digits; the first digit is the family."""
    name: str
    """Kebab-case name, as in RULES.md."""
    severity: Severity
    """Default severity; configuration may override it."""
    summary: str
    """What it means, one sentence."""

    @property
    def family(self) -> str:
        """`CA1` .. `CA4`."""
        return self.code[:3]


FAMILIES = {
    "CA1": "the draft against itself (citation markers and reference list)",
    "CA2": "the draft against the BibTeX library",
    "CA3": "the references against the registries (Crossref, PubMed)",
    "CA4": "the claim against the work it cites",
}

RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule("CA101", "undefined-citation", "error",
             "a marker cites a number that has no entry in the reference list"),
        Rule("CA102", "uncited-reference", "warning",
             "a reference-list entry is never cited in the text"),
        Rule("CA103", "citation-order", "warning",
             "numbers are not assigned in order of first citation (Vancouver/AMA)"),
        Rule("CA104", "malformed-marker", "error",
             "a marker cannot be read unambiguously: descending range (5-3), empty item (1,,2), range of one, mixed bracket styles, a superscript that may be an exponent or footnote"),
        Rule("CA105", "duplicate-reference", "warning",
             "two reference-list entries are the same work (same DOI/PMID, or near-identical text)"),
        Rule("CA106", "reference-numbering", "error",
             "the reference list's own numbering has a gap, a repeat, or is out of sequence"),
        Rule("CA201", "bib-syntax", "error",
             "the .bib file does not parse; the finding gives file and line"),
        Rule("CA202", "bib-duplicate", "warning",
             "two library entries share a key, a DOI or a PMID"),
        Rule("CA203", "reference-not-in-library", "warning",
             "a reference-list entry matches no library entry"),
        Rule("CA204", "reference-library-mismatch", "warning",
             "matched, but year, volume, issue, pages, first author or journal disagree"),
        Rule("CA205", "missing-identifier", "info",
             "neither the reference nor its library entry carries a DOI or PMID"),
        Rule("CA206", "invalid-identifier", "error",
             "a DOI, PMID or PMCID is syntactically invalid (the finding shows the value)"),
        Rule("CA301", "doi-not-found", "error",
             "the registry answers that the DOI does not exist"),
        Rule("CA302", "pmid-not-found", "error",
             "PubMed answers that the PMID does not exist"),
        Rule("CA303", "identifier-conflict", "error",
             "the DOI and the PMID of one reference name different works"),
        Rule("CA304", "metadata-mismatch", "warning",
             "title, authors, year, journal, volume, issue or pages disagree with the registry record (error when the title does not match at all)"),
        Rule("CA305", "retracted", "error",
             "the cited work has been retracted"),
        Rule("CA306", "correction-notice", "warning",
             "the cited work has an erratum, correction or expression of concern"),
        Rule("CA307", "preprint-published", "info",
             "a cited preprint has since been published; cite the version of record"),
        Rule("CA308", "metadata-unavailable", "info",
             "the record could not be fetched (offline, timeout, rate limit): the reference was not verified (at most once per reference)"),
        Rule("CA309", "registry-unavailable", "error",
             "a registry could not be reached or kept failing during an online run: one finding per registry, with the number of references left unverified (`--offline` accepts them instead)"),
        Rule("CA310", "unresolvable-reference", "warning",
             "a journal article or preprint without DOI/PMID that no registry search finds (title, first author and year agree with no candidate): possibly fabricated"),
        Rule("CA401", "claim-entity-mismatch", "warning",
             "a drug, target or disease named in the claim appears nowhere in the cited work's title, abstract, keywords or MeSH terms"),
        Rule("CA402", "claim-number-mismatch", "warning",
             "a quantity in the claim (effect size, confidence interval, sample size, count, percentage) is not found in the cited work's abstract"),
        Rule("CA403", "study-design-mismatch", "warning",
             "the claim describes the cited work as a design (meta-analysis, randomised controlled trial, cohort, case report) that its publication type contradicts"),
        Rule("CA404", "pharmacology-contradiction", "error",
             "the claim gives a drug a target or class that contradicts the bundled dermatology lexicon (e.g. \"dupilumab, a JAK inhibitor\")"),
        Rule("CA405", "citation-shift", "warning",
             "several consecutive claims match reference n+k far better than reference n: the numbering has probably shifted"),
        Rule("CA406", "weak-support", "info",
             "the cited work shares little with the claim; the finding names library entries that support it better, if any"),
    )
}


def rule(code: str) -> Rule:
    """The rule with this code; KeyError for an unknown code."""
    return RULES[code]


def matches(code: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """True when `code` equals or starts with one of the patterns (`CA1`, `CA304`)."""
    return any(code.startswith(p.strip().upper()) for p in patterns if p.strip())
