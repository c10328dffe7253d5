"""A quick fuzz of every reader, the BibTeX loader and the marker grammar (hypothesis).

Real corpus files mutated (format tokens spliced in, ranges cut and
repeated, truncation, re-encoding), run in-process the way `citeaudit check`
and `citeaudit bib` run them. Every outcome must be a report or an
InputError/UsageError naming the file (the CLI's one line and exit 2), and
the input must be left as it was. benchmarks/fuzz.py is the long run.
"""

from __future__ import annotations

import io
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import DATA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citeaudit.claims import Block, build_claims, sentences
from citeaudit.config import build_options
from citeaudit.errors import CiteauditError, InputError, PluginError, UsageError
from citeaudit.manager import get_plugin_manager
from citeaudit.markers import find_markers, parse_numbers
from citeaudit.model import Marker, Span
from citeaudit.pipeline import audit_library, check_paths

SEEDS = {
    "markdown": [DATA / "markdown/styles.md", DATA / "markdown/defects.md", DATA / "jats/draft/biologics.md",
                 DATA / "markdown/seed000.txt"],
    "jats": [DATA / "jats/draft/biologics.xml", DATA / "jats/malformed/schematron_empty_xref.xml",
             DATA / "jats/edge/elife_ref_fragment_data_citation.xml"],
    "docx": [DATA / "docx/metypeset_R09_numbered_refs_medical.docx", DATA / "docx/pandoc_zotero_citations.docx",
             DATA / "docx/metypeset_SuperscriptFootnotes.docx"],
    "bibtex": [DATA / "bib/pandoc_averroes.bib", DATA / "bib/bibtexparser_traps.bib",
               DATA / "bib/scimark_draft_messy.bib"],
}
SUFFIX = {"markdown": ".md", "jats": ".xml", "docx": ".docx", "bibtex": ".bib"}
TOKENS = {
    "markdown": ["[", "]", "[1]", "[3–1]", "(1,,2)", "^2^", "<sup>4</sup>", "¹²", "[@key]", "\n# References\n",
                 "\n1. ", "```", "|", "et al.", "Fig. 1", "\x00", "\ufeff", "[^1]", ").5", "\r", "\t"],
    "jats": ['<xref ref-type="bibr" rid="R1">1</xref>', '<xref ref-type="bibr" rid="">', "</xref>",
             "<sup>3</sup>", "&#x2013;", "<ref id=\"R1\">", "</ref>", "<![CDATA[", "&undefined;", "<", "\x00",
             '<pub-id pub-id-type="doi">10.1/x</pub-id>', "<sec>", "</p>"],
    "docx": ["<w:r><w:t>[1]</w:t></w:r>", '<w:vertAlign w:val="superscript"/>',
             '<w:fldChar w:fldCharType="begin"/>', '<w:fldChar w:fldCharType="end"/>',
             "<w:instrText> ADDIN ZOTERO_ITEM CSL_CITATION {</w:instrText>", "<w:del>", "</w:ins>", "<", "&#0;"],
    "bibtex": ["@article{", "}", "{", '"', "#", "=", ",", "@string{a = {b}}", "crossref = {k}", "\\'{e}",
               "doi = {10.1/x}", "pmid = {x1}", "author = {A and}", "%", "@", "\x00", "{{{{{{"],
}

HOST = get_plugin_manager()
ERRORS = (InputError, UsageError)


def _options(tmp: Path):
    return build_options({"offline": True, "quiet": True, "cache_dir": str(tmp / "cache"),
                          "config_path": None, "color": False},
                         plugin_options=HOST.option_group().declared)


def edits(reader: str) -> st.SearchStrategy:
    """A list of (where, what) edits: insert a token, cut, repeat, or a random byte run."""
    piece = st.one_of(st.sampled_from(TOKENS[reader]).map(str.encode), st.binary(max_size=6))
    insert = st.tuples(st.just("insert"), st.floats(0, 1), piece)
    cut = st.tuples(st.just("cut"), st.floats(0, 1), st.integers(1, 400))
    repeat = st.tuples(st.just("repeat"), st.floats(0, 1), st.integers(1, 200))
    return st.lists(st.one_of(insert, cut, repeat), min_size=1, max_size=5)


def apply(data: bytes, changes: list) -> bytes:
    for kind, where, arg in changes:
        at = int(where * len(data))
        if kind == "insert":
            data = data[:at] + arg + data[at:]
        elif kind == "cut":
            data = data[:at] + data[at + arg:]
        else:
            data = data[:at] + data[at:at + arg] * 3 + data[at:]
    return data


def rezip(source: Path, member_changes: list, truncate: float | None) -> bytes:
    """The package with word/document.xml edited, optionally cut short."""
    buf = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            body = old.read(info.filename)
            if info.filename == "word/document.xml":
                body = apply(body, member_changes)
            new.writestr(info, body)
    data = buf.getvalue()
    return data[:int(truncate * len(data))] if truncate is not None else data


