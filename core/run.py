"""One run, built in order: options -> plugin host -> library -> checks.

The configuration file is read first (it may disable plugins), then the
plugins are loaded, then the options are finished and checked against what
the plugins declared (their options, their rules). `check`, `bib` and
`cache` all start from `RunContext.build`; `--jobs` workers are handed the
context's recipe so they load the very same plugin set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citeaudit.config import build_options, disabled_plugins, load_config
from citeaudit.manager import Host, get_plugin_manager
from citeaudit.options import Options
from citeaudit.report import RunReport, StreamedRun


@dataclass(frozen=True)
class RunContext:
    """The options and the plugin host of one invocation."""

    options: Options
    host: Host

    @classmethod
    def build(cls, cli: Mapping[str, Any], *, extra: Iterable[Any] = (),
              entry_points: bool = True) -> RunContext:
        """Read the configuration, load the plugins it leaves enabled, finish the options.

        `cli` maps `Options` field names to command-line values (None: not given).
        """
        config = load_config(cli.get("config_path"))
        host = get_plugin_manager(disabled=disabled_plugins(cli, config), extra=extra,
                                  entry_points=entry_points)
        options = build_options(cli, plugin_options=host.plugin_options(), rules=host.rules(),
                                config=config)
        return cls(options=options, host=host)

    def check(self, paths: Sequence[Path]) -> StreamedRun:
        """`citeaudit check`: every draft named or found below the folders, `--jobs` at a time,
        each checked when the report asks for it (`materialise()` holds them all)."""
        from citeaudit.pipeline import ParallelCheck, stream_paths

        parallel: ParallelCheck | None = None
        if self.options.executor == "dask":
            from citeaudit.cluster import check_on_cluster

            parallel = check_on_cluster
        elif self.options.jobs > 1:
            from citeaudit.parallel import check_in_parallel

            parallel = check_in_parallel
        return stream_paths(paths, self.options, self.host, parallel=parallel)

    def audit(self, paths: Sequence[Path]) -> RunReport:
        """`citeaudit bib`: BibTeX libraries on their own."""
        from citeaudit.pipeline import audit_library

        return audit_library(paths, self.options, self.host)

    def cache(self) -> Any:
        """The registry cache this run reads and fills (`cache-dir`, else the user cache dir)."""
        from citeaudit.bib.cache import open_cache

        return open_cache(self.options.cache_dir)
