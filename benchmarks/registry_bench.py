"""Requests and seconds to verify a 200-reference list, cold and warm.

Runs `citeaudit.bib.metadata.fetch_records` against the loopback fake
registry of tests/fakeregistry.py with 100 ms latency per request (about a
transatlantic round trip), so the numbers show what batching and the cache
save, not how fast the machine is. Half the references give a DOI and a
PMID, half only a DOI (those need the DOI -> PMID search). The records are
copies, under fresh identifiers, of two real recorded responses from
tests/data/registry.

    python benchmarks/registry_bench.py [--references 200] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakeregistry import FakeRegistry  # noqa: E402

from citeaudit.bib.crossref import Crossref  # noqa: E402
from citeaudit.bib.metadata import fetch_records  # noqa: E402
from citeaudit.bib.pubmed import PubMed  # noqa: E402
from citeaudit.config import Options  # noqa: E402
from citeaudit.model import Record, Resolution  # noqa: E402

DATA = ROOT / "tests" / "data" / "registry"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--references", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every answer")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache_dir, FakeRegistry(latency=args.latency) as fake:
        fake.add_crossref(DATA / "crossref" / "10.1016_j.addr.2015.01.008.json")
        fake.add_pubmed(DATA / "pubmed" / "biopython_pubmed4_refs.xml")
        pairs = fake.add_copies(args.references)
        os.environ.update(fake.env())
        refs = [Resolution(n, None, doi=doi, pmid=pmid if n % 2 else None)
                for n, (doi, pmid) in enumerate(pairs, 1)]
        options = Options(cache_dir=Path(cache_dir), quiet=True)
        print(f"{args.references} references, {args.latency * 1000:.0f} ms latency per request")
        for run in ("cold", "warm"):
            before = fake.count()
            started = time.perf_counter()
            result = fetch_records(refs, options=options, registries=[Crossref(), PubMed()])
            seconds = time.perf_counter() - started
            records = sum(isinstance(o, Record) for o in result.outcomes.values())
            by_endpoint = {e: sum(1 for r in fake.requests[before:] if r.endpoint == e)
                           for e in ("works", "work", "esearch", "efetch")}
            detail = ", ".join(f"{e} {n}" for e, n in by_endpoint.items() if n)
            print(f"{run}: {fake.count() - before} requests ({detail or 'none'}), "
                  f"{seconds:.2f} s, {records} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
