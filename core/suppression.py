"""Inline suppression: accepting a finding in the draft itself, as ruff's `# noqa` does.

    Markdown   <!-- citeaudit: ignore CA401 -->        its paragraph, list item or table row
               <!-- citeaudit: ignore-file CA205 -->   the whole document
    JATS       <?citeaudit ignore CA103?>               the element it is in (and what it holds)
    Word       a comment starting `citeaudit: ignore CA401`   the text the comment is anchored on
    BibTeX     citeaudit-ignore = {CA205}               every finding about that entry

Codes are comma- or space-separated, prefixes allowed (`CA4`); no code means
every rule. Readers find the directives and attach them to the Document as
`Suppression`s (with `markdown_suppressions`, `jats_suppressions` and
`word_suppressions` below, so each reader needs a line or two); the library's come
from its entries. The pipeline then drops the findings a suppression covers
and hands each suppression that covered nothing to the checks that report
them (`Check.stale`: the built-in CA107, info), so stale ones get cleaned up.
A suppression of rules whose checks need registry records is not called
stale when the document's registry data was incomplete (offline, an
outage): the finding it hides may simply not have been made.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from citeaudit import patterns
from citeaudit.model import Document, Finding, Library, Span, Suppression, Unavailable

DIRECTIVE = patterns.compile(r"citeaudit\s*:?\s*(ignore-file|ignore)\b([^>?]*)", re.I)
"""`citeaudit: ignore CA401, CA402`, `citeaudit ignore-file` (the colon is optional in JATS)."""
CODE = patterns.compile(r"^(?:CA\d{0,3}|[A-Z]{1,5}\d{1,3})$")
"""A rule code or prefix: citeaudit's own (`CA`, `CA4`, `CA401`), or a plugin's with at least its
family digit (`XYZ1`, `XYZ101`), so that plain words after `ignore` are never taken for codes."""


def parse_codes(text: str) -> tuple[str, ...] | None:
    """The codes of a directive's tail (`CA401, CA402`); () for all; None when it is not codes."""
    words = [w for w in re.split(r"[\s,;]+", text.strip().rstrip("-").strip()) if w]
    codes = tuple(w.upper() for w in words)
    if not all(CODE.match(code) for code in codes):
        return None
    return codes


def directive(text: str) -> tuple[str, tuple[str, ...]] | None:
    """(`ignore` or `ignore-file`, codes) of a comment's text, or None when it is no directive."""
    match = DIRECTIVE.search(text)
    if match is None:
        return None
    codes = parse_codes(match.group(2))
    return None if codes is None else (match.group(1).lower(), codes)


# -- readers ----------------------------------------------------------------------


_COMMENT = patterns.compile(r"<!--(.*?)-->", re.S)


def markdown_suppressions(text: str) -> tuple[Suppression, ...]:
    """The directives in HTML comments of Markdown source `text` (lines as the reader numbers them).

    `ignore` covers the innermost list item, table row or paragraph holding
    the comment; a comment that is a block of its own covers the next block.
    Comments inside code are not directives.
    """
    if "citeaudit" not in text:
        return ()
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    blocks: list[tuple[int, int, str]] = []  # (first line, last line, kind), 1-based, inclusive
    code: list[tuple[int, int]] = []
    for token in tokens:
        if token.map is None:
            continue
        first, last = token.map[0] + 1, token.map[1]
        if token.type in ("fence", "code_block"):
            code.append((first, last))
        elif token.type in ("paragraph_open", "list_item_open", "tr_open", "heading_open"):
            blocks.append((first, last, token.type))
        elif token.type == "html_block":
            blocks.append((first, last, "html"))
    found: list[Suppression] = []
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    for match in _COMMENT.finditer(text):
        parsed = directive(match.group(1))
        if parsed is None:
            continue
        line = _line_of(starts, match.start())
        if any(a <= line <= b for a, b in code):
            continue
        kind, codes = parsed
        span = Span(line=line, column=match.start() - starts[line - 1] + 1)
        if kind == "ignore-file":
            found.append(Suppression(codes, span))
            continue
        scope = _markdown_scope(blocks, line)
        if scope is not None:
            found.append(Suppression(codes, span, start=Span(line=scope[0]), end=Span(line=scope[1])))
    return tuple(found)


def _line_of(starts: list[int], offset: int) -> int:
    import bisect

    return bisect.bisect_right(starts, offset)


def _markdown_scope(blocks: list[tuple[int, int, str]], line: int) -> tuple[int, int] | None:
    """Lines of the innermost block holding `line`; for a comment block of its own, the next block."""
    holding = [(a, b, kind) for a, b, kind in blocks if a <= line <= b]
    if holding and any(kind != "html" for _, _, kind in holding):
        # The innermost: a table row or list item over a paragraph inside it is the smallest span.
        inner = [h for h in holding if h[2] != "html"]
        rows = [h for h in inner if h[2] in ("tr_open", "list_item_open")]
        chosen = min(rows or inner, key=lambda h: h[1] - h[0])
        if chosen[2] == "paragraph_open" and rows:
            chosen = min(rows, key=lambda h: h[1] - h[0])
        return chosen[0], chosen[1]
    after = [(a, b) for a, b, kind in blocks if a > line and kind != "html"]
    if not after:
        return None
    first = min(after)
    # The next block: the item or row starting there, else its paragraph.
    same = [(a, b) for a, b, kind in blocks if a == first[0] and kind != "html"]
    return first[0], min(b for _, b in same) if same else first[1]


