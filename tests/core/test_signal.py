"""Output worth reading: folded repeats, --statistics, -q, colour variables, messages for newcomers."""

from __future__ import annotations

import json
import re
from collections import Counter

from conftest import run_cli

WORDS = ("acne light therapy laser psoriasis biologic cohort trial eczema itch barrier microbiome "
         "vitamin retinoid scar pigment melanoma sunscreen wound healing collagen ageing hair nail "
         "fungal viral bacterial steroid topical systemic dose response outcome quality registry").split()


def _title(n: int) -> str:
    import random

    return " ".join(random.Random(n).sample(WORDS, 7)).capitalize()


def _draft(tmp_path, count: int, *, doi=lambda n: f"doi:10.5555/signal.{n}", extra: str = ""):
    sentences = " ".join(f"Finding number {n} was reported [{n}]." for n in range(1, count + 1))
    refs = "\n".join(f"{n}. Author{n} A. {_title(n)}. J Test. 2020;{n}:1-2. {doi(n)}".rstrip()
                     for n in range(1, count + 1))
    path = tmp_path / "draft.md"
    path.write_text(f"# Draft\n\n{sentences} {extra}\n\n## References\n\n{refs}\n", encoding="utf-8")
    return path


def test_an_offline_run_with_an_empty_cache_says_it_once(tmp_path):
    draft = _draft(tmp_path, 200)
    code, out, err = run_cli("check", str(draft), "--offline", "--no-color")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) <= 30, out
    assert [line for line in lines if "CA308" in line] == [
        f"    {draft}: CA308 metadata-unavailable info 200 references not verified: offline and not cached "
        "(references 1-200)"]
    code, out, _ = run_cli("check", str(draft), "--offline", "--format", "json")
    per_reference = Counter(f["reference"] for f in json.loads(out)["documents"][0]["findings"]
                            if f["rule"] == "CA308")
    assert len(per_reference) == 200 and set(per_reference.values()) == {1}


def test_repeats_of_an_info_rule_fold_into_one_line_with_reference_numbers(tmp_path):
    with_doi = {7, 8, 10}
    draft = _draft(tmp_path, 10, doi=lambda n: f"doi:10.5555/signal.{n}" if n in with_doi else "")
    code, out, _ = run_cli("check", str(draft), "--offline", "--no-color", "--select", "CA205")
    assert [line.split(": ", 1)[1] for line in out.splitlines() if "CA205" in line] == [
        "CA205 missing-identifier info references 1-6, 9"]
    code, out, _ = run_cli("check", str(draft), "--offline", "--format", "json", "--select", "CA205")
    assert sorted(f["reference"] for f in json.loads(out)["documents"][0]["findings"]) == [1, 2, 3, 4, 5, 6, 9]


def test_statistics_match_the_json_counts(tmp_path):
    draft = _draft(tmp_path, 12, doi=lambda n: "" if n % 3 else f"doi:10.5555/signal.{n}",
                   extra="A claim cites nothing listed [14].")
    code, out, _ = run_cli("check", str(draft), "--offline", "--no-color", "--statistics")
    stats = {m[0]: (m[1], int(m[2])) for m in re.findall(r"^(CA\d{3})  (\S+)\s+(\d+)$", out, re.M)}
    code, report, _ = run_cli("check", str(draft), "--offline", "--format", "json")
    counts = Counter((f["rule"], f["name"]) for f in json.loads(report)["documents"][0]["findings"])
    assert {code: stat for code, stat in stats.items()} == {rule: (name, n) for (rule, name), n in counts.items()}
    assert len(stats) >= 3
    # Beside a JSON report on stdout the statistics go to stderr, so the JSON stays valid.
    code, out, err = run_cli("check", str(draft), "--offline", "--format", "json", "--statistics")
    assert json.loads(out)["summary"] and "CA205" in err


def test_quiet_prints_only_findings_and_the_summary_line(tmp_path):
    draft = _draft(tmp_path, 4, doi=lambda n: "", extra="A claim with a wrong number [9].")
    code, out, _ = run_cli("check", str(draft), "--offline", "--no-color", "-q")
    lines = out.splitlines()
    assert all(re.match(r"    \S+: CA\d{3} ", line) for line in lines[:-1]), out
    assert "claim" in lines[-1] and "error" in lines[-1] and len(lines) >= 3


def test_the_summary_names_why_claims_were_not_checked(tmp_path):
    draft = _draft(tmp_path, 5, doi=lambda n: "" if n < 3 else f"doi:10.5555/signal.{n}")
    code, out, _ = run_cli("check", str(draft), "--offline", "--no-color")
    summary = out.splitlines()[-1]
    assert "--format json" not in summary
    assert "5 claims not checked against the cited work: " in summary
    assert "3 references have no record to hand" in summary and "2 have no DOI or PMID" in summary


def test_no_color_and_force_color(tmp_path, monkeypatch):
    draft = _draft(tmp_path, 2, doi=lambda n: "")
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, out, _ = run_cli("check", str(draft), "--offline")
    assert "\x1b[" in out
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = run_cli("check", str(draft), "--offline")
    assert "\x1b[" not in out
    _, out, _ = run_cli("check", str(draft), "--offline", "--color")
    assert "\x1b[" in out


def test_an_empty_library_is_said_once(tmp_path):
    draft = _draft(tmp_path, 6)
    (tmp_path / "library.bib").write_text("% nothing yet\n")
    code, out, _ = run_cli("check", str(draft), "--bib", str(tmp_path / "library.bib"), "--offline",
                           "--no-color", "--select", "CA2")
    assert out.count("library.bib has no entries") == 1 and out.count("CA203") == 1
    code, out, _ = run_cli("bib", str(tmp_path / "library.bib"), "--offline", "--no-color")
    assert out.count("library.bib has no entries") == 1 and "claim" not in out


def test_citeaudit_bib_does_not_speak_of_claims(tmp_path):
    (tmp_path / "library.bib").write_text("@article{a, title={A}, year={2020}}\n@article{b, title={B}, year={2021}}\n")
    code, out, _ = run_cli("bib", str(tmp_path / "library.bib"), "--offline", "--no-color")
    assert "claim" not in out and "2 library entries" in out


def test_a_bib_given_as_a_draft_suggests_bib_or_citeaudit_bib(tmp_path):
    (tmp_path / "library.bib").write_text("@article{a, title={A}, year={2020}}\n")
    code, out, err = run_cli("check", str(tmp_path / "library.bib"))
    assert code == 2 and "--bib library.bib" in err and "citeaudit bib library.bib" in err


def test_writing_a_baseline_exits_0(tmp_path):
    draft = _draft(tmp_path, 3, extra="A wrong number [9].")
    code, out, err = run_cli("check", str(draft), "--offline", "--write-baseline", str(tmp_path / "b.json"))
    assert code == 0 and (tmp_path / "b.json").exists() and "baseline" in err
    code, *_ = run_cli("check", str(draft), "--offline")
    assert code == 1


def test_cache_stats_says_how_long_ago(tmp_path):
    import time

    from citeaudit.bib.cache import DAY, Entry, ago, open_cache

    assert [ago(s) for s in (1, 40, 15 * 60, 3 * 3600, DAY, 3 * DAY)] == [
        "just now", "40 s ago", "15 min ago", "3 h ago", "1 day ago", "3 days ago"]
    now = time.time()
    with open_cache(tmp_path) as cache:
        cache.put_many([Entry("crossref", "10.1/a", b"{}", now - 15 * 60, now + DAY)])
    code, out, _ = run_cli("cache", "stats", "--cache-dir", str(tmp_path))
    assert "fetched 15 min ago" in out
