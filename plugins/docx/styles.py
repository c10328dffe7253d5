"""What the reader needs from styles.xml and numbering.xml: superscript, heading levels, list numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from citeaudit.plugins.docx.package import w as _w


@dataclass(frozen=True)
class Styles:
    """What citeaudit needs from styles.xml: superscript and heading levels."""

    superscript: dict[str, bool]
    """styleId -> the vertAlign the style (or what it is based on) sets, when it sets one."""
    heading: dict[str, int]
    """Paragraph styleId -> heading level (1 = top)."""
    numbering: dict[str, tuple[str, str]]
    """Paragraph styleId -> (numId, ilvl) of the list the style numbers its paragraphs in."""

    @classmethod
    def read(cls, root: Any) -> Styles:
        if root is None:
            return cls(superscript={}, heading={}, numbering={})
        raw: dict[str, tuple[str | None, bool | None, int | None]] = {}
        numbering: dict[str, tuple[str, str]] = {}
        for style in root.iter(_w("style")):
            sid = style.get(_w("styleId")) or ""
            based = style.find(_w("basedOn"))
            align = style.find(f"{_w('rPr')}/{_w('vertAlign')}")
            name = style.find(_w("name"))
            level = _heading_level(name.get(_w("val")) if name is not None else sid)
            outline = style.find(f"{_w('pPr')}/{_w('outlineLvl')}")
            if level is None and outline is not None and (outline.get(_w("val")) or "").isdigit():
                value = int(outline.get(_w("val")))
                level = value + 1 if value < 9 else None
            num = num_pr(style.find(_w("pPr")))
            if num:
                numbering[sid] = num
            raw[sid] = (based.get(_w("val")) if based is not None else None,
                        None if align is None else align.get(_w("val")) == "superscript", level)
        superscript: dict[str, bool] = {}
        heading: dict[str, int] = {}
        for sid in raw:
            seen: set[str] = set()
            current: str | None = sid
            while current in raw and current not in seen:
                seen.add(current)
                based, sup, level = raw[current]
                if sid not in superscript and sup is not None:
                    superscript[sid] = sup
                if sid not in heading and level is not None:
                    heading[sid] = level
                current = based
        return cls(superscript=superscript, heading=heading, numbering=numbering)


def num_pr(properties: Any) -> tuple[str, str] | None:
    """(numId, ilvl) of a w:pPr's list numbering; None when absent or switched off (numId 0)."""
    num = properties.find(_w("numPr")) if properties is not None else None
    if num is None:
        return None
    num_id = num.find(_w("numId"))
    ilvl = num.find(_w("ilvl"))
    value = num_id.get(_w("val")) if num_id is not None else None
    return (value, ilvl.get(_w("val")) if ilvl is not None else "0") if value and value != "0" else None


def _heading_level(name: str | None) -> int | None:
    match = re.fullmatch(r"\s*heading\s*(\d)\s*", name or "", re.IGNORECASE)
    if match:
        return int(match.group(1))
    return 1 if (name or "").strip().lower() == "title" else None


@dataclass(frozen=True)
class Numbering:
    """Decimal auto-numbering of list paragraphs (w:numPr), for reference lists."""

    start: dict[tuple[str, str], int]
    """(numId, ilvl) -> start value, for decimal levels only."""

    @classmethod
    def read(cls, root: Any) -> Numbering:
        if root is None:
            return cls(start={})
        levels: dict[str, dict[str, tuple[str, int]]] = {}
        for abstract in root.iter(_w("abstractNum")):
            lvls = {}
            for lvl in abstract.iter(_w("lvl")):
                fmt = lvl.find(_w("numFmt"))
                start = lvl.find(_w("start"))
                lvls[lvl.get(_w("ilvl")) or "0"] = (
                    fmt.get(_w("val")) if fmt is not None else "decimal",
                    _int(start.get(_w("val")) if start is not None else None, 1))
            levels[abstract.get(_w("abstractNumId")) or ""] = lvls
        start: dict[tuple[str, str], int] = {}
        for num in root.iter(_w("num")):
            num_id = num.get(_w("numId")) or ""
            abstract_id = num.find(_w("abstractNumId"))
            lvls = levels.get(abstract_id.get(_w("val")) if abstract_id is not None else "", {})
            overrides = {o.get(_w("ilvl")) or "0": o.find(_w("startOverride")) for o in num.iter(_w("lvlOverride"))}
            for ilvl, (fmt, first) in lvls.items():
                if fmt != "decimal":
                    continue
                override = overrides.get(ilvl)
                start[(num_id, ilvl)] = _int(override.get(_w("val")) if override is not None else None, first)
        return cls(start=start)


def _int(value: str | None, default: int) -> int:
    return int(value) if value and value.lstrip("-").isdigit() else default

