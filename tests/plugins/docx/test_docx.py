"""The .docx reader: real Zotero/Mendeley/EndNote samples, built documents, hostile packages."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import struct
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import run_cli
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx_builders import (
    ITEMS,
    _fld,
    _instr,
    add_field,
    add_hyperlink,
    add_simple_field,
    add_tracked,
    cited,
    rewrite,
    save,
    with_notes,
    zotero,
)
from paths import DATA

from citeaudit.errors import InputError, LimitExceeded
from citeaudit.limits import MAX_DOCX_MEMBERS
from citeaudit.plugins.docx import package as docx_package
from citeaudit.plugins.docx import read_docx

CORPUS = DATA / "docx"


# -- real samples ------------------------------------------------------------------------


def _native_cites(path: Path) -> list[list[str]]:
    """citationIds of each Cite element of a pandoc native AST, in order."""
    groups: list[list[str]] = []
    for line in path.read_text().splitlines():
        if line.strip().endswith("Cite"):
            groups.append([])
        match = re.search(r'citationId = "([^"]*)"', line)
        if match and groups:
            groups[-1].append(match.group(1))
    return groups


def _native_dois(path: Path) -> set[str]:
    return {d.lower() for d in re.findall(r"\"DOI\"\s*,\s*MetaString\s*\"([^\"]+)\"", path.read_text())}


def test_zotero_fields_match_pandocs_expected_citations():
    document = read_docx(CORPUS / "pandoc_zotero_citations.docx")
    groups = _native_cites(CORPUS / "pandoc_zotero_citations.expected_plus.native")
    assert groups == [["109"], ["6", "109"], ["10"]]
    first_seen: dict[str, int] = {}
    for group in groups:
        for item in group:
            first_seen.setdefault(item, len(first_seen) + 1)
    assert cited(document) == [tuple(first_seen[i] for i in group) for group in groups]
    assert document.style == "author-year"
    assert {r.doi for r in document.references} == _native_dois(
        CORPUS / "pandoc_zotero_citations.expected_plus.native")
    by_number = {r.number: r for r in document.references}
    assert by_number[1].work.title.startswith("A comparison of full-field and anomaly initialization")
    assert by_number[1].id == "http://zotero.org/users/40613/items/3GKMD43T"
    # The rendered ZOTERO_BIBL entry is the reference text; the item data its fields.
    assert by_number[2].text.startswith("Boer, G. J., Smith, D. M.")
    assert by_number[2].span.paragraph == 6
    assert document.extras["docx"]["bibliography"] == "field"
    assert document.claims[0].markers[0].text == "(Smith et al., 2013)"
    assert document.claims[0].markers[0].style == "field"


def test_mendeley_fields_match_pandocs_expected_citations():
    document = read_docx(CORPUS / "pandoc_mendeley_citations.docx")
    groups = _native_cites(CORPUS / "pandoc_mendeley_citations.expected_plus.native")
    assert [len(c) for c in cited(document)] == [len(g) for g in groups] == [1, 1, 2]
    # pandoc's metadata keeps only some of the items; every DOI it has must be ours.
    dois = {r.doi for r in document.references if r.doi}
    assert _native_dois(CORPUS / "pandoc_mendeley_citations.expected_plus.native") <= dois
    assert dois == {"10.1145/1929887.1929902", "10.1007/s11528-019-00377-3"}
    assert len(document.references) == 4
    assert all(r.id.startswith("http://www.mendeley.com/documents/?uuid=") for r in document.references)
    titles = {r.work.title for r in document.references}
    assert "Computational Thinking for Youth in Practice" in titles


@pytest.mark.parametrize("name", ["metypeset_Mendeley.docx", "metypeset_Mendeley2.docx"])
def test_metypeset_mendeley_gives_doi_and_title_from_field_data(name):
    document = read_docx(CORPUS / name)
    silva = next(r for r in document.references if r.doi == "10.1016/j.joi.2013.01.007")
    assert silva.work.title == "Quantifying the interdisciplinarity of scientific journals and fields"
    assert silva.text.startswith("Silva, F. N., Rodrigues")
    assert silva.number == 1 and cited(document)[0] == (1,)


def test_zotero_draft_needs_no_bib_references_match_the_expected_bib():
    document = read_docx(CORPUS / "scimark_sample_zotero_fake_dois.docx")
    bib = (CORPUS / "scimark_sample_zotero_fake_dois.expected.bib").read_text()
    expected = {}
    for entry in re.findall(r"@article\{[^@]+", bib):
        fields = dict(re.findall(r"(\S+) = \{\{?([^{}]*)\}?\}", entry))
        expected[fields["zotero-uri"]] = fields
    assert {r.id for r in document.references} == set(expected)
    for reference in document.references:
        fields = expected[reference.id]
        assert reference.doi == fields["doi"]
        assert reference.work.title == fields["title"]
        assert reference.work.year == int(fields["year"])
        assert reference.work.volume == fields["volume"] and reference.work.pages == fields["pages"]
        assert reference.work.journal == fields["journal"]
    assert cited(document) == [(1,), (2, 1), (3,)]
    # The "Sources" list is the rendered bibliography: entries keep their own text and place.
    assert [r.span.paragraph for r in document.references] == [5, 6, 7]


def test_zotero_citations_in_footnotes_have_note_spans():
    document = read_docx(CORPUS / "metypeset_Zotero2_footnotes.docx")
    assert cited(document) == [(1,), (2,), (3, 4)]
    assert [c.span.part for c in document.claims] == ["footnote:2", "footnote:3", "footnote:4"]
    marker = document.claims[0].markers[0]
    assert marker.span.paragraph == 2 and marker.span.offset == 1
    assert marker.text.startswith("Kathryn Hume, \u2018Attenuated Realities")
    hume = document.reference(1)
    assert hume.doi == "10.7766/orbit.v2.1.50"


def test_zotero_bibliography_field_over_several_paragraphs():
    document = read_docx(CORPUS / "metypeset_Zotero3.docx")
    assert [r.span.paragraph for r in document.references] == [2, 3]
    assert [r.number for r in document.references] == [1, 2]
    assert document.references[1].text.startswith("Hume, Kathryn.")
    assert document.references[1].doi == "10.7766/orbit.v2.1.50"


def test_zotero_bookmark_mode_reads_custom_properties():
    document = read_docx(CORPUS / "metypeset_Zotero4_bookmark_mode.docx")
    (claim,) = document.claims
    assert claim.markers[0].text == "(Herman)" and claim.markers[0].span.offset == 35
    assert document.references[0].work.title == "Gravity's Rainbow, domination, and freedom"


def test_old_zotero_field_year_only_is_not_reference_2005():
    document = read_docx(CORPUS / "metypeset_036_zotero_item.docx")
    assert cited(document) == [(1,)]
    assert document.references[0].id == "http://zotero.org/users/401864/items/UDAF6SS2"


def test_superscript_numbers_after_periods_and_numbered_list():
    document = read_docx(CORPUS / "metypeset_SuperscriptFootnotes.docx")
    assert cited(document) == [(n,) for n in range(1, 12)]
    assert [r.number for r in document.references] == list(range(1, 12))
    assert document.references[0].text == "Footnote number 1"
    assert document.claims[9].markers[0].span.offset == 68


def test_chi_squared_superscripts_are_exponents_not_citations():
    document = read_docx(CORPUS / "metypeset_R09_numbered_refs_medical.docx")
    assert document.claims == ()
    first, second = document.references
    assert first.number == 1 and first.work.journal == "BMJ" and first.work.year == 1997
    assert second.number == 2


def test_bracket_labelled_reference_list_after_plain_heading():
    document = read_docx(CORPUS / "metypeset_ListReferences01.docx")
    assert [(r.number, r.text) for r in document.references] == [(1, "Reference 1 2013"), (2, "Reference 2 2014")]


@pytest.mark.parametrize("name", ["pandoc_nested_instrText.docx", "pandoc_empty_field.docx"])
def test_other_fields_and_nesting_give_no_citations(name):
    document = read_docx(CORPUS / name)
    assert document.claims == () and document.references == ()


# -- built documents: marker styles --------------------------------------------------------


def test_adjacent_superscript_runs_merge_into_one_marker(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("Dupilumab improved eczema")
    for piece in ("1", ",", "3\u20135"):
        paragraph.add_run(piece).font.superscript = True
    paragraph.add_run(". Baseline text follows.")
    read = read_docx(save(document, tmp_path))
    (claim,) = read.claims
    (marker,) = claim.markers
    assert (marker.text, marker.numbers, marker.style) == ("1,3\u20135", (1, 3, 4, 5), "superscript")
    assert marker.span.paragraph == 0 and marker.span.offset == len("Dupilumab improved eczema")
    assert claim.text == "Dupilumab improved eczema."


def test_superscript_through_a_character_style(tmp_path):
    document = docx.Document()
    style = document.styles.add_style("Cite Sup", WD_STYLE_TYPE.CHARACTER)
    style.font.superscript = True
    paragraph = document.add_paragraph("Biologics changed psoriasis care")
    paragraph.add_run("2", style="Cite Sup")
    paragraph.add_run(".")
    assert cited(read_docx(save(document, tmp_path))) == [(2,)]


def test_exponents_are_skipped_and_superscripts_after_a_year_cited(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("Counts reached 10")
    paragraph.add_run("6").font.superscript = True
    paragraph.add_run(" cells per m")
    paragraph.add_run("2").font.superscript = True
    paragraph.add_run(" and I")
    paragraph.add_run("2").font.superscript = True
    paragraph.add_run(" was 40%. The trial ended in 2019")
    paragraph.add_run("12").font.superscript = True
    paragraph.add_run(". Itch fell by half")
    paragraph.add_run("4").font.superscript = True
    paragraph.add_run(".")
    read = read_docx(save(document, tmp_path))
    markers = [m for c in read.claims for m in c.markers]
    assert [(m.text, m.problem is not None) for m in markers] == [("12", False), ("4", False)]
    assert markers[0].numbers == (12,)


def test_typed_bracket_markers_and_tracked_changes_read_as_accepted(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("Atopic dermatitis affects children ")
    add_tracked(paragraph, "del", "[9]")
    add_tracked(paragraph, "ins", "[2]")
    paragraph.add_run(" and adults [3\u20135].")
    read = read_docx(save(document, tmp_path))
    assert cited(read) == [(2, 3, 4, 5)]
    first, second = read.claims[0].markers
    assert first.span.offset == len("Atopic dermatitis affects children ")
    assert second.span.offset == len("Atopic dermatitis affects children [2] and adults ")
    assert read.claims[0].text == "Atopic dermatitis affects children and adults."


def test_move_from_is_ignored_and_move_to_kept(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("Acne responds to isotretinoin")
    for kind, text in (("moveFrom", "[8]"), ("moveTo", "[1]")):
        wrapper = OxmlElement(f"w:{kind}")
        wrapper.set(qn("w:id"), kind)
        run = OxmlElement("w:r")
        element = OxmlElement("w:t")
        element.text = text
        run.append(element)
        wrapper.append(run)
        paragraph._p.append(wrapper)
    paragraph.add_run(".")
    assert cited(read_docx(save(document, tmp_path))) == [(1,)]


def test_descending_range_is_a_marker_problem(tmp_path):
    document = docx.Document()
    document.add_paragraph("Methotrexate is hepatotoxic [5-3].")
    (marker,) = read_docx(save(document, tmp_path)).claims[0].markers
    assert marker.problem == "descending range 5-3"


def test_offsets_count_tabs_breaks_and_hyperlink_text_but_not_instructions(tmp_path):
    document = docx.Document()
    document.add_paragraph("Preface.")
    paragraph = document.add_paragraph("A\tB")
    paragraph.add_run().add_break()
    add_hyperlink(paragraph, "https://example.org", "link")
    add_field(paragraph, ' HYPERLINK "https://example.org/x" ', "field link")
    paragraph.add_run(" text [7].")
    (claim,) = read_docx(save(document, tmp_path)).claims
    (marker,) = claim.markers
    assert marker.span.paragraph == 1
    assert marker.span.offset == len("A\tB\nlinkfield link text ")


def test_paragraph_index_counts_table_paragraphs_and_headings_give_sections(tmp_path):
    document = docx.Document()
    document.add_heading("Atopic dermatitis", level=1)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).paragraphs[0].add_run("Cell text")
    table.cell(0, 1).paragraphs[0].add_run("Dupilumab [1].")
    document.add_heading("Psoriasis", level=2)
    document.add_paragraph("IL-17 blockade works [2].")
    read = read_docx(save(document, tmp_path))
    assert [(c.span.paragraph, c.section) for c in read.claims] == [(2, "Atopic dermatitis"), (4, "Psoriasis")]


def test_zotero_numeric_field_split_over_runs_needs_no_bibliography(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("Dupilumab and secukinumab are biologics")
    add_field(paragraph, zotero([ITEMS[1], ITEMS[2]], "1,2"), "1,2", pieces=7, superscript=True)
    paragraph.add_run(". Baricitinib regrows hair")
    add_field(paragraph, zotero([ITEMS[3]], "[3]"), "[3]", pieces=3)
    paragraph.add_run(".")
    read = read_docx(save(document, tmp_path))
    assert cited(read) == [(1, 2), (3,)]
    assert read.style == "numeric"
    assert [m.style for c in read.claims for m in c.markers] == ["field", "field"]
    assert read.claims[0].markers[0].keys == ("http://zotero.org/users/1/items/AAAA1111",
                                              "http://zotero.org/users/1/items/BBBB2222")
    first = read.reference(1)
    assert first.doi == "10.1056/nejmoa1610020" and first.pmid == "27690741"
    assert first.work.title == "Dupilumab treatment in adults with atopic dermatitis"
    assert first.span == read.claims[0].markers[0].span
    assert [r.number for r in read.references] == [1, 2, 3]


def test_zotero_field_merges_with_its_bibliography_entry_by_number(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("Secukinumab clears plaques")
    add_field(paragraph, zotero([ITEMS[2]], "[1]"), "[1]")
    paragraph.add_run(".")
    bib = document.add_paragraph()
    _fld(bib, "begin")
    _instr(bib, ' ADDIN ZOTERO_BIBL {"uncited":[]} CSL_BIBLIOGRAPHY ')
    _fld(bib, "separate")
    bib.add_run("[1]\tLangley RG. Secukinumab in plaque psoriasis. N Engl J Med. 2014;371(4):326-38.")
    bib.add_run().add_break()
    last = document.add_paragraph("[2]\tUncited A. An uncited work. Lancet. 2020;1:1-2. ")
    add_hyperlink(last, "https://doi.org/10.1016/S0140-6736(20)30001-1", "doi")
    _fld(last, "end")
    read = read_docx(save(document, tmp_path))
    first, second = read.references
    assert first.number == 1 and first.id == "http://zotero.org/users/1/items/BBBB2222"
    assert first.text.startswith("Langley RG. Secukinumab") and first.span.paragraph == 1
    assert first.work.volume == "371" and first.work.doi == "10.1056/nejmoa1314258"
    assert second.number == 2 and second.id == "2"
    assert second.doi == "10.1016/s0140-6736(20)30001-1"
    assert read.extras["docx"]["bibliography"] == "field"


def test_endnote_field_with_base64_data_and_reflist(tmp_path):
    record = ("<EndNote><Cite><Author>King</Author><Year>2022</Year><RecNum>3</RecNum>"
              "<DisplayText>[1]</DisplayText><record><rec-number>3</rec-number><titles>"
              "<title>Oral baricitinib in alopecia areata</title></titles>"
              "<electronic-resource-num>10.1056/NEJMoa2110343</electronic-resource-num>"
              "<accession-num>35334197</accession-num></record></Cite></EndNote>")
    document = docx.Document()
    paragraph = document.add_paragraph("JAK inhibitors regrow hair")
    add_field(paragraph, " ADDIN EN.CITE ", "[1]", nested=" ADDIN EN.CITE.DATA ",
              data=base64.b64encode(record.encode()).decode())
    paragraph.add_run(".")
    bib = document.add_paragraph()
    _fld(bib, "begin")
    _instr(bib, " ADDIN EN.REFLIST ")
    _fld(bib, "separate")
    bib.add_run("1.\tKing B. Oral baricitinib in alopecia areata. N Engl J Med 2022;386:1687-99.")
    _fld(bib, "end")
    read = read_docx(save(document, tmp_path))
    assert cited(read) == [(1,)]
    (reference,) = read.references
    assert reference.id == "endnote:3" and reference.pmid == "35334197"
    assert reference.doi == "10.1056/nejmoa2110343" and reference.work.volume == "386"
    assert read.extras["docx"]["reference_managers"] == ["endnote"]


def test_simple_field_citation(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("Psoriasis is systemic ")
    add_simple_field(paragraph, zotero([ITEMS[2]], "(Langley 2014)"), "(Langley 2014)")
    paragraph.add_run(".")
    read = read_docx(save(document, tmp_path))
    assert cited(read) == [(1,)] and read.style == "author-year"
    assert read.claims[0].markers[0].text == "(Langley 2014)"


def test_broken_field_data_with_unreadable_result_is_a_marker_problem(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("Broken citation ")
    add_field(paragraph, ' ADDIN ZOTERO_ITEM CSL_CITATION {"citationItems":[', "(Smith 2020)")
    paragraph.add_run(".")
    (marker,) = read_docx(save(document, tmp_path)).claims[0].markers
    assert marker.numbers == () and "JSON" in marker.problem


def test_word_numbered_reference_list_is_counted(tmp_path):
    document = docx.Document()
    document.add_paragraph("Isotretinoin treats acne [2].")
    document.add_heading("References", level=1)
    document.add_paragraph("Zaenglein AL. Guidelines of care for acne. J Am Acad Dermatol. 2016;74:945-73.",
                           style="List Number")
    entry = document.add_paragraph("Layton AM. Isotretinoin for acne. ", style="List Number")
    add_hyperlink(entry, "https://doi.org/10.1016/j.jaad.2015.12.037", "https://doi.org/10.1016/j.jaad.2015.12.037")
    document.add_heading("Tables", level=1)
    document.add_paragraph("Table 1 [1].")
    read = read_docx(save(document, tmp_path))
    assert [r.number for r in read.references] == [1, 2]
    assert read.references[0].work.journal == "J Am Acad Dermatol"
    assert read.references[1].doi == "10.1016/j.jaad.2015.12.037"
    assert cited(read) == [(2,), (1,)] and read.claims[1].section == "Tables"


def test_citations_in_footnotes_and_endnotes(tmp_path):
    document = docx.Document()
    document.add_paragraph("Body text [1].")
    base = save(document, tmp_path, "base.docx")
    notes = with_notes(base, tmp_path / "notes.docx", "footnotes",
                       {1: '<w:r><w:t xml:space="preserve"> Ustekinumab targets IL-12/23 [2].</w:t></w:r>'})
    both = with_notes(notes, tmp_path / "both.docx", "endnotes",
                      {5: '<w:r><w:t xml:space="preserve"> See also [3].</w:t></w:r>'})
    read = read_docx(both)
    assert cited(read) == [(1,), (2,), (3,)]
    assert [(c.span.part, c.span.paragraph) for c in read.claims] == [(None, 0), ("footnote:1", 1), ("endnote:5", 1)]
    assert read.claims[1].markers[0].span.offset == len(" Ustekinumab targets IL-12/23 ")


def test_document_extras_are_plain_data(tmp_path):
    import pickle

    document = docx.Document()
    document.add_paragraph("Text [1].")
    read = read_docx(save(document, tmp_path))
    assert pickle.loads(pickle.dumps(read)).extras == read.extras
    assert read.extras["docx"]["path"] == str(tmp_path / "draft.docx")


# -- bad input --------------------------------------------------------------------------


def _good(tmp_path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("Psoriasis [1].")
    return save(document, tmp_path, "good.docx")


XXE = (b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
       b"<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>")


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = _good(tmp_path)
    data = good.read_bytes()
    bomb = tmp_path / "bomb.docx"
    rewrite(good, bomb, {"word/media/zeros.bin": b"\0" * (20 * 1024 * 1024)})
    many = tmp_path / "many.docx"
    rewrite(good, many, {f"customXml/item{i}.xml": b"" for i in range(MAX_DOCX_MEMBERS)})
    macro_types = zipfile.ZipFile(good).read("[Content_Types].xml").replace(
        b"document.main+xml", b"document.macroEnabled.main+xml").replace(
        b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml")
    template_types = zipfile.ZipFile(good).read("[Content_Types].xml").replace(
        b"wordprocessingml.document.main+xml", b"wordprocessingml.template.main+xml")
    truncated = tmp_path / "truncated.docx"
    truncated.write_bytes(data[: len(data) // 2])
    not_zip = tmp_path / "notes.docx"
    not_zip.write_text("Psoriasis [1].\n")
    ole = tmp_path / "legacy.docx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    docm = tmp_path / "macro.docm"
    docm.write_bytes(data)
    dotx = tmp_path / "template.dotx"
    dotx.write_bytes(data)
    return {
        "not a zip": (not_zip, "not a zip package"),
        "empty file": (empty, "not a zip package"),
        "ole": (ole, "OLE"),
        "truncated": (truncated, "corrupt or unsupported Word package"),
        "zip bomb": (bomb, "compressed more than"),
        "too many members": (many, "members, over the limit"),
        "traversal": (rewrite(good, tmp_path / "traversal.docx", {"../../evil.xml": b"x"}), "leaves the package"),
        "absolute": (rewrite(good, tmp_path / "absolute.docx", {"/etc/evil.xml": b"x"}), "absolute"),
        "missing document": (rewrite(good, tmp_path / "nodoc.docx", {"word/document.xml": None}),
                             "word/document.xml is missing"),
        "xxe document": (rewrite(good, tmp_path / "xxe.docx", {"word/document.xml": XXE}), "entities"),
        "xxe styles": (rewrite(good, tmp_path / "xxe_styles.docx", {"word/styles.xml": XXE}), "entities"),
        "malformed xml": (rewrite(good, tmp_path / "malformed.docx", {"word/document.xml": b"<w:document"}),
                          "malformed word/document.xml"),
        "docm suffix": (docm, ".docm"),
        "dotx suffix": (dotx, ".dotx"),
        "macro content": (rewrite(good, tmp_path / "renamed.docx", {"[Content_Types].xml": macro_types}),
                          "macro-enabled"),
        "vba project": (rewrite(good, tmp_path / "vba.docx", {"word/vbaProject.bin": b"\0" * 64}),
                        "macro-enabled"),
        "template content": (rewrite(good, tmp_path / "tmpl.docx", {"[Content_Types].xml": template_types}),
                             "template"),
    }


def test_every_bad_input_is_one_line_and_exit_2_and_never_written(tmp_path):
    cases = _bad_inputs(tmp_path)
    for name, (path, expected) in cases.items():
        before = hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns
        path.chmod(0o444)
        code, out, err = run_cli("check", str(path), "--format", "json", "--offline")
        assert code == 2, (name, err)
        assert out == "", name
        lines = err.strip().splitlines()
        assert len(lines) == 1, (name, err)
        assert path.name in lines[0] and expected in lines[0], (name, lines[0])
        assert "Traceback" not in err
        assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == before, name


def test_limits_are_checked_from_the_central_directory(tmp_path, monkeypatch):
    good = _good(tmp_path)
    monkeypatch.setattr(docx_package, "MAX_DOCX_UNPACKED_BYTES", 1000)
    with pytest.raises(LimitExceeded, match="inflates to"):
        read_docx(good)


def test_member_larger_than_its_directory_entry_is_refused(tmp_path):
    good = _good(tmp_path)
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/document.xml")
    # Shrink the declared size in the central directory record only.
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"word/document.xml") + 1)
    data[central + 24:central + 28] = (info.file_size - 10).to_bytes(4, "little")
    lying = tmp_path / "lying.docx"
    lying.write_bytes(bytes(data))
    with pytest.raises(InputError):
        read_docx(lying)


# Zip structures zipfile itself fails on (found by benchmarks/fuzz.py: 69 of 10,000 docx
# inputs). They reached the user as "plugin 'docx': failed reading ...: ValueError".


def _directory_offset_past_its_place(data: bytes) -> bytes:
    """zipfile: ValueError "negative seek value" when reading a member."""
    end = data.rfind(b"PK\x05\x06")
    offset = struct.unpack("<I", data[end + 16:end + 20])[0]
    return data[:end + 16] + struct.pack("<I", offset + 5000) + data[end + 20:]


def _local_name_not_utf8(data: bytes) -> bytes:
    """zipfile: UnicodeDecodeError on a local header's name flagged UTF-8."""
    name = data.find(b"word/document.xml")  # the first copy is the local file header's
    header = name - 30
    flags = struct.unpack("<H", data[header + 6:header + 8])[0]
    return data[:header + 6] + struct.pack("<H", flags | 0x800) + data[header + 8:name] + b"\xff" + data[name + 1:]


