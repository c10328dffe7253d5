"""Hostile drafts: numbers of thousands of digits, lone surrogates, JSON nested 100,000 deep,
file names that are not UTF-8. Each ends in a report or a one-line error, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from conftest import run_cli
from docx_builders import ITEMS, add_field, save, zotero

from citeaudit.numbers import parse_int
from citeaudit.plugins.docx.fields import read_field

BIG = "9" * 5000
REFERENCES = "\n\n## References\n\n1. Doe J. A title of some length. J Exp Med. 2010;1:1-2. doi:10.1000/abc\n"
FORMATS = ("text", "json", "html", "sarif", "junit", "github")


def _all_formats(path: Path, tmp_path: Path) -> list[dict]:
    """Every report format for `path`: each must work; the JSON report is returned."""
    reports = []
    for fmt in FORMATS:
        out = tmp_path / f"report.{fmt}"
        code, _out, err = run_cli("check", str(path), "--offline", "--fail-on", "never", "--format", fmt,
                                  "--output", str(out))
        assert code == 0, (fmt, err)
        assert "internal error" not in err and "Traceback" not in err
        out.read_bytes().decode("utf-8")  # valid UTF-8, whatever went in
        if fmt == "json":
            reports.append(json.loads(out.read_text(encoding="utf-8")))
    return reports


@pytest.mark.parametrize("text", [
    f"Claim text here<sup>{BIG}</sup>.", f"Claim text here [{BIG}].", f"Claim text [1-{BIG}].",
    f"Claim text<sup>1,{BIG}</sup>.", f"Claim text<sup>{BIG}-1</sup>.", "Claim text<sup>²⁰¹⁵</sup>.",
], ids=["sup", "bracket", "range", "list", "descending", "superscript-digits"])
def test_markers_of_thousands_of_digits_are_read_not_crashed_on(tmp_path, text):
    draft = tmp_path / "draft.md"
    draft.write_text(f"# T\n\n{text}\n" + REFERENCES)
    (report,) = _all_formats(draft, tmp_path)
    assert report["documents"]


def test_a_jats_label_and_xref_of_thousands_of_digits(tmp_path):
    draft = tmp_path / "article.xml"
    draft.write_text(
        "<article><front><article-meta><title-group><article-title>x</article-title></title-group>"
        f'</article-meta></front><body><p>Claim text <xref ref-type="bibr" rid="r1">{BIG}</xref>.</p></body>'
        f'<back><ref-list><ref id="r1"><label>{BIG}</label><mixed-citation>Doe J. A title. J X. 2010;1:1-2.'
        "</mixed-citation></ref></ref-list></back></article>")
    (report,) = _all_formats(draft, tmp_path)
    assert report["documents"][0]["path"].endswith("article.xml")


def _zotero_draft(tmp_path: Path, instruction: str) -> Path:
    document = docx.Document()
    paragraph = document.add_paragraph("Dupilumab improved eczema severity in adults ")
    add_field(paragraph, instruction, "[1]")
    paragraph.add_run(".")
    document.add_heading("References", level=1)
    document.add_paragraph("1. Simpson EL. Dupilumab treatment in adults. N Engl J Med. 2016;375:2335-48.")
    return save(document, tmp_path)


@pytest.mark.parametrize("item", [
    {**ITEMS[1], "issued": {"date-parts": [[10 ** 4000]]}},
    {**ITEMS[1], "issued": {"date-parts": [["²⁰¹⁶"]]}},
    {**ITEMS[1], "DOI": "10.1056/\udc80NEJMoa1610020", "title": "lone \ud800 surrogate"},
], ids=["year-4000-digits", "year-superscript", "surrogates"])
def test_zotero_item_data_of_the_wrong_kind(tmp_path, item):
    _all_formats(_zotero_draft(tmp_path, zotero([item], "[1]")), tmp_path)


@pytest.mark.parametrize("payload", [
    '{"citationItems": [{"itemData": {"issued": {"date-parts": [[' + BIG + "]]}}}]}",
    '{"citationItems": ' + "[" * 100_000 + "]" * 100_000 + "}",
], ids=["year-5000-digits", "nested-100000"])
def test_zotero_field_data_that_json_cannot_take_is_a_marker_problem(tmp_path, payload):
    instruction = " ADDIN ZOTERO_ITEM CSL_CITATION " + payload + " "
    _all_formats(_zotero_draft(tmp_path, instruction), tmp_path)
    problem = read_field(instruction).problem
    assert problem and ("digits" in problem or "deeper" in problem)


def test_a_draft_whose_file_name_is_not_utf8(tmp_path):
    folder = tmp_path / "drafts"
    folder.mkdir()
    name = os.fsencode(folder) + b"/dr\xffaft.md"
    with open(name, "w") as handle:
        handle.write("# T\n\nClaim text here [1].\n" + REFERENCES)
    _all_formats(folder, tmp_path)


def test_dev_stdout_gets_valid_utf8_for_a_surrogate_in_a_file_name(tmp_path):
    folder = tmp_path / "drafts"
    folder.mkdir()
    with open(os.fsencode(folder) + b"/\xfe.md", "w") as handle:
        handle.write("# T\n\nClaim text here [2].\n" + REFERENCES)
    script = "import sys; from citeaudit.cli import main; sys.exit(main(sys.argv[1:]))"
    for fmt in ("json", "text"):
        done = subprocess.run([sys.executable, "-c", script, "check", str(folder), "--offline", "--format", fmt],
                              capture_output=True, timeout=60, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
        assert done.returncode == 1, done.stderr
        done.stdout.decode("utf-8")
        assert b"Traceback" not in done.stderr


@pytest.mark.parametrize(("text", "value"), [
    ("12", 12), (" 7 ", 7), ("0", 0), ("²", None), ("٣", None), ("𝟗", None), ("1e3", None), ("-1", None),
    ("9" * 9, 999_999_999), ("9" * 10, None), (BIG, None), ("", None), (None, None), (True, None),
    (2016, 2016), (10 ** 4000, None),
])
def test_parse_int_takes_plain_numbers_only(text, value):
    assert parse_int(text) == value


# -- special files as inputs: found by looking for the next class -------------------------

@pytest.mark.parametrize(("args", "what"), [
    (["check", "{zero}.md"], "the draft"), (["check", "{zero}.xml"], "JATS XML"),
    (["bib", "{zero}.bib"], "the BibTeX file"), (["check", "{draft}", "--bib", "/dev/zero"], "the BibTeX file"),
    (["check", "{draft}", "--baseline", "/dev/zero"], "the baseline"),
    (["check", "{draft}", "--config", "/dev/zero"], "the configuration file"),
], ids=["draft", "jats", "library", "bib-option", "baseline", "config"])
def test_a_device_as_an_input_is_read_up_to_its_limit(tmp_path, args, what):
    """st_size is 0 for /dev/zero: a size check before reading let it be read until memory ran out."""
    for suffix in (".md", ".xml", ".bib"):
        (tmp_path / f"zero{suffix}").symlink_to("/dev/zero")
    draft = tmp_path / "draft.md"
    draft.write_text("# T\n\nClaim text here [1].\n" + REFERENCES)
    argv = [a.format(zero=tmp_path / "zero", draft=draft) for a in args]
    done = subprocess.run([sys.executable, "-c", "import sys; from citeaudit.cli import main; "
                           "sys.exit(main(sys.argv[1:]))", *argv, "--offline"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and f"{what} is over the" in done.stderr and "limit" in done.stderr


def test_a_fifo_draft_is_read_to_its_end(tmp_path):
    import threading

    fed = tmp_path / "fed.md"
    os.mkfifo(fed)
    text = "# T\n\nClaim text here [1].\n" + REFERENCES
    writer = threading.Thread(target=lambda: fed.write_text(text), daemon=True)
    writer.start()
    code, out, err = run_cli("check", str(fed), "--offline", "--format", "json", "--fail-on", "never")
    writer.join(timeout=60)
    assert code == 0, err
    assert json.loads(out)["documents"][0]["references"]
