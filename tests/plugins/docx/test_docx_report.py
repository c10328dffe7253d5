"""The docx reporter: a commented copy of a Word draft, one comment per flagged marker."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import paths
import pytest
from conftest import builtin_labels, builtin_rules
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from lxml import etree

from citeaudit.errors import InputError, UsageError
from citeaudit.model import Claim, Document, Finding, Marker, Reference, Span
from citeaudit.plugins.docx import report as docx_report
from citeaudit.report import DocumentReport, RunReport

RULES, LABELS = builtin_rules(), builtin_labels()


def _run(documents: tuple[DocumentReport, ...], options: object = None) -> RunReport:
    """A run as the pipeline makes it: with the rules (their wording) and the sources' labels."""
    return RunReport(documents, options, rules=RULES, labels=LABELS)

DATA = paths.DATA / "reports"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


# -- reading a commented copy back, independently of the reporter -------------


def read_comments(data: bytes) -> dict[str, tuple[str, str, str]]:
    """comment id -> (author, initials, text) from word/comments.xml."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read("word/comments.xml"))
    return {c.get(qn("w:id")): (c.get(qn("w:author")), c.get(qn("w:initials")),
                                "\n".join("".join(t.text or "" for t in p.iter(qn("w:t")))
                                          for p in c.iter(qn("w:p"))))
            for c in root.iter(qn("w:comment"))}


def finding_anchors(data: bytes) -> dict[str, str]:
    """anchored_text without the general comment (version, date, registries) on the first paragraph."""
    general = {cid for cid, (_a, _i, text) in read_comments(data).items()
               if text.startswith("citeaudit ") and "\n" not in text}
    return {cid: text for cid, text in anchored_text(data).items() if cid not in general}


def anchored_text(data: bytes) -> dict[str, str]:
    """comment id -> the visible text between its commentRangeStart and commentRangeEnd."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    open_ids: list[str] = []
    text: dict[str, str] = {}
    for _event, el in etree.iterwalk(root, events=("start",)):
        if el.tag == qn("w:commentRangeStart"):
            open_ids.append(el.get(qn("w:id")))
            text[el.get(qn("w:id"))] = ""
        elif el.tag == qn("w:commentRangeEnd"):
            open_ids.remove(el.get(qn("w:id")))
        elif any(a.tag == qn("w:del") for a in el.iterancestors()):
            continue
        elif el.tag in (qn("w:t"), qn("w:tab"), qn("w:br")):
            piece = el.text or "" if el.tag == qn("w:t") else ("\t" if el.tag == qn("w:tab") else "\n")
            for cid in open_ids:
                text[cid] += piece
    return text


