"""`citeaudit bib` and `citeaudit check --bib`, end to end through the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import run_cli
from paths import EXAMPLES

from citeaudit.bib.audit import library_document
from citeaudit.bib.bibtex import load_library

DEFECTS = """@article{ok1,
  author = {Fleming, Patrick},
  title = {Risk of infection},
  year = {2018},
  doi = {10.1016/j.jaad.2017.09.052}
}

@article{ok1,
  title = {Duplicate key},
  doi = {10.1000/dup-key}
}

@article{dupdoi,
  title = {Same DOI as ok1},
  doi = {https://doi.org/10.1016/J.JAAD.2017.09.052}
}

@article{malformed,
  title = {Bad DOI},
  doi = {10.1016}
}

@article{unbalanced,
  title = {Unbalanced {braces,
  year = 2020
}

@article{last,
  title = {Read although the entry before it is broken},
  pmid = {12345678}
}
"""


def run_json(*args: str) -> tuple[int, dict, str]:
    code, out, err = run_cli(*args, "--format", "json")
    return code, (json.loads(out) if out.strip() else {}), err


def test_library_document_shape(tmp_path: Path) -> None:
    path = tmp_path / "lib.bib"
    path.write_text(DEFECTS, encoding="utf-8")
    document, resolutions = library_document(load_library([path]))
    assert document.format == "bibtex" and document.claims == ()
    assert [r.id for r in document.references] == ["ok1", "dupdoi", "malformed", "last"]
    assert all(r.number is None and r.key == r.id for r in document.references)
    assert resolutions["last"].pmid == "12345678" and resolutions["last"].entry.key == "last"
    assert document.references[0].span.line == 1


def test_bib_reports_every_injected_defect_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "lib.bib"
    path.write_text(DEFECTS, encoding="utf-8")
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    code, report, err = run_json("bib", str(path), "--offline", "--select", "CA2")
    assert code == 1, err
    [document] = report["documents"]
    assert document["format"] == "bibtex"
    found = sorted((f["rule"], f["key"], f["location"]["line"]) for f in document["findings"])
    assert found == [
        ("CA201", "unbalanced", 23),
        ("CA202", "dupdoi", 13),
        ("CA202", "ok1", 8),
        ("CA205", "malformed", 18),
        ("CA206", "malformed", 18),
    ]
    assert all(f["location"]["file"] == str(path) for f in document["findings"])
    # The input is read, never written.
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_bib_is_quiet_on_a_clean_library(data: Path) -> None:
    paths = sorted(str(p) for p in (data / "bib" / "ghurault").glob("*.bib"))
    code, report, err = run_json("bib", *paths, "--offline", "--select", "CA2")
    assert code == 0, err
    assert report["documents"][0]["findings"] == []
    assert len(report["documents"][0]["references"]) == 14


def test_bib_on_unreadable_file_is_one_line(tmp_path: Path) -> None:
    code, out, err = run_cli("bib", str(tmp_path / "missing.bib"))
    assert code == 2
    assert err.count("\n") == 1 and "missing.bib" in err and "Traceback" not in err


def test_check_with_bib_fills_library_keys(tmp_path: Path) -> None:
    """The example draft, read by the Markdown reader, against the example library."""
    draft = tmp_path / "review.md"
    bib = tmp_path / "library.bib"
    shutil.copy(EXAMPLES / "review.md", draft)
    shutil.copy(EXAMPLES / "library.bib", bib)
    before = (bib.read_bytes(), bib.stat().st_mtime_ns)
    code, report, err = run_json("check", str(draft), "--bib", str(bib), "--offline", "--select", "CA2")
    assert code == 0, err
    [document] = report["documents"]
    refs = {r["number"]: r for r in document["references"]}
    assert len(refs) == 15 and all(r["library_key"] for r in refs.values())
    papageorgiou = next(r for r in refs.values() if r["library_key"] == "papageorgiou2000")
    assert papageorgiou["doi"] == "10.1046/j.1365-2133.2000.03481.x"
    kwon = next(r for r in refs.values() if r["library_key"] == "kwon2013")
    assert (kwon["pmid"], kwon["doi"]) == ("23278295", "10.1111/bjd.12186")
    # The example library matches cleanly, and every reference carries identifiers.
    assert document["findings"] == []
    assert (bib.read_bytes(), bib.stat().st_mtime_ns) == before


def test_check_with_bib_reports_ca2_with_reference_number(tmp_path: Path) -> None:
    draft = tmp_path / "review.md"
    text = (EXAMPLES / "review.md").read_text(encoding="utf-8")
    draft.write_text(text.replace("2004;20(5):266-9", "2005;20(5):266-9"), encoding="utf-8")
    bib = tmp_path / "library.bib"
    shutil.copy(EXAMPLES / "library.bib", bib)
    code, report, err = run_json("check", str(draft), "--bib", str(bib), "--offline", "--select", "CA204")
    assert code == 0, err
    [finding] = report["documents"][0]["findings"]
    assert finding["rule"] == "CA204" and finding["key"] == "tzung2004"
    assert isinstance(finding["reference"], int)
    assert finding["evidence"]["fields"]["year"] == {"reference": "2005", "library": "2004"}
    assert finding["location"]["line"] > 1
