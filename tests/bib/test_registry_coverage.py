"""Every DOI agency, Retraction Watch and PMC identifiers (issue 20), through the fake registry."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import run_cli

from citeaudit.bib.cache import open_cache
from citeaudit.bib.datacite import DataCite, from_datacite
from citeaudit.bib.doisystem import DoiSystem
from citeaudit.bib.http import Client
from citeaudit.bib.idconv import PmcIds, pmcids_for
from citeaudit.bib.retractionwatch import iso_date, looks_like
from citeaudit.model import Record, Work
from citeaudit.plugins.registry import pmcid_conflict


@pytest.fixture
def fake(recorded_registry):
    return recorded_registry


def findings(out: str) -> list[dict]:
    return json.loads(out)["documents"][0]["findings"]


def check(draft: Path, cache: Path, *extra: str) -> tuple[int, list[dict], str]:
    code, out, err = run_cli("check", str(draft), "--select", "CA3", "--format", "json",
                             "--cache-dir", str(cache), "--quiet", *extra)
    assert code in (0, 1), err
    return code, findings(out), err


# -- the DOI system and DataCite ---------------------------------------------------

DATACITE_DRAFT = """# Data

Chains of bistable springs homogenise [1]. Koalas are declining [2]. A DOI
nobody registered [3].

## References

1. Blake C, Cherkaev A. Dynamic homogenization of a chain with bistable springs. Statistical approach. 2020. doi:10.13140/rg.2.2.10270.69443
2. Smith J. Koala population decline in Queensland national parks. 2020. doi:10.26197/5e0bf724ecbfd
3. Doe J. A study that was never registered. PLoS One. 2012;7(1):e1. doi:10.1371/notarealdoi
"""


def test_a_datacite_doi_is_no_ca301_and_its_title_is_compared(fake, tmp_path):
    draft = tmp_path / "draft.md"
    draft.write_text(DATACITE_DRAFT, encoding="utf-8")
    code, found, _ = check(draft, tmp_path / "cache")
    assert code == 1
    rules = sorted((f["rule"], f["reference"]) for f in found)
    assert rules == [("CA301", 3), ("CA304", 2)]
    (mismatch,) = [f for f in found if f["rule"] == "CA304"]
    assert mismatch["evidence"]["registries"] == ["datacite"]
    assert mismatch["evidence"]["differences"]["title"]["unrelated"] is True
    assert mismatch["severity"] == "error" and "DataCite" in mismatch["message"]
    (missing,) = [f for f in found if f["rule"] == "CA301"]
    assert "DOI system" in missing["message"] and missing["evidence"]["registry"] == "doi"
    # One handle lookup per DOI Crossref lacks, one agency batch, one DataCite batch.
    assert (fake.count("handle"), fake.count("ra"), fake.count("datacite-list"), fake.count("datacite")) == (3, 1, 1, 0)
    # Warm: the same findings from the cache, no request at all.
    before = fake.count()
    _, again, _ = check(draft, tmp_path / "cache")
    assert again == found and fake.count() == before


def test_ca301_waits_for_the_doi_system(fake, tmp_path):
    fake.fault("500", endpoint="handle")
    draft = tmp_path / "draft.md"
    draft.write_text(DATACITE_DRAFT, encoding="utf-8")
    _, found, _ = check(draft, tmp_path / "cache", "--plugin-option", "registry-backoff=0.01",
                        "--plugin-option", "registry-retries=0")
    assert not [f for f in found if f["rule"] == "CA301"]
    unverified = sorted((f["reference"], f["evidence"]["registry"]) for f in found if f["rule"] == "CA308")
    assert unverified == [(1, "doi"), (2, "doi"), (3, "doi")]


def test_a_handle_404_without_a_handle_answer_is_a_wrong_url_not_a_missing_doi(fake):
    system = DoiSystem(base_url=f"{fake.url}/nowhere")
    with Client(retries=0) as client:
        (answer,) = system.fetch(["10.1371/notarealdoi"], client)
    assert not answer.missing and answer.error is not None and answer.error.reason == "http-404"


def test_the_doi_system_names_the_agency(fake):
    fake.add_handle("10.1430/8105", "mEDRA")
    with Client() as client:
        answers = {a.identifier: a for a in DoiSystem(f"{fake.url}/doi").fetch(
            ["10.1430/8105", "10.13140/rg.2.2.10270.69443", "10.1000/i_do_not_exist"], client)}
    system = DoiSystem()
    assert system.parse("10.1430/8105", answers["10.1430/8105"].body).agency == "mEDRA"
    datacite = system.parse("10.13140/rg.2.2.10270.69443", answers["10.13140/rg.2.2.10270.69443"].body)
    assert DataCite.wants(datacite) and not DataCite.wants(system.parse("10.1430/8105", answers["10.1430/8105"].body))
    assert answers["10.1000/i_do_not_exist"].missing
    assert fake.count("ra") == 1


def test_datacite_asks_alone_for_what_a_batch_left_out(fake):
    with Client() as client:
        answers = DataCite(f"{fake.url}/datacite").fetch(
            ["10.13140/rg.2.2.10270.69443", "10.5281/zenodo.0000000"], client)
    by_doi = {a.identifier: a for a in answers}
    assert by_doi["10.5281/zenodo.0000000"].missing and by_doi["10.13140/rg.2.2.10270.69443"].body
    assert (fake.count("datacite-list"), fake.count("datacite")) == (1, 1)


def test_datacite_record_fields(data):
    item = json.loads((data / "registry/datacite/10.13140_rg.2.2.10270.69443.json").read_text())["data"]
    record = from_datacite(item)
    assert record.work.title == "Dynamic Homogenization of a Chain with Bistable Springs. Statistical Approach"
    assert [(p.family, p.given) for p in record.work.authors] == [("Blake", "Charlotte"), ("Cherkaev", "Andrej")]
    assert (record.work.year, record.work.kind, record.source) == (2020, "preprint", "datacite")
    organisation = json.loads((data / "registry/datacite/10.26197_5e0bf724ecbfd.json").read_text())["data"]
    assert [p.family for p in from_datacite(organisation).work.authors] == ["Atlas Of Living Australia"]


# -- Retraction Watch ----------------------------------------------------------------

RW_DRAFT = """# Retracted

