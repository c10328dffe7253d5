"""CA301-CA308: the checks on hand-built documents, the tolerant comparisons, and end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from citeaudit.bib import compare
from citeaudit.checks import CheckContext
from citeaudit.model import (
    Document,
    LibraryEntry,
    Missing,
    Notice,
    Person,
    Record,
    RecordSet,
    Reference,
    Resolution,
    Span,
    Unavailable,
    Work,
)
from citeaudit.plugins import registry as plugin

GEARY = Work(title="Pharmacokinetics, biodistribution and cell uptake of antisense oligonucleotides",
             authors=(Person("Geary", "Richard S."), Person("Norris", "Daniel")), year=2015,
             journal="Advanced Drug Delivery Reviews", volume="87", pages="46-51",
             doi="10.1016/j.addr.2015.01.008")


def context(refs: list[tuple[Work, Resolution]], outcomes: dict, links: dict | None = None) -> CheckContext:
    references = tuple(Reference(number=i, id=str(i), text="", span=Span(line=i), work=w)
                       for i, (w, _) in enumerate(refs, 1))
    document = Document(path=Path("draft.md"), format="markdown", claims=(), references=references)
    return CheckContext(document=document, options=None,
                        resolutions={i: r for i, (_, r) in enumerate(refs, 1)},
                        records=RecordSet(outcomes=outcomes, pmid_for_doi=links or {}))


def record(source: str, identifier: str, work: Work, **kw) -> Record:
    return Record(source=source, identifier=identifier, work=work, **kw)


def run(check, ctx) -> list:
    return list(check(ctx))


def test_ca301_ca302_and_ca308():
    ctx = context([(Work(doi="10.1000/gone"), Resolution(1, None, doi="10.1000/gone")),
                   (Work(pmid="1"), Resolution(2, None, pmid="1")),
                   (Work(doi="10.1000/x"), Resolution(3, None, doi="10.1000/x"))],
                  {("crossref", "10.1000/gone"): Missing("crossref", "10.1000/gone"),
                   ("pubmed", "1"): Missing("pubmed", "1"),
                   ("crossref", "10.1000/x"): Unavailable("crossref", "10.1000/x", "offline")})
    found = run(plugin.check_existence, ctx)
    assert [(f.rule, f.reference, f.evidence.get("doi") or f.evidence.get("pmid")) for f in found] == [
        ("CA301", 1, "10.1000/gone"), ("CA302", 2, "1")]
    (unavailable,) = run(plugin.check_unavailable, ctx)
    assert unavailable.rule == "CA308" and unavailable.reference == 3
    assert unavailable.evidence == {"registry": "crossref", "identifier": "10.1000/x", "reason": "offline"}
    assert "offline and not in the cache" in unavailable.message


def test_a_doi_pubmed_knows_is_not_reported_missing():
    doi = "10.48550/arxiv.1234.5678"
    ctx = context([(Work(doi=doi), Resolution(1, None, doi=doi))],
                  {("crossref", doi): Missing("crossref", doi),
                   ("pubmed", "7"): record("pubmed", "7", Work(title="T", doi=doi, pmid="7"))}, {doi: "7"})
    assert run(plugin.check_existence, ctx) == []


def test_ca303_by_doi_and_by_title():
    other = Work(title="Inhaled combined budesonide-formoterol as needed in mild asthma", doi="10.1056/nejmoa1715274")
    ctx = context([(GEARY, Resolution(1, None, doi=GEARY.doi, pmid="29768149"))],
                  {("crossref", GEARY.doi): record("crossref", GEARY.doi, GEARY),
                   ("pubmed", "29768149"): record("pubmed", "29768149", other)})
    (finding,) = run(plugin.check_conflict, ctx)
    assert finding.rule == "CA303" and finding.evidence["pubmed_doi"] == "10.1056/nejmoa1715274"
    assert run(plugin.check_metadata, ctx) == []  # CA303 says it all
    no_doi = Work(title=other.title)
    ctx = context([(GEARY, Resolution(1, None, doi=GEARY.doi, pmid="2"))],
                  {("crossref", GEARY.doi): record("crossref", GEARY.doi, GEARY),
                   ("pubmed", "2"): record("pubmed", "2", no_doi)})
    (finding,) = run(plugin.check_conflict, ctx)
    assert finding.evidence["title_similarity"] < 50
    same = Work(title=GEARY.title + ".")
    ctx = context([(GEARY, Resolution(1, None, doi=GEARY.doi, pmid="2"))],
                  {("crossref", GEARY.doi): record("crossref", GEARY.doi, GEARY),
                   ("pubmed", "2"): record("pubmed", "2", same)})
    assert run(plugin.check_conflict, ctx) == []


def test_ca304_fields_and_severity():
    cited = Work(title="Pharmacokinetics, biodistribution and cell uptake of antisense oligonucleotides",
                 authors=(Person("Norris", "D"), Person("Geary", "RS")), year=2016,
                 journal="Adv Drug Deliv Rev", volume="88", pages="46-9", doi=GEARY.doi)
    ctx = context([(cited, Resolution(1, None, doi=GEARY.doi))],
                  {("crossref", GEARY.doi): record("crossref", GEARY.doi, GEARY)})
    (finding,) = run(plugin.check_metadata, ctx)
    assert finding.rule == "CA304" and finding.severity is None
    assert finding.evidence["fields"] == ["first_author", "pages", "volume", "year"]
    diffs = finding.evidence["differences"]
    assert diffs["year"]["cited"] == 2016 and diffs["year"]["record"] == 2015
    assert diffs["first_author"] == {"cited": "Norris", "record": "Geary"}
    assert "year 2016 (record: 2015)" in finding.message
    wrong_title = Work(title="Dupilumab and the risk of skin infection in adults", doi=GEARY.doi)
    ctx = context([(wrong_title, Resolution(1, None, doi=GEARY.doi))],
                  {("crossref", GEARY.doi): record("crossref", GEARY.doi, GEARY)})
    (finding,) = run(plugin.check_metadata, ctx)
    assert finding.severity == "error" and "title" in finding.evidence["fields"]
    assert finding.evidence["differences"]["title"]["unrelated"] is True


def test_ca304_tolerates_real_world_variation():
    record_work = Work(title="Risk of infection in patients with atopic dermatitis treated with dupilumab: "
                             "A meta-analysis of randomized controlled trials",
                       authors=(Person("Fleming", "Patrick"), Person("Drucker", "Aaron M.")), year=2018,
                       journal="Journal of the American Academy of Dermatology", volume="78", issue="1",
                       pages="62-69.e1", doi="10.1016/j.jaad.2017.09.052")
    cited = Work(title="Risk of infection in patients with atopic dermatitis treated with <i>dupilumab</i>",
                 authors=(Person("Fléming", "P"), Person("et al.")), year=2017,
                 journal="J Am Acad Dermatol", volume="78", issue="1", pages="62-9")
    doi = record_work.doi
    ctx = context([(cited, Resolution(1, None, doi=doi))],
                  {("crossref", doi): record("crossref", doi, record_work, other_years=(2017,))})
    assert run(plugin.check_metadata, ctx) == []


def test_ca304_also_checks_the_library_entry():
    entry = LibraryEntry(key="geary2015", entry_type="article", span=Span(line=4, part="lib.bib"),
                         work=Work(title=GEARY.title, year=2014, doi=GEARY.doi))
    ctx = context([(Work(doi=GEARY.doi), Resolution(1, entry, method="doi", doi=GEARY.doi))],
                  {("crossref", GEARY.doi): record("crossref", GEARY.doi, GEARY)})
    (finding,) = run(plugin.check_metadata, ctx)
    assert finding.key == "geary2015" and finding.path == "lib.bib" and finding.span.line == 4
    assert finding.evidence["origin"] == "library entry" and finding.evidence["fields"] == ["year"]


def test_ca305_ca306_ca307():
    retracted = record("crossref", "10.1000/r", Work(doi="10.1000/r"),
                       notices=(Notice("retraction", doi="10.1000/n", source="crossref updated-by"),))
    corrected = record("pubmed", "5", Work(pmid="5"),
                       notices=(Notice("correction", pmid="6"), Notice("expression-of-concern", pmid="7")))
    preprint = record("crossref", "10.1101/p", Work(doi="10.1101/p", kind="preprint"), preprint_of="10.1000/pub")
    ctx = context([(Work(), Resolution(1, None, doi="10.1000/r")), (Work(), Resolution(2, None, pmid="5")),
                   (Work(), Resolution(3, None, doi="10.1101/p"))],
                  {("crossref", "10.1000/r"): retracted, ("pubmed", "5"): corrected,
                   ("crossref", "10.1101/p"): preprint})
    found = run(plugin.check_notices, ctx) + run(plugin.check_preprints, ctx)
    assert [(f.rule, f.reference) for f in found] == [("CA305", 1), ("CA306", 2), ("CA307", 3)]
    assert "retracted (notice DOI 10.1000/n)" in found[0].message
    assert "correction and an expression of concern" in found[1].message
    assert found[2].evidence == {"preprint": "10.1101/p", "published": "10.1000/pub"}


def test_records_found_through_a_doi_link_are_checked():
    work = Work(doi="10.1000/d")
    pubmed = record("pubmed", "9", Work(pmid="9", doi="10.1000/d"),
                    notices=(Notice("retraction", pmid="10"),))
    ctx = context([(work, Resolution(1, None, doi="10.1000/d"))],
                  {("crossref", "10.1000/d"): record("crossref", "10.1000/d", work), ("pubmed", "9"): pubmed},
                  {"10.1000/d": "9"})
    assert [f.rule for f in run(plugin.check_notices, ctx)] == ["CA305"]


@pytest.mark.parametrize("cited, record_pages, same", [
    ("62-9", "62-69", True), ("62-69.e1", "62-69", True), ("1116-22", "1116-1122", True),
    ("e0152459", "e0152459", True), ("e33693", "33693", True), ("62-9", "62-70", False), ("63", "62-69", False),
])
def test_page_ranges(cited, record_pages, same):
    assert compare.same_pages(cited, record_pages) is same


@pytest.mark.parametrize("cited, full, abbrev, same", [
    ("J Am Acad Dermatol", "Journal of the American Academy of Dermatology", None, True),
    ("Proc Natl Acad Sci U S A", "Proceedings of the National Academy of Sciences", "Proc. Natl. Acad. Sci. U.S.A.", True),
    ("PLoS One", "PLoS ONE", None, True),
    ("Br J Dermatol", "Journal of the American Academy of Dermatology", "J Am Acad Dermatol", False),
])
def test_journal_names(cited, full, abbrev, same):
    assert compare.same_journal(cited, full, abbrev) is same


@pytest.mark.parametrize("cited, family, same", [
    ("van der Pluijm", "van der Pluijm", True), ("Pluijm", "van der Pluijm", True), ("Dörner", "Dorner", True),
    ("Castelo-Soccio", "Castelo Soccio", True), ("Norris", "Geary", False),
])
def test_author_names(cited, family, same):
    assert compare.same_person(cited, family) is same


# -- end to end through `citeaudit check` ------------------------------------------


@pytest.fixture
def fake(recorded_registry):
    return recorded_registry


def test_the_done_when_draft(fake, data, tmp_path):
    draft = data / "registry/verify_draft.md"
    code, out, err = run_cli("check", str(draft), "--select", "CA3", "--format", "json",
                             "--cache-dir", str(tmp_path), "--quiet")
    assert code == 1, err
    findings = [(f["rule"], f["reference"]) for f in json.loads(out)["documents"][0]["findings"]]
    assert sorted(findings) == [("CA301", 6), ("CA303", 1), ("CA304", 2), ("CA304", 3), ("CA305", 4), ("CA306", 5)]
    assert fake.count() <= 6
    # Warm: the same findings from the cache, no request.
    before = fake.count()
    code, out2, _ = run_cli("check", str(draft), "--select", "CA3", "--format", "json",
                            "--cache-dir", str(tmp_path))
    assert fake.count() == before
    assert json.loads(out2)["documents"][0]["findings"] == json.loads(out)["documents"][0]["findings"]


def test_a_registry_fault_gives_ca308_and_a_normal_report_for_the_rest(fake, data, tmp_path):
    fake.fault("503", endpoint="efetch", retry_after="0")
    draft = data / "registry/verify_draft.md"
    code, out, err = run_cli("check", str(draft), "--select", "CA3", "--format", "json", "--cache-dir",
                             str(tmp_path), "--plugin-option", "registry-backoff=0.01")
    assert code == 1, err
    findings = json.loads(out)["documents"][0]["findings"]
    unavailable = [(f["reference"], f["evidence"]["reason"]) for f in findings if f["rule"] == "CA308"]
    assert unavailable == [(1, "server-error"), (7, "server-error")]
    rules = sorted((f["rule"], f["reference"]) for f in findings if f["rule"] != "CA308")
    assert rules == [("CA301", 6), ("CA304", 2), ("CA304", 3), ("CA305", 4), ("CA306", 5), ("CA309", None)]
    assert "PubMed" in err and "2 references not verified" in err


def test_offline_with_an_empty_cache(data, tmp_path):
    draft = data / "registry/verify_draft.md"
    code, out, _ = run_cli("check", str(draft), "--select", "CA3", "--offline", "--format", "json",
                           "--cache-dir", str(tmp_path))
    findings = json.loads(out)["documents"][0]["findings"]
    assert code == 0 and {f["rule"] for f in findings} == {"CA308"}
    assert {f["reference"] for f in findings} == set(range(1, 8))
    code, _, _ = run_cli("check", str(draft), "--select", "CA3", "--offline", "--fail-on", "info",
                         "--cache-dir", str(tmp_path))
    assert code == 1
