"""Study designs a claim states, against PubMed publication types."""

from __future__ import annotations

import pytest

from citeaudit.plugins.support.design import claimed_designs, contradicted


@pytest.mark.parametrize(("text", "designs"), [
    ("A meta-analysis of eight randomised controlled trials found", ["meta-analysis"]),
    ("In a randomized, double-blind, placebo-controlled trial, X worked", ["randomised controlled trial"]),
    ("A retrospective cohort study found", ["cohort study"]),
    ("RCTs have shown", []),
    ("No randomised controlled trial has tested it", []),
    ("A randomised controlled trial is needed", []),
])
def test_claimed_designs(text, designs) -> None:
    assert claimed_designs(text) == designs


def test_contradicted() -> None:
    assert contradicted(["meta-analysis"], ["Case Reports", "Journal Article"])
    assert not contradicted(["meta-analysis"], ["Journal Article"])  # no design stated
    assert not contradicted(["randomised controlled trial"], ["Clinical Trial, Phase III"])
    assert contradicted(["randomised controlled trial"], ["Review"])
