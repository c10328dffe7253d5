"""How update notices read in CA305/CA306 findings: one per notice, with date, reason and fix.

Crossref, PubMed and Retraction Watch often announce the same notice; it is
reported once, with the most said about it (Retraction Watch's reasons).
"""

from __future__ import annotations

from typing import Any

from citeaudit.model import Fix, Notice


def evidence(notice: Notice) -> dict[str, Any]:
    """The notice as `evidence.notices[]` shows it: only the fields known."""
    return {k: v for k, v in (("kind", notice.kind), ("doi", notice.doi), ("pmid", notice.pmid),
                              ("date", notice.date), ("source", notice.source), ("reason", notice.reason)) if v}


def distinct(notices: list[Notice]) -> list[Notice]:
    """One notice per (kind, notice DOI or date), the one saying most (Retraction Watch's reason)."""
    best: dict[tuple, Notice] = {}
    for notice in notices:
        key = (notice.kind, notice.doi or notice.pmid or notice.date or notice.source)
        held = best.get(key)
        if held is None or (notice.reason and not held.reason):
            best[key] = notice
    return list(best.values())


def details(notices: list[Notice]) -> str:
    """`notice DOI 10.x/y, 2023-07-12; reason: Paper Mill` for each notice."""
    parts = []
    for notice in notices:
        text = where(notice) + (f", {notice.date}" if notice.date else "")
        if notice.reason:
            text += f"; reason: {short(notice.reason, 160)}"
        parts.append(text)
    return " | ".join(sorted(set(parts)))


def notice_fix(notices: list[Notice]) -> Fix:
    """A note naming the notice, so whoever reads the reference sees it too."""
    first = notices[0]
    kind = first.kind.replace("-", " ").capitalize()
    where = f"doi:{first.doi}" if first.doi else f"PMID {first.pmid}" if first.pmid else first.source
    return Fix(field="note", old=None, new=f"{kind}: {where}", source=(first.source.split() or ["registry"])[0])


def where(notice: Notice) -> str:
    """`notice DOI 10.x/y`, else `notice PMID n`, else where it was learnt."""
    if notice.doi:
        return f"notice DOI {notice.doi}"
    if notice.pmid:
        return f"notice PMID {notice.pmid}"
    return notice.source




def short(text: str, size: int) -> str:
    """`text` cut to `size` characters with an ellipsis."""
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"
