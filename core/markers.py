"""The citation-marker grammar: every way a draft writes "see reference n".

`parse_numbers` reads the inside of one marker ("1, 3–5"); `find_markers`
finds every marker in a run of plain text. Readers call `find_markers` on the
text of each block, so the grammar lives in one place for every format.

Recognised, in order of precedence (an earlier form wins where two overlap):

    <sup>1,2</sup>       html-sup      HTML superscript (exponents after a digit skipped)
    [@key; @other]       pandoc-key    pandoc citations; `keys` holds the keys
    [1], [1, 3-5]        bracket       also en/em dash, minus; `[1)` is a mixed-bracket problem
    ^1,2^                pandoc-sup    pandoc superscript
    ¹²˒³⁻⁵                unicode-sup   unicode superscript digits, ˒ or , between, ⁻ for ranges
    (4,5)                paren         only when unambiguous (see `_paren_is_citation`)
    azathioprine)5       flattened     superscripts that lost their formatting, only when
                                       `reference_count` is known (see `_flattened`)
    @key                 pandoc-key    pandoc in-text citation

A marker whose inside cannot be read unambiguously is still returned, with
`problem` saying why (rule CA104); the grammar never guesses.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from citeaudit import patterns
from citeaudit.numbers import parse_int

MAX_RANGE = 100
"""A range wider than this is taken for a typo, not a citation of 100 works."""

_CONTEXT = 256
"""Characters before a candidate marker that decide how it reads; a bounded window
keeps a paragraph of a megabyte linear (a search anchored at the end of the whole
prefix is quadratic)."""

_DASHES = r"\-\u2010\u2011\u2012\u2013\u2014\u2212"
"""Hyphen, the unicode hyphens, en dash, em dash and minus (a regex character
class body): all read as ranges."""

_SUPERSCRIPT = str.maketrans({
    "\u2070": "0", "\u00b9": "1", "\u00b2": "2", "\u00b3": "3", "\u2074": "4",
    "\u2075": "5", "\u2076": "6", "\u2077": "7", "\u2078": "8", "\u2079": "9",
    "\u207b": "-", "\u02d2": ",", "\u207d": "", "\u207e": "",
})
_SUP_DIGITS = "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"

_BODY = patterns.compile(rf"[\d\s,;{_DASHES}]*\d[\d\s,;{_DASHES}]*")
"""The inside of a numeric marker: digits, separators, dashes, at least one digit."""

_KEY = r"[A-Za-z0-9_][\w:.#$%&\-+?<>~/]*[\w/]|[A-Za-z0-9_]"
"""A pandoc citation key (manubot keys such as `doi:10.1/x` included), without
trailing punctuation."""
_KEY_IN_BRACKET = patterns.compile(rf"(?:(?<=[\s;\[])|^)-?@({_KEY})")
_BARE_KEY = patterns.compile(rf"(?<![\w@.\[-])@({_KEY})")

_HTML_SUP = patterns.compile(r"<sup>(.*?)</sup>", re.IGNORECASE | re.DOTALL)
_BRACKET = patterns.compile(r"([\[(])([^\[\]()\n]{0,80})([\])])")
_PANDOC_KEY_BRACKET = patterns.compile(r"\[([^\[\]\n]*@[^\[\]\n]*)\]")
_PANDOC_SUP = patterns.compile(r"\^([^\^\s]{1,40})\^")
_UNICODE_SUP = patterns.compile(rf"[{_SUP_DIGITS}](?:[{_SUP_DIGITS}\u207b\u02d2,{_DASHES}]*[{_SUP_DIGITS}])?")
_FLAT = patterns.compile(rf"\d{{1,4}}(?:[,{_DASHES}]\d{{1,4}})*")

_UNITS = frozenset("m cm mm km µm μm nm dm kg g mg µg μg l ml dl s h ft in".split())
"""Words after which a superscript 2 or 3 is an exponent, not a citation."""
_ABBREVIATIONS = frozenset(
    "fig figs no nos vol vols p pp ref refs eq eqs tab table ch chap sec suppl".split())
"""Words whose period is followed by a number that is not a citation (`Fig.3`)."""


@dataclass(frozen=True, slots=True)
class Found:
    """One marker found in a run of text."""

    start: int
    """Offset of the marker's first character in the text searched."""
    end: int
    """Offset just past the marker's last character."""
    text: str
    """The marker exactly as written."""
    numbers: tuple[int, ...]
    """Reference numbers it cites, ranges expanded, in the order written."""
    style: str
    """bracket, paren, html-sup, pandoc-sup, unicode-sup, flattened or pandoc-key."""
    problem: str | None
    """Why it cannot be read unambiguously (CA104), or None."""
    keys: tuple[str, ...] = ()
    """Pandoc citation keys, for pandoc-key markers."""


