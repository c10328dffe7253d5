"""The Markdown reader: structure, locations, reference lists, pandoc keys, bad input."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import paths
import pytest

from citeaudit.errors import InputError
from citeaudit.plugins.markdown import parse_markdown, read_markdown

DATA = paths.DATA / "markdown"
EXAMPLE = paths.EXAMPLES / "review.md"


def read(text: str, name: str = "draft.md"):
    return parse_markdown(text, Path(name), plain=name.endswith(".txt"))


def test_example_reads_claims_in_order_with_locations() -> None:
    doc = read_markdown(EXAMPLE)
    assert doc.format == "markdown" and doc.style == "numeric"
    assert [r.number for r in doc.references] == list(range(1, 16))
    kwon = next(c for c in doc.claims if c.text.startswith("A double-blind, randomized"))
    assert kwon.text.endswith("with a smaller sebaceous gland size in the treatment group.")
    assert "\n" not in kwon.text and "35 Korean patients" in kwon.text
    assert kwon.citations == (12,)
    assert kwon.section == "Blue and red light combined"
    source = EXAMPLE.read_text(encoding="utf-8").split("\n")
    line = source[kwon.span.line - 1]
    assert line[kwon.span.column - 1:].startswith("A double-blind")
    marker = kwon.markers[0]
    assert source[marker.span.line - 1][marker.span.column - 1:].startswith("[12]")
    assert [c.id for c in doc.claims] == list(range(1, len(doc.claims) + 1))


def test_example_references_carry_identifiers() -> None:
    refs = {r.number: r for r in read_markdown(EXAMPLE).references}
    assert refs[9].doi == "10.1046/j.1365-2133.2000.03481.x" and refs[9].pmid == "10809858"
    assert refs[5].doi == "10.1016/s0923-1811(02)00068-3"
    assert refs[9].work.year == 2000
    assert all(r.doi and r.pmid for r in refs.values())
    assert refs[9].span.line is not None and refs[9].id == "9"


def test_every_marker_location_points_at_the_marker() -> None:
    text = (DATA / "styles.md").read_text(encoding="utf-8")
    lines = text.split("\n")
    doc = read(text)
    markers = [m for c in doc.claims for m in c.markers]
    assert len(markers) >= 6
    for marker in markers:
        assert lines[marker.span.line - 1][marker.span.column - 1:].startswith(marker.text)


def test_code_urls_headings_and_images_are_not_claims() -> None:
    doc = read("# Title [1]\n\nSee `x[2]` and https://example.org/a[3] and ![img [4]](a.png).\n"
               "Real claim [5].\n\n## References\n\n1. A. 2001.\n2. B. 2002.\n3. C. 2003.\n"
               "4. D. 2004.\n5. E. 2005.\n")
    assert [c.citations for c in doc.claims] == [(5,)]


def test_list_items_table_rows_and_footnotes_are_blocks() -> None:
    doc = read("Intro.\n\n- first item [1]\n- second item [2]\n\n| drug | ref |\n|---|---|\n"
               "| dupilumab | [3] |\n\nA note.[^a]\n\n[^a]: Footnote text [4].\n")
    assert [(c.text, c.citations) for c in doc.claims] == [
        ("first item", (1,)), ("second item", (2,)), ("dupilumab", (3,)), ("Footnote text.", (4,))]
    assert doc.claims[3].section == "Footnotes"


@pytest.mark.parametrize("labels", [("1.", "2.", "3."), ("[1]", "[2]", "[3]"), ("1)", "2)", "3)")])
def test_reference_list_label_forms(labels: tuple[str, ...]) -> None:
    entries = "\n".join(f"{label} Author A. Title {i}. J Test. 20{10 + i};{i}:1-2."
                        for i, label in enumerate(labels, start=1))
    doc = read(f"Cited [1-3].\n\n### Literature cited\n\n{entries}\n")
    assert [r.number for r in doc.references] == [1, 2, 3]
    assert doc.references[1].text.startswith("Author A. Title 2")


def test_list_labels_are_read_from_the_source() -> None:
    doc = read("Text [1].\n\n## Bibliography\n\n1. One 2001.\n3. Three 2003.\n3. Again 2003.\n")
    assert [r.number for r in doc.references] == [1, 3, 3]


def test_references_section_ends_at_the_next_heading_of_its_level() -> None:
    doc = read("# Body\n\nText [1].\n\n## References\n\n1. One 2001.\n\n## Appendix\n\nMore [1].\n")
    assert len(doc.references) == 1
    assert [c.section for c in doc.claims] == ["Body", "Appendix"]


def test_seed_000_flattened_superscripts_and_list() -> None:
    doc = read_markdown(DATA / "seed000.txt")
    assert [r.number for r in doc.references] == list(range(1, 11))
    assert doc.references[9].text.startswith("Butala, S., Castelo-Soccio, L.")
    assert [c.citations for c in doc.claims] == [(5, 9, 10)]
    assert [m.style for m in doc.claims[0].markers] == ["flattened", "flattened"]
    assert doc.claims[0].text.endswith("(e.g., Janus kinase inhibitors).")


def test_seed_001_bracket_markers_without_a_list() -> None:
    doc = read_markdown(DATA / "seed001.txt")
    assert [c.citations for c in doc.claims] == [(n,) for n in range(1, 11)]
    assert doc.references == ()
    assert doc.claims[2].text.startswith("Drugs like ustekinumab")


def test_plain_text_article_with_references_line() -> None:
    doc = read_markdown(DATA / "nar_plaintext.txt")
    assert [r.number for r in doc.references] == list(range(1, 61))
    assert doc.references[0].text.startswith("Filipowicz,W.")
    cited = {n for c in doc.claims for n in c.citations}
    assert len(cited) >= 55


def test_manubot_keys_become_references_in_order_of_first_citation() -> None:
    doc = read_markdown(DATA / "manubot_cite_filter.md")
    assert doc.style == "author-year"
    keys = [r.key for r in doc.references]
    assert keys[:2] == ["pmid:20170387", "10.7717/peerj.705"]
    assert [r.number for r in doc.references] == list(range(1, len(keys) + 1))
    assert doc.references[0].pmid == "20170387"
    assert doc.references[1].doi == "10.7717/peerj.705"
    assert doc.claims[1].citations == (1, 2)
    assert doc.claims[1].markers[0].keys == ("pmid:20170387", "10.7717/peerj.705")
    tagged = next(r for r in doc.references if r.key == "bad-doi")
    assert tagged.doi == "10.1016/s0022-2836(05)80360-2"  # from its link-reference definition


def manubot_keys(text: str) -> list[str]:
    """Every citation key of a manubot draft, by a plain regex: `@prefix:value` not ending in
    punctuation, pandoc-crossref `@fig:`/`@tbl:`/`@eq:`/`@sec:` excluded."""
    keys = re.findall(r"(?<![\w@])@([a-z]+:[^\s;\]]*[\w/])", text)
    return list(dict.fromkeys(k for k in keys if not re.match(r"(?:fig|tbl|eq|sec):", k)))


def test_manubot_body_reads_every_key_with_its_identifier() -> None:
    path = DATA / "manubot_body.md"
    doc = read_markdown(path)
    truth = manubot_keys(path.read_text(encoding="utf-8"))
    assert len(truth) == 12
    assert [r.key for r in doc.references] == truth
    assert [r.number for r in doc.references] == list(range(1, 13))
    assert all(m.style == "pandoc-key" for c in doc.claims for m in c.markers)
    by_key = {r.key: r for r in doc.references}
    assert by_key["pmid:25648772"].pmid == "25648772"
    assert by_key["pmcid:PMC4304851"].pmcid == "PMC4304851"
    assert by_key["doi:10.7717/peerj.705"].doi == "10.7717/peerj.705"
    assert by_key["doi:10/98p"].doi == "10/98p"  # a shortDOI
    assert [c.citations for c in doc.claims] == [(1,), (2, 3), (4, 5, 6), (7, 8, 9), (10,), (11,), (12,)]


def test_pandoc_keys_with_numeric_csl_are_numeric() -> None:
    doc = read("---\ncsl: vancouver.csl\n---\n\nCited [@a; @b] and [@a].\n")
    assert doc.style == "numeric"
    assert doc.claims[0].citations == (1, 2, 1)


def test_crlf_and_bom() -> None:
    doc = read("Claim one [1].\r\nStill one.\r\n\r\n# References\r\n\r\n1. A 2001.\r\n")
    assert doc.claims[0].citations == (1,) and doc.references[0].span.line == 6


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty file"),
    (b"  \n\n", "empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
    ("caf\u00e9 [1] na\u00efve".encode() + b" \xff\xfe broken", "not valid UTF-8"),
])
def test_bad_input_is_one_line_error(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        read_markdown(path)
    assert message in str(info.value) and str(path) in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("data", "encoding"), [
    (codecs.BOM_UTF8 + "Claim \u00e9 [1].".encode(), "utf-8"),
    (codecs.BOM_UTF16_LE + "Claim \u00e9 [1].".encode("utf-16-le"), "utf-16"),
    ("Claim \u00e9 [1].".encode("latin-1"), "latin-1"),
])
def test_encodings(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = tmp_path / "draft.md"
    path.write_bytes(data)
    doc = read_markdown(path)
    assert doc.extras["encoding"] == encoding
    assert doc.claims[0].text == "Claim \u00e9."


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_markdown(tmp_path / "missing.md")


def test_reader_is_not_handed_other_suffixes(tmp_path: Path) -> None:
    """Markdown text in a .docx file goes to the Word reader, which refuses it; not to this one."""
    from citeaudit.manager import get_plugin_manager

    path = tmp_path / "x.docx"
    path.write_text("A claim [1].\n\n## References\n\n1. A reference.\n")
    host = get_plugin_manager(entry_points=False)
    assert host.reader_of(path) == "docx" and host.reader_of(tmp_path / "x.md") == "markdown"
    with pytest.raises(InputError, match="x.docx"):
        host.read_document(path, None)


def test_citations_in_a_fenced_code_block_are_not_read() -> None:
    doc = read_markdown(DATA / "pandoc_ieee.md")
    assert "[@item1" in (DATA / "pandoc_ieee.md").read_text(encoding="utf-8")
    assert doc.claims == () and doc.references == ()


def test_cli_turns_bad_input_into_exit_2(tmp_path: Path) -> None:
    from conftest import run_cli

    path = tmp_path / "empty.md"
    path.write_bytes(b"")
    code, out, err = run_cli("check", str(path))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert str(path) in err and "empty file: no text to check" in err
