"""`citeaudit fix`: identifiers restored, years corrected, invented entries left alone, nothing else touched.

The world is the 'Blue Light for Acne' MEDLINE library (tests/data/support/blue-light.nbib),
served by the loopback fake registry as Crossref works and PubMed articles. The library
fixed is made from the same real records with identifiers stripped, years shifted and
invented entries mixed in.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DATA, run_cli
from fakeregistry import FakeRegistry, add_medline

NBIB = DATA / "support" / "blue-light.nbib"

INVENTED = {
    "okonkwo2016": ("Okonkwo, Adaeze and Lindqvist, Per", "Narrowband violet light therapy for inflammatory "
                    "acne in adolescents: a multicentre randomised sham-controlled trial",
                    "J Cosmet Laser Ther", "2016", "18", "211--217"),
    "haverkamp2019": ("Haverkamp, Joris", "Blue light irradiation suppresses sebocyte lipogenesis through "
                      "a photoreceptor-independent pathway in ex vivo human skin",
                      "Br J Dermatol", "2019", "181", "1022--1030"),
    "sato2014": ("Sato, Keiko and Moreau, Luc", "Home-use light-emitting diode devices for acne vulgaris: "
                 "a network meta-analysis of twenty-two trials", "Dermatol Ther", "2014", "27", "301--309"),
}


def _entry(key: str, record: dict, *, doi: bool = True, pmid: bool = True, year_shift: int = 0) -> str:
    doi_value = next(v[:-6] for v in record.get("LID", []) + record.get("AID", []) if v.endswith(" [doi]"))
    fields = [("author", " and ".join(record["FAU"])), ("title", record["TI"][0].rstrip(".")),
              ("journal", record["TA"][0]), ("year", str(int(record["DP"][0][:4]) + year_shift)),
              ("volume", record["VI"][0])]
    if record.get("IP"):
        fields.append(("number", record["IP"][0]))
    fields.append(("pages", record["PG"][0].replace("-", "--")))
    if doi:
        fields.append(("doi", doi_value))
    if pmid:
        fields.append(("pmid", record["PMID"][0]))
    body = ",\n".join(f"  {name:<7} = {{{value}}}" for name, value in fields)
    return f"@article{{{key},\n{body}\n}}\n"


def _invented(key: str) -> str:
    author, title, journal, year, volume, pages = INVENTED[key]
    return (f"@article{{{key},\n  author  = {{{author}}},\n  title   = {{{title}}},\n"
            f"  journal = {{{journal}}},\n  year    = {{{year}}},\n  volume  = {{{volume}}},\n"
            f"  pages   = {{{pages}}}\n}}\n")


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch):
    with FakeRegistry() as fake:
        records = add_medline(fake, NBIB)
        fake.use(monkeypatch)
        yield fake, records


@pytest.fixture
def library(world, tmp_path: Path):
    """(path, text, what was done to which key) of a library built from the served records."""
    fake, records = world
    pmids = [p for p, r in records.items() if r.get("TA") and r.get("VI") and r.get("PG")][:16]
    plan = {"intact": pmids[0:4], "stripped": pmids[4:9], "no_pmid": pmids[9:11], "no_doi": pmids[11:12],
            "shifted": pmids[12:15], "shifted_stripped": pmids[15:16]}
    parts = ["% A library made from real MEDLINE records for citeaudit's fix tests.\n",
             '@string{jdd = "J Drugs Dermatol"}\n', '@preamble{"\\newcommand{\\noop}[1]{}"}\n']
    keys: dict[str, str] = {}
    for group, chosen in plan.items():
        for pmid in chosen:
            key = f"r{pmid}"
            keys[key] = group
            record = records[pmid]
            parts.append(_entry(key, record,
                                doi=group not in ("stripped", "no_doi", "shifted_stripped"),
                                pmid=group not in ("stripped", "no_pmid", "shifted_stripped"),
                                year_shift={"shifted": 3, "shifted_stripped": 1}.get(group, 0)))
            parts.append("\n")
    for key in INVENTED:
        keys[key] = "invented"
        parts.append(_invented(key) + "\n")
    path = tmp_path / "library.bib"
    text = "".join(parts)
    path.write_text(text, encoding="utf-8")
    return path, text, keys, records


def _entries(text: str) -> dict[str, str]:
    """Entry text by key, for byte comparisons."""
    import re

    starts = [(m.start(), m.group(1)) for m in re.finditer(r"^@\w+\{([^,\s]+),", text, re.MULTILINE)]
    return {key: text[start:(starts[i + 1][0] if i + 1 < len(starts) else len(text))]
            for i, (start, key) in enumerate(starts)}


def test_fix_restores_identifiers_corrects_years_and_invents_nothing(world, library):
    fake, _ = world
    path, text, keys, records = library
    code, out, err = run_cli("fix", str(path), "--format", "json")
    assert code == 0, err
    log = json.loads(out)
    assert log["schema"] == "citeaudit-fixes/1"
    output = Path(log["output"])
    assert output == path.with_name("library.fixed.bib")
    assert path.read_text(encoding="utf-8") == text  # the input is untouched
    fixed = output.read_text(encoding="utf-8")
    changes = {(c["key"], c["field"]): c for c in log["changes"]}
    for key, group in keys.items():
        pmid = key[1:]
        if group in ("stripped", "no_doi", "shifted_stripped"):
            record = records[pmid]
            doi = next(v[:-6] for v in record.get("LID", []) + record.get("AID", []) if v.endswith(" [doi]"))
            assert changes[(key, "doi")]["new"] == doi.lower(), key
        if group in ("stripped", "no_pmid", "shifted_stripped"):
            assert changes[(key, "pmid")]["new"] == pmid, key
        if group in ("shifted", "shifted_stripped") and group == "shifted":
            assert changes[(key, "year")]["new"] == records[pmid]["DP"][0][:4], key
        if group == "invented":
            assert not any(k == key for k, _ in changes), key
    # Unchanged entries (and the comment, @string, @preamble) are byte for byte as they were.
    before, after = _entries(text), _entries(fixed)
    assert list(before) == list(after)
    changed_keys = {c["key"] for c in log["changes"]}
    unchanged = [key for key in before if key not in changed_keys]
    assert len(unchanged) >= len(INVENTED)
    for key in unchanged:
        assert before[key] == after[key], key
    assert fixed.startswith(text[: text.index("@article")])
    # The loader reads the fixed copy, with the identifiers in it.
    from citeaudit.bib.bibtex import load_library

    fixed_library = load_library([output])
    assert not fixed_library.problems
    assert sum(1 for e in fixed_library.entries if e.work.doi) == sum(1 for g in keys.values() if g != "invented")
    # One search per entry that needed one, plus a handful of batched requests.
    searched = sum(1 for g in keys.values() if g in ("stripped", "shifted_stripped", "invented"))
    assert fake.count("search") == searched
    assert fake.count() - fake.count("search") <= 6
    assert log["requests"] == fake.count()


def test_a_second_run_asks_nothing_and_dry_run_writes_nothing(world, library):
    fake, _ = world
    path, text, keys, _ = library
    code, first, err = run_cli("fix", str(path), "--dry-run")
    assert code == 0, err
    assert not path.with_name("library.fixed.bib").exists()
    assert "(dry run: nothing written)" in first
    asked = fake.count()
    code, second, err = run_cli("fix", str(path), "--dry-run", "--offline")
    assert code == 0, err
    assert fake.count() == asked  # everything came from the cache
    assert second == first


def test_offline_without_cache_says_what_it_could_not_look_up(world, library):
    fake, _ = world
    path, _, keys, _ = library
    code, out, err = run_cli("fix", str(path), "--offline", "--dry-run")
    assert code == 0, err
    assert fake.count() == 0
    line = next(line for line in out.splitlines() if line.startswith("could not look up"))
    assert "okonkwo2016 (offline and not in the cache)" in line


def test_select_limits_the_changes_and_output_never_replaces_the_input(world, library):
    path, text, keys, _ = library
    code, out, err = run_cli("fix", str(path), "--select", "year", "--format", "json")
    assert code == 0, err
    assert {c["field"] for c in json.loads(out)["changes"]} == {"year"}
    code, out, err = run_cli("fix", str(path), "--output", str(path))
    assert code == 2 and "refusing to overwrite" in err
    assert path.read_text(encoding="utf-8") == text
    code, out, err = run_cli("fix", str(path), "--select", "colour")
    assert code == 2 and "--select colour" in err


def test_text_log_has_one_line_per_change(world, library):
    path, _, keys, _ = library
    code, out, err = run_cli("fix", str(path))
    assert code == 0, err
    changes = [line for line in out.splitlines() if " -> " in line]
    code, log, err = run_cli("fix", str(path), "--format", "json", "--dry-run")
    assert len(changes) == len(json.loads(log)["changes"])
    assert any(line.startswith("r") and ": doi (none) -> 10." in line and "crossref-search, title" in line
               for line in changes)


def _real_and_invented_draft(records: dict, tmp_path: Path) -> tuple[str, dict, Path]:
    """A draft citing a real record (by its MEDLINE fields, no identifier) as [1] and an
    invented trial as [2]; returns the real record's PMID, the record and the draft."""
    pmid, record = next((p, r) for p, r in records.items() if r.get("TA") and r.get("VI") and r.get("PG"))
    family = record["FAU"][0].split(",")[0]
    draft = tmp_path / "draft.md"
    draft.write_text("# Review\n\nBlue light helps [1]. It may not [2].\n\n## References\n\n"
                     f"1. {family} A, et al. {record['TI'][0]} {record['TA'][0]}. {record['DP'][0][:4]};"
                     f"{record['VI'][0]}:{record['PG'][0]}.\n"
                     "2. Okonkwo A, Lindqvist P. Narrowband violet light therapy for inflammatory acne in "
                     "adolescents: a multicentre randomised sham-controlled trial. J Cosmet Laser Ther. "
                     "2016;18:211-7.\n", encoding="utf-8")
    return pmid, record, draft


