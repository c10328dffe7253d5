"""An independent reading of the real Word manuscripts, to check the reader against.

Written apart from citeaudit.plugins.docx and sharing none of its code: a
plain walk over word/document.xml (and docProps/custom.xml) with zipfile
and lxml, knowing only what a person sees when opening each file. It
answers three questions per manuscript: how many references the list has,
which numbers the text cites, and which reference each item of a
reference-manager citation is (through the rendered bibliography).
"""

from __future__ import annotations

import base64
import json
import re
import zipfile
from pathlib import Path

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_RANGE = re.compile(r"(\d+)\s*[-\u2013]\s*(\d+)|(\d+)")


def numbers_in(text: str) -> set[int]:
    """"(4,30,31)", "6,12-15", "[2,5–7]" -> the numbers, ranges expanded."""
    found: set[int] = set()
    for m in _RANGE.finditer(text):
        if m[3]:
            found.add(int(m[3]))
        else:
            found.update(range(int(m[1]), int(m[2]) + 1))
    return found


def _xml(path: Path, name: str):
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read(name))


def _paragraphs(root) -> list:
    return list(root.iter(f"{W}p"))


def _plain(paragraph) -> str:
    """All w:t text of a paragraph except deleted text and field instructions."""
    return "".join(t.text or "" for t in paragraph.iter(f"{W}t"))


def _in_table(paragraph) -> bool:
    return any(a.tag == f"{W}tc" for a in paragraph.iterancestors())


def _fields(root) -> list[tuple[str, str]]:
    """(instruction, shown result) of every complex field, outermost ones only, in order."""
    found = []
    depth, instruction, result, in_result = 0, [], [], False
    for element in root.iter(f"{W}fldChar", f"{W}instrText", f"{W}t", f"{W}fldData"):
        if element.tag == f"{W}fldChar":
            kind = element.get(f"{W}fldCharType")
            if kind == "begin":
                depth += 1
                if depth == 1:
                    instruction, result, in_result = [], [], False
            elif kind == "separate" and depth == 1:
                in_result = True
            elif kind == "end":
                depth -= 1
                if depth == 0:
                    found.append(("".join(instruction), "".join(result)))
        elif element.tag == f"{W}instrText" and depth >= 1 and not in_result:
            instruction.append(element.text or "")
        elif element.tag == f"{W}fldData" and depth >= 1:
            instruction.append(base64.b64decode("".join((element.text or "").split())).decode("utf-8", "replace"))
        elif element.tag == f"{W}t" and depth == 1 and in_result:
            result.append(element.text or "")
    return found


def _after_heading(root, heading: str) -> list:
    """Non-empty paragraphs after the last one whose text is `heading`."""
    paragraphs = _paragraphs(root)
    start = max(i for i, p in enumerate(paragraphs) if _plain(p).strip().lower() == heading)
    return [p for p in paragraphs[start + 1:] if _plain(p).strip()]


def _between(root, first: str, last: str) -> list:
    """Paragraphs after the first one starting with `first`, before the last one equal to `last`."""
    paragraphs = _paragraphs(root)
    start = next(i for i, p in enumerate(paragraphs) if _plain(p).strip().lower().startswith(first))
    end = max(i for i, p in enumerate(paragraphs) if _plain(p).strip().lower() == last)
    return paragraphs[start:end]


# -- per manuscript ---------------------------------------------------------------


def zotero(path: Path) -> dict:
    root = _xml(path, "word/document.xml")
    cites = [(json.loads(i[i.index("{"):]), shown) for i, shown in _fields(root) if "ZOTERO_ITEM" in i]
    items = {item["uris"][0] for data, _ in cites for item in data["citationItems"]}
    return {"references": len(items), "cited": set().union(*(numbers_in(s) for _, s in cites)),
            "citations": [(tuple(i["uris"][0] for i in d["citationItems"]), numbers_in(s)) for d, s in cites]}


def endnote(path: Path) -> dict:
    root = _xml(path, "word/document.xml")
    fields = _fields(root)
    entries = [_plain(p) for p in root.iter(f"{W}p")
               if (p.find(f"{W}pPr/{W}pStyle") is not None
                   and p.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "EndNoteBibliography")]
    numbered = {int(e.split(".", 1)[0]): e for e in entries}
    citations = []
    for instruction, shown in fields:
        if "EN.CITE" not in instruction:
            continue
        records = re.findall(r"<rec-number>(\d+)</rec-number>.*?<title>(.*?)</title>", instruction, re.S)
        citations.append((tuple(r for r, _ in records), numbers_in(shown),
                          {r: next(n for n, e in numbered.items() if re.sub("<[^>]+>", "", t)[:40] in e)
                           for r, t in records}))
    return {"references": len(entries), "cited": set().union(*(c[1] for c in citations)),
            "citations": citations}


def mendeley_libreoffice(path: Path) -> dict:
    root = _xml(path, "word/document.xml")
    custom = _xml(path, "docProps/custom.xml")
    chunks: dict[str, list] = {}
    for prop in custom:
        name, _, number = prop.get("name").rpartition("_")
        if name.startswith("Mendeley_Bookmark_"):
            chunks.setdefault(name, []).append((int(number), "".join(prop.itertext())))
    items, cited = set(), set()
    for mark in root.iter(f"{W}bookmarkStart"):
        name = mark.get(f"{W}name")
        if name in chunks:
            text = "".join(t for _, t in sorted(chunks[name]))
            data = json.loads(text[text.index("{"):])
            items.update(i["uris"][0] for i in data["citationItems"])
            cited |= numbers_in(data["mendeley"]["formattedCitation"])
    return {"references": len(items), "cited": cited}


def typed(path: Path, body_starts: str) -> dict:
    """Bracketed citations typed in the body text (tables left out), entries after "References"."""
    root = _xml(path, "word/document.xml")
    cited: set[int] = set()
    for paragraph in _between(root, body_starts, "references"):
        if not _in_table(paragraph):
            for m in re.finditer(r"\[(\d+(?:\s*[-\u2013,]\s*\d+)*)\]", _plain(paragraph)):
                cited |= numbers_in(m[1])
    return {"references": len(_after_heading(root, "references")), "cited": cited}


def author_year(path: Path) -> dict:
    root = _xml(path, "word/document.xml")
    return {"references": len(_after_heading(root, "references")), "cited": set()}