def references_in_body(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    return [r.get(qn("w:id")) for r in root.iter(qn("w:commentReference"))]


def body_paragraphs(data: bytes) -> list[etree._Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    return list(root.find(qn("w:body")).iter(qn("w:p")))


def plain(paragraph: etree._Element) -> str:
    """Visible text by the contract, written independently of the reporter."""
    out = []
    for el in paragraph.iter(qn("w:t"), qn("w:tab"), qn("w:br")):
        if any(a.tag == qn("w:del") for a in el.iterancestors()):
            continue
        out.append(el.text or "" if el.tag == qn("w:t") else ("\t" if el.tag == qn("w:tab") else "\n"))
    return "".join(out)


# -- a Word draft written for these tests ---------------------------------------


def write_draft(path: Path, extra: str | None = None) -> list[str]:
    """A small dermatology draft with the constructs the location contract names.

    Returns the visible text of each body paragraph, in `body.iter(w:p)` order.
    """
    d = docx.Document()
    d.add_heading("Introduction", level=1)
    d.add_paragraph("Atopic dermatitis affects up to 20% of children [1]. "
                    "Dupilumab, a JAK inhibitor, clears it in most patients [2, 3].")
    p = d.add_paragraph("Itch improved by 50% with nemolizumab")
    sup = p.add_run("4,5")
    sup.font.superscript = True
    p.add_run(" and sleep improved too.")
    # Tracked changes, a tab and a hyperlink: the deleted "[8]" does not count.
    p = d.add_paragraph()
    p._p.append(parse_xml(
        f'<w:del {nsdecls("w")} w:id="90" w:author="A" w:date="2024-01-01T00:00:00Z"><w:r>'
        '<w:delText>Old claim [8]. </w:delText></w:r></w:del>'))
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:t xml:space="preserve">Crisaborole helps</w:t>'
                          '<w:tab/><w:t xml:space="preserve">mild disease </w:t></w:r>'))
    p._p.append(parse_xml(
        f'<w:ins {nsdecls("w")} w:id="91" w:author="A" w:date="2024-01-01T00:00:00Z"><w:r>'
        '<w:t xml:space="preserve">[6]</w:t></w:r></w:ins>'))
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:t xml:space="preserve"> and so does </w:t><w:br/>'
                          '<w:t xml:space="preserve">ruxolitinib cream </w:t></w:r>'))
    p._p.append(parse_xml(
        f'<w:hyperlink {nsdecls("w")} w:anchor="ref9"><w:r><w:t>[9]</w:t></w:r></w:hyperlink>'))
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:t>.</w:t></w:r>'))
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Tralokinumab"
    table.cell(0, 1).text = "Approved in 2021 [7]."
    if extra:
        d.add_paragraph(extra)
    d.add_heading("References", level=1)
    for n, text in enumerate([
        "Silverberg JI. Atopic dermatitis prevalence. Ann Allergy Asthma Immunol. 2021.",
        "Simpson EL, et al. Two phase 3 trials of dupilumab. N Engl J Med. 2016;375:2335-48.",
        "Beck LA, et al. Dupilumab treatment in adults. N Engl J Med. 2014;371:130-9.",
        "Ruzicka T, et al. Anti-interleukin-31 receptor A antibody. N Engl J Med. 2017.",
        "Kabashima K, et al. Trial of nemolizumab. N Engl J Med. 2020;383:141-50.",
        "Paller AS, et al. Crisaborole ointment. J Am Acad Dermatol. 2016;75:494-503.",
        "Wollenberg A, et al. Tralokinumab. Br J Dermatol. 2021;184:437-49.",
        "An uncited reference. 2019.",
        "Papp K, et al. Ruxolitinib cream. J Am Acad Dermatol. 2021;85:863-72.",
    ], start=1):
        d.add_paragraph(f"{n}. {text}")
    d.save(path)
    return [plain(p) for p in body_paragraphs(path.read_bytes())]


def _marker(texts: list[str], paragraph: int, text: str, numbers: tuple[int, ...],
            style: str = "bracket") -> Marker:
    offset = texts[paragraph].index(text)
    return Marker(text, numbers, Span(paragraph=paragraph, offset=offset), style)


def draft_report(path: Path, texts: list[str]) -> DocumentReport:
    m1 = _marker(texts, 1, "[1]", (1,))
    m23 = _marker(texts, 1, "[2, 3]", (2, 3))
    m45 = _marker(texts, 2, "4,5", (4, 5), "superscript")
    m6 = _marker(texts, 3, "[6]", (6,))
    m9 = _marker(texts, 3, "[9]", (9,))
    m7 = _marker(texts, 5, "[7]", (7,))
    claims = (
        Claim(1, "Atopic dermatitis affects up to 20% of children.", (m1,), Span(paragraph=1, offset=0)),
        Claim(2, "Dupilumab, a JAK inhibitor, clears it in most patients.", (m23,), Span(paragraph=1, offset=52)),
        Claim(3, "Itch improved by 50% with nemolizumab and sleep improved too.", (m45,), Span(paragraph=2, offset=0)),
        Claim(4, "Crisaborole helps mild disease and so does ruxolitinib cream.", (m6, m9), Span(paragraph=3, offset=0)),
        Claim(5, "Approved in 2021.", (m7,), Span(paragraph=5, offset=0)),
    )
    first_ref = texts.index(next(t for t in texts if t.startswith("1. ")))
    refs = tuple(Reference(n, str(n), texts[first_ref + n - 1], Span(paragraph=first_ref + n - 1, offset=0))
                 for n in range(1, 10))
    document = Document(path=path, format="docx", claims=claims, references=refs,
                        extras={"docx": {"path": str(path)}})
    findings = (
        Finding("CA404", "dupilumab is an IL-4Rα antibody, not a JAK inhibitor", m23.span, "error",
                claim=2, citation=2, reference=2),
        Finding("CA402", "most patients: no such figure in the abstract of reference 3", claims[1].span,
                "warning", claim=2, citation=3, reference=3),
        Finding("CA402", "50% is not in the abstract of reference 5", claims[2].span, "warning",
                claim=3, citation=5, reference=5),
        Finding("CA101", "[9] cites a reference the list lacks <&>", m9.span, "error", claim=4, citation=9),
        Finding("CA401", "tralokinumab is not named in reference 7", claims[4].span, "warning",
                claim=5, citation=7, reference=7),
        Finding("CA102", "reference 8 is never cited", refs[7].span, "warning", reference=8),
        Finding("CA305", "reference 2 has been retracted", refs[1].span, "error", reference=2),
        Finding("CA201", "lib.bib does not parse", Span(line=12), "error", path="lib.bib"),
    )
    return DocumentReport(document, findings)


