"""The one exception tree of citeaudit.

    CiteauditError                 base; the CLI turns any of these into one line and exit 2
    ├── UsageError                 bad options or configuration
    ├── InputError                 a file cannot be read as what it claims to be
    │   ├── LimitExceeded          an input is over a documented limit (size, depth, ratio)
    │   └── UnrecognisedFile       no reader takes the file (skipped when found in a folder)
    ├── RegistryError              a registry could not answer (network, HTTP, malformed body)
    └── PluginError                a plugin raised, or registered something twice

Library code raises these and never prints or exits; problems *in* a
manuscript are findings, not exceptions. `InputError` carries the file and
the place so the message can name both.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path


class CiteauditError(Exception):
    """Base of every error citeaudit raises on purpose."""


class UsageError(CiteauditError):
    """The command line or configuration asks for something impossible."""


class InputError(CiteauditError):
    """An input file cannot be read; names the file and, when known, the place."""

    def __init__(self, path: str | Path | None, message: str, *, line: int | None = None,
                 place: str | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.place = place
        self.reason = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        if self.place:
            where += f" ({self.place})"
        return f"{where}: {self.reason}"

    def __reduce__(self) -> tuple:
        # Pickled when a --jobs worker raises it; the default would call __init__ with the text only.
        return partial(type(self), line=self.line, place=self.place), (self.path, self.reason)


class LimitExceeded(InputError):
    """An input is larger, deeper or more compressed than citeaudit accepts."""


class UnrecognisedFile(InputError):
    """No reader recognises the file: an error when named, passed over when found in a folder."""


class RegistryError(CiteauditError):
    """A registry request failed after retries; `reason` is a short code for CA308."""

    def __init__(self, registry: str, reason: str, detail: str = "") -> None:
        self.registry = registry
        self.reason = reason
        self.detail = detail
        super().__init__(f"{registry}: {reason}" + (f" ({detail})" if detail else ""))

    def __reduce__(self) -> tuple:
        return type(self), (self.registry, self.reason, self.detail)


class PluginError(CiteauditError):
    """A plugin failed; the message names the plugin."""

    def __init__(self, plugin: str, message: str) -> None:
        self.plugin = plugin
        self.detail = message
        super().__init__(f"plugin {plugin!r}: {message}")

    def __reduce__(self) -> tuple:
        return type(self), (self.plugin, self.detail)
