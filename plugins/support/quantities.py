"""Quantities in a claim or an abstract, and whether a claim's quantity conflicts.

A quantity is a number with the measure it is a value of: an effect size
(RR, OR, HR, IRR, MD, SMD) with its confidence interval, a count of
participants or of studies, a percentage with what it is a percentage of,
a p-value. Numbers are read as authors write them: `2,706`, `0.54`, `.54`,
`0·54`, `54%`, `95% CI 0.38-0.76`, `0.38 to 0.76`, `−0.3`.

Only a *conflict* is a finding (CA402): the abstract gives the same measure
with another value, or gives the claim's value as a different ratio (RR
written where the abstract says OR). A number the abstract merely does not
mention is evidence, because abstracts leave most numbers out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from citeaudit import patterns

RATIO_MEASURES = ("rr", "or", "hr", "irr", "smd", "md")
MEASURE_NAMES = {
    "rr": "relative risk", "or": "odds ratio", "hr": "hazard ratio",
    "irr": "incidence rate ratio", "md": "mean difference", "smd": "standardised mean difference",
    "participants": "number of participants", "studies": "number of studies",
    "percent": "percentage", "p": "p-value",
}

_NUMBER = r"(?:[−-](?=[.·]?\d))?(?:\d{1,3}(?:[,\u2009\u202f]\d{3})+(?![\d])|\d+)?(?:[.·]\d+)?"
# "COVID-19", "IL-6": a digit after a hyphen glued to a word is part of a name.
_NOT_A_NAME = r"(?<![\w.·,])(?<![A-Za-z]-)"
NUMBER = patterns.compile(rf"{_NOT_A_NAME}(?=[−-]?[.·]?\d){_NUMBER}")
_RANGE = patterns.compile(
    rf"\s*(?P<low>{_NUMBER})\s*(?:-|–|—|to|,|;)\s*(?P<high>{_NUMBER})")

# Upper-case abbreviations only: "or" and "md" are English words. Each pattern
# that scans whole abstracts opens with a lookahead naming the characters a
# match can start with, so other positions are passed over at once (the same
# matches on 129,097 corpus lines, up to half the time).
MEASURE = patterns.compile(
    r"(?=(?i:[achimorsw]))(?<![\w-])(?:"
    r"(?P<smd>SMD|(?i:standardi[sz]ed mean differences?|hedges'? ?g|cohen'?s d))"
    r"|(?P<irr>IRR|(?i:incidence rate ratios?))"
    r"|(?P<rr>a?RR|(?i:relative risks?|risk ratios?))"
    r"|(?P<or>a?OR|(?i:(?:adjusted )?odds ratios?))"
    r"|(?P<hr>a?HR|(?i:(?:adjusted )?hazard ratios?))"
    r"|(?P<md>W?MD|(?i:(?:weighted )?mean differences?))"
    r")(?![\w-])")
_CI = patterns.compile(r"(?:\d{2}(?:[.·]\d)?\s?%\s*)?(?:CI|CrI|(?i:confidence intervals?|credible intervals?))"
                 r"\s*(?:[:=,]\s*|\[|\()?")
_WORD_NUMBERS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_DIGIT_WORD = "one|two|three|four|five|six|seven|eight|nine"
_UNDER_100 = (rf"(?:(?:{'|'.join(_TENS)})(?:[-\s](?:{_DIGIT_WORD})(?![\w-]))?"
              rf"|{'|'.join(sorted(_WORD_NUMBERS, key=len, reverse=True))})")
# Spelled-out numbers up to 999, as abstracts open sentences with them:
# "Twenty-four subjects", "One hundred and seven patients".
SPELLED = (rf"(?:(?:{_DIGIT_WORD})\s+hundred(?:(?:\s+and)?\s+{_UNDER_100}(?![\w-]))?|{_UNDER_100})"
           rf"(?![\w-])")
_COUNT_NUMBER = rf"(?P<num>{_NUMBER}|(?i:{SPELLED}))"
# Words allowed between a count and its noun: "eight randomised controlled trials".
_BETWEEN = (r"(?:(?!(?i:in|of|with|and|or|from|for|to|at|on|by|the|a|an|were|was|who|that|"
            r"patients|participants|subjects)\b)[A-Za-z-]+\s+)")
# Counts are matched only where a number starts (see _counts), not tried at every position.
_PARTICIPANTS = patterns.compile(
    rf"{_COUNT_NUMBER}\s+{_BETWEEN}{{0,2}}?"
    r"(?i:participants|patients|subjects|individuals|people|persons|adults|children|"
    r"adolescents|infants|women|men|volunteers|cases)(?![\w])")
_N_EQUALS = patterns.compile(rf"(?<![\w])[nN]\s?=\s?(?P<num>{_NUMBER})")
_STUDIES = patterns.compile(
    rf"{_COUNT_NUMBER}\s+{_BETWEEN}{{0,3}}?"
    r"(?i:trials|studies|RCTs|cohorts|articles|publications|reports)(?![\w])")
_COUNT_START = patterns.compile(
    rf"(?=[−\-.·\d]|(?i:[efnostz])){_NOT_A_NAME}(?:(?=[−-]?[.·]?\d){_NUMBER}|(?i:{SPELLED}))")
_PERCENT = patterns.compile(rf"{_NOT_A_NAME}(?P<num>{_NUMBER})\s?(?:%|(?i:per ?cent))")
_P_VALUE = patterns.compile(rf"(?<![\w])[pP]\s?(?P<cmp>[<>=≤≥]|&lt;|&gt;)\s?(?P<num>{_NUMBER})")
# What a percentage is a percentage of, when the sentence says (conflicts need it).
_PERCENT_KEYS = patterns.compile(
    r"(?i:sensitivity|specificity|prevalence|incidence|mortality|accuracy|efficacy|"
    r"response rate|remission|positive predictive value|negative predictive value)")
_SENTENCE_END = patterns.compile(r"[.;!?](?:\s|$)(?!\d)")


@dataclass(frozen=True, slots=True)
class Quantity:
    """One number with its measure."""

    measure: str
    """rr, or, hr, irr, md, smd, participants, studies, percent, p."""
    value: float
    """The number."""
    decimals: int
    """Decimal places as written: 0.5 matches 0.54 only when written with one."""
    text: str
    """The words as written, for evidence."""
    start: int
    """Offset in the text it was read from."""
    low: float | None = None
    """Lower confidence bound, when given."""
    high: float | None = None
    """Upper confidence bound, when given."""
    key: str | None = None
    """For percentages: what they measure (sensitivity, prevalence...), when said."""

    def describe(self) -> str:
        """`RR 0.54 (95% CI 0.38-0.76)`, for messages."""
        name = self.measure.upper() if self.measure in RATIO_MEASURES else MEASURE_NAMES[self.measure]
        ci = f" (CI {_fmt(self.low)}-{_fmt(self.high)})" if self.low is not None else ""
        key = f" {self.key}" if self.key else ""
        return f"{name}{key} {_fmt(self.value)}{'%' if self.measure == 'percent' else ''}{ci}"


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def parse_number(text: str) -> tuple[float, int] | None:
    """The value and decimal places of a number as written, or None."""
    cleaned = (text.replace("−", "-").replace("·", ".").replace(",", "")
               .replace("\u2009", "").replace("\u202f", ""))
    word = spelled_value(cleaned)
    if word is not None:
        return float(word), 0
    try:
        value = float(cleaned)
    except ValueError:
        return None
    decimals = len(cleaned.split(".", 1)[1]) if "." in cleaned else 0
    return value, decimals


def spelled_value(text: str) -> int | None:
    """The value of a spelled-out number ("twenty-four", "one hundred and seven"), else None."""
    words = [w for w in re.split(r"[-\s]+", text.lower()) if w and w != "and"]
    if not words:
        return None
    total = 0
    if len(words) >= 2 and words[1] == "hundred" and words[0] in _WORD_NUMBERS:
        total, words = 100 * _WORD_NUMBERS[words[0]], words[2:]
    if not words:
        return total or None
    if words[0] in _TENS and len(words) <= 2:
        unit = _WORD_NUMBERS.get(words[1], -1) if len(words) == 2 else 0
        return total + _TENS[words[0]] + unit if 0 <= unit < 10 else None
    if len(words) == 1 and words[0] in _WORD_NUMBERS:
        return total + _WORD_NUMBERS[words[0]]
    return None


def extract(text: str) -> list[Quantity]:
    """Every quantity in `text`, in order."""
    found: list[Quantity] = []
    found.extend(_ratios(text))
    found.extend(_counts(text, {q.start for q in found}))
    for match in _PERCENT.finditer(text):
        parsed = parse_number(match.group("num"))
        if parsed is None or _is_ci_level(text, match.end()):
            continue
        found.append(Quantity("percent", parsed[0], parsed[1], match.group(), match.start(),
                              key=_percent_key(text, match.start(), match.end())))
    for match in _P_VALUE.finditer(text):
        parsed = parse_number(match.group("num"))
        if parsed:
            found.append(Quantity("p", parsed[0], parsed[1], match.group(), match.start()))
    found.sort(key=lambda q: q.start)
    return found


def _counts(text: str, used: set[int]) -> list[Quantity]:
    """Participants and studies counts, tried only where a number starts."""
    found: list[Quantity] = []
    for start in _COUNT_START.finditer(text):
        if start.start() in used:
            continue
        for pattern, measure in ((_PARTICIPANTS, "participants"), (_STUDIES, "studies")):
            match = pattern.match(text, start.start())
            parsed = parse_number(match.group("num")) if match else None
            if match and parsed:
                found.append(Quantity(measure, parsed[0], parsed[1], match.group(), match.start()))
                break
    for match in _N_EQUALS.finditer(text):
        parsed = parse_number(match.group("num"))
        if parsed:
            found.append(Quantity("participants", parsed[0], parsed[1], match.group(), match.start("num")))
    return found


def _is_ci_level(text: str, end: int) -> bool:
    """Whether the percentage just read is the "95%" of "95% CI"."""
    return bool(re.match(r"\s*(?:CI|CrI|(?i:confidence|credible))", text[end:end + 14]))


def _percent_key(text: str, start: int, end: int) -> str | None:
    window_start = max(0, start - 60)
    before = text[window_start:start]
    cut = max((m.end() for m in _SENTENCE_END.finditer(before)), default=0)
    before = before[cut:]
    after = text[end:end + 40]
    after = after[:m.start()] if (m := _SENTENCE_END.search(after)) else after
    keys = [m.group().lower() for m in _PERCENT_KEYS.finditer(before)]
    if keys:
        return keys[-1]
    keys = [m.group().lower() for m in _PERCENT_KEYS.finditer(after)]
    return keys[0] if keys else None


def _ratios(text: str) -> list[Quantity]:
    found: list[Quantity] = []
    words = list(MEASURE.finditer(text))
    for index, word in enumerate(words):
        limit = min(word.end() + 70, words[index + 1].start() if index + 1 < len(words) else len(text))
        window = text[word.end():limit]
        stop = _SENTENCE_END.search(window)
        if stop:
            window = window[:stop.start()]
        number = _first_value(window)
        if number is None:
            continue
        parsed = parse_number(number.group())
        if parsed is None:
            continue
        value_end = word.end() + number.end()
        low = high = None
        bounds = None
        ci = _CI.search(text, value_end, min(len(text), value_end + 30))
        if ci:
            bounds = _RANGE.match(text, ci.end())
            if bounds:
                low_parsed, high_parsed = parse_number(bounds["low"]), parse_number(bounds["high"])
                if low_parsed and high_parsed:
                    low, high = low_parsed[0], high_parsed[0]
        measure = word.lastgroup or ""
        found.append(Quantity(measure, parsed[0], parsed[1],
                              text[word.start():(bounds.end() if bounds and low is not None else value_end)],
                              word.end() + number.start(), low, high))
    return found


def _first_value(window: str) -> re.Match[str] | None:
    """The first number after a measure's name that is not a CI level or a percentage."""
    for number in NUMBER.finditer(window):
        after = window[number.end():number.end() + 12]
        if re.match(r"\s?%", after) or re.match(r"\s*(?:CI|CrI)", after):
            continue
        return number
    return None


