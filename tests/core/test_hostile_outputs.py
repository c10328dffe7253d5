"""Hostile output targets: an output that is an input, a symlink, a hard link, a device or a FIFO,
and temporary files left by a killed writer. No user file, link or device is ever replaced."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import DATA, run_cli

from citeaudit.output import write_atomic

MARKDOWN = DATA / "jats/draft/biologics.md"
BIB = DATA / "bib/pandoc_averroes.bib"

@pytest.fixture
def work(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy2(MARKDOWN, folder / "draft.md")
    shutil.copy2(BIB, folder / "library.bib")
    (folder / "citeaudit.toml").write_text('fail-on = "never"\n')
    return folder

def _snapshot(folder: Path) -> dict[str, tuple[str, bytes | str]]:
    state = {}
    for path in folder.iterdir():
        if path.is_symlink():
            state[path.name] = ("link", os.readlink(path))
        elif path.is_file():
            state[path.name] = ("file", path.read_bytes())
    return state

def _check(work: Path, *extra: str) -> tuple[int, str, str]:
    return run_cli("check", str(work / "draft.md"), "--bib", str(work / "library.bib"),
                   "--config", str(work / "citeaudit.toml"), "--offline", *extra)

@pytest.mark.parametrize(("option", "target"), [
    ("--write-baseline", "draft.md"), ("--write-baseline", "library.bib"),
    ("--write-baseline", "citeaudit.toml"), ("--output", "citeaudit.toml"),
    ("--output", "library.bib"), ("--output", "draft.md"),
])
def test_an_output_that_is_an_input_is_refused_in_one_line(work, option, target):
    before = _snapshot(work)
    code, out, err = _check(work, "--format", "json", option, str(work / target))
    assert code == 2, err
    assert err.count("\n") == 1 and "refusing to overwrite" in err and option in err
    assert _snapshot(work) == before

def test_the_baseline_read_is_not_an_output_of_the_report(work):
    run = _check(work, "--write-baseline", str(work / "accepted.json"))
    assert run[0] == 0, run[2]
    before = _snapshot(work)
    code, _out, err = _check(work, "--baseline", str(work / "accepted.json"), "--format", "json",
                             "--output", str(work / "accepted.json"))
    assert code == 2 and "--baseline read" in err
    assert _snapshot(work) == before

def test_rewriting_the_baseline_read_accepts_the_current_state(work):
    baseline = work / "accepted.json"
    baseline.write_text(json.dumps({"schema": "citeaudit-baseline/1", "findings": []}))
    code, out, err = _check(work, "--baseline", str(baseline), "--write-baseline", str(baseline),
                            "--format", "json")
    assert code == 0, err
    assert json.loads(baseline.read_text())["findings"]  # rewritten with this run's findings

def test_a_file_that_is_not_a_baseline_is_not_rewritten_as_one(work):
    notes = work / "notes.txt"
    notes.write_text("my notes\n")
    code, _out, err = _check(work, "--baseline", str(notes), "--write-baseline", str(notes))
    assert code == 2 and "refusing to overwrite" in err
    assert notes.read_text() == "my notes\n"

def test_a_hard_link_to_an_input_is_refused(work):
    os.link(work / "library.bib", work / "other-name.json")
    before = _snapshot(work)
    code, _out, err = _check(work, "--format", "json", "--output", str(work / "other-name.json"))
    assert code == 2 and "--bib library" in err
    assert _snapshot(work) == before

def test_report_and_baseline_on_one_file_is_refused(work):
    code, _out, err = _check(work, "--format", "json", "--output", str(work / "same.json"),
                             "--write-baseline", str(work / "same.json"))
    assert code == 2 and "refusing to overwrite" in err
    assert not (work / "same.json").exists()

def test_an_output_symlink_is_written_through_and_stays_a_link(work, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "report.json").write_text("old")
    os.chmod(elsewhere / "report.json", 0o640)
    link = work / "report.json"
    link.symlink_to(elsewhere / "report.json")
    code, _out, err = _check(work, "--format", "json", "--output", str(link))
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(elsewhere / "report.json")
    assert json.loads((elsewhere / "report.json").read_text())["schema"] == "citeaudit-report/1"
    assert stat.S_IMODE((elsewhere / "report.json").stat().st_mode) == 0o640
    assert sorted(p.name for p in elsewhere.iterdir()) == ["report.json"]

def test_a_dangling_symlink_creates_its_target(work, tmp_path):
    link = work / "report.json"
    link.symlink_to(tmp_path / "new-report.json")
    code, _out, err = _check(work, "--format", "json", "--output", str(link))
    assert code == 0, err
    assert link.is_symlink() and json.loads((tmp_path / "new-report.json").read_text())

def test_a_fifo_is_written_directly_never_renamed_over(work):
    fifo = work / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    code, _out, err = _check(work, "--format", "json", "--output", str(fifo))
    reader.join(timeout=60)
    assert code == 0, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(received[0])["schema"] == "citeaudit-report/1"

def test_dev_null_and_dev_stdout_stay_what_they_are(work):
    """A subprocess, so /dev/stdout is a real pipe; /dev/null must stay a character device."""
    before = os.stat("/dev/null")
    script = ("import sys; from citeaudit.cli import main; sys.exit(main(sys.argv[1:]))")
    for target in ("/dev/null", "/dev/stdout"):
        done = subprocess.run([sys.executable, "-c", script, "check", str(work / "draft.md"), "--offline",
                               "--fail-on", "never", "--format", "json", "--output", target],
                              capture_output=True, timeout=60, cwd=work)
        assert done.returncode == 0, done.stderr
        if target == "/dev/stdout":
            assert json.loads(done.stdout)["schema"] == "citeaudit-report/1"
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)

def test_an_output_that_is_a_folder_is_a_one_line_error(work):
    code, _out, err = _check(work, "--format", "json", "--output", str(work))
    assert code == 2 and err.count("\n") == 1 and "folder" in err

# -- temporary files ------------------------------------------------------------------

def test_leftovers_of_a_dead_writer_are_removed_and_nothing_else(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, timeout=60)
    pid = int(dead.stdout)
    leftover = tmp_path / f".report.json.citeaudit-{pid}-0123abcd.tmp"
    alive = tmp_path / f".report.json.citeaudit-{os.getppid()}-0123abcd.tmp"  # a running process
    foreign = tmp_path / ".report.json.abc123.tmp"  # not ours: the old mkstemp pattern, or a user's
    for path in (leftover, alive, foreign):
        path.write_text("partial")
    write_atomic(tmp_path / "report.json", "new")
    assert (tmp_path / "report.json").read_text() == "new"
    assert not leftover.exists() and alive.exists() and foreign.exists()

def test_kill_9_while_writing_leaves_no_temporary_file(tmp_path):
    """The temporary file has no name until its content is complete (O_TMPFILE)."""
    script = (
        "import os, sys, time\n"
        "from citeaudit import output\n"
        "real = os.fsync\n"
        "def stall(fd):\n"
        "    print('writing', flush=True); time.sleep(60)\n"
        "os.fsync = stall\n"
        f"output.write_atomic({str(tmp_path / 'report.json')!r}, 'x' * 1000000)\n"
    )
    (tmp_path / "report.json").write_text("old")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        proc.kill()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    assert (tmp_path / "report.json").read_text() == "old"



def test_the_commented_docx_copy_keeps_no_symlink_member(tmp_path):
    """A member marked as a symlink in the source package is a plain file in the copy."""
    import zipfile

    source = DATA / "docx/metypeset_R09_numbered_refs_medical.docx"
    draft = tmp_path / "draft.docx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(draft, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info, old.read(info))
        link = zipfile.ZipInfo("word/media/link.png")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        new.writestr(link, "/etc/passwd")
    out = tmp_path / "commented.docx"
    code, _out, err = run_cli("check", str(draft), "--offline", "--fail-on", "never", "--format", "docx",
                              "--output", str(out))
    assert code == 0, err
    with zipfile.ZipFile(out) as copy:
        modes = {i.filename: i.external_attr >> 16 for i in copy.infolist()}
    assert "word/media/link.png" in modes
    assert not any(stat.S_ISLNK(mode) for mode in modes.values())
    assert stat.S_ISREG(modes["word/media/link.png"])


def test_an_output_name_of_250_characters_is_written(tmp_path, monkeypatch):
    """Its temporary name must fit the file system's 255-byte limit too (O_TMPFILE or not)."""
    import citeaudit.output as output

    target = tmp_path / ("r" * 245 + ".json")
    write_atomic(target, "first")
    monkeypatch.setattr(output.os, "O_TMPFILE", 0, raising=False)  # the named temporary file
    write_atomic(target, "second")
    assert target.read_text() == "second" and sorted(p.name for p in tmp_path.iterdir()) == [target.name]
