"""Reporter `json`: the "citeaudit-report/1" schema of INTERFACE.md."""

from __future__ import annotations

import json
from collections.abc import Callable

from citeaudit import hookimpl
from citeaudit.report import Reporter, RunReport, to_json


def render(run: RunReport) -> str:
    """Indented for one document; for several, one compact line per document.

    The standard library indents only in pure Python, five times slower than
    its C encoder: a folder of a thousand articles would spend seconds on
    white space. Either way the JSON is the same.
    """
    report = to_json(run)
    if len(report["documents"]) <= 1:
        return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    documents = report["documents"]
    report["documents"] = _PLACE
    lines = ",\n".join("    " + json.dumps(d, ensure_ascii=False) for d in documents)
    outline = json.dumps(report, indent=2, ensure_ascii=False)
    return outline.replace(json.dumps(_PLACE), f"[\n{lines}\n  ]", 1) + "\n"


_PLACE = "\x00documents\x00"
"""Stands for the document list in the indented outline; no report text contains a NUL."""


@hookimpl(trylast=True)
def citeaudit_register_reporters(register: Callable[[Reporter], None]) -> None:
    register(Reporter("json", render, "the citeaudit-report/1 JSON schema"))