def parse_numbers(body: str) -> tuple[tuple[int, ...], str | None]:
    """Read the inside of a marker: the numbers it cites and the first problem, if any.

    Items are separated by commas or semicolons; a range `a-b` (any dash)
    expands to a..b. Readable items are kept even when another item has a
    problem, so a CA104 finding can still say what was meant.
    """
    numbers: list[int] = []
    problems: list[str] = []
    items = re.split(r"[,;]", body.translate(_SUPERSCRIPT))
    for raw in items:
        item = raw.strip()
        if not item:
            if len(items) > 1:
                problems.append("empty item")
            continue
        match = re.fullmatch(rf"(\d+)\s*[{_DASHES}]\s*(\d+)", item)
        if match and (parse_int(match[1]) is None or parse_int(match[2]) is None):
            problems.append(f"unreadable item {_shown(item)!r}")  # thousands of digits, or not ASCII
            continue
        if match:
            low, high = int(match[1]), int(match[2])
            if low > high:
                # [6-5]: one problem, yet 5 and 6 are still cited (no CA102 besides the CA104)
                problems.append(f"descending range {item}")
                if low - high <= MAX_RANGE and high > 0:
                    numbers.extend(range(high, low + 1))
            elif low == high:
                problems.append(f"range of one {item}")
                if low > 0:
                    numbers.append(low)
            elif high - low > MAX_RANGE:
                problems.append(f"range {item} spans more than {MAX_RANGE} references")
            elif low == 0:
                problems.append(f"range {item} starts at 0")
            else:
                numbers.extend(range(low, high + 1))
            continue
        number = parse_int(item)
        if number:
            numbers.append(number)
        elif number == 0:
            problems.append("reference number 0")
        else:
            problems.append(f"unreadable item {_shown(item)!r}")
    if not numbers and not problems:
        problems.append("no reference number")
    return tuple(numbers), (problems[0] if problems else None)


def find_markers(text: str, *, reference_count: int | None = None) -> list[Found]:
    """Every citation marker in `text`, in order of position.

    `reference_count` is the length of the reference list when the reader
    knows it; only then are flattened superscripts ("azathioprine)5") and
    single parenthesised numbers recognised, because without it a bare
    number cannot be told from a quantity.
    """
    found: list[Found] = []
    # Disjoint (start, end) intervals kept sorted, so one bisect finds an overlap:
    # a scan of every earlier marker is quadratic in a long paragraph.
    starts: list[int] = []
    ends: list[int] = []

    def add(item: Found) -> None:
        at = bisect.bisect_left(starts, item.end)
        if at and ends[at - 1] > item.start:
            return
        starts.insert(at, item.start)
        ends.insert(at, item.end)
        found.append(item)

    for items in (_html_sup(text), _pandoc_keys(text), _brackets(text, reference_count),
                  _pandoc_sup(text), _unicode_sup(text)):
        for item in items:
            add(item)
    for item in _parens(text, reference_count):
        add(item)
    if reference_count is not None:
        for item in _flattened(text, reference_count):
            add(item)
    for item in _bare_keys(text):
        add(item)
    return sorted(found, key=lambda f: f.start)


def _before(text: str, start: int) -> str:
    """The `_CONTEXT` characters before `start`."""
    return text[max(0, start - _CONTEXT):start]


def last_token(text: str) -> str:
    r"""What `re.search(r"\S*$", text)` finds: the non-space characters that end `text` (or
    that end it before a final newline, as `$` allows), without trying every position."""
    if text.endswith("\n"):
        text = text[:-1]
    if not text or text[-1].isspace():
        return ""
    return text.rsplit(None, 1)[-1]


