"""Word documents built for tests: complex and simple fields, tracked changes, hyperlinks,
Zotero citations, notes parts and repackaged members (python-docx plus raw XML where it cannot)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn


def _fld(paragraph, kind: str, data: str | None = None) -> None:
    run = paragraph.add_run()
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    if data:
        payload = OxmlElement("w:fldData")
        payload.text = data
        char.append(payload)
    run._r.append(char)


def _instr(paragraph, text: str) -> None:
    run = paragraph.add_run()
    element = OxmlElement("w:instrText")
    element.set(qn("xml:space"), "preserve")
    element.text = text
    run._r.append(element)


def add_field(paragraph, instruction: str, result: str, *, pieces: int = 1, superscript: bool = False,
              nested: str | None = None, data: str | None = None) -> None:
    """A complex field: begin, the instruction split over `pieces` runs, separate, result, end."""
    _fld(paragraph, "begin")
    size = -(-len(instruction) // pieces)
    for start in range(0, len(instruction), size):
        _instr(paragraph, instruction[start:start + size])
    if nested is not None:
        _fld(paragraph, "begin", data)
        _instr(paragraph, nested)
        _fld(paragraph, "end")
    _fld(paragraph, "separate")
    paragraph.add_run(result).font.superscript = superscript
    _fld(paragraph, "end")


def add_simple_field(paragraph, instruction: str, result: str) -> None:
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = result
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)


def add_tracked(paragraph, kind: str, text: str) -> None:
    """A tracked insertion (w:ins) or deletion (w:del) of `text`."""
    wrapper = OxmlElement(f"w:{kind}")
    wrapper.set(qn("w:id"), str(len(paragraph._p)))
    wrapper.set(qn("w:author"), "Reviewer")
    run = OxmlElement("w:r")
    element = OxmlElement("w:delText" if kind == "del" else "w:t")
    element.set(qn("xml:space"), "preserve")
    element.text = text
    run.append(element)
    wrapper.append(run)
    paragraph._p.append(wrapper)


def add_hyperlink(paragraph, url: str, text: str) -> None:
    rid = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run = OxmlElement("w:r")
    element = OxmlElement("w:t")
    element.text = text
    run.append(element)
    link.append(run)
    paragraph._p.append(link)


def zotero(items: list[dict], rendered: str) -> str:
    citation = {"citationID": "x", "properties": {"formattedCitation": rendered, "plainCitation": rendered},
                "citationItems": [{"id": i["id"], "uris": [f"http://zotero.org/users/1/items/{i['id']}"],
                                   "itemData": i} for i in items]}
    return " ADDIN ZOTERO_ITEM CSL_CITATION " + json.dumps(citation) + " "


ITEMS = {
    1: {"id": "AAAA1111", "type": "article-journal", "title": "Dupilumab treatment in adults with atopic dermatitis",
        "container-title": "N Engl J Med", "DOI": "10.1056/NEJMoa1610020", "note": "PMID: 27690741",
        "author": [{"family": "Simpson", "given": "E L"}], "issued": {"date-parts": [[2016]]}},
    2: {"id": "BBBB2222", "type": "article-journal", "title": "Secukinumab in plaque psoriasis",
        "container-title": "N Engl J Med", "DOI": "10.1056/NEJMoa1314258",
        "author": [{"family": "Langley", "given": "R G"}], "issued": {"date-parts": [[2014]]}},
    3: {"id": "CCCC3333", "type": "article-journal", "title": "Oral baricitinib in alopecia areata",
        "container-title": "N Engl J Med", "DOI": "10.1056/NEJMoa2110343",
        "author": [{"family": "King", "given": "B"}], "issued": {"date-parts": [[2022]]}},
}


def save(document, tmp_path: Path, name: str = "draft.docx") -> Path:
    path = tmp_path / name
    document.save(str(path))
    return path


def rewrite(source: Path, target: Path, changes: dict[str, bytes | None]) -> Path:
    """A copy of a package with members replaced, added or (None) removed."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename not in changes:
                new.writestr(info, old.read(info))
        for name, data in changes.items():
            if data is not None:
                new.writestr(name, data)
    return target


def with_notes(source: Path, target: Path, kind: str, notes: dict[int, str]) -> Path:
    """Add a footnotes or endnotes part (python-docx cannot) with `notes` as plain paragraphs of XML runs."""
    tag = kind[:-1]
    body = "".join(
        f'<w:{tag} w:id="{nid}"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        f"<w:{tag}Ref/></w:r>{runs}</w:p></w:{tag}>" for nid, runs in notes.items())
    part = (f'<w:{kind} xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f'<w:{tag} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{tag}>'
            f"{body}</w:{kind}>").encode()
    with zipfile.ZipFile(source) as old:
        rels = old.read("word/_rels/document.xml.rels").decode().replace(
            "</Relationships>",
            f'<Relationship Id="rIdNotes" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/{kind}" Target="{kind}.xml"/></Relationships>')
        types = old.read("[Content_Types].xml").decode().replace(
            "</Types>", f'<Override PartName="/word/{kind}.xml" ContentType="application/'
                        f'vnd.openxmlformats-officedocument.wordprocessingml.{kind}+xml"/></Types>')
    return rewrite(source, target, {f"word/{kind}.xml": part, "word/_rels/document.xml.rels": rels.encode(),
                                    "[Content_Types].xml": types.encode()})


def cited(document) -> list[tuple[int, ...]]:
    return [claim.citations for claim in document.claims]
