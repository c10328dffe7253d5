"""The plugin manager: built-ins, entry points, third-party plugins, failures."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tomllib
from paths import ROOT

from citeaudit import hookimpl
from citeaudit.checks import Check
from citeaudit.errors import PluginError, UsageError
from citeaudit.manager import DEFAULT_PLUGINS, get_plugin_manager
from citeaudit.report import Reporter


def test_default_plugins_equal_the_declared_entry_points():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["citeaudit"]
    assert declared == DEFAULT_PLUGINS


def test_every_module_in_plugins_is_registered_or_used_by_one():
    """A module in plugins/ that no entry point names must be imported by one that is."""
    registered = {module.rsplit(".", 1)[1] for module in DEFAULT_PLUGINS.values()}
    sources = {p.stem: p.read_text() for p in (ROOT / "plugins").glob("*.py") if p.stem != "__init__"}
    sources.update({p.name: (p / "__init__.py").read_text() for p in (ROOT / "plugins").iterdir()
                    if p.is_dir() and (p / "__init__.py").exists()})
    def uses(text: str, name: str) -> bool:
        return f"citeaudit.plugins.{name}" in text or f"citeaudit.plugins import {name}" in text

    reached = set(registered) & set(sources)
    while True:  # used by an entry point, or by a module one uses, and so on
        more = {name for name in sources if name not in reached
                and any(uses(sources[other], name) for other in reached)}
        if not more:
            break
        reached |= more
    assert sorted(set(sources) - reached) == [], "neither an entry point nor used by one"


def test_builtins_load_without_package_metadata():
    host = get_plugin_manager(entry_points=False)
    assert set(host.origins) == set(DEFAULT_PLUGINS)
    assert all(origin == "built-in" for origin in host.origins.values())
    assert "json" in host.reporters()


def test_disable_plugin_removes_it_and_a_typo_is_a_usage_error():
    host = get_plugin_manager(disabled=["json"])
    assert "json" not in host.reporters()
    with pytest.raises(UsageError, match="no plugin named 'jsn'|no plugin named jsn"):
        get_plugin_manager(disabled=["jsn"])


class _Twice:
    __name__ = "twice"

    @hookimpl
    def citeaudit_register_reporters(self, register):
        register(Reporter("json", lambda run: "", "a second json"))


def test_registering_a_name_twice_names_the_plugin():
    host = get_plugin_manager(extra=[_Twice()])
    with pytest.raises(PluginError, match="twice.*already registered"):
        host.reporters()


class _Broken:
    __name__ = "broken"

    @hookimpl
    def citeaudit_register_checks(self, register):
        raise RuntimeError("boom")


def test_a_plugin_failing_at_registration_is_named():
    host = get_plugin_manager(extra=[_Broken()])
    with pytest.raises(PluginError, match="'broken'.*boom"):
        host.checks()


def test_check_refuses_unknown_needs():
    with pytest.raises(ValueError, match="unknown inputs"):
        Check("x", ("CA101",), lambda ctx: [], needs=frozenset({"internet"}))


THIRD_PARTY = '''
"""A third-party citeaudit plugin: reads .cite files, adds a check with its own rule, a reporter."""
from pathlib import Path
from citeaudit import hookimpl
from citeaudit.checks import Check
from citeaudit.model import Claim, Document, Finding, Marker, Reference, Span
from citeaudit.options import Integer
from citeaudit.readers import Reader
from citeaudit.report import Reporter
from citeaudit.rules import Rule

SHT101 = Rule("SHT101", "shouted-claim", "warning", "a claim is written in capital letters",
              help="Write the claim in sentence case.")


def read_cite(path, options):
    claims, refs = [], []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        kind, _, rest = line.partition(" ")
        if kind == "claim":
            text, _, nums = rest.partition("|")
            numbers = tuple(int(x) for x in nums.split(","))
            marker = Marker(nums, numbers, Span(line=n), "bracket")
            claims.append(Claim(len(claims) + 1, text.strip(), (marker,), Span(line=n)))
        elif kind == "ref":
            number, _, text = rest.partition(" ")
            refs.append(Reference(int(number), number, text, Span(line=n)))
    return Document(path=path, format="cite", claims=tuple(claims), references=tuple(refs))


@hookimpl
def citeaudit_register_readers(register):
    register(Reader("cite", (".cite",), read_cite, description="claim and ref lines"))


def _shouting(ctx):
    for claim in ctx.document.claims:
        if claim.text.isupper():
            yield Finding("CA406", "claim is shouted", span=claim.span, claim=claim.id)


def _loud(ctx):
    for claim in ctx.document.claims:
        if claim.text.isupper() and len(claim.text) >= ctx.options.plugin_options["shout-length"]:
            yield Finding("SHT101", "claim is loud", span=claim.span, claim=claim.id)


@hookimpl
def citeaudit_register_checks(register):
    register(Check("shouting", ("CA406",), _shouting, description="no shouting"))
    register(Check("loud", (SHT101,), _loud, description="loud claims"))


@hookimpl
def citeaudit_add_options(group):
    group.add("shout-length", default=5, type=Integer(1, 100), help="shortest loud claim")


@hookimpl
def citeaudit_register_reporters(register):
    register(Reporter("tally", lambda run: "".join(
        f"{d.document.path.name} {' '.join(f.rule for f in d.findings)}\\n" for d in run.documents)))
'''


@pytest.fixture
def installed_plugin(tmp_path: Path) -> Path:
    """A plugin distribution installed into a site folder: module plus dist-info metadata."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "citeaudit_shout.py").write_text(textwrap.dedent(THIRD_PARTY))
    info = site / "citeaudit_shout-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: citeaudit-shout\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[citeaudit]\nshout = citeaudit_shout\n")
    (tmp_path / "draft.cite").write_text("claim WE SHOUT HERE|1\nref 1 A reference.\n")
    return site


