"""Options: command line over configuration file over defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from citeaudit.config import build_options, find_config
from citeaudit.errors import UsageError


def test_defaults_without_configuration():
    options = build_options({})
    assert options.format == "text" and options.fail_on == "error" and options.jobs == 1
    assert options.select == () and options.config_path is None


def test_pyproject_table_found_upward_and_command_line_wins(tmp_path: Path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.citeaudit]\nfail-on = "warning"\nignore = ["CA102"]\nbib = "refs.bib"\n'
        '[tool.citeaudit.severity]\nCA103 = "error"\n')
    sub = tmp_path / "drafts" / "2024"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert find_config() == tmp_path / "pyproject.toml"
    options = build_options({"fail_on": "info"})
    assert options.fail_on == "info"
    assert options.ignore == ("CA102",)
    assert options.bib == (tmp_path / "refs.bib",)
    assert options.severity_of("CA103") == "error" and options.severity_of("CA102") == "warning"


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
    ('[severity]\nCA101 = "fatal"', "must be error, warning or info"),
    ('select = [', "invalid TOML"),
])
def test_bad_configuration_is_a_usage_error_naming_the_file(tmp_path: Path, text: str, message: str):
    path = tmp_path / "citeaudit.toml"
    path.write_text(text)
    with pytest.raises(UsageError, match=message) as info:
        build_options({"config_path": path})
    assert "citeaudit.toml" in str(info.value)


def test_plugin_options_from_config_and_command_line(tmp_path: Path):
    path = tmp_path / "citeaudit.toml"
    path.write_text('min-overlap = "0.5"\n')
    declared = {"min-overlap": ("0.2", "help"), "other": (1, "help")}
    options = build_options({"config_path": path}, plugin_options=declared)
    assert options.plugin_options == {"min-overlap": "0.5", "other": 1}
    options = build_options({"config_path": path, "plugin_option": ("other=7",)}, plugin_options=declared)
    assert options.plugin_options["other"] == "7"
    with pytest.raises(UsageError, match="unknown option"):
        build_options({"plugin_option": ("nope=1",)}, plugin_options=declared)


def test_cache_dir_from_environment(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("CITEAUDIT_CACHE_DIR", str(tmp_path / "c"))
    assert build_options({}).cache_dir == tmp_path / "c"
    assert build_options({"cache_dir": tmp_path / "d"}).cache_dir == tmp_path / "d"
