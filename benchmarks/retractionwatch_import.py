"""Time `citeaudit cache import` of a generated Retraction Watch CSV.

Usage: python benchmarks/retractionwatch_import.py [ROWS]   (target: under 10 s for 50,000)

The rows look like the real file (Crossref's `retraction_watch.csv`): the
same 20 columns, multi-valued subjects, institutions, URLs and reasons, US
dates, PMIDs written as floats, a PMID of 0 for about half the papers, and
some papers listed twice (a correction, then a retraction). The import runs
twice through the CLI, since a re-import must replace the first one, and
the second import is timed too; then a lookup checks the rows are there.
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
from pathlib import Path

from citeaudit.bib.cache import open_cache
from citeaudit.cli import main as cli

HEADER = ["Record ID", "Title", "Subject", "Institution", "Journal", "Publisher", "Country", "Author", "URLS",
          "ArticleType", "RetractionDate", "RetractionDOI", "RetractionPubMedID", "OriginalPaperDate",
          "OriginalPaperDOI", "OriginalPaperPubMedID", "RetractionNature", "Reason", "Paywalled", "Notes"]
NATURES = ["Retraction"] * 8 + ["Correction", "Expression of concern"]
REASONS = ["+Concerns/Issues About Data;", "+Paper Mill;", "+Duplication of Image;", "+Error in Analyses;",
           "+Investigation by Journal/Publisher;", "+Unreliable Results;", "+Plagiarism of Text;"]
WORDS = "study analysis effect patients model improved deep learning cancer cells expression risk".split()


def row(i: int, rng: random.Random) -> list[str]:
    paper = i if i % 10 else i - 1  # every tenth row is a second notice on the previous paper
    pmid = f"{30000000 + paper}.0" if paper % 2 else "0.0"
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    return [str(100000 + i), " ".join(rng.choice(WORDS) for _ in range(10)).capitalize(),
            "(BLS) Biology - Cellular;(HSC) Medicine - Oncology;", "Department of Medicine, Some University;",
            "Journal of Healthcare Engineering", "Hindawi", "China", "A Author;B Author;C Author",
            "https://retractionwatch.com/2023/04/05/example/", "Research Article;",
            f"{month}/{day}/2023 0:00", f"10.1155/2023/{9000000 + i}", f"{37000000 + i}.0",
            f"{month}/{day}/2021 0:00", f"10.1155/2021/{1000000 + paper}", pmid, rng.choice(NATURES),
            "".join(rng.sample(REASONS, 3)), "No", ""]


def main(count: int) -> None:
    rng = random.Random(20)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "retraction_watch.csv"
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(row(i, rng) for i in range(1, count + 1))
        size = path.stat().st_size
        timings = []
        for _ in range(2):
            start = time.perf_counter()
            code = cli(["cache", "import", str(path), "--cache-dir", folder])
            timings.append(time.perf_counter() - start)
            if code != 0:
                sys.exit(f"import failed with exit code {code}")
        with open_cache(Path(folder)) as cache:
            found = cache.get_many("retractionwatch", ["10.1155/2021/1000001", "30000001"])
        if len(found) != 2:
            sys.exit("the imported rows are not in the cache")
    print(f"{count} rows ({size / 1e6:.1f} MB): first import {timings[0]:.2f} s, re-import {timings[1]:.2f} s "
          f"(target < 10 s): {'PASS' if max(timings) < 10 else 'FAIL'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