_STATISTICS = frozenset("I R r x y z n s t F Chi chi \u03a7 \u03c7 \u03c4 \u03c3 \u03c9 \u03b7 \u03b5".split())
"""Symbols a superscript 2 squares (I², R², χ², Chi², τ², σ², x²), not a citation."""
_POWER_BASE = patterns.compile(r"(?:^|[\s(\u00d7x*\u00b7\u22c5\u2219=~\u2248])(?:[\d.,]*[\u00d7x*\u00b7\u22c5])?(?:10|[2-9])$")
"""A token that ends in a power's base: `10`, `×10`, `1.5×10`, a lone digit (`2^10^`)."""
_CHARGE = "\u207a\u207b+"
"""After a superscript digit, a sign makes it an ion's charge (Ca²⁺, Fe³⁺)."""


def exponent(before: str, body: str, after: str = "") -> bool:
    """Whether a superscript `body` written right after `before` is a power, not a citation.

    Shared by every reader. A superscript glued to a number is a citation
    ("interleukin-13⁴", "2017–18³²,³³") unless it clearly reads as a power:
    after the base 10 or a lone digit (10⁴, ×10^4, 2^10^), a negative power
    (10⁻³), a 2 or 3 after a unit (m², mm³) or after a statistic's symbol
    (I², R², χ², τ², σ²), or an ion's charge (Ca²⁺).
    """
    token = last_token(before[-_CONTEXT:])
    digits = body.strip().translate(_SUPERSCRIPT)
    if after[:1] and after[0] in _CHARGE and digits in {"2", "3", "4"}:
        return True
    if token.endswith(("\u207b", "^-", "^\u2212")) or digits.startswith(("-", "\u2212")):
        return True
    if not token:
        return False
    if token[-1].isdigit():
        return bool(_POWER_BASE.search(token))
    if digits not in {"2", "3"}:
        return False
    word = re.search(r"([^\W\d_]+)$", token)
    if not word:
        return False
    name = word[1]
    if name.lower() in _UNITS:
        return True
    # A lone symbol, not the end of a word ("I²", "χ²"), but "vitamin D³" stays a citation.
    alone = len(name) == len(token) or not token[-len(name) - 1].isalpha()
    return alone and name in _STATISTICS


def _superscript(text: str, m: re.Match[str], body: str, style: str) -> Found | None:
    if m.start() and exponent(_before(text, m.start()), body, text[m.end():m.end() + 1]):
        return None
    numbers, problem = parse_numbers(body)
    return Found(m.start(), m.end(), m[0], numbers, style, problem)


def _html_sup(text: str) -> list[Found]:
    out = []
    for m in _HTML_SUP.finditer(text):
        body = m[1].strip().strip("[]()").strip()
        if _BODY.fullmatch(body) and (found := _superscript(text, m, body, "html-sup")):
            out.append(found)
    return out


PERSISTENT_KEYS = ("doi:", "pmid:", "pubmed:", "pmcid:", "arxiv:", "url:", "https:", "http:",
                   "isbn:", "biorxiv:", "medrxiv:", "clinicaltrials:", "wikidata:", "tag:", "raw:")
"""manubot citation-key prefixes: the key is the identifier, so no library entry is needed
(`tag:` and `raw:` are manubot's own aliases)."""
CROSS_REFERENCES = ("fig:", "tbl:", "eq:", "sec:", "lst:")
"""pandoc-crossref prefixes: `@fig:1` points at a figure, not at a work."""


def _pandoc_keys(text: str) -> list[Found]:
    out = []
    for m in _PANDOC_KEY_BRACKET.finditer(text):
        keys = tuple(k.group(1) for k in _KEY_IN_BRACKET.finditer(m[1])
                     if not k.group(1).startswith(CROSS_REFERENCES))
        if keys:
            out.append(Found(m.start(), m.end(), m[0], (), "pandoc-key", None, keys))
    return out


def _bare_keys(text: str) -> list[Found]:
    return [Found(m.start(), m.end(), m[0], (), "pandoc-key", None, (m[1],))
            for m in _BARE_KEY.finditer(text) if not m[1].startswith(CROSS_REFERENCES)]


