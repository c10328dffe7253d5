"""Importing metadata snapshots into the cache: PubMed XML (plain, gzip), Crossref JSON and JSON-lines."""

from __future__ import annotations

import gzip
import json

import pytest
from conftest import run_cli
from paths import EXAMPLES

from citeaudit.bib.cache import LINKS, open_cache
from citeaudit.bib.snapshot import import_files
from citeaudit.errors import InputError

SNAPSHOT = EXAMPLES / "snapshot"


@pytest.fixture
def cache(tmp_path):
    with open_cache(tmp_path / "cache") as opened:
        yield opened


def test_pubmed_xml_and_gzip(cache, data, tmp_path):
    source = data / "registry/pubmed/biopython_pubmed2.xml"
    packed = tmp_path / "baseline.xml.gz"
    packed.write_bytes(gzip.compress((data / "registry/pubmed/biopython_pubmed4_refs.xml").read_bytes()))
    assert import_files(cache, [source, packed]) == {"pubmed": 3}
    assert set(cache.get_many("pubmed", ["11748933", "11700088", "27797938"])) == {"11748933", "11700088", "27797938"}
    assert cache.get(LINKS, "10.1136/gutjnl-2016-312510").body == b"27797938"


def test_crossref_envelope_list_and_json_lines(cache, data, tmp_path):
    one = data / "registry/crossref/10.1038_nnano.2014.279.json"
    items = [json.loads(p.read_text())["message"] for p in sorted((data / "registry/crossref").glob("10.10*.json"))]
    listing = tmp_path / "list.json"
    listing.write_text(json.dumps({"status": "ok", "message": {"items": items[:2]}}))
    lines = tmp_path / "works.jsonl"
    lines.write_text("\n".join(json.dumps(i) for i in items[2:4]) + "\n\n")
    counts = import_files(cache, [one, listing, lines])
    assert counts == {"crossref": 5}
    stored = json.loads(cache.get("crossref", "10.1038/nnano.2014.279").body)
    assert stored["DOI"] == "10.1038/nnano.2014.279" and "reference" not in stored


def test_bad_files_name_the_file_and_line(cache, tmp_path):
    bad_line = tmp_path / "bad.jsonl"
    bad_line.write_text('{"DOI": "10.1000/a"}\n{"DOI": \n')
    with pytest.raises(InputError) as info:
        import_files(cache, [bad_line])
    assert info.value.path == str(bad_line) and info.value.line == 2
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(InputError, match="neither PubMed XML nor Crossref JSON"):
        import_files(cache, [other])
    wrong_xml = tmp_path / "x.xml"
    wrong_xml.write_text("<eSearchResult><Count>0</Count></eSearchResult>")
    with pytest.raises(InputError, match="without PubmedArticle"):
        import_files(cache, [wrong_xml])
    not_work = tmp_path / "x.json"
    not_work.write_text('{"status": "failed"}')
    with pytest.raises(InputError, match="not a Crossref work"):
        import_files(cache, [not_work])


def test_hostile_xml_is_refused(cache, tmp_path):
    evil = tmp_path / "evil.xml"
    evil.write_text('<!DOCTYPE x [<!ENTITY a "aaaa">]><PubmedArticleSet>&a;</PubmedArticleSet>')
    with pytest.raises(InputError, match="entities"):
        import_files(cache, [evil])


def test_cli_import_of_the_example_snapshot(tmp_path):
    files = sorted(str(p) for p in SNAPSHOT.iterdir())
    code, out, err = run_cli("cache", "import", *files, "--cache-dir", str(tmp_path))
    assert code == 0, err
    assert out.splitlines() == ["imported 16 crossref records", "imported 15 pubmed records"]


def test_cli_import_error_is_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    code, _, err = run_cli("cache", "import", str(bad), "--cache-dir", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and str(bad) in err
