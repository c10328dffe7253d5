"""The plugin manager and the typed facade the rest of the core uses.

Built-in plugins are declared as entry points of the `citeaudit` group in
pyproject.toml, exactly like third-party ones. `DEFAULT_PLUGINS` lists the
same modules so a copy of citeaudit without package metadata (a vendored
tree, a zipapp) still loads them; a test keeps the two lists equal.

Set CITEAUDIT_TRACE_HOOKS=1 to print every hook call on stderr.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

from citeaudit import hookspecs
from citeaudit.checks import Check
from citeaudit.errors import InputError, LimitExceeded, PluginError, UnrecognisedFile, UsageError
from citeaudit.limits import MAX_REFERENCES
from citeaudit.model import Document
from citeaudit.options import Option, OptionGroup, Options
from citeaudit.readers import Reader, legacy_reader
from citeaudit.report import Reporter
from citeaudit.rules import Rule, catalogue

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

ENTRY_POINT_GROUP = "citeaudit"

DEFAULT_PLUGINS: dict[str, str] = {
    "markdown": "citeaudit.plugins.markdown",
    "jats": "citeaudit.plugins.jats",
    "docx": "citeaudit.plugins.docx",
    "structure": "citeaudit.plugins.structure",
    "library": "citeaudit.plugins.library",
    "registry": "citeaudit.plugins.registry",
    "support": "citeaudit.plugins.support",
    "text": "citeaudit.plugins.text_report",
    "json": "citeaudit.plugins.json_report",
    "ci": "citeaudit.plugins.ci_reports",
    "html": "citeaudit.plugins.html_report",
    "docx_report": "citeaudit.plugins.docx.reporter",
}
"""Built-in plugin name -> module; the same as the entry points in pyproject.toml."""


@dataclass
class Component:
    """A registered reader, check, reporter or registry, with the plugin that registered it."""

    kind: str
    name: str
    plugin: str
    value: Any


@dataclass
class Host:
    """A typed facade over `pm.hook`: the only place the core calls hooks."""

    pm: pluggy.PluginManager
    origins: dict[str, str] = field(default_factory=dict)
    """plugin name -> where it came from (`built-in`, `entry point of <dist>`, `registered`)."""
    extra: tuple[Any, ...] = ()
    """Plugin objects registered directly (not by entry point), as given."""
    disabled: tuple[str, ...] = ()
    """Plugin names not loaded."""
    entry_points: bool = True
    """Whether plugins declared by entry point were loaded."""
    _components: dict[str, dict[str, Component]] | None = None
    _rules: dict[str, Rule] | None = None

    # -- components --------------------------------------------------------

    def _collect(self) -> dict[str, dict[str, Component]]:
        if self._components is not None:
            return self._components
        found: dict[str, dict[str, Component]] = {"reader": {}, "check": {}, "reporter": {}, "registry": {}}
        hooks = {
            "reader": self._reader_impls(),
            "check": self.pm.hook.citeaudit_register_checks.get_hookimpls(),
            "reporter": self.pm.hook.citeaudit_register_reporters.get_hookimpls(),
            "registry": self.pm.hook.citeaudit_register_registries.get_hookimpls(),
        }
        legacy = self.pm.hook.citeaudit_read_document.get_hookimpls()
        for kind, impls in hooks.items():
            for impl in impls:
                plugin_name = self.pm.get_name(impl.plugin) or repr(impl.plugin)

                def register(value: Any, _kind: str = kind, _plugin: str = plugin_name) -> None:
                    name = getattr(value, "name", None)
                    if not name:
                        raise PluginError(_plugin, f"registered a {_kind} without a name")
                    if name in found[_kind]:
                        other = found[_kind][name].plugin
                        raise PluginError(_plugin, f"{_kind} {name!r} is already registered by {other!r}")
                    found[_kind][name] = Component(_kind, name, _plugin, value)

                try:
                    if impl in legacy:
                        register(self._legacy_reader(impl, plugin_name))
                    else:
                        impl.function(register=register) if "register" in impl.argnames else impl.function()
                except PluginError:
                    raise
                except Exception as exc:
                    raise PluginError(plugin_name, f"failed while registering: {exc}") from exc
        self._components = found
        return found

    def _reader_impls(self) -> list[Any]:
        """Implementations of `citeaudit_register_readers` and of the deprecated
        `citeaudit_read_document`, in the order pluggy calls hooks: `tryfirst`, then
        plain, then `trylast` (every built-in), each the last registered first."""
        loaded = [plugin for _name, plugin in self.pm.list_name_plugin()]

        def precedence(impl: Any) -> tuple[int, int]:
            return (0 if impl.tryfirst else 2 if impl.trylast else 1, -loaded.index(impl.plugin))

        impls = [*self.pm.hook.citeaudit_register_readers.get_hookimpls(),
                 *self.pm.hook.citeaudit_read_document.get_hookimpls()]
        return sorted(impls, key=precedence)

    def _legacy_reader(self, impl: Any, plugin_name: str) -> Reader:
        """The Reader of a plugin still on the deprecated hooks, with its declared suffixes."""
        suffixes = [i.function for i in self.pm.hook.citeaudit_document_suffixes.get_hookimpls()
                    if i.plugin is impl.plugin]

        def read(path: Path, options: Options) -> Any:
            given = {"path": path, "options": options}
            return impl.function(**{name: given[name] for name in impl.argnames})

        return legacy_reader(plugin_name, read, suffixes[0] if suffixes else None)

    def components(self, kind: str) -> list[Component]:
        """Registered components of one kind (`reader`, `check`, `reporter`, `registry`), in load
        order; readers in precedence order (the first that takes a file reads it)."""
        return list(self._collect()[kind].values())

    def readers(self) -> list[Reader]:
        return [c.value for c in self.components("reader")]

    def checks(self) -> list[Check]:
        return [c.value for c in self.components("check")]

    def reporters(self) -> dict[str, Reporter]:
        return {c.name: c.value for c in self.components("reporter")}

    def own_outputs(self) -> tuple[str, ...]:
        """File-name endings of the copies reporters write beside drafts (never read as drafts)."""
        return tuple(sorted({r.writes for r in self.reporters().values() if getattr(r, "writes", "")}))

    def registries(self) -> list[Any]:
        return [c.value for c in self.components("registry")]

    def labels(self) -> dict[str, str]:
        """Registry name -> how reports name it (its optional `label`: `Crossref`, `the DOI system`)."""
        return {r.name: getattr(r, "label", "") or r.name for r in self.registries()}

    # -- documents and options ----------------------------------------------

    def recipe(self) -> dict[str, Any]:
        """What `get_plugin_manager` needs to build this same plugin set again (in a worker)."""
        return {"disabled": self.disabled, "extra": self.extra, "entry_points": self.entry_points}

    def suffixes(self) -> set[str]:
        """Every suffix some reader reads."""
        return {suffix for reader in self.readers() for suffix in reader.suffixes}

    def read_document(self, path: Path, options: Options) -> Document:
        """Read one file through the first reader that takes it (its first article, for a set)."""
        return self.read_documents(path, options)[0]

    def read_documents(self, path: Path, options: Options) -> tuple[Document, ...]:
        """Every document of one file: one, or one per article of a JATS article set."""
        suffix = path.suffix.lower()
        read = None
        for component in self.components("reader"):
            reader = component.value
            if suffix in reader.refuses:
                raise InputError(path, f"refused: {reader.refuses[suffix]}")
            if suffix not in reader.suffixes:
                continue
            try:
                read = reader.read(path, options)
            except (InputError, UsageError, PluginError):
                raise
            except Exception as exc:
                raise PluginError(component.plugin, f"failed reading {path}: {type(exc).__name__}: {exc}") from exc
            if read is not None:
                break
        documents = tuple(read) if isinstance(read, (tuple, list)) else (read,) if read is not None else ()
        if not documents:
            known = ", ".join(sorted(self.suffixes())) or "none"
            if suffix in (".bib", ".bibtex"):
                raise UnrecognisedFile(path, "a BibTeX library, not a draft: give it with --bib "
                                             f"{path.name} to check drafts against it, or audit it on its "
                                             f"own with `citeaudit bib {path.name}`")
            raise UnrecognisedFile(path, f"no reader recognises this file (readers take: {known})")
        for document in documents:
            if len(document.references) > MAX_REFERENCES:
                # Checked here, once for every reader: several checks compare references pairwise.
                raise LimitExceeded(path, f"the reference list has {len(document.references)} entries, "
                                          f"over the limit of {MAX_REFERENCES}")
        return documents

    def reader_of(self, path: Path) -> str:
        """The name of the plugin that reads `path` (for error messages)."""
        suffix = path.suffix.lower()
        return next((c.plugin for c in self.components("reader") if suffix in c.value.suffixes), "reader")

    def option_group(self) -> OptionGroup:
        """The options plugins declared, each typed, with the plugin that declared it."""
        group = OptionGroup()
        for impl in self.pm.hook.citeaudit_add_options.get_hookimpls():
            group.plugin = self.pm.get_name(impl.plugin) or repr(impl.plugin)
            try:
                impl.function(group=group) if "group" in impl.argnames else impl.function()
            except UsageError as exc:
                raise PluginError(group.plugin, str(exc)) from exc
            except Exception as exc:
                raise PluginError(group.plugin, f"failed while declaring options: {exc}") from exc
        return group

    def plugin_options(self) -> dict[str, Option]:
        return self.option_group().declared

    # -- rules ----------------------------------------------------------------

    def rules(self) -> dict[str, Rule]:
        """Every rule the registered checks declare, by code, in code order.

        One code declared differently by two checks, or named by a check and
        declared by none, is a PluginError naming the plugin.
        """
        if self._rules is not None:
            return self._rules
        found: dict[str, tuple[Rule, str]] = {}
        for component in self.components("check"):
            for rule in component.value.declared:
                if rule.code in found and found[rule.code][0] != rule:
                    raise PluginError(component.plugin, f"rule {rule.code} is already declared "
                                                        f"differently by {found[rule.code][1]!r}")
                found.setdefault(rule.code, (rule, component.plugin))
        for component in self.components("check"):
            for code in component.value.codes:
                if code not in found:
                    raise PluginError(component.plugin, f"check {component.name!r} names rule {code!r}, "
                                                        "which no check declares")
        self._rules = catalogue(rule for rule, _plugin in found.values())
        return self._rules


def _load_module(name: str, module: str) -> Any:
    try:
        return importlib.import_module(module)
    except Exception as exc:
        raise PluginError(name, f"cannot be imported from {module}: {exc}") from exc


def get_plugin_manager(*, disabled: Iterable[str] = (), extra: Iterable[Any] = (),
                       entry_points: bool = True) -> Host:
    """Set up the plugin manager: built-ins, entry points, then `extra` objects.

    `disabled` names plugins (entry-point names) not to load; a name that no
    plugin has is a UsageError so a typo does not silently run everything.
    """
    disabled = set(disabled)
    extra = tuple(extra)
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    origins: dict[str, str] = {}
    seen: set[str] = set()
    if entry_points:
        for ep in _entry_points():
            if ep.name in seen:
                continue
            seen.add(ep.name)
            if ep.name in disabled:
                continue
            dist = ep.dist.name if ep.dist else "unknown distribution"
            builtin = DEFAULT_PLUGINS.get(ep.name) == ep.value
            pm.register(_load_module(ep.name, ep.value) if builtin else _load_entry_point(ep), name=ep.name)
            origins[ep.name] = "built-in" if builtin else f"entry point of {dist}"
    for name, module in DEFAULT_PLUGINS.items():
        if name not in seen and name not in disabled:
            pm.register(_load_module(name, module), name=name)
            origins[name] = "built-in"
        seen.add(name)
    for plugin in extra:
        name = getattr(plugin, "__name__", None) or type(plugin).__name__
        pm.register(plugin, name=name)
        origins[name] = "registered"
        seen.add(name)
    unknown = disabled - seen
    if unknown:
        raise UsageError(f"--disable-plugin: no plugin named {', '.join(sorted(unknown))} "
                         f"(loaded: {', '.join(sorted(seen))})")
    if os.environ.get("CITEAUDIT_TRACE_HOOKS"):
        pm.trace.root.setwriter(sys.stderr.write)
        pm.enable_tracing()
    return Host(pm=pm, origins=origins, extra=extra, disabled=tuple(sorted(disabled)),
                entry_points=entry_points)


def _entry_points() -> Any:
    """The `citeaudit` entry points; read without importlib.metadata when only the built-ins
    are declared (citeaudit.entrypoints)."""
    from citeaudit.entrypoints import builtin_only

    found = builtin_only(ENTRY_POINT_GROUP, DEFAULT_PLUGINS)
    if found is not None:
        return found
    from importlib import metadata

    return metadata.entry_points(group=ENTRY_POINT_GROUP)


def _load_entry_point(ep: EntryPoint) -> Any:
    try:
        return ep.load()
    except Exception as exc:
        raise PluginError(ep.name, f"cannot be loaded from {ep.value}: {exc}") from exc
