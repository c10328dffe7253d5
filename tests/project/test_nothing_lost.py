"""Nothing lost: inputs never modified, outputs atomic, the cache survives damage and sharing,
and secrets never leave the process."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import DATA, run_cli

MARKDOWN = DATA / "jats/draft/biologics.md"
JATS = DATA / "jats/draft/biologics.xml"
DOCX = DATA / "docx/metypeset_R09_numbered_refs_medical.docx"
BIB = DATA / "bib/pandoc_averroes.bib"
VERIFY = DATA / "registry/verify_draft.md"
FAST = ["--plugin-option", "registry-backoff=0.01", "--plugin-option", "registry-retries=1",
        "--plugin-option", "request-timeout=2"]


def _state(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()}


@pytest.fixture
def inputs(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for source in (MARKDOWN, JATS, DOCX, BIB):
        shutil.copy2(source, folder / source.name)
    old = time.time() - 86400  # an mtime the run could not reproduce by accident
    for path in folder.iterdir():
        os.utime(path, (old, old))
    return folder


COMMANDS = [
    ["--format", "text"],
    ["--format", "json", "--output", "{in}/report.json"],
    ["--format", "html", "--output", "{in}/report.html"],
    ["--format", "sarif", "--output", "{in}/report.sarif"],
    ["--format", "junit", "--output", "{in}/report.xml.junit"],
    ["--format", "docx", "--output", "{in}/annotated.docx"],
    ["--write-baseline", "{in}/baseline.json"],
]


MATRIX = [(draft, extra) for draft in (MARKDOWN.name, JATS.name, DOCX.name) for extra in COMMANDS
          if "docx" not in extra or draft.endswith(".docx")]  # the annotated docx needs a docx draft


@pytest.mark.parametrize(("draft", "extra"), MATRIX, ids=[f"{d}-{e[1]}" for d, e in MATRIX])
def test_inputs_are_never_modified_by_any_command(inputs, draft, extra):
    before = _state(inputs)
    args = [a.format(**{"in": inputs}) for a in extra]
    code, out, err = run_cli("check", str(inputs / draft), "--bib", str(inputs / BIB.name), "--offline",
                             "--fail-on", "never", *args)
    assert code == 0, err
    after = _state(inputs)
    assert {k: v for k, v in after.items() if k in before} == before
    written = set(after) - set(before)
    expected = {Path(a).name for a in args if a.startswith(str(inputs))}
    assert written == expected  # the report and nothing else: no temp file left behind


def test_bib_audit_never_modifies_the_library(inputs):
    before = _state(inputs)
    code, out, err = run_cli("bib", str(inputs / BIB.name), "--offline", "--fail-on", "never",
                             "--format", "json", "--output", str(inputs / "bib.json"))
    assert code == 0, err
    after = _state(inputs)
    assert after[BIB.name] == before[BIB.name]
    assert set(after) - set(before) == {"bib.json"}


@pytest.mark.parametrize("target", ["draft", "dotted", "symlink", "bib"])
def test_output_pointing_at_an_input_is_refused(inputs, target):
    draft = inputs / MARKDOWN.name
    output = {"draft": draft, "dotted": inputs / "." / ".." / "in" / MARKDOWN.name,
              "symlink": inputs / "link.md", "bib": inputs / BIB.name}[target]
    if target == "symlink":
        output.symlink_to(draft)
    before = _state(inputs)
    code, out, err = run_cli("check", str(draft), "--bib", str(inputs / BIB.name), "--offline",
                             "--format", "json", "--output", str(output))
    assert code == 2
    assert "input" in err and err.count("\n") == 1
    assert _state(inputs) == before


def test_annotated_docx_over_its_own_draft_is_refused(inputs):
    draft = inputs / DOCX.name
    before = _state(inputs)
    code, out, err = run_cli("check", str(draft), "--offline", "--format", "docx", "--output", str(draft))
    assert code == 2 and "input" in err
    assert _state(inputs) == before


def test_report_is_written_to_a_temp_file_then_renamed(inputs, monkeypatch):
    report = inputs / "report.json"
    report.write_text("old report")
    renames: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src, dst, *a, **kw):
        renames.append((str(src), str(dst)))
        assert Path(dst).read_text() == "old report"  # the old report is whole until the rename
        assert json.loads(Path(src).read_text())["schema"] == "citeaudit-report/1"
        return real_replace(src, dst, *a, **kw)

    monkeypatch.setattr(os, "replace", spy)
    code, out, err = run_cli("check", str(inputs / MARKDOWN.name), "--offline", "--format", "json",
                             "--output", str(report), "--fail-on", "never")
    assert code == 0, err
    assert len(renames) == 1 and renames[0][1] == str(report)
    assert Path(renames[0][0]).parent == inputs
    assert json.loads(report.read_text())["schema"] == "citeaudit-report/1"


def test_a_failed_write_leaves_the_old_report_and_no_temp_file(inputs, monkeypatch):
    report = inputs / "report.json"
    report.write_text("old report")
    before = _state(inputs)

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    code, out, err = run_cli("check", str(inputs / MARKDOWN.name), "--offline", "--format", "json",
                             "--output", str(report))
    assert code == 2 and "No space left" in err and "Traceback" not in err
    assert _state(inputs) == before


# -- the cache ---------------------------------------------------------------

@pytest.fixture
def fake(recorded_registry):
    return recorded_registry


def _verify(cache: Path, *extra: str) -> tuple[int, dict, str]:
    code, out, err = run_cli("check", str(VERIFY), "--cache-dir", str(cache), "--format", "json",
                             "--fail-on", "never", "--select", "CA3", *FAST, *extra)
    return code, (json.loads(out) if out else {}), err


def _rules(report: dict) -> list[tuple[str, int | None]]:
    return sorted((f["rule"], f["reference"]) for d in report["documents"] for f in d["findings"])


def test_a_corrupt_cache_is_moved_aside_and_rebuilt_with_a_warning(fake, tmp_path, caplog):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "registry.sqlite3").write_bytes(b"this is not a database" * 100)
    code, report, err = _verify(cache)
    assert code == 0, err
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("cache" in w and "moved" in w for w in warnings), warnings
    aside = list(cache.glob("registry.sqlite3.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not a database")
    assert "CA308" not in {rule for rule, _ in _rules(report)}
    requests = fake.count()
    code, again, err = _verify(cache, "--offline")
    assert _rules(again) == _rules(report) and fake.count() == requests  # the rebuilt cache answers


def test_a_cache_locked_by_another_writer_is_waited_for(fake, tmp_path):
    cache = tmp_path / "cache"
    code, first, err = _verify(cache)
    assert code == 0, err
    holder = sqlite3.connect(cache / "registry.sqlite3", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("DELETE FROM answers")
    release = threading.Timer(1.5, lambda: holder.execute("ROLLBACK"))
    release.start()
    started = time.monotonic()
    try:
        code, second, err = _verify(cache, "--refresh")
    finally:
        release.join()
        holder.close()
    assert code == 0, err
    assert time.monotonic() - started >= 1.0  # it waited for the lock ...
    assert _rules(second) == _rules(first)  # ... and lost nothing
    assert not list(cache.glob("*.corrupt-*"))


def test_unwritable_cache_folder_still_gives_a_report(fake, tmp_path):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    code, report, err = _verify(blocker / "cache")
    assert code == 0, err
    assert report["documents"][0]["findings"] is not None


def test_eight_processes_sharing_one_cache_stay_consistent(fake, tmp_path):
    cache = tmp_path / "cache"
    env = {**os.environ, "CITEAUDIT_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "citeaudit", "check", str(VERIFY), "--format", "json",
               "--fail-on", "never", "--select", "CA3", "-q", *FAST]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                              cwd=tmp_path) for _ in range(8)]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert [code for code, _, _ in results] == [0] * 8, [err for _, _, err in results]
    reports = [_rules(json.loads(out)) for _, out, _ in results]
    assert all(r == reports[0] for r in reports)
    assert "CA308" not in {rule for rule, _ in reports[0]}
    assert not list(cache.glob("*.corrupt-*")), [err for _, _, err in results]
    requests = fake.count()
    code, offline, err = _verify(cache, "--offline")
    assert _rules(offline) == reports[0] and fake.count() == requests
    rows = sqlite3.connect(cache / "registry.sqlite3").execute("SELECT count(*) FROM answers").fetchone()[0]
    assert rows >= 7


# -- secrets -----------------------------------------------------------------

NCBI_KEY = "ncbi0secret0key0abcdef123456"
PLUS_TOKEN = "plus0secret0token0xyz987"


@pytest.mark.parametrize("fault", [None, "500", "reset", "html"])
def test_secrets_never_appear_in_output_reports_errors_or_cache(fake, tmp_path, monkeypatch, fault):
    monkeypatch.setenv("NCBI_API_KEY", NCBI_KEY)
    monkeypatch.setenv("CR_API_PLUS", PLUS_TOKEN)
    if fault:
        fake.fault(fault)
    cache = tmp_path / "cache"
    texts = []
    for fmt in ("text", "json", "sarif", "html", "github", "junit"):
        out_file = tmp_path / f"report.{fmt}"
        code, out, err = run_cli("--traceback", "check", str(VERIFY), "--cache-dir", str(cache), "--format", fmt,
                                 "--output", str(out_file), "--fail-on", "never", "--refresh",
                                 *FAST)
        assert code == 0, err
        texts += [out, err, out_file.read_text(encoding="utf-8")]
    code, out, err = run_cli("cache", "stats", "--cache-dir", str(cache))
    texts += [out, err]
    blob = "\n".join(texts)
    assert NCBI_KEY not in blob and PLUS_TOKEN not in blob
    for path in cache.iterdir():
        data = path.read_bytes()
        assert NCBI_KEY.encode() not in data and PLUS_TOKEN.encode() not in data
    # The secrets were really used, so their absence above means something.
    sent = [r for r in fake.requests if r.endpoint in ("efetch", "esearch")]
    assert sent and all(NCBI_KEY in (r.form.get("api_key") or r.query.get("api_key") or [""])[0] for r in sent)
    assert all("Bearer " + PLUS_TOKEN == r.headers.get("Crossref-Plus-API-Token")
               for r in fake.requests if r.endpoint in ("works", "work"))


def test_secrets_never_appear_in_a_registry_error_message(fake, monkeypatch):
    from citeaudit.bib.http import Budget, Client
    from citeaudit.errors import RegistryError

    monkeypatch.setenv("NCBI_API_KEY", NCBI_KEY)
    fake.fault("500")
    with Client(budget=Budget(5.0), request_timeout=1.0, retries=0, backoff=0.01) as client:
        with pytest.raises(RegistryError) as raised:
            client.post("pubmed", fake.eutils_url + "/efetch.fcgi", data={"id": "1", "api_key": NCBI_KEY},
                        parse=lambda body: body)
        with pytest.raises(RegistryError) as raised_get:
            client.get("pubmed", fake.eutils_url + "/efetch.fcgi", params={"id": "1", "api_key": NCBI_KEY},
                       parse=lambda body: body)
    for exc in (raised.value, raised_get.value):
        assert NCBI_KEY not in str(exc) and NCBI_KEY not in repr(exc.args)
