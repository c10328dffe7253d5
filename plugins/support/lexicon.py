"""The bundled dermatology lexicon (lexicon.json), loaded once and compiled.

The JSON file holds the facts and names their sources; this module turns
them into `Concept`s and one compiled pattern per matching mode, because
matching a few hundred surface forms one by one per sentence would not keep
a 200-reference review under 100 ms.
"""

from __future__ import annotations

import json
import pkgutil
import re
from dataclasses import dataclass
from functools import cache

from citeaudit import patterns

DRUG, TARGET, DISEASE, KIND = "drug", "target", "disease", "kind"


@dataclass(frozen=True, slots=True)
class Concept:
    """One thing the lexicon knows: a drug, a target, a disease or a drug kind."""

    id: str
    """Stable identifier (`dupilumab`, `il-4r`, `atopic-dermatitis`, `mab`)."""
    kind: str
    """drug, target, disease or kind."""
    label: str
    """How a message names it."""
    broader: tuple[str, ...] = ()
    """Every broader concept, transitively (`jak1` -> `jak`)."""
    tags: frozenset[str] = frozenset()
    """For drugs: targets and kinds from the label, broader ones included."""


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Concepts and the patterns that find them in text."""

    concepts: dict[str, Concept]
    """Concept id -> Concept."""
    names: dict[str, str]
    """Lower-case surface form -> concept id (case-insensitive names)."""
    abbreviations: dict[str, str]
    """Surface form -> concept id (matched case-sensitively)."""
    name_pattern: re.Pattern[str]
    """Every name in lower case, as whole words (match it on lowered text)."""
    abbreviation_pattern: re.Pattern[str]
    """Every abbreviation, as whole words, case-sensitive."""


def _closure(start: str, parents: dict[str, str]) -> tuple[str, ...]:
    chain: list[str] = []
    current = parents.get(start)
    while current and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return tuple(chain)


def _words(forms: list[str]) -> re.Pattern[str]:
    # A trie-shaped alternation: Python's regex engine tries a flat list of
    # hundreds of names one by one at every position, a trie rejects at once.
    # Lookarounds instead of \b because names end in "α".
    trie: dict = {}
    for form in set(forms):
        node = trie
        for char in form:
            node = node.setdefault(char, {})
        node[""] = {}
    return patterns.compile(rf"(?<![\w])(?:{_alternation(trie)})(?![\w])")


def _alternation(node: dict) -> str:
    """Regex of a trie node; longer continuations are tried before stopping here."""
    branches = [re.escape(char) + _alternation(child) for char, child in sorted(node.items()) if char]
    optional = "" in node
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 and not optional else "(?:" + "|".join(branches) + ")"
    return body + "?" if optional else body


@cache
def lexicon() -> Lexicon:
    """The bundled lexicon, parsed and compiled on first use."""
    # pkgutil reads it through the package's loader (a folder or a zip), without
    # importlib.resources' imports (tempfile, shutil, bz2, lzma) on every run.
    data = pkgutil.get_data(__package__ or "citeaudit.plugins.support", "lexicon.json")
    if data is None:
        raise FileNotFoundError("citeaudit.plugins.support: lexicon.json is not readable through its loader")
    raw = json.loads(data.decode("utf-8"))
    parents: dict[str, str] = {}
    for table in ("targets", "kinds", "diseases"):
        for cid, item in raw[table].items():
            if item.get("broader"):
                parents[cid] = item["broader"]
    concepts: dict[str, Concept] = {}
    names: dict[str, str] = {}
    abbreviations: dict[str, str] = {}
    for table, kind in (("targets", TARGET), ("kinds", KIND), ("diseases", DISEASE)):
        for cid, item in raw[table].items():
            concepts[cid] = Concept(cid, kind, item["names"][0], _closure(cid, parents))
            for name in item["names"]:
                names.setdefault(name.lower(), cid)
            for abbreviation in item.get("abbreviations", ()):
                abbreviations[abbreviation] = cid
    for cid, item in raw["drugs"].items():
        tags: set[str] = set()
        for tag in item["tags"]:
            tags.add(tag)
            tags.update(_closure(tag, parents))
            implied = raw["kinds"].get(tag, {}).get("implies")
            if implied:
                tags.add(implied)
        concepts[cid] = Concept(cid, DRUG, cid, (), frozenset(tags))
        for name in (cid, *item.get("synonyms", ()), *item.get("brands", ())):
            names.setdefault(name.lower(), cid)
    return Lexicon(
        concepts=concepts,
        names=names,
        abbreviations=abbreviations,
        name_pattern=_words(list(names)),
        abbreviation_pattern=_words(list(abbreviations)),
    )
