"""Unbounded work: each crafted input ends in a report or a one-line error, with work linear in
its size. Subprocess timeouts here are hang guards, not speed claims (benchmarks/ measures)."""

from __future__ import annotations

import subprocess
import sys

from conftest import run_cli
from lxml import etree

from citeaudit.bib.bibtex import load_library
from citeaudit.limits import MAX_BIBTEX_VALUE_CHARS
from citeaudit.plugins import jats_article

SCRIPT = "import sys; from citeaudit.cli import main; sys.exit(main(sys.argv[1:]))"


def _cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd)


def test_an_at_string_doubling_chain_is_cut_off_with_a_finding(tmp_path):
    """Sixty doublings of 16 characters would be 18 exabytes."""
    lines = ['@string{a0 = "xxxxxxxxxxxxxxxx"}']
    lines += [f"@string{{a{i} = a{i - 1} # a{i - 1}}}" for i in range(1, 61)]
    lines += ["@article{bomb, title = a60 # a60, author = {Doe, J}, year = {2010}}",
              "@article{fine, title = {A title}, author = {Doe, J}, year = {2010}}"]
    library = tmp_path / "bomb.bib"
    library.write_text("\n".join(lines) + "\n")
    loaded = load_library([library])
    messages = [f.message for f in loaded.problems if f.rule == "CA201"]
    assert any(f"{MAX_BIBTEX_VALUE_CHARS:,} characters" in m for m in messages)
    assert [e.key for e in loaded.entries if e.key == "fine"] == ["fine"]
    assert all(len(v) <= MAX_BIBTEX_VALUE_CHARS for e in loaded.entries for v in e.fields.values())


def test_a_value_joining_one_macro_many_times_is_cut_off(tmp_path):
    library = tmp_path / "wide.bib"
    library.write_text('@string{b = "' + "x" * 1000 + '"}\n@article{k, title = '
                       + " # ".join(["b"] * 5000) + ", year = {2010}}\n")
    loaded = load_library([library])
    assert any("characters" in f.message for f in loaded.problems if f.rule == "CA201")


def test_a_crossref_chain_of_5000_entries_is_resolved(tmp_path):
    n = 5000
    library = tmp_path / "chain.bib"
    library.write_text("".join(
        f"@inproceedings{{e{i}, title = {{Title {i}}}, author = {{Doe, J}}"
        + (f", crossref = {{e{i + 1}}}" if i + 1 < n else ", publisher = {Top}, year = {1999}") + "}\n"
        for i in range(n)))
    done = _cli("bib", str(library), "--offline", "--format", "json", "--fail-on", "never", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    loaded = load_library([library])
    assert all(e.fields.get("publisher") == "Top" and e.work.year == 1999 for e in loaded.entries)
    assert loaded.entries[0].fields["booktitle"] == "Title 1"  # the nearest parent's title


def test_a_crossref_cycle_is_reported_for_every_entry_on_it(tmp_path):
    library = tmp_path / "cycle.bib"
    library.write_text("@article{a, title={A}, crossref={b}}\n@article{b, title={B}, crossref={c}}\n"
                       "@article{c, title={C}, crossref={a}}\n@article{d, title={D}, crossref={a}}\n"
                       "@article{e, title={E}, crossref={nowhere}}\n@article{f, title={F}, crossref={e}}\n")
    loaded = load_library([library])
    cycles = sorted(f.key for f in loaded.problems if "cycle" in f.message)
    missing = sorted(f.key for f in loaded.problems if "not in the library" in f.message)
    assert cycles == ["a", "b", "c", "d"] and missing == ["e", "f"]


class _CountingTree:
    """The tree, counting getpath calls (each walks all preceding siblings)."""

    def __init__(self, tree: etree._ElementTree) -> None:
        self.tree, self.calls = tree, 0

    def getpath(self, element: etree._Element) -> str:
        self.calls += 1
        return self.tree.getpath(element)


def test_xref_paths_are_numbered_once_per_paragraph_and_match_getpath():
    xrefs = "".join(f'<xref ref-type="bibr" rid="r{i % 3}">{i % 3}</xref>, <italic>x</italic>' for i in range(3000))
    tree = etree.ElementTree(etree.fromstring(f"<article><body><p>a</p><p>{xrefs}</p></body></article>"))
    counting = _CountingTree(tree)
    context = jats_article._Context(tree=counting, numbers={}, listed=frozenset(), style="numeric")
    elements = list(tree.iter("xref", "italic"))
    assert [jats_article._span(el, context).xpath for el in elements] == [tree.getpath(el) for el in elements]
    assert counting.calls == 1  # the paragraph's own path; its 6,000 children are numbered in one pass


def test_a_jats_paragraph_of_100000_xrefs_is_read(tmp_path):
    xrefs = '<xref ref-type="bibr" rid="r1">1</xref>, ' * 100_000
    article = tmp_path / "xrefs.xml"
    article.write_text(f'<article><body><p>Claim {xrefs}.</p></body><back><ref-list><ref id="r1">'
                       "<label>1</label><mixed-citation>Doe J. A title. J X. 2010;1:1-2.</mixed-citation>"
                       "</ref></ref-list></back></article>")
    done = _cli("check", str(article), "--offline", "--format", "json", "--fail-on", "never",
                "--output", str(tmp_path / "report.json"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr


def test_long_reference_lists_compare_a_bounded_part_of_each_entry():
    from citeaudit.limits import COMPARED_CHARS
    from citeaudit.plugins.structure import _bounded

    short = "doe j a title j exp med 2010 1 1 2"
    long = "author " * 400 + "the end 2010"
    assert _bounded(short) == short
    bounded = _bounded(long)
    assert len(bounded) <= COMPARED_CHARS + 1 and bounded.endswith("the end 2010")


def test_an_unclosed_sup_of_700_kb_is_read(tmp_path):
    draft = tmp_path / "sup.md"
    draft.write_text("# T\n\nClaim <sup>" + "1," * 350_000 + "\n\n## References\n\n1. Doe J. T. J X. 2010.\n")
    code, out, err = run_cli("check", str(draft), "--offline", "--format", "json", "--fail-on", "never")
    assert code == 0, err


def test_a_nine_megabyte_line_of_markers_is_refused_before_reading(tmp_path):
    """Linear is not enough when each marker costs tens of microseconds: three million `[1]`
    would take minutes, so the openings are counted first and the draft refused in one line."""
    draft = tmp_path / "markers.md"
    draft.write_text("Claim " + "[1]" * 3_000_000 + "\n\n## References\n\n1. Doe J. A title. 2010.\n",
                     encoding="utf-8")
    code, out, err = run_cli("check", str(draft), "--offline")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "markers.md" in err and "200,000" in err and "Traceback" not in err