@pytest.fixture
def draft(tmp_path: Path) -> tuple[Path, DocumentReport, bytes]:
    path = tmp_path / "draft.docx"
    texts = write_draft(path)
    report = draft_report(path, texts)
    return path, report, docx_report.render(_run((report,)))


def test_one_comment_per_flagged_marker_anchored_on_the_marker(draft) -> None:
    _path, _report, copy = draft
    comments = read_comments(copy)
    anchored = anchored_text(copy)
    by_text = {}
    for cid, (_author, _initials, text) in comments.items():
        by_text.setdefault(anchored[cid], []).append(text)
    # Markers [2, 3], 4,5, [9], [7] are flagged; [1] and [6] are clean.
    for marker in ("[2, 3]", "4,5", "[9]", "[7]"):
        assert len(by_text[marker]) == 1, marker
    assert "[1]" not in by_text and "[6]" not in by_text
    both = by_text["[2, 3]"][0]
    # Plain words first, the code and severity last.
    assert "Dupilumab is an IL-4Rα antibody, not a JAK inhibitor. \u2014 CA404 (error)" in both
    assert "Most patients: no such figure in the abstract of reference 3. \u2014 CA402 (warning)" in both
    assert by_text["[9]"] == ["Reference 9 is cited here, but the reference list has no entry 9. \u2014 CA101 (error)"]
    assert len(comments) == 7  # 4 markers, references 8 and 2, and the .bib problem
    assert sorted(references_in_body(copy)) == sorted(comments)


def test_reference_and_document_findings_anchor_at_paragraphs(draft) -> None:
    _path, _report, copy = draft
    comments = read_comments(copy)
    anchored = anchored_text(copy)
    texts = {anchored[cid]: text for cid, (_a, _i, text) in comments.items()}
    assert texts["8. An uncited reference. 2019."] == ("Reference 8 is in the reference list but never cited "
                                                      "in the text. \u2014 CA102 (warning)")
    assert next(t for a, t in texts.items() if a.startswith("2. Simpson")).startswith(
        "The cited work (reference 2) has been retracted.")
    headline, *rest = texts["Introduction"].split("\n")
    assert headline.startswith("citeaudit ") and "registries not consulted" in headline
    assert rest == ["Not tied to a place in the draft:", "lib.bib does not parse (lib.bib:12). \u2014 CA201 (error)"]


def test_comments_are_by_citeaudit_and_declared_in_the_package(draft) -> None:
    _path, _report, copy = draft
    assert {(a, i) for a, i, _t in read_comments(copy).values()} == {("citeaudit", "CA")}
    with zipfile.ZipFile(io.BytesIO(copy)) as archive:
        assert archive.namelist()[0] == "[Content_Types].xml"
        types = archive.read("[Content_Types].xml").decode()
        rels = archive.read("word/_rels/document.xml.rels").decode()
    assert 'PartName="/word/comments.xml"' in types and docx_report.COMMENTS_TYPE in types
    assert docx_report.COMMENTS_REL in rels and 'Target="comments.xml"' in rels
    reopened = docx.Document(io.BytesIO(copy))
    assert reopened.part.package is not None
    assert len(reopened.comments) == 7


