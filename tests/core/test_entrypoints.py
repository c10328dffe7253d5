"""The built-in entry points found without importlib.metadata, and every case where it defers."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import zipfile
from importlib.machinery import PathFinder
from pathlib import Path

import pytest

from citeaudit.entrypoints import builtin_only
from citeaudit.manager import DEFAULT_PLUGINS, ENTRY_POINT_GROUP


def _found(monkeypatch: pytest.MonkeyPatch, *extra: Path) -> list[tuple[str, str]] | None:
    monkeypatch.setattr(sys, "path", [*map(str, extra), *sys.path])
    # Only the standard finders (importing dask in another test adds importlib_metadata's).
    monkeypatch.setattr(sys, "meta_path", [f for f in sys.meta_path
                                           if f is PathFinder or not hasattr(f, "find_distributions")])
    found = builtin_only(ENTRY_POINT_GROUP, DEFAULT_PLUGINS)
    return None if found is None else [(ep.name, ep.value) for ep in found]


def _distribution(site: Path, folder: str, entry_points: str) -> None:
    info = site / folder
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {folder.split('-')[0]}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)


@functools.cache
def _installed() -> list[tuple[str, str]]:
    """What importlib.metadata finds, asked in a fresh interpreter: importing dask in another
    test installs importlib_metadata's finder, which takes the standard one's place."""
    code = ("import json; from importlib import metadata; print(json.dumps("
            f"[[ep.name, ep.value] for ep in metadata.entry_points(group={ENTRY_POINT_GROUP!r})]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    return [tuple(pair) for pair in json.loads(done.stdout)]


def test_the_installed_copy_gives_what_importlib_metadata_gives(monkeypatch):
    assert _found(monkeypatch) == _installed()
    assert dict(_installed()) == DEFAULT_PLUGINS


def test_other_groups_and_comments_of_other_distributions_do_not_matter(monkeypatch, tmp_path):
    _distribution(tmp_path, "tool-2.0.dist-info", "# a comment\n[console_scripts]\ntool = tool:main\n")
    (tmp_path / "legacy.egg-info").write_text("Metadata-Version: 1.0\nName: legacy\n")  # a file, no folder
    assert _found(monkeypatch, tmp_path) == _installed()


@pytest.mark.parametrize("entry_points", [
    "[citeaudit]\nshout = citeaudit_shout\n",  # a third-party plugin
    "[citeaudit]\nmarkdown = citeaudit_markdown_plus\n",  # a built-in's name, another module
    "[citeaudit]\nno equals sign\n",  # a line it cannot read
], ids=["third-party", "replaced-built-in", "unreadable"])
def test_anything_but_the_built_ins_is_left_to_importlib_metadata(monkeypatch, tmp_path, entry_points):
    _distribution(tmp_path, "citeaudit_shout-1.0.dist-info", entry_points)
    assert _found(monkeypatch, tmp_path) is None


def test_a_second_copy_of_citeaudit_that_differs_is_left_to_importlib_metadata(monkeypatch, tmp_path):
    _distribution(tmp_path, "citeaudit-0.0.1.dist-info", "[citeaudit]\nmarkdown = citeaudit.plugins.markdown\n")
    assert _found(monkeypatch, tmp_path) is None


def test_an_identical_second_copy_changes_nothing(monkeypatch, tmp_path):
    lines = "".join(f"{name} = {module}\n" for name, module in _installed())
    _distribution(tmp_path, "citeaudit.egg-info", f"[citeaudit]\n{lines}")
    assert _found(monkeypatch, tmp_path) == _installed()


def test_a_zip_or_an_egg_on_the_path_is_left_to_importlib_metadata(monkeypatch, tmp_path):
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("shout-1.0.dist-info/entry_points.txt", "[citeaudit]\nshout = shout\n")
    assert _found(monkeypatch, archive) is None
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "shout-1.0-py3.11.egg").mkdir()
    assert _found(monkeypatch, tmp_path / "site") is None


def test_a_metadata_finder_of_its_own_is_left_to_importlib_metadata(monkeypatch):
    class Finder:
        @staticmethod
        def find_distributions(context=None):
            return iter(())

    assert _found(monkeypatch) is not None
    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder])
    assert builtin_only(ENTRY_POINT_GROUP, DEFAULT_PLUGINS) is None


def test_a_warm_start_does_not_import_importlib_metadata(tmp_path):
    code = ("import sys; from citeaudit.manager import get_plugin_manager; host = get_plugin_manager(); "
            "print(len(host.origins), 'importlib.metadata' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120, check=True)
    assert done.stdout.split() == [str(len(DEFAULT_PLUGINS)), "False"]
