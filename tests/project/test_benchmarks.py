"""benchmarks/run.py in its --quick mode, so the suite cannot rot unnoticed.

No timing is asserted here (speed is judged by the script on its own); the
test checks that every scenario ran, did the whole job and was recorded.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from paths import ROOT

CORPUS = ROOT.parent / "shared" / "corpus"
"""The benchmark corpus beside the repository (CI runs in a fresh clone with shared/ beside it)."""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if not (CORPUS / "jats").is_dir():
        pytest.fail(f"the benchmark corpus {CORPUS} is missing")
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "targets met" in done.stdout
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_every_scenario_is_recorded(results):
    names = [r["name"] for r in results["results"]]
    for fmt in ("markdown", "jats", "docx"):
        for what in ("cold cache, 10 ms latency", "cold cache requests", "warm cache, CLI end to end",
                     "peak memory", "in-process check only"):
            assert f"10 refs {fmt}: {what}" in names
    assert "4 JATS articles, warm cache, --jobs 2" in names
    assert "50-entry .bib, bib --offline" in names
    assert "4 JATS, --jobs 2 --format jsonl: parent peak" in names
    assert "8 JATS, --jobs 2 --format jsonl: parent peak" in names
    assert "warm check / stack import" in names
    assert results["quick"] is True and results["machine"]["nproc"] >= 1


def test_quick_mode_judges_no_target(results):
    assert all(r["passed"] is None and r["target"] is None for r in results["results"])
    assert results["all_targets_met"] is True


def test_cold_runs_fetch_in_batches_and_warm_runs_fetch_nothing(results):
    by_name = {r["name"]: r for r in results["results"]}
    for fmt in ("markdown", "jats", "docx"):
        cold = by_name[f"10 refs {fmt}: cold cache requests"]
        # Crossref filter, PubMed esearch and efetch: one request each for ten references.
        assert 1 <= cold["value"] <= 3
        assert by_name[f"10 refs {fmt}: warm cache, CLI end to end"]["requests"] == [0]
        assert by_name[f"10 refs {fmt}: cold cache, 10 ms latency"]["references"] == 10
        assert by_name[f"10 refs {fmt}: peak memory"]["value"] > 10


def test_every_article_and_entry_is_reported(results):
    by_name = {r["name"]: r for r in results["results"]}
    assert by_name["4 JATS articles, warm cache, --jobs 2"]["requests"] == [0]
    assert by_name["50-entry .bib, bib --offline"]["references"] == 50
