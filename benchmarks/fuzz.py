"""The long fuzz run: every reader, the BibTeX loader and the marker grammar.

Usage: python benchmarks/fuzz.py [--per-reader N] [--jobs J] [--seed S] [--spot K]

Inputs are real corpus files (../shared/corpus beside the repository, tests/data) mutated at the
byte level and structurally (format tokens spliced in, ranges cut, repeated
or swapped, encodings changed, files truncated), random bytes, truncated and
corrupted zips, deep nesting and enormous lines. Each input is written to a
temporary file and run in-process through the code path of the CLI
(`check_paths` / `audit_library`, then the text reporter) with every check
enabled and `--offline`, so no network is touched. Outcomes:

- report: the run finished and rendered (the CLI exits 0 or 1);
- error: a `CiteauditError` other than a wrapped crash (the CLI prints one
  line and exits 2);
- crash: any other exception, or a `PluginError` wrapping one (the CLI would
  print "internal error"); its traceback is kept;
- hang: over the per-input time limit.

Files modified counts inputs whose bytes or mtime changed, or next to which a
file appeared. A sample of inputs per reader is also run through the real
CLI in subprocesses (exit code in 0/1/2, no traceback, one stderr line on
exit 2, and the same outcome as in-process). Results go to
benchmarks/out/fuzz.json; crashing inputs to benchmarks/out/crashes/.

Then the hostile classes of benchmarks/fuzz_hostile.py (registry JSON of
the wrong types, huge digits, surrogates, deep nesting, macro bombs,
hostile output targets, cache rows, long scans, devices as inputs) run
through the real CLI and are reported per class (`--hostile N` cases each).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
SHARED = ROOT.parent / "shared"
"""The shared corpus beside the repository (as in CI: a fresh clone with shared/ beside it)."""
CORPUS = SHARED / "corpus"
SEEDS = SHARED / "seeds"
TIME_LIMIT = 60
"""Seconds one input may take before it counts as a hang."""

READERS = ("markdown", "jats", "docx", "bibtex")
SUFFIX = {"markdown": ".md", "jats": ".xml", "docx": ".docx", "bibtex": ".bib"}

TOKENS = {
    "markdown": [b"[", b"]", b"[1]", b"[1-3]", b"[3\xe2\x80\x931]", b"(1,,2)", b"[2, 5\xe2\x80\x937]", b"^1^",
                 b"<sup>2</sup>", b"<sup>", "\u00b9\u00b2\u00b3".encode(), "\u2074\u207b\u2076".encode(),
                 b"[@key]", b"[@doi:10.1000/x; @pmid:123]", b"\n# References\n\n", b"\n1. ", b"\n12) ",
                 b"```", b"|", b"---\n", b"\n\n", b"doi:10.1000/xyz", b"PMID: 123", b"et al.", b"e.g.",
                 b"Fig. 1", b"\x00", b"\xef\xbb\xbf", "\u202e".encode(), b"[^1]", b"\n[^1]: note", b"<!--",
                 b"-->", b"*", b"_", b">", b"    ", b"\t", b"\r\n", b"\r", b").5", b".9,10 ", b"(3)",
                 b"[[[[", b"]]]]", b"<br>", b"\\", b"`", b"http://x.org/[1]"],
    "jats": [b'<xref ref-type="bibr" rid="R1">1</xref>', b'<xref ref-type="bibr" rid="R9 R1">9</xref>',
             b'<ref id="R1">', b"</ref>", b"<sup>", b"</sup>", b"<sec>", b"</sec>", b"<p>", b"</p>",
             b"&amp;", b"&#x2013;", b"&#0;", b"&#xD800;", b"<![CDATA[", b"]]>", b"<!--", b"-->",
             b"<?pi x?>", b'<pub-id pub-id-type="doi">10.1/x</pub-id>', b'rid=""', b"<label>7</label>",
             b'xmlns:x="u"', b"<ref-list>", b"</ref-list>", b"<element-citation>", b"<mixed-citation>",
             b"&undefined;", b'<!DOCTYPE x [<!ENTITY a "b">]>', b"<", b">", b'"', b"\x00", b"\xff\xfe"],
    "docx": [b"<w:p>", b"</w:p>", b"<w:r><w:t>[1]</w:t></w:r>", b'<w:vertAlign w:val="superscript"/>',
             b'<w:fldChar w:fldCharType="begin"/>', b'<w:fldChar w:fldCharType="separate"/>',
             b'<w:fldChar w:fldCharType="end"/>',
             b'<w:instrText> ADDIN ZOTERO_ITEM CSL_CITATION {"citationItems":[{"id":1}]}</w:instrText>',
             b"<w:instrText> ADDIN EN.CITE PEVuZE5vdGU+</w:instrText>", b"<w:del>", b"</w:del>", b"<w:ins>",
             b"</w:ins>", b"<w:tab/>", b"<w:br/>", b'<w:footnoteReference w:id="1"/>', b"<w:tbl>",
             b'<w:fldSimple w:instr="ADDIN ZOTERO_BIBL">', b"</w:fldSimple>", b"&#x2013;", b"\xc2\xb9",
             b"<", b">", b'"', b"\x00"],
    "bibtex": [b"@article{", b'@string{a = "b"}', b"}", b"{", b'"', b"#", b"=", b",", b"@comment",
               b"@preamble{", b"title = {", b"doi = {10.1/x}", b"pmid = {12}", b"crossref = {k1}", b"\\",
               b"%", b"\\'{e}", b"$", b"author = {A and B and}", b"month = jan", b"@", b"\n",
               b"{\\relax Ch}", b"{{{{", b"}}}}", b"\x00", b"\xef\xbb\xbf", b"@misc{k,", b"year = 20x,",
               b"pages = {1--}", b"author = {von der, Jr, A}", b"\\url{http://x}", b"@string{b = a # b}"],
}
"""Pieces each format's parser treats specially, spliced into inputs."""