def test_text_and_formatting_survive_the_run_splits(draft) -> None:
    path, _report, copy = draft
    assert [plain(p) for p in body_paragraphs(copy)] == [plain(p) for p in body_paragraphs(path.read_bytes())]
    paragraph = body_paragraphs(copy)[2]
    runs = [r for r in paragraph.iter(qn("w:r")) if r.find(qn("w:t")) is not None]
    superscript = [("".join(t.text for t in r.iter(qn("w:t"))), r.find(f"{qn('w:rPr')}/{qn('w:vertAlign')}") is not None)
                   for r in runs]
    assert ("4,5", True) in superscript
    # The deleted text and the insertion are still there, untouched.
    with zipfile.ZipFile(io.BytesIO(copy)) as archive:
        document = archive.read("word/document.xml").decode()
    assert "Old claim [8]. " in document and 'w:id="91"' in document


def test_comment_reference_run_sits_outside_tracked_insertions(tmp_path: Path) -> None:
    path = tmp_path / "draft.docx"
    texts = write_draft(path)
    report = draft_report(path, texts)
    m6 = report.document.claims[3].markers[0]
    flagged = DocumentReport(report.document, (Finding("CA101", "six", m6.span, "error", claim=4, citation=6),))
    copy = docx_report.render(_run((flagged,)))
    assert sorted(anchored_text(copy).values()) == ["Introduction", "[6]"]  # the marker and the general comment
    paragraph = body_paragraphs(copy)[3]
    reference = next(paragraph.iter(qn("w:commentReference")))
    assert all(a.tag != qn("w:ins") for a in reference.iterancestors())


def test_original_is_never_touched(tmp_path: Path) -> None:
    path = tmp_path / "draft.docx"
    texts = write_draft(path)
    os.utime(path, (1_600_000_000, 1_600_000_000))
    before = path.read_bytes()
    docx_report.render(_run((draft_report(path, texts),)))
    assert path.read_bytes() == before and path.stat().st_mtime == 1_600_000_000


def test_existing_comments_are_kept_and_ids_continue(tmp_path: Path) -> None:
    path = tmp_path / "reviewed.docx"
    d = docx.Document()
    d.add_heading("Introduction", level=1)
    p = d.add_paragraph("Psoriasis responds to IL-17 blockade [1].")
    d.add_comment(p.runs[0], text="Please shorten.", author="Editor", initials="ED")
    d.add_paragraph("1. Langley RG, et al. Secukinumab in plaque psoriasis. N Engl J Med. 2014.")
    d.save(path)
    texts = [plain(q) for q in body_paragraphs(path.read_bytes())]
    m = _marker(texts, 1, "[1]", (1,))
    document = Document(path, "docx", (Claim(1, "Psoriasis responds to IL-17 blockade.", (m,), Span(paragraph=1, offset=0)),),
                        (Reference(1, "1", texts[2], Span(paragraph=2, offset=0)),))
    finding = Finding("CA304", "the year disagrees with Crossref", m.span, "warning", claim=1, citation=1, reference=1)
    copy = docx_report.render(_run((DocumentReport(document, (finding,)),)))
    comments = read_comments(copy)
    assert comments["0"][:2] == ("Editor", "ED")
    assert comments["1"] == ("citeaudit", "CA", "The year disagrees with Crossref. \u2014 CA304 (warning)")
    assert comments["2"][2].startswith("citeaudit ")  # the general comment comes last
    assert anchored_text(copy)["1"] == "[1]"
    with zipfile.ZipFile(io.BytesIO(copy)) as archive:
        rels = archive.read("word/_rels/document.xml.rels").decode()
        types = archive.read("[Content_Types].xml").decode()
    assert rels.count(docx_report.COMMENTS_REL + '"') == 1 and types.count("comments+xml") == 1


# -- real Word files -------------------------------------------------------------