def _unsupported_zip_version(data: bytes) -> bytes:
    """zipfile: NotImplementedError "zip file version 25.5" from ZipFile() itself."""
    entry = data.find(b"PK\x01\x02")
    return data[:entry + 6] + b"\xff\x00" + data[entry + 8:]


@pytest.mark.parametrize("corrupt", [_directory_offset_past_its_place, _local_name_not_utf8,
                                     _unsupported_zip_version])
def test_corrupt_zip_structures_are_input_errors_naming_the_file(tmp_path, corrupt):
    path = tmp_path / "corrupt.docx"
    path.write_bytes(corrupt((CORPUS / "metypeset_R09_numbered_refs_medical.docx").read_bytes()))
    with pytest.raises(InputError) as raised:
        read_docx(path)
    assert str(raised.value).startswith(f"{path}: corrupt or unsupported Word package: ")
    code, out, err = run_cli("check", str(path), "--offline")
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1 and "corrupt or unsupported Word package" in err, err


def test_good_document_reads_when_the_file_is_read_only(tmp_path):
    path = _good(tmp_path)
    path.chmod(0o444)
    assert cited(read_docx(path)) == [(1,)]


# -- the same draft as Markdown and as three kinds of .docx ----------------------------------

_MARKER = re.compile(r"\s?\[([^\[\]]*\d[^\[\]]*)\]")


