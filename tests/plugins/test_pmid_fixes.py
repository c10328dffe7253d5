"""CA302 pmid-not-found offers the right PMID: by the reference's DOI through the batched
esearch, else (no DOI) through ECitMatch; and `citeaudit fix` replaces such a PMID.

The world is the 'Blue Light for Acne' MEDLINE library (tests/data/support/blue-light.nbib)
served by the loopback fake registry. A mistyped PMID is one PubMed does not have.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli
from fakeregistry import FakeRegistry, add_medline, medline_doi
from paths import DATA


def _mistyped(pmid: str, served: dict) -> str:
    """A PMID one digit off that PubMed does not have."""
    for digit in "9876543210":
        wrong = pmid[:-1] + digit
        if wrong != pmid and wrong not in served:
            return wrong
    raise AssertionError(pmid)


def _citation(record: dict) -> str:
    family = record["FAU"][0].split(",")[0]
    return (f"{family} A, et al. {record['TI'][0]} {record['TA'][0]}. {record['DP'][0][:4]};"
            f"{record['VI'][0]}:{record['PG'][0]}.")


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch):
    with FakeRegistry() as fake:
        records = add_medline(fake, DATA / "support" / "blue-light.nbib")
        usable = {p: r for p, r in records.items() if r.get("TA") and r.get("VI") and r.get("PG")}
        yield fake.use(monkeypatch), usable


def _draft(tmp_path: Path, lines: list[str]) -> Path:
    draft = tmp_path / "draft.md"
    draft.write_text("# Review\n\nBlue light helps [1-%d].\n\n## References\n\n" % len(lines)
                     + "".join(f"{n}. {line}\n" for n, line in enumerate(lines, 1)), encoding="utf-8")
    return draft


def _ca302(draft: Path, *extra: str) -> dict[int, dict | None]:
    code, out, err = run_cli("check", str(draft), "--format", "json", "--fail-on", "never", *extra)
    assert code == 0, err
    return {f["reference"]: f.get("fix") for f in json.loads(out)["documents"][0]["findings"] if f["rule"] == "CA302"}


def test_ca302_offers_the_pmid_of_the_doi_or_of_the_citation(world, tmp_path: Path):
    fake, usable = world
    chosen = list(usable.items())[:7]
    lines, expected = [], {}
    for number, (pmid, record) in enumerate(chosen, 1):
        if number <= 3:  # DOI and a mistyped PMID
            lines.append(f"{_citation(record)} doi:{medline_doi(record)} PMID: {_mistyped(pmid, usable)}")
        elif number <= 6:  # a mistyped PMID and no DOI
            lines.append(f"{_citation(record)} PMID: {_mistyped(pmid, usable)}")
        else:  # a DOI only: the search that existed before
            lines.append(f"{_citation(record)} doi:{medline_doi(record)}")
        expected[number] = pmid
    draft = _draft(tmp_path, lines)
    fixes = _ca302(draft)
    assert set(fixes) == {1, 2, 3, 4, 5, 6}
    for number in (1, 2, 3):
        assert fixes[number]["new"] == expected[number] and fixes[number]["source"] == "pubmed"
    for number in (4, 5, 6):
        assert fixes[number]["new"] == expected[number] and fixes[number]["source"] == "ecitmatch"
        assert fixes[number]["old"] == _mistyped(expected[number], usable)
    # However many references: one more esearch for the DOIs of the mistyped PMIDs, one ECitMatch
    # request for the citations without DOI, and an efetch after each.
    assert fake.count("esearch") == 2 and fake.count("ecitmatch") == 1 and fake.count("efetch") == 3
    first = [r for r in fake.requests if r.endpoint == "esearch"][1]
    assert all(f'"{medline_doi(r)}"[doi]' in first.query["term"][0] for _, r in chosen[:3])
    total = fake.count()
    assert total == 7  # and one Crossref batch
    # A warm run, and an offline one, ask nothing and offer the same fixes.
    assert _ca302(draft) == fixes and _ca302(draft, "--offline") == fixes
    assert fake.count() == total


def test_a_known_missing_pmid_joins_the_first_esearch(world, tmp_path: Path):
    fake, usable = world
    (pmid, record), (other, second) = list(usable.items())[:2]
    wrong = _mistyped(pmid, usable)
    # A first check learns (and caches) that the mistyped PMID does not exist.
    _ca302(_draft(tmp_path, [f"{_citation(record)} PMID: {wrong}"]))
    fake.requests.clear()
    fixes = _ca302(_draft(tmp_path, [f"{_citation(record)} doi:{medline_doi(record)} PMID: {wrong}",
                                     f"{_citation(second)} doi:{medline_doi(second)}"]))
    assert fixes == {1: {"field": "pmid", "old": wrong, "new": pmid, "source": "pubmed"}}
    (search,) = [r for r in fake.requests if r.endpoint == "esearch"]  # both DOIs in one request
    assert f'"{medline_doi(record)}"[doi]' in search.query["term"][0] and f'"{medline_doi(second)}"[doi]' in search.query["term"][0]


def test_no_fix_when_nothing_agrees(world, tmp_path: Path):
    fake, usable = world
    pmid, record = next(iter(usable.items()))
    # ECitMatch finds the citation's PMID, but the reference's title is another work's: no fix.
    citation = _citation(record).replace(record["TI"][0], "An unrelated title about something else entirely.")
    assert _ca302(_draft(tmp_path, [f"{citation} PMID: {_mistyped(pmid, usable)}"])) == {1: None}


def test_fix_replaces_a_pmid_pubmed_does_not_have(world, tmp_path: Path):
    fake, usable = world
    (pmid, record), (other, second) = list(usable.items())[:2]
    path = tmp_path / "lib.bib"
    wrong, wrong2 = _mistyped(pmid, usable), _mistyped(other, usable)
    path.write_text(
        f"@article{{a,\n  author = {{{' and '.join(record['FAU'])}}},\n  title = {{{record['TI'][0]}}},\n"
        f"  journal = {{{record['TA'][0]}}},\n  year = {{{record['DP'][0][:4]}}},\n  volume = {{{record['VI'][0]}}},\n"
        f"  pages = {{{record['PG'][0]}}},\n  doi = {{{medline_doi(record)}}},\n  pmid = {{{wrong}}}\n}}\n\n"
        f"@article{{b,\n  author = {{{' and '.join(second['FAU'])}}},\n  title = {{{second['TI'][0]}}},\n"
        f"  journal = {{{second['TA'][0]}}},\n  year = {{{second['DP'][0][:4]}}},\n  volume = {{{second['VI'][0]}}},\n"
        f"  pages = {{{second['PG'][0]}}},\n  pmid = {{{wrong2}}}\n}}\n", encoding="utf-8")
    code, out, err = run_cli("fix", str(path), "--format", "json", "--select", "pmid")
    assert code == 0, err
    changes = {c["key"]: (c["old"], c["new"], c["source"]) for c in json.loads(out)["changes"]}
    assert changes == {"a": (wrong, pmid, "pubmed-esearch"), "b": (wrong2, other, "ecitmatch")}
    fixed = path.with_name("lib.fixed.bib").read_text(encoding="utf-8")
    assert f"pmid = {{{pmid}}}" in fixed and f"pmid = {{{other}}}" in fixed and wrong not in fixed
