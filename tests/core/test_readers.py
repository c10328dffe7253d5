"""Readers as registered components: chosen by suffix, in precedence order, old hooks adapted."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from citeaudit import hookimpl
from citeaudit.errors import InputError, PluginError, UnrecognisedFile
from citeaudit.manager import get_plugin_manager
from citeaudit.model import Document
from citeaudit.readers import Reader

DRAFT = "A claim [1].\n\n## References\n\n1. Smith J. A title. J Test. 2020;1:1-2.\n"


def _empty(path: Path, fmt: str) -> Document:
    return Document(path=path, format=fmt, claims=(), references=())


class _Notes:
    """A third-party reader of `.md` notes: only those starting with `%notes`; others pass on."""

    __name__ = "notes"

    @hookimpl
    def citeaudit_register_readers(self, register):
        register(Reader("notes", (".md", ".note"), self.read))

    @staticmethod
    def read(path, options):
        return _empty(path, "notes") if path.read_text().startswith("%notes") else None


def test_a_third_party_reader_comes_before_the_builtin_and_may_pass_a_file_on(tmp_path: Path):
    host = get_plugin_manager(extra=[_Notes()], entry_points=False)
    notes, draft = tmp_path / "a.md", tmp_path / "b.md"
    notes.write_text("%notes\n" + DRAFT)
    draft.write_text(DRAFT)
    assert [reader.name for reader in host.readers()][:1] == ["notes"]
    assert host.read_document(notes, None).format == "notes"
    assert host.read_document(draft, None).format == "markdown"
    assert host.reader_of(draft) == "notes"
    assert ".note" in host.suffixes()


def test_a_disabled_plugin_takes_its_reader_with_it(tmp_path: Path):
    draft = tmp_path / "a.md"
    draft.write_text(DRAFT)
    host = get_plugin_manager(disabled=["markdown"], entry_points=False)
    assert "markdown" not in [reader.name for reader in host.readers()]
    assert ".md" not in host.suffixes()
    with pytest.raises(UnrecognisedFile, match="no reader recognises"):
        host.read_document(draft, None)


def test_disable_plugins_in_the_configuration_drops_a_reader(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.md").write_text(DRAFT)
    (tmp_path / "citeaudit.toml").write_text('disable-plugins = ["markdown"]\n')
    code, out, err = run_cli("check", "a.md", "--offline")
    assert code == 2 and "no reader recognises this file" in err
    code, out, err = run_cli("plugins")
    assert code == 0 and "reader jats (.xml .nxml .jats)" in out and "reader markdown" not in out


def test_a_refused_suffix_is_named_with_the_readers_reason(tmp_path: Path):
    macro = tmp_path / "m.docm"
    macro.write_bytes(b"PK")
    host = get_plugin_manager(entry_points=False)
    assert ".docm" not in host.suffixes()
    with pytest.raises(InputError, match=r"refused: a macro-enabled Word document"):
        host.read_document(macro, None)


def test_a_reader_failing_unexpectedly_is_blamed_on_its_own_plugin(tmp_path: Path):
    class Faulty:
        __name__ = "faulty"

        @hookimpl
        def citeaudit_register_readers(self, register):
            register(Reader("faulty", (".md",), lambda path, options: 1 / 0))

    draft = tmp_path / "a.md"
    draft.write_text(DRAFT)
    with pytest.raises(PluginError, match="plugin 'faulty'.*ZeroDivisionError"):
        get_plugin_manager(extra=[Faulty()], entry_points=False).read_document(draft, None)


def test_a_reader_suffix_must_be_dotted_and_lower_case():
    with pytest.raises(ValueError, match="suffix 'MD'"):
        Reader("x", ("MD",), lambda path, options: None)
    with pytest.raises(ValueError, match="suffix '.DOCM'"):
        Reader("x", (".x",), lambda path, options: None, refuses={".DOCM": "no"})


class _Legacy:
    """A plugin written against the deprecated hooks, taking only `path`."""

    __name__ = "legacy"

    @hookimpl
    def citeaudit_document_suffixes(self):
        return [".OLD"]

    @hookimpl
    def citeaudit_read_document(self, path):
        return _empty(path, "old") if path.suffix == ".old" else None


def test_a_plugin_on_the_deprecated_hooks_still_reads_its_files(tmp_path: Path):
    host = get_plugin_manager(extra=[_Legacy()], entry_points=False)
    reader = next(reader for reader in host.readers() if reader.name == "legacy")
    assert reader.suffixes == (".old",) and "deprecated" in reader.description
    old = tmp_path / "a.old"
    old.write_text("anything")
    assert host.read_document(old, None).format == "old"
    assert ".old" in host.suffixes() and host.reader_of(old) == "legacy"
    draft = tmp_path / "a.md"
    draft.write_text(DRAFT)
    assert host.read_document(draft, None).format == "markdown"
