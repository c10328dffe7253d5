"""GitHub reporter: one workflow command per finding, escaped as the Actions runner expects."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from paths import ROOT
from sample_reports import sample_run

from citeaudit.model import Document, Finding, Span
from citeaudit.plugins.ci_reports import escape_data, escape_property, render_github
from citeaudit.report import DocumentReport, RunReport

COMMAND = re.compile(r"^::(error|warning|notice) ((?:[a-z]+=[^,:]*)(?:,[a-z]+=[^,:]*)*)::(.*)$")


def _parse(line: str) -> tuple[str, dict[str, str], str]:
    """Undo the escaping the way the runner does."""
    match = COMMAND.match(line)
    assert match, line
    props = dict(item.split("=", 1) for item in match.group(2).split(","))
    return match.group(1), {k: unquote(v) for k, v in props.items()}, unquote(match.group(3))


@pytest.fixture
def lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(tmp_path)
    return render_github(sample_run(tmp_path)).splitlines()


def test_one_command_per_finding_and_a_summary_line(lines):
    assert len(lines) == 9
    assert all(COMMAND.match(line) for line in lines[:7])
    assert lines[7] == "citeaudit: 3 document(s), 5 error(s), 1 warning(s), 1 info(s)"
    assert lines[8].startswith("citeaudit ") and lines[8].endswith("registries not consulted")


def test_levels_file_line_column_and_title(lines):
    kind, props, message = _parse(lines[0])
    assert kind == "error"
    assert props == {"file": "drafts/atopic dermatitis.md", "line": "3", "col": "1",
                     "title": "CA404 pharmacology-contradiction"}
    assert message == "dupilumab is an IL-4Rα antibody, not a JAK inhibitor"
    assert _parse(lines[1])[0] == "warning"
    assert _parse(lines[3])[0] == "notice"


def test_bib_findings_name_the_bib_file(lines):
    _, props, _ = _parse(lines[2])
    assert props["file"] == "lib.bib" and props["line"] == "12"


def test_docx_places_go_into_the_message(lines):
    _, props, message = _parse(lines[4])
    assert "line" not in props and props["file"] == "review.docx"
    assert message == "descending range 5-3 (paragraph 5, offset 17)"


def test_escaping_of_data_and_properties():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_a_hostile_message_and_path_cannot_break_the_command(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    doc = Document(tmp_path / "a,b:c.md", "markdown", (), ())
    finding = Finding("CA101", "cites 9\n::error::forged,%0A", Span(line=2, column=4), severity="error")
    text = render_github(RunReport((DocumentReport(doc, (finding,)),)))
    first = text.splitlines()[0]
    assert text.count("\n") == 3  # the command, the summary, the run line
    kind, props, message = _parse(first)
    assert props["file"] == "a,b:c.md"
    assert message == "cites 9\n::error::forged,%0A"


# -- gating a CI job end to end: --fail-on, --select, --ignore, per-rule severity ----

DRAFT = """# Review

Dupilumab improved EASI-75 [2]. Tralokinumab targets IL-13 [1].

## References

