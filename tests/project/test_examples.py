"""The bundled example does what README and examples/README.md say."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli
from paths import EXAMPLES

PLANTED = [
    ("CA101", 22, 17),    # [14, 15, 17] in a list of sixteen
    ("CA204", None, 5),   # reference 5's year 2002 became 2003 in the draft
    ("CA204", None, 9),   # reference 9's second author Katsambas became Katsambos
    ("CA304", None, 5),   # ... and the registry records say 2002
    ("CA304", None, 9),   # ... and name Katsambas
    ("CA306", None, 16),  # the PNAS article has a Crossref correction notice
    ("CA401", 14, 9),     # "benzoyl peroxide" became "isotretinoin"
    ("CA402", 13, 9),     # 107 patients became 170
    ("CA403", 17, 12),    # a randomised controlled trial became "a prospective cohort study"
    ("CA404", 2, 1),      # isotretinoin, "a retinoid", became "a biologic"
]
"""(rule, claim, reference or citation) of every planted defect, as examples/README.md lists them."""


@pytest.fixture
def snapshot_cache() -> None:
    code, out, err = run_cli("cache", "import", *map(str, sorted((EXAMPLES / "snapshot").iterdir())))
    assert code == 0, err
    assert "imported 16 crossref records" in out and "imported 15 pubmed records" in out


def _check(name: str) -> tuple[int, dict]:
    code, out, err = run_cli("check", str(EXAMPLES / name), "--bib", str(EXAMPLES / "library.bib"),
                             "--offline", "--format", "json")
    assert code in (0, 1), err
    return code, json.loads(out)["documents"][0]


def test_the_readme_example_checks_every_claim_against_an_abstract(snapshot_cache: None):
    code, doc = _check("review.md")
    assert code == 0
    assert doc["findings"] == []
    assert doc["unchecked"] == []
    assert len(doc["claims"]) >= 20
    assert all(r["doi"] and r["pmid"] and r["library_key"] for r in doc["references"])


def test_every_cited_work_has_a_pubmed_abstract_in_the_snapshot():
    from lxml import etree

    doc = (EXAMPLES / "review.md").read_text(encoding="utf-8")
    root = etree.parse(str(EXAMPLES / "snapshot" / "pubmed.xml"))
    abstracts = {a.findtext("MedlineCitation/PMID"): "".join(a.find(".//Abstract").itertext())
                 for a in root.iterfind("PubmedArticle")}
    cited = {line.rsplit("PMID: ", 1)[1] for line in doc.splitlines() if "PMID: " in line}
    assert len(cited) == 15 and cited <= set(abstracts)
    assert all(len(abstracts[p]) > 300 for p in cited)


def test_the_flawed_example_shows_exactly_its_planted_defects(snapshot_cache: None):
    code, doc = _check("review-flawed.md")
    assert code == 1
    found = sorted(((f["rule"], f["claim"], f["reference"] or f["citation"]) for f in doc["findings"]),
                   key=lambda t: (t[0], t[1] or 0, t[2] or 0))
    assert found == sorted(PLANTED, key=lambda t: (t[0], t[1] or 0, t[2] or 0))
    families = {f["rule"][:3] for f in doc["findings"]}
    assert families == {"CA1", "CA2", "CA3", "CA4"}
    (ca404,) = [f for f in doc["findings"] if f["rule"] == "CA404"]
    assert "isotretinoin" in ca404["message"] and "biologic" in ca404["message"]


def test_the_planted_defects_are_documented():
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for rule, _, _ in PLANTED:
        assert rule in readme


def test_the_text_report_of_the_clean_example_has_nothing_unchecked(snapshot_cache: None):
    code, out, err = run_cli("check", str(EXAMPLES / "review.md"), "--bib", str(EXAMPLES / "library.bib"),
                             "--offline")
    assert code == 0, err
    assert "not checked" not in out and "CA205" not in out
    assert "22 claims, 15 references: 0 errors, 0 warnings, 0 infos" in out
