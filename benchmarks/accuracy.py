"""How often the claim-support checks (CA401-CA406) are right; prints docs/accuracy.md's figures.

Usage: python benchmarks/accuracy.py [DATA_DIR]   (default tests/data/support)

1. Check-COVID (MIT): real claims with the CORD-19 abstract they were
   written from. AUROC of the lexical similarity, true abstract against
   every other abstract of the corpus (all claims, the numeric subset), and
   support against refutation (which it should not separate).
2. False flags on real correct citations: every SUPPORT claim of
   Check-COVID as a one-claim draft citing its true abstract (CA401, CA402,
   CA404, CA406), and as 20-claim drafts citing their abstracts in order
   (CA405). Plus the sentences of the seed texts that describe drugs (CA404).
3. Recall on mutations of real PubMed records (the 80 records of the
   "blue light for acne" review library, MEDLINE format): a number changed,
   RR and OR swapped, a disease or drug swapped, the design relabelled, the
   citation numbers shifted; the unmutated sentence is the control.
4. Time of all support checks on a 200-reference draft.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from citeaudit.checks import CheckContext
from citeaudit.model import (
    Claim,
    Document,
    Marker,
    Record,
    RecordSet,
    Reference,
    Resolution,
    Span,
    Work,
)
from citeaudit.plugins.support.checks import check_pharmacology, check_support, check_weak_support
from citeaudit.plugins.support.design import record_designs
from citeaudit.plugins.support.entities import mentions
from citeaudit.plugins.support.lexicon import DISEASE, DRUG, lexicon
from citeaudit.plugins.support.quantities import RATIO_MEASURES, extract
from citeaudit.plugins.support.similarity import Index, terms

DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent.parent / "tests" / "data" / "support"
RULES = ("CA401", "CA402", "CA403", "CA404", "CA405", "CA406")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_nbib(path: Path) -> list[Record]:
    """MEDLINE records (PMID, TI, AB, PT, MH, OT) as PubMed Records."""
    records, fields, tag = [], defaultdict(list), None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if fields.get("PMID"):
                records.append(Record(
                    source="pubmed", identifier=fields["PMID"][0],
                    work=Work(title=" ".join(fields.get("TI", [])), pmid=fields["PMID"][0]),
                    abstract=" ".join(fields.get("AB", [])) or None,
                    publication_types=tuple(fields.get("PT", [])),
                    mesh_terms=tuple(m.split("/")[0].lstrip("*") for m in fields.get("MH", [])),
                    keywords=tuple(fields.get("OT", []))))
            fields, tag = defaultdict(list), None
            continue
        if line[:4].strip() and line[4:6] == "- ":
            tag = line[:4].strip()
            fields[tag].append(line[6:].strip())
        elif tag and line.startswith("      "):
            if tag in ("TI", "AB"):
                fields[tag][-1] += " " + line.strip()
    return records


def draft(claims: list[tuple[str, tuple[int, ...]]], records: dict[int, Record]) -> CheckContext:
    """A context: claim i cites its numbers; reference n has records[n]."""
    built = []
    for i, (text, numbers) in enumerate(claims, 1):
        marker = Marker(text=str(numbers), numbers=numbers, span=Span(line=i), style="bracket")
        built.append(Claim(id=i, text=text, markers=(marker,), span=Span(line=i)))
    references, resolutions, outcomes = [], {}, {}
    for number, record in records.items():
        pmid = f"{number}{record.identifier}"
        references.append(Reference(number=number, id=str(number), text="", span=Span(),
                                    work=Work(pmid=pmid)))
        resolutions[number] = Resolution(reference=number, entry=None, pmid=pmid)
        outcomes[("pubmed", pmid)] = record
    document = Document(path=Path("draft.md"), format="markdown", claims=tuple(built),
                        references=tuple(references))
    return CheckContext(document=document, options=None, resolutions=resolutions,
                        records=RecordSet(outcomes=outcomes))


def run(context: CheckContext) -> list:
    return [*check_support(context), *check_pharmacology(context), *check_weak_support(context)]


def auroc(positives: list[float], negatives: list[float]) -> float:
    """Probability that a positive scores above a negative (ties count half)."""
    ordered = sorted([(s, 1) for s in positives] + [(s, 0) for s in negatives])
    rank_sum, i = 0.0, 0
    while i < len(ordered):
        j = i
        while j < len(ordered) and ordered[j][0] == ordered[i][0]:
            j += 1
        rank = (i + j + 1) / 2
        rank_sum += rank * sum(1 for k in range(i, j) if ordered[k][1])
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def covid() -> tuple[dict[str, Record], list[dict], list[dict]]:
    folder = DATA / "check-covid"
    corpus = {d["cord_id"]: d for d in read_jsonl(folder / "corpus.json")}
    records = {cid: Record(source="pubmed", identifier=str(i), work=Work(title=d["title"]),
                           abstract=" ".join(d["abstract"]))
               for i, (cid, d) in enumerate(corpus.items(), 1)}
    claims = [c for c in read_jsonl(folder / "Check-COVID_all.json") if c["cord_id"] in records]
    numeric = [c for c in read_jsonl(folder / "covidCheck_test_composed_noNEI_numeric.json")
               if c["cord_id"] in records]
    return records, claims, numeric


def similarity_figures(records: dict[str, Record], claims: list[dict], numeric: list[dict]) -> None:
    ids = list(records)
    texts = {cid: terms(f"{r.work.title} {r.abstract}") for cid, r in records.items()}
    index = Index(texts.values())
    vectors = {cid: index.vector(t) for cid, t in texts.items()}
    print("## Similarity on Check-COVID (true abstract vs every other abstract)\n")
    print("| claims | n | AUROC | true abstract ranked first |")
    print("|---|---|---|---|")
    for name, subset in (("all", claims), ("SUPPORT", [c for c in claims if c["label"] == "SUPPORT"]),
                         ("numeric subset", numeric)):
        per_claim, first = [], 0
        for c in subset:
            v = index.vector(terms(c["claim"]))
            true = v.cosine(vectors[c["cord_id"]])
            others = [v.cosine(vectors[o]) for o in ids if o != c["cord_id"]]
            per_claim.append(sum(1.0 if true > o else 0.5 if true == o else 0.0 for o in others) / len(others))
            first += all(true > o for o in others)
        print(f"| {name} | {len(subset)} | {sum(per_claim) / len(per_claim):.3f} | {first / len(subset):.1%} |")
    support = [index.vector(terms(c["claim"])).cosine(vectors[c["cord_id"]]) for c in claims if c["label"] == "SUPPORT"]
    refute = [index.vector(terms(c["claim"])).cosine(vectors[c["cord_id"]]) for c in claims if c["label"] == "REFUTE"]
    print(f"\nSupport vs refutation (same abstract): AUROC {auroc(support, refute):.3f} "
          f"({len(support)} SUPPORT, {len(refute)} REFUTE claims): similarity is topic, not support.\n")
    cut = sorted(support)[int(0.03 * len(support))]
    print(f"3rd percentile of true-pair similarity (SUPPORT claims): {cut:.3f}\n")


def false_flags(records: dict[str, Record], claims: list[dict]) -> None:
    support = [c for c in claims if c["label"] == "SUPPORT"]
    flagged = defaultdict(int)
    examples: dict[str, str] = {}
    for c in support:
        for f in run(draft([(c["claim"].strip(), (1,))], {1: records[c["cord_id"]]})):
            flagged[f.rule] += 1
            examples.setdefault(f.rule, f"{c['claim'].strip()} -> {f.message}")
    # CA405: drafts of 20 SUPPORT claims with distinct abstracts, cited in order.
    rng = random.Random(7)
    shuffled = support[:]
    rng.shuffle(shuffled)
    seen_claims = shift_flags = 0
    drafts = _sequences(shuffled, 20)
    for group in drafts:
        context = draft([(c["claim"].strip(), (i,)) for i, c in enumerate(group, 1)],
                        {i: records[c["cord_id"]] for i, c in enumerate(group, 1)})
        seen_claims += len(group)
        shift_flags += sum(len(f.evidence["found"]) for f in check_support(context) if f.rule == "CA405")
    print("## False flags on real correct citations\n")
    print(f"Check-COVID SUPPORT claims, each citing its true abstract: {len(support)} claims.\n")
    print("| rule | claims flagged | rate |")
    print("|---|---|---|")
    for rule in ("CA401", "CA402", "CA404", "CA406"):
        print(f"| {rule} | {flagged[rule]} | {flagged[rule] / len(support):.1%} |")
    print(f"| CA405 | {shift_flags} of {seen_claims} claims in {len(drafts)} drafts | {shift_flags / seen_claims:.1%} |")
    print("\nFirst example of each:\n")
    for rule, text in sorted(examples.items()):
        print(f"- {rule}: {text[:300]}")
    print()


def _sequences(claims: list[dict], size: int) -> list[list[dict]]:
    groups, current, used = [], [], set()
    for c in claims:
        if c["cord_id"] in used:
            continue
        current.append(c)
        used.add(c["cord_id"])
        if len(current) == size:
            groups.append(current)
            current, used = [], set()
    return groups


def seed_sentences() -> None:
    """CA404 on the seed texts' real sentences that give drugs a class."""
    texts = [
        "Drugs like ustekinumab, which targets interleukin-12 and interleukin-23, and dupilumab, which "
        "inhibits interleukin-4 and interleukin-13, are examples of how biologics are revolutionizing "
        "dermatological care.",
        "This article focuses on JAK inhibitors such as tofacitinib, baricitinib, ruxolitinib, Abrocitinib, "
        "upadacitinib, and deucravacitinib, to explore the possible application in treatment of paradoxical reactions.",
        "Dupilumab, a monoclonal antibody targeting interleukin 4 and interleukin 13, appears to significantly "
        "decrease the risk for skin infections and eczema herpeticum in adults with moderate to severe atopic dermatitis.",
        "This means they can often work better and have fewer side effects compared to other immunosuppressive "
        "drugs (e.g., methotrexate and azathioprine) or therapies that suppress a broad range of cytokines "
        "(e.g., Janus kinase inhibitors).",
    ]
    flagged = sum(1 for t in texts if list(check_pharmacology(draft([(t, (1,))], {}))))
    print(f"Seed sentences (seeds 000-003) that give drugs a class or target: {len(texts)}, "
          f"CA404 flags: {flagged}.\n")