def _brackets(text: str, reference_count: int | None = None) -> list[Found]:
    """`[..]` markers, and `[..)` / `(..]` ones as mixed-bracket problems."""
    out = []
    for m in _BRACKET.finditer(text):
        opening, body, closing = m[1], m[2], m[3]
        if opening == "(" and closing == ")":
            continue
        if not _BODY.fullmatch(body):
            continue
        after = text[m.end():m.end() + 1]
        if opening == "[" and closing == "]" and after in {"(", ":"}:
            continue  # a Markdown link or link definition, not a citation
        if _values(text, m, reference_count):
            continue
        numbers, problem = parse_numbers(body)
        if opening != "[" or closing != "]":
            problem = f"mixed bracket styles {opening}...{closing}"
        out.append(Found(m.start(), m.end(), m[0], numbers, "bracket", problem))
    return out


def _shown(item: str) -> str:
    """An unreadable item as a message quotes it: a crafted one may be megabytes long."""
    return item if len(item) <= 40 else item[:40] + "…"


_ITEMS = patterns.compile(rf"\s*(\d+)\s*(?:[,;{_DASHES}]\s*(\d+)\s*)?")
_YEARS = range(1900, 2101)


def _values(text: str, m: re.Match[str], reference_count: int | None) -> bool:
    """Numbers in brackets that are values, not citations (left alone, no CA104).

    An interval around the value before it ("40 [25, 57]", a median
    and its IQR) when it reaches beyond the list, its length is not known or
    the text is a row of numbers; an interval from 0 ("[0, 1]"); years
    ("[2024]") beyond the list or when its length is not known.
    """
    pair = _ITEMS.fullmatch(m[2])
    if pair is None:
        return False
    low, high = parse_int(pair[1]), parse_int(pair[2]) if pair[2] else None
    if low is None or (pair[2] and high is None):
        return False  # a number of thousands of digits is no interval or year
    if high is not None and low == 0:
        return True
    if high is None:
        return low in _YEARS and (reference_count is None or low > reference_count)
    value = re.search(r"(?:^|[\s=:(])(\d+(?:\.\d+)?)\s*$", _before(text, m.start()))
    if value and low <= float(value[1]) <= high and (
            reference_count is None or high > reference_count
            or _tabular(text[max(0, m.start() - _CONTEXT):m.end() + _CONTEXT])):
        return True  # "phase 2 [1, 3]" in prose with a list of three or more still cites
    return low in _YEARS and high in _YEARS and (reference_count is None or high > reference_count)


def _pandoc_sup(text: str) -> list[Found]:
    out = []
    for m in _PANDOC_SUP.finditer(text):
        if _BODY.fullmatch(m[1]) and (found := _superscript(text, m, m[1], "pandoc-sup")):
            out.append(found)
    return out


def _unicode_sup(text: str) -> list[Found]:
    out = []
    for m in _UNICODE_SUP.finditer(text):
        if found := _superscript(text, m, m[0], "unicode-sup"):
            out.append(found)
    return out


def _parens(text: str, reference_count: int | None) -> list[Found]:
    out = []
    for m in _BRACKET.finditer(text):
        if m[1] != "(" or m[3] != ")" or not _BODY.fullmatch(m[2]):
            continue
        numbers, problem = parse_numbers(m[2])
        if problem is None and _paren_is_citation(text, m, numbers, reference_count):
            out.append(Found(m.start(), m.end(), m[0], numbers, "paren", None))
    return out


def _paren_is_citation(text: str, m: re.Match[str], numbers: tuple[int, ...],
                       reference_count: int | None) -> bool:
    """`(n)` is also an enumeration, a year, an equation number or a count.

    Accepted: several numbers or a range, none a year-like quantity and all
    within the list when its length is known (a line may start with one:
    text pasted from a PDF wraps anywhere); a single number only when the
    list length is known, it is within it, the marker follows a word (not
    the start of a line, a comma or a colon, where enumerations stand) and
    no (n-1) or (n+1) stands within 40 characters.
    """
    if reference_count is not None and max(numbers) > reference_count:
        return False
    if _tabular(text[max(0, m.start() - _CONTEXT):m.end() + _CONTEXT]):
        return False  # "(11-19)" in a row of ages, counts and percentages
    if reference_count is None and max(numbers) >= 1000:
        return False
    preceding = _before(text, m.start()).rstrip(" \t")
    if re.search(r"(?:^|\s)[\d.,]+$", preceding):
        return False  # "12 (3)": a quantity and its count
    if text[m.start() - 1:m.start()].isdigit() or re.match(r"[:;]\s*\d", text[m.end():m.end() + 3]):
        return False  # "2023;37(5):1004": a volume, its issue and pages
    if len(numbers) > 1:
        return True
    if reference_count is None or not preceding or preceding[-1] in "\n:;,(":
        return False
    # "(1) wash, (2) dry and (3) apply": a neighbour number in parentheses means an enumeration
    number, near = numbers[0], text[max(0, m.start() - 40):m.end() + 40]
    return f"({number - 1})" not in near and f"({number + 1})" not in near


