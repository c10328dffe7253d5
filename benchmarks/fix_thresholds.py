"""Measure the agreement rule of citeaudit.bib.search on real libraries (docs/fix.md).

    python benchmarks/fix_thresholds.py ../shared/corpus

1. Positives: the EndNote RIS export of the 'Blue Light for Acne' library
   against the MEDLINE records of the same works (joined by DOI): title
   similarity, first-author and year agreement.
2. Hard negatives: every MEDLINE record of that one-topic library against
   every other one (a search for one acne light-therapy paper returns the
   others): the best similarity of a different work whose first author and
   year also agree, at several thresholds.
3. Near-duplicate titles in large real libraries: entries of the same first
   author and year (+-1) with different DOIs, the pairs at or above each threshold.
4. What CA310 would search in each real library: journal articles and
   preprints without DOI or PMID, versus books, reports, web pages left alone.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import build_snapshot  # noqa: E402

from citeaudit.bib.bibtex import load_library  # noqa: E402
from citeaudit.bib.search import query_of, same_family, searchable_kind, title_similarity  # noqa: E402

THRESHOLDS = (80.0, 85.0, 90.0, 95.0)


def ris(path: Path) -> list[dict[str, list[str]]]:
    records, current, tag = [], {}, ""
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        match = re.match(r"^([A-Z][A-Z0-9])  - ?(.*)$", line)
        if match:
            tag, value = match.groups()
            if tag == "ER":
                records.append(current)
                current = {}
                continue
            current.setdefault(tag, []).append(value)
        elif tag and current.get(tag):
            current[tag][-1] += "\n" + line
    return records


def main(corpus: Path) -> None:
    base = corpus / "bib" / "blue_light_acne_review"
    medline = build_snapshot.parse(base / "blue-light.nbib")
    by_doi = {}
    for record in medline.values():
        try:
            by_doi[build_snapshot._doi(record).lower()] = record
        except StopIteration:
            pass
    sims, authors, years, n = [], 0, 0, 0
    for record in ris(base / "blue-light.ris"):
        doi = (record.get("DO") or [""])[0].strip().lower()
        if doi not in by_doi or not record.get("TI"):
            continue
        truth = by_doi[doi]
        n += 1
        sims.append(title_similarity(record["TI"][0], truth["TI"][0]))
        authors += same_family(record["AU"][0].split(",")[0], truth["FAU"][0].split(",")[0]) if record.get("AU") else 0
        years += abs(int(record["PY"][0][:4]) - int(truth["DP"][0][:4])) <= 1 if record.get("PY") else 0
    print(f"1. positives: {n} RIS records joined to MEDLINE by DOI; title similarity min {min(sims):.1f}, "
          f"below 90: {sum(s < 90 for s in sims)}; first author agrees {authors}/{n}; year agrees {years}/{n}")

    titles = [(p, r["TI"][0], r["FAU"][0].split(",")[0] if r.get("FAU") else "", int(r["DP"][0][:4]))
              for p, r in medline.items() if r.get("TI") and r.get("DP")]
    best_any, best_agree = [], []
    for p, title, family, year in titles:
        others = [(title_similarity(title, t), f, y) for q, t, f, y in titles if q != p]
        best_any.append(max(s for s, _, _ in others))
        agreeing = [s for s, f, y in others if f and same_family(family, f) and abs(year - y) <= 1]
        best_agree.append(max(agreeing, default=0.0))
    print(f"2. hard negatives: {len(titles)} MEDLINE records, each against the {len(titles) - 1} others: "
          f"best title similarity of another work max {max(best_any):.1f} (median "
          f"{sorted(best_any)[len(best_any) // 2]:.1f}); with first author and year agreeing too: "
          + ", ".join(f">= {t:g}: {sum(s >= t for s in best_agree)}" for t in THRESHOLDS))

    for name in ("gisurgonc_zotero_3_5MB.bib", "niklastr_thesis_references_2MB.bib", "cohealth_my_library.bib",
                 "martin_trauma_library.bib", "joss_cosinorage_paper.bib"):
        library = load_library([corpus / "realworld" / "bib" / name])
        buckets = defaultdict(list)
        for e in library.entries:
            w = e.work
            if w.title and w.first_author and w.year and len(w.title) >= 20:
                buckets[(re.sub(r"\W", "", w.first_author.family.lower())[:6], w.year)].append(e)
        pairs = {t: 0 for t in THRESHOLDS}
        for (fam, year), group in buckets.items():
            near = group + buckets.get((fam, year + 1), [])
            for a, b in combinations(near, 2):
                if a.work.doi and b.work.doi and a.work.doi == b.work.doi:
                    continue  # the same work twice: a duplicate, not a different work
                s = title_similarity(a.work.title, b.work.title)
                for t in THRESHOLDS:
                    pairs[t] += s >= t
        kinds = defaultdict(int)
        searched = unsearchable = 0
        for e in library.entries:
            if e.work.doi or e.work.pmid:
                continue
            if searchable_kind(e.work.kind, e.work):
                if query_of(e.work):
                    searched += 1
                else:
                    unsearchable += 1
            else:
                kinds[e.entry_type] += 1
        print(f"3/4. {name}: {len(library.entries)} entries; different works, same first author and year+-1, "
              "title pairs " + ", ".join(f">= {t:g}: {c}" for t, c in pairs.items())
              + f"; without DOI/PMID: {searched} searched for CA310, {unsearchable} articles too thin to search, "
              + "not searched: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus"))