def test_a_draft_gets_the_identifiers_of_its_references(world, tmp_path: Path):
    fake, records = world
    pmid, record, draft = _real_and_invented_draft(records, tmp_path)
    out_path = tmp_path / "draft.fixed.md"
    code, out, err = run_cli("fix", str(draft), "--output", str(out_path))
    assert code == 0, err
    fixed = out_path.read_text(encoding="utf-8").splitlines()
    doi = next(v[:-6] for v in record.get("LID", []) + record.get("AID", []) if v.endswith(" [doi]"))
    assert fixed[6].endswith(f"doi:{doi.lower()} PMID: {pmid}")
    assert fixed[7].endswith("2016;18:211-7.")
    code, out, err = run_cli("fix", str(tmp_path / "x.docx")) if (tmp_path / "x.docx").write_bytes(b"PK") else (0, "", "")
    assert code == 2 and "not supported" in err


def test_bib_reports_ca310_on_every_invented_entry_and_no_real_one(world, library):
    fake, _ = world
    path, _, keys, records = library
    code, out, err = run_cli("bib", str(path), "--format", "json", "--fail-on", "never")
    assert code == 0, err
    findings = json.loads(out)["documents"][0]["findings"]
    flagged = {f["key"] for f in findings if f["rule"] == "CA310"}
    assert flagged == {k for k, g in keys.items() if g == "invented"}
    # The real entries without identifiers were found: CA205 offers the DOI as its fix.
    fixes = {f["key"]: f.get("fix") for f in findings if f["rule"] == "CA205"}
    for key, group in keys.items():
        if group in ("stripped", "shifted_stripped"):
            assert fixes[key]["field"] == "doi" and fixes[key]["new"].startswith("10."), key
            assert fixes[key]["source"] == "crossref-search"
    assert all(fixes[k] is None for k, g in keys.items() if g == "invented")
    # Cached like every record: a second, offline run finds the same.
    asked = fake.count()
    code, again, err = run_cli("bib", str(path), "--format", "json", "--fail-on", "never", "--offline")
    assert fake.count() == asked
    assert {f["key"] for f in json.loads(again)["documents"][0]["findings"] if f["rule"] == "CA310"} == flagged