def _tabular(window: str) -> bool:
    """Whether the text around a marker is mostly numbers (a table row of values), where
    parentheses hold ranges."""
    numbers = len(re.findall(r"\d+(?:[.,]\d+)?", window))
    words = len(re.findall(r"[^\W\d_]{3,}", window))
    return numbers >= 3 and numbers > 2 * words


def _flattened(text: str, reference_count: int) -> list[Found]:
    """Superscript numbers that lost their formatting: `azathioprine)5`, `inhibitors).9,10`.

    Recognised only in citation position: glued to a closing parenthesis or
    bracket, to a sentence's period (not a decimal point, not `Fig.`), or to
    a plain lower-case word of four letters or more (not a gene or protein
    name such as IL13, JAK1, CD4, not an author's affiliation mark). A number in that position beyond the list
    after `)` or `.` is doubtful, hence a problem rather than a guess.
    """
    out = []
    for m in _FLAT.finditer(text):
        start, end = m.start(), m.end()
        if start == 0 or text[start - 1].isdigit():
            continue
        after = text[end:end + 2]
        if after[:1] and (after[:1].isalnum() or after[:1] in "_/@%"):
            continue
        if after[:1] == "." and after[1:2].isdigit():
            continue
        token = last_token(_before(text, start)) + m[0] + re.match(r"\S*", text[end:end + _CONTEXT])[0]
        if re.search(r"[/@=<>+]|www\.|doi|https?:", token, re.IGNORECASE):
            continue
        strong = _flattened_position(text, start)
        if strong is None:
            continue
        numbers, problem = parse_numbers(m[0])
        in_list = bool(numbers) and max(numbers) <= reference_count
        if problem is None and in_list:
            out.append(Found(start, end, m[0], numbers, "flattened", None))
        elif strong:
            why = problem or f"{m[0]} is beyond the reference list (1-{reference_count})"
            out.append(Found(start, end, m[0], numbers if in_list else (), "flattened",
                             f"possible flattened superscript: {why}"))
    return out


def _flattened_position(text: str, start: int) -> bool | None:
    """None: not a citation position; True: after `)`/`]`/sentence period; False: after a word."""
    before = text[start - 1]
    if before in ")]\u2019\u201d":
        return True
    if before == ".":
        # `re.search(r"(\w*)\)?\.$", window)`, read backwards from the period.
        found = _WORD_PERIOD_BACKWARDS.match(_before(text, start)[::-1])
        word = found[1][::-1] if found else ""
        if not word or word[-1].isdigit():
            return None
        if word.lower() in _ABBREVIATIONS or len(word) == 1:
            return None
        return True
    # Lower case only: a capitalised word is a name with an affiliation mark ("Brameier1").
    if _ends_with_lower_word(_before(text, start)):
        return False
    return None


_WORD_PERIOD_BACKWARDS = patterns.compile(r"\.\)?(\w*)")
_LOWER_BACKWARDS = patterns.compile(r"[a-z]*")


def _ends_with_lower_word(window: str) -> bool:
    r"""`re.search(r"(?:^|[^\w-])[a-z]{4,}$", window)`: a plain lower-case word of four letters or
    more ends the window, read backwards instead of tried at each of its positions."""
    if window.endswith("\n"):
        window = window[:-1]
    run = len(_LOWER_BACKWARDS.match(window[::-1])[0])
    if run < 4:
        return False
    if run == len(window):
        return True
    before = window[-run - 1]
    return not (before.isalnum() or before in "_-")
