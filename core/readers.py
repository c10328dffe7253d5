"""What a reader is, and which one reads a given file.

A reader is a component like a check or a reporter: a plugin registers it
with `citeaudit_register_readers`, and the core knows it only by the
suffixes it declares. For one file, the readers that declare its suffix are
asked in precedence order (a third-party plugin's before the built-ins'),
and the first that returns a Document wins; one that returns None passes
the file on (the JATS reader does for `.xml` that is not JATS).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citeaudit.model import Document

ReadResult = Document | tuple[Document, ...] | None
"""One Document, one per draft of a file holding several (a JATS article set), or None: not mine."""


@dataclass(frozen=True, slots=True)
class Reader:
    """One input format, as a plugin registers it."""

    name: str
    """Unique name (`markdown`, `jats`, `docx`)."""
    suffixes: tuple[str, ...]
    """The file suffixes it reads, with the dot, lower case; a folder search looks for these."""
    read: Callable[[Path, Any], ReadResult]
    """`read(path, options)`: the Document(s) of the file, or None when it is not this
    reader's after all. Raises `citeaudit.errors.InputError` (naming the file and the
    place) for a file that is its own but unreadable; never returns a half-read Document."""
    description: str = ""
    """One line for `citeaudit plugins`."""
    refuses: Mapping[str, str] = field(default_factory=dict)
    """Suffixes it knows but will not read -> why (`.docm`: macro-enabled); a file given
    by name with one of them is refused with that reason, and a folder search skips it."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "suffixes", tuple(self.suffixes))
        for suffix in (*self.suffixes, *self.refuses):
            if not suffix.startswith(".") or suffix != suffix.lower():
                raise ValueError(f"reader {self.name!r}: suffix {suffix!r} must start with a dot "
                                 "and be lower case")


def legacy_reader(name: str, read: Callable[..., ReadResult], suffixes: Callable[[], Any] | None) -> Reader:
    """A Reader for a plugin written against the deprecated hooks `citeaudit_read_document`
    and `citeaudit_document_suffixes`: it is handed the files with the suffixes it declares."""
    declared = tuple(s.lower() for s in (suffixes() or ())) if suffixes else ()
    return Reader(name, declared, lambda path, options: read(path=path, options=options),
                  description="(deprecated hooks citeaudit_read_document, citeaudit_document_suffixes)")
