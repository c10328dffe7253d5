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
import re
from typing import Any

from citeaudit.limits import MAX_JSON_DEPTH


class JSONTooDeep(ValueError):
    """JSON nested deeper than `MAX_JSON_DEPTH`."""

    def __init__(self) -> None:
        super().__init__(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")


def loads(text: str | bytes) -> Any:
    """`json.loads`, refusing nesting past `MAX_JSON_DEPTH`; every failure is a ValueError.

    Lone surrogates (`"\\udc80"` is valid JSON) become U+FFFD, so no string
    read here can fail to encode as UTF-8 later, in a report or the cache.
    """
    try:
        value = json.loads(text)
    except RecursionError:
        raise JSONTooDeep() from None
    return checked(value)


def raw_decode(text: str, start: int = 0) -> tuple[Any, int]:
    """`json.JSONDecoder().raw_decode`, with the same refusal and clean-up as `loads`."""
    try:
        value, end = json.JSONDecoder().raw_decode(text, start)
    except RecursionError:
        raise JSONTooDeep() from None
    return checked(value), end


def checked(value: Any) -> Any:
    """`value` with lone surrogates replaced; JSONTooDeep past `MAX_JSON_DEPTH` (iterative walk)."""
    if isinstance(value, str):
        return clean(value)
    if not isinstance(value, (dict, list)):
        return value
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if not all(key.isascii() for key in node) and any(_SURROGATE.search(key) for key in node):
                cleaned = {clean(key): item for key, item in node.items()}
                node.clear()
                node.update(cleaned)
            pairs = node.items()
        else:
            pairs = enumerate(node)
        for key, child in list(pairs):
            if isinstance(child, str):
                if not child.isascii() and _SURROGATE.search(child):
                    node[key] = clean(child)
            elif isinstance(child, (dict, list)):
                if depth >= MAX_JSON_DEPTH:
                    raise JSONTooDeep()
                stack.append((child, depth + 1))
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str) -> str:
    """`text` with every lone surrogate (which UTF-8 cannot encode) replaced by U+FFFD."""
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)
