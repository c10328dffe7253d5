"""citeaudit.limits is the one list of input limits, and docs/reliability.md names every one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from paths import ROOT

from citeaudit import limits


def _public_constants() -> list[str]:
    return [name for name in vars(limits) if re.fullmatch(r"[A-Z][A-Z0-9_]*", name)]


def _docstrings() -> dict[str, str]:
    """Constant name -> the string literal right under its assignment."""
    body = ast.parse(Path(limits.__file__).read_text(encoding="utf-8")).body
    found = {}
    for statement, following in zip(body, body[1:], strict=False):
        if (isinstance(statement, ast.Assign) and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant) and isinstance(following.value.value, str)):
            found[statement.targets[0].id] = following.value.value
    return found


def test_every_limit_is_named_in_the_limits_table_of_docs_reliability_md():
    text = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    section = text.split("\n## Limits\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    names = _public_constants()
    assert len(names) >= 14
    missing = [name for name in names if not any(f"`{name}`" in row for row in rows)]
    assert missing == [], f"not in docs/reliability.md's limits table: {missing}"


def test_every_limit_has_a_docstring_and_a_positive_integer_value():
    docstrings = _docstrings()
    for name in _public_constants():
        value = getattr(limits, name)
        assert isinstance(value, int) and value > 0, name
        assert docstrings.get(name, "").strip(), f"{name} has no docstring"

