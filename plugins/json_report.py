"""Reporters `json` (the "citeaudit-report/1" schema of INTERFACE.md) and `jsonl`.

Both stream: a document's JSON is written when the document is done, so a
folder of any size is reported in constant memory. `jsonl` is one document
object (as in the JSON report's `documents` list) per line, flushed as each
document completes, for pipelines that read a report while it grows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from citeaudit import __version__, hookimpl
from citeaudit.report import SCHEMA, DocumentReport, Reporter, Stream, Totals, document_json

_PLACE = "\x00documents\x00"
"""Stands for the document list in the indented outline; no report text contains a NUL."""


def _report(documents: Any, totals: Totals | None) -> dict[str, Any]:
    """The report object; `run` and `summary` follow the documents, since a stream
    knows them only when the last document is done."""
    return {"schema": SCHEMA, "tool": {"name": "citeaudit", "version": __version__},
            "documents": documents,
            "run": totals.run_info().as_json() if totals is not None else None,
            "summary": totals.summary() if totals is not None else None}


def _outline(totals: Totals | None) -> tuple[str, str]:
    """The indented report around its document list: (before the list, after it)."""
    outline = json.dumps(_report(_PLACE, totals), indent=2, ensure_ascii=False)
    head, tail = outline.split(json.dumps(_PLACE), 1)
    return head, tail


class JsonStream(Stream):
    """Indented for one document; for several, one compact line per document.

    The standard library indents only in pure Python, five times slower than
    its C encoder: a folder of a thousand articles would spend seconds on
    white space. Either way the JSON is the same. The first document is held
    until a second arrives, since a lone one is written indented.
    """

    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self.first: dict[str, Any] | None = None
        self.count = 0

    def document(self, report: DocumentReport) -> str:
        self.count += 1
        doc = document_json(report, self.rules)
        if self.count == 1:
            self.first = doc
            return ""
        text = ",\n" + _line(doc)
        if self.count == 2:
            head, _ = _outline(None)
            text = head + "[\n" + _line(self.first) + text
            self.first = None
        return text

    def finish(self, totals: Totals) -> str:
        if self.count <= 1:
            report = _report([self.first] if self.first is not None else [], totals)
            return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
        _, tail = _outline(totals)
        return "\n  ]" + tail + "\n"


def _line(document: dict[str, Any]) -> str:
    return "    " + json.dumps(document, ensure_ascii=False)


class JsonLinesStream(Stream):
    """One compact document object per line, nothing else."""

    def document(self, report: DocumentReport) -> str:
        return json.dumps(document_json(report, self.rules), ensure_ascii=False) + "\n"


@hookimpl(trylast=True)
def citeaudit_register_reporters(register: Callable[[Reporter], None]) -> None:
    register(Reporter("json", stream=JsonStream, description="the citeaudit-report/1 JSON schema"))
    register(Reporter("jsonl", stream=JsonLinesStream, progressive=True,
                      description="one document's report per line, written as each completes"))
