"""The marker grammar: the cases of data/markers.txt plus a round-trip property."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st
from paths import DATA

from citeaudit.markers import MAX_RANGE, Found, find_markers, parse_numbers

CASES_FILE = DATA / "markers.txt"


@dataclass(frozen=True)
class Case:
    """One case of markers.txt."""

    title: str
    text: str
    expected: tuple[str, ...]
    reference_count: int | None
    line: int


def load_cases(kind: str) -> list[Case]:
    """Cases of markers.txt: kind "markers" or "claims" (title starts with "claims:")."""
    lines = CASES_FILE.read_text(encoding="utf-8").split("\n")
    cases: list[Case] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.startswith("#"):
            i += 1
            continue
        title, start = line, i + 1
        assert lines[i + 1] == ".", f"markers.txt:{i + 2}: expected '.' after the title"
        j = lines.index(".", i + 2)
        k = lines.index(".", j + 1)
        refs = re.search(r"\(refs=(\d+)\)$", title)
        case = Case(title, "\n".join(lines[i + 2:j]), tuple(lines[j + 1:k]),
                    int(refs[1]) if refs else None, start)
        if title.startswith("claims:") == (kind == "claims"):
            cases.append(case)
        i = k + 1
    return cases


def describe(found: Found) -> str:
    line = f"{found.style} | {found.text} | {','.join(map(str, found.numbers))} | {found.problem or ''}"
    if found.keys:
        line += " | " + ",".join(found.keys)
    return line


@pytest.mark.parametrize("case", load_cases("markers"), ids=lambda c: c.title)
def test_marker_case(case: Case) -> None:
    found = find_markers(case.text, reference_count=case.reference_count)
    assert [describe(f).rstrip() for f in found] == [e.rstrip() for e in case.expected]
    for f in found:
        assert case.text[f.start:f.end] == f.text


def test_fixture_file_has_many_cases() -> None:
    assert len(load_cases("markers")) >= 35
    assert len(load_cases("claims")) >= 6


@pytest.mark.parametrize(("body", "expected"), [
    ("1, 3–5", ((1, 3, 4, 5), None)),
    ("5-3", ((3, 4, 5), "descending range 5-3")),
    ("1,,2", ((1, 2), "empty item")),
    ("  7 ", ((7,), None)),
    ("2-4,1", ((2, 3, 4, 1), None)),
    ("", ((), "no reference number")),
    ("a", ((), "unreadable item 'a'")),
    ("¹⁻³", ((1, 2, 3), None)),
])
def test_parse_numbers(body: str, expected: tuple) -> None:
    assert parse_numbers(body) == expected


def test_range_limit_is_inclusive() -> None:
    assert parse_numbers(f"1-{MAX_RANGE + 1}")[1] is None
    assert parse_numbers(f"1-{MAX_RANGE + 2}")[1] is not None


def test_found_is_frozen() -> None:
    found = find_markers("x [1]")[0]
    with pytest.raises(AttributeError):
        found.start = 3  # type: ignore[misc]


# -- round trip: any set of numbers written in each style reads back ---------

_SUP = str.maketrans("0123456789,-", "⁰¹²³⁴⁵⁶⁷⁸⁹˒⁻")


def compress(numbers: list[int]) -> str:
    """Numbers as an author writes them: runs of three or more as ranges."""
    parts, i = [], 0
    while i < len(numbers):
        j = i
        while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{numbers[i]}-{numbers[j]}")
            i = j + 1
        else:
            parts.append(str(numbers[i]))
            i += 1
    return ",".join(parts)


WRITERS = {
    "bracket": lambda body: f"in treated patients [{body.replace(',', ', ')}].",
    "bracket-dash": lambda body: f"in treated patients [{body.replace('-', '–')}].",
    "html-sup": lambda body: f"in treated patients<sup>{body}</sup>.",
    "pandoc-sup": lambda body: f"in treated patients^{body}^.",
    "unicode-sup": lambda body: f"in treated patients{body.translate(_SUP)}.",
    "paren": lambda body: f"in treated patients ({body}).",
    "flattened": lambda body: f"in treated patients).{body} Next",
}

numbers_strategy = st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=8,
                            unique=True).map(sorted)


@pytest.mark.parametrize("style", sorted(WRITERS))
@given(numbers=numbers_strategy)
def test_round_trip(style: str, numbers: list[int]) -> None:
    text = WRITERS[style](compress(numbers))
    found = find_markers(text, reference_count=60)
    assert len(found) == 1, (text, found)
    assert list(found[0].numbers) == numbers
    assert found[0].problem is None
    assert found[0].style == style.split("-dash")[0]


@given(numbers=st.lists(st.integers(min_value=1, max_value=99), min_size=1, max_size=6))
def test_any_order_reads_back_in_written_order(numbers: list[int]) -> None:
    text = "cited [" + ", ".join(map(str, numbers)) + "]"
    assert find_markers(text)[0].numbers == tuple(numbers)
