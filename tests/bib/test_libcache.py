"""The parsed library kept in the cache folder: used while valid, never trusted otherwise."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from citeaudit.bib import bibtex, libcache

LIBRARY = """\
@article{smith2019,
  author = {Smith, John and Jones, Kate},
  title = {Blue light for acne},
  journal = {J Dermatol Treat},
  year = {2019}, doi = {10.1000/abc.1}
}
@article{smith2019,
  title = {A repeated key: a problem the cached copy must keep}
}
"""


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, ...]]:
    """Every call of the real parser, by the files it read."""
    calls: list[tuple[Path, ...]] = []
    real = bibtex.load_library

    def counting(paths):
        calls.append(tuple(paths))
        return real(paths)

    monkeypatch.setattr(bibtex, "load_library", counting)
    return calls


def _stored(cache: Path) -> list[Path]:
    return sorted((cache / libcache.FOLDER).glob("*.pickle"))


def test_a_second_load_reads_the_stored_copy_equal_to_a_parse(tmp_path: Path, parses):
    bib = tmp_path / "library.bib"
    bib.write_text(LIBRARY, encoding="utf-8")
    first = libcache.load_library([bib], tmp_path / "cache")
    second = libcache.load_library([bib], tmp_path / "cache")
    assert len(parses) == 1
    assert second == first
    assert [e.key for e in second.entries] == ["smith2019"] and second.problems  # the repeated key is kept
    [stored] = _stored(tmp_path / "cache")
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600


def test_the_library_names_its_files_as_this_run_gave_them(tmp_path: Path, parses, monkeypatch):
    """`--bib library.bib` after `--bib /abs/library.bib`: spans and findings say what was typed."""
    bib = tmp_path / "library.bib"
    bib.write_text(LIBRARY, encoding="utf-8")
    libcache.load_library([bib], tmp_path / "cache")
    monkeypatch.chdir(tmp_path)
    relative = libcache.load_library([Path("library.bib")], tmp_path / "cache")
    assert relative == bibtex.load_library([Path("library.bib")])
    assert relative.paths == (Path("library.bib"),)
    assert {e.span.part for e in relative.entries} == {"library.bib"}


def test_an_edited_library_is_parsed_again_and_replaces_its_copy(tmp_path: Path, parses):
    bib = tmp_path / "library.bib"
    bib.write_text(LIBRARY, encoding="utf-8")
    libcache.load_library([bib], tmp_path / "cache")
    before = bib.stat()
    bib.write_text(LIBRARY.replace("Blue light", "Red light!"), encoding="utf-8")  # same size
    os.utime(bib, ns=(before.st_atime_ns, before.st_mtime_ns))  # even with the old mtime
    library = libcache.load_library([bib], tmp_path / "cache")
    assert len(parses) == 2
    assert library.entries[0].work.title == "Red light! for acne"
    assert len(_stored(tmp_path / "cache")) == 1


def test_a_damaged_or_shared_copy_is_not_used(tmp_path: Path, parses):
    bib = tmp_path / "library.bib"
    bib.write_text(LIBRARY, encoding="utf-8")
    cache = tmp_path / "cache"
    libcache.load_library([bib], cache)
    [stored] = _stored(cache)
    stored.write_bytes(b"\x80\x05not a pickle")
    assert libcache.load_library([bib], cache).entries[0].key == "smith2019"
    assert len(parses) == 2
    stored.chmod(0o666)  # anyone may write it: never loaded
    libcache.load_library([bib], cache)
    assert len(parses) == 3


def test_a_cache_folder_that_cannot_be_written_still_gives_the_library(tmp_path: Path, parses):
    bib = tmp_path / "library.bib"
    bib.write_text(LIBRARY, encoding="utf-8")
    cache = tmp_path / "cache"
    cache.write_text("a file where the folder should be", encoding="utf-8")
    assert libcache.load_library([bib], cache).entries[0].key == "smith2019"
    assert libcache.load_library([bib], cache).entries[0].key == "smith2019"
    assert len(parses) == 2
    assert cache.read_text(encoding="utf-8") == "a file where the folder should be"


def test_cache_clear_removes_the_stored_libraries(tmp_path: Path):
    from click.testing import CliRunner

    from citeaudit.cli import cli

    bib = tmp_path / "library.bib"
    bib.write_text(LIBRARY, encoding="utf-8")
    cache = tmp_path / "cache"
    libcache.load_library([bib], cache)
    assert _stored(cache)
    result = CliRunner().invoke(cli, ["cache", "clear", "--cache-dir", str(cache)])
    assert result.exit_code == 0, result.output
    assert _stored(cache) == []


def test_a_check_run_twice_reports_the_same_and_parses_the_library_once(tmp_path: Path, parses):
    from click.testing import CliRunner

    from citeaudit.cli import cli

    draft = tmp_path / "review.md"
    draft.write_text("# Review\n\nBlue light reduced lesions [1].\n\n## References\n\n"
                     "1. Smith J, Jones K. Blue light for acne. J Dermatol Treat. 2019. doi:10.1000/abc.1\n",
                     encoding="utf-8")
    bib = tmp_path / "library.bib"
    bib.write_text(LIBRARY, encoding="utf-8")
    reports = []
    for _ in range(2):
        result = CliRunner().invoke(cli, ["check", str(draft), "--bib", str(bib), "--offline", "--format", "json",
                                          "--cache-dir", str(tmp_path / "cache"), "--fail-on", "never"],
                                    env={"SOURCE_DATE_EPOCH": "0"})
        assert result.exit_code == 0, result.output
        reports.append(result.output)
    assert reports[0] == reports[1] and '"CA202"' in reports[0]  # the library's repeated key, both times
    assert len(parses) == 1