def mutations(records: list[Record]) -> None:
    lex = lexicon()
    tallies: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # mutated n, caught, control n, control flagged

    def score(name: str, rule: str, record: Record, original: str, mutated: str) -> None:
        tally = tallies[name]
        tally[0] += 1
        tally[1] += any(f.rule == rule for f in run(draft([(mutated, (1,))], {1: record})))
        tally[2] += 1
        tally[3] += any(f.rule == rule for f in run(draft([(original, (1,))], {1: record})))

    from citeaudit.claims import sentences

    for record in records:
        if not record.abstract:
            continue
        abstract = record.abstract
        for a, b in sentences(abstract):
            sentence = abstract[a:b].strip()
            for q in extract(sentence):
                if q.measure in RATIO_MEASURES or q.measure in ("participants", "studies"):
                    value_text = _value_text(sentence, q)
                    if value_text:
                        changed = _changed(value_text)
                        score(f"number changed ({'effect size' if q.measure in RATIO_MEASURES else 'count'})",
                              "CA402", record, sentence, sentence.replace(value_text, changed, 1))
                if q.measure in ("rr", "or"):
                    swap = {"RR": "OR", "OR": "RR", "relative risk": "odds ratio", "odds ratio": "relative risk",
                            "risk ratio": "odds ratio"}
                    for old, new in swap.items():
                        if old in q.text:
                            score("RR and OR swapped", "CA402", record, sentence, sentence.replace(old, new, 1))
                            break
            found = [m for m in mentions(sentence) if m.kind in (DISEASE, DRUG) and m.concept in lex.concepts]
            if found:
                m = found[0]
                replacement = _other(m.concept, m.kind, record)
                if replacement:
                    score(f"{m.kind} swapped", "CA401", record, sentence,
                          sentence[:m.start] + replacement + sentence[m.end:])
        designs = record_designs(record.publication_types)
        if designs:
            title = record.work.title or ""
            consistent = {"meta-analysis": "meta-analysis", "systematic review": "systematic review",
                          "review": "systematic review", "randomised controlled trial": "randomised controlled trial",
                          "trial": "randomised controlled trial", "case report": "case report",
                          "observational": "cohort study"}
            claimed = consistent[sorted(designs)[0]]
            wrong = "case report" if claimed != "case report" else "randomised controlled trial"
            score("design relabelled", "CA403", record, f"A {claimed} reported: {title}",
                  f"A {wrong} reported: {title}")
    print("## Recall on mutations of real PubMed records (80 acne-review records)\n")
    print("| mutation | rule | mutated claims | caught | recall | unmutated controls flagged |")
    print("|---|---|---|---|---|---|")
    rules = {"design relabelled": "CA403", "RR and OR swapped": "CA402"}
    for name, (n, caught, controls, wrong) in sorted(tallies.items()):
        rule = rules.get(name, "CA401" if "swapped" in name else "CA402")
        print(f"| {name} | {rule} | {n} | {caught} | {caught / n:.1%} | {wrong}/{controls} |")
    print()