def test_real_superscript_draft(tmp_path: Path) -> None:
    """meTypeset's SuperscriptFootnotes.docx: superscript markers 1-11 after "Line."."""
    path = tmp_path / "superscript.docx"
    shutil.copy(DATA / "metypeset_SuperscriptFootnotes.docx", path)
    texts = [plain(p) for p in body_paragraphs(path.read_bytes())]
    line = texts[1]
    markers, position = [], 0
    for n in range(1, 12):
        position = line.index("Line.", position) + len("Line.")
        markers.append(Marker(str(n), (n,), Span(paragraph=1, offset=position), "superscript"))
    claims = tuple(Claim(n, "Line.", (m,), Span(paragraph=1, offset=m.span.offset - 5))
                   for n, m in enumerate(markers, start=1))
    refs = tuple(Reference(n, str(n), texts[4 + n], Span(paragraph=4 + n, offset=0)) for n in range(1, 12))
    document = Document(path, "docx", claims, refs, extras={"docx": {"path": str(path)}})
    findings = (Finding("CA104", "1 may be an exponent", markers[0].span, "error", claim=1, citation=1),
                Finding("CA402", "no such number", claims[9].span, "warning", claim=10, citation=10, reference=10),
                Finding("CA401", "not named", claims[9].span, "warning", claim=10, citation=10, reference=10),
                Finding("CA306", "reference 11 has a correction", refs[10].span, "warning", reference=11))
    copy = docx_report.render(_run((DocumentReport(document, findings),)))
    anchored = finding_anchors(copy)
    comments = read_comments(copy)
    assert sorted(anchored.values()) == ["1", "10", "11. Footnote number 11"]
    ten = next(cid for cid, text in anchored.items() if text == "10")
    assert comments[ten][2].count("\n") == 1
    assert [plain(p) for p in body_paragraphs(copy)] == texts


def zotero_copy(tmp_path: Path) -> tuple[bytes, list[str]]:
    """pandoc's zotero_citations.docx with every citation field flagged; returns (copy, marker texts)."""
    path = tmp_path / "zotero.docx"
    shutil.copy(DATA / "pandoc_zotero_citations.docx", path)
    texts = [plain(p) for p in body_paragraphs(path.read_bytes())]
    wanted = ["(Smith et al., 2013)", "(Boer et al., 2016; Smith et al., 2013)",
              "(prefix Bellomo et al., 2016, p. 2 suffix)"]
    markers = [Marker(text, (n,), Span(paragraph=n - 1, offset=texts[n - 1].index(text)), "field")
               for n, text in enumerate(wanted, start=1)]
    claims = tuple(Claim(n, texts[n - 1], (m,), Span(paragraph=n - 1, offset=0))
                   for n, m in enumerate(markers, start=1))
    findings = tuple(Finding("CA203", f"reference {n} is not in the library", m.span, "warning",
                             claim=n, citation=n, reference=n) for n, m in enumerate(markers, start=1))
    document = Document(path, "docx", claims, (), style="author-year")
    return docx_report.render(_run((DocumentReport(document, findings),))), wanted


def test_real_zotero_fields_are_commented_as_whole_fields(tmp_path: Path) -> None:
    """pandoc's zotero_citations.docx: the markers are Zotero field results."""
    copy, wanted = zotero_copy(tmp_path)
    assert sorted(finding_anchors(copy).values()) == sorted(wanted)
    with zipfile.ZipFile(io.BytesIO(copy)) as archive:
        body = etree.fromstring(archive.read("word/document.xml"))
    flagged = set(finding_anchors(copy))
    for start in body.iter(qn("w:commentRangeStart")):
        if start.get(qn("w:id")) in flagged:
            assert start.getnext().find(qn("w:fldChar")).get(qn("w:fldCharType")) == "begin"
    for end in body.iter(qn("w:commentRangeEnd")):
        if end.get(qn("w:id")) not in flagged:
            continue
        assert end.getprevious().find(qn("w:fldChar")).get(qn("w:fldCharType")) == "end"
        assert end.getnext().find(qn("w:commentReference")) is not None


def test_entry_in_a_bibliography_field_keeps_its_reference_mark_after_the_field(tmp_path: Path) -> None:
    path = tmp_path / "zotero.docx"
    shutil.copy(DATA / "pandoc_zotero_citations.docx", path)
    texts = [plain(p) for p in body_paragraphs(path.read_bytes())]
    ref = Reference(2, "2", texts[6], Span(paragraph=6, offset=0))
    document = Document(path, "docx", (), (ref,), style="author-year")
    finding = Finding("CA102", "reference 2 is never cited", ref.span, "warning", reference=2)
    copy = docx_report.render(_run((DocumentReport(document, (finding,)),)))
    assert list(finding_anchors(copy).values()) == [texts[6]]
    mark = next(body_paragraphs(copy)[8].iter(qn("w:commentReference"))).getparent()
    assert mark.getprevious().find(qn("w:fldChar")).get(qn("w:fldCharType")) == "end"


