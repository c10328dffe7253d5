"""What a rule is, and how `--select`/`--ignore` decide which are reported.

Rules are declared by the checks that emit them (`Check(rules=(Rule(...),
...))`, see citeaudit.checks); the plugin host gathers them into the run's
catalogue (`Host.rules()`), which `citeaudit rules`, the reporters (SARIF
help) and docs/rules.md read. Codes are public interface: add, never
repurpose. The built-in codes start with `CA`; a third-party plugin picks
its own prefix (flake8's model), e.g. `XYZ101`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from citeaudit.model import SEVERITIES, Finding, Severity

CODE = re.compile(r"^[A-Z]{1,5}[0-9]{3}$")
"""A rule code: a letter prefix and three digits, the first of them the family."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: what its findings mean and what to do about them."""

    code: str
    """A prefix and three digits (`CA304`); the prefix and first digit are the family."""
    name: str
    """Kebab-case name (`metadata-mismatch`)."""
    severity: Severity
    """Default severity; configuration may override it."""
    summary: str
    """What it means, one sentence without a final stop."""
    help: str = ""
    """What to do about it, one or two sentences (SARIF `help`, docs/rules.md)."""
    explain: Callable[[Finding, Mapping[str, str]], str | None] | None = None
    """One finding in plain words, for the reports people read (citeaudit.explain): given
    the finding and the run's source labels (`crossref` -> `Crossref`), one or two sentences
    without the rule code, or None to let the finding's message speak."""

    def __post_init__(self) -> None:
        if not CODE.match(self.code):
            raise ValueError(f"rule code {self.code!r} is not a prefix and three digits (CA304)")
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.code}: severity {self.severity!r} is not one of {SEVERITIES}")

    @property
    def family(self) -> str:
        """`CA1` .. `CA4`, or a plugin's own prefix and first digit."""
        return self.code[:-2]


FAMILIES = {
    "CA1": "the draft against itself (citation markers and reference list)",
    "CA2": "the draft against the BibTeX library",
    "CA3": "the references against the registries",
    "CA4": "the claim against the work it cites",
}
"""Titles of the built-in families; another family is titled by its prefix."""


def family_title(family: str) -> str:
    return FAMILIES.get(family, f"rules {family}xx")


def _longest(code: str, patterns: Iterable[str]) -> int:
    return max((len(p.strip()) for p in patterns if p.strip() and code.startswith(p.strip().upper())),
               default=-1)


def selected(code: str, select: Iterable[str], ignore: Iterable[str]) -> bool:
    """Whether findings of `code` are reported: the more specific pattern wins.

    As flake8's decision engine: `--select CA305 --ignore CA3` reports CA305
    and no other CA3 code; `--select CA3 --ignore CA305` the reverse. An
    empty `select` selects everything; on a tie, ignore wins.
    """
    select, ignore = list(select), list(ignore)
    chosen = _longest(code, select) if select else 0
    dropped = _longest(code, ignore)
    if chosen < 0:
        return False
    return dropped < 0 or chosen > dropped


def catalogue(rules: Iterable[Rule]) -> dict[str, Rule]:
    """Rules by code, in code order."""
    return {rule.code: rule for rule in sorted(rules, key=lambda r: r.code)}


def severity_of(code: str, rules: Mapping[str, Rule], overrides: Mapping[str, str]) -> str | None:
    """The severity findings of `code` get by default: the user's override, else the rule's."""
    rule = rules.get(code)
    return overrides.get(code) or (rule.severity if rule else None)


def render_rules(rules: Mapping[str, Rule], format: str = "text") -> str:
    """The catalogue as `citeaudit rules` prints it: text, JSON, or the Markdown of docs/rules.md."""
    if format == "json":
        import json

        return json.dumps([{"code": r.code, "name": r.name, "severity": r.severity, "summary": r.summary,
                            "help": r.help} for r in rules.values()], indent=2) + "\n"
    lines: list[str] = []
    family = None
    for rule in rules.values():
        if rule.family != family:
            family = rule.family
            if format == "markdown":
                lines += ["", f"## {family}xx: {family_title(family)}", "",
                          "| code | name | severity | meaning | what to do |", "|---|---|---|---|---|"]
            else:
                lines += ([""] if lines else []) + [f"{family}xx: {family_title(family)}"]
        if format == "markdown":
            cells = (rule.code, f"`{rule.name}`", rule.severity, rule.summary, rule.help)
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        else:
            lines.append(f"  {rule.code}  {rule.name:<28} {rule.severity:<8} {rule.summary}")
    if format == "markdown":
        lines = ["# Rules", "", "<!-- Generated by `citeaudit rules --format markdown`; "
                 "tests/project/test_docs.py keeps it current. -->", "",
                 "Each rule is declared by the check that emits it (see docs/plugins.md). "
                 "Default severities can be changed per rule in the configuration's `severity` table.",
                 *lines]
    return "\n".join(lines) + "\n"