1. Wollenberg A, Blauvelt A, et al. Tralokinumab for atopic dermatitis. Br J Dermatol. 2021;184(3):437-449.
2. Simpson EL, et al. Dupilumab versus placebo in atopic dermatitis. N Engl J Med. 2016;375:2335-48. doi:10.1056/NEJMoa1610020
3. Guttman-Yassky E, et al. Upadacitinib versus placebo. Lancet. 2021;397:2151-2168.
"""


@pytest.fixture
def review(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A draft with warnings (CA102 uncited, CA103 order) and infos (CA205) but no error."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "review.md"
    path.write_text(DRAFT, encoding="utf-8")
    return path


def _github(*args: str) -> tuple[int, list[tuple[str, str]]]:
    from conftest import run_cli

    code, out, err = run_cli("check", "review.md", "--offline", "--format", "github", *args)
    assert code in (0, 1), err
    commands = [_parse(line) for line in out.splitlines() if line.startswith("::")]
    return code, [(kind, props["title"].split()[0]) for kind, props, _ in commands]


def test_the_draft_has_warnings_and_infos_only(review):
    code, found = _github()
    rules = {rule for _, rule in found}
    assert {"CA102", "CA103", "CA205"} <= rules
    assert not any(kind == "error" for kind, _ in found)
    assert code == 0


@pytest.mark.parametrize("fail_on, expected", [("error", 0), ("warning", 1), ("info", 1), ("never", 0)])
def test_fail_on_sets_the_exit_code(review, fail_on, expected):
    assert _github("--fail-on", fail_on)[0] == expected


def test_select_and_ignore_take_codes_and_prefixes(review):
    assert {rule for _, rule in _github("--select", "CA1")[1]} == {"CA102", "CA103"}
    assert {rule for _, rule in _github("--select", "CA1,CA205", "--ignore", "CA103")[1]} == {"CA102", "CA205"}
    code, found = _github("--ignore", "CA1", "--fail-on", "warning")
    assert "CA205" in {rule for _, rule in found}
    assert not any(rule.startswith("CA1") for _, rule in found)
    assert all(kind == "notice" for kind, _ in found) and code == 0


def test_per_rule_severity_in_config_changes_level_and_exit_code(review, tmp_path: Path):
    (tmp_path / "citeaudit.toml").write_text('fail-on = "error"\n[severity]\nCA102 = "error"\nCA205 = "warning"\n')
    code, found = _github()
    assert ("error", "CA102") in found and ("warning", "CA205") in found
    assert code == 1
    assert _github("--ignore", "CA102")[0] == 0


def test_config_in_pyproject_and_the_command_line_wins(review, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.citeaudit]\nfail-on = "warning"\nignore = ["CA205"]\n')
    code, found = _github()
    assert code == 1 and "CA205" not in {rule for _, rule in found}
    assert _github("--fail-on", "error")[0] == 0


def test_a_bad_code_in_config_is_a_usage_error(review, tmp_path: Path):
    from conftest import run_cli

    (tmp_path / "citeaudit.toml").write_text('select = ["CA9"]\n')
    code, out, err = run_cli("check", "review.md", "--offline")
    assert code == 2 and "CA9" in err and err.count("\n") == 1


# -- the composite Action and the pre-commit hooks --------------------------------



def test_the_action_installs_runs_sarif_and_uploads_it():
    import yaml

    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    assert uses[0].startswith("actions/setup-python@")
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    scripts = "\n".join(step.get("run", "") for step in steps)
    assert "pip install" in scripts and "citeaudit check" in scripts and "--format sarif" in scripts
    # inputs reach scripts through env only, so no input can inject shell code
    assert "${{" not in scripts
    referenced = set(re.findall(r"inputs\.([a-z-]+)", (ROOT / "action.yml").read_text(encoding="utf-8")))
    assert referenced <= set(action["inputs"])


def test_the_pre_commit_hooks_pick_drafts_and_libraries():
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert hooks["citeaudit"]["entry"] == "citeaudit check"
    assert hooks["citeaudit-bib"]["entry"] == "citeaudit bib"
    drafts, bib = re.compile(hooks["citeaudit"]["files"]), re.compile(hooks["citeaudit-bib"]["files"])
    assert all(drafts.search(n) for n in ("ms/review.md", "review.docx", "article.nxml"))
    assert not any(drafts.search(n) for n in ("pom.xml", "library.bib", "notes.md.orig"))
    assert bib.search("refs/library.bib") and not bib.search("review.md")
    assert all(h["language"] == "python" and h["require_serial"] for h in hooks.values())


def test_the_draft_hook_runs_as_pre_commit_calls_it(review):
    from conftest import run_cli

    code, out, err = run_cli(*"check --offline".split(), "review.md")
    assert code == 0 and "CA102" in out, err
