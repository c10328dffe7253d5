"""Reporter `json`: the "citeaudit-report/1" schema of INTERFACE.md."""

from __future__ import annotations

import json
from collections.abc import Callable

from citeaudit import hookimpl
from citeaudit.report import Reporter, RunReport, to_json


def render(run: RunReport) -> str:
    return json.dumps(to_json(run), indent=2, ensure_ascii=False) + "\n"


@hookimpl(trylast=True)
def citeaudit_register_reporters(register: Callable[[Reporter], None]) -> None:
    register(Reporter("json", render, "the citeaudit-report/1 JSON schema"))
