"""Lexical topic match between a claim and a work: TF-IDF cosine, stdlib only.

Similarity says "the claim and the work are about the same thing", never
"the work supports the claim": on Check-COVID it tells the true abstract
from another one well, but not support from refutation (docs/accuracy.md).
Words are folded by a crude suffix stripper and lexicon concepts become
extra terms, so "atopic eczema" and "AD" meet "atopic dermatitis".
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from citeaudit import patterns
from citeaudit.plugins.support.entities import mentions

_TOKEN = patterns.compile(r"[a-z0-9]+(?:[.·][0-9]+)?")
_STOPWORDS = frozenset("""
a about above after again against all also although am among an and any are as at be
because been before being below between both but by can could did do does doing done
during each either et al etc few for from further had has have having he her here hers
him his how however i if in into is it its itself just may me might more most much must
my no nor not now of off on once only or other our ours out over own per same she should
since so some such than that the their theirs them then there these they this those
through thus to too under until up upon us very via was we were what when where whether
which while who whom whose why will with within without would yet you your
study studies patient patients result results conclusion conclusions background method
methods objective objectives aim aims use used using show showed shown found finding
findings report reported data analysis analyses associated association among including
""".split())
_SUFFIXES = ("ational", "ations", "ation", "ments", "ment", "ness", "ings", "ing", "edly",
             "ies", "ied", "es", "ed", "ly", "s")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude, consistent suffix stripper: good enough to meet plural and past forms."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            base = word[: -len(suffix)]
            return base + "y" if suffix in ("ies", "ied") else base
    return word


def terms(text: str) -> list[str]:
    """The terms a text is indexed by: folded words and lexicon concepts."""
    words = [stem(w.replace("·", ".")) for w in _TOKEN.findall(text.lower()) if w not in _STOPWORDS]
    words.extend(f"<{m.concept}>" for m in mentions(text))
    return [w for w in words if len(w) > 1]


@dataclass(frozen=True, slots=True)
class Vector:
    """A TF-IDF vector with its norm."""

    weights: dict[str, float]
    """Term -> weight."""
    norm: float
    """Euclidean norm of the weights."""

    def cosine(self, other: Vector) -> float:
        """Cosine similarity, 0 when either is empty."""
        if not self.norm or not other.norm:
            return 0.0
        small, large = sorted((self.weights, other.weights), key=len)
        dot = sum(w * large.get(t, 0.0) for t, w in small.items())
        return dot / (self.norm * other.norm)


class Index:
    """Inverse document frequencies over a set of works (the cited references).

    With few works every term weighs about the same, which is what a lone
    reference needs; with many, words shared by all of them stop counting.
    """

    def __init__(self, documents: Iterable[Sequence[str]]):
        frequencies: Counter[str] = Counter()
        count = 0
        for document in documents:
            count += 1
            frequencies.update(set(document))
        self._idf = {t: math.log((count + 1) / (n + 0.5)) + 1.0 for t, n in frequencies.items()}
        self._unseen = math.log((count + 1) / 0.5) + 1.0

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency; unseen terms weigh most."""
        return self._idf.get(term, self._unseen)

    def vector(self, document_terms: Sequence[str]) -> Vector:
        """The TF-IDF vector of one text's terms (sublinear term frequency)."""
        weights = {t: (1.0 + math.log(n)) * self.idf(t) for t, n in Counter(document_terms).items()}
        return Vector(weights, math.sqrt(sum(w * w for w in weights.values())))


def best_sentence(claim: Vector, sentences: Sequence[str], index: Index) -> tuple[str | None, float]:
    """The sentence of a work closest to the claim, and its similarity."""
    best, score = None, 0.0
    for sentence in sentences:
        value = claim.cosine(index.vector(terms(sentence)))
        if value > score:
            best, score = sentence, value
    return best, score
