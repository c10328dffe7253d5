"""Loading BibTeX libraries: real exports, messy files and injected defects."""

from __future__ import annotations

from pathlib import Path

import pytest

from citeaudit.bib import bibtex
from citeaudit.bib.bibtex import decode_latex, load_library
from citeaudit.errors import InputError, LimitExceeded
from citeaudit.model import Person

ENTRY = """@article{{{key},
  author = {{Müller, Anna and Drucker, Aaron M.}},
  title = {{Dupilumab and {{IL-4}} signalling}},
  journal = {{Journal of the American Academy of Dermatology}},
  year = {{2018}},
  volume = {{78}},
  pages = {{62--69}},
}}
"""

DEFECTS = """@article{fleming2018,
  author = {Fleming, Patrick and Drucker, Aaron M.},
  title = {Risk of infection in patients with atopic dermatitis treated with dupilumab},
  journal = {J Am Acad Dermatol},
  year = {2018},
  doi = {10.1016/j.jaad.2017.09.052}
}

@article{fleming2018,
  title = {Duplicate key}
}

@article{copy,
  title = {Same DOI},
  doi = {https://doi.org/10.1016/J.JAAD.2017.09.052}
}

@article{baddoi,
  title = {Malformed},
  doi = {10.1016}
}

@article{broken,
  title = {Unbalanced {braces,
  year = 2020
}

@article{after,
  title = {Still read},
  year = 2021,
  pmid = {12345678}
}
"""