def numbers_in(text: str) -> set[float]:
    """Every number in `text`, as values."""
    values: set[float] = set()
    for match in NUMBER.finditer(text):
        parsed = parse_number(match.group())
        if parsed and not _is_ci_level(text, match.end() + (1 if text[match.end():match.end() + 1] == "%" else 0)):
            values.add(parsed[0])
    return values


def same_value(claim: Quantity | float, written: float, decimals: int | None = None) -> bool:
    """Whether the claim's number agrees with `written`, at the claim's precision."""
    value, places = (claim.value, claim.decimals) if isinstance(claim, Quantity) else (claim, decimals or 0)
    return abs(round(written, places) - value) < 10 ** -(places + 3) or abs(written - value) < 1e-9


def _matches(claim: Quantity, other: Quantity) -> bool:
    if not same_value(claim, other.value):
        return False
    if claim.low is None or other.low is None or claim.high is None or other.high is None:
        return True
    places = claim.decimals
    return same_value(claim.low, other.low, places) and same_value(claim.high, other.high, places)


@dataclass(frozen=True, slots=True)
class Comparison:
    """How one quantity of the claim fares against the cited work."""

    quantity: Quantity
    """The claim's quantity."""
    outcome: str
    """found, conflict or absent."""
    others: tuple[Quantity, ...] = ()
    """For a conflict: what the abstract gives instead; for found: the match."""


