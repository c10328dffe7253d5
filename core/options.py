"""Every option of citeaudit, declared once.

`OPTIONS` is the one table of the run's options: its name (the long
command-line flag and the configuration key), value type, default,
environment variable, whether a path in the configuration file is relative
to that file, and help. From it come the click options of `check`, `bib`
and `cache` (core/cli.py), the keys the configuration file accepts and how
each is checked (core/config.py), the `Options` the run carries, and
docs/options.md (generated; tests/project/test_docs.py keeps it current).

Plugins declare their own options the same way, with typed values, through
`citeaudit_add_options(group)` and `group.add(...)`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, make_dataclass
from pathlib import Path
from typing import Any

from citeaudit.errors import UsageError

# -- value types ----------------------------------------------------------------


class Kind:
    """A value type: turns a configuration, environment or command-line value into a checked one.

    `parse` accepts what TOML gives (a bool, int, float, list, table) and the
    strings the command line and the environment give; anything else is a
    one-line UsageError naming where the value came from and the option.
    """

    metavar = "TEXT"
    described = "text"

    def parse(self, value: Any, where: str, name: str) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def fail(self, value: Any, where: str, name: str) -> UsageError:
        shown = repr(value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return UsageError(f"{where}: {name} must be {self.described}, not {shown}")


class Text(Kind):
    """A string."""

    def parse(self, value: Any, where: str, name: str) -> str:
        if not isinstance(value, str):
            raise self.fail(value, where, name)
        return value


class Flag(Kind):
    """True or false; `true/false/yes/no/1/0` as text."""

    metavar = "BOOL"
    described = "true or false"
    _WORDS = {"true": True, "yes": True, "1": True, "on": True,
              "false": False, "no": False, "0": False, "off": False}

    def parse(self, value: Any, where: str, name: str) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in self._WORDS:
            return self._WORDS[value.strip().lower()]
        raise self.fail(value, where, name)


@dataclass(frozen=True)
class Integer(Kind):
    """A whole number within bounds."""

    minimum: int = 0
    maximum: int = 1_000_000
    metavar = "N"

    @property
    def described(self) -> str:  # type: ignore[override]
        return f"a whole number from {self.minimum} to {self.maximum}"

    def parse(self, value: Any, where: str, name: str) -> int:
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and value.strip().lstrip("+-").isdigit() and len(value.strip()) <= 20:
            number = int(value.strip())
        if number is None or not self.minimum <= number <= self.maximum:
            raise self.fail(value, where, name)
        return number


@dataclass(frozen=True)
class Number(Kind):
    """A finite number within bounds; `above` excludes the minimum itself (a timeout of 0)."""

    minimum: float = 0.0
    maximum: float = 1e6
    above: bool = False
    metavar = "NUMBER"

    @property
    def described(self) -> str:  # type: ignore[override]
        low = f"above {self.minimum:g}" if self.above else f"from {self.minimum:g}"
        return f"a number {low}" + (f" to {self.maximum:g}" if not self.above else f" up to {self.maximum:g}")

    def parse(self, value: Any, where: str, name: str) -> float:
        number: float | None = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value) if abs(value) < 1e300 else math.inf
        elif isinstance(value, str) and len(value) <= 40:
            try:
                number = float(value)
            except ValueError:
                number = None
        if number is None or not math.isfinite(number) or number > self.maximum \
                or number < self.minimum or (self.above and number == self.minimum):
            raise self.fail(value, where, name)
        return number


@dataclass(frozen=True)
class Choice(Kind):
    """One of a few words, case-insensitive."""

    choices: tuple[str, ...] = ()
    metavar = "WORD"

    @property
    def described(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(self.choices)

    def parse(self, value: Any, where: str, name: str) -> str:
        if isinstance(value, str) and value.strip().lower() in self.choices:
            return value.strip().lower()
        raise self.fail(value, where, name)


class Names(Kind):
    """Several words: a list of strings, or one comma-separated string."""

    metavar = "A,B"
    described = "a list of strings or a comma-separated string"

    def parse(self, value: Any, where: str, name: str) -> tuple[str, ...]:
        items: Iterable[Any]
        if isinstance(value, str):
            items = value.split(",")
        elif isinstance(value, (list, tuple)):
            items = [part for item in value for part in (item.split(",") if isinstance(item, str) else [item])]
        else:
            raise self.fail(value, where, name)
        if not all(isinstance(item, str) for item in items):
            raise self.fail(value, where, name)
        return tuple(item.strip() for item in items if item.strip())


class Codes(Names):
    """Rule codes or prefixes (`CA1`, `CA304`); checked against the rules once plugins are loaded."""

    metavar = "CODES"
    described = "rule codes or prefixes, as a list or comma-separated"

    def parse(self, value: Any, where: str, name: str) -> tuple[str, ...]:
        return tuple(code.upper() for code in super().parse(value, where, name))


class PathValue(Kind):
    """A file or folder."""

    metavar = "PATH"
    described = "a path"

    def parse(self, value: Any, where: str, name: str) -> Path:
        if isinstance(value, Path):
            return value
        if not isinstance(value, str) or not value or "\0" in value:
            raise self.fail(value, where, name)
        return Path(value)


class Paths(Kind):
    """Several files: a list of paths, or one path."""

    metavar = "PATH"
    described = "a path or a list of paths"

    def parse(self, value: Any, where: str, name: str) -> tuple[Path, ...]:
        items = [value] if isinstance(value, (str, Path)) else value
        if not isinstance(items, (list, tuple)):
            raise self.fail(value, where, name)
        return tuple(PathValue().parse(item, where, name) for item in items)


class SeverityTable(Kind):
    """A table of rule code -> `error`, `warning` or `info`."""

    described = "a table of rule codes to error, warning or info"

    def parse(self, value: Any, where: str, name: str) -> dict[str, str]:
        if not isinstance(value, dict):
            raise self.fail(value, where, name)
        levels = Choice(("error", "warning", "info"))
        return {str(code).upper(): levels.parse(level, where, f"{name} of {code}")
                for code, level in value.items()}


class Assignments(Kind):
    """`NAME=VALUE` pairs (`--plugin-option`); each value is checked by the option it names."""

    metavar = "NAME=VALUE"
    described = "NAME=VALUE"

    def parse(self, value: Any, where: str, name: str) -> tuple[tuple[str, str], ...]:
        pairs = []
        for item in ([value] if isinstance(value, str) else value):
            key, sep, text = str(item).partition("=")
            if not sep or not key.strip():
                raise self.fail(item, where, name)
            pairs.append((key.strip(), text))
        return tuple(pairs)


# -- the table -------------------------------------------------------------------

COMMANDS = ("check", "bib")
"""The commands that take the report options."""
WITH_FIX = (*COMMANDS, "fix")
"""The report options `fix` takes too (registry access, output, format)."""


@dataclass(frozen=True)
class Option:
    """One option: command-line flag, configuration key and `Options` field at once."""

    name: str
    """Kebab-case: the configuration key, and `--NAME` on the command line."""
    kind: Kind
    """Value type and validation."""
    default: Any
    """Value when given nowhere."""
    help: str
    """One line for `--help` and docs/options.md."""
    env: str | None = None
    """Environment variable that sets it (between the command line and the file)."""
    relative: bool = False
    """A path given in the configuration file is relative to that file."""
    flags: tuple[str, ...] | None = ()
    """Command-line spellings: () for just `--NAME`, None for configuration only."""
    config: bool = True
    """Whether the configuration file may set it."""
    multiple: bool = False
    """Repeatable on the command line."""
    attr: str = ""
    """`Options` field, when not the name in snake_case."""
    commands: tuple[str, ...] = COMMANDS
    """Commands that take it on the command line (`group`: before the command)."""
    metavar: str = ""
    """What `--help` shows for the value, when not the type's."""

    @property
    def field(self) -> str:
        return self.attr or self.name.replace("-", "_")


