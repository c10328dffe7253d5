"""Time citeaudit.bib.bibtex.load_library on a generated 5,000-entry library.

Usage: python benchmarks/bib_load.py [ENTRIES]   (target: under 2 s for 5,000)

The entries look like a reference manager's export: several authors with
accents in LaTeX, protective braces, `--` page ranges, a DOI, a PMID in
every other entry and an abstract, so the decoding paths are all exercised.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from citeaudit.bib.bibtex import load_library

FAMILIES = ["Fleming", "Drucker", "M{\\\"u}ller", "Garc{\\'\\i}a", "O'Shea", "van der Berg", "Dörner",
            "Simpson", "Paller", "Bieber", "Zhang", "Jiang", "Castelo-Soccio", "Nguyen"]
GIVENS = ["Patrick", "Aaron M.", "J{\\'e}r{\\^o}me", "Amy S.", "Eric L.", "Y.", "Thomas"]
WORDS = ("dupilumab atopic dermatitis psoriasis biologic {JAK} inhibitor {IL-13} risk infection "
         "randomized controlled trial meta-analysis cohort eczema severity outcome").split()
JOURNALS = ["Journal of the American Academy of Dermatology", "British Journal of Dermatology",
            "JAMA Dermatology", "Clinical {\\&} Experimental Allergy"]


def entry(i: int, rng: random.Random) -> str:
    authors = " and ".join(f"{rng.choice(FAMILIES)}, {rng.choice(GIVENS)}" for _ in range(rng.randint(1, 8)))
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16))).capitalize()
    first = rng.randint(1, 2000)
    pmid = f"  pmid = {{{30000000 + i}}},\n" if i % 2 else ""
    abstract = " ".join(rng.choice(WORDS) for _ in range(150))
    return (f"@article{{key{i},\n  author = {{{authors}}},\n  title = {{{{{title}}}}},\n"
            f"  journal = {{{rng.choice(JOURNALS)}}},\n  year = {{{rng.randint(1990, 2024)}}},\n"
            f"  volume = {{{rng.randint(1, 200)}}},\n  number = {{{rng.randint(1, 12)}}},\n"
            f"  pages = {{{first}--{first + rng.randint(1, 20)}}},\n  doi = {{10.1000/gen.{i}}},\n{pmid}"
            f"  abstract = {{{abstract}}},\n}}\n\n")


def main(count: int) -> None:
    rng = random.Random(3)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "library.bib"
        path.write_text("".join(entry(i, rng) for i in range(count)), encoding="utf-8")
        size = path.stat().st_size
        start = time.perf_counter()
        library = load_library([path])
        elapsed = time.perf_counter() - start
    assert len(library.entries) == count and not library.problems, library.problems[:3]
    print(f"{count} entries, {size / 1e6:.1f} MB: loaded in {elapsed:.2f} s "
          f"({'under' if elapsed < 2 else 'OVER'} the 2 s target)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