def test_real_footnote_draft_comments_at_the_note_reference(tmp_path: Path) -> None:
    """meTypeset's Zotero2.docx keeps its Zotero citations in footnotes."""
    path = tmp_path / "notes.docx"
    shutil.copy(DATA / "metypeset_Zotero2_footnotes.docx", path)
    with zipfile.ZipFile(path) as archive:
        body = etree.fromstring(archive.read("word/document.xml"))
    note_ids = [r.get(qn("w:id")) for r in body.iter(qn("w:footnoteReference"))]
    assert note_ids
    marker = Marker("(Smith 2010)", (1,), Span(paragraph=0, offset=0, part=f"footnote:{note_ids[0]}"), "field")
    document = Document(path, "docx", (Claim(1, "Footnote reference to journal.", (marker,), Span(paragraph=0)),), ())
    copy = docx_report.render(_run((DocumentReport(
        document, (Finding("CA101", "cites a missing reference", marker.span, "error", claim=1, citation=1),)),)))
    comment = read_comments(copy)["0"][2]
    assert comment.startswith(f"In footnote {note_ids[0]}, at “(Smith 2010)”:")
    with zipfile.ZipFile(io.BytesIO(copy)) as archive:
        body = etree.fromstring(archive.read("word/document.xml"))
    start = next(s for s in body.iter(qn("w:commentRangeStart")) if s.get(qn("w:id")) == "0")
    assert start.getnext().find(qn("w:footnoteReference")).get(qn("w:id")) == note_ids[0]


def test_cli_writes_one_comment_per_flagged_marker(tmp_path: Path) -> None:
    from conftest import run_cli

    path = tmp_path / "draft.docx"
    write_draft(path, extra="Relapse is common once treatment stops [12].")
    before = path.read_bytes()
    args = ["check", str(path), "--select", "CA1", "--offline"]
    code, out, err = run_cli(*args, "--format", "json")
    findings = json.loads(out)["documents"][0]["findings"]
    out_path = tmp_path / "draft.citeaudit.docx"
    code, _out, err = run_cli(*args, "--format", "docx", "--output", str(out_path))
    assert code == 1 and err == ""
    copy = out_path.read_bytes()
    assert [f["rule"] for f in findings] == ["CA103", "CA101", "CA102"]
    assert sorted(finding_anchors(copy).values()) == ["8. An uncited reference. 2019.", "[12]", "[9]"]
    assert len(read_comments(copy)) == 4  # and the general comment: version, date, registries
    assert path.read_bytes() == before
    code, _out, err = run_cli(*args, "--format", "docx")
    assert code == 2 and "--output" in err


def test_cli_refuses_a_markdown_draft(tmp_path: Path) -> None:
    from conftest import run_cli

    draft = tmp_path / "draft.md"
    draft.write_text("# Intro\n\nPsoriasis is common [1].\n\n## References\n\n1. Doe J. A study. 2020.\n")
    code, _out, err = run_cli("check", str(draft), "--offline", "--format", "docx", "--output",
                              str(tmp_path / "x.docx"))
    assert code == 2 and "draft.md is markdown" in err and not (tmp_path / "x.docx").exists()


# -- refusals ------------------------------------------------------------------------


def test_non_word_input_is_a_usage_error(tmp_path: Path) -> None:
    document = Document(tmp_path / "draft.md", "markdown", (), ())
    with pytest.raises(UsageError, match="draft.md is markdown"):
        docx_report.render(_run((DocumentReport(document, ()),)))


def test_several_documents_is_a_usage_error(tmp_path: Path) -> None:
    reports = tuple(DocumentReport(Document(tmp_path / f"{n}.docx", "docx", (), ()), ()) for n in "ab")
    with pytest.raises(UsageError, match="2 documents"):
        docx_report.render(_run(reports))


def test_unreadable_original_is_an_input_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a zip")
    for path in (broken, tmp_path / "gone.docx"):
        with pytest.raises(InputError, match=path.name):
            docx_report.render(_run((DocumentReport(Document(path, "docx", (), ()), ()),)))


def test_locate_prefers_the_offset_then_the_nearest_copy() -> None:
    text = "A [1] b [1] c"
    assert docx_report.locate(text, 8, "[1]") == (8, 11)
    assert docx_report.locate(text, 7, "[1]") == (8, 11)
    assert docx_report.locate(text, 2, "(Smith)") == (2, 5)
    assert docx_report.locate("ab", 9, "x") == (1, 2)