def run_reader(reader: str, data: bytes, tmp: Path) -> str:
    """'report' or 'error', as `citeaudit check`/`bib` would end; anything else fails the test."""
    path = tmp / f"input{SUFFIX[reader]}"
    path.write_bytes(data)
    mtime = path.stat().st_mtime_ns
    options = _options(tmp)
    try:
        if reader == "bibtex":
            run = audit_library([path], replace(options, bib=(path,)), HOST)
        else:
            run = check_paths([path], options, HOST)
        rendered = HOST.reporters()["text"].render(run)
        assert isinstance(rendered, str) and "\x1b" not in rendered
        outcome = "report"
    except PluginError as exc:
        raise AssertionError(f"{reader} crashed on {data[:200]!r}...: {exc}") from exc
    except ERRORS as exc:
        assert str(path) in str(exc) or path.name in str(exc), str(exc)
        outcome = "error"
    except CiteauditError as exc:
        raise AssertionError(f"unexpected {type(exc).__name__}: {exc}") from exc
    assert path.read_bytes() == data and path.stat().st_mtime_ns == mtime
    return outcome


FUZZ = settings(max_examples=250, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])


@pytest.mark.parametrize("reader", ["markdown", "jats", "bibtex"])
@FUZZ
@given(data=st.data())
def test_mutated_text_inputs_give_a_report_or_a_one_line_error(reader, data, tmp_path_factory):
    seed = data.draw(st.sampled_from(SEEDS[reader]))
    changes = data.draw(edits(reader))
    outcome = run_reader(reader, apply(seed.read_bytes(), changes), tmp_path_factory.mktemp(reader))
    assert outcome in ("report", "error")


@FUZZ
@given(data=st.data())
def test_mutated_docx_packages_give_a_report_or_a_one_line_error(data, tmp_path_factory):
    seed = data.draw(st.sampled_from(SEEDS["docx"]))
    changes = data.draw(edits("docx"))
    truncate = data.draw(st.one_of(st.none(), st.floats(0, 1)))
    outcome = run_reader("docx", rezip(seed, changes, truncate), tmp_path_factory.mktemp("docx"))
    assert outcome in ("report", "error")


@pytest.mark.parametrize("reader", ["markdown", "jats", "docx", "bibtex"])
@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(max_size=3000))
def test_random_bytes_give_a_report_or_a_one_line_error(reader, blob, tmp_path_factory):
    assert run_reader(reader, blob, tmp_path_factory.mktemp(reader)) in ("report", "error")


GRAMMAR = st.lists(st.sampled_from(list("0123456789 ,;-–—[]()^<>/.\n¹²³⁴⁻⁰aIL") +
                                   ["<sup>", "</sup>", "et al.", "Fig.", "e.g.", "[@", ").", "1,,2", "5-3",
                                    "10^6^", "m²", "JAK1", "\x00"]), max_size=120).map("".join)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(text=GRAMMAR, count=st.sampled_from([None, 0, 3, 50]))
def test_marker_grammar_never_raises_and_spans_point_at_the_marker(text, count):
    numbers, problem = parse_numbers(text)
    assert all(isinstance(n, int) for n in numbers) and (problem is None or isinstance(problem, str))
    found = find_markers(text, reference_count=count)
    for item in found:
        assert 0 <= item.start < item.end <= len(text) and text[item.start:item.end] == item.text
    starts = [item.start for item in found]
    assert starts == sorted(starts)
    for start, end in sentences(text):
        assert 0 <= start <= end <= len(text)
    markers = [(f.start, f.end, Marker(text=f.text, numbers=f.numbers, span=Span(offset=f.start),
                                       style=f.style, problem=f.problem)) for f in found]
    claims = build_claims([Block(text=text, markers=markers, span_at=lambda i: Span(offset=i))])
    assert sum(len(c.markers) for c in claims) <= len(found)


def test_an_enormous_paragraph_is_read_in_linear_time(tmp_path):
    """Growth, not seconds (issue 19, defect 10): a paragraph four times as long may take about
    four times as long to read, never sixteen (quadratic marker and sentence code took hours)."""
    sentence = "Dupilumab improved eczema in the trial).3 Patients fared well [2]. "

    def read(count: int) -> float:
        draft = tmp_path / f"long{count}.md"
        draft.write_text(sentence * count + "\n\n# References\n\n1. A. 2020.\n2. B. 2021.\n3. C. 2022.\n",
                         encoding="utf-8")
        best = float("inf")
        for _ in range(2):  # the better of two, in CPU time: a loaded machine delays a run, it does not add its work
            started = time.process_time()
            document = HOST.read_document(draft, _options(tmp_path))
            best = min(best, time.process_time() - started)
        assert len(document.claims) >= count
        return best

    small, large = read(1500), read(6000)
    assert large / small < 9, f"reading 4x the text took {large / small:.1f}x as long"
