"""CA203 reference-not-in-library suggests the library entry to add, made from the registry record
(or, without records, from the reference), and every reporter shows it aimed at the .bib file.

The world is the 'Blue Light for Acne' MEDLINE library (tests/data/support/blue-light.nbib)
served by the loopback fake registry.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli
from fakeregistry import FakeRegistry, add_medline, medline_doi
from paths import DATA
from sample_reports import validate_sarif

from citeaudit.bib.bibtex import load_library

INVENTED = ("Okonkwo A, Lindqvist P. Narrowband violet light therapy for inflammatory acne in adolescents: "
            "a multicentre randomised sham-controlled trial. J Cosmet Laser Ther. 2016;18:211-7.")
LIBRARY = "% the author's library\n@article{nikolis2018,\n  author = {Nobody, A},\n  title = {Another work},\n}\n"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """(fake, the record cited by DOI, the record cited by its text, draft, library)."""
    with FakeRegistry() as fake:
        records = add_medline(fake, DATA / "support" / "blue-light.nbib")
        usable = [r for r in records.values() if r.get("TA") and r.get("VI") and r.get("PG")]
        by_doi = next(r for r in usable if r["FAU"][0].startswith("Nikolis"))
        by_text = next(r for r in usable if r is not by_doi)
        family = by_text["FAU"][0].split(",")[0]
        draft = tmp_path / "draft.md"
        draft.write_text(
            "# Review\n\nBlue light helps [1, 2]. It may not [3]. Or it may [4].\n\n## References\n\n"
            f"1. Nikolis A, et al. {by_doi['TI'][0]} doi:{medline_doi(by_doi)}\n"
            f"2. {family} A, et al. {by_text['TI'][0]} {by_text['TA'][0]}. {by_text['DP'][0][:4]};"
            f"{by_text['VI'][0]}:{by_text['PG'][0]}.\n"
            f"3. {INVENTED}\n"
            f"4. Nikolis A, et al. A wholly different study of something else. doi:{medline_doi(by_doi)}\n",
            encoding="utf-8")
        library = tmp_path / "library.bib"
        library.write_text(LIBRARY, encoding="utf-8")
        yield fake.use(monkeypatch), by_doi, by_text, draft, library


def _check(draft: Path, library: Path, *extra: str) -> tuple[int, str]:
    code, out, err = run_cli("check", str(draft), "--bib", str(library), "--fail-on", "never", *extra)
    assert code == 0, err
    return code, out


def _fixes(out: str) -> dict[int, dict | None]:
    return {f["reference"]: f.get("fix") for f in json.loads(out)["documents"][0]["findings"] if f["rule"] == "CA203"}


def test_the_entry_comes_from_the_record_and_loads_as_the_cited_work(world):
    fake, by_doi, by_text, draft, library = world
    fixes = _fixes(_check(draft, library, "--format", "json")[1])
    assert set(fixes) == {1, 2, 3, 4}
    # 3 exists nowhere (CA310) and 4's DOI names another work (CA304): nothing to add for them.
    assert fixes[3] is None and fixes[4] is None
    for number, record in ((1, by_doi), (2, by_text)):
        fix = fixes[number]
        assert (fix["field"], fix["old"], fix["source"], fix["target"]) == ("entry", None, "crossref", str(library))
        added = library.with_name(f"added{number}.bib")
        added.write_text(LIBRARY + "\n" + fix["new"], encoding="utf-8")
        loaded = load_library([added])
        assert not loaded.problems
        entry = loaded.entries[1]
        assert (entry.work.doi, entry.work.pmid, entry.work.year, entry.work.volume) == \
            (medline_doi(record), record["PMID"][0], int(record["DP"][0][:4]), record["VI"][0])
        assert entry.work.title.rstrip(".") == record["TI"][0].rstrip(".")
        assert entry.work.first_author.family == record["FAU"][0].split(",")[0]
    # The library has a nikolis2018 already: the new key does not take it.
    assert fixes[1]["new"].startswith("@article{nikolis2018a,\n")


def test_text_stays_short_and_sarif_inserts_into_the_library_not_the_draft(world, monkeypatch, tmp_path):
    fake, by_doi, by_text, draft, library = world
    _, text = _check(draft, library, "--no-color")
    (line,) = [line for line in text.splitlines() if "CA203" in line and "reference 1 " in line]
    assert line.endswith("(suggested: add @article{nikolis2018a, …} to library.bib)")
    monkeypatch.chdir(tmp_path)
    _, out = _check(draft, library, "--format", "sarif")
    log = json.loads(out)
    validate_sarif(log)
    changes = [c for r in log["runs"][0]["results"] if r["ruleId"] == "CA203" for f in r.get("fixes", [])
               for c in f["artifactChanges"]]
    assert len(changes) == 2
    assert {c["artifactLocation"]["uri"] for c in changes} == {"library.bib"}
    # Applying one change gives the library with the entry after its last line, and nothing else.
    (replacement,) = changes[0]["replacements"]
    region, lines = replacement["deletedRegion"], LIBRARY.splitlines(keepends=True)
    assert (region["startLine"], region["startColumn"]) == (len(lines), len(lines[-1].rstrip("\n")) + 1)
    assert region["startLine"] == region["endLine"] and region["startColumn"] == region["endColumn"]
    head = "".join(lines[:-1]) + lines[-1].rstrip("\n")
    patched = head + replacement["insertedContent"]["text"] + "\n"
    assert patched.startswith(LIBRARY.rstrip("\n") + "\n\n@article{nikolis2018a,")
    assert [e.key for e in load_library([_write(tmp_path / "patched.bib", patched)]).entries] == \
        ["nikolis2018", "nikolis2018a"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_html_shows_the_whole_entry_and_word_the_short_form(world, tmp_path):
    fake, by_doi, by_text, draft, library = world
    report = tmp_path / "report.html"
    _check(draft, library, "--format", "html", "--output", str(report))
    html = report.read_text(encoding="utf-8")
    assert "Suggested: add @article{nikolis2018a, …} to library.bib" in html
    assert '<pre class="fix-entry">@article{nikolis2018a,\n  author = {Nikolis, ' in html
    from citeaudit.model import Finding, Fix
    from citeaudit.plugins.docx.report import Anchor, comment_lines

    fix = Fix("entry", None, "@article{smith2018,\n  title = {T},\n}\n", "crossref", target="refs/library.bib")
    finding = Finding("CA203", "reference 1 matches no entry of the library", fix=fix)
    assert comment_lines(Anchor(None, 0, None, "", (finding,), "reference"))[-1] == \
        "Suggested: add @article{smith2018, …} to library.bib"


def test_offline_without_records_the_entry_is_the_reference_as_written(world):
    fake, by_doi, by_text, draft, library = world
    fixes = _fixes(_check(draft, library, "--format", "json", "--offline")[1])
    assert fake.count() == 0
    assert fixes[2]["source"] == "reference"
    from citeaudit.explain import fix_text
    from citeaudit.model import Finding, Fix

    finding = Finding("CA203", "m", fix=Fix("entry", None, fixes[2]["new"], "reference", target=str(library)))
    assert fix_text(finding).endswith("to library.bib (from the reference as written).")
    family, year = by_text["FAU"][0].split(",")[0], by_text["DP"][0][:4]
    assert fixes[2]["new"] == (
        f"@article{{{family.lower()}{year},\n  author = {{{family}, A}},\n"
        f"  title = {{{by_text['TI'][0].rstrip('.')}}},\n"
        f"  journal = {{{by_text['TA'][0]}}},\n  year = {{{year}}},\n  volume = {{{by_text['VI'][0]}}},\n"
        f"  pages = {{{by_text['PG'][0].replace('-', '--')}}},\n}}\n")
    # The invented reference is not known to be invented offline: it is offered as written.
    assert fixes[3]["new"].startswith("@article{okonkwo2016,\n  author = {Okonkwo, A and Lindqvist, P},")


def test_an_ambiguous_reference_gets_no_entry(recorded_registry, tmp_path):
    library = _write(tmp_path / "dup.bib", "".join(
        f"@article{{{key},\n  author = {{Smith, Ann}},\n  title = {{Blue light for acne: a trial}},\n"
        "  journal = {J Derm},\n  year = {2019},\n}\n" for key in ("smith2019", "smith2019b")))
    draft = _write(tmp_path / "d.md", "# R\n\nA [1].\n\n## References\n\n"
                                      "1. Smith A. Blue light for acne: a trial. J Derm. 2019.\n")
    code, out, err = run_cli("check", str(draft), "--bib", str(library), "--format", "json", "--fail-on", "never",
                             "--offline")
    (ca203,) = [f for f in json.loads(out)["documents"][0]["findings"] if f["rule"] == "CA203"]
    assert ca203["evidence"]["ambiguous"] and "fix" not in ca203


def test_a_pmid_pubmed_lacks_is_never_copied_into_the_entry(world, tmp_path):
    fake, by_doi, by_text, _, library = world
    pmid = by_text["PMID"][0]
    wrong = next(pmid[:-1] + d for d in "0123456789" if pmid[:-1] + d != pmid
                 and pmid[:-1] + d not in fake.articles)
    family = by_text["FAU"][0].split(",")[0]
    draft = _write(tmp_path / "pmid.md", "# R\n\nA [1]. B [2].\n\n## References\n\n"
                   f"1. {family} A, et al. {by_text['TI'][0]} {by_text['TA'][0]}. {by_text['DP'][0][:4]};"
                   f"{by_text['VI'][0]}:{by_text['PG'][0]}. PMID: {wrong}\n"
                   f"2. Nikolis A, et al. {by_doi['TI'][0]} doi:{medline_doi(by_doi)} PMID: 1\n")
    for extra in ((), ("--offline",)):  # online, then from the cache
        fixes = _fixes(_check(draft, library, "--format", "json", *extra)[1])
        assert f"  pmid = {{{pmid}}}," in fixes[1]["new"] and wrong not in fixes[1]["new"]
        assert f"  pmid = {{{by_doi['PMID'][0]}}}," in fixes[2]["new"] and "pmid = {1}" not in fixes[2]["new"]
