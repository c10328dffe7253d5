"""Shared fixtures: every test runs with its own cache and config dirs and no network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from paths import DATA


@pytest.fixture(autouse=True)
def _isolate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the cache at a fresh folder and keep the user's settings out."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CITEAUDIT_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg-cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))
    # Registries that nothing serves: a test that forgets the fake server fails fast.
    monkeypatch.setenv("CITEAUDIT_CROSSREF_URL", "http://127.0.0.1:9/crossref")
    monkeypatch.setenv("CITEAUDIT_EUTILS_URL", "http://127.0.0.1:9/eutils")
    monkeypatch.setenv("CITEAUDIT_DOI_URL", "http://127.0.0.1:9/doi")
    monkeypatch.setenv("CITEAUDIT_DATACITE_URL", "http://127.0.0.1:9/datacite")
    monkeypatch.setenv("CITEAUDIT_IDCONV_URL", "http://127.0.0.1:9/idconv")
    # crossref-commons reads CR_API_PLUS / CR_API_MAILTO and ~/.crapi_key: keep the user's out.
    monkeypatch.setenv("HOME", str(home))
    for name in ("NCBI_API_KEY", "CITEAUDIT_MAILTO", "CITEAUDIT_TRACE_HOOKS", "CR_API_PLUS", "CR_API_MAILTO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(home)


@pytest.fixture
def data() -> Path:
    """The folder of test data files (each with its provenance in PROVENANCE.md)."""
    return DATA


@pytest.fixture
def recorded_registry(monkeypatch: pytest.MonkeyPatch):
    """The loopback fake registry serving every recorded response in tests/data/registry,
    with every CITEAUDIT_*_URL pointing at it."""
    from fakeregistry import FakeRegistry

    with FakeRegistry() as server:
        server.add_crossref(*(DATA / "registry/crossref").glob("*.json"))
        server.add_pubmed(*(DATA / "registry/pubmed").glob("*.xml"))
        server.add_datacite(*(DATA / "registry/datacite").glob("*.json"))
        server.add_idconv(DATA / "registry/idconv/idconv_10.1038_ng.590.json")
        yield server.use(monkeypatch)


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    import contextlib
    import io

    from citeaudit.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


os.environ.setdefault("COLUMNS", "120")


def builtin_rules() -> dict:
    """The rule catalogue of the built-in plugins' checks, as `citeaudit rules` lists it."""
    from citeaudit.manager import get_plugin_manager

    return get_plugin_manager(entry_points=False).rules()


def builtin_labels() -> dict:
    """How a run of the built-in plugins names its sources of data (`RunReport.labels`)."""
    from citeaudit.manager import get_plugin_manager
    from citeaudit.pipeline import source_labels

    return source_labels(get_plugin_manager(entry_points=False))
