"""Reference-manager items mapped by identity; Word's own and Citavi citations; title pages."""

from __future__ import annotations

import base64
import json

import docx
from docx_builders import ITEMS, _fld, _instr, add_field, cited, rewrite, save, zotero

from citeaudit.model import Person, Work
from citeaudit.plugins.docx import read_docx
from citeaudit.plugins.docx.fields import FieldItem
from citeaudit.plugins.docx.items import Citation, number_items


def _item(name: str) -> FieldItem:
    return FieldItem(id=name, work=Work(title=f"A work called {name} of some length",
                                        authors=(Person(name.title()),), year=2020))


def test_items_are_numbered_by_what_is_known_of_them_not_by_position():
    a, b, c, d = (_item(n) for n in "abcd")
    # "(1)" then "(1,2,3)" listing its items as c, a, b: a is 1, c and b are new in insertion order.
    numbers = number_items([Citation((a,), (1,)), Citation((c, a, b), (1, 2, 3)), Citation((d,), ())], [])
    assert numbers == {"a": 1, "c": 2, "b": 3, "d": 4}
    # A later citation settles what an earlier one left open.
    numbers = number_items([Citation((b, a), (1, 2)), Citation((b,), (2,))], [])
    assert numbers == {"b": 2, "a": 1}


def test_the_zotero_order_of_insertion_is_not_the_order_of_numbers(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("Dupilumab works")
    add_field(paragraph, zotero([ITEMS[1]], "(1)"), "(1)")
    paragraph.add_run(". Others too")
    add_field(paragraph, zotero([ITEMS[3], ITEMS[2], ITEMS[1]], "(1–3)"), "(1–3)")
    paragraph.add_run(". Baricitinib again")
    add_field(paragraph, zotero([ITEMS[3]], "(2)"), "(2)")
    paragraph.add_run(".")
    read = read_docx(save(document, tmp_path))
    assert cited(read) == [(1,), (1, 2, 3), (2,)]
    assert {r.id.rsplit("/", 1)[-1]: r.number for r in read.references} == {
        "AAAA1111": 1, "CCCC3333": 2, "BBBB2222": 3}


def test_a_bibliography_numbers_items_by_their_content(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("Two biologics")
    add_field(paragraph, zotero([ITEMS[2], ITEMS[1]], "[1,2]"), "[1,2]")
    paragraph.add_run(".")
    bib = document.add_paragraph()
    _fld(bib, "begin")
    _instr(bib, " ADDIN ZOTERO_BIBL CSL_BIBLIOGRAPHY ")
    _fld(bib, "separate")
    bib.add_run("[1]\tSimpson EL. Dupilumab treatment in adults with atopic dermatitis. 2016.")
    last = document.add_paragraph("[2]\tLangley RG. Secukinumab in plaque psoriasis. 2014.")
    _fld(last, "end")
    read = read_docx(save(document, tmp_path))
    assert [(r.number, r.id.rsplit("/", 1)[-1]) for r in read.references] == [(1, "AAAA1111"), (2, "BBBB2222")]


def _word_citation(paragraph, tag: str, shown: str) -> None:
    add_field(paragraph, f" CITATION {tag} \\l 1033 ", shown)


SOURCES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           b'<b:Sources xmlns:b="http://schemas.openxmlformats.org/officeDocument/2006/bibliography">'
           b"<b:Source><b:Tag>Kin22</b:Tag><b:SourceType>JournalArticle</b:SourceType>"
           b"<b:Title>Oral baricitinib in alopecia areata</b:Title><b:Year>2022</b:Year>"
           b"<b:Author><b:Author><b:NameList><b:Person><b:Last>King</b:Last><b:First>Brett</b:First>"
           b"</b:Person></b:NameList></b:Author></b:Author><b:JournalName>N Engl J Med</b:JournalName>"
           b"<b:DOI>10.1056/NEJMoa2110343</b:DOI></b:Source></b:Sources>")


def test_word_citation_fields_take_their_data_from_the_sources_part(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("Baricitinib regrows hair ")
    _word_citation(paragraph, "Kin22", "[1]")
    paragraph.add_run(".")
    path = rewrite(save(document, tmp_path), tmp_path / "sources.docx", {"customXml/item1.xml": SOURCES})
    read = read_docx(path)
    assert cited(read) == [(1,)] and read.diagnostics == ()
    (reference,) = read.references
    assert reference.id == "word:Kin22" and reference.doi == "10.1056/nejmoa2110343"
    assert reference.work.authors == (Person("King", "Brett"),)


def test_citations_without_item_data_are_said_once_per_document(tmp_path):
    document = docx.Document()
    for tag, shown in (("Smi20", "(Smith, 2020)"), ("Jon19", "(Jones, 2019)"), ("Smi20", "(Smith, 2020)")):
        paragraph = document.add_paragraph("A claim ")
        _word_citation(paragraph, tag, shown)
        paragraph.add_run(".")
    citavi = document.add_paragraph("A Citavi claim ")
    add_field(citavi, " ADDIN CitaviPlaceholder{" + base64.b64encode(b'{"Entries": [{"ReferenceId": "r1"}]}')
              .decode() + "}", "(Doe 2018)")
    citavi.add_run(".")
    read = read_docx(save(document, tmp_path))
    (note,) = read.diagnostics
    assert note.rule == "CA104" and note.message.startswith("4 Citavi and Word citations store no data")
    assert all(m.problem is None for c in read.claims for m in c.markers)
    assert {r.id for r in read.references} == {"word:Smi20", "word:Jon19", "citavi:r1"}


def test_citavi_placeholder_with_embedded_reference(tmp_path):
    payload = {"Entries": [{"ReferenceId": "r9", "Reference": {
        "Title": "Oral baricitinib in alopecia areata", "Year": "2022", "Doi": "10.1056/NEJMoa2110343",
        "Authors": [{"LastName": "King", "FirstName": "Brett"}], "Periodical": {"Name": "N Engl J Med"}}}]}
    document = docx.Document()
    paragraph = document.add_paragraph("Baricitinib regrows hair ")
    add_field(paragraph, " ADDIN CitaviPlaceholder{" + base64.b64encode(json.dumps(payload).encode()).decode()
              + "}", "[1]")
    paragraph.add_run(".")
    read = read_docx(save(document, tmp_path))
    assert cited(read) == [(1,)] and read.diagnostics == ()
    assert read.references[0].doi == "10.1056/nejmoa2110343" and read.references[0].work.journal == "N Engl J Med"


def test_a_title_page_is_skipped_but_text_before_the_first_heading_is_not(tmp_path):
    document = docx.Document()
    document.add_paragraph("Corticosteroids in HELLP syndrome")
    authors = document.add_paragraph("Asmaa Kasem")
    authors.add_run("1").font.superscript = True
    authors.add_run(", Hamdy Alqenawy")
    authors.add_run("1,2").font.superscript = True
    affiliation = document.add_paragraph()
    affiliation.add_run("1").font.superscript = True
    affiliation.add_run("Department of Obstetrics, Ain Shams University, Cairo")
    document.add_heading("Introduction", 1)
    body = document.add_paragraph("HELLP complicates severe pre-eclampsia.")
    body.add_run("3").font.superscript = True
    read = read_docx(save(document, tmp_path, "title.docx"))
    assert cited(read) == [(3,)]

    plain = docx.Document()
    lead = plain.add_paragraph("Lead paragraph citing a source.")
    lead.add_run("1").font.superscript = True
    plain.add_heading("Introduction", 1)
    assert cited(read_docx(save(plain, tmp_path, "lead.docx"))) == [(1,)]
