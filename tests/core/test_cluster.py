"""`--executor dask`: a folder checked on a Dask distributed cluster (a LocalCluster of
two worker processes on loopback) says exactly what `--jobs 1` says, and the registries
see exactly the requests one process makes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import DATA, run_cli
from paths import EXAMPLES


@pytest.fixture(scope="module")
def scheduler():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, worker_dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Markdown drafts with a library, JATS articles with their own reference lists."""
    drafts = tmp_path / "drafts"
    (drafts / "jats").mkdir(parents=True)
    for name in ("review.md", "review-flawed.md"):
        shutil.copy(EXAMPLES / name, drafts / name)
    for name in ("plos_pmed.1001473.xml", "elife06003.xml", "pmc_bjc_6605965a.nxml"):
        shutil.copy(DATA / "jats" / name, drafts / "jats" / name)
    return drafts


def _report(registry, folder: Path, cache: Path, *extra: str) -> tuple[str, int]:
    before = registry.count()
    code, out, err = run_cli("check", str(folder), "--bib", str(EXAMPLES / "library.bib"),
                             "--format", "json", "--fail-on", "never", "--cache-dir", str(cache), *extra)
    assert code == 0, err
    return out, registry.count() - before


def test_a_cluster_gives_the_report_and_the_requests_of_one_process(
        recorded_registry, folder, scheduler, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the report's date, fixed
    one, one_requests = _report(recorded_registry, folder, tmp_path / "cache-1", "--jobs", "1")
    dask, dask_requests = _report(recorded_registry, folder, tmp_path / "cache-2",
                                  "--executor", "dask", "--scheduler", scheduler)
    assert one_requests > 0
    assert dask == one
    assert dask_requests == one_requests
    assert one.count('"path": ') >= 5
    assert any(_workers_that_checked(scheduler).values()), "the documents were not checked on the cluster"


def _workers_that_checked(scheduler: str) -> dict:
    from distributed import Client

    with Client(scheduler, set_as_default=False) as client:
        return client.run(_checked_here)


def _checked_here() -> bool:
    from citeaudit import cluster

    return bool(cluster._state)


def test_the_scheduler_can_come_from_the_environment(folder, scheduler, tmp_path, monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", scheduler)
    code, out, err = run_cli("check", str(folder / "jats"), "--executor", "dask", "--offline",
                             "--format", "jsonl", "--fail-on", "never")
    assert code == 0, err
    assert len(out.splitlines()) == 3


def test_without_a_scheduler_it_is_a_usage_error(folder, monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    code, out, err = run_cli("check", str(folder), "--executor", "dask", "--offline")
    assert code == 2 and out == "" and "--scheduler" in err and err.count("\n") == 1


def test_an_unreadable_draft_on_a_worker_is_the_same_one_line_error(folder, scheduler):
    (folder / "broken.md").write_bytes(b"\x00\x01 binary")
    serial = run_cli("check", str(folder), "--offline")
    dask = run_cli("check", str(folder), "--offline", "--executor", "dask", "--scheduler", scheduler)
    assert dask[0] == serial[0] == 2
    assert dask[2] == serial[2] and "broken.md" in dask[2]