def _draft() -> tuple[list[tuple[str, str]], dict[int, str]]:
    """The Markdown draft as (kind, text) blocks and its numbered references."""
    blocks, references = [], {}
    in_references = False
    for line in (CORPUS / "draft.md").read_text().splitlines():
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            title = line.lstrip("#").strip()
            in_references = title == "References"
            blocks.append((f"heading{level}", title))
        elif in_references and re.match(r"\d+\. ", line):
            number, _, text = line.partition(". ")
            references[int(number)] = text
        elif line.strip():
            blocks.append(("text", line))
    return blocks, references


def _csl(number: int, text: str) -> dict:
    from citeaudit.bib.refparse import parse_reference

    work = parse_reference(text)
    return {"id": f"ITEM{number}", "type": "article-journal", "title": work.title, "DOI": work.doi,
            "container-title": work.journal, "issued": {"date-parts": [[work.year]]},
            "author": [{"family": p.family, "given": p.given} for p in work.authors]}


def _write_variant(kind: str, path: Path) -> Path:
    from citeaudit.markers import parse_numbers

    blocks, references = _draft()
    document = docx.Document()
    for block_kind, text in blocks:
        if block_kind.startswith("heading"):
            document.add_heading(text, level=int(block_kind[-1]))
            if text == "References":
                _write_references(document, kind, references)
            continue
        paragraph = document.add_paragraph()
        cursor = 0
        for match in _MARKER.finditer(text):
            numbers, problem = parse_numbers(match.group(1))
            if kind == "superscript":
                paragraph.add_run(text[cursor:match.start()])
                paragraph.add_run(match.group(1)).font.superscript = True
            elif kind == "zotero" and not problem and all(n in references for n in numbers):
                paragraph.add_run(text[cursor:match.start()] + match.group(0)[:match.start(1) - match.start() - 1])
                items = [_csl(n, references[n]) for n in numbers]
                add_field(paragraph, zotero(items, f"[{match.group(1)}]"), f"[{match.group(1)}]", pieces=4)
            else:
                paragraph.add_run(text[cursor:match.end()])
            cursor = match.end()
        paragraph.add_run(text[cursor:])
    return save(document, path.parent, path.name)