def test_books_reports_and_web_pages_are_never_ca310(world, tmp_path: Path):
    path = tmp_path / "grey.bib"
    path.write_text("@book{who2020, author = {{World Health Organization}}, title = {Guidelines on the "
                    "management of acne vulgaris in primary care settings}, publisher = {WHO}, year = {2020}}\n"
                    "@techreport{nice2021, author = {Smith, Ann}, title = {Acne vulgaris: management in "
                    "adults and young people}, institution = {NICE}, year = {2021}}\n"
                    "@online{aad2022, author = {Jones, Bob}, title = {Acne: diagnosis and treatment for "
                    "patients}, url = {https://example.org/acne}, year = {2022}}\n", encoding="utf-8")
    code, out, err = run_cli("bib", str(path), "--format", "json", "--fail-on", "never")
    assert code == 0, err
    assert not [f for f in json.loads(out)["documents"][0]["findings"] if f["rule"] == "CA310"]
    assert world[0].count("search") == 0


def test_check_flags_an_invented_reference_and_completes_a_real_one(world, tmp_path: Path):
    fake, records = world
    pmid, record, draft = _real_and_invented_draft(records, tmp_path)
    code, out, err = run_cli("check", str(draft), "--format", "json", "--fail-on", "never")
    assert code == 0, err
    findings = json.loads(out)["documents"][0]["findings"]
    assert [f["reference"] for f in findings if f["rule"] == "CA310"] == [2]
    (ca205,) = [f for f in findings if f["rule"] == "CA205" and f["reference"] == 1]
    assert ca205["fix"]["new"] == next(v[:-6] for v in record["LID"] + record.get("AID", [])
                                       if v.endswith(" [doi]")).lower()


