"""One run context: configuration, then plugins, then options, the same for every command."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

DRAFT = "A claim [1]. Another claim [9].\n\n## References\n\n1. Smith J. A title. J Test. 2020;1:1-2.\n"


def _rules(out: str) -> set[str]:
    return {f["rule"] for d in json.loads(out)["documents"] for f in d["findings"]}


def test_disable_plugins_in_the_configuration_is_honoured_with_one_job(tmp_path: Path, monkeypatch):
    """Defect 1: `disable-plugins` in citeaudit.toml worked only with --jobs > 1."""
    monkeypatch.chdir(tmp_path)
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text(DRAFT)
    code, out, err = run_cli("check", "a.md", "--offline", "--format", "json", "--fail-on", "never")
    assert code == 0 and "CA101" in _rules(out), err
    (tmp_path / "citeaudit.toml").write_text('disable-plugins = ["structure"]\n')
    for jobs in ("1", "2"):
        code, out, err = run_cli("check", "a.md", "b.md", "--offline", "--format", "json", "--jobs", jobs)
        assert code in (0, 1), err
        assert not any(rule.startswith("CA1") for rule in _rules(out)), jobs


def test_cache_commands_use_the_configured_cache_dir(tmp_path: Path, monkeypatch, data: Path):
    """Defect 3: `cache stats|clear|import` ignored the configuration file's cache-dir."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CITEAUDIT_CACHE_DIR")
    (tmp_path / "citeaudit.toml").write_text('cache-dir = "project-cache"\n')
    snapshot = tmp_path / "snap.jsonl"
    snapshot.write_text(json.dumps({"DOI": "10.1000/xyz1", "title": ["A title"], "type": "journal-article",
                                    "author": [{"family": "Smith", "given": "J"}],
                                    "container-title": ["J Test"], "issued": {"date-parts": [[2020]]},
                                    "volume": "1", "page": "1-2"}) + "\n")
    code, out, err = run_cli("cache", "import", str(snapshot))
    assert code == 0 and "imported 1 crossref" in out, err
    assert (tmp_path / "project-cache").is_dir()
    draft = tmp_path / "d.md"
    draft.write_text("A claim [1].\n\n## References\n\n1. Smith J. A title. J Test. 2020;1:1-2. "
                     "doi:10.1000/xyz1\n")
    code, out, err = run_cli("check", str(draft), "--offline", "--format", "json", "--select", "CA3")
    assert "CA308" not in _rules(out), err
    code, out, _ = run_cli("cache", "stats")
    assert code == 0 and "crossref" in out and "project-cache" in out
    code, out, _ = run_cli("cache", "clear")
    assert code == 0 and "removed 1" in out


class ExtraPlugin:
    """A plugin object registered directly (`get_plugin_manager(extra=...)`), not by entry point."""

    __name__ = "extra-plugin"

    @staticmethod
    def _always(ctx):
        from citeaudit.model import Finding

        yield Finding("EXT101", f"checked {ctx.document.path.name}")

    def citeaudit_register_checks(self, register):
        from citeaudit.checks import Check
        from citeaudit.rules import Rule

        register(Check("extra-check", (Rule("EXT101", "extra", "info", "an extra plugin ran"),), self._always))


def _mark(plugin):
    from citeaudit import hookimpl

    hookimpl(type(plugin).citeaudit_register_checks)
    return plugin


_mark(ExtraPlugin())


def test_extra_plugins_reach_the_jobs_workers(tmp_path: Path, monkeypatch):
    """Defect 2: plugins passed with `get_plugin_manager(extra=...)` disappeared in --jobs workers."""
    from citeaudit.run import RunContext

    monkeypatch.chdir(tmp_path)
    for name in ("a.md", "b.md", "c.md"):
        (tmp_path / name).write_text(DRAFT)
    for jobs in (1, 2):
        context = RunContext.build({"offline": True, "jobs": jobs, "select": "EXT1"}, extra=[ExtraPlugin()])
        run = context.check([tmp_path]).materialise()
        assert [[f.message for f in d.findings] for d in run.documents] == \
            [[f"checked {n}"] for n in ("a.md", "b.md", "c.md")], jobs


def test_an_extra_plugin_that_cannot_reach_workers_is_a_usage_error(tmp_path: Path, monkeypatch):
    from citeaudit.errors import UsageError
    from citeaudit.run import RunContext

    class Local(ExtraPlugin):  # a class inside a function cannot be pickled
        __name__ = "local-plugin"

    monkeypatch.chdir(tmp_path)
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text(DRAFT)
    context = RunContext.build({"offline": True, "jobs": 2}, extra=[Local()])
    try:
        context.check([tmp_path]).materialise()
    except UsageError as exc:
        assert "local-plugin" in str(exc) and "worker" in str(exc)
    else:
        raise AssertionError("expected a UsageError")