def _write_references(document, kind: str, references: dict[int, str]) -> None:
    if kind != "zotero":
        for number, text in references.items():
            document.add_paragraph(f"{number}. {text}")
        return
    first = document.add_paragraph()
    _fld(first, "begin")
    _instr(first, ' ADDIN ZOTERO_BIBL {"uncited":[["ITEM6"]]} CSL_BIBLIOGRAPHY ')
    _fld(first, "separate")
    paragraphs = [first] + [document.add_paragraph() for _ in range(len(references) - 1)]
    for paragraph, (number, text) in zip(paragraphs, references.items(), strict=True):
        paragraph.add_run(f"{number}.\t{text}")
    _fld(paragraphs[-1], "end")


def _report(path: Path) -> dict:
    code, out, err = run_cli("check", str(path), "--format", "json", "--offline", "--select", "CA1",
                             "--fail-on", "never")
    assert code == 0, err
    return json.loads(out)["documents"][0]


@pytest.mark.parametrize("kind", ["typed", "superscript", "zotero"])
def test_docx_variant_gives_the_same_claims_and_findings_as_the_markdown(tmp_path, kind):
    markdown = _report(CORPUS / "draft.md")
    word = _report(_write_variant(kind, tmp_path / f"draft-{kind}.docx"))
    assert word["format"] == "docx" and word["style"] == "numeric"
    assert [(c["citations"], c["text"]) for c in word["claims"]] == \
        [(c["citations"], c["text"]) for c in markdown["claims"]]

    def findings(report: dict) -> list[tuple]:
        return sorted((f["rule"], f["claim"], f["citation"], f["reference"]) for f in report["findings"])

    assert findings(word) == findings(markdown)
    assert {f["rule"] for f in word["findings"]} == {"CA101", "CA102", "CA103", "CA104"}
    assert [r["number"] for r in word["references"]] == [1, 2, 3, 4, 5, 6]
    assert [r["doi"] for r in word["references"]] == [r["doi"] for r in markdown["references"]]
    if kind == "zotero":
        assert word["references"][0]["id"] == "http://zotero.org/users/1/items/ITEM1"
        assert all("location" in f and "paragraph" in f["location"] for f in word["findings"])


