"""Inline suppression: each form hides exactly the finding it names, in each reader; an unused one is CA107."""

from __future__ import annotations

import json

from conftest import run_cli

from citeaudit.suppression import directive, markdown_suppressions


def _findings(*args: str) -> list[dict]:
    code, out, err = run_cli("check", *args, "--offline", "--format", "json", "--fail-on", "never")
    assert code == 0, err
    return [f for d in json.loads(out)["documents"] for f in d["findings"]]


def _rules(findings: list[dict]) -> list[tuple[str, int | None]]:
    return sorted((f["rule"], f["reference"] or f["citation"]) for f in findings)


MARKDOWN = """# Draft

Claim one cites a missing number [7]. Claim two cites the first [1].

- A list item cites another missing number [8]. <!-- citeaudit: ignore CA101 -->
- A second item cites a third missing number [9].

| trial | result |
|---|---|
| first | cites a missing [10] <!-- citeaudit: ignore CA101 --> |
| second | cites a missing [11] |

## References

1. Doe J. A study of something. J Test. 2020;1:1-2.
2. Roe R. Another study. J Test. 2021;2:3-4. <!-- citeaudit: ignore CA205 -->
"""


def test_markdown_ignore_hides_exactly_its_list_item_and_table_row(tmp_path):
    draft = tmp_path / "draft.md"
    draft.write_text(MARKDOWN)
    plain = tmp_path / "plain.md"
    plain.write_text(MARKDOWN.replace("<!-- citeaudit: ignore CA101 -->", "").replace(
        "<!-- citeaudit: ignore CA205 -->", ""))
    before = _rules(_findings(str(plain)))
    after = _rules(_findings(str(draft)))
    assert ("CA101", 8) in before and ("CA101", 10) in before and ("CA205", 2) in before
    hidden = sorted(set(before) - set(after))
    assert hidden == [("CA101", 8), ("CA101", 10), ("CA205", 2)]
    assert ("CA101", 7) in after and ("CA101", 9) in after and ("CA101", 11) in after
    assert not [r for r in after if r[0] == "CA107"]


def test_markdown_paragraph_codes_all_and_file(tmp_path):
    text = ("# Draft\n\n<!-- citeaudit: ignore -->\nA claim cites a missing number [5].\n\n"
            "Another claim cites a missing number [6].\n\n## References\n\n"
            "1. Doe J. A study of something. J Test. 2020;1:1-2.\n\n"
            "<!-- citeaudit: ignore-file CA102, CA205 -->\n")
    draft = tmp_path / "draft.md"
    draft.write_text(text)
    rules = _rules(_findings(str(draft)))
    assert ("CA101", 6) in rules and ("CA101", 5) not in rules
    assert not any(rule in ("CA102", "CA205", "CA107") for rule, _ in rules)


def test_an_unused_suppression_is_reported(tmp_path):
    draft = tmp_path / "draft.md"
    draft.write_text("# Draft\n\nA claim cites the first [1]. <!-- citeaudit: ignore CA101 -->\n\n"
                     "## References\n\n1. Doe J. A study. J Test. 2020;1:1-2. doi:10.5555/x.1\n")
    findings = _findings(str(draft))
    unused = [f for f in findings if f["rule"] == "CA107"]
    assert len(unused) == 1 and unused[0]["severity"] == "info" and unused[0]["location"]["line"] == 3
    # A CA3 suppression is not judged when the registry data was not there (offline).
    draft.write_text(draft.read_text().replace("ignore CA101", "ignore CA304"))
    assert not [f for f in _findings(str(draft)) if f["rule"] == "CA107"]
    # CA404's check reads the bundled lexicon, not the registries: its suppression is judged offline too.
    draft.write_text(draft.read_text().replace("ignore CA304", "ignore CA404"))
    assert [f["evidence"]["codes"] for f in _findings(str(draft)) if f["rule"] == "CA107"] == [["CA404"]]


def test_stale_suppressions_are_worded_by_the_check_that_reports_them(tmp_path):
    """Core judges which suppressions hid nothing; the `unused-suppression` check (CA107) words
    them, so without the structure plugin there is no CA107 (issue 19: core names no rule)."""
    from citeaudit.manager import get_plugin_manager
    from citeaudit.options import Options
    from citeaudit.pipeline import check_paths

    draft = tmp_path / "draft.md"
    draft.write_text("# Draft\n\nA claim cites the first [1]. <!-- citeaudit: ignore CA205 -->\n\n"
                     "## References\n\n1. Doe J. A study. J Test. 2020;1:1-2. doi:10.5555/x.1\n")
    options = Options(offline=True, cache_dir=tmp_path / "cache")
    for disabled, wanted in (((), ["CA107"]), (("structure",), [])):
        host = get_plugin_manager(entry_points=False, disabled=disabled)
        run = check_paths([draft], options, host)
        assert [f.rule for f in run.documents[0].findings if f.rule in ("CA107", "CA205")] == wanted


