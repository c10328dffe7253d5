"""Options: one table, command line over environment over configuration file over defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import builtin_rules, run_cli
from paths import ROOT

from citeaudit.config import build_options, find_config
from citeaudit.errors import UsageError
from citeaudit.options import OPTIONS, Integer, Number, Option, OptionGroup

RULES = builtin_rules()


def _declared(**kinds) -> dict[str, Option]:
    group = OptionGroup()
    for name, (default, kind) in kinds.items():
        group.add(name, default=default, type=kind)
    return group.declared


def test_defaults_without_configuration():
    options = build_options({})
    assert options.format == "text" and options.fail_on == "error" and options.jobs == 1
    assert options.select == () and options.config_path is None
    assert {o.field for o in OPTIONS if o.name != "plugin-option"} <= set(vars(options))


def test_pyproject_table_found_upward_and_command_line_wins(tmp_path: Path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.citeaudit]\nfail-on = "warning"\nignore = ["CA102"]\nbib = "refs.bib"\n'
        'cache-dir = "cache"\n[tool.citeaudit.severity]\nCA103 = "error"\n')
    sub = tmp_path / "drafts" / "2024"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    monkeypatch.delenv("CITEAUDIT_CACHE_DIR")
    assert find_config() == tmp_path / "pyproject.toml"
    options = build_options({"fail_on": "info"}, rules=RULES)
    assert options.fail_on == "info"
    assert options.ignore == ("CA102",)
    # Paths in the file are relative to the file, not to the working folder.
    assert options.bib == (tmp_path / "refs.bib",)
    assert options.cache_dir == tmp_path / "cache"
    assert options.severity == {"CA103": "error"}


def test_pyproject_without_our_table_is_passed_over(tmp_path: Path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "citeaudit.toml").write_text('select = "CA1,CA2"\n')
    monkeypatch.chdir(tmp_path / "sub")
    assert build_options({}).select == ("CA1", "CA2")
    monkeypatch.chdir(tmp_path)
    assert find_config() is None


@pytest.mark.parametrize("text, message", [
    ('fail-on = "sometimes"', "fail-on must be one of"),
    ('select = ["CA9"]', "not a rule code"),
    ('[severity]\nCA999 = "error"', "unknown rule"),
    ('[severity]\nCA101 = "fatal"', "must be one of error, warning, info"),
    ('select = [', "invalid TOML"),
    # hostile configuration (issue 22): each a one-line error, never a crash
    ("a = " + "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("jobs = 1" + "0" * 5000, "invalid TOML"),
    ("jobs = 100000", "jobs must be a whole number from 1 to 256"),
    ("jobs = 0", "jobs must be"),
    ("jobs = true", "jobs must be"),
    ("timeout = nan", "timeout must be a number above 0"),
    ("timeout = -1", "timeout must be"),
    ("timeout = inf", "timeout must be"),
    ('bib = 3', "bib must be a path"),
    ('offline = "maybe"', "offline must be true or false"),
    ("severity = 3", "severity must be a table"),
    ('disable-plugins = [1]', "disable-plugins must be"),
])
def test_bad_configuration_is_a_usage_error_naming_the_file(tmp_path: Path, text: str, message: str):
    path = tmp_path / "citeaudit.toml"
    path.write_text(text)
    with pytest.raises(UsageError, match=message) as info:
        build_options({"config_path": path}, rules=RULES)
    assert "citeaudit.toml" in str(info.value) and "\n" not in str(info.value)


def test_unknown_keys_are_errors_naming_the_key_and_the_file(tmp_path: Path):
    """Defect 7: a `[tool.citeaudit]` table inside citeaudit.toml did nothing and said nothing."""
    path = tmp_path / "citeaudit.toml"
    path.write_text('[tool.citeaudit]\nfail-on = "warning"\n')
    with pytest.raises(UsageError, match=r"citeaudit.toml: unknown key 'tool'.*top level"):
        build_options({"config_path": path})
    path.write_text('fail_on = "warning"\nfial-on = "info"\n')
    with pytest.raises(UsageError, match=r"citeaudit.toml: unknown key 'fial-on'"):
        build_options({"config_path": path})
    path.write_text('output = "report.txt"\n')
    with pytest.raises(UsageError, match="'output'.*command line only"):
        build_options({"config_path": path})
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.citeaudit]\nbibs = ["a.bib"]\n')
    with pytest.raises(UsageError, match=r"pyproject.toml: unknown key 'bibs'"):
        build_options({"config_path": pyproject})


def test_unknown_key_exits_2_with_one_line(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "citeaudit.toml").write_text('[tool.citeaudit]\nfail-on = "warning"\n')
    (tmp_path / "d.md").write_text("A claim [1].\n\n## References\n\n1. Smith J. T. J. 2020;1:1-2.\n")
    code, _, err = run_cli("check", "d.md", "--offline")
    assert code == 2 and err.count("\n") == 1 and "unknown key 'tool'" in err


def test_plugin_options_are_typed_from_config_and_command_line(tmp_path: Path):
    path = tmp_path / "citeaudit.toml"
    path.write_text('min-overlap = 0.5\n')
    declared = _declared(**{"min-overlap": (0.2, Number(0, 1)), "other": (1, Integer(0, 9))})
    options = build_options({"config_path": path}, plugin_options=declared)
    assert options.plugin_options == {"min-overlap": 0.5, "other": 1}
    options = build_options({"config_path": path, "plugin_option": ("other=7",)}, plugin_options=declared)
    assert options.plugin_options["other"] == 7
    with pytest.raises(UsageError, match="unknown option"):
        build_options({"plugin_option": ("nope=1",)}, plugin_options=declared)
    with pytest.raises(UsageError, match="other must be a whole number from 0 to 9"):
        build_options({"plugin_option": ("other=10",)}, plugin_options=declared)
    path.write_text('min-overlap = "lots"\n')
    with pytest.raises(UsageError, match="citeaudit.toml: min-overlap must be a number"):
        build_options({"config_path": path}, plugin_options=declared)


def test_a_plugin_option_type_is_inferred_from_its_default():
    declared = _declared(count=(3, None), ratio=(0.5, None), on=(False, None), word=("a", None))
    options = build_options({"plugin_option": ("count=4", "ratio=0.25", "on=yes", "word=b")},
                            plugin_options=declared)
    assert options.plugin_options == {"count": 4, "ratio": 0.25, "on": True, "word": "b"}
    with pytest.raises(UsageError, match="count must be a whole number"):
        build_options({"plugin_option": ("count=1.5",)}, plugin_options=declared)


def test_a_plugin_option_may_not_shadow_a_core_option():
    with pytest.raises(UsageError, match="declared twice"):
        OptionGroup().add("jobs", default=2)


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf", "1e9"])
def test_bad_request_timeout_is_one_line_exit_2(tmp_path: Path, value: str):
    """Defect 5: `request-timeout=abc` was an internal ValueError, 0 silently became 20."""
    draft = tmp_path / "d.md"
    draft.write_text("A claim [1].\n\n## References\n\n1. Smith J. T. J. 2020;1:1-2.\n")
    code, _, err = run_cli("check", str(draft), "--offline", "--plugin-option", f"request-timeout={value}")
    assert code == 2 and err.count("\n") == 1, err
    assert "request-timeout must be a number above 0" in err and "internal error" not in err


@pytest.mark.parametrize("option", ["registry-retries=1e9", "registry-retries=-1", "registry-backoff=nan"])
def test_bad_registry_options_are_one_line_exit_2(tmp_path: Path, option: str):
    draft = tmp_path / "d.md"
    draft.write_text("A claim [1].\n\n## References\n\n1. Smith J. T. J. 2020;1:1-2.\n")
    code, _, err = run_cli("check", str(draft), "--offline", "--plugin-option", option)
    assert code == 2 and err.count("\n") == 1 and option.split("=")[0] + " must be" in err, err


@pytest.mark.parametrize("args, message", [
    (("--jobs", str(10 ** 50)), "jobs must be a whole number"),
    (("--jobs", "two"), "jobs must be"),
    (("--timeout", "nan"), "timeout must be a number above 0"),
    (("--timeout", "0"), "timeout must be"),
])
def test_bad_command_line_values_are_one_line_exit_2(tmp_path: Path, args, message):
    draft = tmp_path / "d.md"
    draft.write_text("A claim [1].\n\n## References\n\n1. Smith J. T. J. 2020;1:1-2.\n")
    code, _, err = run_cli("check", str(draft), "--offline", *args)
    assert code == 2 and err.count("\n") == 1 and message in err, err


def test_cache_dir_from_environment_between_command_line_and_file(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("CITEAUDIT_CACHE_DIR", str(tmp_path / "c"))
    (tmp_path / "citeaudit.toml").write_text('cache-dir = "from-file"\n')
    monkeypatch.chdir(tmp_path)
    assert build_options({}).cache_dir == tmp_path / "c"
    assert build_options({"cache_dir": tmp_path / "d"}).cache_dir == tmp_path / "d"
    monkeypatch.delenv("CITEAUDIT_CACHE_DIR")
    assert build_options({}).cache_dir == tmp_path / "from-file"


def test_the_options_page_is_generated_from_the_table():
    from citeaudit.options import render_options

    page = (ROOT / "docs" / "options.md").read_text()
    assert page == render_options(), "docs/options.md is stale: run `python -m citeaudit.options > docs/options.md`"
    for option in OPTIONS:
        assert f"`{option.name}`" in page


def test_rules_json_lists_help_from_the_checks():
    code, out, _ = run_cli("rules", "--format", "json")
    listed = {r["code"]: r for r in json.loads(out)}
    assert code == 0 and listed["CA304"]["help"].startswith("Copy title")


@pytest.mark.parametrize("content", ["not json at all", "[1, 2]", '{"Crossref-Plus-API-Token": 5}',
                                     '{"Mailto": "a@b.org\\nX-Injected: 1"}', "\udcff"])
def test_an_invalid_crapi_key_file_is_one_line_exit_2(tmp_path: Path, recorded_registry, content: str):
    """Hostile configuration (issue 22): crossref-commons' ~/.crapi_key crashed the run."""
    import os

    key = Path(os.environ["HOME"]) / ".crapi_key"
    key.write_bytes(content.encode("utf-8", "surrogateescape"))
    draft = tmp_path / "d.md"
    draft.write_text("A claim [1].\n\n## References\n\n1. Smith J. T. J. 2020;1:1-2. doi:10.1038/srep16696\n")
    code, _, err = run_cli("check", str(draft), "--select", "CA3")
    assert code == 2 and err.count("\n") == 1 and ".crapi_key" in err and "internal error" not in err, err
    assert "not json" not in err
