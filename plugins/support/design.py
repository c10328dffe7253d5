"""The study design a claim gives the cited work, against PubMed's publication types (CA403).

Only singular, affirmative descriptions count ("a meta-analysis of eight
trials found", "in a randomised controlled trial"): plurals ("RCTs have
shown") describe a body of evidence a review may stand for, and negations
("no randomised trial has...") describe what is missing. A record whose
publication types name no design ("Journal Article" only) contradicts
nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from citeaudit import patterns

_DESIGNS = [
    ("meta-analysis", r"(?:network\s+)?meta-?analysis(?![\w-])"),
    ("systematic review", r"systematic\s+(?:literature\s+)?review(?![\w-])"),
    ("randomised controlled trial",
     r"randomi[sz]ed(?:,?\s+(?:controlled|clinical|double-blind(?:ed)?|placebo-controlled|"
     r"multicent(?:er|re)|phase\s+(?:[23]|III|II)|parallel-group|open-label))*\s+trial(?![\w-])"
     r"|(?<![\w-])RCT(?![\w-])"),
    ("cohort study", r"(?:(?:prospective|retrospective|population-based|nationwide|longitudinal)\s+)*"
                     r"cohort\s+study(?![\w-])"),
    ("case report", r"case\s+report(?![\w-])|reported\s+a\s+case|single\s+case(?![\w-])"),
    ("case series", r"case\s+series(?![\w-])"),
]
# The lookahead names the letters a design can start with, so the scan of every
# claim passes over other positions at once (the same matches on the corpus).
_PATTERN = patterns.compile(
    "(?=[cilmnprs])(?:" + "|".join(f"(?P<d{i}>{p})" for i, (_, p) in enumerate(_DESIGNS)) + ")",
    re.IGNORECASE)
_NEGATED = patterns.compile(r"(?:\bno|\bnot|\bwithout|\black\s+of|\babsence\s+of|\bfuture|\bfurther|"
                      r"\bongoing|\blarger|\bwell-designed|\bpublished|\bprevious|\bprior|\bother|"
                      r"\bearlier)\s+(?:[\w-]+\s+){0,2}$", re.IGNORECASE)
_NEEDED = patterns.compile(r"\s+(?:is|are)\s+(?:needed|warranted|required|lacking)", re.IGNORECASE)

# PubMed publication type -> the design family it states.
_TYPES = {
    "meta-analysis": "meta-analysis",
    "systematic review": "systematic review",
    "review": "review",
    "randomized controlled trial": "randomised controlled trial",
    "clinical trial": "trial", "controlled clinical trial": "trial",
    "clinical trial, phase i": "trial", "clinical trial, phase ii": "trial",
    "clinical trial, phase iii": "trial", "clinical trial, phase iv": "trial",
    "pragmatic clinical trial": "trial", "equivalence trial": "trial",
    "observational study": "observational",
    "case reports": "case report",
}
# Claim design -> record design families that are consistent with it.
_COMPATIBLE = {
    "meta-analysis": {"meta-analysis", "systematic review", "review"},
    "systematic review": {"systematic review", "meta-analysis", "review"},
    "randomised controlled trial": {"randomised controlled trial", "trial"},
    "cohort study": {"observational"},
    "case report": {"case report"},
    "case series": {"case report", "observational"},
}


def claimed_designs(text: str) -> list[str]:
    """Designs the sentence gives its cited work; reviews take precedence over what they pooled."""
    found: list[str] = []
    for match in _PATTERN.finditer(text):
        if text[match.end():match.end() + 1].lower() == "s" or _NEGATED.search(text[:match.start()]):
            continue
        if _NEEDED.match(text, match.end()):
            continue
        design = _DESIGNS[int((match.lastgroup or "d0")[1:])][0]
        if design not in found:
            found.append(design)
    reviews = [d for d in found if d in ("meta-analysis", "systematic review")]
    return reviews or found[:1]


def record_designs(publication_types: Sequence[str]) -> set[str]:
    """Design families the publication types state."""
    return {_TYPES[t.lower()] for t in publication_types if t.lower() in _TYPES}


def contradicted(claimed: Sequence[str], publication_types: Sequence[str]) -> bool:
    """Whether the record's design rules out every design the claim gives it."""
    stated = record_designs(publication_types)
    if not claimed or not stated:
        return False
    allowed = set().union(*(_COMPATIBLE[d] for d in claimed))
    return not (stated & allowed)
