"""shortDOIs (`10/f6kft3`) are valid DOIs, expanded through the DOI handle API (HS_ALIAS) and
verified like the DOI they stand for; the expansion is cached, so offline runs keep it."""

from __future__ import annotations

import json

from conftest import run_cli

DRAFT = """# A draft citing by shortDOI

Spin waves can drag charge carriers along with them [1]. A second work nobody shortened [2].

## References

1. Kuschel T, Reiss G. Charges ride the spin wave. Nat Nanotechnol. 2015;10(1):22-24. doi:10/bq5q
2. Doe J. An unknown short form. PLoS One. 2012;7(1):e1. doi:10/zzzz
"""


def _check(tmp_path, *extra: str) -> dict:
    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT, encoding="utf-8")
    code, out, err = run_cli("check", str(draft), "--format", "json", "--fail-on", "never",
                             "--select", "CA2,CA3", "--cache-dir", str(tmp_path / "cache"), *extra)
    assert code == 0, err
    return json.loads(out)["documents"][0]


def _rules(doc: dict, number: int) -> set[str]:
    return {f["rule"] for f in doc["findings"] if f["reference"] == number}


def test_a_short_doi_is_verified_as_the_doi_it_stands_for(recorded_registry, tmp_path):
    recorded_registry.add_short_doi("10/bq5q", "10.1038/nnano.2014.279")
    doc = _check(tmp_path)
    assert doc["references"][0]["doi"] == "10.1038/nnano.2014.279"
    assert not _rules(doc, 1) & {"CA206", "CA301", "CA308"}
    assert recorded_registry.count("handle") >= 1 and recorded_registry.count("works") >= 1
    # an unknown shortDOI is still valid (never CA206): it just stays as written
    assert doc["references"][1]["doi"] == "10/zzzz" and "CA206" not in _rules(doc, 2)


def test_the_expansion_is_cached_for_offline_runs(recorded_registry, tmp_path):
    recorded_registry.add_short_doi("10/bq5q", "10.1038/nnano.2014.279")
    _check(tmp_path)
    before = recorded_registry.count()
    offline = _check(tmp_path, "--offline")
    assert recorded_registry.count() == before
    assert offline["references"][0]["doi"] == "10.1038/nnano.2014.279"
    assert "CA308" not in _rules(offline, 1)
