"""The JATS reader: every corpus article, citation groups, references, hostile XML."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from conftest import DATA, run_cli
from lxml import etree

from citeaudit import safexml
from citeaudit.errors import InputError, LimitExceeded
from citeaudit.model import Document
from citeaudit.plugins import jats, jats_article

JATS = DATA / "jats"
ARTICLES = sorted(p for p in JATS.rglob("*") if p.suffix in (".xml", ".nxml") and "draft" not in p.parts)
XLINK = {"xlink": "http://www.w3.org/1999/xlink"}


def read(path: Path) -> Document:
    document = jats.read_jats(path)
    assert document is not None, f"{path} was not read as JATS"
    return document


def write(tmp_path: Path, body: str, refs: str = "", *, name: str = "a.xml", head: str = "") -> Path:
    path = tmp_path / name
    path.write_text(f'<?xml version="1.0"?>{head}\n<article xmlns:xlink="http://www.w3.org/1999/xlink">'
                    f"<body>{body}</body><back><ref-list>{refs}</ref-list></back></article>\n",
                    encoding="utf-8")
    return path


def refs(*ids: str) -> str:
    return "".join(f'<ref id="{rid}"><label>{n}</label><mixed-citation>Author A. Title {n}. '
                   f"J Test. 2020;{n}:1-2.</mixed-citation></ref>"
                   for n, rid in enumerate(ids, start=1))


def cited(document: Document) -> list[tuple[int, ...]]:
    return [claim.citations for claim in document.claims]


# -- every article of the corpus -----------------------------------------------------


def test_the_corpus_is_all_here() -> None:
    assert len(ARTICLES) == 40


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: str(p.relative_to(JATS)))
def test_every_bibr_xref_is_read_and_resolved(path: Path) -> None:
    document = read(path)
    root = etree.parse(str(path)).getroot()
    xrefs = root.xpath('//*[local-name()="xref"][@ref-type="bibr"][not(ancestor::*[local-name()="ref"])]')
    written = Counter(rid for x in xrefs for rid in (x.get("rid") or "").split())
    markers = [m for claim in document.claims for m in claim.markers]
    assert Counter(key for m in markers for key in m.keys) == written
    ref_ids = set(root.xpath('//*[local-name()="ref"]/@id'))
    undefined = Counter(f.evidence["rid"] for f in document.diagnostics if f.rule == "CA101")
    assert undefined == Counter({rid: n for rid, n in written.items() if rid not in ref_ids})
    numbers = {ref.id: ref.number for ref in document.references}
    for marker in markers:
        for key in marker.keys:
            if key in ref_ids:
                assert numbers[key] in marker.numbers, (marker, key)


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: str(p.relative_to(JATS)))
def test_reference_identifiers_match_an_independent_count(path: Path) -> None:
    document = read(path)
    root = etree.parse(str(path)).getroot()
    refs_ = root.xpath('//*[local-name()="ref"]')
    assert [r.id for r in document.references] == [r.get("id") for r in refs_]
    dois, pmids = {}, {}
    for ref in refs_:
        doi = ref.xpath('.//*[local-name()="pub-id" or local-name()="object-id"][@pub-id-type="doi"]/text()'
                        ' | .//*[local-name()="ext-link" or local-name()="uri"]'
                        '[@ext-link-type="doi" or contains(@xlink:href, "doi.org/")]/@xlink:href',
                        namespaces=XLINK)
        pmid = ref.xpath('.//*[local-name()="pub-id" or local-name()="object-id"][@pub-id-type="pmid"]/text()')
        if doi:
            dois[ref.get("id")] = re.sub(r"^https?://(dx\.)?doi\.org/", "", doi[0].strip()).lower()
        if pmid:
            pmids[ref.get("id")] = pmid[0].strip()
    assert {r.id: r.doi for r in document.references if r.doi} == dois
    assert {r.id: r.pmid for r in document.references if r.pmid} == pmids


@pytest.mark.parametrize(("name", "style", "claims", "references"), [
    ("elife06003.xml", "author-year", 26, 32),
    ("elife04953_tcell.xml", "author-year", 96, 93),
    ("pmc_bjc_6605965a.nxml", "author-year", 11, 34),
    ("pub2tei_biorxiv_371435.xml", "author-year", 34, 55),
    ("plos_pmed.1001473.xml", "numeric", 155, 134),
    ("s2orc_PMC7417471_review.nxml", "numeric", 156, 206),
    ("edge/epmc_oai_pmh_wrapped_bmc_cell_biol.xml", "numeric", 27, 28),
])
def test_style_and_sizes(name: str, style: str, claims: int, references: int) -> None:
    document = read(JATS / name)
    assert (document.style, len(document.claims), len(document.references)) == (style, claims, references)
    assert document.format == "jats"


def test_plos_bracketed_ranges_expand() -> None:
    first = read(JATS / "plos_pmed.1001473.xml").claims[0]
    assert [m.text for m in first.markers] == ["[1]–[4]", "[5]–[8]"]
    assert first.citations == (1, 2, 3, 4, 5, 6, 7, 8)
    assert first.text.endswith("adherence to management plans.")
    assert first.span.xpath == "/article/body/sec[1]/sec[1]/p[1]"
    assert first.markers[0].span.xpath == "/article/body/sec[1]/sec[1]/p[1]/xref[1]"
    assert first.markers[0].span.line == 119
    assert first.section == "The Concept of Treatment Burden"


def test_bmc_hyphen_ranges_expand() -> None:
    claims = read(JATS / "pmc_bmcmicrobiol_1471-2180-11-174.nxml").claims
    assert claims[0].citations == tuple(range(1, 10))
    assert claims[1].citations == (*range(10, 17), 17, 18, *range(19, 25))


def test_author_year_markers_leave_clean_text() -> None:
    first = read(JATS / "elife06003.xml").claims[0]
    assert [m.text for m in first.markers] == ["Dawidowicz 1987", "Phillips et al., 2009", "Liu et al., 2013"]
    assert first.text.endswith("results in disease.")
    assert first.section == "Abstract"


def test_oai_pmh_wrapper_and_its_default_namespace() -> None:
    document = read(JATS / "edge/epmc_oai_pmh_wrapped_bmc_cell_biol.xml")
    assert document.claims[0].span.xpath.startswith("/OAI-PMH/GetRecord/record/metadata/article/body/")
    assert document.references[0].work.pmid == "9407023"
    assert document.references[0].work.journal == "Genes & Development"


def test_pmc_articleset_with_a_correction_notice() -> None:
    document = read(JATS / "edge/biopython_efetch_pmc_correction.xml")
    assert document.extras["article_type"] == "correction"
    assert document.claims == () and document.references == ()


def test_reference_fragment_in_a_root_wrapper() -> None:
    (ref,) = read(JATS / "edge/elife_ref_fragment_data_citation.xml").references
    assert ref.id == "bib34" and ref.number == 1
    assert ref.work.year == 2015 and ref.work.kind == "dataset"


def test_empty_xref_to_no_reference_is_ca101() -> None:
    document = read(JATS / "malformed/schematron_empty_xref.xml")
    assert [c.text for c in document.claims] == ["Here is a citation to a reference."] * 2
    assert [(f.rule, f.claim, f.citation, f.evidence) for f in document.diagnostics] == [
        ("CA101", 1, None, {"rid": "bib25"}), ("CA101", 2, None, {"rid": "bib25"})]
    assert document.diagnostics[0].span.line == 8


def test_pmcid_holding_a_pmid_is_kept_as_written() -> None:
    document = read(JATS / "malformed/schematron_pubid_pmcid_mislabel.xml")
    raw = [pair for ref in document.references for pair in ref.raw_identifiers]
    assert ("pmcid", "16452092") in raw
    assert all(ref.pmcid is None for ref in document.references)


def test_identifiers_are_merged_across_citation_alternatives() -> None:
    ref = read(JATS / "epmc_abdom_imaging_PMC2386533.xml").references[0]
    assert (ref.number, ref.doi, ref.pmid) == (1, "10.1053/j.gastro.2004.01.063", "15168363")
    assert ref.text.startswith("Loftus EV Jr (2004) Clinical epidemiology")
    assert ref.work.authors[0].family == "Loftus" and ref.work.pages == "1504-1517"


def test_plos_object_id_pmids_and_identifiers_written_wrong() -> None:
    references = read(JATS / "plos_pone.0152459.xml").references
    ref13 = next(r for r in references if r.number == 13)
    assert (ref13.pmid, ref13.doi) == ("23372805", "10.1371/journal.pone.0054970")
    assert ("pmcid", "PMCPmc3555860") in ref13.raw_identifiers and ref13.pmcid is None
    assert any(("doi", "Paor.2006.12.3.0153") in r.raw_identifiers for r in references)


def test_mixed_citation_names_keep_their_spaces() -> None:
    ref = read(JATS / "plos_pmed.1001473.xml").references[0]
    assert ref.text == ("May C, Montori VM, Mair FS (2009) We need minimally disruptive medicine. "
                        "BMJ 339: b2803.")
    assert ref.work.year == 2009 and ref.work.journal == "BMJ" and ref.work.pages == "b2803"


# -- blocks and citation groups -----------------------------------------------------


def test_multi_id_rid_and_unknown_rid_keeps_resolvable_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, '<p>Both agree <xref ref-type="bibr" rid="A B">1,2</xref>. '
                           'One is missing <xref ref-type="bibr" rid="B ghost">2,9</xref>.</p>',
                 refs("A", "B"))
    document = read(path)
    assert cited(document) == [(1, 2), (2,)]
    assert document.claims[1].markers[0].keys == ("B", "ghost")
    (finding,) = document.diagnostics
    assert (finding.rule, finding.claim, finding.evidence) == ("CA101", 2, {"rid": "ghost"})
    assert finding.span.xpath == "/article/body/p/xref[2]"


def test_ranges_between_xrefs(tmp_path: Path) -> None:
    path = write(tmp_path, '<p>Range <xref ref-type="bibr" rid="A">1</xref>&#x2013;'
                           '<xref ref-type="bibr" rid="D">4</xref>, then '
                           '<xref ref-type="bibr" rid="B">2</xref>, <xref ref-type="bibr" rid="C">3</xref>. '
                           'Backwards <xref ref-type="bibr" rid="C">3</xref>-<xref ref-type="bibr" rid="A">1</xref>.</p>',
                 refs("A", "B", "C", "D"))
    first, second = read(path).claims
    assert first.citations == (1, 2, 3, 4, 2, 3)
    assert [m.text for m in first.markers] == ["1–4", "2", "3"]
    assert first.text == "Range, then."
    assert second.markers[0].problem == "descending range 3-1"
    assert second.citations == (3, 1)
    findings = _json(str(path))["findings"]
    assert [(f["rule"], f["claim"]) for f in findings if f["rule"] == "CA104"] == [("CA104", 2)]


def test_bracket_groups_are_removed_from_the_claim(tmp_path: Path) -> None:
    path = write(tmp_path, '<p>Dupilumab works [<xref ref-type="bibr" rid="A">1</xref>, '
                           '<xref ref-type="bibr" rid="B">2</xref>]. It is safe <sup><xref ref-type="bibr" '
                           'rid="C">3</xref></sup> in children.</p>', refs("A", "B", "C"))
    claims = read(path).claims
    assert [c.text for c in claims] == ["Dupilumab works.", "It is safe in children."]
    assert cited(read(path)) == [(1, 2), (3,)]


def test_every_kind_of_block_is_read_in_document_order(tmp_path: Path) -> None:
    cite = '<xref ref-type="bibr" rid="{0}">{1}</xref>'
    body = (
        f'<sec><title>Methods</title><p>Plain paragraph {cite.format("A", 1)}.'
        f'<list><list-item><p>List item {cite.format("B", 2)}.</p></list-item></list> After the list.</p>'
        f'<fig id="f1"><label>Figure 1</label><caption><title>Lesions</title><p>Caption text {cite.format("C", 3)}.</p></caption></fig>'
        f'<table-wrap><table><tr><th>Drug</th><td>Cell {cite.format("D", 4)}</td></tr></table></table-wrap>'
        f'<boxed-text><p>Box text {cite.format("E", 5)}.</p></boxed-text>'
        f'<fn-group><fn><p>Footnote {cite.format("F", 6)}.</p></fn></fn-group>'
        f'Loose text in a section {cite.format("G", 7)}.</sec>'
    )
    document = read(write(tmp_path, body, refs(*"ABCDEFG")))
    assert cited(document) == [(1,), (2,), (3,), (4,), (5,), (6,), (7,)]
    assert [c.text for c in document.claims][:4] == ["Plain paragraph.", "List item.", "Caption text.", "Cell"]
    assert {c.section for c in document.claims} == {"Methods"}
    assert document.claims[1].span.xpath == "/article/body/sec/p/list/list-item/p"


def test_lines_follow_the_source(tmp_path: Path) -> None:
    body = '<p>First line.\nSecond sentence cites\n<xref ref-type="bibr" rid="A">1</xref>.</p>'
    document = read(write(tmp_path, body, refs("A")))
    (claim,) = document.claims
    assert claim.span.line == 3 and claim.markers[0].span.line == 4


def test_namespaced_jats(tmp_path: Path) -> None:
    path = tmp_path / "ns.xml"
    path.write_text('<article xmlns="https://jats.nlm.nih.gov/ns/archiving/1.3/"><body><p>Cited '
                    '<xref ref-type="bibr" rid="A">1</xref>.</p></body><back><ref-list>'
                    + refs("A") + "</ref-list></back></article>", encoding="utf-8")
    document = read(path)
    assert cited(document) == [(1,)]
    assert document.references[0].work.journal == "J Test"
    assert document.claims[0].span.xpath == "/article/body/p"


def test_html_named_entities_are_resolved_without_the_dtd(tmp_path: Path) -> None:
    body = '<p>Ecz&eacute;ma&nbsp;severity fell&mdash;markedly <xref ref-type="bibr" rid="A">1</xref>.</p>'
    (claim,) = read(write(tmp_path, body, refs("A"))).claims
    assert claim.text == "Eczéma severity fell\u2014markedly."
    assert jats_article.replace_html_entities(b"&amp;&lt;&nbsp;&unknownname;") == b"&amp;&lt;&#160;&unknownname;"


def test_unknown_entity_without_a_dtd_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path, "<p>Bad &notanentity; here.</p>")
    with pytest.raises(InputError, match=r"a\.xml:2: malformed JATS XML.*notanentity"):
        read(path)


# -- references ---------------------------------------------------------------------------


def test_labels_positions_and_nested_ref_lists(tmp_path: Path) -> None:
    path = tmp_path / "refs.nxml"
    path.write_text(
        '<article xmlns:xlink="http://www.w3.org/1999/xlink"><body><sec><p>Text '
        '<xref ref-type="bibr" rid="s1">x</xref>.</p><ref-list><ref id="s1"><mixed-citation>Sec-level '
        "ref. Lancet. 2001;1:1.</mixed-citation></ref></ref-list></sec></body><back><ref-list>"
        '<ref id="a"><label>[2]</label><element-citation publication-type="journal"><person-group '
        'person-group-type="editor"><name><surname>Ed</surname></name></person-group><person-group '
        'person-group-type="author"><name><surname>Fleming</surname><given-names>P</given-names></name>'
        '<collab>Eczema Group</collab></person-group><article-title>Trial</article-title><source>BMJ'
        "</source><year>2018a</year><volume>5</volume><issue>2</issue><elocation-id>e1</elocation-id>"
        '<ext-link ext-link-type="uri" xlink:href="https://doi.org/10.1136/BMJ.X1">link</ext-link>'
        '</element-citation></ref><ref-list><ref id="c"><element-citation publication-type="book">'
        "<source>Rook's Textbook</source><year>2016</year><uri>https://example.org/book</uri>"
        '<pub-id pub-id-type="pmc">PMC123</pub-id></element-citation></ref></ref-list>'
        "</ref-list></back></article>", encoding="utf-8")
    document = read(path)
    sec_level, labelled, book = document.references
    assert [r.number for r in document.references] == [1, 2, 3]
    assert sec_level.work.journal == "Lancet" and sec_level.work.year == 2001
    assert labelled.work.authors[0].family == "Fleming" and labelled.work.authors[1].family == "Eczema Group"
    assert (labelled.work.year, labelled.work.pages, labelled.doi) == (2018, "e1", "10.1136/bmj.x1")
    assert labelled.text == "Fleming P, Eczema Group. Trial. BMJ. 2018;5(2):e1."
    assert labelled.raw_identifiers == (("doi", "https://doi.org/10.1136/BMJ.X1"),)
    assert (book.work.title, book.work.journal, book.work.kind, book.pmcid) == (
        "Rook's Textbook", None, "book", "PMC123")
    assert document.references[1].span.xpath == "/article/back/ref-list/ref"


def test_unstructured_mixed_citation_falls_back_to_the_parser(tmp_path: Path) -> None:
    ref_xml = ('<ref id="r1"><mixed-citation>Simpson EL, Bieber T. Two phase 3 trials of dupilumab '
               "versus placebo in atopic dermatitis. N Engl J Med. 2016;375(24):2335-48. "
               "doi:10.1056/NEJMoa1610020</mixed-citation></ref>")
    (ref,) = read(write(tmp_path, "", ref_xml)).references
    assert ref.work.year == 2016 and ref.work.volume == "375"
    assert ref.work.authors[0].family == "Simpson"
    assert ref.doi == "10.1056/nejmoa1610020"


# -- which files are JATS -------------------------------------------------------------


def test_other_xml_is_left_to_other_readers(tmp_path: Path) -> None:
    pubmed = tmp_path / "efetch.xml"
    pubmed.write_text("<?xml version='1.0'?><!DOCTYPE PubmedArticleSet PUBLIC \"-//NLM//DTD "
                      'PubMedArticle//EN" "x.dtd"><PubmedArticleSet><PubmedArticle/></PubmedArticleSet>')
    part = tmp_path / "document.xml"
    part.write_text('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>')
    empty_root = tmp_path / "root.xml"
    empty_root.write_text("<root><item/></root>")
    for path in (pubmed, part, empty_root, tmp_path / "draft.md"):
        assert jats.read_jats(path) is None
    from citeaudit.manager import get_plugin_manager

    readers = {reader.name: reader.suffixes for reader in get_plugin_manager(entry_points=False).readers()}
    assert readers["jats"] == (".xml", ".nxml", ".jats")


def test_jats_suffix_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, '<p>Cited <xref ref-type="bibr" rid="A">1</xref>.</p>', refs("A"), name="a.jats")
    code, out, err = run_cli("check", str(path), "--offline", "--format", "json", "--fail-on", "never")
    assert code == 0, err
    assert json.loads(out)["documents"][0]["claims"][0]["citations"] == [1]


def test_nxml_that_is_not_jats_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "x.nxml"
    path.write_text("<PubmedArticleSet/>")
    code, out, err = run_cli("check", str(path), "--offline")
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "not a JATS article" in err and "x.nxml" in err


# -- hostile input --------------------------------------------------------------------------


HOSTILE = {
    "xxe": '<!DOCTYPE article [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><article><body><p>&xxe;</p></body></article>',
    "parameter-entity": '<!DOCTYPE article [<!ENTITY % dtd SYSTEM "http://127.0.0.1:9/evil.dtd"> %dtd;]><article/>',
    "billion-laughs": '<!DOCTYPE article [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                      '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><article><body><p>&c;</p></body></article>',
    "internal-subset": "<!DOCTYPE article [ <!ATTLIST article id CDATA #IMPLIED> ]><article/>",
    "too-deep": "<article><body>" + "<sec>" * 300 + "</sec>" * 300 + "</body></article>",
    "malformed": "<article><body><p>unclosed</body></article>",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("suffix", [".xml", ".nxml"])
def test_hostile_xml_is_one_line_and_exit_2(tmp_path: Path, kind: str, suffix: str) -> None:
    path = tmp_path / f"hostile{suffix}"
    path.write_text(HOSTILE[kind], encoding="utf-8")
    code, out, err = run_cli("check", str(path), "--offline")
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1 and str(path) in err
    assert "passwd" not in err.replace("file:///etc/passwd", "") and "lol" not in err


def test_oversized_file_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "<p>" + "x" * 5000 + "</p>", name="big.nxml")
    monkeypatch.setattr(safexml, "MAX_BYTES", 1000)
    with pytest.raises(LimitExceeded, match="over the 1000 bytes limit"):
        read(path)
    code, _out, err = run_cli("check", str(path), "--offline")
    assert code == 2 and "limit" in err and len(err.strip().splitlines()) == 1


def test_an_external_dtd_is_never_fetched(tmp_path: Path) -> None:
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY nbsp "&#160;">')

        def log_message(self, *args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/JATS-archivearticle1.dtd"
        path = write(tmp_path, '<p>Cited&nbsp;here <xref ref-type="bibr" rid="A">1</xref>.</p>', refs("A"),
                     head=f'<!DOCTYPE article PUBLIC "-//NLM//DTD JATS//EN" "{url}">')
        document = read(path)
    finally:
        server.shutdown()
        server.server_close()
    assert requests == []
    assert cited(document) == [(1,)]


# -- end to end ----------------------------------------------------------------------------


def _json(*args: str) -> dict:
    code, out, err = run_cli("check", *args, "--offline", "--format", "json", "--fail-on", "never")
    assert code == 0, err
    return json.loads(out)["documents"][0]


def test_deleting_a_cited_ref_gives_ca101(tmp_path: Path) -> None:
    source = (JATS / "draft/biologics.xml").read_text(encoding="utf-8")
    path = tmp_path / "biologics.xml"
    path.write_text(re.sub(r'<ref id="R5">.*?</ref>\n', "", source), encoding="utf-8")
    report = _json(str(path))
    ca101 = [f for f in report["findings"] if f["rule"] == "CA101"]
    assert [(f["claim"], f["evidence"], f["location"]["line"]) for f in ca101] == [(4, {"rid": "R5"}, 14)]
    assert report["claims"][3]["citations"] == []


def test_removing_the_only_citation_gives_ca102(tmp_path: Path) -> None:
    source = (JATS / "draft/biologics.xml").read_text(encoding="utf-8")
    path = tmp_path / "biologics.xml"
    path.write_text(source.replace('\n[<xref ref-type="bibr" rid="R5">5</xref>]', ""), encoding="utf-8")
    report = _json(str(path))
    assert [f["reference"] for f in report["findings"] if f["rule"] == "CA102"] == [5]
    assert [f for f in report["findings"] if f["rule"] == "CA101"] == []


def test_the_same_draft_as_markdown_and_as_jats_gives_the_same_citations() -> None:
    markdown = _json(str(JATS / "draft/biologics.md"))
    xml = _json(str(JATS / "draft/biologics.xml"))
    assert xml["format"] == "jats" and markdown["format"] == "markdown"
    assert [c["citations"] for c in xml["claims"]] == [[1], [2, 3], [2, 3, 4], [5], [6, 7]]
    assert [c["citations"] for c in markdown["claims"]] == [c["citations"] for c in xml["claims"]]
    assert [c["text"] for c in markdown["claims"]] == [c["text"] for c in xml["claims"]]
    assert [r["number"] for r in markdown["references"]] == [r["number"] for r in xml["references"]]
    assert [r["doi"] for r in xml["references"]][:2] == ["10.1056/nejmoa1314768", "10.1056/nejmoa1610020"]


# -- publishers' conventions (issue 14) ----------------------------------------------------


def test_brackets_set_in_sup_around_xrefs_leave_no_brackets_and_split_sentences(tmp_path: Path) -> None:
    # Wiley: <sup>[</sup> <xref><sup>1</sup></xref> <sup>]</sup>, white space between
    path = write(tmp_path, '<p>Immunotherapy changed oncology.<sup>[</sup>\n<xref rid="A" ref-type="bibr">\n'
                           '<sup>1</sup>\n</xref>\n<sup>]</sup> Landmark inhibitors,<sup>[</sup>\n'
                           '<xref rid="B" ref-type="bibr"><sup>2</sup></xref>\n<sup>]</sup> and vaccines work.</p>',
                 refs("A", "B"))
    claims = read(path).claims
    assert [c.text for c in claims] == ["Immunotherapy changed oncology.", "Landmark inhibitors, and vaccines work."]
    assert cited(read(path)) == [(1,), (2,)]


@pytest.mark.parametrize("text", ["2-4", "2–4", "2, 3, 4", "[2-4]", "2&#x2013;4"])
def test_one_xref_whose_text_is_a_range_cites_the_range(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, f'<p>First <xref ref-type="bibr" rid="A">1</xref>. Then <xref ref-type="bibr" '
                           f'rid="B">{text}</xref>.</p>', refs("A", "B", "C", "D"))
    assert cited(read(path)) == [(1,), (2, 3, 4)]


@pytest.mark.parametrize("text", ["89 16", "3-4", "2-9"])
def test_xref_text_that_does_not_read_cleanly_cites_its_rid_only(tmp_path: Path, text: str) -> None:
    # "89 16": a publisher's lost dashes; "3-4" does not start at the rid's 2; 9 is not listed
    path = write(tmp_path, f'<p>See <xref ref-type="bibr" rid="B">{text}</xref>.</p>', refs("A", "B", "C", "D"))
    assert cited(read(path)) == [(2,)]


def test_a_dash_written_as_an_xref_makes_a_range(tmp_path: Path) -> None:
    # PMC: <xref>3</xref><xref rid="B4">-</xref><xref>6</xref>
    path = write(tmp_path, '<p>Bezoars.<xref rid="A" ref-type="bibr">1</xref><xref rid="B" ref-type="bibr">-</xref>'
                           '<xref rid="D" ref-type="bibr">4</xref> Next.<xref rid="E" ref-type="bibr">5</xref></p>',
                 refs("A", "B", "C", "D", "E"))
    document = read(path)
    assert cited(document) == [(1, 2, 3, 4), (5,)]
    assert [c.text for c in document.claims] == ["Bezoars.", "Next."]


def test_floats_are_read_where_first_cited_and_left_out_of_citation_order(tmp_path: Path) -> None:
    # MDPI: figures in <floats-group> after <back>; the caption cites 3 and 4, the text 1, 2, 3, 4
    cite = '<xref ref-type="bibr" rid="{0}">{1}</xref>'
    path = tmp_path / "floats.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<article><body>'
        f'<p>Intro {cite.format("A", 1)}.</p>'
        f'<p>See <xref ref-type="fig" rid="f1">Figure 1</xref> and {cite.format("B", 2)}.</p>'
        f'<p>Later {cite.format("C", 3)} and {cite.format("D", 4)}.</p>'
        f'</body><back><ref-list>{refs("A", "B", "C", "D")}</ref-list></back>'
        f'<floats-group><fig id="f1"><caption><p>Adapted from {cite.format("D", 4)}.</p></caption></fig>'
        f'<table-wrap id="t1"><table><tr><td>Uncited table {cite.format("C", 3)}</td></tr></table></table-wrap>'
        '</floats-group></article>\n', encoding="utf-8")
    document = read(path)
    assert [c.text for c in document.claims] == ["Intro.", "See Figure 1 and.", "Adapted from.",
                                                  "Later and.", "Uncited table"]
    assert document.extras["unordered_claims"] == (3, 5)
    findings = _json(str(path))["findings"]
    assert [f["rule"] for f in findings if f["rule"].startswith("CA1")] == []


def test_every_article_of_an_article_set_is_a_document(tmp_path: Path) -> None:
    article = ('<article><body><p>Case {0} <xref ref-type="bibr" rid="A">1</xref>.</p></body>'
               '<back><ref-list>' + refs("A") + '</ref-list></back></article>')
    path = tmp_path / "set.xml"
    path.write_text("<articles>" + article.format(1) + article.format(2) + "</articles>", encoding="utf-8")
    documents = jats.read_jats(path)
    assert [d.claims[0].text for d in documents] == ["Case 1.", "Case 2."]
    assert [d.extras["article"] for d in documents] == ["/articles/article[1]", "/articles/article[2]"]
    assert documents[1].claims[0].markers[0].span.xpath == "/articles/article[2]/body/p/xref"
    code, out, _ = run_cli("check", str(path), "--offline", "--format", "json")
    assert code == 0 and [len(d["claims"]) for d in json.loads(out)["documents"]] == [1, 1]


def test_an_author_named_doi_is_not_a_doi_and_markup_faults_defer_to_pub_ids(tmp_path: Path) -> None:
    path = write(tmp_path, '<p>See <xref ref-type="bibr" rid="A">1</xref> <xref ref-type="bibr" rid="B">2</xref>.</p>',
                 '<ref id="A"><label>1</label><element-citation publication-type="journal"><person-group>'
                 '<name><surname>Doi</surname><given-names>T.</given-names></name></person-group>'
                 '<article-title>NC-6004 phase I</article-title><source>Cancer Chemother Pharmacol</source>'
                 '<year>2017</year><pub-id pub-id-type="pmid">28224231</pub-id></element-citation></ref>'
                 '<ref id="B"><label>2</label><mixed-citation publication-type="journal"><source>Nat Commun</source>. '
                 '<year>2022</year>;<volume>13. doi:</volume> <elocation-id>6857</elocation-id>. '
                 '<pub-id pub-id-type="doi">10.1038/s41467-022-34722-7</pub-id></mixed-citation></ref>')
    first, second = read(path).references
    assert first.raw_identifiers == (("pmid", "28224231"),) and first.doi is None
    assert second.raw_identifiers == (("doi", "10.1038/s41467-022-34722-7"),)
    assert [f["rule"] for f in _json(str(path))["findings"] if f["rule"] == "CA206"] == []


def test_single_line_xml_places_carry_an_xpath(tmp_path: Path) -> None:
    path = write(tmp_path, '<sec><p>One <xref ref-type="bibr" rid="A">1</xref>.</p><p>Two '
                           '<xref ref-type="bibr" rid="C">3</xref>.</p><p>Three <xref ref-type="bibr" '
                           'rid="B">2</xref>.</p></sec>', refs("A", "B", "C", "D"))
    path.write_text(path.read_text(encoding="utf-8").replace("\n", " "), encoding="utf-8")
    findings = _json(str(path))["findings"]
    assert {f["rule"]: f["location"]["xpath"] for f in findings if f["rule"].startswith("CA10")} == {
        "CA102": "/article/back/ref-list/ref[4]", "CA103": "/article/body/sec/p[2]/xref"}


def _long_article(paragraphs: int) -> str:
    """An article of `paragraphs` cited paragraphs, a table citing refs after each tenth, floats at the end."""
    cite = '<xref ref-type="bibr" rid="R{0}">{0}</xref>'
    body = []
    for n in range(1, paragraphs + 1):
        low = n % 50 + 1
        body.append(f'<p>Finding {n} holds in cohort {n} [{cite.format(low)}&#x2013;{cite.format(low + 2)}]. '
                    f'See <xref ref-type="table" rid="T{n // 10}">Table</xref>; also <xref ref-type="bibr" '
                    f'rid="R{low}">{low}-{low + 1}</xref>.</p>')
    floats = "".join(f'<table-wrap id="T{t}"><table><tr><td>Row {cite.format(t % 50 + 1)}</td></tr></table>'
                     "</table-wrap>" for t in range(paragraphs // 10 + 1))
    references = "".join(f'<ref id="R{n}"><label>{n}</label><mixed-citation>Author A. Title {n}. J Test. '
                         f"2020;{n}:1-2.</mixed-citation></ref>" for n in range(1, 54))
    return (f"<article><body>{''.join(body)}</body><back><ref-list>{references}</ref-list></back>"
            f"<floats-group>{floats}</floats-group></article>")


def test_reading_grows_linearly_with_the_article(tmp_path: Path) -> None:
    # A growth ratio, not seconds (benchmarks/jats_large.py has the figures): four times
    # the text must take well under the sixteen times a quadratic step would.
    import time

    times = []
    for paragraphs in (250, 1000):
        path = tmp_path / f"long{paragraphs}.xml"
        path.write_text(_long_article(paragraphs), encoding="utf-8")
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            document = read(path)
            best = min(best, time.process_time() - started)
        assert len(document.claims) >= 2 * paragraphs
        times.append(best)
    assert times[1] / times[0] < 8


def test_a_notice_does_not_cite_the_article_it_is_about() -> None:
    # a retraction's only ref is the retracted article, named in its ref-list, cited nowhere
    path = JATS / "edge" / "plos_ppat.1005207_retraction_notice.xml"
    document = read(path)
    assert len(document.references) == 1 and document.claims == ()
    assert [f["rule"] for f in _json(str(path))["findings"] if f["rule"].startswith("CA1")] == []
