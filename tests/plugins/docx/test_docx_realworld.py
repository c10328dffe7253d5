"""Six real Word manuscripts read exactly: references and cited numbers equal an independent
reading (tests/docx_truth.py), multi-item citations map to the right references, and the CA1
findings are the true defects only (shared/corpus/realworld/README.md, docx section)."""

from __future__ import annotations

import json

import docx_truth as truth
import paths
import pytest
from conftest import run_cli

from citeaudit.plugins.docx import read_docx

DATA = paths.DATA / "realworld" / "docx"

MANUSCRIPTS = {
    # name: (independent reading, citation style, the CA1 findings that are true defects)
    "zotero_docxtojats_msword": (truth.zotero, "numeric", set()),
    "endnote_brainheart_genetics": (truth.endnote, "numeric", set()),
    "mendeley_libreoffice_docxtojats": (truth.mendeley_libreoffice, "numeric", set()),
    "rmd_trauma_prediction_models": (lambda p: truth.typed(p, "trauma, defined"), "numeric",
                                     {("CA105", 20)}),
    "superscript_hellp_metaanalysis": (lambda p: truth.typed(p, "the syndrome of hemolysis"), "numeric", set()),
    "superscript_psilocybin_metaanalysis": (truth.author_year, "author-year", {("CA105", 63)}),
}


def _cited(document) -> set[int]:
    return {n for claim in document.claims for marker in claim.markers for n in marker.numbers}


@pytest.mark.parametrize("name", sorted(MANUSCRIPTS))
def test_references_and_cited_numbers_equal_an_independent_reading(name):
    read, style, _true = MANUSCRIPTS[name]
    path = DATA / f"{name}.docx"
    expected = read(path)
    document = read_docx(path)
    assert document.style == style
    assert [r.number for r in document.references] == list(range(1, expected["references"] + 1))
    assert _cited(document) == expected["cited"]
    assert all(claim.text.strip() for claim in document.claims), "no empty claim"


@pytest.mark.parametrize("name", sorted(MANUSCRIPTS))
def test_only_the_true_defects_are_found(name):
    _read, _style, true = MANUSCRIPTS[name]
    code, out, err = run_cli("check", str(DATA / f"{name}.docx"), "--format", "json", "--offline",
                             "--select", "CA1", "--fail-on", "never")
    assert code == 0, err
    findings = json.loads(out)["documents"][0]["findings"]
    assert {(f["rule"], f["reference"] or f["citation"]) for f in findings} == true


def test_zotero_multi_item_citations_map_each_item_by_its_uri():
    """"(4,30,31)": the items are in insertion order, the numbers sorted."""
    path = DATA / "zotero_docxtojats_msword.docx"
    number_of = {r.id: r.number for r in read_docx(path).references}
    for uris, shown in truth.zotero(path)["citations"]:
        assert {number_of[uri] for uri in uris} == shown, uris


def test_endnote_items_take_the_number_of_the_bibliography_entry_rendering_them():
    """"6,12-15" lists records 690, 692, 691, 700, 693; record 700 is a second copy of reference 6."""
    path = DATA / "endnote_brainheart_genetics.docx"
    document = read_docx(path)
    number_of = {r.id.rsplit(":", 1)[-1]: r.number for r in document.references}
    checked = 0
    for records, shown, entry_of in truth.endnote(path)["citations"]:
        assert set(entry_of.values()) == shown
        for record in records:
            if record in number_of:
                assert number_of[record] == entry_of[record], record
                checked += 1
    assert checked >= 17 and len(document.references) == 18


def test_mendeley_citations_saved_by_libreoffice_are_read_from_their_bookmarks():
    document = read_docx(DATA / "mendeley_libreoffice_docxtojats.docx")
    assert document.extras["docx"]["reference_managers"] == ["mendeley"]
    markers = [m for c in document.claims for m in c.markers]
    assert all(m.style == "field" for m in markers) and len(markers) == 12  # 2 bookmarks at one place count once
    assert document.references[0].work.title.startswith("Evidence for proposed ICD-11 PTSD")


def test_title_page_marks_are_not_citations():
    for name in ("superscript_hellp_metaanalysis", "rmd_trauma_prediction_models"):
        document = read_docx(DATA / f"{name}.docx")
        first = document.claims[0]
        assert "Department" not in first.text and "MD" not in first.text, name


def test_the_trauma_manuscript_against_its_library():
    """CA203: 5 true (15, 16, 17, 27, 29); the book and "The R team" match; 1989;623-9 is pages."""
    code, out, err = run_cli("check", str(DATA / "rmd_trauma_prediction_models.docx"), "--bib",
                             str(DATA / "martin_trauma_library.bib"), "--format", "json", "--offline",
                             "--select", "CA203,CA204", "--fail-on", "never")
    assert code == 0, err
    findings = [f for f in json.loads(out)["documents"][0]["findings"] if f["reference"] is not None]
    assert sorted(f["reference"] for f in findings if f["rule"] == "CA203") == [15, 16, 17, 27, 29]
    assert [f for f in findings if f["rule"] == "CA204"] == []
