"""`citeaudit fix draft.md` finds PMIDs with ECitMatch, batched, for references Crossref cannot place.

The world is the 'Blue Light for Acne' MEDLINE library (tests/data/support/blue-light.nbib)
served by the loopback fake registry; the Crossref works of the cited records are taken
out, so only PubMed (through ECitMatch) can identify them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DATA, run_cli
from fakeregistry import FakeRegistry, add_medline, medline_doi

INVENTED = ("Okonkwo A, Lindqvist P. Narrowband violet light therapy for inflammatory acne in adolescents: "
            "a multicentre randomised sham-controlled trial. J Cosmet Laser Ther. 2016;18:211-7.")


@pytest.fixture
def pubmed_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """(fake registry, the cited records by PMID, draft) of three real references and an invented one."""
    with FakeRegistry() as fake:
        records = add_medline(fake, DATA / "support" / "blue-light.nbib")
        cited = dict([(p, r) for p, r in records.items() if r.get("TA") and r.get("VI") and r.get("PG")][:3])
        lines = []
        for number, (_pmid, record) in enumerate(cited.items(), 1):
            del fake.works[medline_doi(record)]  # Crossref does not know it: only ECitMatch can find it
            family = record["FAU"][0].split(",")[0]
            lines.append(f"{number}. {family} A, et al. {record['TI'][0]} {record['TA'][0]}. "
                         f"{record['DP'][0][:4]};{record['VI'][0]}:{record['PG'][0]}.")
        lines.append(f"4. {INVENTED}")
        draft = tmp_path / "draft.md"
        draft.write_text("# Review\n\nBlue light helps [1-3]. It may not [4].\n\n## References\n\n"
                         + "\n".join(lines) + "\n", encoding="utf-8")
        yield fake.use(monkeypatch), cited, draft


def test_references_crossref_lacks_get_their_pmid_from_one_ecitmatch_request(pubmed_only, tmp_path: Path):
    fake, cited, draft = pubmed_only
    output = tmp_path / "draft.fixed.md"
    code, out, err = run_cli("fix", str(draft), "--output", str(output), "--format", "json")
    assert code == 0, err
    log = json.loads(out)
    changes = {(c["key"], c["field"]): (c["new"], c["source"]) for c in log["changes"]}
    fixed = output.read_text(encoding="utf-8").splitlines()
    for number, (pmid, record) in enumerate(cited.items(), 1):
        assert changes[(f"reference {number}", "pmid")] == (pmid, "ecitmatch")
        assert changes[(f"reference {number}", "doi")] == (medline_doi(record), "pubmed")
        assert fixed[5 + number].endswith(f"doi:{medline_doi(record)} PMID: {pmid}")
    assert not any(key == "reference 4" for key, _ in changes)
    assert fixed[9] == f"4. {INVENTED}"
    assert log["not_found"] == ["reference 4"]  # the three ECitMatch found are not "found nowhere"
    # One search per reference, then one ECitMatch request for all four citations and one efetch.
    (request,) = [r for r in fake.requests if r.endpoint == "ecitmatch"]
    assert request.query["bdata"][0].count("\r") == 3
    assert (fake.count("search"), fake.count("ecitmatch"), fake.count("efetch")) == (4, 1, 1)
    assert log["requests"] == fake.count() == 6


def test_a_second_draft_fix_is_answered_from_the_cache(pubmed_only, tmp_path: Path):
    fake, cited, draft = pubmed_only
    code, first, err = run_cli("fix", str(draft), "--dry-run", "--format", "json")
    assert code == 0, err
    sent = fake.count()
    code, second, err = run_cli("fix", str(draft), "--dry-run", "--format", "json", "--offline")
    assert code == 0, err
    assert fake.count() == sent
    assert json.loads(second)["changes"] == json.loads(first)["changes"]
    assert len(json.loads(second)["changes"]) == 2 * len(cited)


def test_select_doi_takes_the_doi_of_the_record_ecitmatch_found(pubmed_only):
    fake, cited, draft = pubmed_only
    code, out, err = run_cli("fix", str(draft), "--dry-run", "--format", "json", "--select", "doi")
    assert code == 0, err
    assert [(c["field"], c["new"], c["source"]) for c in json.loads(out)["changes"]] == \
        [("doi", medline_doi(record), "pubmed") for record in cited.values()]
    assert fake.count("ecitmatch") == 1
