"""Run options: command line over configuration file over defaults.

Configuration lives in `[tool.citeaudit]` of a pyproject.toml or at the top
level of a citeaudit.toml, found by searching upward from the working
directory (or given with `--config`). Keys are the long option names
(`fail-on`, `select`, `bib`, ...) plus `severity`, a table of per-rule
severity overrides, and any option a plugin declared.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from citeaudit.errors import UsageError
from citeaudit.model import SEVERITIES
from citeaudit.rules import RULES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FAIL_ON = ("error", "warning", "info", "never")


@dataclass(frozen=True)
class Options:
    """Everything that steers one run; frozen, derive with `dataclasses.replace`."""

    bib: tuple[Path, ...] = ()
    """BibTeX library files."""
    format: str = "text"
    """Reporter name."""
    output: Path | None = None
    """Report file; None for stdout."""
    offline: bool = False
    """Registry data from the cache only."""
    refresh: bool = False
    """Ignore cached registry data and fetch again."""
    fail_on: str = "error"
    """Lowest severity that makes the exit code 1, or `never`."""
    select: tuple[str, ...] = ()
    """Codes or prefixes to report; empty means all."""
    ignore: tuple[str, ...] = ()
    """Codes or prefixes never to report."""
    severity: dict[str, str] = field(default_factory=dict)
    """Per-rule severity overrides, code -> error|warning|info."""
    baseline: Path | None = None
    """Report only findings not in this baseline."""
    write_baseline: Path | None = None
    """Write the findings of this run as a baseline."""
    jobs: int = 1
    """Documents checked in parallel."""
    cache_dir: Path | None = None
    """Registry cache folder; None for the user cache dir."""
    mailto: str | None = None
    """Contact address for Crossref's polite pool and NCBI's `email`."""
    quiet: bool = False
    """No progress output."""
    color: bool | None = None
    """Colour in text output; None decides by whether stdout is a terminal."""
    disabled_plugins: tuple[str, ...] = ()
    """Plugin names not to load."""
    plugin_options: dict[str, Any] = field(default_factory=dict)
    """Values of options plugins declared with `citeaudit_add_options`."""
    config_path: Path | None = None
    """The configuration file that was read, if any."""
    timeout: float = 60.0
    """Overall time budget for registry requests, seconds."""
    statistics: bool = False
    """Print the number of findings per rule after the report."""

    def severity_of(self, code: str) -> str:
        """The severity findings of `code` are reported with."""
        return self.severity.get(code) or RULES[code].severity


@dataclass
class OptionGroup:
    """Where plugins declare their options (see `citeaudit_add_options`)."""

    declared: dict[str, tuple[Any, str]] = field(default_factory=dict)
    """name -> (default, help)."""

    def add(self, name: str, default: Any = None, help: str = "") -> None:
        """Declare option `name`; a second declaration of one name is a UsageError."""
        if name in self.declared:
            raise UsageError(f"plugin option {name!r} is declared twice")
        self.declared[name] = (default, help)


def find_config(start: Path | None = None) -> Path | None:
    """The nearest citeaudit.toml, or pyproject.toml with [tool.citeaudit], upward."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "citeaudit.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "tool" in _load_toml(candidate) and \
                "citeaudit" in _load_toml(candidate)["tool"]:
            return candidate
    return None


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read configuration: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from exc


def read_config(path: Path) -> dict[str, Any]:
    """The citeaudit table of a configuration file, keys normalised to snake_case."""
    data = _load_toml(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("citeaudit", {})
    return {key.replace("-", "_"): value for key, value in data.items()}


_KEY_TYPES: dict[str, tuple[type, ...]] = {
    "bib": (str, list), "format": (str,), "offline": (bool,), "refresh": (bool,), "fail_on": (str,),
    "select": (str, list), "ignore": (str, list), "severity": (dict,), "baseline": (str,),
    "jobs": (int,), "cache_dir": (str,), "mailto": (str,), "quiet": (bool,), "color": (bool,),
    "disable_plugins": (list,), "timeout": (int, float), "statistics": (bool,),
}
"""What each configuration key may hold; a list holds strings."""


def _check_types(config: dict[str, Any], where: str) -> None:
    """A UsageError naming the key for a value of the wrong type, not a TypeError later."""
    for key, kinds in _KEY_TYPES.items():
        if key not in config:
            continue
        value = config[key]
        wrong = not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds) or \
            (isinstance(value, list) and not all(isinstance(item, str) for item in value))
        if wrong:
            expected = " or ".join("a list of strings" if k is list else k.__name__ for k in kinds)
            raise UsageError(f"{where}: {key.replace('_', '-')} must be {expected}, not {value!r}")


