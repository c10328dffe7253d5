"""Seconds a dead registry costs a run, with default settings (issues 16 and 22).

    python benchmarks/outages.py [--quick]

Scenarios, each a `citeaudit check` subprocess against the loopback fake
registry (tests/fakeregistry.py) or a closed port:

| scenario | target |
|---|---|
| one draft, registry accepts connections and never answers | 20 s |
| one draft, registry refuses connections | 2 s |
| 10 drafts, never answers, `--timeout 3` | 3 s + start-up |
| 200 drafts, closed port, `--jobs 4` | 30 s |

Each line prints the seconds, the exit code, the requests the fake server
received and whether CA309 was reported; the figures go in
docs/performance.md. `--quick` skips the 20-second scenario.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakeregistry import FakeRegistry  # noqa: E402

DRAFT = ROOT / "tests/data/registry/verify_draft.md"


def _run(args: list[str], env: dict[str, str]) -> tuple[float, int, dict]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "citeaudit", "check", *args, "--format", "json"],
                          capture_output=True, text=True, env={**os.environ, **env}, timeout=600)
    elapsed = time.monotonic() - started
    return elapsed, done.returncode, json.loads(done.stdout) if done.stdout.strip() else {}


def _ca309(report: dict) -> int:
    return sum(f["rule"] == "CA309" for d in report.get("documents", []) for f in d["findings"])


def _drafts(folder: Path, count: int) -> Path:
    folder.mkdir()
    for n in range(count):
        shutil.copy(DRAFT, folder / f"draft{n:03d}.md")
    return folder


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 20-second scenario")
    quick = parser.parse_args().quick
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        port = _closed_port()
        closed = {"CITEAUDIT_CROSSREF_URL": f"http://127.0.0.1:{port}/crossref",
                  "CITEAUDIT_EUTILS_URL": f"http://127.0.0.1:{port}/eutils"}
        with FakeRegistry() as fake:
            fake.fault("hang")
            hang = {"CITEAUDIT_CROSSREF_URL": fake.crossref_url, "CITEAUDIT_EUTILS_URL": fake.eutils_url}
            scenarios = [
                ("one draft, registry never answers", 20.0, [str(DRAFT)], hang),
                ("one draft, registry refuses connections", 2.0, [str(DRAFT)], closed),
                ("10 drafts, never answers, --timeout 3", 3.0 + 2.0,
                 [str(_drafts(work / "ten", 10)), "--timeout", "3"], hang),
                ("200 drafts, closed port, --jobs 4", 30.0,
                 [str(_drafts(work / "many", 200)), "--jobs", "4"], closed),
            ]
            if quick:
                scenarios = scenarios[1:]
            for n, (name, target, args, env) in enumerate(scenarios):
                fake.clear()
                fake.fault("hang")
                elapsed, code, report = _run([*args, "--cache-dir", str(work / f"cache{n}")], env)
                requests = fake.count() if env is hang else 0
                rows.append((name, elapsed, target, code, requests, _ca309(report)))
    print(f"{'scenario':<45} {'seconds':>8} {'target':>7} {'exit':>4} {'requests':>8} {'CA309':>5}")
    for name, elapsed, target, code, requests, ca309 in rows:
        print(f"{name:<45} {elapsed:>8.2f} {target:>7.1f} {code:>4} {requests:>8} {ca309:>5}")
    met = all(elapsed <= target and code == 1 and ca309 == 2 for _, elapsed, target, code, _, ca309 in rows)
    print("all targets met" if met else "TARGET MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