def write(tmp_path: Path, text: str, name: str = "lib.bib", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def codes(library) -> list[tuple[str, int | None, str | None]]:
    return [(f.rule, f.span.line, f.key) for f in library.problems]


def test_ghurault_eczema_exports_load_cleanly(data: Path) -> None:
    paths = sorted((data / "bib" / "ghurault").glob("*.bib"))
    library = load_library(paths)
    assert len(library.entries) == 14
    assert library.problems == ()
    assert all(e.work.doi for e in library.entries if e.entry_type == "article")
    holm = library.get("Holm2021")
    assert holm.work.pmid == "33730733"
    assert holm.work.authors[0] == Person("Holm", "Jesper Grønlund")
    mcaleer = library.get("https://doi.org/10.1111/bjd.17088")
    assert mcaleer.work.doi == "10.1111/bjd.17088"
    assert (mcaleer.work.volume, mcaleer.work.issue, mcaleer.work.pages) == ("180", "3", "586-596")
    assert mcaleer.span.part == str(paths[1])
    # Springer's export has no doi field: its key is the DOI.
    assert library.get("10.1007/978-3-030-59861-7_23").work.doi == "10.1007/978-3-030-59861-7_23"


def test_injected_defects_each_reported_with_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    library = load_library([write(tmp_path, DEFECTS)])
    assert sorted(codes(library), key=lambda c: c[1]) == [
        ("CA202", 9, "fleming2018"),
        ("CA202", 13, "copy"),
        ("CA206", 18, "baddoi"),
        ("CA201", 23, "broken"),
    ]
    assert [e.key for e in library.entries] == ["fleming2018", "copy", "baddoi", "after"]
    assert library.get("after").work.pmid == "12345678"
    broken = next(f for f in library.problems if f.rule == "CA201")
    assert "unbalanced" in broken.message and broken.path == str(tmp_path / "lib.bib")
    assert "'10.1016'" in next(f.message for f in library.problems if f.rule == "CA206")
    # pybtex reports errors by printing; none of it may reach the terminal.
    assert capsys.readouterr() == ("", "")


def test_clean_library_has_no_problems(tmp_path: Path) -> None:
    text = "".join(ENTRY.format(key=f"k{i}").replace("62--69", f"{i}--{i + 5}") for i in range(3))
    library = load_library([write(tmp_path, text)])
    assert library.problems == ()
    assert [e.span.line for e in library.entries] == [1, 9, 17]


def test_latex_is_decoded_and_raw_fields_kept(tmp_path: Path) -> None:
    text = r"""@article{k,
  author = {M{\"u}ller, J{\'e}r{\^o}me and {World Health Organization} and others},
  title = {{T}he {DNA} of {\&} 50\% -- \textit{in vitro}},
  journal = {Clin Exp Allergy},
  pages = {62--9},
}"""
    entry = load_library([write(tmp_path, text)]).entries[0]
    assert entry.work.authors == (Person("Müller", "Jérôme"), Person("World Health Organization"))
    assert entry.work.title == "The DNA of & 50% – in vitro"
    assert entry.work.pages == "62-9"
    assert entry.fields["title"] == r"{T}he {DNA} of {\&} 50\% -- \textit{in vitro}"


@pytest.mark.parametrize("raw, text", [
    (r"{\"u}ber", "über"), (r"\'e", "é"), (r"{\c c}a", "ça"), ("a~b", "a b"),
    (r"$\alpha$-synuclein", "α-synuclein"), ("plain {Braces}", "plain Braces"), ("no markup", "no markup"),
])
def test_decode_latex(raw: str, text: str) -> None:
    assert decode_latex(raw) == text


def test_strings_comments_preamble(data: Path) -> None:
    strings = load_library([data / "bib" / "bibtexparser_article_with_strings.bib"])
    cesar = strings.get("Cesar2013")
    assert cesar.work.journal == "Nice Journal"
    assert cesar.work.authors == (Person("César", "Jean"),)
    features = load_library([data / "bib" / "bibtexparser_features.bib"])
    assert [e.key for e in features.entries] == ["mykey"]
    assert features.entries[0].work.journal == "My International Conference"
    assert features.problems == ()


def test_undefined_macro_keeps_the_entry(tmp_path: Path) -> None:
    library = load_library([write(tmp_path, "@article{k, title = {T}, journal = nojournal}\n")])
    assert [e.key for e in library.entries] == ["k"]
    assert codes(library) == [("CA201", 1, "k")]
    assert "nojournal" in library.problems[0].message


def test_repeated_field_keeps_the_first(tmp_path: Path) -> None:
    library = load_library([write(tmp_path, "@article{k,\n year = 2001,\n year = 2002}\n")])
    assert library.entries[0].work.year == 2001
    assert codes(library) == [("CA201", 1, "k")]


def test_crossref_inheritance(data: Path) -> None:
    library = load_library([data / "bib" / "pybtex_xampl.bib"])
    child = library.get("inproceedings-crossref")
    assert child.work.year == 1983
    assert child.work.journal.startswith("Proc. Fifteenth Annual ACM Symposium")
    assert "crossref" in child.fields and "year" in child.fields


def test_crossref_cycle_and_missing_parent(data: Path) -> None:
    cycle = load_library([data / "bib" / "bibtexparser_crossref_cascading_cycle.bib"])
    assert [f.rule for f in cycle.problems] == ["CA201", "CA201"]
    assert all("cycle" in f.message for f in cycle.problems)
    missing = load_library([data / "bib" / "bibtexparser_crossref_missing_entries.bib"])
    assert codes(missing) == [("CA201", 2, "mcr")]
    assert "missing1" in missing.problems[0].message


def test_repeated_key_in_biber_examples(data: Path) -> None:
    library = load_library([data / "bib" / "bibtexparser_biber-examples.bib"])
    assert len(library.entries) == 117
    assert codes(library) == [("CA202", 1543, "tmn4")]


def test_messy_scimark_export(data: Path) -> None:
    library = load_library([data / "bib" / "scimark_draft_messy.bib"])
    assert len(library.entries) == 63
    # Double braces make one corporate author, as BibTeX reads them.
    assert library.entries[0].work.authors == (Person("Smith, Alice"),)


def test_refchecker_samples_load(data: Path) -> None:
    library = load_library([data / "bib" / "refchecker_hallucination_labeled_sample.bib",
                            data / "bib" / "refchecker_hallucination_mixed_sample.bib"])
    assert len(library.entries) >= 10
    assert all(e.work.title for e in library.entries)


def test_empty_file(data: Path) -> None:
    library = load_library([data / "bib" / "bibtexparser_empty.bib"])
    assert library.entries == () and library.problems == ()


def test_text_without_entries_is_reported(tmp_path: Path) -> None:
    library = load_library([write(tmp_path, "TY  - JOUR\nTI  - A RIS file\nER  -\n")])
    assert codes(library) == [("CA201", 1, None)]


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    library = load_library([write(tmp_path, ENTRY.format(key="k"), encoding=encoding)])
    assert library.entries[0].work.authors[0] == Person("Müller", "Anna")
    assert library.problems == ()


def test_utf8_bom_fixture(data: Path) -> None:
    library = load_library([data / "bib" / "bibtexparser_article_start_with_bom.bib"])
    assert len(library.entries) == 1 and library.problems == ()


def test_identifiers_from_other_fields_and_invalid_ones(tmp_path: Path) -> None:
    text = """@article{a, title = {A}, note = {PMID: 28987493; PMCID: PMC5828200}}
@article{b, title = {B}, eprint = {33730733}, eprinttype = {pubmed}}
@article{c, title = {C}, url = {https://doi.org/10.1111/bjd.17088}}
@article{d, title = {D}, pmid = {12ab}, pmcid = {16452092}}
"""
    library = load_library([write(tmp_path, text)])
    a, b, c, d = library.entries
    assert (a.work.pmid, a.work.pmcid) == ("28987493", "PMC5828200")
    assert b.work.pmid == "33730733"
    assert c.work.doi == "10.1111/bjd.17088"
    assert (d.work.pmid, d.work.pmcid) == (None, None)
    assert [(f.rule, f.evidence["value"]) for f in library.problems] == [("CA206", "12ab"), ("CA206", "16452092")]


def test_shared_pmid_across_files(tmp_path: Path) -> None:
    one = write(tmp_path, "@article{a, title = {A}, pmid = {123}}\n", "one.bib")
    two = write(tmp_path, "\n@article{b, title = {B}, pmid = {123}}\n", "two.bib")
    library = load_library([one, two])
    assert codes(library) == [("CA202", 2, "b")]
    assert library.problems[0].path == str(two)


def test_unreadable_inputs_raise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_library([tmp_path / "missing.bib"])
    with pytest.raises(InputError, match="folder"):
        load_library([tmp_path])
    big = write(tmp_path, ENTRY.format(key="k") * 10)
    monkeypatch.setattr(bibtex, "MAX_BIBTEX_BYTES", 100)
    with pytest.raises(LimitExceeded, match="limit"):
        load_library([big])


def test_library_over_the_entry_limit_is_refused_naming_the_file(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    assert bibtex.MAX_LIBRARY_ENTRIES == 100_000
    monkeypatch.setattr(bibtex, "MAX_LIBRARY_ENTRIES", 3)
    one = write(tmp_path, ENTRY.format(key="a") + ENTRY.format(key="b"), "one.bib")
    two = write(tmp_path, "@string{j = {J}}\n" + ENTRY.format(key="c") + ENTRY.format(key="d"), "two.bib")
    assert len(load_library([one]).entries) == 2
    assert len(load_library([two]).entries) == 2
    with pytest.raises(LimitExceeded) as raised:
        load_library([one, two])
    assert str(raised.value).startswith(f"{two}:")
    assert "more entries than the limit of 3" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_quoted_values_and_brace_errors(tmp_path: Path) -> None:
    text = """@article{q, title = "A {"}quoted{"} title", journal = "J" # " Med"}
@article{bad, title = "closes } too early"}
@article{deep, title = {""" + "{" * 101 + "x" + "}" * 101 + """}}
@article{fine, title = {Fine}}
"""
    library = load_library([write(tmp_path, text)])
    assert [e.key for e in library.entries] == ["q", "fine"]
    assert library.get("q").work.title == 'A "quoted" title'
    assert library.get("q").work.journal == "J Med"
    assert [(f.rule, f.span.line, f.key) for f in library.problems] == [("CA201", 2, "bad"), ("CA201", 3, "deep")]
    assert "unbalanced braces" in library.problems[0].message
    assert "nested" in library.problems[1].message


def test_entries_on_one_line_keep_their_lines(tmp_path: Path) -> None:
    library = load_library([write(tmp_path, "\n\n@article{a, title={A}} @article{b,\n title={B}}\n")])
    assert [(e.key, e.span.line) for e in library.entries] == [("a", 3), ("b", 3)]


@pytest.mark.parametrize(("head", "kind"), [(b"PK\x03\x04", "zip archive"), (b"%PDF-1.7", "PDF")])
def test_a_word_file_or_pdf_given_as_a_library_is_one_error(tmp_path: Path, head: bytes, kind: str) -> None:
    from conftest import run_cli

    path = tmp_path / "draft.docx"
    path.write_bytes(head + b"\x00" * 64 + b"@article{x, title={y}}")
    code, out, err = run_cli("bib", str(path))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert kind in err and "not a BibTeX file" in err
