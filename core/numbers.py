"""Numbers read from untrusted text: ASCII digits only, and only as many as a real one has.

`int()` accepts any Unicode digit ("²", "٣") and refuses strings of more
than 4,300 digits with a ValueError, so a crafted marker, label or year
crashed readers that had checked `str.isdigit()` first. Every reader that
turns input text into a number calls `parse_int`, which gives None for
anything that is not a plain number of at most `MAX_NUMBER_DIGITS` digits.
"""

from __future__ import annotations

import re

from citeaudit.limits import MAX_NUMBER_DIGITS

_DIGITS = re.compile(r"[0-9]+")


def parse_int(text: object, digits: int = MAX_NUMBER_DIGITS) -> int | None:
    """The number `text` spells in ASCII digits (spaces around allowed), else None.

    An int passes through when it has at most `digits` digits; a bool never does.
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text if -(10 ** digits) < text < 10 ** digits else None
    if not isinstance(text, str):
        return None
    text = text.strip()
    if len(text) > digits or not _DIGITS.fullmatch(text):
        return None
    return int(text)
