"""How long the JATS reader takes on a large article (issue 14: a 1 MB article under 2 s).

A real review (Taylor & Francis, 208 references, figures and tables) has
its body sections repeated until the file passes the size asked, so every
construct of a real article is in it: single-xref ranges, table citations,
floats read where first cited. Reading is timed for each size, so the
growth shows as well as the figure.

    python benchmarks/jats_large.py                 # 0.25, 0.5, 1 and 2 MB
    python benchmarks/jats_large.py --mb 1 --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from lxml import etree

from citeaudit.plugins import jats

SOURCE = Path(__file__).parent.parent / "tests/data/realworld/jats/tandf_gutmicrobes_2571433_review.xml"


def grown(source: bytes, size: int) -> bytes:
    """`source` with its body's sections repeated until the file is at least `size` bytes."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(source, parser)
    body = root.find(".//body")
    sections = [etree.tostring(sec) for sec in body.findall("sec")]
    data = etree.tostring(root)
    copy = 0
    while len(data) < size:
        copy += 1
        for text in sections:
            body.append(etree.fromstring(text, parser))
        data = etree.tostring(root)
    return data


def time_read(path: Path, runs: int) -> tuple[float, int]:
    """Median seconds to read `path`, and the number of claims read."""
    times = []
    claims = 0
    for _ in range(runs):
        started = time.perf_counter()
        document = jats.read_jats(path)
        times.append(time.perf_counter() - started)
        claims = len(document.claims)
    return statistics.median(times), claims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, action="append", help="sizes in MB (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = args.mb or [0.25, 0.5, 1.0, 2.0]
    source = SOURCE.read_bytes()
    with tempfile.TemporaryDirectory() as work:
        print(f"{'size':>9} {'claims':>7} {'seconds':>8} {'s/MB':>6}")
        for mb in sizes:
            path = Path(work) / f"article-{mb}.xml"
            path.write_bytes(grown(source, int(mb * 1024 * 1024)))
            seconds, claims = time_read(path, args.runs)
            megabytes = path.stat().st_size / 1024 / 1024
            print(f"{megabytes:8.2f}M {claims:7d} {seconds:8.2f} {seconds / megabytes:6.2f}")


if __name__ == "__main__":
    main()
