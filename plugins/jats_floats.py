"""Reading order of a JATS article: floats are read where the text first cites them.

Figures, tables and boxes sit wherever the typesetter put them: next to
the paragraph that cites them, at the end of a section, or in a
`<floats-group>` after `<back>` (MDPI, Elsevier). Their blocks are read
right after the paragraph that first cites the float ("Figure 2"), or where
they stand when nothing cites it. Either way they are reported as
unordered, so CA103 leaves them out: journals differ on whether a
caption's references are numbered where the figure is first cited (AMA)
or where the text itself first cites them (Wiley, Taylor & Francis), and
neither can be told from the XML.
"""

from __future__ import annotations

from lxml import etree

FLOATS = frozenset({"fig", "fig-group", "table-wrap", "table-wrap-group", "boxed-text",
                    "chem-struct-wrap", "supplementary-material"})
"""Elements typeset apart from the running text."""


def outer_float(el: etree._Element) -> etree._Element | None:
    """The outermost float holding `el` (itself included), or the child of `<floats-group>` it is in."""
    found = None
    child = el
    for ancestor in (el, *el.iterancestors()):
        if ancestor.tag in FLOATS:
            found = ancestor
        if ancestor.tag == "floats-group":
            return found if found is not None else child
        child = ancestor
    return found


def reading_order(article: etree._Element, positions: dict[etree._Element, int],
                  order: dict[etree._Element, int]) -> tuple[list[etree._Element], set[etree._Element]]:
    """The blocks of `positions` in reading order, and the blocks that are in floats.

    `positions` maps each block to the document-order index it is read at;
    `order` maps every element of the article to its document-order index.
    """
    floats = {block: f for block in positions if (f := outer_float(block)) is not None}
    if not floats:
        return sorted(positions, key=positions.__getitem__), set()
    ids: dict[str, etree._Element] = {}
    for holder in set(floats.values()):
        for el in holder.iter():
            if isinstance(el.tag, str) and el.get("id"):
                ids.setdefault(el.get("id"), holder)
    anchors: dict[etree._Element, int] = {}
    for xref in article.iter("xref"):
        if xref.get("ref-type") == "bibr":
            continue
        for rid in (xref.get("rid") or "").split():
            holder = ids.get(rid)
            if holder is None or holder in anchors or outer_float(xref) is not None:
                continue
            block = next((a for a in xref.iterancestors() if a in positions), None)
            anchors[holder] = positions[block] if block is not None else order[xref]

    def key(block: etree._Element) -> tuple[int, int, int]:
        holder = floats.get(block)
        if holder is not None and holder in anchors:
            return anchors[holder], 1, positions[block]
        return positions[block], 0, 0

    return sorted(positions, key=key), set(floats)