def _content_control(tag: str, paragraphs=None, text: str | None = None):
    sdt = OxmlElement("w:sdt")
    properties = OxmlElement("w:sdtPr")
    element = OxmlElement("w:tag")
    element.set(qn("w:val"), tag)
    properties.append(element)
    content = OxmlElement("w:sdtContent")
    if text is not None:
        run = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.text = text
        run.append(t)
        content.append(run)
    for paragraph in paragraphs or ():
        content.append(paragraph._p)
    sdt.append(properties)
    sdt.append(content)
    return sdt


def test_mendeley_cite_content_controls_for_citation_and_bibliography(tmp_path):
    citation = {"citationItems": [{"id": "uuid-3", "itemData": ITEMS[3]}], "properties": {"noteIndex": 0}}
    tag = "MENDELEY_CITATION_v3_" + base64.b64encode(json.dumps(citation).encode()).decode()
    document = docx.Document()
    paragraph = document.add_paragraph("Baricitinib regrows hair ")
    paragraph._p.append(_content_control(tag, text="(King et al., 2022)"))
    paragraph.add_run(".")
    entry = document.add_paragraph("King B, Ohyama M, Kwon O, et al. Two phase 3 trials of baricitinib "
                                   "for alopecia areata. N Engl J Med. 2022;386(18):1687-1699.")
    document.element.body.insert(len(document.element.body) - 1, _content_control("MENDELEY_BIBLIOGRAPHY", [entry]))
    read = read_docx(save(document, tmp_path))
    assert cited(read) == [(1,)] and read.style == "author-year"
    assert read.claims[0].markers[0].text == "(King et al., 2022)"
    (reference,) = read.references
    assert reference.id == "uuid-3" and reference.doi == "10.1056/nejmoa2110343"
    assert reference.span.paragraph == 1 and reference.text.startswith("King B, Ohyama M")
    assert read.extras["docx"]["bibliography"] == "field"