def _value_text(sentence: str, q) -> str | None:
    """The number of a quantity as written in the sentence, when unambiguous."""
    match = re.compile(r"(?<![\w.·,])[−-]?\d[\d,]*(?:[.·]\d+)?").search(sentence, q.start)
    return match.group() if match and match.start() == q.start else None


def _changed(text: str) -> str:
    """Another plausible value written the same way: digits rotated, or +1 for one digit."""
    digits = [c for c in text if c.isdigit()]
    if len(set(digits)) > 1:
        rotated = digits[1:] + digits[:1]
        it = iter(rotated)
        return "".join(next(it) if c.isdigit() else c for c in text)
    return text[:-1] + str((int(text[-1]) + 3) % 10)


def _other(concept: str, kind: str, record: Record) -> str | None:
    lex = lexicon()
    text = f"{record.work.title} {record.abstract}".lower()
    for cid, c in lex.concepts.items():
        if c.kind == kind and cid != concept and c.label.lower() not in text and not set(c.broader) & {concept}:
            if lex.concepts[concept].broader and cid in lex.concepts[concept].broader:
                continue
            return c.label
    return None


def lexicon_mutations() -> None:
    """CA404 over every lexicon drug: its own class phrase, and one it does not have."""
    phrases = {"jak": "a JAK inhibitor", "il-17": "an IL-17 inhibitor", "tnf": "a TNF inhibitor",
               "il-13": "an IL-13 inhibitor", "pde4": "a PDE4 inhibitor", "il-23": "an IL-23 inhibitor",
               "mab": "a monoclonal antibody", "calcineurin-inhibitor": "a calcineurin inhibitor",
               "retinoid": "a retinoid", "ige": "an anti-IgE antibody"}
    lex = lexicon()
    right = wrong = right_flagged = wrong_caught = 0
    for cid, concept in lex.concepts.items():
        if concept.kind != DRUG:
            continue
        for tag, phrase in phrases.items():
            sentence = f"{cid.capitalize()}, {phrase}, was well tolerated in moderate-to-severe disease."
            flagged = bool(list(check_pharmacology(draft([(sentence, (1,))], {}))))
            if tag in concept.tags:
                right += 1
                right_flagged += flagged
            else:
                wrong += 1
                wrong_caught += flagged
    print("## CA404 over the lexicon (synthetic appositions \"<drug>, <class>,\")\n")
    print(f"- wrong class given: {wrong_caught}/{wrong} caught ({wrong_caught / wrong:.1%})")
    print(f"- right class given: {right_flagged}/{right} flagged ({right_flagged / right:.1%})\n")


