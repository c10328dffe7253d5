"""citeaudit's speed and scale benchmarks: every target of issue 11, PASS or FAIL.

    python benchmarks/run.py            # the full suite (a few minutes on 2 cores)
    python benchmarks/run.py --quick    # tiny inputs, one run each: a smoke test, no targets

Inputs are generated into a temporary folder from real corpus records
(../shared/corpus beside the repository, or --corpus): the PubMed efetch XML and Crossref JSON
records, and the reference lists of the JATS articles. Records are reused
under fresh identifiers when a scenario needs more references than the
corpus has. A loopback registry (tests/fakeregistry.py) serves them with
100 ms latency per request, so request counts and waits are real.

Every CLI scenario runs the installed console script in a fresh process, so
interpreter start and imports count. Results go to benchmarks/out/results.json
(--out); the exit code is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakeregistry import FakeRegistry  # noqa: E402

from citeaudit.bib.records import from_crossref, from_pubmed, pubmed_articles  # noqa: E402
from citeaudit.errors import CiteauditError  # noqa: E402
from citeaudit.model import Work  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
"""The corpus beside the repository (CI: a fresh clone with shared/ beside it)."""
LATENCY = 0.1
"""Seconds the loopback registry waits before answering each request."""
FORMATS = ("markdown", "jats", "docx")
SUFFIX = {"markdown": ".md", "jats": ".xml", "docx": ".docx"}


# -- sources: real records, each with what the registry serves for it ----------


@dataclass(frozen=True, slots=True)
class Source:
    """One cited work: the fields a reference shows and the registry's record of it."""

    work: Work
    """What the draft and the library say (the identifier cited is in doi or pmid)."""
    abstract: str | None = None
    """The record's abstract, when it has one: claims quote its first sentence."""
    crossref: dict[str, Any] | None = None
    """The Crossref item the loopback registry serves under work.doi."""
    pubmed: bytes | None = None
    """The PubmedArticle the loopback registry serves under work.pmid."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)


def pubmed_sources(corpus: Path) -> list[Source]:
    """Every PubmedArticle of the corpus's efetch files, cited by PMID."""
    found = []
    for path in sorted((corpus / "pubmed" / "efetch").glob("*.xml")):
        root = etree.fromstring(path.read_bytes(), _parser())
        for article in pubmed_articles(root):
            record = from_pubmed(article)
            work = replace(record.work, doi=None, pmcid=None)
            found.append(Source(work, record.abstract, pubmed=etree.tostring(article)))
    return found


def crossref_sources(corpus: Path) -> list[Source]:
    """Every journal article of the corpus's Crossref work files, cited by DOI."""
    found = []
    paths = sorted((corpus / "crossref" / "works").glob("*.json"))
    paths += sorted((corpus / "crossref" / "works_items").glob("*.json"))
    for path in paths:
        payload = json.loads(path.read_text(encoding="utf-8"))
        item = payload.get("message", payload)
        if item.get("type") != "journal-article" or not item.get("title"):
            continue
        record = from_crossref(item)
        if not record.work.authors or not record.work.year:
            continue
        found.append(Source(replace(record.work, pmid=None, pmcid=None), record.abstract, crossref=item))
    return found


def jats_sources(corpus: Path) -> list[Source]:
    """The references with a DOI in the corpus JATS articles, read by citeaudit's JATS reader.

    The loopback registry serves each as a Crossref item made of the
    element-citation's own fields, so the reference and the record agree.
    """
    from citeaudit.config import build_options
    from citeaudit.manager import get_plugin_manager

    host = get_plugin_manager()
    options = build_options({})
    found: dict[str, Source] = {}
    for path in sorted((corpus / "jats").glob("*.*ml")):
        try:
            references = host.read_document(path, options).references
        except CiteauditError:
            continue  # an article citeaudit refuses has no references to lend
        for ref in references:
            work = ref.work
            if not (work.doi and work.title and work.authors and work.year and work.journal):
                continue
            if work.doi not in found:
                found[work.doi] = Source(replace(work, pmid=None, pmcid=None), None,
                                         crossref=crossref_item(work))
    return list(found.values())


