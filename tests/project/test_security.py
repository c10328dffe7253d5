"""Hostile drafts: XXE, entity bombs, DTD fetches, zip bombs, path tricks, escapes, script.

Every attack must end in a report or a one-line error with exit 2, must
not reach the network (a loopback listener proves nothing is fetched) and
must not leak into the output.
"""

from __future__ import annotations

import socket
import threading
import zipfile
from pathlib import Path

import pytest
from conftest import DATA, run_cli

JATS = DATA / "jats/draft/biologics.xml"
DOCX = DATA / "docx/metypeset_R09_numbered_refs_medical.docx"
MARKDOWN = DATA / "jats/draft/biologics.md"
SECRET = "TOP-SECRET-FILE-CONTENT-1234"


class Listener:
    """A loopback TCP port that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    with Listener() as server:
        yield server


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def _jats_with_prolog(prolog: str, body_entity: str = "") -> bytes:
    text = JATS.read_text(encoding="utf-8")
    head, rest = text.split("\n", 2)[0], text.split("\n", 2)[2]
    rest = rest.replace("Type 2 cytokines", "Type 2 cytokines" + body_entity, 1)
    return f"{head}\n{prolog}\n{rest}".encode()


def _docx_with(source: Path, target: Path, changes: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info, changes.pop(info.filename, None) or old.read(info.filename))
        for name, data in changes.items():
            new.writestr(name, data)
    return target


def _document_xml_with_prolog(prolog: str, entity_ref: str) -> bytes:
    with zipfile.ZipFile(DOCX) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    head, _, rest = xml.partition("?>")
    rest = rest.replace("<w:t>", f"<w:t>{entity_ref}", 1)
    return f"{head}?>{prolog}{rest}".encode()


def _refused(code: int, out: str, err: str, path: Path) -> None:
    assert code == 2, (code, out, err)
    assert out == ""
    assert err.count("\n") == 1 and str(path) in err
    assert "Traceback" not in err and SECRET not in err


XXE = {
    "external-entity": '<!DOCTYPE article [<!ENTITY xxe SYSTEM "file://{secret}">]>',
    "parameter-entity": ('<!DOCTYPE article [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p.dtd"> %p;'
                         '<!ENTITY leak SYSTEM "file://{secret}">]>'),
    "billion-laughs": ('<!DOCTYPE article [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                       '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
                       '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
                       '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">'
                       '<!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]>'),
}
REFS = {"external-entity": "&xxe;", "parameter-entity": "&leak;", "billion-laughs": "&i;"}


@pytest.mark.parametrize("attack", sorted(XXE))
def test_jats_entity_attacks_are_refused_without_fetching(attack, tmp_path, secret, listener):
    prolog = XXE[attack].format(secret=secret, port=listener.port)
    draft = tmp_path / "attack.xml"
    draft.write_bytes(_jats_with_prolog(prolog, REFS[attack]))
    code, out, err = run_cli("check", str(draft), "--offline", "--format", "json")
    _refused(code, out, err, draft)
    assert "entit" in err.lower()
    assert listener.connections == 0


@pytest.mark.parametrize("attack", sorted(XXE))
def test_docx_entity_attacks_are_refused_without_fetching(attack, tmp_path, secret, listener):
    prolog = XXE[attack].format(secret=secret, port=listener.port).replace("article", "w:document")
    draft = _docx_with(DOCX, tmp_path / "attack.docx",
                       {"word/document.xml": _document_xml_with_prolog(prolog, REFS[attack])})
    code, out, err = run_cli("check", str(draft), "--offline", "--format", "json")
    _refused(code, out, err, draft)
    assert listener.connections == 0


def test_external_dtd_is_never_fetched_and_the_article_is_read(tmp_path, listener):
    draft = tmp_path / "dtd.xml"
    draft.write_bytes(_jats_with_prolog(
        f'<!DOCTYPE article PUBLIC "-//NLM//DTD JATS//EN" "http://127.0.0.1:{listener.port}/jats.dtd">'))
    code, out, err = run_cli("check", str(draft), "--offline", "--format", "json")
    assert code in (0, 1), err
    assert '"format": "jats"' in out
    assert listener.connections == 0


def test_docx_with_external_dtd_is_never_fetched(tmp_path, listener):
    prolog = f'<!DOCTYPE w:document SYSTEM "http://127.0.0.1:{listener.port}/w.dtd">'
    draft = _docx_with(DOCX, tmp_path / "dtd.docx",
                       {"word/document.xml": _document_xml_with_prolog(prolog, "")})
    code, out, err = run_cli("check", str(draft), "--offline", "--format", "json")
    assert code in (0, 1, 2), err
    assert "Traceback" not in err
    assert listener.connections == 0


def test_xml_nested_past_the_depth_limit_is_refused(tmp_path):
    from citeaudit.limits import MAX_XML_DEPTH

    deep = "<sec>" * (MAX_XML_DEPTH + 10) + "<p>x</p>" + "</sec>" * (MAX_XML_DEPTH + 10)
    draft = tmp_path / "deep.xml"
    draft.write_text(f'<?xml version="1.0"?><article><body>{deep}</body></article>')
    code, out, err = run_cli("check", str(draft), "--offline")
    _refused(code, out, err, draft)
    assert "deep" in err or "depth" in err


def test_zip_bomb_member_is_refused_before_inflating(tmp_path):
    draft = tmp_path / "bomb.docx"
    with zipfile.ZipFile(DOCX) as old, zipfile.ZipFile(draft, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "word/document.xml":
                # Valid XML padded with 200 MB of spaces: about 1000:1.
                data = data.replace(b"?>", b"?>" + b" " * (200 * 1024 * 1024), 1)
            new.writestr(info, data)
    assert draft.stat().st_size < 2 * 1024 * 1024
    code, out, err = run_cli("check", str(draft), "--offline")
    _refused(code, out, err, draft)
    assert "compress" in err or "limit" in err


def test_zip_with_too_many_members_is_refused(tmp_path):
    draft = tmp_path / "many.docx"
    with zipfile.ZipFile(DOCX) as old, zipfile.ZipFile(draft, "w") as new:
        for info in old.infolist():
            new.writestr(info, old.read(info.filename))
        for i in range(5000):
            new.writestr(f"customXml/item{i}.xml", b"<a/>")
    code, out, err = run_cli("check", str(draft), "--offline")
    _refused(code, out, err, draft)
    assert "members" in err


@pytest.mark.parametrize("name", ["../../x", "/abs/x", "word/../../../x", "..\\..\\x"])
def test_docx_member_with_a_path_outside_is_never_written(tmp_path, name):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    draft = _docx_with(DOCX, work / "trick.docx", {name: b"<x>escaped</x>"})
    before = {p for p in tmp_path.rglob("*")}
    code, out, err = run_cli("check", str(draft), "--offline", "--format", "docx",
                             "--output", str(work / "annotated.docx"))
    assert code in (0, 1, 2), err
    assert "Traceback" not in err and "internal error" not in err
    created = {p for p in tmp_path.rglob("*")} - before
    assert created <= {work / "annotated.docx"}
    assert not (tmp_path / "x").exists() and not Path("/abs/x").exists()
    if code == 2:
        assert err.count("\n") == 1 and str(draft) in err


ESCAPES = ["\x1b[2J", "\x1b]0;owned\x07", "\x1b[31m", "\x1bP1$r\x1b\\", "\x9b31m", "\r"]


def test_terminal_escapes_in_a_draft_never_reach_text_output(tmp_path):
    text = MARKDOWN.read_text(encoding="utf-8")
    text = text.replace("Dupilumab", "Dupi\x1b[2Jlumab\x1b]0;owned\x07", 1)
    text = text.replace("1. ", "1. \x1b[31mRed\x1b[0m \x9b31m ", 1)
    draft = tmp_path / "escapes.md"
    draft.write_text(text, encoding="utf-8")
    code, out, err = run_cli("check", str(draft), "--offline", "--fail-on", "never", "--select", "CA1,CA3")
    assert code == 0, err
    assert out
    assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
    assert "\x1b" not in err


def test_terminal_escapes_in_a_file_name_never_reach_the_terminal(tmp_path):
    draft = tmp_path / "bad\x1b[2Jname.md"
    draft.write_bytes(b"\x00\x01binary")
    code, out, err = run_cli("check", str(draft), "--offline")
    assert code == 2
    assert "\x1b" not in err, repr(err)


SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_html_and_script_in_titles_are_escaped_in_the_html_report(tmp_path):
    text = MARKDOWN.read_text(encoding="utf-8")
    text = text.replace("Dupilumab", f"Dupilumab {SCRIPT}", 1)
    lines = text.splitlines()
    first_ref = next(i for i, line in enumerate(lines) if line.startswith("1. "))
    lines[first_ref] = lines[first_ref].replace("1. ", f"1. {SCRIPT} ", 1)
    draft = tmp_path / "script.md"
    draft.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out_file = tmp_path / "report.html"
    code, out, err = run_cli("check", str(draft), "--offline", "--format", "html",
                             "--output", str(out_file), "--fail-on", "never")
    assert code == 0, err
    html = out_file.read_text(encoding="utf-8")
    assert "alert" in html  # the text is shown ...
    assert "<script>alert" not in html and "<img src=x" not in html  # ... never run


def test_control_characters_in_a_bibtex_field_never_reach_text_output(tmp_path):
    bib = tmp_path / "lib.bib"
    bib.write_text("@article{k1,\n title = {Evil \x1b[2J title \x1b]0;owned\x07},\n"
                   " author = {Doe, J.}, year = {2020}, journal = {J}, doi = {10.1000/\x1b[31mx}\n}\n",
                   encoding="utf-8")
    code, out, err = run_cli("bib", str(bib), "--offline", "--fail-on", "never")
    assert code in (0, 2), err
    assert "\x1b" not in out and "\x1b" not in err



@pytest.mark.parametrize("line", ['jobs = "x"', 'timeout = "x"', "bib = 5", "bib = [5]", "severity = 5",
                                  "select = 7", "disable-plugins = 5", "cache-dir = 5", "baseline = 5",
                                  'offline = "maybe"', "jobs = true", "mailto = 5"])
def test_a_configuration_value_of_the_wrong_type_is_a_one_line_usage_error(tmp_path, line, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "citeaudit.toml").write_text(line + "\n")
    code, out, err = run_cli("check", str(MARKDOWN), "--offline")
    assert code == 2
    assert err.startswith("citeaudit: error: ") and "internal error" not in err
    assert "citeaudit.toml" in err and line.split(" =")[0] in err


def test_script_in_a_registry_title_is_escaped_in_the_html_report(tmp_path, monkeypatch):
    import json

    from fakeregistry import FakeRegistry

    monkeypatch.setenv("HOME", str(tmp_path))
    item = json.loads((DATA / "registry/crossref/10.1016_j.addr.2015.01.008.json").read_text())["message"]
    item["title"] = [f"Antisense {SCRIPT} oligonucleotides"]
    with FakeRegistry() as fake:
        fake.add_work(item).use(monkeypatch)
        out_file = tmp_path / "report.html"
        code, out, err = run_cli("check", str(DATA / "registry/verify_draft.md"), "--format", "html",
                                 "--output", str(out_file), "--fail-on", "never", "--select", "CA3",
                                 "--timeout", "5", "--plugin-option", "registry-backoff=0.01")
        assert fake.count("works") + fake.count("work") >= 1
    assert code == 0, err
    html = out_file.read_text(encoding="utf-8")
    assert "CA304" in html  # the title disagreement is reported, with the registry's title ...
    assert "Antisense alert(" in html  # the record's markup is dropped, its text kept
    assert "<script>alert" not in html and "<img src=x" not in html  # ... never run


def test_a_reference_list_over_the_limit_is_refused_for_every_reader(tmp_path, monkeypatch):
    from citeaudit import manager

    monkeypatch.setattr(manager, "MAX_REFERENCES", 1)
    for draft in (MARKDOWN, JATS, DOCX):
        code, out, err = run_cli("check", str(draft), "--offline")
        assert code == 2 and out == ""
        assert "over the limit of 1" in err and str(draft) in err and err.count("\n") == 1


def test_the_limits_are_far_above_real_drafts():
    from citeaudit import limits

    assert limits.MAX_REFERENCES >= 1500 and limits.MAX_TEXT_BYTES >= 10_000_000
    assert limits.MAX_XML_DEPTH >= 64 and limits.MAX_XML_BYTES >= 16 * 1024 * 1024


def test_a_text_draft_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    from citeaudit.plugins import markdown

    monkeypatch.setattr(markdown, "MAX_BYTES", 1000)
    draft = tmp_path / "big.md"
    draft.write_text("Claim [1].\n" * 200)
    code, out, err = run_cli("check", str(draft), "--offline")
    _refused(code, out, err, draft)
    assert "1000" in err


def test_a_hostile_file_in_a_folder_checked_in_parallel_is_one_line(tmp_path):
    folder = tmp_path / "drafts"
    folder.mkdir()
    (folder / "good.md").write_bytes(MARKDOWN.read_bytes())
    (folder / "good.xml").write_bytes(JATS.read_bytes())
    (folder / "xxe.xml").write_bytes(_jats_with_prolog(XXE["billion-laughs"], REFS["billion-laughs"]))
    code, out, err = run_cli("check", str(folder), "--offline", "--jobs", "2")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "xxe.xml" in err and "Traceback" not in err
