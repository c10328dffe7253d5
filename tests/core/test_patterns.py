"""Patterns compiled from the stored programs equal `re.compile`'s, and anything wrong with the
store means compiling as usual."""

from __future__ import annotations

import marshal
import re
import subprocess
import sys

import pytest

from citeaudit import patterns

SAMPLES = [
    (r"(?P<year>(?:1[6-9]|20)\d{2})[a-z]?", 0),
    (r"(?<![\w-])(?:(?P<rr>a?RR|(?i:relative risks?))|(?P<or>a?OR))(?![\w-])", 0),
    (r"\bPMID\b\s*[:=/]?\s*(?P<pmid>[^\s,;./]+)", re.IGNORECASE),
    (r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\[(\d+(?:[-–]\d+)?)\]", 0),
    (r"^(?P<head>.*?)[,.]?\s+(?P<volume>\d[\w.]*)$", re.MULTILINE | re.DOTALL),
]
TEXT = "Smith 2019a; aRR 0.5 and relative risks; PMID: 123. ² [3-5]\nhead, 12.x"


@pytest.fixture
def store(tmp_path, monkeypatch):
    """An empty store in tmp_path, written as byte code is (PYTHONDONTWRITEBYTECODE aside)."""
    monkeypatch.setattr(patterns, "STORE", tmp_path / "patterns.marshal")
    monkeypatch.setattr(patterns, "_programs", None)
    monkeypatch.setattr(patterns, "_added", False)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    return patterns.STORE


def _fresh(monkeypatch) -> None:
    """As a new run would start: nothing loaded yet."""
    monkeypatch.setattr(patterns, "_programs", None)
    monkeypatch.setattr(patterns, "_added", False)


def _same(compiled: re.Pattern[str], expected: re.Pattern[str]) -> None:
    assert compiled == expected  # same pattern, flags and program
    assert compiled.groupindex == expected.groupindex and compiled.groups == expected.groups
    assert [m.groupdict() | {"at": m.span()} for m in compiled.finditer(TEXT)] == \
           [m.groupdict() | {"at": m.span()} for m in expected.finditer(TEXT)]


def test_a_stored_program_gives_the_pattern_re_compile_gives(store, monkeypatch):
    for pattern, flags in SAMPLES:
        _same(patterns.compile(pattern, flags), re.compile(pattern, flags))
    patterns._save()
    assert store.exists()
    _fresh(monkeypatch)
    built: list[str] = []
    monkeypatch.setattr(patterns, "_program", lambda pattern, flags: built.append(pattern))
    for pattern, flags in SAMPLES:
        _same(patterns.compile(pattern, flags), re.compile(pattern, flags))
    assert built == []  # every one came from the store


@pytest.mark.parametrize("content", [b"", b"not marshal", marshal.dumps((patterns.FORMAT, "2.7.18", {}))],
                         ids=["empty", "damaged", "other-python"])
def test_a_store_that_cannot_be_used_means_compiling_as_usual(store, content):
    store.write_bytes(content)
    for pattern, flags in SAMPLES:
        _same(patterns.compile(pattern, flags), re.compile(pattern, flags))


def test_a_program_sre_refuses_is_compiled_again(store, monkeypatch):
    pattern, flags = SAMPLES[0]
    patterns.compile(pattern, flags)
    final_flags, code, groups, groupindex, indexgroup = patterns._programs[(pattern, flags)]
    patterns._programs[(pattern, flags)] = (final_flags, [999999] + code, groups, groupindex, indexgroup)
    patterns._save()
    _fresh(monkeypatch)
    _same(patterns.compile(pattern, flags), re.compile(pattern, flags))


def test_nothing_is_written_where_python_writes_no_byte_code(store, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    patterns.compile(*SAMPLES[0])
    patterns._save()
    assert not store.exists()


def test_a_second_start_compiles_none_of_citeaudits_patterns(tmp_path):
    """In a fresh interpreter with the store written by a first: the support checks, the marker
    grammar and the reference parser parse none of the patterns they compile through
    citeaudit.patterns (counted at re's parser; patterns written inline in a call are re's own)."""
    child = (
        "import sys, re._parser as c; from pathlib import Path; import citeaudit.patterns as p; "
        f"p.STORE = Path({str(tmp_path / 'store.marshal')!r}); p._programs = None; "
        "count = [0]; real = c.parse\n"
        "def counted(*a, **k):\n    count[0] += 1\n    return real(*a, **k)\n"
        "c.parse = counted\n"
        "import citeaudit.plugins.support.checks, citeaudit.markers, citeaudit.bib.refparse\n"
        "from citeaudit.plugins.support.lexicon import lexicon; lexicon()\n"
        "print(count[0], len(p._programs))")
    runs = [subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120,
                           env={"PATH": "/usr/bin:/bin"}, check=True).stdout.split() for _ in range(2)]
    first, second = ([int(n) for n in run] for run in runs)
    assert first[1] > 50 and first[0] > first[1]  # the first parsed them all, and stored them
    assert second == [first[0] - first[1], first[1]]
