"""`citeaudit fix` fills PMCIDs from the PMC ID converter, whose answers are cached like every record.

The world is the recorded converter answer for 10.1038/ng.590 (PMC2883744),
served by the loopback fake registry; PubMed does not know the DOI, so only
the converter can give the PMCID.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

ENTRY = ("@article{gwas2010,\n  author = {Smith, Ann},\n  title  = {A genome-wide association study},\n"
         "  year   = {2010},\n  doi    = {10.1038/ng.590}\n}\n")


def _fix(path: Path, *extra: str) -> dict:
    code, out, err = run_cli("fix", str(path), "--format", "json", "--dry-run", "--select", "pmcid", *extra)
    assert code == 0, err
    return json.loads(out)


def test_a_warm_or_offline_fix_asks_the_converter_nothing(recorded_registry, tmp_path: Path):
    path = tmp_path / "lib.bib"
    path.write_text(ENTRY, encoding="utf-8")
    cold = _fix(path)
    assert [(c["key"], c["field"], c["new"], c["source"]) for c in cold["changes"]] == \
        [("gwas2010", "pmcid", "PMC2883744", "pmc-idconv")]
    assert recorded_registry.count("idconv") == 1
    sent = recorded_registry.count()
    warm = _fix(path)
    offline = _fix(path, "--offline")
    assert recorded_registry.count() == sent  # neither the warm nor the offline run sent anything
    assert warm["requests"] == offline["requests"] == 0
    assert warm["changes"] == offline["changes"] == cold["changes"]
    code, out, err = run_cli("cache", "stats")
    assert "pmc-ids: 1 links (0 not found" in out or "pmc-ids: 1 answers (0 not found" in out, out


def test_offline_says_which_pmcids_it_could_not_look_up(recorded_registry, tmp_path: Path):
    # `check` caches the DOI's Crossref record but never asks the converter for a PMCID.
    draft = tmp_path / "draft.md"
    draft.write_text("# R\n\nA claim [1].\n\n## References\n\n1. Smith A. A genome-wide association "
                     "study. Nat Genet. 2010. doi:10.1038/ng.590\n", encoding="utf-8")
    code, out, err = run_cli("check", str(draft), "--fail-on", "never")
    assert code == 0, err
    path = tmp_path / "lib.bib"
    path.write_text(ENTRY, encoding="utf-8")
    offline = _fix(path, "--offline")
    assert offline["changes"] == []
    assert offline["not_looked_up"] == [{"key": "gwas2010", "reason": "PMCID: offline and not in the cache"}]
    assert recorded_registry.count("idconv") == 0