def jats_suppressions(article: Any, tree: Any) -> tuple[Suppression, ...]:
    """The `<?citeaudit ignore CODES?>` processing instructions under `article`, each covering its parent
    element (in a reference, the whole `<ref>`); at the article's top level, the whole article."""
    from lxml import etree

    found: list[Suppression] = []
    for pi in article.iter(etree.ProcessingInstruction):
        if (pi.target or "").lower() != "citeaudit":
            continue
        parsed = directive("citeaudit " + (pi.text or ""))
        if parsed is None:
            continue
        kind, codes = parsed
        parent = pi.getparent()
        # Inside a reference's citation element, the reference: its findings point at <ref>.
        ref = next((el for el in pi.iterancestors() if el.tag == "ref"), None)
        parent = ref if ref is not None else parent
        span = Span(line=pi.sourceline, xpath=tree.getpath(parent) if parent is not None else None)
        if kind == "ignore-file" or parent is None or parent is article:
            found.append(Suppression(codes, span))
        else:
            last = max((el.sourceline or 0 for el in parent.iter()), default=parent.sourceline or 0)
            found.append(Suppression(codes, span, xpath=tree.getpath(parent),
                                     start=Span(line=parent.sourceline), end=Span(line=last)))
    return tuple(found)


def word_suppressions(comments: Any, anchors: dict[str, tuple[tuple[int, int], tuple[int, int]]],
                      ) -> tuple[Suppression, ...]:
    """Word comments (`comments.xml`) whose text starts `citeaudit: ignore`, each covering the text it
    is anchored on: `anchors` maps a comment id to the (paragraph, offset) of its range's start and end."""
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    found: list[Suppression] = []
    for comment in comments.iter(f"{w}comment"):
        anchor = anchors.get(comment.get(f"{w}id") or "")
        text = " ".join("".join(t.text or "" for t in comment.iter(f"{w}t")).split())
        parsed = directive(text) if text.lower().startswith("citeaudit") else None
        if anchor is None or parsed is None:
            continue
        kind, codes = parsed
        (first, start), (last, end) = anchor
        here = Span(paragraph=first, offset=start)
        if kind == "ignore-file":
            found.append(Suppression(codes, here))
        else:
            found.append(Suppression(codes, here, start=here, end=Span(paragraph=last, offset=end)))
    return tuple(found)


def library_suppressions(library: Library | None) -> tuple[Suppression, ...]:
    """`citeaudit-ignore = {CODES}` fields of library entries: every finding about that entry."""
    if library is None:
        return ()
    found = []
    for entry in library.entries:
        raw = entry.fields.get("citeaudit-ignore")
        if raw is None:
            continue
        codes = parse_codes(raw.strip("{}\" "))
        if codes is not None:
            found.append(Suppression(codes, entry.span, key=entry.key))
    return tuple(found)


# -- applying them ----------------------------------------------------------------


def covers(suppression: Suppression, finding: Finding, document: Document) -> bool:
    """Whether `suppression` hides `finding` of `document`."""
    if suppression.codes and not any(finding.rule.startswith(code) for code in suppression.codes):
        return False
    if suppression.key is not None:
        return finding.key == suppression.key
    if finding.path and finding.path != str(document.path):
        return False  # a finding about the library file is not in the draft's text
    if suppression.start is None and suppression.xpath is None:
        return True
    span = finding.span
    if suppression.xpath is not None and span.xpath:
        return span.xpath == suppression.xpath or span.xpath.startswith(suppression.xpath + "/")
    if suppression.start is None or suppression.end is None:
        return False
    if (span.part or None) != (suppression.start.part or None):
        return False
    first, last = suppression.start, suppression.end
    if first.line is not None and last.line is not None:  # whole lines
        return span.line is not None and first.line <= span.line <= last.line
    if first.paragraph is None or last.paragraph is None or span.paragraph is None:
        return False
    # Word: from the comment's start to its end, as (paragraph, offset).
    return (first.paragraph, first.offset or 0) <= (span.paragraph, span.offset or 0) \
        <= (last.paragraph, last.offset if last.offset is not None else 1 << 30)


def apply(findings: Sequence[Finding], document: Document, library: Library | None, *,
          complete: bool, enabled: Any, needs_records: Sequence[str] = (),
          own_library: bool = False) -> tuple[list[Finding], list[Suppression]]:
    """(findings no suppression covers, suppressions that covered nothing and are stale).

    `complete`: the document's registry data was all there, so a suppression
    of a rule in `needs_records` (the codes of checks that need records) that
    hid nothing is stale. `enabled(code)` tells whether a rule was reported
    in this run (a suppression of a deselected rule is not judged). Library
    suppressions are judged only when the library is the document
    (`own_library`, `citeaudit bib`): a draft cites a few entries of a large
    library. The checks word the stale ones (`Check.stale`).
    """
    suppressions = [*document.suppressions, *library_suppressions(library)]
    if not suppressions:
        return list(findings), []
    used = [False] * len(suppressions)
    kept = []
    for finding in findings:
        hit = [i for i, s in enumerate(suppressions) if covers(s, finding, document)]
        for i in hit:
            used[i] = True
        if not hit:
            kept.append(finding)
    stale = []
    for suppression, was_used in zip(suppressions, used, strict=True):
        if was_used or (suppression.key is not None and not own_library):
            continue
        if not complete and _may_name(suppression.codes, needs_records):
            continue
        if suppression.codes and not any(enabled(code) for code in suppression.codes):
            continue
        stale.append(suppression)
    return kept, stale


def _may_name(codes: tuple[str, ...], rules: Sequence[str]) -> bool:
    """Whether a suppression (every rule, or these codes and prefixes) may name one of `rules`."""
    return not codes or any(rule.startswith(code) for code in codes for rule in rules)


def records_complete(records: Any) -> bool:
    """Whether a document's registry data has no gap (nothing offline, nothing unavailable)."""
    if records is None:
        return False
    return not any(isinstance(o, Unavailable) for o in records.outcomes.values()) and not records.unsearched
