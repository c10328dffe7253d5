"""The documentation keeps up with the code."""

from __future__ import annotations

import re

from conftest import builtin_rules
from paths import ROOT

import citeaudit.hookspecs as hookspecs

RULES = builtin_rules()



def test_every_hook_is_documented_for_plugin_authors():
    hooks = [name for name in dir(hookspecs) if name.startswith("citeaudit_")]
    text = (ROOT / "docs" / "plugins.md").read_text()
    assert len(hooks) >= 6
    for hook in hooks:
        assert f"`{hook}(" in text, f"{hook} is not documented in docs/plugins.md"
        assert getattr(hookspecs, hook).__doc__, f"{hook} has no docstring"


def test_the_rule_catalogue_matches_rules_md():
    design = ROOT.parent / "shared" / "design" / "RULES.md"
    source = design if design.exists() else None
    codes = set(re.findall(r"^\| (CA\d{3}) \|", source.read_text(), re.M)) if source else set(RULES)
    project = {code for code in RULES if code.startswith("CA")}
    # Codes the project has added that RULES.md is still to list: never a renamed or dropped one.
    assert codes <= project and project - codes <= NOT_YET_IN_RULES_MD


NOT_YET_IN_RULES_MD = {"CA107"}
"""CA107 unused-suppression (issue 16): added to the code and docs/rules.md; RULES.md is the lead's."""


def test_every_dependency_is_explained():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [re.split(r"[<>=;\[ ]", dep)[0] for dep in
             project["dependencies"] + project["optional-dependencies"]["test"]]
    text = (ROOT / "docs" / "dependencies.md").read_text().lower()
    missing = [name for name in names if f"`{name.lower()}`" not in text]
    assert missing == [], f"not explained in docs/dependencies.md: {missing}"


def test_readme_starts_with_the_two_setup_commands_and_ci_runs_the_test_one():
    lines = [line for line in (ROOT / "README.md").read_text().splitlines() if line.strip()]
    fences = [i for i, line in enumerate(lines) if line.startswith("```")]
    commands = [line for line in lines[fences[0] + 1:fences[1]] if not line.startswith("#")]
    assert len(commands) == 2, commands
    run_cmd, test_cmd = commands
    assert "examples/" in run_cmd and "--offline" in run_cmd
    assert "pytest" in test_cmd
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_cmd.split("&&")[-1].strip() in ci


def test_the_rules_page_is_generated_from_the_checks():
    from citeaudit.rules import render_rules

    page = (ROOT / "docs" / "rules.md").read_text()
    assert page == render_rules(RULES, "markdown"), \
        "docs/rules.md is stale: run `citeaudit rules --format markdown > docs/rules.md`"
    assert all(rule.help for rule in RULES.values()), "every built-in rule says what to do"


def test_the_architecture_page_names_files_that_exist():
    """docs/architecture.md says where each concept lives: every file it names must be there."""
    page = (ROOT / "docs" / "architecture.md").read_text()
    named = set(re.findall(r"\b((?:core|bib|plugins|docs|tests)/[\w/.-]*\w)", page))
    assert len(named) > 30
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert missing == [], missing