def seeds() -> dict[str, list[Path]]:
    """The real files each reader's inputs are mutated from."""
    def files(*patterns: tuple[Path, str]) -> list[Path]:
        found = {p.resolve() for folder, pattern in patterns if folder.exists() for p in folder.rglob(pattern)}
        return sorted(p for p in found if p.is_file() and p.stat().st_size < 2_000_000)

    data = ROOT / "tests" / "data"
    return {
        "markdown": files((CORPUS / "markdown", "*.md"), (CORPUS / "markdown", "*.txt"), (SEEDS, "*.txt"),
                          (data / "markdown", "*.md"), (data / "markdown", "*.txt"), (ROOT / "examples", "*.md")),
        "jats": files((CORPUS / "jats", "*.xml"), (CORPUS / "jats", "*.nxml"), (data / "jats", "*.xml")),
        "docx": files((CORPUS / "docx", "*.docx"), (data / "docx", "*.docx")),
        "bibtex": files((CORPUS / "bib", "*.bib"), (data / "bib", "*.bib"), (ROOT / "examples", "*.bib")),
    }


# -- mutations ---------------------------------------------------------------

def _flip(rng: random.Random, data: bytes, reader: str) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _insert(rng: random.Random, data: bytes, reader: str) -> bytes:
    for _ in range(rng.randint(1, 6)):
        at = rng.randint(0, len(data))
        data = data[:at] + rng.choice(TOKENS[reader]) + data[at:]
    return data


