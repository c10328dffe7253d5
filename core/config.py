"""Run options: command line over environment over configuration file over defaults.

Configuration lives in `[tool.citeaudit]` of a pyproject.toml or at the top
level of a citeaudit.toml, found by searching upward from the working
directory (or given with `--config`). Its keys are the options of
`citeaudit.options.OPTIONS` that a file may set, `severity` (a table of
per-rule severity overrides) and the options plugins declared; any other
key is an error naming the key and the file. Every value is checked by its
option's type, wherever it comes from.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citeaudit.errors import UsageError
from citeaudit.inputs import read_bounded
from citeaudit.limits import MAX_CONFIG_BYTES
from citeaudit.options import BY_NAME, FAIL_ON, OPTIONS, Option, OptionGroup, Options

__all__ = ["FAIL_ON", "ConfigFile", "OptionGroup", "Options", "build_options", "find_config",
           "load_config", "read_config"]

_CODE = re.compile(r"^[A-Z]+[0-9]*$")


@dataclass(frozen=True)
class ConfigFile:
    """The citeaudit table of one configuration file, keys in kebab-case."""

    path: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return str(self.path) if self.path else "options"

    @property
    def base(self) -> Path:
        """What relative paths in the file are relative to."""
        return self.path.parent if self.path else Path.cwd()


def find_config(start: Path | None = None) -> Path | None:
    """The nearest citeaudit.toml, or pyproject.toml with [tool.citeaudit], upward."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "citeaudit.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            tool = _load_toml(candidate).get("tool")
            if isinstance(tool, dict) and "citeaudit" in tool:
                return candidate
    return None


def _load_toml(path: Path) -> dict[str, Any]:
    # Imported here: a run with no configuration file never needs a TOML parser.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        # Bounded: `--config /dev/zero` passes click's exists-and-not-a-folder check.
        return tomllib.loads(read_bounded(path, MAX_CONFIG_BYTES, what="the configuration file").decode("utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read configuration: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from exc
    except RecursionError as exc:
        raise UsageError(f"{path}: invalid TOML: nested too deeply") from exc
    except (ValueError, UnicodeDecodeError) as exc:  # an integer of thousands of digits
        raise UsageError(f"{path}: invalid TOML: {' '.join(str(exc).split())[:120]}") from exc


def read_config(path: Path) -> dict[str, Any]:
    """The citeaudit table of a configuration file, keys normalised to kebab-case."""
    data = _load_toml(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("citeaudit", {})
        if not isinstance(data, dict):
            raise UsageError(f"{path}: [tool.citeaudit] must be a table")
    return {str(key).replace("_", "-"): value for key, value in data.items()}


def load_config(path: Path | None) -> ConfigFile:
    """The given configuration file, else the one found upward, else none."""
    path = Path(path) if path is not None else find_config()
    return ConfigFile(path, read_config(path)) if path is not None else ConfigFile()


def _value(option: Option, cli: Mapping[str, Any], config: ConfigFile) -> Any:
    """The option's value: command line, then environment, then file, then default.

    Every value given is checked, also one that a higher source overrides.
    """
    value = option.default
    if option.config and option.name in config.values:
        value = option.kind.parse(config.values[option.name], config.where, option.name)
        if option.relative and value is not None:
            value = tuple(config.base / p for p in value) if isinstance(value, tuple) else config.base / value
    if option.env and os.environ.get(option.env):
        value = option.kind.parse(os.environ[option.env], option.env, option.name)
    given = cli.get(option.field, cli.get(option.name.replace("-", "_")))
    if given is not None and given != ():
        value = option.kind.parse(given, f"--{option.name}", option.name)
    return value


def disabled_plugins(cli: Mapping[str, Any], config: ConfigFile) -> tuple[str, ...]:
    """The plugins not to load: needed before the plugins (and their options) are known."""
    return _value(BY_NAME["disable-plugins"], cli, config)


def build_options(cli: Mapping[str, Any], *, plugin_options: Mapping[str, Option] | None = None,
                  rules: Collection[str] | None = None, config: ConfigFile | None = None) -> Options:
    """Merge command-line values (None = not given) over the environment and the configuration.

    `plugin_options` are the options loaded plugins declared; `rules` the
    codes their checks declared, which `select`, `ignore` and `severity`
    must name (when None, codes are only checked for their form).
    """
    config = config if config is not None else load_config(cli.get("config_path"))
    declared = dict(plugin_options or {})
    unknown = [key for key in config.values
               if key not in declared and not (key in BY_NAME and BY_NAME[key].config)]
    if unknown:
        key = unknown[0]
        hint = ("; citeaudit.toml takes the keys at its top level, without [tool.citeaudit]"
                if key == "tool" and config.path and config.path.name == "citeaudit.toml" else
                " (it can be given on the command line only)" if key in BY_NAME else
                " (see docs/options.md, and `citeaudit plugins` for plugin options)")
        raise UsageError(f"{config.where}: unknown key {key!r}{hint}")

    values = {option.field: _value(option, cli, config) for option in OPTIONS if option.name != "plugin-option"}
    for name in ("select", "ignore"):
        _check_codes(values[name], rules, f"--{name}" if cli.get(name) else config.where)
    for code in values["severity"]:
        if (rules is not None and code not in rules) or not _CODE.match(code):
            raise UsageError(f"{config.where}: severity override for unknown rule {code!r}")
    values["color"] = color_choice(values["color"])
    return Options(**values, plugin_options=_plugin_values(cli, config, declared))


def color_choice(chosen: bool | None) -> bool | None:
    """`--color/--no-color` (or `color` in the configuration), else NO_COLOR, else FORCE_COLOR.

    None leaves it to the reporter: colour only on a terminal. As no-color.org
    and force-color.org say, a variable counts when it is set and not empty.
    """
    if chosen is not None:
        return bool(chosen)
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return None


def _check_codes(codes: tuple[str, ...], rules: Collection[str] | None, where: str) -> None:
    for code in codes:
        if not _CODE.match(code) or (rules is not None and not any(r.startswith(code) for r in rules)):
            raise UsageError(f"{where}: {code!r} is not a rule code or prefix (see `citeaudit rules`)")


def _plugin_values(cli: Mapping[str, Any], config: ConfigFile, declared: Mapping[str, Option]) -> dict[str, Any]:
    values = {name: option.default for name, option in declared.items()}
    for name, option in declared.items():
        if name in config.values:
            values[name] = option.kind.parse(config.values[name], config.where, name)
    assignments = BY_NAME["plugin-option"].kind.parse(cli.get("plugin_option") or (), "--plugin-option",
                                                     "plugin-option")
    for name, text in assignments:
        if name not in declared:
            raise UsageError(f"--plugin-option {name}={text}: unknown option "
                             f"(declared: {', '.join(sorted(declared)) or 'none'})")
        values[name] = declared[name].kind.parse(text, "--plugin-option", name)
    return values
