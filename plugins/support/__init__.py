"""Built-in plugin: does the cited work back the sentence? (CA401-CA406).

Cheap, explainable signs only: a drug, target or disease the cited work
never names (CA401), a number that conflicts with its abstract (CA402), a
study design its PubMed publication types rule out (CA403), a drug given
the wrong mechanism (CA404), a run of claims that fit the next reference
better than their own (CA405), a claim that shares little with its source
(CA406). Every finding's evidence says what was looked for, what was found
and the abstract sentence closest to the claim. See docs/accuracy.md for
how often they are right.
"""

from __future__ import annotations

from collections.abc import Callable

from citeaudit import hookimpl
from citeaudit.checks import Check
from citeaudit.plugins.support.checks import check_pharmacology, check_support, check_weak_support
from citeaudit.plugins.support.sources import unchecked_claims


@hookimpl(trylast=True)
def citeaudit_register_checks(register: Callable[[Check], None]) -> None:
    register(Check(
        name="claim-support", rules=("CA401", "CA402", "CA403", "CA405"), run=check_support,
        needs=frozenset({"records"}), unchecked=unchecked_claims,
        description="claims against the abstracts, MeSH terms and publication types they cite"))
    register(Check(
        name="pharmacology", rules=("CA404",), run=check_pharmacology,
        description="drugs given a target or class the bundled dermatology lexicon contradicts"))
    register(Check(
        name="weak-support", rules=("CA406",), run=check_weak_support,
        needs=frozenset({"records", "library-records"}),
        description="claims that share little with their cited work, and library entries that fit better"))
