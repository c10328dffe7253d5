"""The wheel holds every module, and imports never name the source folders."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from paths import ROOT

FOLDERS = {"core": "citeaudit", "bib": "citeaudit/bib", "plugins": "citeaudit/plugins"}


def _sources() -> list[Path]:
    return [p for folder in FOLDERS for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(out), str(ROOT)], check=True, capture_output=True,
                   cwd=build, timeout=300)
    (path,) = out.glob("citeaudit-*.whl")
    return zipfile.ZipFile(path)


def test_every_module_and_data_file_is_in_the_wheel(wheel: zipfile.ZipFile):
    names = set(wheel.namelist())
    for source in _sources():
        folder = source.relative_to(ROOT).parts[0]
        inside = FOLDERS[folder] + "/" + source.relative_to(ROOT / folder).as_posix()
        assert inside in names, f"{source.relative_to(ROOT)} is missing from the wheel"
    for data in [p for folder in FOLDERS for ext in ("json", "toml") for p in (ROOT / folder).rglob(f"*.{ext}")]:
        folder = data.relative_to(ROOT).parts[0]
        assert FOLDERS[folder] + "/" + data.relative_to(ROOT / folder).as_posix() in names
    assert not any(n.startswith(("core/", "bib/", "plugins/", "tests/")) for n in names)


def test_entry_points_are_in_the_wheel_metadata(wheel: zipfile.ZipFile):
    entry_points = next(n for n in wheel.namelist() if n.endswith("entry_points.txt"))
    text = wheel.read(entry_points).decode()
    assert "citeaudit = citeaudit.cli:main" in text and "[citeaudit]" in text


def test_no_import_names_a_source_folder_or_is_relative():
    bad = re.compile(r"^\s*(from\s+(core|bib|plugins)[\s.]|import\s+(core|bib|plugins)\b|from\s+\.)", re.M)
    offenders = [str(p.relative_to(ROOT)) for p in _sources() + list((ROOT / "tests").rglob("*.py"))
                 if bad.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
