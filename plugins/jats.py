"""Built-in reader plugin for JATS XML articles and PMC article sets.

Registered without lxml: the reading itself (`jats_article`, with
`jats_references` and `jats_floats`) is imported when a run first meets an
XML file, so a Markdown or Word check never loads it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from citeaudit import hookimpl
from citeaudit.model import Document
from citeaudit.readers import Reader

SUFFIXES = (".xml", ".nxml", ".jats")


@hookimpl(trylast=True)
def citeaudit_register_readers(register: Callable[[Reader], None]) -> None:
    register(Reader("jats", SUFFIXES, read_jats, description="JATS XML articles and article sets"))


def read_jats(path: Path, options: object = None) -> Document | tuple[Document, ...] | None:
    """A Document for a JATS file, one per article for an article set; None for other XML
    (PubMed records, docx parts) and other suffixes."""
    if path.suffix.lower() not in SUFFIXES:
        return None
    from citeaudit.plugins.jats_article import read_jats as read

    return read(path, options)