@pytest.mark.parametrize("sequence", [["begin"], ["end"], ["separate"], ["begin", "separate"],
                                      ["end", "begin", "end", "end"]])
def test_unbalanced_field_characters_do_not_break_reading(tmp_path, sequence):
    document = docx.Document()
    paragraph = document.add_paragraph("Before [1]. ")
    for kind in sequence:
        _fld(paragraph, kind)
        _instr(paragraph, ' ADDIN ZOTERO_ITEM CSL_CITATION {"citationItems":[]}')
    document.add_paragraph("After [2].")
    read = read_docx(save(document, tmp_path))
    assert (1,) in cited(read)


W_DOC = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
         'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
         'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
         "<w:body>{}</w:body></w:document>")


def _with_body(tmp_path: Path, body: str, name: str = "raw.docx") -> Path:
    return rewrite(_good(tmp_path), tmp_path / name, {"word/document.xml": W_DOC.format(body).encode()})


def test_text_box_paragraphs_count_once_and_fallback_is_skipped(tmp_path):
    box = ('<w:p><w:r><w:t xml:space="preserve">Outer text [1]. </w:t></w:r><w:r><mc:AlternateContent>'
           '<mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent><w:p><w:r><w:t>Box claim [2].</w:t>'
           '</w:r></w:p></w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>'
           '<w:p><w:r><w:t>Box claim [2].</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback>'
           '</mc:AlternateContent></w:r><w:r><w:t>After the box [3].</w:t></w:r></w:p>'
           "<w:p><w:r><w:t>Next paragraph [4].</w:t></w:r></w:p>")
    read = read_docx(_with_body(tmp_path, box))
    assert [(c.citations, c.span.paragraph) for c in read.claims] == [((1,), 0), ((3,), 0), ((2,), 1), ((4,), 3)]
    assert read.claims[1].markers[0].span.offset == len("Outer text [1]. After the box ")


