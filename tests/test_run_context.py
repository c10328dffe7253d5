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