def test_reporter_is_registered_as_binary() -> None:
    from citeaudit.manager import get_plugin_manager
    from citeaudit.plugins.docx import reporter as entry

    reporter = get_plugin_manager().reporters()["docx"]
    assert reporter.binary and reporter.render is entry.render


# -- LibreOffice --------------------------------------------------------------------


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required under CI")
        pytest.skip("LibreOffice not installed (CI installs it)")
    return found


def _convert(soffice: str, sources: list[Path], fmt: str, out: Path) -> None:
    profile = out / "lo-profile"
    result = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", fmt, "--outdir", str(out), *map(str, sources)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    for source in sources:
        assert (out / f"{source.stem}.{fmt}").exists(), result.stdout + result.stderr


@pytest.mark.browser
def test_libreoffice_converts_the_copies_and_anchors_every_comment(draft, tmp_path: Path) -> None:
    soffice = _soffice()
    _path, _report, copy = draft
    zotero, zotero_markers = zotero_copy(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    copies = {"draft.citeaudit.docx": copy, "zotero.citeaudit.docx": zotero}
    for name, data in copies.items():
        (out / name).write_bytes(data)
    for fmt in ("pdf", "fodt"):
        _convert(soffice, [out / name for name in copies], fmt, out)
    for name, data in copies.items():
        pdf = out / name.replace(".docx", ".pdf")
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000
        flat = out / name.replace(".docx", ".fodt")
        root = etree.parse(str(flat), etree.XMLParser(huge_tree=True)).getroot()
        anchors = libreoffice_anchors(root)
        # Every comment carries its date into LibreOffice (without w:date it shows "01/03/-1").
        dates = [d.text or "" for d in root.iter("{http://purl.org/dc/elements/1.1/}date")
                 if d.getparent().tag.endswith("}annotation")]
        ours = {a["date"][:10] for a in comment_attributes(data)}
        assert len(dates) == len(read_comments(data)) and {d[:10] for d in dates} == ours
        assert sorted(anchors.values()) == sorted(anchored_text(data).values())
        assert len(anchors) == len(read_comments(data))
    assert len(read_comments(copy)) == 7 and sorted(finding_anchors(zotero).values()) == sorted(zotero_markers)


def libreoffice_anchors(root: etree._Element) -> dict[str, str]:
    """office:annotation name -> the text LibreOffice anchored it to, from a flat ODT."""
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    text_ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    authors = {"".join(c.itertext()) for a in root.iter(f"{{{office}}}annotation")
               for c in a.iter("{http://purl.org/dc/elements/1.1/}creator")}
    assert authors == {"citeaudit"}
    body = root.find(f"{{{office}}}body")
    open_names: list[str] = []
    found: dict[str, str] = {}
    skip_depth = 0

    def add(piece: str | None) -> None:
        if piece and not skip_depth:
            for name in open_names:
                found[name] += piece

    for event, el in etree.iterwalk(body, events=("start", "end")):
        if el.tag == f"{{{office}}}annotation":
            if event == "start":
                name = el.get(f"{{{office}}}name")
                open_names.append(name)
                found[name] = ""
                skip_depth += 1
            else:
                skip_depth -= 1
                add(el.tail)
            continue
        if event == "start":
            if el.tag == f"{{{office}}}annotation-end":
                open_names.remove(el.get(f"{{{office}}}name"))
            elif el.tag == f"{{{text_ns}}}tab":
                add("\t")
            elif el.tag == f"{{{text_ns}}}line-break":
                add("\n")
            elif el.tag == f"{{{text_ns}}}s":
                add(" " * int(el.get(f"{{{text_ns}}}c", "1")))
            if el.tag not in (f"{{{office}}}annotation-end",):
                add(el.text)
        else:
            add(el.tail)
    return found


# -- who, when, and which findings ------------------------------------------------------


def comment_attributes(copy: bytes) -> list[dict[str, str]]:
    with zipfile.ZipFile(io.BytesIO(copy)) as archive:
        root = etree.fromstring(archive.read("word/comments.xml"))
    return [{k.split("}")[1]: v for k, v in c.attrib.items()} for c in root.iter(qn("w:comment"))]


def test_every_comment_has_a_date_and_initials(draft, monkeypatch) -> None:
    _path, _report, copy = draft
    attributes = comment_attributes(copy)
    assert len(attributes) == 7
    for attrs in attributes:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", attrs["date"]) and attrs["initials"] == "CA"
    path, report, _ = draft
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    again = docx_report.render(_run((report,)))
    assert {a["date"] for a in comment_attributes(again)} == {"2026-01-01T00:00:00Z"}


def test_the_comment_author_is_configurable(draft) -> None:
    from types import SimpleNamespace

    _path, report, _ = draft
    options = SimpleNamespace(plugin_options={"comment-author": "Jane Q. Doe"}, offline=True)
    copy = docx_report.render(_run((report,), options=options))
    assert {(a["author"], a["initials"]) for a in comment_attributes(copy)} == {("Jane Q. Doe", "JQD")}
    assert docx_report.initials_of("Editorial Office") == "EO" and docx_report.initials_of("Cochrane") == "CO"


def test_infos_on_the_reference_list_only_with_min_severity_info(draft) -> None:
    from types import SimpleNamespace

    _path, report, _ = draft
    ref = report.document.references[5]
    info = Finding("CA205", "reference 6 has no DOI or PMID", ref.span, "info", reference=6)
    noisy = DocumentReport(report.document, (*report.findings, info))
    default = read_comments(docx_report.render(_run((noisy,))))
    assert not any("CA205" in text for _a, _i, text in default.values())
    assert any("1 finding(s) below the shown severity left out" in text for _a, _i, text in default.values())
    shown = read_comments(docx_report.render(_run((noisy,), options=SimpleNamespace(min_severity="info"))))
    assert sum("CA205" in text for _a, _i, text in shown.values()) == 1 and len(shown) == 8


def test_a_suggested_fix_comes_after_the_plain_sentence(draft) -> None:
    from citeaudit.model import Fix

    _path, report, _ = draft
    ref = report.document.references[1]
    finding = Finding("CA304", "reference 2 disagrees with PubMed: year 2017 (record: 2018)", ref.span, "warning",
                      reference=2, fix=Fix("year", "2017", "2018", "pubmed"))
    copy = docx_report.render(_run((DocumentReport(report.document, (finding,)),)))
    (text,) = [t for _a, _i, t in read_comments(copy).values() if "CA304" in t]
    assert text.split("\n") == ["Reference 2 disagrees with PubMed: year 2017 (record: 2018). \u2014 CA304 (warning)",
                                "Suggested: year 2018"]


def test_cli_takes_min_severity_and_the_comment_author(tmp_path: Path) -> None:
    from conftest import run_cli

    path = tmp_path / "draft.docx"
    d = docx.Document()
    d.add_heading("Acne and light", level=1)
    d.add_paragraph("Blue light reduced inflammatory lesions [1]. It also helps [2].")
    d.add_heading("References", level=2)
    d.add_paragraph("1. Papageorgiou P, Katsambas A, Chu A. Phototherapy with blue (415 nm) and red (660 nm) "
                    "light in the treatment of acne vulgaris. Br J Dermatol. 2000;142(5):973-8.")
    d.save(path)
    out = tmp_path / "draft.citeaudit.docx"
    args = ["check", str(path), "--offline", "--fail-on", "never", "--format", "docx", "--output", str(out),
            "--plugin-option", "comment-author=Jane Doe"]
    code, _o, err = run_cli(*args)
    assert code == 0, err
    default = read_comments(out.read_bytes())
    assert {(a, i) for a, i, _t in default.values()} == {("Jane Doe", "JD")}
    assert not any("CA205" in t for _a, _i, t in default.values())  # an info: left out by default
    code, _o, err = run_cli(*args, "--min-severity", "info")
    assert code == 0, err
    everything = read_comments(out.read_bytes())
    assert any(t.endswith("\u2014 CA205 (info)") for _a, _i, t in everything.values())
    assert len(everything) > len(default)


def test_the_light_entry_module_registers_the_reporter_and_agrees_on_the_default_author():
    """`--format docx` is registered by plugins/docx/reporter.py, which imports none of the
    commented copy's machinery; its option default is the report's own."""
    from citeaudit.plugins.docx import reporter

    assert reporter.AUTHOR == docx_report.AUTHOR
    found = []
    reporter.citeaudit_register_reporters(found.append)
    assert [(r.name, r.binary, r.writes) for r in found] == [("docx", True, ".citeaudit.docx")]
