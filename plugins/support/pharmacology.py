"""What a sentence says a drug is, and whether the lexicon contradicts it (CA404).

A class phrase ("a JAK inhibitor", "anti-IL-17A antibody", "which targets
IL-12 and IL-23", "a monoclonal antibody") is attributed to a drug only by
tight patterns inside one clause: an apposition ("dupilumab, a JAK
inhibitor"), a copula ("dupilumab is a..."), a relative clause ("which
blocks..."), or the phrase right before the drug ("the JAK1 inhibitor
upadacitinib", "JAK inhibitors such as tofacitinib, baricitinib and ...").
Anything looser ("unlike JAK inhibitors, dupilumab...") is left alone:
a wrong error-level finding costs more than a missed one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from citeaudit import patterns
from citeaudit.plugins.support.entities import Mention, mentions, normalise
from citeaudit.plugins.support.lexicon import DRUG, KIND, TARGET, lexicon

_JOINER = patterns.compile(r"\s*(?:|/|,\s*(?:and|or)?|and|or|-|subunit (?:of|shared by)|shared by)\s*$",
                     re.IGNORECASE)
_SUFFIX = patterns.compile(
    r"[\s-]*(?:receptor\s+)?(?:(?:selective|specific|targeting|targeted|blocking|directed|"
    r"neutrali[sz]ing)\s+)?(?P<noun>inhibitors?|antagonists?|blockers?|blockade|"
    r"(?P<mab>(?:fully\s+human\s+|humani[sz]ed\s+)?monoclonal\s+antibod(?:y|ies)|mAbs?)|"
    r"antibod(?:y|ies)|agents?|biologics?|therap(?:y|ies)|drugs?)(?![\w-])", re.IGNORECASE)
_VERBS = frozenset("""targets target targeting inhibits inhibit inhibiting blocks block blocking binds
bind binding antagonises antagonizes antagonising antagonizing neutralises neutralizes
against inhibitor antagonist blocker""".split())
_MODIFIERS = _VERBS | frozenset("""which that is was are acts act as a an the selective oral topical
systemic novel first-in-class fully human humanized humanised recombinant monoclonal antibody
specifically selectively potent reversible highly second-generation first approved new
injectable subcutaneous biologic small-molecule small molecule igg4 igg1 igg2 directed
subunit receptor alpha cream ointment once-daily daily""".split())
# Prepositions that attach only after these words: "binds to", "inhibitor of".
_PREPOSITIONS = {"to": {"binds", "bind", "binding", "directed"},
                 "of": {"inhibitor", "antagonist", "blocker", "subunit"}}
_FORWARD = patterns.compile(r"\s*(?:,?\s*(?:such as|including|like|e\.g\.,?|namely|for example,?)\s+|\(\s*|\s+)$",
                      re.IGNORECASE)
_CHAIN = patterns.compile(r"\s*(?:,|,?\s*and|,?\s*or)\s*$", re.IGNORECASE)
_PAREN = patterns.compile(r"^\s*\([^()]*\)")


@dataclass(frozen=True, slots=True)
class ClassPhrase:
    """Words that say what a drug is or what it acts on."""

    start: int
    """Offset of the first character."""
    end: int
    """Offset after the last character."""
    targets: frozenset[str]
    """Target concepts named."""
    kinds: frozenset[str]
    """Drug kinds named (monoclonal antibody, small molecule...)."""
    bare: bool
    """True for a target named without a class noun: only a verb may attach it."""
    text: str
    """As written."""


@dataclass(frozen=True, slots=True)
class Contradiction:
    """A drug given a target or kind its label does not give it."""

    drug: Mention
    """The drug as named."""
    phrase: ClassPhrase
    """What the sentence says it is."""
    wrong: tuple[str, ...]
    """Targets or kinds in the phrase the drug does not have."""


def class_phrases(text: str, found: Sequence[Mention]) -> list[ClassPhrase]:
    """Class phrases in `text`, given its mentions."""
    phrases: list[ClassPhrase] = []
    group: list[Mention] = []

    def close() -> None:
        if not group:
            return
        start, end = group[0].start, group[-1].end
        anti = text[max(0, start - 5):start].lower() == "anti-"
        if anti:
            start -= 5
        kinds: set[str] = set()
        suffix = _SUFFIX.match(text, end)
        if suffix:
            end = suffix.end()
            if suffix.group("mab"):
                kinds.add("mab")
        phrases.append(ClassPhrase(start, end, frozenset(m.concept for m in group), frozenset(kinds),
                                   not (anti or suffix), text[start:end]))
        group.clear()

    for mention in found:
        if mention.kind == TARGET:
            if group and not _JOINER.fullmatch(text[group[-1].end:mention.start]):
                close()
            group.append(mention)
            continue
        close()
        if mention.kind == KIND:
            phrases.append(ClassPhrase(mention.start, mention.end, frozenset(),
                                       frozenset({mention.concept}), False, mention.text))
    close()
    # A kind swallowed by a target phrase ("anti-IL-13 monoclonal antibody") is not a second phrase.
    return [p for p in phrases if not any(o is not p and o.start <= p.start and p.end <= o.end
                                          for o in phrases)]


def _attached_after(gap: str, bare: bool) -> bool:
    """Whether `gap` (drug ... phrase) ties the phrase to the drug in one clause."""
    gap = _PAREN.sub("", gap)
    if not gap or gap.count(",") > 1 or re.search(r"[;:.]", gap):
        return False
    words = re.findall(r"[\w-]+", gap.lower())
    if len(words) > 6:
        return False
    for previous, word in zip(["", *words], words, strict=False):
        if word not in _MODIFIERS and previous not in _PREPOSITIONS.get(word, ()):
            return False
    return not bare or any(w in _VERBS for w in words)


def contradictions(text: str) -> list[Contradiction]:
    """Drugs the sentence gives a target or kind the lexicon contradicts."""
    lex = lexicon()
    text = normalise(text)
    found = mentions(text)
    drugs = [m for m in found if m.kind == DRUG and m.concept in lex.concepts]
    result: list[Contradiction] = []
    for phrase in class_phrases(text, found):
        for drug in _drugs_of(text, phrase, drugs):
            tags = lex.concepts[drug.concept].tags
            wrong = tuple(sorted(t for t in phrase.targets | phrase.kinds
                                 if t not in tags and t in lex.concepts))
            if wrong:
                result.append(Contradiction(drug, phrase, wrong))
    return result


def _drugs_of(text: str, phrase: ClassPhrase, drugs: Sequence[Mention]) -> list[Mention]:
    after = [d for d in drugs if d.start >= phrase.end]
    if after and not phrase.bare and _FORWARD.fullmatch(text[phrase.end:after[0].start]):
        chain = [after[0]]
        for drug in after[1:]:
            if not _CHAIN.fullmatch(text[chain[-1].end:drug.start]):
                break
            chain.append(drug)
        return chain
    before = [d for d in drugs if d.end <= phrase.start]
    if before and _attached_after(text[before[-1].end:phrase.start], phrase.bare):
        return [before[-1]]
    return []


def label(concept: str) -> str:
    """How a message names a target or kind."""
    known = lexicon().concepts.get(concept)
    return known.label if known else concept
