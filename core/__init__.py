"""citeaudit: check the numbered claims of a review draft against its sources.

Plugin authors need only `hookimpl` from here and the types in
`citeaudit.model`, `citeaudit.readers`, `citeaudit.checks` and `citeaudit.report`.
"""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("citeaudit")
"""Mark a plugin function as the implementation of a citeaudit hook."""

__all__ = ["__version__", "hookimpl"]