FAIL_ON = ("error", "warning", "info", "never")
MAX_JOBS = 256
"""More worker processes than this is a typo, not a machine."""

OPTIONS: tuple[Option, ...] = (
    Option("bib", Paths(), (), "BibTeX library (repeatable).", relative=True, multiple=True),
    Option("format", Text(), "text", "text (default), json, sarif, junit, github, html, docx.", metavar="NAME",
           commands=WITH_FIX),
    Option("output", PathValue(), None, "Write the report there (atomically) instead of stdout.",
           flags=("--output", "-o"), config=False, commands=WITH_FIX),
    Option("offline", Flag(), False, "No network: registry data only from the cache (missing: CA308).",
           commands=WITH_FIX),
    Option("refresh", Flag(), False, "Fetch registry data again even when cached.", commands=WITH_FIX),
    Option("fail-on", Choice(FAIL_ON), "error", "Lowest severity that makes the exit code 1 (default: error).",
           metavar="LEVEL"),
    Option("min-severity", Choice(("error", "warning", "info")), None,
           "Lowest severity the HTML page and the Word copy show (default: warning; "
           "the other formats show every finding).", metavar="LEVEL"),
    Option("select", Codes(), (), "Comma-separated codes or prefixes to report."),
    Option("ignore", Codes(), (), "Comma-separated codes or prefixes to ignore."),
    Option("severity", SeverityTable(), {}, "Per-rule severity overrides: a table of code = error, warning or info.",
           flags=None),
    Option("config", PathValue(), None, "Configuration file (default: citeaudit.toml or "
           "[tool.citeaudit] in pyproject.toml, searched upward).", config=False, attr="config_path",
           commands=(*WITH_FIX, "cache")),
    Option("baseline", PathValue(), None, "Report only findings not in this baseline.", relative=True),
    Option("write-baseline", PathValue(), None, "Write this run's findings as a baseline.", config=False),
    Option("jobs", Integer(1, MAX_JOBS), 1, "Documents checked in parallel.", flags=("--jobs", "-j")),
    Option("executor", Choice(("processes", "dask")), "processes",
           "Where a folder's drafts are checked: processes on this machine (--jobs), or dask: "
           "a Dask distributed cluster (pip install 'citeaudit[dask]'; docs/scale.md).",
           metavar="NAME", commands=("check",)),
    Option("scheduler", Text(), None, "Dask scheduler address for --executor dask (tcp://HOST:8786).",
           env="DASK_SCHEDULER_ADDRESS", metavar="ADDRESS", commands=("check",)),
    Option("cache-dir", PathValue(), None, "Registry cache folder (default: the user cache dir).",
           env="CITEAUDIT_CACHE_DIR", relative=True, commands=(*WITH_FIX, "cache")),
    Option("mailto", Text(), None, "Contact address for the registries' polite pools.", env="CITEAUDIT_MAILTO",
           metavar="ADDRESS", commands=WITH_FIX),
    Option("timeout", Number(0.0, 86400.0, above=True), 60.0,
           "Overall time budget for registry requests, in seconds (default 60).", metavar="SECONDS",
           commands=WITH_FIX),
    Option("quiet", Flag(), False, "Only the findings and the summary line; no progress bar.",
           flags=("--quiet", "-q"), commands=WITH_FIX),
    Option("statistics", Flag(), False, "After the report, the number of findings per rule (code, name, count)."),
    Option("color", Flag(), None, "Colour in text output (default: NO_COLOR, FORCE_COLOR, else when stdout "
           "is a terminal).", flags=("--color/--no-color",)),
    Option("dry-run", Flag(), False, "fix: print the changes, write nothing.", config=False, commands=("fix",)),
    Option("fix-fields", Names(), (), "fix: change only these fields (doi, pmid, pmcid, year, volume, issue, "
           "pages, journal, preprint).", flags=("--select",), config=False, commands=("fix",), metavar="FIELDS"),
    Option("journal-style", Choice(("keep", "full", "abbrev")), "keep",
           "fix: journal names as they are (keep), in full, or abbreviated.", commands=("fix",)),
    Option("plugin-option", Assignments(), (), "Set an option a plugin declared (repeatable).",
           config=False, multiple=True),
    Option("disable-plugins", Names(), (), "Do not load this plugin (repeatable).",
           flags=("--disable-plugin",), multiple=True, attr="disabled_plugins", commands=("group",),
           metavar="NAME"),
)
"""Every option of the run, in `--help` order."""

