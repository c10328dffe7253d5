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
from citeaudit.explain import evidence_of, listed, reference_of
from citeaudit.model import Finding
from citeaudit.plugins.support.checks import check_pharmacology, check_support, check_weak_support
from citeaudit.plugins.support.sources import unchecked_claims
from citeaudit.rules import Rule

# -- how their findings read in plain words (citeaudit.explain) --------------


def _explain_entity(finding: Finding, labels: object) -> str | None:
    looked_for = evidence_of(finding).get("looked_for")
    if not isinstance(looked_for, list) or not looked_for:
        return None
    return (f"The cited abstract never mentions {listed(looked_for)} "
            f"(nor do the title, keywords or MeSH terms of {reference_of(finding)}).")


def _explain_number(finding: Finding, labels: object) -> str | None:
    evidence = evidence_of(finding)
    looked_for, ref = evidence.get("looked_for"), reference_of(finding)
    if not looked_for:
        return None
    found = evidence.get("found") or []
    said = listed(found) if isinstance(found, list) else str(found)
    if evidence.get("claim_text") and evidence.get("found_text"):
        return (f"The claim says \u201c{evidence['claim_text']}\u201d; the abstract of {ref} says "
                f"\u201c{listed(evidence['found_text'])}\u201d ({said}).")
    return f"The claim gives {looked_for}; the abstract of {ref} gives {said}."


def _explain_design(finding: Finding, labels: object) -> str | None:
    evidence = evidence_of(finding)
    looked_for = evidence.get("looked_for")
    if not isinstance(looked_for, list):
        return None
    types = listed(evidence.get("found") or [])
    return f"The claim calls {reference_of(finding)} a {listed(looked_for)}; PubMed lists it as {types}."


def _explain_pharmacology(finding: Finding, labels: object) -> str | None:
    evidence = evidence_of(finding)
    looked_for = evidence.get("looked_for")
    if not evidence.get("drug") or not looked_for:
        return None
    own = listed([str(t).replace("-", " ") for t in evidence.get("found", [])])
    return (f"The claim calls {evidence['drug']} \u201c{looked_for}\u201d, but its label makes it "
            f"{own} (citeaudit dermatology lexicon).")


def _explain_weak(finding: Finding, labels: object) -> str:
    return f"The claim shares few words with {reference_of(finding)}; is this the work that supports it?"


# -- the rules these checks emit ----------------------------------------

CA401 = Rule(
    "CA401", "claim-entity-mismatch", "warning",
    "a drug, target or disease named in the claim appears nowhere in the cited work's title, abstract, keywords or MeSH terms",
    help="Check that the cited work is about the drug, target or disease the claim names.",
    explain=_explain_entity)

CA402 = Rule(
    "CA402", "claim-number-mismatch", "warning",
    "a quantity in the claim (effect size, confidence interval, sample size, count, percentage) is not found in the cited work's abstract",
    help="Check the quantity against the cited work's abstract and full text.",
    explain=_explain_number)

CA403 = Rule(
    "CA403", "study-design-mismatch", "warning",
    "the claim describes the cited work as a design (meta-analysis, randomised controlled trial, cohort, case report) that its publication type contradicts",
    help="Describe the study as the design its publication type gives.",
    explain=_explain_design)

CA404 = Rule(
    "CA404", "pharmacology-contradiction", "error",
    'the claim gives a drug a target or class that contradicts the bundled dermatology lexicon (e.g. "dupilumab, a JAK inhibitor")',
    help="Correct the drug's target or class; the bundled lexicon gives the accepted one.",
    explain=_explain_pharmacology)

CA405 = Rule(
    "CA405", "citation-shift", "warning",
    "several consecutive claims match reference n+k far better than reference n: the numbering has probably shifted",
    help="Check the numbering of the citations around this claim: they look shifted by a constant.")

CA406 = Rule(
    "CA406", "weak-support", "info",
    "the cited work shares little with the claim; the finding names library entries that support it better, if any",
    help="Check that the cited work supports the claim; the evidence lists better candidates, if any.",
    explain=_explain_weak)


@hookimpl(trylast=True)
def citeaudit_register_checks(register: Callable[[Check], None]) -> None:
    register(Check(
        name="claim-support", rules=(CA401, CA402, CA403, CA405), run=check_support,
        needs=frozenset({"records"}), unchecked=unchecked_claims,
        description="claims against the abstracts, MeSH terms and publication types they cite"))
    register(Check(
        name="pharmacology", rules=(CA404,), run=check_pharmacology,
        description="drugs given a target or class the bundled dermatology lexicon contradicts"))
    register(Check(
        name="weak-support", rules=(CA406,), run=check_weak_support,
        needs=frozenset({"records", "library-records"}),
        description="claims that share little with their cited work, and library entries that fit better"))