def crossref_item(work: Work) -> dict[str, Any]:
    """A Crossref work item carrying a Work's fields."""
    item: dict[str, Any] = {
        "DOI": work.doi, "type": "journal-article", "title": [work.title],
        "container-title": [work.journal],
        "author": [{"family": p.family, "given": p.given} for p in work.authors],
        "issued": {"date-parts": [[work.year]]}, "published": {"date-parts": [[work.year]]},
    }
    for key, value in (("volume", work.volume), ("issue", work.issue), ("page", work.pages)):
        if value:
            item[key] = value
    return item


def pool(corpus: Path, count: int) -> list[Source]:
    """`count` sources with distinct identifiers, the three kinds mixed from the start.

    Past the corpus's supply, records come again under a fresh DOI (suffix
    `.rN`) or PMID, as the fake registry's `add_copies` does.
    """
    kinds = [pubmed_sources(corpus), crossref_sources(corpus), jats_sources(corpus)]
    # Interleave so a short list still has every kind: one PubMed, one Crossref, five JATS.
    pattern = [0, 1, 2, 2, 2, 2, 2]
    order: list[Source] = []
    cursors = [0, 0, 0]
    while len(order) < sum(map(len, kinds)):
        for k in pattern:
            if cursors[k] < len(kinds[k]):
                order.append(kinds[k][cursors[k]])
                cursors[k] += 1
    sources = []
    for n in range(count):
        base = order[n % len(order)]
        round_ = n // len(order)
        sources.append(base if round_ == 0 else reissued(base, round_, n))
    return sources


def reissued(source: Source, round_: int, n: int) -> Source:
    """The same record under a fresh identifier."""
    if source.pubmed is not None:
        pmid = str(90_000_000 + n)
        article = etree.fromstring(source.pubmed)
        article.find("MedlineCitation/PMID").text = pmid
        return replace(source, work=replace(source.work, pmid=pmid), pubmed=etree.tostring(article))
    doi = f"{source.work.doi}.r{round_}"
    assert source.crossref is not None
    return replace(source, work=replace(source.work, doi=doi), crossref={**source.crossref, "DOI": doi})


def serve(fake: FakeRegistry, sources: Sequence[Source]) -> None:
    for source in sources:
        if source.crossref is not None:
            fake.add_work(source.crossref)
        if source.pubmed is not None:
            fake.add_article(source.pubmed)


# -- writing drafts and libraries ----------------------------------------------


def vancouver(work: Work) -> str:
    """A Vancouver reference string with the cited identifier."""
    names = [f"{p.family} {''.join(w[0] for w in p.given.replace('-', ' ').replace('.', ' ').split())}".strip()
             for p in work.authors]
    authors = ", ".join(names[:6]) + (", et al" if len(names) > 6 else "")
    where = f"{work.year}"
    if work.volume:
        where += f";{work.volume}"
        if work.issue:
            where += f"({work.issue})"
    if work.pages:
        where += f":{work.pages}"
    ident = f" doi:{work.doi}" if work.doi else f" PMID: {work.pmid}" if work.pmid else ""
    return f"{authors}. {work.title.rstrip('.')}. {work.journal}. {where}.{ident}"


def claim_text(source: Source) -> str:
    """A sentence about the cited work: its abstract's first sentence, else its title."""
    if source.abstract:
        first = source.abstract.split(". ")[0].strip().rstrip(".")
        if 40 <= len(first) <= 300:
            return first
    title = " ".join(source.work.title.replace(". ", ", ").split()).rstrip(".?!")
    return f"Findings on {title[0].lower() + title[1:]} have been reported"


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    cites: tuple[int, ...]


def sentences(sources: Sequence[Source]) -> list[Sentence]:
    """One claim per reference in order of first citation; every seventh cites a range too."""
    out = []
    for n, source in enumerate(sources, 1):
        cites = (n, n + 1) if n % 7 == 0 and n < len(sources) else (n,)
        out.append(Sentence(claim_text(source), cites))
    return out


def _marker(cites: tuple[int, ...]) -> str:
    return ", ".join(map(str, cites))


