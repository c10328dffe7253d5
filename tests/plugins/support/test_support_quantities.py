"""Quantities as authors write them, and what counts as a conflict."""

from __future__ import annotations

import pytest

from citeaudit.plugins.support.quantities import compare, extract, parse_number

ABSTRACT = ("Eight randomised controlled trials with 2,706 participants were included. "
            "Meta-analysis showed a relative risk of skin infection of 0.54 (95% CI 0.38-0.76) and an "
            "odds ratio of eczema herpeticum of 0.34 (95% CI, 0.19 to 0.61); P < .001. "
            "Sensitivity was 97% and specificity 100%.")


@pytest.mark.parametrize(("written", "value", "decimals"), [
    ("2,706", 2706, 0), ("0.54", 0.54, 2), (".54", 0.54, 2), ("0·54", 0.54, 2), ("−0.3", -0.3, 1),
    ("eight", 8, 0), ("2\u2009706", 2706, 0),
])
def test_parse_number(written, value, decimals) -> None:
    assert parse_number(written) == (pytest.approx(value), decimals)


def test_extract_reads_measures_and_intervals() -> None:
    found = {q.describe() for q in extract(ABSTRACT)}
    assert {"number of studies 8", "number of participants 2706", "RR 0.54 (CI 0.38-0.76)",
            "OR 0.34 (CI 0.19-0.61)", "p-value 0.001", "percentage sensitivity 97%",
            "percentage specificity 100%"} <= found


def test_names_with_numbers_are_not_counts() -> None:
    assert [q.describe() for q in extract("Most COVID-19 patients and IL-6 levels rose.")] == []


def test_ci_level_is_not_a_percentage() -> None:
    assert [q.measure for q in extract("RR 0.54 (95% CI 0.38–0.76)")] == ["rr"]


@pytest.mark.parametrize(("claim", "outcome"), [
    ("RR 0.54", "found"), ("RR 0.5", "found"), ("RR 0.45", "conflict"), ("OR 0.54", "conflict"),
    ("RR 0.54 (95% CI 0.38-0.76)", "found"), ("RR 0.54 (95% CI 0.30-0.76)", "conflict"),
    ("2706 patients", "found"), ("2,076 participants", "conflict"), ("HR 0.9", "absent"),
    ("sensitivity of 95%", "conflict"), ("64% of patients", "absent"), ("p < .001", "found"),
])
def test_compare(claim, outcome) -> None:
    (result,) = compare(extract(claim), ABSTRACT)
    assert result.outcome == outcome


def test_spelled_out_counts_are_read_whole() -> None:
    from citeaudit.plugins.support.quantities import extract, spelled_value

    # Abstracts open sentences with spelled numbers (PMID 10809858, 16766484).
    found = [(q.measure, q.value) for q in extract("One hundred and seven patients with mild to moderate acne")]
    assert found == [("participants", 107.0)]
    assert [(q.measure, q.value) for q in extract("Twenty-four subjects, Fitzpatrick skin types II-V")] == [
        ("participants", 24.0)]
    assert spelled_value("thirty five") == 35 and spelled_value("nine hundred") == 900
    assert spelled_value("twenty-eleven") is None and spelled_value("hundred") is None
