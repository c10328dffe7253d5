"""Field instructions of Zotero, Mendeley and EndNote, read into items."""

from __future__ import annotations

import base64
import json
import zipfile

import pytest
from lxml import etree

from citeaudit.model import Person
from citeaudit.plugins.docx.fields import classify, read_field

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _instructions(path) -> list[str]:
    """The instruction of every complex field in a real .docx, in document order."""
    root = etree.fromstring(zipfile.ZipFile(path).read("word/document.xml"))
    found, current = [], None
    for element in root.iter(f"{W}fldChar", f"{W}instrText"):
        if element.tag == f"{W}instrText" and current is not None:
            current.append(element.text or "")
        elif element.get(f"{W}fldCharType") == "begin":
            current = []
        elif element.get(f"{W}fldCharType") == "separate" and current is not None:
            found.append("".join(current))
            current = None
    return found


@pytest.mark.parametrize(("instruction", "kind", "manager"), [
    (' ADDIN ZOTERO_ITEM CSL_CITATION {"citationItems":[]}', "citation", "zotero"),
    (' ADDIN ZOTERO_ITEM {"citationItems":[]}', "citation", "zotero"),
    (" ADDIN ZOTERO_BIBL {\"custom\":[]} CSL_BIBLIOGRAPHY ", "bibliography", "zotero"),
    ('ADDIN CSL_CITATION { "citationItems" : [] }', "citation", "mendeley"),
    ("ADDIN Mendeley Bibliography CSL_BIBLIOGRAPHY ", "bibliography", "mendeley"),
    (" ADDIN EN.CITE <EndNote></EndNote>", "citation", "endnote"),
    (" ADDIN EN.CITE.DATA ", "endnote-data", "endnote"),
    (" ADDIN EN.REFLIST ", "bibliography", "endnote"),
    (' HYPERLINK "https://doi.org/10.1/x" ', "hyperlink", None),
    (' XE "French" ', "other", None),
    (" PAGE ", "other", None),
])
def test_classify_names_the_field_and_its_manager(instruction, kind, manager):
    assert classify(instruction) == (kind, manager)


def test_zotero_item_data_becomes_a_work_with_identifiers_and_uri(data):
    instructions = _instructions(data / "docx" / "pandoc_zotero_citations.docx")
    first = read_field(instructions[0])
    assert first.kind == "citation" and first.manager == "zotero" and first.problem is None
    assert first.rendered == "(Smith et al., 2013)"
    (item,) = first.items
    assert item.id == "http://zotero.org/users/40613/items/3GKMD43T"
    assert item.work.doi == "10.1007/s00382-013-1683-2"
    assert item.work.title.startswith("A comparison of full-field and anomaly initialization")
    assert item.work.year == 2013
    assert item.work.journal == "Climate Dynamics"
    assert item.work.volume == "41" and item.work.issue == "11-12" and item.work.pages == "3325\u20133338"
    assert item.work.authors[0] == Person("Smith", "Doug M.")
    assert item.raw_identifiers == (("doi", "10.1007/s00382-013-1683-2"),)
    two = read_field(instructions[1])
    assert [i.id.rsplit("/", 1)[-1] for i in two.items] == ["EIZFK2E5", "3GKMD43T"]
    assert read_field(instructions[2]).items[0].work.doi == "10.1002/2016gl069961"


def test_mendeley_json_with_spaces_is_read(data):
    instructions = _instructions(data / "docx" / "metypeset_Mendeley2.docx")
    fields = [read_field(i) for i in instructions]
    assert [f.kind for f in fields] == ["citation", "citation", "citation", "bibliography"]
    assert {f.manager for f in fields} == {"mendeley"}
    silva = fields[0].items[0]
    assert silva.id.startswith("http://www.mendeley.com/documents/?uuid=9a1d8f05")
    assert silva.work.doi == "10.1016/j.joi.2013.01.007"
    assert silva.work.title == "Quantifying the interdisciplinarity of scientific journals and fields"
    assert fields[1].rendered == "(Friedman, 2005)"
    assert fields[1].items[0].work.doi is None and fields[1].items[0].work.year == 2005


