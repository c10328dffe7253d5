"""The pipeline: selection, severities, order, exit codes, failing checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import builtin_rules

from citeaudit import hookimpl
from citeaudit.checks import Check
from citeaudit.cli import exit_code
from citeaudit.config import Options
from citeaudit.errors import InputError, PluginError
from citeaudit.manager import get_plugin_manager
from citeaudit.model import Claim, Document, Finding, Marker, Reference, Span
from citeaudit.pipeline import _run, discover, enabled_checks, finalise, rule_enabled
from citeaudit.report import DocumentReport, RunReport
from citeaudit.rules import Rule

RULES = builtin_rules()


def _finding(rule: str, line: int, **kw) -> Finding:
    return Finding(rule, f"{rule} at {line}", span=Span(line=line), **kw)


def test_finalise_filters_sets_severity_dedupes_and_sorts():
    options = Options(ignore=("CA102",), severity={"CA103": "info"})
    found = finalise([_finding("CA103", 9), _finding("CA101", 3), _finding("CA102", 1),
                      _finding("CA101", 3)], options, RULES)
    assert [(f.rule, f.span.line, f.severity) for f in found] == [("CA101", 3, "error"), ("CA103", 9, "info")]


def test_a_severity_raised_by_a_check_is_kept_unless_the_user_overrode_it():
    raised = Finding("CA304", "title differs", severity="error")
    assert finalise([raised], Options(), RULES)[0].severity == "error"
    assert finalise([raised], Options(severity={"CA304": "info"}), RULES)[0].severity == "info"


class _Stray:
    __name__ = "stray"

    @hookimpl
    def citeaudit_register_checks(self, register):
        register(Check("stray-check", (Rule("XY101", "declared", "warning", "a rule"),),
                       lambda ctx: [Finding("XY999", "undeclared")]))


def test_an_unknown_rule_code_is_blamed_on_the_plugin_that_emitted_it():
    """Defect 9: it was blamed on a plugin named 'unknown'."""
    host = get_plugin_manager(extra=[_Stray()], entry_points=False)
    doc = Document(Path("d.md"), "markdown", (), ())
    with pytest.raises(PluginError, match="plugin 'stray'.*stray-check.*'XY999'") as info:
        _run(doc, Options(), host, None, {}, enabled_checks(host, Options()))
    assert "unknown" not in str(info.value).split(":")[0]


@pytest.mark.parametrize("select, ignore, code, expected", [
    ((), (), "CA304", True),
    (("CA3",), (), "CA304", True),
    (("CA1",), (), "CA304", False),
    (("CA3",), ("CA304",), "CA304", False),
    ((), ("CA30",), "CA301", False),
    # Defect 8: the more specific code wins, whichever list it is in (flake8's decision engine).
    (("CA305",), ("CA3",), "CA305", True),
    (("CA305",), ("CA3",), "CA304", False),
    (("CA3",), ("CA305",), "CA305", False),
    (("CA3", "CA101"), ("CA1",), "CA101", True),
    (("CA3",), ("CA3",), "CA301", False),
])
def test_rule_selection_by_code_and_prefix(select, ignore, code, expected):
    assert rule_enabled(code, Options(select=select, ignore=ignore)) is expected


@pytest.mark.parametrize("fail_on, expected", [("error", 0), ("warning", 1), ("info", 1), ("never", 0)])
def test_exit_code_follows_fail_on(fail_on, expected):
    doc = Document(Path("d.md"), "markdown", (), ())
    run = RunReport((DocumentReport(doc, (Finding("CA102", "m", severity="warning"),)),))
    assert exit_code(run, Options(fail_on=fail_on)) == expected


def test_discover_walks_folders_skipping_hidden_and_our_own_outputs(tmp_path: Path):
    for name in ("a.md", "b.xml", "sub/c.md", ".git/d.md", "e.png", "f.citeaudit.docx"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = discover([tmp_path], {".md", ".xml", ".docx"}, get_plugin_manager().own_outputs())
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.md", "b.xml", "sub/c.md"]
    with pytest.raises(InputError, match="no such file"):
        discover([tmp_path / "missing.md"], {".md"})


class _Plugin:
    __name__ = "testplugin"

    @hookimpl
    def citeaudit_register_checks(self, register):
        register(Check("always", (RULES["CA406"],), lambda ctx: [Finding("CA406", "weak", claim=1)]))
        register(Check("explodes", (RULES["CA405"],), self._explode))

    @staticmethod
    def _explode(ctx):
        raise ZeroDivisionError("oops")


def test_checks_are_skipped_when_deselected_and_a_failing_check_is_named():
    from citeaudit.manager import DEFAULT_PLUGINS

    host = get_plugin_manager(extra=[_Plugin()], entry_points=False, disabled=list(DEFAULT_PLUGINS))
    claim = Claim(1, "A claim.", (Marker("[1]", (1,), Span(line=1), "bracket"),), Span(line=1))
    doc = Document(Path("d.md"), "markdown", (claim,), (Reference(1, "1", "Ref.", Span(line=3)),))
    options = Options(select=("CA406",))
    checks = enabled_checks(host, options)
    assert [c.name for c in checks] == ["always"]
    report = _run(doc, options, host, None, {}, checks)
    assert [f.rule for f in report.findings] == ["CA406"] and report.records is None
    with pytest.raises(PluginError, match="testplugin.*explodes.*ZeroDivisionError"):
        _run(doc, Options(select=("CA405",)), host, None, {}, enabled_checks(host, Options(select=("CA405",))))


def test_a_folder_passes_over_files_no_reader_takes_but_a_named_one_is_an_error(tmp_path: Path):
    from conftest import run_cli

    (tmp_path / "draft.md").write_text("A claim [1].\n\n## References\n\n1. Smith J. A title. J Test. 2020;1:1-2.\n")
    (tmp_path / "pom.xml").write_text("<project><modelVersion>4.0.0</modelVersion></project>")
    for jobs in ("1", "2"):
        code, out, err = run_cli("check", str(tmp_path), "--format", "json", "--select", "CA1", "--jobs", jobs)
        assert code == 0, err
        assert '"path"' in out and "pom.xml" not in out
    code, _, err = run_cli("check", str(tmp_path / "pom.xml"))
    assert code == 2 and "no reader recognises this file" in err


def test_claims_no_check_could_verify_are_listed_with_the_reason(tmp_path: Path):
    import json

    from conftest import run_cli

    draft = tmp_path / "draft.md"
    draft.write_text("Dupilumab reduced skin infections (RR 0.54) [1].\n\n## References\n\n"
                     "1. Fleming P, Drucker AM. Risk of infection in patients with atopic dermatitis "
                     "treated with dupilumab. J Am Acad Dermatol. 2018;78(1):62-69. "
                     "doi:10.1016/j.jaad.2017.09.052\n")
    code, out, err = run_cli("check", str(draft), "--offline", "--format", "json", "--fail-on", "never")
    assert code == 0, err
    (doc,) = json.loads(out)["documents"]
    assert doc["unchecked"] and doc["unchecked"][0]["claim"] == 1 and doc["unchecked"][0]["citation"] == 1
    assert "offline" in doc["unchecked"][0]["reason"] or "fetched" in doc["unchecked"][0]["reason"]
    assert any(f["rule"] == "CA308" for f in doc["findings"])