def shift_recall(records: dict[str, Record], claims: list[dict]) -> None:
    support = [c for c in claims if c["label"] == "SUPPORT"]
    rng = random.Random(11)
    shuffled = support[:]
    rng.shuffle(shuffled)
    caught = total = 0
    for group in _sequences(shuffled, 20):
        refs = {i: records[c["cord_id"]] for i, c in enumerate(group, 1)}
        for start, length in ((3, 3), (10, 5)):
            cites = list(range(1, 21))
            for i in range(start, start + length):
                cites[i] = cites[i] + 1  # claims i.. cite the next reference: numbering shifted by one
            context = draft([(c["claim"].strip(), (n,)) for c, n in zip(group, cites, strict=True)], refs)
            total += 1
            caught += any(f.rule == "CA405" for f in check_support(context))
    print(f"## CA405 recall on shifted numbering\n\nRuns of 3 and 5 claims citing n+1 inside 20-claim "
          f"Check-COVID drafts: {caught}/{total} runs found ({caught / total:.1%}).\n")


def timing(records: dict[str, Record], claims: list[dict]) -> None:
    """All support checks on a 200-reference draft: 200 distinct real abstracts, 400 real claims."""
    chosen = list(records)[:200]
    refs = {i: records[cid] for i, cid in enumerate(chosen, 1)}
    number = {cid: i for i, cid in enumerate(chosen, 1)}
    texts = [(c["claim"].strip(), (number[c["cord_id"]],)) for c in claims if c["cord_id"] in number][:400]
    context = draft(texts, refs)
    start = time.perf_counter()
    findings = run(context)
    elapsed = time.perf_counter() - start
    print(f"## Time\n\nAll support checks (CA401-CA406), {len(refs)} references with real abstracts, "
          f"{len(texts)} claims, first run in a fresh process: {elapsed * 1000:.0f} ms "
          f"({len(findings)} findings).\n")


def main() -> None:
    records, claims, numeric = covid()
    similarity_figures(records, claims, numeric)
    false_flags(records, claims)
    seed_sentences()
    acne = read_nbib(DATA / "blue-light.nbib")
    mutations(acne)
    lexicon_mutations()
    shift_recall(records, claims)
    timing(records, claims)


if __name__ == "__main__":
    main()
