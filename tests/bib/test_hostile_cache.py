"""Cache rows and snapshot files of the wrong shape, and a cache that can only be read.

A bad row is dropped and fetched again online (CA308 offline); a foreign
table is moved aside; `cache import` of a misshapen file is a one-line
error; a read-only cache is still read with --offline.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import DATA, run_cli

from citeaudit.bib.cache import FILENAME, LINKS, Entry, open_cache

VERIFY = DATA / "registry/verify_draft.md"
DOI = "10.1038/nnano.2014.279"
FAST = ["--plugin-option", "registry-backoff=0.01", "--plugin-option", "registry-retries=1",
        "--plugin-option", "request-timeout=5"]

def _verify(cache: Path, *extra: str) -> tuple[int, dict, str]:
    code, out, err = run_cli("check", str(VERIFY), "--cache-dir", str(cache), "--format", "json",
                             "--fail-on", "never", "--select", "CA3", *FAST, *extra)
    return code, (json.loads(out) if out else {}), err

def _ca308(report: dict) -> list[dict]:
    return [f for d in report["documents"] for f in d["findings"] if f["rule"] == "CA308"]

def _fill(cache: Path, fake) -> None:
    code, report, err = _verify(cache)
    assert code == 0 and not _ca308(report), err
    fake.clear()

def _tamper(cache: Path, sql: str, *params: object) -> None:
    db = sqlite3.connect(cache / FILENAME)
    with db:
        db.execute(sql, params)
    db.close()

@pytest.mark.parametrize("bad", [
    ("UPDATE answers SET body = CAST(body AS TEXT) WHERE registry = 'crossref'", ()),
    ("UPDATE answers SET fetched_at = 'yesterday', expires_at = 'never' WHERE registry = 'crossref'", ()),
    ("UPDATE answers SET body = ? WHERE registry = 'crossref'",
     (json.dumps({"DOI": DOI, "author": ["Kuschel T", "Reiss G"], "page": 22, "volume": 1e400}).encode(),)),
    ("UPDATE answers SET body = ? WHERE registry = 'crossref'",
     (json.dumps({"DOI": DOI, "relation": ["is-retracted-by"], "updated-by": {"type": "retraction"},
                  "abstract": ["a", "b"]}).encode(),)),
    ("UPDATE answers SET body = ? WHERE registry = 'crossref'", (b"[" * 100_000 + b"]" * 100_000,)),
    ("UPDATE answers SET body = ? WHERE registry = 'crossref'", (b"\xff\xfe not json",)),
], ids=["text-body", "text-times", "type-confusion", "odd-relations", "deep-nesting", "bytes"])
def test_a_cached_row_of_the_wrong_shape_is_fetched_again_online_and_ca308_offline(
        recorded_registry, tmp_path, bad):
    cache = tmp_path / "cache"
    _fill(cache, recorded_registry)
    _tamper(cache, bad[0], *bad[1])
    code, report, err = _verify(cache, "--offline")
    assert code == 0, err
    assert _ca308(report) and "Traceback" not in err
    code, report, err = _verify(cache)
    assert code == 0, err
    assert not _ca308(report)
    assert recorded_registry.count("works") + recorded_registry.count("work") >= 1  # fetched again
    code, report, err = _verify(cache, "--offline")
    assert not _ca308(report)  # and the good answer replaced the bad row

def test_a_link_row_that_is_not_a_pmid_is_searched_again(recorded_registry, tmp_path):
    cache = tmp_path / "cache"
    _fill(cache, recorded_registry)
    _tamper(cache, f"UPDATE answers SET body = ? WHERE registry = '{LINKS}'", "not a pmid \u00e9".encode())
    code, report, err = _verify(cache)
    assert code == 0, err
    assert recorded_registry.count("esearch") >= 1 and not _ca308(report)

def test_a_database_with_another_answers_table_is_moved_aside_and_rebuilt(recorded_registry, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    db = sqlite3.connect(cache / FILENAME)
    db.execute("CREATE TABLE answers (id INTEGER PRIMARY KEY, payload TEXT)")
    db.execute("INSERT INTO answers (payload) VALUES ('hello')")
    db.commit()
    db.close()
    code, report, err = _verify(cache)
    assert code == 0, err
    assert not _ca308(report)
    assert [p.name for p in cache.iterdir() if ".corrupt-" in p.name]
    with open_cache(cache) as reopened:
        assert reopened.get("crossref", DOI) is not None

def test_rows_of_the_wrong_types_are_skipped_by_the_cache_itself(tmp_path):
    with open_cache(tmp_path) as cache:
        cache.put_many([Entry("crossref", "10.1/good", b"{}", 1.0, 2.0)])
    _tamper(tmp_path, "INSERT INTO answers VALUES ('crossref', '10.1/text', 'text body', 1.0, 2.0)")
    _tamper(tmp_path, "INSERT INTO answers VALUES ('crossref', '10.1/time', x'00', 'noon', 2.0)")
    _tamper(tmp_path, "INSERT INTO answers VALUES ('crossref', '10.1/late', x'00', 1.0, 'never')")
    with open_cache(tmp_path) as cache:
        rows = cache.get_many("crossref", ["10.1/good", "10.1/text", "10.1/time", "10.1/late"])
    assert list(rows) == ["10.1/good"]

# -- cache import --------------------------------------------------------------------

@pytest.mark.parametrize(("content", "words"), [
    (json.dumps({"DOI": DOI, "author": ["Kuschel T"]}), "author[0]"),
    (json.dumps({"DOI": DOI, "page": 22}), "page"),
    (json.dumps({"DOI": DOI, "volume": 1e400}), "volume"),
    (json.dumps({"DOI": DOI, "relation": {"is-retracted-by": "10.1/x"}}), "relation"),
    (json.dumps({"DOI": DOI, "issued": {"date-parts": [["9" * 500]]}}), "date-parts"),
    (json.dumps({"DOI": ["a", "b"]}), "invalid DOI"),
    ("[" * 100_000 + "]" * 100_000, "nested deeper"),
    ('{"DOI": "10.1/x", "volume": ' + "9" * 5000 + "}", "digits"),
], ids=["author-strings", "page-int", "volume-inf", "relation-str", "year-digits", "doi-list", "deep", "huge-int"])
def test_cache_import_of_a_misshapen_crossref_file_is_a_one_line_error(tmp_path, content, words):
    snapshot = tmp_path / "works.json"
    snapshot.write_text(content)
    code, out, err = run_cli("cache", "import", str(snapshot), "--cache-dir", str(tmp_path / "cache"))
    assert code == 2, err
    assert err.count("\n") == 1 and str(snapshot) in err and words in err and "internal error" not in err

def test_cache_import_of_a_pubmed_file_with_a_huge_title_is_a_one_line_error(tmp_path):
    article = (DATA / "registry/pubmed").glob("*.xml").__next__().read_bytes()
    start, end = article.index(b"<ArticleTitle>") + len(b"<ArticleTitle>"), article.index(b"</ArticleTitle>")
    snapshot = tmp_path / "pubmed.xml"
    snapshot.write_bytes(article[:start] + b"T" * 9_000_000 + article[end:])
    code, out, err = run_cli("cache", "import", str(snapshot), "--cache-dir", str(tmp_path / "cache"))
    assert code == 2 and err.count("\n") == 1 and "over 100,000" in err

# -- a read-only cache -----------------------------------------------------------------

def _make_read_only(folder: Path) -> list[Path]:
    """Read-only for anyone, root included: mode bits, and the immutable flag when root."""
    paths = [*folder.iterdir(), folder]
    for path in paths:
        os.chmod(path, 0o555 if path.is_dir() else 0o444)
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.fail("running as root needs chattr to make a read-only cache")
        subprocess.run(["chattr", "+i", *map(str, paths)], check=True, timeout=60)
    return paths

def _undo(paths: list[Path]) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", *map(str, paths)], check=False, timeout=60)
    for path in paths:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)

def test_a_read_only_cache_is_read_with_offline(recorded_registry, tmp_path):
    cache = tmp_path / "cache"
    _fill(cache, recorded_registry)
    assert sorted(p.name for p in cache.iterdir()) == [FILENAME]  # closed cleanly: no -wal, -shm
    before = (cache / FILENAME).read_bytes()
    paths = _make_read_only(cache)
    try:
        with pytest.raises(OSError):
            (cache / "probe").write_text("x")  # it really is read-only, for this user too
        code, report, err = _verify(cache, "--offline")
        online_code, online, online_err = _verify(cache)  # online too: read, fetch what is stale, store nothing
    finally:
        _undo(paths)
    assert code == 0, err
    assert not _ca308(report)
    assert online_code == 0 and not _ca308(online), online_err
    assert (cache / FILENAME).read_bytes() == before

