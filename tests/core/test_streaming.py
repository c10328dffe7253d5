"""Reports are streamed: each document is written when it is done, and every
streamed format says the same as the whole-run rendering."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from paths import ROOT
from sample_reports import sample_run

from citeaudit.manager import get_plugin_manager
from citeaudit.report import RunReport, Totals, stream_chunks, to_json

STREAMED = ("text", "json", "jsonl", "sarif", "junit", "github")


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunReport:
    monkeypatch.chdir(tmp_path)
    return sample_run(tmp_path)


def test_every_ci_and_text_format_streams():
    reporters = get_plugin_manager().reporters()
    assert all(reporters[name].stream is not None for name in STREAMED)


@pytest.mark.parametrize("name", STREAMED)
def test_a_document_is_written_before_the_next_one_is_checked(run, name):
    """The stream asks for document n+1 only after it has handed out document n's text."""
    reporter = get_plugin_manager().reporters()[name]
    handed: list[str] = []
    asked: list[int] = []

    def documents():
        for n, report in enumerate(run.documents):
            asked.append(n)
            yield report

    chunks = stream_chunks(reporter.stream(run.options), documents(), run.empty_totals())
    handed.append(next(chunks))  # start
    for n in range(len(run.documents)):
        handed.append(next(chunks))
        assert asked == list(range(n + 1)), f"{name}: document {n + 1} read before document {n} was written"
    handed.append(next(chunks))
    assert "".join(handed) == reporter.render(run)


def test_jsonl_is_one_document_per_line_equal_to_the_json_documents(run):
    reporter = get_plugin_manager().reporters()["jsonl"]
    lines = reporter.render(run).splitlines()
    assert len(lines) == len(run.documents) == 3
    assert [json.loads(line) for line in lines] == to_json(run)["documents"]


def test_json_for_one_document_is_indented_and_for_several_one_line_each(run):
    render = get_plugin_manager().reporters()["json"].render
    one = render(RunReport(run.documents[:1]))
    assert one.startswith('{\n  "schema"') and '\n      "path": ' in one
    several = render(run)
    document_lines = [line for line in several.splitlines() if line.startswith('    {"path"')]
    assert len(document_lines) == 3
    assert json.loads(several) == json.loads(json.dumps(to_json(run)))
    assert json.loads(render(RunReport(())))["documents"] == []


def test_junit_streams_its_suites_through_a_spool_and_keeps_the_counts(run, monkeypatch):
    from citeaudit.plugins import ci_reports

    monkeypatch.setattr(ci_reports.JunitStream, "SPOOL_BYTES", 16)  # force the spool to disk
    root = ET.fromstring(ci_reports.render_junit(run).encode("utf-8"))
    assert len(root.findall("testsuite")) == 3
    assert int(root.get("tests")) == sum(int(s.get("tests")) for s in root.findall("testsuite"))
    assert int(root.get("failures")) == sum(int(s.get("failures")) for s in root.findall("testsuite"))


def test_totals_add_up_to_the_run_summary(run):
    totals = Totals()
    for report in run.documents:
        totals.add(report)
    assert totals.summary() == run.summary() == to_json(run)["summary"]
    assert sum(totals.by_rule.values()) == sum(len(d.findings) for d in run.documents)


def test_a_reporter_must_render_or_stream():
    from citeaudit.report import Reporter

    with pytest.raises(TypeError):
        Reporter("nothing")


def test_the_cli_writes_jsonl_with_one_line_per_document(tmp_path: Path):
    from conftest import run_cli

    root = ROOT
    folder = tmp_path / "drafts"
    folder.mkdir()
    for name in ("review.md", "review-flawed.md"):
        (folder / name).write_bytes((root / "examples" / name).read_bytes())
    out = tmp_path / "report.jsonl"
    code, _, err = run_cli("check", str(folder), "--bib", str(root / "examples" / "library.bib"),
                           "--offline", "--format", "jsonl", "--output", str(out), "--fail-on", "never")
    assert code == 0, err
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [Path(json.loads(line)["path"]).name for line in lines] == ["review-flawed.md", "review.md"]


def test_jsonl_on_stdout_is_written_as_documents_complete_and_json_only_when_whole(tmp_path: Path):
    """A later unreadable draft: jsonl has already printed the documents before it;
    json prints nothing, so no half-written JSON ever reaches a pipe."""
    from conftest import run_cli

    root = ROOT
    folder = tmp_path / "drafts"
    folder.mkdir()
    (folder / "a.md").write_bytes((root / "examples" / "review.md").read_bytes())
    (folder / "b.md").write_bytes(b"\x00\x01 not text")
    code, out, err = run_cli("check", str(folder), "--offline", "--format", "jsonl")
    assert code == 2 and "b.md" in err and err.count("\n") == 1
    assert [Path(json.loads(line)["path"]).name for line in out.splitlines()] == ["a.md"]
    code, out, err = run_cli("check", str(folder), "--offline", "--format", "json")
    assert code == 2 and out == "" and "b.md" in err
