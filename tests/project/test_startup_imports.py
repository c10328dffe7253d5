"""A check imports only what its inputs need (issue 21, warm speed).

Plugins load their entry modules at start-up (pluggy needs them), but the
Word reader, the JATS reference and float readers and the HTML evidence
are imported when first used, so a Markdown check never pays for them.
Checked in a fresh interpreter: `sys.modules` after a whole CLI run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

DRAFT = textwrap.dedent("""\
    # A short review

    Light therapy reduced acne lesions by 40% in 60 adults [1]. Blue light was tested twice [1,2].

    ## References

    1. Smith J, Jones K. Blue light for acne. J Dermatol Treat. 2019;30(2):101-105. doi:10.1000/abc.1
    2. Brown A. Red light and acne vulgaris. Lasers Surg Med. 2020;52(4):300-306.
    """)

LIBRARY = textwrap.dedent("""\
    @article{smith2019,
      author = {Smith, John and Jones, Kate},
      title = {Blue light for acne},
      journal = {J Dermatol Treat},
      year = {2019}, volume = {30}, number = {2}, pages = {101--105},
      doi = {10.1000/abc.1}
    }
    """)

CHILD = textwrap.dedent("""\
    import json, sys
    from citeaudit.cli import main
    code = main(sys.argv[1:])
    print(json.dumps({"code": int(code), "modules": sorted(sys.modules)}))
    """)

NOT_FOR_MARKDOWN = (
    # The Word reader proper: the `docx` entry module and the commented-copy
    # reporter's own module stay, everything that reads a draft is left out.
    "citeaudit.plugins.docx.assemble", "citeaudit.plugins.docx.walk", "citeaudit.plugins.docx.fields",
    "citeaudit.plugins.docx.markers", "citeaudit.plugins.docx.items", "citeaudit.plugins.docx.styles",
    "citeaudit.plugins.jats_article", "citeaudit.plugins.jats_references", "citeaudit.plugins.jats_floats",
    # The commented Word copy: its plugin entry module is plugins/docx/reporter.py.
    "citeaudit.plugins.docx.report", "citeaudit.plugins.docx.package",
    "citeaudit.plugins.html_evidence",
    "xml.etree.ElementTree",  # JUnit output only
    "platformdirs",  # the default cache folder, not needed with --cache-dir
    "tomllib", "tomli",  # no configuration file
)

NOT_WHEN_WARM = (
    # With the parsed library and records in the cache, nothing reads BibTeX, and
    # the plugin entry points are read without importlib.metadata (citeaudit.entrypoints).
    "pybtex.database.input.bibtex", "importlib.metadata",
    "zipfile",  # a Word package read or written
    "email.utils",  # a Retry-After date
    "importlib.resources",  # the HTML report's assets
    "multiprocessing",  # a progress bar, --jobs
    "hashlib", "secrets",  # baseline fingerprints, the HTML report's digests (OpenSSL's start-up)
    "lxml.etree", "citeaudit.safexml",  # registry XML: the records come parsed from the cache
)


def _modules_after(tmp_path: Path, *args: str) -> set[str]:
    draft = tmp_path / "review.md"
    if not draft.exists():  # a second run finds the library unchanged, its parsed copy valid
        draft.write_text(DRAFT, encoding="utf-8")
        (tmp_path / "library.bib").write_text(LIBRARY, encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, "check", str(draft), "--bib", str(tmp_path / "library.bib"),
         "--offline", "--cache-dir", str(tmp_path / "cache"), "--fail-on", "never",
         "--output", str(tmp_path / "report.out"), *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert payload["code"] == 0, result.stderr
    assert (tmp_path / "report.out").stat().st_size > 0
    return set(payload["modules"])


def test_a_markdown_check_imports_no_word_jats_or_html_module(tmp_path: Path):
    modules = _modules_after(tmp_path, "--format", "json")
    assert "citeaudit.plugins.markdown" in modules  # the run did read the draft
    assert "citeaudit.plugins.support.checks" in modules  # and ran the checks
    loaded = sorted(name for name in NOT_FOR_MARKDOWN if name in modules)
    assert loaded == []


def test_a_warm_markdown_check_imports_no_bibtex_parser_metadata_or_zip_module(tmp_path: Path):
    _modules_after(tmp_path, "--format", "json")  # fills the cache
    modules = _modules_after(tmp_path, "--format", "json")
    assert "citeaudit.plugins.support.checks" in modules  # the checks ran
    assert sorted(name for name in NOT_WHEN_WARM if name in modules) == []


def test_text_without_colour_imports_no_rich_and_with_colour_does(tmp_path: Path):
    """Plain text is written without rich (a fifteenth of a warm check); colour goes through it."""
    plain = _modules_after(tmp_path, "--format", "text", "--no-color")
    assert "citeaudit.plugins.text_report" in plain
    assert sorted(name for name in plain if name == "rich" or name.startswith("rich.")) == []
    assert "rich.console" in _modules_after(tmp_path, "--format", "text", "--color")


def test_the_lazy_parts_load_when_a_format_needs_them(tmp_path: Path):
    modules = _modules_after(tmp_path, "--format", "junit")
    assert "xml.etree.ElementTree" in modules
    assert "citeaudit.plugins.docx.assemble" not in modules


def test_the_console_script_freezes_the_collector_before_the_interpreter_exits(tmp_path: Path):
    """Shutting down would walk every object once more; `main()` of the console script
    (no argv) freezes them, a call with arguments (a test, an embedding program) does not."""
    child = ("import gc, sys; from citeaudit.cli import main; main(['rules']); before = gc.get_freeze_count(); "
             "sys.argv = ['citeaudit', 'rules']; main(); print(before, gc.get_freeze_count() > 0, file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", child], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and result.stderr.split() == ["0", "True"], result.stderr