Motor noise can be recognised from an improved EEMD model [1]. Sperm DFI
quality control products were evaluated [2]. An unlisted work [3].

## References

1. Liao Q, Li L, Luo J. The feature recognition of motor noise based on the improved EEMD model. Comput Intell Neurosci. 2022;2022:9172719. doi:10.1155/2022/9172719
2. Pang T, Zhang X. Technical evaluation of commercial sperm DFI quality control products in SCSA testing. J Healthc Eng. 2022. PMID: 35281543
3. Kuschel T, Reiss G. Charges ride the spin wave. Nat Nanotechnol. 2015;10(1):22-24. doi:10.1038/nnano.2014.279
"""


def _import(path: Path, cache: Path) -> str:
    code, out, err = run_cli("cache", "import", str(path), "--cache-dir", str(cache))
    assert code == 0, err
    return out


def test_retraction_watch_findings_offline_with_no_request(fake, data, tmp_path):
    out = _import(data / "retractionwatch/paperqa_stub_retractions.csv", tmp_path / "cache")
    assert "imported 20 retractionwatch records" in out
    draft = tmp_path / "draft.md"
    draft.write_text(RW_DRAFT, encoding="utf-8")
    _, found, _ = check(draft, tmp_path / "cache", "--offline")
    assert fake.count() == 0
    retracted = {f["reference"]: f for f in found if f["rule"] == "CA305"}
    assert sorted(retracted) == [1, 2]
    (notice,) = retracted[1]["evidence"]["notices"]
    assert notice == {"kind": "retraction", "doi": "10.1155/2023/9756480", "pmid": "37476288",
                      "date": "2023-07-12", "source": "Retraction Watch",
                      "reason": notice["reason"]}
    assert notice["reason"].startswith("Concerns/Issues About Data; ") and "+" not in notice["reason"]
    assert "notice DOI 10.1155/2023/9756480, 2023-07-12; reason: Concerns/Issues About Data" in retracted[1]["message"]
    assert retracted[2]["evidence"]["notices"][0]["doi"] == "10.1155/2023/9812053"  # found by PMID alone
    assert not [f for f in found if f["reference"] == 3 and f["rule"] in ("CA305", "CA306")]


def _write_rw(path: Path, rows: list[dict[str, str]], data: Path) -> Path:
    """A Retraction Watch CSV with the real header and the given rows (other columns empty)."""
    with open(data / "retractionwatch/paperqa_stub_retractions.csv", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def test_corrections_and_expressions_of_concern_are_ca306_and_reimport_replaces(fake, data, tmp_path):
    cache = tmp_path / "cache"
    _import(data / "retractionwatch/paperqa_stub_retractions.csv", cache)
    rows = [
        {"Record ID": "1", "OriginalPaperDOI": "10.1155/2022/9172719", "OriginalPaperPubMedID": "0.0",
         "RetractionNature": "Expression of concern", "RetractionDate": "3/1/2023 0:00",
         "RetractionDOI": "10.1155/2023/1111111", "Reason": "+Concerns/Issues About Data;"},
        {"Record ID": "2", "OriginalPaperDOI": "10.1038/nnano.2014.279", "OriginalPaperPubMedID": "",
         "RetractionNature": "Correction", "RetractionDate": "2/2/2016 0:00",
         "RetractionDOI": "10.1038/nnano.2016.1", "Reason": "+Error in Figure/Graph;"},
    ]
    _import(_write_rw(tmp_path / "rw.csv", rows, data), cache)
    draft = tmp_path / "draft.md"
    draft.write_text(RW_DRAFT, encoding="utf-8")
    _, found, _ = check(draft, cache, "--offline")
    assert fake.count() == 0
    # The second import replaced the first: reference 2's retraction is gone.
    assert sorted((f["rule"], f["reference"]) for f in found if f["rule"] in ("CA305", "CA306")) == [
        ("CA306", 1), ("CA306", 3)]
    concern = next(f for f in found if f["rule"] == "CA306" and f["reference"] == 1)
    assert "expression of concern" in concern["message"] and "2023-03-01" in concern["message"]
    assert concern["evidence"]["notices"][0]["kind"] == "expression-of-concern"
    correction = next(f for f in found if f["rule"] == "CA306" and f["reference"] == 3)
    assert "correction" in correction["message"] and "Error in Figure/Graph" in correction["message"]


def test_a_reinstatement_withdraws_the_retraction(data, tmp_path):
    cache = tmp_path / "cache"
    rows = [{"Record ID": "1", "OriginalPaperDOI": "10.1155/2022/9172719", "RetractionNature": "Retraction",
             "RetractionDate": "1/5/2023 0:00", "OriginalPaperPubMedID": "0"},
            {"Record ID": "2", "OriginalPaperDOI": "10.1155/2022/9172719", "RetractionNature": "Reinstatement",
             "RetractionDate": "6/5/2023 0:00", "OriginalPaperPubMedID": "0"}]
    _import(_write_rw(tmp_path / "rw.csv", rows, data), cache)
    draft = tmp_path / "draft.md"
    draft.write_text(RW_DRAFT, encoding="utf-8")
    _, found, _ = check(draft, cache, "--offline")
    assert not [f for f in found if f["rule"] in ("CA305", "CA306")]


def test_a_csv_without_the_columns_is_a_one_line_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Record ID,Title,OriginalPaperDOI\n1,x,10.1/x\n", encoding="utf-8")
    assert not looks_like(bad)
    code, _, err = run_cli("cache", "import", str(bad), "--cache-dir", str(tmp_path))
    assert code == 2 and str(bad) in err and len(err.strip().splitlines()) == 1


def test_us_and_iso_dates():
    assert iso_date("7/12/2023 0:00") == "2023-07-12"
    assert iso_date("2023-07-12 00:00:00") == "2023-07-12"
    assert iso_date("unknown") is None


# -- PMC identifiers -------------------------------------------------------------------

PMC_DRAFT = """# PMC

