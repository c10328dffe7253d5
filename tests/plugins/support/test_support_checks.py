"""Claim-support checks CA401-CA406 on hand-built contexts, and one run through the CLI."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import run_cli
from support_helpers import DATA, claim, context, fleming_record, library_of, pubmed_record

from citeaudit.plugins.support.checks import check_pharmacology, check_support, check_weak_support

SENTENCE = ("In a meta-analysis of eight randomised controlled trials with 2,706 participants, "
            "dupilumab reduced the risk of skin infection (RR 0.54) and of eczema herpeticum "
            "(OR 0.34) compared with placebo.")


def rules_for(text: str) -> list[str]:
    ctx = context([claim(1, text, 1)], {1: fleming_record()})
    return sorted(f.rule for f in [*check_support(ctx), *check_pharmacology(ctx), *check_weak_support(ctx)])


def test_unchanged_sentence_gives_nothing() -> None:
    assert rules_for(SENTENCE) == []


def test_changed_number_gives_ca402_with_evidence() -> None:
    ctx = context([claim(1, SENTENCE.replace("0.54", "0.45"), 1)], {1: fleming_record()})
    (finding,) = [f for f in check_support(ctx) if f.rule == "CA402"]
    assert "RR 0.45" in finding.message and "RR 0.54" in finding.message
    assert finding.reference == 1 and finding.claim == 1 and finding.severity is None
    assert "0.54" in finding.evidence["best_sentence"]
    assert finding.evidence["found"] and finding.evidence["looked_for"].startswith("relative risk")


def test_swapped_drug_gives_ca401() -> None:
    assert rules_for(SENTENCE.replace("dupilumab", "tralokinumab")) == ["CA401"]


def test_jak_inhibitor_after_dupilumab_gives_ca404() -> None:
    rules = rules_for(SENTENCE.replace("dupilumab", "dupilumab, a JAK inhibitor,"))
    assert "CA404" in rules


def test_swapped_rr_and_or_gives_ca402_twice() -> None:
    text = SENTENCE.replace("RR 0.54", "RR 0.34").replace("OR 0.34", "OR 0.54")
    assert rules_for(text) == ["CA402", "CA402"]


def test_no_record_means_no_claim_check() -> None:
    ctx = context([claim(1, SENTENCE.replace("dupilumab", "tralokinumab"), 1)], {1: None})
    assert list(check_support(ctx)) == [] and list(check_weak_support(ctx)) == []


def test_design_contradicted_by_publication_type() -> None:
    case = pubmed_record("1", "Blue light for acne: a case", "We describe one patient with acne treated "
                         "with blue light.", ("Case Reports", "Journal Article"))
    ctx = context([claim(1, "A randomised controlled trial showed blue light clears acne.", 1),
                   claim(2, "A case report described blue light for acne.", 1),
                   claim(3, "Randomised controlled trials have shown blue light clears acne.", 1)], {1: case})
    found = [f for f in check_support(ctx) if f.rule == "CA403"]
    assert [f.claim for f in found] == [1]
    assert "Case Reports" in found[0].message


def test_shifted_numbering_gives_one_ca405() -> None:
    topics = ["dupilumab conjunctivitis eyes ocular surface", "secukinumab psoriasis plaques clearance",
              "vitiligo ruxolitinib cream repigmentation face", "omalizumab urticaria hives itch",
              "acne isotretinoin teratogenicity pregnancy", "alopecia areata baricitinib hair regrowth"]
    records = {i: pubmed_record(str(100 + i), t, f"This trial studied {t} in adults. Results on {t} were good.")
               for i, t in enumerate(topics, 1)}
    claims = [claim(i, f"Adults given {topics[i]} did well.", i) for i in range(1, 5)]
    found = [f for f in check_support(context(claims, records)) if f.rule == "CA405"]
    assert len(found) == 1 and found[0].claim == 1
    assert [row["fits"] for row in found[0].evidence["found"]] == [2, 3, 4, 5]
    assert "n+1" in found[0].message
    correct = [claim(i, f"Adults given {topics[i - 1]} did well.", i) for i in range(1, 5)]
    assert not [f for f in check_support(context(correct, records)) if f.rule == "CA405"]


def test_weak_support_names_better_library_entry() -> None:
    cited = pubmed_record("201", "Blue light for acne", "Blue light phototherapy reduced acne lesion counts "
                          "in adolescents with mild acne vulgaris.")
    better = pubmed_record("202", "Dupilumab and conjunctivitis", "Conjunctivitis was the most frequent "
                           "ocular adverse event of dupilumab in atopic dermatitis trials.")
    library = library_of(("blue2019", None, "201"), ("conj2020", None, "202"))
    ctx = context([claim(1, "Conjunctivitis is a frequent ocular adverse event of dupilumab treatment "
                            "in atopic dermatitis.", 1)], {1: cited}, library=library,
                  extra={("pubmed", "202"): better})
    (finding,) = list(check_weak_support(ctx))
    assert finding.rule == "CA406" and "conj2020" in finding.message
    assert finding.evidence["better"][0]["key"] == "conj2020"


def test_pharmacology_needs_no_record() -> None:
    ctx = context([claim(1, "Ustekinumab, an IL-17 inhibitor, is effective.", 1)], {1: None})
    (finding,) = list(check_pharmacology(ctx))
    assert finding.rule == "CA404" and "ustekinumab" in finding.message and finding.claim == 1


@pytest.mark.parametrize(("change", "expected", "also"), [
    (lambda s: s, set(), set()),
    (lambda s: s.replace("0.54", "0.45"), {"CA402"}, set()),
    (lambda s: s.replace("dupilumab", "tralokinumab"), {"CA401"}, set()),
    # The abstract never says JAK either, so CA401 may come along.
    (lambda s: s.replace("dupilumab", "dupilumab, a JAK inhibitor,"), {"CA404"}, {"CA401"}),
])
def test_through_the_cli(tmp_path, change, expected, also) -> None:
    draft = tmp_path / "draft.md"
    source = (DATA / "draft_fleming.md").read_text(encoding="utf-8")
    head, refs = source.split("## References")
    draft.write_text(change(head) + "## References" + refs, encoding="utf-8")
    shutil.copy(DATA / "fleming2018_crossref.json", tmp_path / "snapshot.json")
    assert run_cli("cache", "import", str(tmp_path / "snapshot.json"))[0] == 0
    code, out, err = run_cli("check", str(draft), "--offline", "--format", "json", "--select", "CA4")
    assert code in (0, 1), err
    rules = {f["rule"] for f in json.loads(out)["documents"][0]["findings"]}
    assert expected <= rules and rules - expected <= also


def test_plugin_registers_the_three_checks() -> None:
    code, out, _ = run_cli("plugins")
    assert code == 0
    assert all(f"check {name}" in out for name in ("claim-support", "pharmacology", "weak-support"))
