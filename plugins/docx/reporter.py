"""Plugin `docx_report`: the `--format docx` reporter and its option, registered without
importing the commented copy's machinery (lxml, the zip package) until a run asks for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from citeaudit import hookimpl
from citeaudit.options import Text
from citeaudit.report import Reporter, RunReport

AUTHOR = "citeaudit"
"""The default comment author (kept equal to `report.AUTHOR` by a test)."""


def render(run: RunReport) -> bytes:
    """The commented copy of the run's Word draft (`report.render`)."""
    from citeaudit.plugins.docx import report

    return report.render(run)


@hookimpl(trylast=True)
def citeaudit_add_options(group: Any) -> None:
    group.add("comment-author", default=AUTHOR, type=Text(),
              help="author name of the Word comments of --format docx (initials are taken from it)")


@hookimpl(trylast=True)
def citeaudit_register_reporters(register: Callable[[Reporter], None]) -> None:
    register(Reporter("docx", render, "a copy of the Word draft with a comment at each flagged marker",
                      binary=True, writes=".citeaudit.docx"))
