"""What a check is and what it is given.

A check is a small pure function over the model: it gets a `CheckContext`
and yields `Finding`s. It never does I/O; whatever it needs (the library,
registry records) it declares in `needs`, and the pipeline provides it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from citeaudit.model import (
    Document,
    Finding,
    Library,
    RecordSet,
    Resolution,
    Suppression,
    Unchecked,
)
from citeaudit.rules import Rule

NEEDS = frozenset({"library", "records", "library-records"})
"""`library`: the BibTeX library is loaded (when `--bib` is given).
`records`: registry records of the cited references are fetched.
`library-records`: records of every library entry with an identifier are
fetched too (CA406 looks for better-fitting entries)."""


@dataclass(frozen=True, slots=True)
class CheckContext:
    """Everything a check may look at, for one document."""

    document: Document
    """The draft (or, for `citeaudit bib`, the library as a document)."""
    options: Any
    """The run's `citeaudit.config.Options`."""
    library: Library | None = None
    """The BibTeX library, when one was given."""
    resolutions: Mapping[int | str, Resolution] = field(default_factory=dict)
    """Reference number (or, for `citeaudit bib`, library key) -> Resolution."""
    records: RecordSet | None = None
    """Registry outcomes, when an enabled check needs them."""


@dataclass(frozen=True, slots=True)
class Check:
    """One check, as a plugin registers it."""

    name: str
    """Unique name, kebab-case (`marker-structure`)."""
    rules: tuple[Rule | str, ...]
    """The rules it may emit: each declared here (`Rule(code, name, severity, summary,
    help)`), or named by code when another check declares it. The pipeline skips the
    check when all are deselected; a finding with a code no check declares is an error
    naming this check's plugin."""
    run: Callable[[CheckContext], Iterable[Finding]]
    """The check itself: pure, no I/O."""
    needs: frozenset[str] = frozenset()
    """Subset of NEEDS."""
    description: str = ""
    """One line for `citeaudit plugins`."""
    unchecked: Callable[[CheckContext], Iterable[Unchecked]] | None = None
    """The claims' citations this check had to pass over and why, so the
    report can say what was not verified (pure, like `run`)."""
    stale: Callable[[Suppression], Finding] | None = None
    """The finding for an inline suppression that hid nothing, asked once every check
    has run (the built-in `unused-suppression` check's CA107; citeaudit.suppression)."""

    def __post_init__(self) -> None:
        unknown = self.needs - NEEDS
        if unknown:
            raise ValueError(f"check {self.name!r} needs unknown inputs {sorted(unknown)}")
        if not all(isinstance(rule, (Rule, str)) for rule in self.rules):
            raise ValueError(f"check {self.name!r}: rules must be Rule objects or codes")

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of its rules."""
        return tuple(rule.code if isinstance(rule, Rule) else rule for rule in self.rules)

    @property
    def declared(self) -> tuple[Rule, ...]:
        """The rules it declares itself (not those it names by code)."""
        return tuple(rule for rule in self.rules if isinstance(rule, Rule))