def compare(claim: Sequence[Quantity], source_text: str,
            source: Sequence[Quantity] | None = None) -> list[Comparison]:
    """Each claim quantity against the cited work's text: found, conflict or absent."""
    source = extract(source_text) if source is None else source
    anywhere = numbers_in(source_text)
    results: list[Comparison] = []
    for q in claim:
        if q.measure == "p":
            hit = [s for s in source if s.measure == "p" and same_value(q, s.value)]
            results.append(Comparison(q, "found" if hit else "absent", tuple(hit)))
            continue
        same = [s for s in source if s.measure == q.measure
                and (q.measure != "percent" or (q.key is not None and s.key == q.key))]
        hit = [s for s in same if _matches(q, s)]
        if hit:
            results.append(Comparison(q, "found", tuple(hit[:1])))
            continue
        if q.measure in RATIO_MEASURES:
            swapped = [s for s in source if s.measure in RATIO_MEASURES and s.measure != q.measure
                       and same_value(q, s.value)]
            if same or swapped:
                results.append(Comparison(q, "conflict", tuple(swapped + same)))
                continue
        elif same and not any(same_value(q, v) for v in anywhere):
            # Counts and keyed percentages: the abstract gives the same measure
            # with other values and the claim's number appears nowhere at all.
            results.append(Comparison(q, "conflict", tuple(same)))
            continue
        found_plain = any(same_value(q, v) for v in anywhere)
        results.append(Comparison(q, "found" if found_plain else "absent"))
    return results