def _codes(value: Any, where: str) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    codes = tuple(str(item).strip().upper() for item in items if str(item).strip())
    for code in codes:
        if not code.startswith("CA") or not any(r.startswith(code) for r in RULES):
            raise UsageError(f"{where}: {code!r} is not a rule code or prefix (see `citeaudit rules`)")
    return codes


def build_options(cli: dict[str, Any], *, plugin_options: dict[str, tuple[Any, str]] | None = None,
                  ) -> Options:
    """Merge command-line values (None = not given) over the configuration file."""
    config_path = cli.get("config_path")
    if config_path is None:
        config_path = find_config()
    config = read_config(Path(config_path)) if config_path else {}
    _check_types(config, str(config_path))
    base = Path(config_path).parent if config_path else Path.cwd()
    where = str(config_path) if config_path else "options"

    def pick(name: str, default: Any) -> Any:
        value = cli.get(name)
        if value is None or value == ():
            value = config.get(name, default)
        return value

    severity = {k.upper(): str(v).lower() for k, v in dict(config.get("severity", {})).items()}
    for code, level in severity.items():
        if code not in RULES:
            raise UsageError(f"{where}: severity override for unknown rule {code!r}")
        if level not in SEVERITIES:
            raise UsageError(f"{where}: severity of {code} must be error, warning or info, not {level!r}")

    fail_on = str(pick("fail_on", "error")).lower()
    if fail_on not in FAIL_ON:
        raise UsageError(f"{where}: fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")

    bib = cli.get("bib") or tuple(
        (base / p) for p in ([config["bib"]] if isinstance(config.get("bib"), str) else config.get("bib", ()))
    )
    declared = plugin_options or {}
    plugin_values = {name: default for name, (default, _help) in declared.items()}
    for name in declared:
        if name.replace("-", "_") in config:
            plugin_values[name] = config[name.replace("-", "_")]
    for item in cli.get("plugin_option") or ():
        name, sep, value = item.partition("=")
        if not sep or name not in declared:
            raise UsageError(f"--plugin-option {item!r}: unknown option (declared: {', '.join(sorted(declared)) or 'none'})")
        plugin_values[name] = value

    cache_dir = cli.get("cache_dir") or os.environ.get("CITEAUDIT_CACHE_DIR") or config.get("cache_dir")
    jobs = int(pick("jobs", 1))
    if jobs < 1:
        raise UsageError(f"{where}: jobs must be at least 1")
    return Options(
        bib=tuple(Path(p) for p in bib),
        format=str(pick("format", "text")),
        output=Path(cli["output"]) if cli.get("output") else None,
        offline=bool(pick("offline", False)),
        refresh=bool(pick("refresh", False)),
        fail_on=fail_on,
        select=_codes(pick("select", ()), where),
        ignore=_codes(pick("ignore", ()), where),
        severity=severity,
        # Like `bib`, a baseline named in the configuration is relative to that file.
        baseline=Path(cli["baseline"]) if cli.get("baseline") else
        (base / config["baseline"] if config.get("baseline") else None),
        write_baseline=Path(cli["write_baseline"]) if cli.get("write_baseline") else None,
        jobs=jobs,
        cache_dir=Path(cache_dir) if cache_dir else None,
        mailto=cli.get("mailto") or os.environ.get("CITEAUDIT_MAILTO") or config.get("mailto"),
        quiet=bool(pick("quiet", False)),
        color=color_choice(pick("color", None)),
        disabled_plugins=tuple(pick("disable_plugin", ()) or config.get("disable_plugins", ())),
        plugin_options=plugin_values,
        config_path=Path(config_path) if config_path else None,
        timeout=float(pick("timeout", 60.0)),
        statistics=bool(pick("statistics", False)),
    )


def color_choice(chosen: bool | None) -> bool | None:
    """`--color/--no-color` (or `color` in the configuration), else NO_COLOR, else FORCE_COLOR.

    None leaves it to the reporter: colour only on a terminal. See no-color.org
    and force-color.org: a set, non-empty variable counts.
    """
    if chosen is not None:
        return bool(chosen)
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return None


def with_overrides(options: Options, **changes: Any) -> Options:
    """A copy of `options` with some fields changed."""
    return replace(options, **changes)
