"""Progress bars on stderr for the slow parts of a run: a folder of drafts, registry fetches.

Shown only when someone is watching: stderr is a terminal, `--quiet` was not
given, the `CI` variable is not set, and this is not a `--jobs` worker
(the parent shows the documents instead). One display per run: a bar started
while another is showing becomes a second line of the same display, as rich
allows only one live display at a time.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_display: Any = None
"""The rich Progress showing now, if any."""


def wanted(options: Any) -> bool:
    """Whether progress may be shown for this run."""
    if getattr(options, "quiet", False) or os.environ.get("CI") or not sys.stderr.isatty():
        return False
    import multiprocessing  # only here: importing it costs a quiet run 4 ms

    return multiprocessing.parent_process() is None  # a --jobs worker draws no bar


@contextmanager
def progress(options: Any, description: str, total: int) -> Iterator[Callable[[int], None]]:
    """A bar of `total` steps; yields `advance(n)`, a no-op when no bar is shown."""
    global _display
    if total <= 1 or not wanted(options):
        yield lambda n: None
        return
    if _display is not None:
        display = _display
        task = display.add_task(description, total=total)
        try:
            yield lambda n: display.advance(task, n)
        finally:
            display.remove_task(task)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as display:
        _display = display
        task = display.add_task(description, total=total)
        try:
            yield lambda n: display.advance(task, n)
        finally:
            _display = None
