"""Every hook citeaudit calls, in one place; each docstring is the API reference.

A plugin is a module or object with functions marked `@citeaudit.hookimpl`
and named like the specs below. Callers always pass keyword arguments, and
an implementation may accept fewer arguments than the spec, so specs can
grow without breaking plugins. Built-in plugins are `trylast`, so a
third-party implementation of a first-result hook wins.

Components (readers, checks, reporters, registries) are handed to a `register`
callback rather than returned, so the core can refuse duplicates and
`citeaudit plugins` can list who registered what.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from citeaudit.checks import Check
    from citeaudit.model import Document
    from citeaudit.options import OptionGroup, Options
    from citeaudit.readers import Reader
    from citeaudit.report import Reporter

PROJECT = "citeaudit"

hookspec = pluggy.HookspecMarker(PROJECT)


# -- components --------------------------------------------------------------


@hookspec
def citeaudit_register_readers(register: Callable[[Reader], None]) -> None:
    """Register input formats by calling `register(Reader(name, suffixes, read))`.

    Called once at set-up. For each input file the readers declaring its
    suffix are asked in precedence order (a third-party plugin's before the
    built-ins', which are `trylast`); the first `read(path, options)` that
    returns a Document (or a tuple of them, for a file holding several
    drafts) wins, and None passes the file on. A folder search looks for
    every declared suffix; see `citeaudit.readers.Reader`.
    """


@hookspec
def citeaudit_register_checks(register: Callable[[Check], None]) -> None:
    """Register checks by calling `register(Check(...))` once per check.

    Called once when the plugin manager is set up. A check declares the rule
    codes it may emit and what it needs (`library`, `records`), so the core
    loads the library and fetches registry records only when an enabled
    check needs them. Registering a check name twice is a PluginError.
    """


@hookspec
def citeaudit_register_reporters(register: Callable[[Reporter], None]) -> None:
    """Register output formats by calling `register(Reporter(...))`.

    Called once at set-up. The reporter's name is what `--format` takes.
    """


@hookspec
def citeaudit_register_registries(register: Callable[[Any], None]) -> None:
    """Register metadata sources by calling `register(registry)`.

    Called once at set-up. A registry has a `name` (`crossref`, `pubmed`),
    the identifier `kinds` it answers (`doi`, `pmid`), a batched
    `fetch(identifiers, client)` and, optionally, the `label` reports name
    it by (`Crossref`); see `citeaudit.registry.Registry`.
    """


# -- deprecated --------------------------------------------------------------


@hookspec
def citeaudit_document_suffixes() -> list[str]:
    """Deprecated: register a `Reader` with `citeaudit_register_readers` instead.

    The suffixes (with the dot) the `citeaudit_read_document` of the same
    plugin takes; that reader is handed only files with these suffixes.
    """


@hookspec
def citeaudit_read_document(path: Path, options: Options) -> Document | tuple[Document, ...] | None:
    """Deprecated: register a `Reader` with `citeaudit_register_readers` instead.

    Read `path` into a Document (or a tuple of them), or return None if it is
    not yours. The core wraps it as a Reader named after the plugin, with the
    suffixes of the plugin's `citeaudit_document_suffixes`.
    """


# -- options -----------------------------------------------------------------


@hookspec
def citeaudit_add_options(group: OptionGroup) -> None:
    """Declare plugin options with `group.add(name, default=..., help=..., type=...)`.

    Called once at set-up. `type` is a value type of `citeaudit.options`
    (`Integer(0, 10)`, `Number(0, 600, above=True)`, `Flag()`, `Text()`,
    `Names()`, `Choice(("a", "b"))`); without one, the default's type is
    used. Each option can be given on the command line as `--plugin-option
    NAME=VALUE` and in the configuration file as a key of its own; the value
    is checked by its type wherever it comes from and arrives in
    `Options.plugin_options[name]`. A name citeaudit or another plugin
    already uses is an error.
    """