Vitamin D3 did not change the anti-EBV response [1]. The same trial, cited
with another work's PMCID [2].

## References

1. Rolf L, Muris AH, Mathias A, et al. Exploring the effect of vitamin D3 supplementation on the anti-EBV antibody response in relapsing-remitting multiple sclerosis. Mult Scler. 2018. PMID: 28731372. PMCID: PMC6108041
2. Rolf L, Muris AH, Mathias A, et al. Exploring the effect of vitamin D3 supplementation on the anti-EBV antibody response in relapsing-remitting multiple sclerosis. Mult Scler. 2018. PMID: 28731372. PMCID: PMC2883744
"""


def test_a_pmcid_of_another_work_is_ca303(fake, tmp_path):
    draft = tmp_path / "draft.md"
    draft.write_text(PMC_DRAFT, encoding="utf-8")
    _, found, _ = check(draft, tmp_path / "cache")
    conflicts = [f for f in found if f["rule"] == "CA303"]
    assert [f["reference"] for f in conflicts] == [2]
    evidence = conflicts[0]["evidence"]
    assert (evidence["pmcid"], evidence["pmc_pmid"], evidence["pmc_doi"]) == ("PMC2883744", "20495566", "10.1038/ng.590")
    assert "PMCID PMC2883744 names a different work" in conflicts[0]["message"]
    # PubMed's record of the cited PMID, whose title the reference carries, gives the right PMCID.
    assert conflicts[0]["fix"]["field"] == "pmcid" and conflicts[0]["fix"]["new"] == "PMC6108041"
    assert fake.count("idconv") == 1  # both PMCIDs in one request
    # The converter's answers are cached like every record: a warm or offline check asks nothing.
    for extra in ((), ("--offline",)):
        _, again, _ = check(draft, tmp_path / "cache", *extra)
        assert [f.get("fix") for f in again if f["rule"] == "CA303"] == [conflicts[0]["fix"]]
    assert fake.count("idconv") == 1


def test_pmcid_conflict_rules():
    pmc = Record(source="pmc", identifier="PMC1", work=Work(pmcid="PMC1", pmid="11", doi="10.1/a"))
    assert pmcid_conflict(pmc, "10.1/a", "11") is None
    assert pmcid_conflict(pmc, None, "12") == {"pmc_pmid": "11", "pmc_doi": "10.1/a"}
    assert pmcid_conflict(pmc, "10.1/b", None) == {"pmc_pmid": "11", "pmc_doi": "10.1/a"}
    # The PMID agrees: a wrong DOI is the DOI-PMID comparison's business, not the PMCID's.
    assert pmcid_conflict(pmc, "10.1/b", "11") is None


def test_pmcids_for_fix_and_unknown_pmcids(fake, tmp_path):
    asked = ["28731372", "https://doi.org/10.1038/NG.590", "99999999"]
    with Client() as client, open_cache(tmp_path) as cache:
        found = pmcids_for(asked, client, cache)
        (unknown,) = PmcIds().fetch(["PMC99999999"], client)
        assert fake.count("idconv") == 3  # PMIDs, DOIs, PMCIDs: one request each
        # Cached like every answer: asked again, or offline, nothing is sent.
        assert pmcids_for(asked, client, cache) == found
        assert pmcids_for(asked, None, cache) == found
    assert found == {"28731372": "PMC6108041", "10.1038/ng.590": "PMC2883744", "99999999": None}
    assert unknown.missing
    assert fake.count("idconv") == 3


def test_an_idconv_error_answer_is_unavailable_not_missing(fake, data):
    fake.fault("invalid", endpoint="idconv")
    with Client(retries=0) as client:
        (answer,) = PmcIds().fetch(["PMC6108041"], client)
    assert answer.error is not None and answer.error.reason == "malformed-response"


def test_cached_rows_of_the_new_registries_parse_back(fake, tmp_path):
    for name, text in (("data.md", DATACITE_DRAFT), ("pmc.md", PMC_DRAFT)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        check(tmp_path / name, tmp_path / "cache")
    with open_cache(tmp_path / "cache") as cache:
        rows = {r: cache.get_many(r, ["10.1371/notarealdoi", "10.13140/rg.2.2.10270.69443", "PMC6108041"])
                for r in ("doi", "datacite", "pmc")}
    assert rows["doi"]["10.1371/notarealdoi"].body is None
    assert DoiSystem().parse("x", rows["doi"]["10.13140/rg.2.2.10270.69443"].body).agency == "DataCite"
    cited = DataCite().parse("10.13140/rg.2.2.10270.69443", rows["datacite"]["10.13140/rg.2.2.10270.69443"].body)
    assert cited.work.year == 2020
    assert PmcIds().parse("PMC6108041", rows["pmc"]["PMC6108041"].body).work.pmid == "28731372"


def test_a_recorded_idconv_error_answer_is_malformed(data):
    from citeaudit.bib.http import Malformed
    from citeaudit.bib.idconv import _records

    with pytest.raises(Malformed, match="mismatch"):
        _records((data / "registry/idconv/idconv_error_type_mismatch.json").read_bytes())


@pytest.mark.parametrize("attributes", [
    {"doi": "10.1/x", "titles": [{"title": 5}]},
    {"doi": "10.1/x", "creators": [{"familyName": ["a"]}]},
    {"doi": "10.1/x", "container": {"volume": {"a": 1}}, "publicationYear": "twenty"},
])
def test_a_datacite_record_of_the_wrong_shape_is_malformed_or_read(attributes):
    from citeaudit.bib.http import Malformed

    body = json.dumps({"data": {"id": "10.1/x", "attributes": attributes}}).encode()
    try:
        record = DataCite().parse("10.1/x", body)
    except Malformed:
        return
    assert record.work.doi == "10.1/x"


def test_followers_come_after_what_they_follow_and_local_registries_first():
    from types import SimpleNamespace as R

    from citeaudit.bib.followup import ordered, split

    crossref, rw = R(name="crossref"), R(name="retractionwatch", local=True)
    datacite, doi = R(name="datacite", after="doi"), R(name="doi", after="crossref")
    direct, later = split([crossref, datacite, rw, doi])
    assert direct == [crossref]
    assert [r.name for r in ordered(later)] == ["retractionwatch", "doi", "datacite"]
    # A cycle is asked in registration order rather than never.
    a, b = R(name="a", after="b"), R(name="b", after="a")
    assert [r.name for r in ordered([a, b])] == ["a", "b"]