BY_NAME: dict[str, Option] = {option.name: option for option in OPTIONS}


def _default(option: Option) -> Any:
    value = option.default
    return field(default_factory=lambda v=value: type(v)(v)) if isinstance(value, (dict, list)) else value


def _options_class() -> type:
    fields: list[tuple[str, Any, Any]] = [
        (o.field, Any, _default(o)) for o in OPTIONS if o.name != "plugin-option"]
    fields.append(("plugin_options", dict, field(default_factory=dict)))
    cls = make_dataclass("Options", fields, frozen=True)
    cls.__module__ = __name__  # so that pickle (the --jobs workers) finds it here
    cls.__doc__ = ("Everything that steers one run, one field per entry of `OPTIONS` (and `plugin_options`, "
                   "the values of options plugins declared); frozen, derive with `dataclasses.replace`.")
    return cls


Options = _options_class()


# -- plugin options ----------------------------------------------------------------


def infer_kind(default: Any) -> Kind:
    """The value type a plugin option has when its plugin names none: that of its default."""
    if isinstance(default, bool):
        return Flag()
    if isinstance(default, int):
        return Integer(minimum=-1_000_000)
    if isinstance(default, float):
        return Number(minimum=-1e6)
    if isinstance(default, (list, tuple)):
        return Names()
    return Text()


