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
    draft.write_text(f"# Review\n\nBlue light helps [1-{len(lines)}].\n\n## References\n\n"
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
    term = search.query["term"][0]
    assert f'"{medline_doi(record)}"[doi]' in term and f'"{medline_doi(second)}"[doi]' in term


def test_no_fix_when_nothing_agrees(world, tmp_path: Path):
    fake, usable = world
    pmid, record = next(iter(usable.items()))
    # ECitMatch finds the citation's PMID, but the reference's title is another work's: no fix.
    citation = _citation(record).replace(record["TI"][0], "An unrelated title about something else entirely.")
    assert _ca302(_draft(tmp_path, [f"{citation} PMID: {_mistyped(pmid, usable)}"])) == {1: None}


def _library(tmp_path: Path, usable: dict) -> tuple[Path, list[tuple[str, str]]]:
    """A library of two real entries with mistyped PMIDs, the first with its DOI, the second without;
    and (right PMID, mistyped PMID) of each."""
    pairs, parts = [], []
    for key, (pmid, record) in zip("ab", list(usable.items())[:2], strict=True):
        wrong = _mistyped(pmid, usable)
        pairs.append((pmid, wrong))
        doi = f"  doi = {{{medline_doi(record)}}},\n" if key == "a" else ""
        parts.append(f"@article{{{key},\n  author = {{{' and '.join(record['FAU'])}}},\n"
                     f"  title = {{{record['TI'][0]}}},\n  journal = {{{record['TA'][0]}}},\n"
                     f"  year = {{{record['DP'][0][:4]}}},\n  volume = {{{record['VI'][0]}}},\n"
                     f"  pages = {{{record['PG'][0]}}},\n{doi}  pmid = {{{wrong}}}\n}}\n")
    path = tmp_path / "lib.bib"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path, pairs


def test_fix_replaces_a_pmid_pubmed_does_not_have(world, tmp_path: Path):
    fake, usable = world
    path, ((pmid, wrong), (other, wrong2)) = _library(tmp_path, usable)
    code, out, err = run_cli("fix", str(path), "--format", "json", "--select", "pmid")
    assert code == 0, err
    changes = {c["key"]: (c["old"], c["new"], c["source"]) for c in json.loads(out)["changes"]}
    assert changes == {"a": (wrong, pmid, "pubmed-esearch"), "b": (wrong2, other, "ecitmatch")}
    fixed = path.with_name("lib.fixed.bib").read_text(encoding="utf-8")
    assert f"pmid = {{{pmid}}}" in fixed and f"pmid = {{{other}}}" in fixed and wrong not in fixed


def test_bib_offers_the_pmid_as_a_sarif_replacement_in_the_library(world, tmp_path: Path, monkeypatch):
    fake, usable = world
    path, pairs = _library(tmp_path, usable)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("bib", str(path), "--format", "sarif", "--fail-on", "never")
    assert code == 0, err
    results = [r for r in json.loads(out)["runs"][0]["results"] if r["ruleId"] == "CA302"]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(results) == 2
    for result, (pmid, wrong) in zip(results, pairs, strict=True):
        (change,) = result["fixes"][0]["artifactChanges"]
        assert change["artifactLocation"]["uri"] == "lib.bib"
        (replacement,) = change["replacements"]
        region = replacement["deletedRegion"]
        line = lines[region["startLine"] - 1]
        assert line[region["startColumn"] - 1:region["endColumn"] - 1] == wrong
        assert replacement["insertedContent"]["text"] == pmid