def test_instruction_split_across_runs_reads_like_one(data):
    instructions = _instructions(data / "docx" / "scimark_sample_zotero_fake_dois.docx")
    (item,) = read_field(instructions[2]).items
    assert item.work.journal == "Energy Research Letters"
    assert item.work.doi == "10.1234/test.2021.003"


def test_zotero_extra_note_gives_pmid_pmcid_and_citation_key():
    data = {"citationItems": [{"id": 5, "uris": ["http://zotero.org/users/1/items/ABCD1234"], "itemData": {
        "id": 5, "type": "article-journal", "title": "Dupilumab in <i>atopic</i> dermatitis",
        "note": "PMID: 27690741\nPMCID: PMC5123456\nCitation Key: simpson2016",
        "author": [{"family": "Simpson", "given": "Eric L."}, {"literal": "SOLO Investigators"}],
        "issued": {"date-parts": [[2016, 12, 15]]}, "container-title": "N Engl J Med",
        "DOI": "https://doi.org/10.1056/NEJMoa1610020"}}]}
    field = read_field(" ADDIN ZOTERO_ITEM CSL_CITATION " + json.dumps(data))
    (item,) = field.items
    assert item.key == "simpson2016"
    assert item.work.pmid == "27690741" and item.work.pmcid == "PMC5123456"
    assert item.work.doi == "10.1056/nejmoa1610020"
    assert item.work.title == "Dupilumab in atopic dermatitis"
    assert item.work.authors == (Person("Simpson", "Eric L."), Person("SOLO Investigators"))
    assert ("pmid", "27690741") in item.raw_identifiers


def test_invalid_identifiers_are_kept_as_written_but_not_normalised():
    data = {"citationItems": [{"id": 1, "itemData": {"title": "T", "DOI": "10.abc/none", "PMID": "x12"}}]}
    (item,) = read_field("ADDIN CSL_CITATION " + json.dumps(data)).items
    assert item.work.doi is None and item.work.pmid is None
    assert ("doi", "10.abc/none") in item.raw_identifiers and ("pmid", "x12") in item.raw_identifiers
    assert item.id == "1"


def test_old_zotero_field_without_item_data_keeps_the_uri(data):
    text = zipfile.ZipFile(data / "docx" / "metypeset_036_zotero_item.docx").read("word/footnotes.xml")
    instruction = etree.fromstring(text).find(f".//{W}fldSimple").get(f"{W}instr")
    field = read_field(instruction)
    assert field.rendered == "(2005)" and field.problem is None
    assert [i.id for i in field.items] == ["http://zotero.org/users/401864/items/UDAF6SS2"]
    assert field.items[0].work.title is None


@pytest.mark.parametrize("instruction", [
    ' ADDIN ZOTERO_ITEM CSL_CITATION {"citationItems":[{"id":1,',
    " ADDIN ZOTERO_ITEM CSL_CITATION ",
    ' ADDIN CSL_CITATION {"nothing": 1}',
])
def test_unreadable_csl_data_is_a_problem_not_an_exception(instruction):
    field = read_field(instruction)
    assert field.kind == "citation" and field.items == () and field.problem


ENDNOTE = (
    '<EndNote><Cite><Author>Simpson</Author><Year>2016</Year><RecNum>42</RecNum>'
    '<DisplayText><style face="superscript">3</style></DisplayText><record><rec-number>42</rec-number>'
    '<foreign-keys><key app="EN" db-id="v2tdzxw">42</key></foreign-keys>'
    '<ref-type name="Journal Article">17</ref-type><contributors><authors>'
    '<author><style face="normal" font="default" size="100%">Simpson, E. L.</style></author>'
    '<author>Thomas Bieber</author></authors></contributors>'
    '<titles><title>Two phase 3 trials of dupilumab versus placebo in atopic dermatitis</title>'
    '<secondary-title>N Engl J Med</secondary-title></titles>'
    '<periodical><full-title>New England Journal of Medicine</full-title><abbr-1>N Engl J Med</abbr-1></periodical>'
    '<pages>2335-2348</pages><volume>375</volume><number>24</number><dates><year>2016</year></dates>'
    '<accession-num>27690741</accession-num><electronic-resource-num>10.1056/NEJMoa1610020</electronic-resource-num>'
    '</record></Cite><Cite><Author>Gooderham</Author><Year>2018</Year><RecNum>7</RecNum><record>'
    '<rec-number>7</rec-number><titles><title>Dupilumab: a review</title></titles>'
    '<urls><related-urls><url>https://doi.org/10.1016/j.jaad.2017.12.022</url></related-urls></urls>'
    '</record></Cite></EndNote>'
)