def write_markdown(path: Path, sources: Sequence[Source]) -> None:
    lines = [f"# A review of {len(sources)} studies (benchmark draft)", ""]
    for i, sentence in enumerate(sentences(sources)):
        if i % 40 == 0:
            lines += [f"## Section {i // 40 + 1}", ""]
        lines.append(f"{sentence.text} [{_marker(sentence.cites)}].")
        if i % 5 == 4:
            lines.append("")
    lines += ["", "## References", ""]
    lines += [f"{n}. {vancouver(s.work)}" for n, s in enumerate(sources, 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_jats(path: Path, sources: Sequence[Source]) -> None:
    body = []
    for i, sentence in enumerate(sentences(sources)):
        if i % 40 == 0:
            body.append(f"{'</p></sec>' if i else ''}<sec><title>Section {i // 40 + 1}</title><p>")
        xrefs = ", ".join(f'<xref ref-type="bibr" rid="B{n}">{n}</xref>' for n in sentence.cites)
        body.append(f"{escape(sentence.text)} [{xrefs}]. ")
    body.append("</p></sec>")
    refs = [f'<ref id="B{n}"><label>{n}</label>{element_citation(s.work)}</ref>'
            for n, s in enumerate(sources, 1)]
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="review-article">'
        f"<front><article-meta><title-group><article-title>A review of {len(sources)} studies"
        "</article-title></title-group></article-meta></front>"
        f"<body>{''.join(body)}</body><back><ref-list><title>References</title>{''.join(refs)}"
        "</ref-list></back></article>\n", encoding="utf-8")


def element_citation(work: Work) -> str:
    names = "".join(f"<name><surname>{escape(p.family)}</surname><given-names>{escape(p.given)}"
                    "</given-names></name>" for p in work.authors)
    parts = [f'<element-citation publication-type="journal"><person-group person-group-type="author">'
             f"{names}</person-group><article-title>{escape(work.title)}</article-title>"
             f"<source>{escape(work.journal)}</source><year>{work.year}</year>"]
    if work.volume:
        parts.append(f"<volume>{escape(work.volume)}</volume>")
    if work.issue:
        parts.append(f"<issue>{escape(work.issue)}</issue>")
    if work.pages:
        first, _, last = work.pages.partition("-")
        parts.append(f"<fpage>{escape(first)}</fpage>" + (f"<lpage>{escape(last)}</lpage>" if last else ""))
    if work.doi:
        parts.append(f'<pub-id pub-id-type="doi">{escape(work.doi)}</pub-id>')
    if work.pmid:
        parts.append(f'<pub-id pub-id-type="pmid">{work.pmid}</pub-id>')
    return "".join(parts) + "</element-citation>"


def write_docx(path: Path, sources: Sequence[Source]) -> None:
    """A Word draft with superscript citation numbers, as medical journals ask for."""
    import docx

    document = docx.Document()
    document.add_heading(f"A review of {len(sources)} studies (benchmark draft)", level=1)
    paragraph = None
    for i, sentence in enumerate(sentences(sources)):
        if i % 40 == 0:
            document.add_heading(f"Section {i // 40 + 1}", level=2)
        if paragraph is None or i % 5 == 0:
            paragraph = document.add_paragraph()
        paragraph.add_run(f"{sentence.text}.")
        paragraph.add_run(",".join(map(str, sentence.cites))).font.superscript = True
        paragraph.add_run(" ")
    document.add_heading("References", level=2)
    for n, source in enumerate(sources, 1):
        document.add_paragraph(f"{n}. {vancouver(source.work)}")
    document.save(str(path))


WRITERS: dict[str, Callable[[Path, Sequence[Source]], None]] = {
    "markdown": write_markdown, "jats": write_jats, "docx": write_docx}


def bibtex(sources: Sequence[Source], path: Path) -> None:
    """A library of the sources, as a reference manager exports it."""
    entries, keys = [], Counter()
    for source in sources:
        work = source.work
        stem = "".join(c for c in (work.authors[0].family if work.authors else "anon") if c.isalpha()).lower()
        stem = f"{stem or 'anon'}{work.year or ''}"
        keys[stem] += 1
        key = stem if keys[stem] == 1 else f"{stem}-{keys[stem]}"
        fields = {
            "author": " and ".join(f"{{{p.family}}}, {p.given}" if p.given else f"{{{p.family}}}"
                                   for p in work.authors),
            "title": f"{{{work.title}}}", "journal": work.journal, "year": work.year,
            "volume": work.volume, "number": work.issue, "pages": (work.pages or "").replace("-", "--"),
            "doi": work.doi, "pmid": work.pmid, "abstract": source.abstract,
        }
        body = ",\n".join(f"  {name} = {{{_bibtex_escape(str(value))}}}"
                          for name, value in fields.items() if value)
        entries.append(f"@article{{{key},\n{body}\n}}\n")
    path.write_text("\n".join(entries), encoding="utf-8")


def _bibtex_escape(text: str) -> str:
    # Unbalanced braces would end the field early; & and % are LaTeX specials.
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        text = text.replace("{", "").replace("}", "")
    return text.replace("&", r"\&").replace("%", r"\%")


def jats_articles(corpus: Path, folder: Path, count: int) -> int:
    """`count` JATS articles: the corpus articles again and again, each copy retitled.

    Returns how many distinct corpus articles they come from.
    """
    from citeaudit.config import build_options
    from citeaudit.manager import get_plugin_manager

    host, options = get_plugin_manager(), build_options({})
    originals = []
    for path in sorted((corpus / "jats").glob("*.*ml")):
        try:
            host.read_document(path, options)
        except CiteauditError:
            continue  # only articles citeaudit reads without refusing
        originals.append(path)
    if not originals:
        raise SystemExit(f"no JATS article in {corpus / 'jats'} that citeaudit reads")
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        source = originals[n % len(originals)]
        data = source.read_bytes()
        if n >= len(originals):
            data = data.replace(b"<article-title>", f"<article-title>[copy {n}] ".encode(), 1)
        (folder / f"{n:04d}-{source.name}").write_bytes(data)
    return len(originals)


# -- measuring -----------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float | None = None
    requests: int | None = None
    cpu_seconds: float | None = None
    """User + system time of the child process: what the run cost, whatever else the machine ran."""


@dataclass
class Result:
    name: str
    metric: str
    """`seconds`, `requests`, `MB` or `articles/s`: what the target bounds."""
    runs: list[Run] = field(default_factory=list)
    target: float | None = None
    higher_is_better: bool = False
    notes: dict[str, Any] = field(default_factory=dict)

    def values(self) -> list[float]:
        if self.metric in ("seconds", "ratio"):
            return [r.seconds for r in self.runs]
        if self.metric == "MB":
            return [r.peak_rss_mb or 0.0 for r in self.runs]
        if self.metric == "requests":
            return [float(r.requests or 0) for r in self.runs]
        return [self.notes["count"] / r.seconds for r in self.runs]

    @property
    def value(self) -> float:
        # The worst run counts for requests and memory: those must hold every time.
        values = self.values()
        if self.metric in ("requests", "MB"):
            return max(values)
        return statistics.median(values)

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def as_json(self) -> dict[str, Any]:
        values = self.values()
        seconds = [r.seconds for r in self.runs]
        return {
            "name": self.name, "metric": self.metric, "value": round(self.value, 4),
            "target": self.target, "target_is": "minimum" if self.higher_is_better else "maximum",
            "passed": self.passed, "runs": len(self.runs),
            "min": round(min(values), 4), "max": round(max(values), 4),
            "median_seconds": round(statistics.median(seconds), 4),
            "spread_seconds": round(max(seconds) - min(seconds), 4),
            "requests": [r.requests for r in self.runs],
            "peak_rss_mb": max((r.peak_rss_mb or 0.0) for r in self.runs) or None,
            "median_cpu_seconds": _median_cpu(self.runs),
            **self.notes,
        }


def _median_cpu(runs: list[Run]) -> float | None:
    cpu = [r.cpu_seconds for r in runs if r.cpu_seconds is not None]
    return round(statistics.median(cpu), 4) if cpu else None


def citeaudit_command() -> list[str]:
    """The installed console script, as a user runs it; else `python -m citeaudit`."""
    script = Path(sys.executable).parent / "citeaudit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "citeaudit"]


def run_cli(args: Sequence[str], env: dict[str, str], cwd: Path) -> tuple[Run, int, str]:
    """One CLI run in a fresh process: wall time, its own peak RSS, exit code, stderr."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([*citeaudit_command(), *args], env=env, cwd=cwd,
                                stdout=subprocess.DEVNULL, stderr=err)
        peak = PeakWatcher(proc.pid)
        cpu = _wait(proc)
        elapsed = time.perf_counter() - start
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return Run(elapsed, peak.stop(), cpu_seconds=cpu), proc.returncode, stderr


def _wait(proc: subprocess.Popen) -> float:
    """Wait for `proc`; its CPU seconds (user + system), which a loaded machine barely changes."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


class PeakWatcher(threading.Thread):
    """The high-water mark of a process's resident memory (VmHWM), read until it exits.

    Not `ru_maxrss`: Linux carries the parent's resident size over a fork and
    exec into the child's figure, and this script's own process is large.
    VmHWM belongs to the exec'd program's memory alone and only grows, so
    reading it every few milliseconds misses at most the last moment's growth.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.status = Path(f"/proc/{pid}/status")
        self.peak_kib = 0
        self.done = threading.Event()
        self.start()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                text = self.status.read_text()
            except OSError:
                return
            found = re.search(r"^VmHWM:\s+(\d+) kB", text, re.MULTILINE)
            if found is None:  # a zombie: the program has exited
                return
            self.peak_kib = max(self.peak_kib, int(found.group(1)))
            self.done.wait(0.005)

    def stop(self) -> float | None:
        self.done.set()
        self.join()
        return self.peak_kib / 1024 or None


class Bench:
    """The generated inputs, the loopback registry and the results so far."""

    def __init__(self, corpus: Path, work: Path, runs: int, latency: float) -> None:
        self.corpus, self.work, self.runs = corpus, work, runs
        self.fake = FakeRegistry(latency=latency).start()
        self.latency = latency
        self.results: list[Result] = []
        # PYTHONDONTWRITEBYTECODE would make every run recompile citeaudit's own
        # modules from source (~80 ms), which an installed copy never does: pip
        # writes .pyc files. Runs here write and reuse them, as users' runs do.
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("NCBI_API_KEY", "CITEAUDIT_MAILTO", "CITEAUDIT_TRACE_HOOKS",
                                 "PYTHONDONTWRITEBYTECODE")}
        self.env.update(**self.fake.env(), XDG_CONFIG_HOME=str(work / "config"), NO_COLOR="1")
        self._caches = 0
        self.prime()

    def prime(self) -> None:
        """Compile citeaudit's modules once, as `pip install` does, so no run pays for it."""
        import citeaudit.bib
        import citeaudit.plugins
        folders = {str(Path(m.__file__).parent) for m in (citeaudit, citeaudit.bib, citeaudit.plugins)}
        subprocess.run([sys.executable, "-m", "compileall", "-q", *sorted(folders)], env=self.env,
                       stdout=subprocess.DEVNULL, check=False)

    def close(self) -> None:
        self.fake.stop()

    def fresh_cache(self) -> Path:
        self._caches += 1
        folder = self.work / "caches" / str(self._caches)
        shutil.rmtree(folder, ignore_errors=True)  # a kept --workdir holds earlier runs' caches
        return folder

    def cli(self, args: Sequence[str], cache: Path) -> tuple[Run, dict[str, Any]]:
        """Run the CLI once; the run's registry requests and its JSON report."""
        report = self.work / "report.json"
        report.unlink(missing_ok=True)
        before = self.fake.count()
        run, code, stderr = run_cli([*args, "--format", "json", "--output", str(report), "--quiet",
                                     "--fail-on", "never", "--cache-dir", str(cache)],
                                    self.env, self.work)
        if code != 0:
            raise SystemExit(f"citeaudit {' '.join(args)} failed with exit code {code}:\n{stderr}")
        run.requests = self.fake.count() - before
        return run, json.loads(report.read_text(encoding="utf-8"))

    def add(self, result: Result) -> Result:
        self.results.append(result)
        print(line(result), flush=True)
        return result


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """What a report holds, to show the run did the whole job."""
    rules = Counter(f["rule"] for d in report["documents"] for f in d["findings"])
    return {"references": report["summary"]["references"], "claims": report["summary"]["claims"],
            "findings": dict(sorted(rules.items()))}


def line(result: Result) -> str:
    values = result.values()
    unit = {"seconds": "s", "MB": "MB", "requests": "req", "articles/s": "art/s",
            "ratio": "x"}[result.metric]
    fine = result.metric in ("seconds", "ratio")
    shown = f"{result.value:.3f} {unit}" if fine else f"{result.value:.1f} {unit}"
    spread = f"[{min(values):.3f}..{max(values):.3f}]" if fine else \
             f"[{min(values):.1f}..{max(values):.1f}]"
    reqs = {r.requests for r in result.runs if r.requests is not None}
    rss = max((r.peak_rss_mb or 0) for r in result.runs)
    cpu = _median_cpu(result.runs)
    extra = (f" req={'/'.join(map(str, sorted(reqs)))}" if reqs else "") + (f" rss={rss:.0f}MB" if rss else "") \
        + (f" cpu={cpu:.3f}s" if cpu is not None else "")
    if result.target is None:
        verdict = "      "
        target = ""
    else:
        verdict = "PASS  " if result.passed else "FAIL  "
        target = f" (target {'>=' if result.higher_is_better else '<='} {result.target:g} {unit})"
    return f"{verdict}{result.name:<44} {shown:>12} {spread:<18} n={len(result.runs)}{extra}{target}"


# -- scenarios -----------------------------------------------------------------


def review_scenarios(bench: Bench, sources: Sequence[Source], fmt: str, targets: bool) -> Path:
    """Cold cache, warm cache CLI, in-process and peak memory for one draft; returns the warm cache."""
    count = len(sources)
    folder = bench.work / f"review-{count}"
    folder.mkdir(parents=True, exist_ok=True)
    draft = folder / f"review{SUFFIX[fmt]}"
    WRITERS[fmt](draft, sources)
    library = folder / "library.bib"
    if not library.exists():
        bibtex(sources, library)
    args = ["check", str(draft), "--bib", str(library)]
    label = f"{count} refs {fmt}"

    latency = f"{bench.latency * 1000:.0f} ms latency"
    cold = Result(f"{label}: cold cache, {latency}", "seconds", target=1.5 if targets else None)
    requests = Result(f"{label}: cold cache requests", "requests", target=6 if targets else None)
    caches = [bench.fresh_cache() for _ in range(bench.runs)]
    for cache in caches:
        run, report = bench.cli(args, cache)
        cold.runs.append(run)
        requests.runs.append(run)
        got = summary(report)
        cold.notes.update(got)
        if got["references"] != count or "CA308" in got["findings"]:
            raise SystemExit(f"{label}: the cold run did not verify every reference: {got}")
    bench.add(cold)
    bench.add(requests)

    warm = Result(f"{label}: warm cache, CLI end to end", "seconds", target=1.0 if targets else None)
    for _ in range(bench.runs):
        run, report = bench.cli(args, caches[-1])
        warm.runs.append(run)
        if run.requests:
            raise SystemExit(f"{label}: the warm run made {run.requests} registry requests")
    warm.notes.update(summary(report))
    bench.add(warm)
    if fmt == "markdown":
        warm_versus_import(bench, warm, targets)

    memory = Result(f"{label}: peak memory", "MB", target=150 if targets else None)
    memory.runs = cold.runs + warm.runs
    bench.add(memory)

    bench.add(in_process(bench, label, args, caches[-1], target=0.15 if targets else None))
    return caches[-1]


def in_process(bench: Bench, label: str, args: Sequence[str], cache: Path, target: float | None) -> Result:
    """`check_paths` in this process with plugins loaded and the cache warm: the checking alone."""
    from citeaudit.config import build_options
    from citeaudit.manager import get_plugin_manager
    from citeaudit.pipeline import check_paths

    draft, library = Path(args[1]), Path(args[3])
    saved = {k: os.environ.get(k) for k in bench.fake.env()}
    os.environ.update(bench.fake.env())
    try:
        host = get_plugin_manager()
        options = build_options({"bib": (library,), "cache_dir": cache, "quiet": True,
                                 "config_path": None})
        check_paths([draft], options, host)  # first run: lazy imports, compiled patterns
        result = Result(f"{label}: in-process check only", "seconds", target=target)
        for _ in range(max(bench.runs, 5)):
            before = bench.fake.count()
            start = time.perf_counter()
            check_paths([draft], options, host)
            result.runs.append(Run(time.perf_counter() - start, requests=bench.fake.count() - before))
        return result
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def jats_folder_scenario(bench: Bench, count: int, targets: bool) -> None:
    """`citeaudit check FOLDER --jobs 2` over many JATS articles with a warm cache."""
    folder = bench.work / f"jats-{count}"
    distinct = jats_articles(bench.corpus, folder, count)
    cache = bench.fresh_cache()
    latency, bench.fake.latency = bench.fake.latency, 0.0
    try:
        # Warming: one copy of each corpus article is enough, the rest cite the same works.
        prime = bench.work / "jats-prime"
        prime.mkdir(exist_ok=True)
        for path in sorted(folder.iterdir())[:distinct]:
            shutil.copy(path, prime / path.name)
        bench.cli(["check", str(prime), "--jobs", "2"], cache)
    finally:
        bench.fake.latency = latency
    result = Result(f"{count} JATS articles, warm cache, --jobs 2", "articles/s",
                    target=25 if targets else None, higher_is_better=True, notes={"count": count})
    for _ in range(max(1, bench.runs // 2)):
        run, report = bench.cli(["check", str(folder), "--jobs", "2"], cache)
        result.runs.append(run)
        if len(report["documents"]) != count:
            raise SystemExit(f"JATS folder: {len(report['documents'])} documents reported, not {count}")
    result.notes.update(summary(report))
    bench.add(result)


def bib_scenario(bench: Bench, sources: Sequence[Source], warm_cache: Path | None, targets: bool) -> None:
    """`citeaudit bib LIBRARY --offline` on a large library.

    The cache is the one a review run filled, so the first entries are
    verified from it and the rest are reported unavailable (CA308).
    """
    count = len(sources)
    library = bench.work / f"library-{count}.bib"
    bibtex(sources, library)
    cache = warm_cache or bench.fresh_cache()
    result = Result(f"{count}-entry .bib, bib --offline", "seconds", target=2.0 if targets else None)
    for _ in range(bench.runs):
        run, report = bench.cli(["bib", str(library), "--offline"], cache)
        result.runs.append(run)
    got = summary(report)
    if got["references"] != count:
        raise SystemExit(f"bib: {got['references']} entries reported, not {count}")
    result.notes.update(got)
    bench.add(result)


STACK = "import lxml.etree, pybtex.database, requests, markdown_it, rapidfuzz, click, pluggy"
"""The third-party stack a check imports: the floor a warm check is measured against."""


def warm_versus_import(bench: Bench, warm: Result, targets: bool) -> None:
    """The warm 200-reference check as a multiple of importing its own stack, in this run."""
    stack = Result("import of the stack alone (python -c ...)", "seconds")
    for _ in range(max(bench.runs, 5)):
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", STACK], env=bench.env)
        cpu = _wait(proc)
        if proc.returncode:
            raise SystemExit(f"importing the stack failed with exit code {proc.returncode}")
        stack.runs.append(Run(time.perf_counter() - start, cpu_seconds=cpu))
    bench.add(stack)
    ratio = Result("warm check / stack import", "ratio", target=2.0 if targets else None,
                   notes={"warm_seconds": warm.value, "import_seconds": stack.value})
    ratio.runs.append(Run(warm.value / stack.value))
    bench.add(ratio)
    # The same ratio in CPU time: on a machine other jobs load, wall time mostly
    # measures waiting for a core; CPU time is what the two runs cost.
    warm_cpu = statistics.median(r.cpu_seconds or 0.0 for r in warm.runs)
    stack_cpu = statistics.median(r.cpu_seconds or 0.0 for r in stack.runs)
    cpu_ratio = Result("warm check / stack import, CPU time", "ratio",
                       notes={"warm_cpu_seconds": round(warm_cpu, 4), "import_cpu_seconds": round(stack_cpu, 4)})
    cpu_ratio.runs.append(Run(warm_cpu / stack_cpu if stack_cpu else float("inf")))
    bench.add(cpu_ratio)


def streaming_scenario(bench: Bench, counts: Sequence[int], targets: bool) -> None:
    """Peak memory of the parent for `check FOLDER --jobs 2 --format jsonl` as the folder grows.

    The parent holds one document at a time plus counts, so its peak must not
    grow with the number of articles (workers are separate processes, not
    counted: VmHWM is the parent's own).
    """
    results: list[Result] = []
    for count in counts:
        folder = bench.work / f"stream-{count}"
        jats_articles(bench.corpus, folder, count)
        cache = bench.work / "caches" / "stream"
        out = bench.work / "stream.jsonl"
        result = Result(f"{count} JATS, --jobs 2 --format jsonl: parent peak", "MB",
                        target=200 if targets else None, notes={"count": count})
        for _ in range(max(1, bench.runs // 3)):
            out.unlink(missing_ok=True)
            run, code, stderr = run_cli(["check", str(folder), "--jobs", "2", "--format", "jsonl",
                                         "--output", str(out), "--offline", "--fail-on", "never",
                                         "--quiet", "--cache-dir", str(cache)], bench.env, bench.work)
            if code != 0:
                raise SystemExit(f"streaming run failed with exit code {code}:\n{stderr}")
            lines = out.read_text(encoding="utf-8").splitlines()
            if len(lines) != count:
                raise SystemExit(f"streaming run wrote {len(lines)} documents, not {count}")
            run.peak_rss_mb = run.peak_rss_mb or 0.0
            result.runs.append(Run(run.peak_rss_mb, peak_rss_mb=run.peak_rss_mb))
            result.notes["seconds"] = round(run.seconds, 2)
        results.append(bench.add(result))
    if len(results) >= 2:
        growth = Result(f"parent peak, {counts[-1]} vs {counts[0]} articles", "ratio",
                        target=1.2 if targets else None)
        growth.runs.append(Run(results[-1].value / results[0].value))
        bench.add(growth)


# -- the machine, the run --------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "load_average_at_start": load}


@contextmanager
def workspace(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="citeaudit-bench-") as folder:
        yield Path(folder)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny inputs, one run each, targets not judged (a smoke test)")
    parser.add_argument("--runs", type=int, default=None, help="runs per scenario (default 5)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the shared corpus folder")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out",
                        help="folder for results.json")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep the generated inputs here (default: a temporary folder)")
    parser.add_argument("--only", choices=["review", "formats", "scaling", "jats", "bib", "scale"],
                        action="append",
                        help="run only these groups of scenarios (repeatable)")
    args = parser.parse_args(argv)
    quick = args.quick
    runs = args.runs or (1 if quick else 5)
    only = set(args.only or ["review", "formats", "scaling", "jats", "bib", "scale"])
    review_size, scaling = (10, ()) if quick else (200, (10, 50, 1000))
    jats_count, bib_count = (4, 50) if quick else (1000, 5000)
    stream_counts = (4, 8) if quick else (200, 2000)
    targets = not quick

    started = time.perf_counter()
    info = machine()
    print(f"citeaudit benchmarks on {info['nproc']} x {info['cpu']}, Python {info['python']}"
          f"{' (quick: no targets)' if quick else ''}", flush=True)
    with workspace(args.workdir) as work:
        sources = pool(args.corpus, max(review_size, *scaling, bib_count))
        warm: Path | None = None
        bench = Bench(args.corpus, work, runs, 0.01 if quick else LATENCY)
        try:
            serve(bench.fake, sources)
            print(f"{len(sources)} sources; loopback registry at {bench.fake.url}, "
                  f"{bench.latency * 1000:.0f} ms per request", flush=True)
            if "review" in only or "formats" in only:
                formats = FORMATS if "formats" in only else ("markdown",)
                for fmt in formats:
                    warm = review_scenarios(bench, sources[:review_size], fmt, targets)
            if "scaling" in only:
                for count in scaling:
                    warm = review_scenarios(bench, sources[:count], "markdown", targets=False)
            if "jats" in only:
                jats_folder_scenario(bench, jats_count, targets)
            if "bib" in only:
                bib_scenario(bench, sources[:bib_count], warm, targets)
            if "scale" in only:
                streaming_scenario(bench, stream_counts, targets)
        finally:
            bench.close()
    failed = [r for r in bench.results if r.passed is False]
    payload = {"schema": "citeaudit-benchmarks/1", "quick": quick, "machine": info,
               "latency_seconds": bench.latency, "runs": runs,
               "elapsed_seconds": round(time.perf_counter() - started, 1),
               "results": [r.as_json() for r in bench.results],
               "all_targets_met": not failed}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    judged = [r for r in bench.results if r.passed is not None]
    print(f"\n{len(judged) - len(failed)}/{len(judged)} targets met"
          f"{'' if judged else ' (none judged)'}; results in {args.out / 'results.json'}")
    for result in failed:
        print(f"MISSED: {result.name}: {result.value:.3f} vs {result.target:g}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
