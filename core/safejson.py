"""Reading untrusted JSON: registry answers, snapshots, citation-manager field data.

`json.loads` turns 100,000 nested brackets into a RecursionError (not a
ValueError, so callers' `except ValueError` missed it) and accepts any
nesting below that, which the encoder may then fail to write back. Here
both end as `ValueError` subclasses that name the problem, and nesting
deeper than `MAX_JSON_DEPTH` is refused. Numbers of more digits than
Python converts already raise ValueError in `json` itself.
"""

from __future__ import annotations

import json
from typing import Any

from citeaudit.limits import MAX_JSON_DEPTH


class JSONTooDeep(ValueError):
    """JSON nested deeper than `MAX_JSON_DEPTH`."""

    def __init__(self) -> None:
        super().__init__(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")


def loads(text: str | bytes) -> Any:
    """`json.loads`, refusing nesting past `MAX_JSON_DEPTH`; every failure is a ValueError."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise JSONTooDeep() from None
    check_depth(value)
    return value


def raw_decode(text: str, start: int = 0) -> tuple[Any, int]:
    """`json.JSONDecoder().raw_decode`, with the same refusal as `loads`."""
    try:
        value, end = json.JSONDecoder().raw_decode(text, start)
    except RecursionError:
        raise JSONTooDeep() from None
    check_depth(value)
    return value, end


def check_depth(value: Any) -> None:
    """JSONTooDeep when containers nest deeper than `MAX_JSON_DEPTH` (iterative: no recursion)."""
    if not isinstance(value, (dict, list)):
        return
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        for child in (node.values() if isinstance(node, dict) else node):
            if isinstance(child, (dict, list)):
                if depth >= MAX_JSON_DEPTH:
                    raise JSONTooDeep()
                stack.append((child, depth + 1))