def _cli(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(cwd),
           "CITEAUDIT_CACHE_DIR": str(cwd / "cache")}
    return subprocess.run([sys.executable, "-m", "citeaudit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_an_installed_third_party_plugin_adds_a_reader_and_a_check(installed_plugin: Path):
    cwd = installed_plugin.parent
    listing = _cli(installed_plugin, "plugins", cwd=cwd)
    assert listing.returncode == 0, listing.stderr
    assert "shout" in listing.stdout and "entry point of citeaudit-shout" in listing.stdout
    assert "check shouting" in listing.stdout and "reader cite (.cite)" in listing.stdout

    result = _cli(installed_plugin, "check", "draft.cite", "--format", "json", "--select", "CA406",
                  "--fail-on", "info", cwd=cwd)
    assert result.returncode == 1, result.stderr
    assert '"CA406"' in result.stdout and "claim is shouted" in result.stdout

    disabled = _cli(installed_plugin, "--disable-plugin", "shout", "check", "draft.cite", cwd=cwd)
    assert disabled.returncode == 2
    assert "no reader recognises this file" in disabled.stderr


def test_a_third_party_reader_check_rule_and_reporter_work_with_two_jobs(installed_plugin: Path):
    """Issue 19: a plugin by entry point adds a reader, a check with its own code prefix and a
    reporter, and all of them reach the --jobs workers."""
    cwd = installed_plugin.parent
    (cwd / "second.cite").write_text("claim QUIET|1\nclaim ANOTHER LOUD ONE|1\nref 1 A reference.\n")
    rules = _cli(installed_plugin, "rules", cwd=cwd)
    assert "SHT1xx" in rules.stdout and "SHT101  shouted-claim" in rules.stdout, rules.stderr
    result = _cli(installed_plugin, "check", "draft.cite", "second.cite", "--jobs", "2", "--format", "tally",
                  "--select", "SHT1", "--fail-on", "never", "--plugin-option", "shout-length=6", cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["draft.cite SHT101", "second.cite SHT101"]
    sarif = _cli(installed_plugin, "check", "draft.cite", "--format", "sarif", "--select", "SHT101", cwd=cwd)
    assert '"id": "SHT101"' in sarif.stdout and "sentence case" in sarif.stdout
