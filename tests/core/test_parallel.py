"""Folders checked with --jobs: same findings as one by one, in order, errors as usual."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from conftest import run_cli

from citeaudit.config import Options
from citeaudit.manager import get_plugin_manager
from citeaudit.model import Document, Finding, Span
from citeaudit.parallel import _picklable, check_in_parallel
from citeaudit.report import DocumentReport

DRUGS = ["Dupilumab", "Tralokinumab", "Lebrikizumab", "Upadacitinib", "Abrocitinib",
         "Baricitinib", "Nemolizumab", "Ruxolitinib cream", "Crisaborole", "Tacrolimus ointment"]

REFERENCES = [
    "Simpson EL, Bieber T, Guttman-Yassky E, et al. Two phase 3 trials of dupilumab versus placebo "
    "in atopic dermatitis. N Engl J Med. 2016;375(24):2335-2348. doi:10.1056/NEJMoa1610020",
    "Wollenberg A, Blauvelt A, Guttman-Yassky E, et al. Tralokinumab for moderate-to-severe atopic "
    "dermatitis. Br J Dermatol. 2021;184(3):437-449.",
    "Guttman-Yassky E, Teixeira HD, Simpson EL, et al. Once-daily upadacitinib versus placebo in "
    "adolescents and adults with moderate-to-severe atopic dermatitis. Lancet. 2021;397:2151-2168. "
    "PMID: 34023008",
    "Silverberg JI, Guttman-Yassky E, Thaci D, et al. Two phase 3 trials of lebrikizumab for "
    "moderate-to-severe atopic dermatitis. N Engl J Med. 2023;388(12):1080-1091.",
]


def _draft(i: int) -> str:
    """A small review whose defects vary with `i`: missing entries, uncited ones, odd markers."""
    refs = REFERENCES[: 2 + i % 3]
    cites = [(k % len(refs)) + 1 for k in range(i, i + 3)]
    if i % 4 == 0:
        cites[1] = len(refs) + 3  # a number with no entry
    sentences = [f"{DRUGS[(i + k) % len(DRUGS)]} improved EASI-75 in trial {k + 1} [{n}]."
                 for k, n in enumerate(cites)]
    if i % 5 == 0:
        sentences.append("Responses were durable [3-2].")
    body = " ".join(sentences)
    listing = "\n".join(f"{n}. {text}" for n, text in enumerate(refs, 1))
    return f"# Review {i}\n\n{'Background paragraph. ' * (i % 3)}\n\n{body}\n\n## References\n\n{listing}\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    drafts = tmp_path / "drafts"
    for i in range(20):
        sub = drafts / ("part-b" if i >= 10 else "part-a")
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"review-{i:02d}.md").write_text(_draft(i), encoding="utf-8")
    return drafts


def _json(*args: str) -> dict:
    code, out, err = run_cli("check", *args, "--format", "json", "--offline", "--fail-on", "never")
    assert code == 0, err
    report = json.loads(out)
    report.pop("run")  # the date and how the registries were reached differ from run to run
    return report


def test_twenty_drafts_with_two_jobs_give_the_same_report_as_one_by_one(folder: Path):
    parallel = _json(str(folder), "--jobs", "2")
    serial = _json(str(folder))
    one_by_one = [_json(str(path))["documents"][0] for path in sorted(folder.rglob("*.md"))]
    assert parallel["summary"]["documents"] == 20
    assert parallel == serial
    assert parallel["documents"] == one_by_one
    findings = [f for doc in parallel["documents"] for f in doc["findings"]]
    assert findings, "the drafts were built to have findings"
    assert parallel["summary"]["errors"] + parallel["summary"]["warnings"] + parallel["summary"]["infos"] \
        == len(findings)


def test_results_keep_the_input_order(folder: Path):
    files = sorted(folder.rglob("*.md"), reverse=True)[:5]
    reports = list(check_in_parallel(files, Options(jobs=3, offline=True)))
    assert [r.document.path for r in reports] == files
    assert all(pickle.loads(pickle.dumps(r)).document.path == r.document.path for r in reports)


def test_an_unreadable_draft_fails_as_it_does_one_by_one(folder: Path):
    (folder / "part-a" / "review-05.md").write_bytes(b"\x00\x01binary")
    serial = run_cli("check", str(folder), "--offline")
    parallel = run_cli("check", str(folder), "--offline", "--jobs", "4")
    assert parallel[0] == serial[0] == 2
    assert parallel[2] == serial[2]
    assert "review-05.md" in parallel[2] and parallel[2].count("\n") == 1


def test_more_jobs_than_files(folder: Path):
    files = sorted(folder.rglob("*.md"))[:2]
    reports = list(check_in_parallel(files, Options(jobs=8, offline=True)))
    assert len(reports) == 2


def test_extras_that_cannot_cross_processes_are_dropped_and_marked(tmp_path: Path):
    doc = Document(tmp_path / "a.docx", "docx", (), (), extras={"source": "text", "package": lambda: None})
    report = DocumentReport(doc, (Finding("CA101", "m", Span(paragraph=1)),))
    safe = _picklable(report)
    assert safe.document.extras["source"] == "text" and "package" not in safe.document.extras
    assert pickle.loads(pickle.dumps(safe)).findings == report.findings
    plain = DocumentReport(Document(tmp_path / "b.md", "markdown", (), (), extras={"source": "x"}), ())
    assert _picklable(plain) is plain


def test_documents_whose_extras_were_dropped_are_read_again_here(folder: Path):
    from citeaudit.parallel import _DROPPED, _restore_extras

    path = sorted(folder.rglob("*.md"))[0]
    stripped = DocumentReport(Document(path, "markdown", (), (), extras={_DROPPED: True}), ())
    kept = DocumentReport(Document(path, "markdown", (), (), extras={"mine": 1}), ())
    restored = [_restore_extras(r, Options(), get_plugin_manager()) for r in (stripped, kept)]
    assert _DROPPED not in restored[0].document.extras and restored[0].document.extras
    assert restored[1] is kept


def test_workers_share_one_registry_cache(folder: Path, monkeypatch: pytest.MonkeyPatch):
    from fakeregistry import FakeRegistry

    with FakeRegistry() as fake:
        fake.add_work({"DOI": "10.1056/NEJMoa1610020", "type": "journal-article",
                       "title": ["Two Phase 3 Trials of Dupilumab versus Placebo in Atopic Dermatitis"],
                       "author": [{"family": "Simpson", "given": "Eric L."}],
                       "container-title": ["New England Journal of Medicine"],
                       "volume": "375", "issue": "24", "page": "2335-2348",
                       "issued": {"date-parts": [[2016, 12, 15]]}})
        fake.use(monkeypatch)
        code, out, err = run_cli("check", str(folder), "--jobs", "2", "--format", "json", "--fail-on", "never")
        assert code == 0, err
        per_worker = fake.count("works")
    online = json.loads(out)
    assert online.pop("run")["offline"] is False
    # All 20 drafts cite the DOI: each of the two workers asked for it at most once,
    # then found it in the cache the other had filled too.
    assert 1 <= per_worker <= 2
    offline = _json(str(folder))
    assert offline == online
    assert not any(f["rule"] == "CA308" for d in offline["documents"] for f in d["findings"]
                   if f["reference"] == 1)


def test_the_parent_holds_a_bounded_number_of_reports(folder: Path, monkeypatch: pytest.MonkeyPatch):
    """Reports come out while the folder is still being checked: never more handed out
    than a few chunks ahead of the one awaited, however many files there are."""
    import citeaudit.parallel as parallel

    submitted: list[int] = []
    real = parallel.ProcessPoolExecutor.submit

    def counting(self, fn, *args, **kwargs):
        submitted.append(len(args[0]))
        return real(self, fn, *args, **kwargs)

    monkeypatch.setattr(parallel, "CHUNK_LIMIT", 1)
    monkeypatch.setattr(parallel.ProcessPoolExecutor, "submit", counting)
    files = sorted(folder.rglob("*.md"))
    assert len(files) >= 12
    stream = check_in_parallel(files, Options(jobs=2, offline=True))
    first = next(stream)
    assert first.document.path == files[0]
    assert len(submitted) <= 2 * 2 + 1 < len(files)  # the rest not handed out yet
    rest = list(stream)
    assert [r.document.path for r in [first, *rest]] == files and sum(submitted) == len(files)