def test_journal_style_full_and_abbrev(world, library):
    path, _, keys, records = library
    code, out, err = run_cli("fix", str(path), "--journal-style", "full", "--select", "journal",
                             "--format", "json", "--dry-run")
    assert code == 0, err
    changes = json.loads(out)["changes"]
    real = [k for k, g in keys.items() if g != "invented"]
    assert {c["key"] for c in changes} <= set(real) and changes
    for change in changes:
        assert change["field"] == "journal"
        assert change["new"].replace(" :", ":") == records[change["key"][1:]]["JT"][0].replace(" :", ":")
    code, out, err = run_cli("fix", str(path), "--journal-style", "abbrev", "--select", "journal",
                             "--format", "json", "--dry-run")
    assert json.loads(out)["changes"] == []  # the library already uses the abbreviations


def test_a_preprint_is_replaced_by_its_published_version(recorded_registry, tmp_path: Path):
    # The corpus holds the bioRxiv preprint's real Crossref record (is-preprint-of
    # 10.1016/j.xgen.2025.100814) but not the published version's: this stand-in carries
    # only the fields the replacement copies, so the test can see them copied.
    recorded_registry.add_work({"DOI": "10.1016/j.xgen.2025.100814", "type": "journal-article",
                                "title": ["High-throughput screening of human genetic variants by pooled "
                                          "prime editing"], "author": [{"family": "Herger", "given": "M"}],
                                "container-title": ["Cell Genomics"], "volume": "5", "issue": "4",
                                "page": "100814", "issued": {"date-parts": [[2025, 4, 9]]}})
    path = tmp_path / "pre.bib"
    text = ("@misc{herger2024,\n  author = {Herger, Michael and Kajba, Christina M.},\n"
            "  title  = {High-throughput screening of human genetic variants by pooled prime editing},\n"
            "  year   = {2024},\n  doi    = {10.1101/2024.04.01.587366},\n"
            "  note   = {bioRxiv}\n}\n")
    path.write_text(text, encoding="utf-8")
    code, out, err = run_cli("fix", str(path), "--format", "json", "--select", "preprint")
    assert code == 0, err
    fixed = path.with_name("pre.fixed.bib").read_text(encoding="utf-8")
    assert fixed.startswith("@article{herger2024,")
    assert "doi    = {10.1016/j.xgen.2025.100814}" in fixed
    assert "note   = {bioRxiv; Preprint: doi:10.1101/2024.04.01.587366}" in fixed
    assert "journal = {Cell Genomics}" in fixed and "year   = {2025}" in fixed
    from citeaudit.bib.bibtex import load_library

    entry = load_library([path.with_name("pre.fixed.bib")]).entries[0]
    assert (entry.key, entry.work.doi, entry.work.volume, entry.work.pages) == \
        ("herger2024", "10.1016/j.xgen.2025.100814", "5", "100814")


def test_ecitmatch_finds_what_crossref_lacks_in_one_batched_request(world, tmp_path: Path):
    fake, records = world
    usable = [(p, r) for p, r in records.items() if r.get("TA") and r.get("VI") and r.get("PG")][:3]
    parts = []
    for pmid, record in usable:
        doi = next(v[:-6] for v in record.get("LID", []) + record.get("AID", []) if v.endswith(" [doi]"))
        del fake.works[doi.lower()]  # Crossref does not know these: only PubMed can find them
        parts.append(_entry(f"r{pmid}", record, doi=False, pmid=False))
    path = tmp_path / "pubmed-only.bib"
    path.write_text("\n".join(parts), encoding="utf-8")
    code, out, err = run_cli("fix", str(path), "--format", "json", "--dry-run")
    assert code == 0, err
    changes = {(c["key"], c["field"]): c for c in json.loads(out)["changes"]}
    for pmid, _ in usable:
        assert changes[(f"r{pmid}", "pmid")]["new"] == pmid
        assert changes[(f"r{pmid}", "pmid")]["source"] == "ecitmatch"
        assert changes[(f"r{pmid}", "doi")]["source"] == "pubmed"
    (request,) = [r for r in fake.requests if r.endpoint == "ecitmatch"]
    assert request.query["bdata"][0].count("\r") == len(usable) - 1  # one request, lines joined by %0D


def test_the_transport_slows_to_the_rate_crossref_announces():
    from citeaudit.bib.http import Client

    client = Client(rates={"crossref": 10.0})
    client.adopt_rate_limit("crossref", {"X-Rate-Limit-Limit": "5", "X-Rate-Limit-Interval": "1s"})
    assert client.rates["crossref"] == 5.0
    client.adopt_rate_limit("crossref", {"X-Rate-Limit-Limit": "50", "X-Rate-Limit-Interval": "1s"})
    assert client.rates["crossref"] == 5.0  # never faster than before
    client.close()