def test_deeply_nested_content_is_read_within_the_xml_depth_limit(tmp_path):
    depth = 120
    body = ("<w:sdt><w:sdtContent>" * depth + "<w:p><w:r><w:t>Deep claim [1].</w:t></w:r></w:p>"
            + "</w:sdtContent></w:sdt>" * depth)
    assert cited(read_docx(_with_body(tmp_path, body))) == [(1,)]


def test_tab_labelled_references_and_deleted_text_in_entries(tmp_path):
    body = ('<w:p><w:r><w:t>Claim [1, 2].</w:t></w:r></w:p>'
            '<w:p><w:r><w:t>Literature cited:</w:t></w:r></w:p>'
            '<w:p><w:r><w:t xml:space="preserve">1</w:t></w:r><w:r><w:tab/></w:r><w:r><w:t xml:space="preserve">'
            'Smith A. Title one. Br J Dermatol. 2019;180:1-2.</w:t></w:r></w:p>'
            '<w:p><w:r><w:t xml:space="preserve">2</w:t></w:r><w:r><w:tab/></w:r><w:del w:id="1" w:author="x">'
            '<w:r><w:delText>Wrong B. </w:delText></w:r></w:del><w:r><w:t>Jones B. Title two. '
            'JAMA Dermatol. 2021;157:3-4.</w:t></w:r></w:p>')
    read = read_docx(_with_body(tmp_path, body))
    assert [(r.number, r.text) for r in read.references] == [
        (1, "Smith A. Title one. Br J Dermatol. 2019;180:1-2."),
        (2, "Jones B. Title two. JAMA Dermatol. 2021;157:3-4.")]


def test_folder_of_docx_checked_in_parallel_processes(tmp_path):
    import shutil

    for name in ("pandoc_zotero_citations.docx", "metypeset_SuperscriptFootnotes.docx"):
        shutil.copy(CORPUS / name, tmp_path / name)
    code, out, err = run_cli("check", str(tmp_path), "--jobs", "2", "--format", "json", "--offline",
                             "--select", "CA1", "--fail-on", "never")
    assert code == 0, err
    documents = {Path(d["path"]).name: d for d in json.loads(out)["documents"]}
    assert len(documents["pandoc_zotero_citations.docx"]["references"]) == 3
    assert len(documents["metypeset_SuperscriptFootnotes.docx"]["claims"]) == 11


def test_citation_field_naming_no_item_with_unnumbered_result_is_a_problem(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("Empty citation ")
    add_field(paragraph, ' ADDIN ZOTERO_ITEM CSL_CITATION {"citationItems":[]} ', "(Smith)")
    paragraph.add_run(". Typed one [1].")
    read = read_docx(save(document, tmp_path))
    first, second = [m for c in read.claims for m in c.markers]
    assert first.problem == "citation field names no cited item" and first.numbers == ()
    assert second.numbers == (1,) and second.problem is None