def test_endnote_inline_xml_gives_items_with_identifiers():
    field = read_field(" ADDIN EN.CITE " + ENDNOTE)
    assert field.manager == "endnote" and field.rendered == "3" and field.problem is None
    first, second = field.items
    assert first.id == "endnote:v2tdzxw:42" and second.id == "endnote:7"
    assert first.work.doi == "10.1056/nejmoa1610020" and first.work.pmid == "27690741"
    assert first.work.authors == (Person("Simpson", "E. L."), Person("Bieber", "Thomas"))
    assert first.work.journal == "New England Journal of Medicine"
    assert first.work.journal_abbrev == "N Engl J Med"
    assert (first.work.volume, first.work.issue, first.work.pages, first.work.year) == ("375", "24", "2335-2348", 2016)
    assert first.work.kind == "article-journal"
    assert second.work.doi == "10.1016/j.jaad.2017.12.022"


def test_endnote_data_in_base64_fld_data_of_the_nested_field():
    payload = base64.b64encode(ENDNOTE.encode()).decode()
    wrapped = "\n".join(payload[i:i + 76] for i in range(0, len(payload), 76))
    field = read_field(" ADDIN EN.CITE ", nested=[" ADDIN EN.CITE.DATA "], data=[wrapped])
    assert [i.work.pmid for i in field.items] == ["27690741", None]


def test_endnote_data_in_the_nested_instruction():
    field = read_field(" ADDIN EN.CITE ", nested=[" ADDIN EN.CITE.DATA " + ENDNOTE])
    assert len(field.items) == 2


@pytest.mark.parametrize(("nested", "data"), [
    ((), ("not base64 at all!",)),
    ((), ()),
    ((" ADDIN EN.CITE.DATA <EndNote><Cite>",), ()),
])
def test_unreadable_endnote_data_is_a_problem(nested, data):
    field = read_field(" ADDIN EN.CITE ", nested=nested, data=data)
    assert field.kind == "citation" and field.items == () and field.problem


def test_entities_in_endnote_data_are_never_expanded():
    hostile = ('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
               "<EndNote><Cite><record><titles><title>&e;</title></titles></record></Cite></EndNote>")
    field = read_field(" ADDIN EN.CITE ", data=[base64.b64encode(hostile.encode()).decode()])
    assert field.items == () and "entity" in field.problem.lower()
    assert "root:" not in repr(field)


def test_hyperlink_field_gives_its_target():
    field = read_field(' HYPERLINK "https://doi.org/10.1111/bjd.12345" \\o "tip" ')
    assert field.kind == "hyperlink" and field.target == "https://doi.org/10.1111/bjd.12345"


def test_mendeley_cite_content_control_tag_carries_base64_json():
    from citeaudit.plugins.docx.fields import read_content_control

    citation = {"citationID": "MENDELEY_CITATION_1", "citationItems": [{"id": "5f2c9c1e-uuid", "itemData": {
        "type": "article-journal", "id": "5f2c9c1e-uuid", "title": "Isotretinoin and acne",
        "DOI": "10.1001/jamadermatol.2020.1234", "issued": {"date-parts": [[2020]]}}}],
        "properties": {"noteIndex": 0}}
    encoded = base64.urlsafe_b64encode(json.dumps(citation).encode()).decode().rstrip("=")
    field = read_content_control("MENDELEY_CITATION_v3_" + encoded)
    assert field.kind == "citation" and field.manager == "mendeley"
    (item,) = field.items
    assert item.id == "5f2c9c1e-uuid" and item.work.doi == "10.1001/jamadermatol.2020.1234"
    assert read_content_control("MENDELEY_BIBLIOGRAPHY").kind == "bibliography"
    assert read_content_control("MENDELEY_CITATION_v3_%%%").problem
    assert read_content_control("Title") is None
