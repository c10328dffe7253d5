"""How update notices read in CA305/CA306 findings: one per notice, with date, reason and fix.

Crossref, PubMed and Retraction Watch often announce the same notice; it is
reported once, with the most said about it (Retraction Watch's reasons).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from citeaudit.explain import evidence_of, listed, reference_of
from citeaudit.model import Finding, Fix, Notice


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


def explain_retracted(finding: Finding, labels: object) -> str:
    """CA305 in plain words."""
    return f"The cited work ({reference_of(finding)}) has been retracted. {_notices(evidence_of(finding))}".strip()


def explain_notice(finding: Finding, labels: object) -> str:
    """CA306 in plain words: which notices, and that the claim needs checking."""
    evidence = evidence_of(finding)
    kinds = listed(sorted({str(n.get("kind", "correction")).replace("-", " ")
                           for n in evidence.get("notices", []) if isinstance(n, Mapping)})) or "correction"
    return (f"The cited work ({reference_of(finding)}) has a {kinds} notice: check that the claim still "
            f"holds. {_notices(evidence)}").strip()


def _notices(evidence: Mapping[str, Any]) -> str:
    found = [str(n.get("doi") or (f"PMID {n['pmid']}" if n.get("pmid") else ""))
             for n in evidence.get("notices", []) if isinstance(n, Mapping)]
    found = [w for w in found if w]
    return f"Notice: {listed(found)}." if found else ""