@dataclass
class OptionGroup:
    """Where plugins declare their options (see `citeaudit_add_options`)."""

    declared: dict[str, Option] = field(default_factory=dict)
    """name -> Option."""
    owners: dict[str, str] = field(default_factory=dict)
    """name -> the plugin that declared it, when known."""
    plugin: str = ""
    """The plugin whose hook is being called."""

    def add(self, name: str, default: Any = None, help: str = "", type: Kind | None = None) -> None:
        """Declare option `name`, typed by `type` (else by its default's type).

        A name declared twice, or one of citeaudit's own options, is a UsageError.
        """
        if name in self.declared or name in BY_NAME or name.replace("_", "-") in BY_NAME:
            other = self.owners.get(name) or ("citeaudit" if name in BY_NAME else "another plugin")
            raise UsageError(f"plugin option {name!r} is declared twice (also by {other})")
        kind = type or infer_kind(default)
        if default is not None:
            default = kind.parse(default, f"plugin {self.plugin or '?'}", f"the default of {name}")
        self.declared[name] = Option(name, kind, default, help, flags=None)
        self.owners[name] = self.plugin or "a plugin"


# -- documentation ----------------------------------------------------------------


def _shown(value: Any) -> str:
    if value is None or value == () or value == {}:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"`{value}`" if not isinstance(value, tuple) else "`" + ",".join(map(str, value)) + "`"


def render_options() -> str:
    """docs/options.md: the table above as Markdown (tests/core/test_config.py keeps the page current)."""
    lines = [
        "# Options",
        "",
        "<!-- Generated by `python -m citeaudit.options > docs/options.md` from "
        "core/options.py; tests/core/test_config.py keeps it current. -->",
        "",
        "Every option of `check` and `bib` is declared once, in `citeaudit.options.OPTIONS`. "
        "A value is taken from the command line, else from its environment variable, else from "
        "the configuration file (`citeaudit.toml`, or `[tool.citeaudit]` in `pyproject.toml`, "
        "searched upward from the working folder, or `--config`), else the default. Every value "
        "is checked by its type wherever it comes from; a wrong one, and a configuration key "
        "that is no option, is a one-line error naming the file (exit 2).",
        "",
        "| key | command line | value | default | environment | |",
        "|---|---|---|---|---|---|",
    ]
    for option in OPTIONS:
        flags = "" if option.flags is None else ", ".join(f"`{f}`" for f in (option.flags or (f"--{option.name}",)))
        if option.commands == ("group",):
            flags += " (before the command)"
        notes = []
        if not option.config:
            notes.append("command line only")
        if option.relative:
            notes.append("relative to the configuration file")
        if option.multiple:
            notes.append("repeatable")
        key = f"`{option.name}`"
        lines.append(f"| {key} | {flags} | {option.kind.described} | {_shown(option.default)} | "
                     f"{'`' + option.env + '`' if option.env else ''} | {option.help.replace('|', '/')}"
                     f"{' (' + '; '.join(notes) + ')' if notes else ''} |")
    lines += [
        "",
        "Plugins declare options of their own (`citeaudit plugins` lists them with their types); "
        "set them with `--plugin-option NAME=VALUE` or as a key of the configuration file. "
        "The built-in `registry` plugin declares `request-timeout` (seconds per request, above 0, "
        "default 20), `registry-retries` (0 to 10, default 3) and `registry-backoff` (seconds, "
        "0 to 60, default 0.5).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(render_options(), end="")
