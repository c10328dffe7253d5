"""The visible text of a Word paragraph: one rule for the reader and the commented copy.

Locations follow the docx-location contract: `Span.paragraph` is the index of
the `w:p` among all `w:p` of the part in document order and `Span.offset` the
character offset in that paragraph's visible text, which is

- the text of the runs' `w:t`, `w:tab` one "\\t", `w:br` and `w:cr` one "\\n";
- tracked changes accepted: insertions kept, deletions (`w:del`, `w:moveFrom`,
  `w:delText`) gone;
- without field instructions (`w:instrText`, and anything between a field's
  `begin` and `separate`): a field counts by its result;
- without `mc:Fallback`, which repeats its `mc:Choice`;
- a paragraph nested in another (a text box) is a paragraph of its own.

The reader builds its paragraphs with `run_text` and `HIDDEN`; the commented
copy finds the characters to cover with `visible`; a test checks they agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from citeaudit.plugins.docx.package import MC_NS, w

HIDDEN = frozenset({w(n) for n in ("del", "moveFrom", "instrText", "delText", "delInstrText", "fldData")}
                   | {f"{{{MC_NS}}}Fallback"})
"""Elements whose content is never visible text."""
PROPERTIES = frozenset(w(n) for n in ("pPr", "rPr", "sectPr", "tblPr", "tblGrid", "trPr", "tcPr", "sdtPr",
                                      "sdtEndPr", "rPrChange", "pPrChange", "customXmlPr", "smartTagPr"))
"""Property elements: they hold no text, so walks skip them."""
SKIPPED = HIDDEN | PROPERTIES
"""What a walk over visible text never enters."""

_BREAKS = frozenset({w("br"), w("cr")})


def run_text(element: Any) -> str | None:
    """The visible text a child of a `w:r` adds, or None when it adds none."""
    tag = element.tag
    if tag == w("t"):
        return element.text or ""
    if tag == w("tab"):
        return "\t"
    if tag in _BREAKS:
        return "\n"
    return None


@dataclass(frozen=True, slots=True)
class Char:
    """One visible character of a paragraph: the run and element it is in."""

    run: Any
    element: Any
    index: int
    char: str


def visible(paragraph: Any) -> list[Char]:
    """The paragraph's visible characters, per the rule above."""
    chars: list[Char] = []
    fields: list[bool] = []  # open fields, innermost last: True once in its result

    def walk(element: Any, run: Any) -> None:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in SKIPPED or tag == w("p"):
                continue
            if tag == w("r"):
                walk(child, child)
            elif tag == w("fldChar"):
                kind = child.get(w("fldCharType"))
                if kind == "begin":
                    fields.append(False)
                elif kind == "separate" and fields:
                    fields[-1] = True
                elif kind == "end" and fields:
                    fields.pop()
            elif run is not None and (text := run_text(child)) is not None:
                if not fields or fields[-1]:
                    chars.extend(Char(run, child, i, c) for i, c in enumerate(text))
            else:
                walk(child, run)

    walk(paragraph, None)
    return chars
