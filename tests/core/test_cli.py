"""The command line: commands, exit codes and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import builtin_rules, run_cli

RULES = builtin_rules()


def test_rules_lists_every_code_in_text_and_json():
    code, out, _ = run_cli("rules")
    assert code == 0
    assert all(rule in out for rule in RULES)
    code, out, _ = run_cli("rules", "--format", "json")
    listed = json.loads(out)
    assert [r["code"] for r in listed] == list(RULES)
    assert {r["severity"] for r in listed} == {"error", "warning", "info"}


def test_version_and_help():
    code, out, _ = run_cli("--version")
    assert code == 0 and "citeaudit, version" in out
    code, out, _ = run_cli("check", "--help")
    assert code == 0 and "--fail-on" in out and "--baseline" in out


def test_missing_file_is_one_line_and_exit_2():
    code, out, err = run_cli("check", "does-not-exist.md")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "does-not-exist.md" in err and "no such file" in err


def test_unreadable_kind_of_file_is_exit_2(tmp_path: Path):
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n")
    code, _, err = run_cli("check", str(tmp_path / "image.png"))
    assert code == 2 and "no reader recognises this file" in err and err.count("\n") == 1


def test_bad_options_are_usage_errors():
    code, _, err = run_cli("check", "x.md", "--select", "CA9")
    assert code == 2 and "not a rule code" in err
    code, _, err = run_cli("check", "x.md", "--fail-on", "sometimes")
    assert code == 2 and "sometimes" in err
    code, _, err = run_cli("nonsense")
    assert code == 2 and "No such command" in err


def test_unknown_format_names_the_available_ones(tmp_path: Path):
    from citeaudit.output import write_atomic

    write_atomic(tmp_path / "x.txt", "x")
    code, _, err = run_cli("rules", "--format", "yaml")
    assert code == 2 and "yaml" in err


def test_write_atomic_replaces_whole_file_and_leaves_no_temporaries(tmp_path: Path):
    from citeaudit.output import write_atomic

    target = tmp_path / "report.json"
    target.write_text("old")
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_traceback_only_on_request(tmp_path: Path):
    code, _, err = run_cli("check", "missing.md")
    assert "Traceback" not in err
    code, _, err = run_cli("--traceback", "check", "missing.md")
    assert code == 2 and "Traceback" in err


def test_write_atomic_gives_reports_ordinary_permissions(tmp_path: Path):
    import os

    from citeaudit.output import write_atomic

    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.html", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "new.html").stat().st_mode & 0o777 == 0o644
    kept = tmp_path / "kept.html"
    kept.write_text("old")
    kept.chmod(0o640)
    write_atomic(kept, "new")
    assert kept.stat().st_mode & 0o777 == 0o640


def test_a_corrupt_word_member_the_reader_never_opens_is_one_line_exit_2(tmp_path: Path, data: Path):
    """Defect 4: `--format docx` on such a package gave "internal error: BadZipFile"."""
    import zipfile

    source = data / "docx" / "metypeset_R09_numbered_refs_medical.docx"
    draft = tmp_path / "draft.docx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(draft, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("customXml/item9.xml", b"<x>" + b"never read by the reader " * 500 + b"</x>")
    raw = bytearray(draft.read_bytes())
    header = raw.rfind(b"PK\x03\x04")
    start = header + 30 + int.from_bytes(raw[header + 26:header + 28], "little") \
        + int.from_bytes(raw[header + 28:header + 30], "little")
    for i in range(start + 10, start + 40):
        raw[i] ^= 0xFF
    draft.write_bytes(bytes(raw))
    code, out, err = run_cli("check", str(draft), "--offline", "--format", "docx",
                             "--output", str(tmp_path / "annotated.docx"))
    assert code == 2 and err.count("\n") == 1, err
    assert "internal error" not in err and "draft.docx" in err
    assert not (tmp_path / "annotated.docx").exists()