def test_directives_are_read_strictly():
    assert directive(" citeaudit: ignore CA401, CA402 ") == ("ignore", ("CA401", "CA402"))
    assert directive("citeaudit: ignore-file") == ("ignore-file", ())
    assert directive("citeaudit: ignore the next line please") is None
    assert directive("citeaudit: ignore this") is None
    assert directive("citeaudit: ignore SHT101, xyz1") == ("ignore", ("SHT101", "XYZ1"))
    assert markdown_suppressions("```\n<!-- citeaudit: ignore CA101 -->\n```\n") == ()


JATS = """<?xml version="1.0"?>
<article><body>
<p>One claim cites an undefined reference <xref ref-type="bibr" rid="r9">9</xref>.<?citeaudit ignore CA101?></p>
<p>Another claim cites a second undefined one <xref ref-type="bibr" rid="r8">8</xref>.</p>
<p>This cites the second first <xref ref-type="bibr" rid="r2">2</xref> and then <xref ref-type="bibr" rid="r1">1</xref>.<?citeaudit ignore CA103?></p>
</body><back><ref-list>
<ref id="r1"><label>1</label><mixed-citation>Doe J. A study of something. J Test. 2020;1:1-2.</mixed-citation></ref>
<ref id="r2"><label>2</label><mixed-citation>Roe R. Another study. J Test. 2021;2:3-4.<?citeaudit ignore CA205?></mixed-citation></ref>
</ref-list></back></article>
"""


def test_jats_processing_instructions_hide_findings_inside_their_element(tmp_path):
    plain = tmp_path / "plain.xml"
    plain.write_text(JATS.replace("<?citeaudit ignore CA101?>", "").replace("<?citeaudit ignore CA103?>", "")
                     .replace("<?citeaudit ignore CA205?>", ""))
    marked = tmp_path / "marked.xml"
    marked.write_text(JATS)
    before, after = _findings(str(plain)), _findings(str(marked))

    def seen(findings):
        return {(f["rule"], f["reference"] or f["evidence"].get("rid")) for f in findings}

    assert {("CA101", "r9"), ("CA101", "r8"), ("CA205", 2), ("CA205", 1)} <= seen(before)
    assert any(f["rule"] == "CA103" for f in before)
    gone = seen(before) - seen(after)
    assert gone == {("CA101", "r9"), ("CA205", 2), ("CA103", 2)}
    assert not [f for f in after if f["rule"] == "CA107"]


def test_bibtex_field_hides_the_entry_findings_in_bib_and_check(tmp_path):
    library = tmp_path / "library.bib"
    library.write_text("@article{doe2020, author={Doe, J}, title={A study of something}, journal={J Test},\n"
                       "  year={2020}, citeaudit-ignore={CA205}}\n"
                       "@article{roe2021, author={Roe, R}, title={Another study}, journal={J Test}, year={2021}}\n"
                       "@article{poe2022, author={Poe, P}, title={A third}, journal={J Test}, year={2022},\n"
                       "  doi={10.5555/poe}, citeaudit-ignore={CA205}}\n")
    code, out, err = run_cli("bib", str(library), "--offline", "--format", "json", "--fail-on", "never")
    findings = [f for d in json.loads(out)["documents"] for f in d["findings"]]
    assert sorted(f["key"] for f in findings if f["rule"] == "CA205") == ["roe2021"]
    assert [f["key"] for f in findings if f["rule"] == "CA107"] == ["poe2022"]
    draft = tmp_path / "draft.md"
    draft.write_text("# D\n\nA claim [1]. Another [2].\n\n## References\n\n"
                     "1. Doe J. A study of something. J Test. 2020;1:1-2.\n"
                     "2. Roe R. Another study. J Test. 2021;2:3-4.\n")
    findings = _findings(str(draft), "--bib", str(library))
    assert [f["reference"] for f in findings if f["rule"] == "CA205"] == [2]
    assert not [f for f in findings if f["rule"] == "CA107"]  # a draft cites part of a library


def test_a_word_comment_hides_the_findings_of_the_sentence_it_is_anchored_on(tmp_path):
    import docx

    def draft(with_comment: bool):
        document = docx.Document()
        paragraph = document.add_paragraph()
        first = paragraph.add_run("One claim cites a missing number [7]. ")
        paragraph.add_run("Another claim cites a missing number [8].")
        if with_comment:
            document.add_comment(first, text="citeaudit: ignore CA101", author="Editor")
            stale = document.add_paragraph().add_run("A claim cites the first [1].")
            document.add_comment(stale, text="citeaudit: ignore CA101", author="Editor")
        document.add_paragraph("References")
        document.add_paragraph("1. Doe J. A study of something. J Test. 2020;1:1-2.")
        path = tmp_path / ("commented.docx" if with_comment else "plain.docx")
        document.save(str(path))
        return path

    def undefined(findings):
        return sorted(f["message"].split(" cites ")[0] for f in findings if f["rule"] == "CA101")

    before, after = _findings(str(draft(False))), _findings(str(draft(True)))
    assert undefined(before) == ["[7]", "[8]"]
    assert undefined(after) == ["[8]"]
    assert len([f for f in after if f["rule"] == "CA107"]) == 1