def _cut(rng: random.Random, data: bytes, reader: str) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    return data[:start] + data[start + rng.randint(1, max(1, len(data) // 8)):]


def _repeat(rng: random.Random, data: bytes, reader: str) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    piece = data[start:start + rng.randint(1, 400)]
    return data[:start] + piece * rng.randint(2, 50) + data[start:]


def _swap(rng: random.Random, data: bytes, reader: str) -> bytes:
    if len(data) < 4:
        return data
    a, b = sorted(rng.sample(range(len(data)), 2))
    c = rng.randint(b, len(data))
    return data[:a] + data[b:c] + data[a:b] + data[c:]


def _truncate(rng: random.Random, data: bytes, reader: str) -> bytes:
    return data[:rng.randint(0, len(data))]


def _reencode(rng: random.Random, data: bytes, reader: str) -> bytes:
    text = data.decode("utf-8", "replace")
    choice = rng.choice(["utf-16", "utf-16-le", "latin-1", "utf-8-sig", "cp1252", "mixed"])
    if choice == "mixed":
        return data[: len(data) // 2] + text[len(text) // 2:].encode("latin-1", "replace")
    return text.encode(choice, "replace")


MUTATORS = [_flip, _insert, _insert, _cut, _repeat, _swap, _truncate, _reencode]

SNIPPETS = {
    "jats": ['<xref ref-type="bibr" rid="R{n}">{n}</xref>', "<sup>{n}</sup>", "[{n}\u2013{m}]", "&#x2013;",
             ' ({n})', '<xref ref-type="bibr" rid="B{n} B{m}">{n},{m}</xref>', "[{m}-{n}]",
             '<ref id="R{n}"><label>{n}</label><mixed-citation>Doe J. A title. J Derm. 2020;{m}:1-9. '
             "doi:10.1000/{n} PMID: {m}</mixed-citation></ref>", '<xref ref-type="bibr">{n}</xref>',
             '<xref ref-type="fig" rid="F{n}">Fig. {n}</xref>', "<p>Claim {n} [{m}].</p>"],
    "docx": ["<w:r><w:t>[{n}]</w:t></w:r>", "<w:r><w:t xml:space=\"preserve\"> ({n}, {m}) </w:t></w:r>",
             '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:t>{n}</w:t></w:r>',
             '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> ADDIN ZOTERO_ITEM CSL_CITATION '
             '{{"citationItems":[{{"id":{n},"itemData":{{"DOI":"10.1/{m}"}}}}]}}</w:instrText></w:r>'
             '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>[{n}]</w:t></w:r>'
             '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
             '<w:r><w:fldChar w:fldCharType="begin"/></w:r>', '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
             "<w:ins><w:r><w:t>[{m}]</w:t></w:r></w:ins>", "<w:del><w:r><w:delText>[{n}]</w:delText></w:r></w:del>",
             "<w:r><w:tab/><w:br/></w:r>"],
}
"""Well-formed pieces for XML inputs, so mutations reach the reader and not just the parser."""
_AFTER = {"jats": [b"</xref>", b"</p>", b"</ref>", b"</label>", b"</title>"],
          "docx": [b"</w:r>", b"</w:p>", b"</w:t>"]}
_ELEMENT = {"jats": rb"<(ref|xref|p|sec|label|pub-id)\b[^>]*>.*?</\1>",
            "docx": rb"<(w:p|w:r|w:fldSimple|w:ins|w:del|w:hyperlink)\b[^>]*>.*?</\1>"}


def _xml_insert(rng: random.Random, data: bytes, reader: str) -> bytes:
    for _ in range(rng.randint(1, 5)):
        anchor = rng.choice(_AFTER[reader])
        spots = [m.end() for m in re.finditer(re.escape(anchor), data)]
        if not spots:
            return data
        at = rng.choice(spots)
        piece = rng.choice(SNIPPETS[reader]).format(n=rng.choice([0, 1, 2, 3, 7, 99, 10**6]),
                                                    m=rng.randint(1, 12))
        data = data[:at] + piece.encode() + data[at:]
    return data


def _xml_element(rng: random.Random, data: bytes, reader: str) -> bytes:
    found = list(re.finditer(_ELEMENT[reader], data[:400_000], re.S))
    if not found:
        return data
    m = rng.choice(found)
    action = rng.choice(["drop", "copy", "move"])
    if action == "drop":
        return data[:m.start()] + data[m.end():]
    if action == "copy":
        return data[:m.end()] + m[0] + data[m.end():]
    rest = data[:m.start()] + data[m.end():]
    other = rng.choice(found)
    at = min(other.start(), len(rest))
    return rest[:at] + m[0] + rest[at:]


def _xml_attribute(rng: random.Random, data: bytes, reader: str) -> bytes:
    found = list(re.finditer(rb'\b(rid|id|w:id|w:val|ref-type|pub-id-type|w:fldCharType)="([^"]*)"', data))
    if not found:
        return data
    m = rng.choice(found)
    value = rng.choice([b"", b"R1", b"R1 R1", b"B999", b"x" * 5000, b"1", b"-1", b"bibr", b"doi", b"begin",
                        b"end", b"superscript", b"R1  R2\tR3"])
    return data[:m.start(2)] + value + data[m.end(2):]


XML_MUTATORS = [_xml_insert, _xml_insert, _xml_element, _xml_attribute]


def mutate(rng: random.Random, data: bytes, reader: str) -> tuple[bytes, list[str]]:
    """Apply one to four random mutations; returns the data and their names."""
    names = []
    # XML inputs: mostly well-formed changes, so the reader and the checks see them, not only the parser.
    structural = reader in ("jats", "docx") and rng.random() < 0.7
    for _ in range(rng.randint(1, 4)):
        mutator = rng.choice(XML_MUTATORS if structural else MUTATORS)
        data = mutator(rng, data, reader)
        names.append(mutator.__name__.lstrip("_"))
    return data, names


def deep(reader: str, depth: int) -> bytes:
    """An input nested `depth` levels in its format's own way."""
    if reader == "markdown":
        return (b"> " * depth + b"Claim [1].\n\n" + b"- " * depth + b"x [2]\n\n" + b"[" * depth
                + b"1" + b"]" * depth + b"\n\n# References\n\n1. A. B. 2020.\n2. C. D. 2021.\n")
    if reader == "bibtex":
        return b"@article{k, title = " + b"{" * depth + b"x" + b"}" * depth + b", year = 2020}\n"
    inner = b"<sec><p>" * depth + b"x [1]" + b"</p></sec>" * depth
    return b'<?xml version="1.0"?><article><body>' + inner + b"</body></article>"


def enormous_line(rng: random.Random, reader: str, seed: bytes) -> bytes:
    """A seed with one line of one to four megabytes spliced in."""
    unit = rng.choice([b"a", b"Dupilumab improved eczema [1]. ", b"[1,", b"1", b" ", b"). 5", b"\\{"])
    line = unit * (rng.randint(1, 4) * 1_000_000 // len(unit))
    at = seed.find(b"\n", len(seed) // 3)
    at = at if at >= 0 else len(seed)
    if reader == "jats":
        line = b"<p>" + line.replace(b"<", b"&lt;") + b"</p>"
    return seed[:at] + b"\n" + line + b"\n" + seed[at:]


# -- docx-specific inputs ----------------------------------------------------

W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_with_body(seed: bytes, body: bytes) -> bytes:
    """`seed` with word/document.xml replaced by a document holding `body`."""
    document = b'<?xml version="1.0" encoding="UTF-8"?><w:document ' + W + b"><w:body>" + body + \
        b"</w:body></w:document>"
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(seed)) as source, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info, document if info.filename == "word/document.xml" else source.read(info.filename))
    return buf.getvalue()


def docx_deep(seed: bytes, depth: int) -> bytes:
    """Tables nested `depth` deep around a cited paragraph."""
    cell = b"<w:p><w:r><w:t>Dupilumab works [1].</w:t></w:r></w:p>"
    return docx_with_body(seed, b"<w:tbl><w:tr><w:tc>" * depth + cell + b"</w:tc></w:tr></w:tbl>" * depth)


def docx_enormous(rng: random.Random, seed: bytes) -> bytes:
    """One paragraph of one to four megabytes of cited text."""
    unit = rng.choice([b"Dupilumab improved eczema [1]. ", b"a", b"[1,", b"). 5 "])
    text = unit * (rng.randint(1, 4) * 1_000_000 // len(unit))
    return docx_with_body(seed, b'<w:p><w:r><w:t xml:space="preserve">' + text + b"</w:t></w:r></w:p>"
                          b"<w:p><w:r><w:t>References</w:t></w:r></w:p>"
                          b"<w:p><w:r><w:t>1. Doe J. A study. J Derm. 2020;1:1.</w:t></w:r></w:p>")

def mutate_docx(rng: random.Random, data: bytes) -> tuple[bytes, list[str]]:
    """A corrupted, truncated or re-packed variant of a .docx package."""
    kind = rng.choice(["member"] * 6 + ["truncate", "flip", "drop", "add", "duplicate"])
    if kind == "truncate":
        return data[:rng.randint(0, len(data))], ["zip-truncate"]
    if kind == "flip":
        return _flip(rng, data, "docx"), ["zip-flip"]
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        infos = source.infolist()
    except zipfile.BadZipFile:
        return data, ["zip-unreadable-seed"]
    xml = [i.filename for i in infos if i.filename.endswith(".xml")] or [infos[0].filename]
    target_name = "word/document.xml" if rng.random() < 0.6 and "word/document.xml" in xml else rng.choice(xml)
    names = [f"zip-{kind}"]
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        warnings.simplefilter("ignore")  # duplicate member names are one of the faults
        for info in infos:
            body = source.read(info.filename)
            if kind == "drop" and info.filename == target_name:
                continue
            if kind == "member" and info.filename == target_name:
                body, applied = mutate(rng, body, "docx")
                names += applied
            out.writestr(info, body)
            if kind == "duplicate" and info.filename == target_name:
                out.writestr(info.filename, _flip(rng, body, "docx"))
        if kind == "add":
            name = rng.choice(["../../x.xml", "/abs.xml", "word/../../y.xml", "customXml/item99.xml",
                               "docProps/custom.xml", "word/footnotes.xml"])
            out.writestr(name, rng.choice([b"<x/>", b"\x00" * 10000, b"<a>" * 300]))
    return buf.getvalue(), names


# -- one input ---------------------------------------------------------------

def make_input(reader: str, index: int, seed: int, seed_files: list[Path]) -> tuple[bytes, str]:
    """The `index`-th input of `reader`, reproducible from (seed, reader, index)."""
    rng = random.Random(f"{seed}/{reader}/{index}")
    roll = rng.random()
    if roll < 0.04:
        size = rng.choice([0, 1, 10, 1000, 100_000])
        return rng.randbytes(size), f"random-bytes {size}"
    path = rng.choice(seed_files)
    data = path.read_bytes()
    if roll < 0.06:
        depth = rng.choice([50, 300, 2000, 20000])
        return (docx_deep(data, depth) if reader == "docx" else deep(reader, depth)), f"deep {depth}"
    if roll < 0.065:
        made = docx_enormous(rng, data) if reader == "docx" else enormous_line(rng, reader, data)
        return made, f"enormous-line {path.name}"
    if roll < 0.08 and len(seed_files) > 1:
        other = rng.choice(seed_files).read_bytes()
        cut = rng.randint(0, len(data))
        data = data[:cut] + other[rng.randint(0, len(other)):]
        return data, f"splice {path.name}"
    if reader == "docx":
        data, names = mutate_docx(rng, data)
    else:
        data, names = mutate(rng, data, reader)
    return data, f"{'+'.join(names)} {path.name}"


class Hang(Exception):
    """An input ran past TIME_LIMIT."""


def _alarm(signum: int, frame: object) -> None:
    raise Hang()


_WORKER: dict = {}


def _init_worker(work: str) -> None:
    from citeaudit.config import build_options
    from citeaudit.manager import get_plugin_manager

    os.chdir(work)
    host = get_plugin_manager()
    options = build_options({"offline": True, "quiet": True, "cache_dir": str(Path(work) / "cache"),
                             "timeout": 5.0, "color": False, "config_path": None},
                            plugin_options=host.option_group().declared)
    _WORKER.update(host=host, options=options, work=Path(work))
    signal.signal(signal.SIGALRM, _alarm)


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in folder.iterdir() if p.is_file()}


def run_one(task: tuple[str, int, int, list[str]]) -> dict:
    """Make one input, run it as `citeaudit check` / `citeaudit bib` would, classify."""
    from dataclasses import replace

    from citeaudit.errors import CiteauditError, PluginError
    from citeaudit.pipeline import audit_library, check_paths

    reader, index, seed, seed_names = task
    data, how = make_input(reader, index, seed, [Path(n) for n in seed_names])
    folder = Path(tempfile.mkdtemp(dir=_WORKER["work"]))
    path = folder / f"input{SUFFIX[reader]}"
    path.write_bytes(data)
    before = _snapshot(folder)
    host, options = _WORKER["host"], _WORKER["options"]
    result = {"reader": reader, "index": index, "how": how, "bytes": len(data)}
    started = time.perf_counter()
    signal.alarm(TIME_LIMIT)
    try:
        if reader == "bibtex":
            run = audit_library([path], replace(options, bib=(path,)), host)
        else:
            run = check_paths([path], options, host)
        rendered = host.reporters()["text"].render(run)
        result["outcome"] = "report"
        result["findings"] = sum(len(d.findings) for d in run.documents)
        result["rendered_escape"] = "\x1b" in (rendered if isinstance(rendered, str) else "")
    except Hang:
        result["outcome"] = "hang"
    except CiteauditError as exc:
        cause = exc.__cause__
        if isinstance(exc, PluginError) and cause is not None and not isinstance(cause, CiteauditError):
            result["outcome"] = "crash"
            result["error"] = f"{type(cause).__name__}: {cause}"[:300]
            result["traceback"] = "".join(traceback.format_exception(cause))[-4000:]
        else:
            result["outcome"] = "error"
            message = " ".join(str(exc).split())
            result["error"] = message[:300]
            result["names_file"] = str(path) in str(exc) or path.name in str(exc)
    except Exception as exc:  # the harness's whole point: catch what the code lets through
        result["outcome"] = "crash"
        result["error"] = f"{type(exc).__name__}: {exc}"[:300]
        result["traceback"] = traceback.format_exc()[-4000:]
    finally:
        signal.alarm(0)
    result["seconds"] = round(time.perf_counter() - started, 3)
    result["modified"] = _snapshot(folder) != before
    if result["outcome"] in ("crash", "hang"):
        crashes = OUT / "crashes"
        crashes.mkdir(parents=True, exist_ok=True)
        keep = crashes / f"{reader}-{index}{SUFFIX[reader]}"
        shutil.copyfile(path, keep)
        result["kept"] = str(keep.relative_to(ROOT))
    shutil.rmtree(folder, ignore_errors=True)
    return result


def _crash_site(result: dict) -> str:
    """Exception type and the innermost citeaudit frame: one entry per distinct bug."""
    frames = re.findall(r'File "([^"]+)", line (\d+)', result.get("traceback", ""))
    ours = [f"{Path(f).name}:{n}" for f, n in frames if f.startswith(str(ROOT)) or "citeaudit" in f]
    return f"{result.get('error', result['outcome']).split(':')[0]} at {ours[-1] if ours else '?'}"


# -- registry faults ---------------------------------------------------------

FAULT_KINDS = ["429", "500", "502", "503", "504", "reset", "truncated", "invalid", "html", "wrong-type",
               "bad-utf8", "slow"]
ENDPOINTS = ["*", "works", "work", "efetch", "esearch"]


def registry_faults(runs: int, seed: int) -> dict:
    """Runs of the registry draft against the fake server with random faults injected.

    Each must end within its budget (plus the time to read, check and
    report) and every reference must be verified as in a clean run or carry
    CA308: nothing passes unverified.
    """
    import contextlib

    sys.path.insert(0, str(ROOT / "tests"))
    from fakeregistry import FakeRegistry

    from citeaudit.cli import main as cli_main

    data = ROOT / "tests" / "data"
    draft = data / "registry" / "verify_draft.md"
    budget, slack = 3.0, 2.5
    rng = random.Random(f"{seed}/registry")

    def run(cache: Path) -> tuple[int, dict[int, set[str]], float, str]:
        out, err = io.StringIO(), io.StringIO()
        started = time.monotonic()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli_main(["check", str(draft), "--cache-dir", str(cache), "--format", "json",
                             "--fail-on", "never", "--select", "CA3", "--timeout", str(budget),
                             "--plugin-option", "registry-backoff=0.01",
                             "--plugin-option", "request-timeout=1"])
        elapsed = time.monotonic() - started
        rules: dict[int, set[str]] = {}
        if out.getvalue():
            for finding in json.loads(out.getvalue())["documents"][0]["findings"]:
                rules.setdefault(finding["reference"], set()).add(finding["rule"])
        return code, rules, elapsed, err.getvalue()

    injected, failures, slowest = 0, [], 0.0
    with tempfile.TemporaryDirectory(prefix="citeaudit-faults-") as tmp, FakeRegistry() as fake:
        old_env = {k: os.environ.get(k) for k in (*fake.env(), "HOME")}
        fake.add_crossref(*(data / "registry/crossref").glob("*.json"))
        fake.add_pubmed(*(data / "registry/pubmed").glob("*.xml"))
        os.environ.update(**fake.env(), HOME=tmp)
        _, clean, _, _ = run(Path(tmp) / "clean")
        for index in range(runs):
            fake.clear()
            faults = []
            for _ in range(rng.randint(1, 3)):
                kind = rng.choice(FAULT_KINDS)
                faults.append((kind, rng.choice(ENDPOINTS), rng.choice([None, 1, 2, 5])))
                fake.fault(kind, endpoint=faults[-1][1], times=faults[-1][2],
                           retry_after=rng.choice(["0", "1", "3600"]), delay=rng.choice([1.5, 10.0]))
            code, rules, elapsed, err = run(Path(tmp) / f"c{index}")
            injected += sum(f.hits for f in fake.faults)
            slowest = max(slowest, elapsed)
            unverified = [n for n in range(1, 8) if rules.get(n, set()) != clean.get(n, set())
                          and "CA308" not in rules.get(n, set())]
            if code != 0 or elapsed > budget + slack or unverified or "Traceback" in err:
                failures.append({"index": index, "faults": faults, "code": code, "seconds": round(elapsed, 2),
                                 "unverified": unverified, "stderr": err[-500:]})
    for key, value in old_env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    return {"runs": runs, "faults_injected": injected, "budget_s": budget, "slowest_run_s": round(slowest, 2),
            "failures": len(failures), "failure_samples": failures[:5]}


# -- the marker grammar ------------------------------------------------------

GRAMMAR_ALPHABET = list("0123456789 ,;-–—−[]()^<>/.\n\t\u00b9\u00b2\u00b3\u2074\u207b\u2070abcIL") + [
    "<sup>", "</sup>", "et al.", "Fig.", "e.g.", "[@", "@doi:10.1/x", "J. Am. Acad.", ").", "1,,2", "5-3",
    "10^6^", "m²", "JAK1", "\x00", "\u202e"]


def grammar(count: int, seed: int) -> dict:
    """find_markers, parse_numbers, sentences and build_claims on random marker-heavy text."""
    from citeaudit.claims import Block, build_claims, sentences
    from citeaudit.markers import find_markers, parse_numbers
    from citeaudit.model import Marker, Span

    rng = random.Random(f"{seed}/grammar")
    crashes, violations = [], []
    started = time.perf_counter()
    for index in range(count):
        text = "".join(rng.choice(GRAMMAR_ALPHABET) for _ in range(rng.randint(0, 200)))
        try:
            parse_numbers(text)
            found = find_markers(text, reference_count=rng.choice([None, 0, 1, 5, 50]))
            for f in found:
                if not (0 <= f.start < f.end <= len(text) and text[f.start:f.end] == f.text):
                    violations.append({"index": index, "text": text, "found": repr(f)})
            for start, end in sentences(text):
                if not 0 <= start <= end <= len(text):
                    violations.append({"index": index, "text": text, "sentence": (start, end)})
            stripped, markers, offset = [], [], 0
            for f in found:
                stripped.append(text[offset:f.start])
                at = sum(map(len, stripped))
                markers.append((at, at, Marker(text=f.text, numbers=f.numbers, span=Span(offset=f.start),
                                             style=f.style, problem=f.problem)))
                offset = f.end
            stripped.append(text[offset:])
            block = Block(text="".join(stripped), markers=markers, span_at=lambda i: Span(offset=i))
            build_claims([block])
        except Exception as exc:
            crashes.append({"index": index, "text": text, "error": f"{type(exc).__name__}: {exc}"[:300],
                            "traceback": traceback.format_exc()[-3000:]})
    return {"inputs": count, "crashes": len(crashes), "violations": len(violations),
            "seconds": round(time.perf_counter() - started, 1), "crash_samples": crashes[:5],
            "violation_samples": violations[:5]}


# -- spot checks through the real CLI ---------------------------------------

def spot_check(reader: str, indices: list[int], seed: int, seed_files: list[Path], expected: dict[int, str],
               work: Path) -> dict:
    """Run some inputs through `python -m citeaudit` in a subprocess; compare with in-process."""
    env = {**os.environ, "CITEAUDIT_CACHE_DIR": str(work / "spot-cache"), "NO_COLOR": "1"}
    env.pop("NCBI_API_KEY", None)
    disagreements, problems, codes = [], [], Counter()
    for index in indices:
        data, how = make_input(reader, index, seed, seed_files)
        path = work / f"spot-{reader}-{index}{SUFFIX[reader]}"
        path.write_bytes(data)
        command = "bib" if reader == "bibtex" else "check"
        proc = subprocess.run([sys.executable, "-m", "citeaudit", command, str(path), "--offline", "-q",
                               "--timeout", "5"], capture_output=True, cwd=work, env=env, timeout=300)
        codes[proc.returncode] += 1
        err = proc.stderr.decode("utf-8", "replace")
        if proc.returncode not in (0, 1, 2) or "Traceback" in err or \
                (proc.returncode == 2 and err.count("\n") != 1):
            problems.append({"index": index, "how": how, "code": proc.returncode, "stderr": err[-2000:]})
        in_process = "error" if proc.returncode == 2 else "report"
        if expected.get(index) in ("report", "error") and expected[index] != in_process:
            disagreements.append({"index": index, "in_process": expected[index], "cli": proc.returncode,
                                  "stderr": err[-500:]})
        path.unlink()
    return {"runs": len(indices), "exit_codes": dict(codes), "problems": problems,
            "disagreements": disagreements}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-reader", type=int, default=10_000)
    parser.add_argument("--grammar", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2)))
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--spot", type=int, default=25, help="inputs per reader run through the real CLI")
    parser.add_argument("--readers", default=",".join(READERS))
    parser.add_argument("--registry-runs", type=int, default=120,
                        help="runs against the fake registry with random faults")
    parser.add_argument("--hostile", type=int, default=10,
                        help="cases per hostile class (benchmarks/fuzz_hostile.py), through the real CLI")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(OUT / "crashes", ignore_errors=True)
    found = seeds()
    readers = [r for r in args.readers.split(",") if r]
    summary: dict = {"seed": args.seed, "per_reader": args.per_reader, "time_limit_s": TIME_LIMIT,
                     "seed_files": {r: len(found[r]) for r in readers}, "readers": {}}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="citeaudit-fuzz-") as tmp:
        work = Path(tmp)
        for reader in readers:
            names = [str(p) for p in found[reader]]
            tasks = [(reader, i, args.seed, names) for i in range(args.per_reader)]
            t0 = time.perf_counter()
            with multiprocessing.get_context("fork").Pool(args.jobs, _init_worker, (tmp,)) as pool:
                results = list(pool.imap_unordered(run_one, tasks, chunksize=8))
            outcomes = Counter(r["outcome"] for r in results)
            crashes = [r for r in results if r["outcome"] in ("crash", "hang")]
            distinct: dict[str, dict] = {}
            for r in crashes:
                distinct.setdefault(_crash_site(r), r)
            expected = {r["index"]: r["outcome"] for r in results}
            rng = random.Random(f"{args.seed}/spot/{reader}")
            sample = sorted(rng.sample(range(args.per_reader), min(args.spot, args.per_reader)))
            spot = spot_check(reader, sample, args.seed, found[reader], expected, work) if args.spot else {}
            slowest = sorted(results, key=lambda r: -r["seconds"])[:5]
            summary["readers"][reader] = {
                "inputs": len(results),
                "outcomes": dict(outcomes),
                "tracebacks": outcomes.get("crash", 0),
                "hangs": outcomes.get("hang", 0),
                "files_modified": sum(r["modified"] for r in results),
                "errors_not_naming_file": sum(1 for r in results if r["outcome"] == "error"
                                              and not r.get("names_file")),
                "escapes_in_text_output": sum(1 for r in results if r.get("rendered_escape")),
                "how": dict(Counter(r["how"].split()[0].split("+")[0] for r in results).most_common()),
                "seconds": round(time.perf_counter() - t0, 1),
                "slowest": [{k: r[k] for k in ("index", "how", "bytes", "seconds", "outcome")} for r in slowest],
                "distinct_crashes": [{k: v for k, v in r.items() if k != "findings"} for r in distinct.values()],
                "cli_spot_check": spot,
            }
            line = summary["readers"][reader]
            print(f"{reader:<9} inputs {line['inputs']:>6}  outcomes {dict(outcomes)}  tracebacks "
                  f"{line['tracebacks']}  hangs {line['hangs']}  files modified {line['files_modified']}  "
                  f"cli spot {spot.get('exit_codes')} problems {len(spot.get('problems', []))} "
                  f"disagreements {len(spot.get('disagreements', []))}  {line['seconds']} s", flush=True)
    if args.grammar:
        summary["grammar"] = grammar(args.grammar, args.seed)
        g = summary["grammar"]
        print(f"grammar   inputs {g['inputs']:>6}  tracebacks {g['crashes']}  invariant violations "
              f"{g['violations']}  {g['seconds']} s", flush=True)
    if args.registry_runs:
        summary["registry"] = registry_faults(args.registry_runs, args.seed)
        g = summary["registry"]
        print(f"registry  runs {g['runs']:>6}  faults injected {g['faults_injected']}  failures {g['failures']}"
              f"  slowest run {g['slowest_run_s']} s on a {g['budget_s']:g} s budget", flush=True)
    if args.hostile:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from fuzz_hostile import CLASSES
        from fuzz_hostile import run as run_hostile

        summary["hostile"] = run_hostile(args.hostile, args.seed, list(CLASSES), max(1, args.jobs))
    summary["seconds"] = round(time.perf_counter() - started, 1)
    total_crashes = sum(r["tracebacks"] + r["hangs"] for r in summary["readers"].values()) + \
        summary.get("grammar", {}).get("crashes", 0)
    total_modified = sum(r["files_modified"] for r in summary["readers"].values())
    print(f"total: {sum(r['inputs'] for r in summary['readers'].values()) + summary.get('grammar', {}).get('inputs', 0)}"
          f" inputs, tracebacks+hangs {total_crashes}, files modified {total_modified}, {summary['seconds']} s")
    (OUT / "fuzz.json").write_text(json.dumps(summary, indent=2, ensure_ascii=True) + "\n")
    failures = summary.get("registry", {}).get("failures", 0) + \
        sum(c["failed"] for c in summary.get("hostile", {}).get("classes", {}).values())
    return 1 if total_crashes or total_modified or failures else 0


if __name__ == "__main__":
    sys.exit(main())
