"""The command line: the one place that turns errors into messages and exit codes.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it;
2 usage error or unreadable input (one line on stderr naming the file and
the place; a traceback only with --traceback).
"""

from __future__ import annotations

import enum
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from citeaudit import __version__


class ExitCode(enum.IntEnum):
    OK = 0
    FINDINGS = 1
    ERROR = 2
    INTERRUPTED = 130


def _report_options(func: Any) -> Any:
    """Options shared by `check` and `bib`."""
    options = [
        click.option("--bib", "bib", multiple=True, type=click.Path(path_type=Path),
                     help="BibTeX library (repeatable)."),
        click.option("--format", "format", default=None, metavar="NAME",
                     help="text (default), json, sarif, junit, github, html, docx."),
        click.option("--output", "-o", "output", type=click.Path(path_type=Path), default=None,
                     help="Write the report there (atomically) instead of stdout."),
        click.option("--offline", is_flag=True, default=None,
                     help="No network: registry data only from the cache (missing: CA308)."),
        click.option("--refresh", is_flag=True, default=None,
                     help="Fetch registry data again even when cached."),
        click.option("--fail-on", "fail_on", default=None,
                     type=click.Choice(["error", "warning", "info", "never"], case_sensitive=False),
                     help="Lowest severity that makes the exit code 1 (default: error)."),
        click.option("--select", default=None, help="Comma-separated codes or prefixes to report."),
        click.option("--ignore", default=None, help="Comma-separated codes or prefixes to ignore."),
        click.option("--config", "config_path", type=click.Path(path_type=Path, exists=True, dir_okay=False),
                     default=None, help="Configuration file (default: citeaudit.toml or "
                                        "[tool.citeaudit] in pyproject.toml, searched upward)."),
        click.option("--baseline", type=click.Path(path_type=Path), default=None,
                     help="Report only findings not in this baseline."),
        click.option("--write-baseline", "write_baseline", type=click.Path(path_type=Path), default=None,
                     help="Write this run's findings as a baseline."),
        click.option("--jobs", "-j", type=int, default=None, help="Documents checked in parallel."),
        click.option("--cache-dir", "cache_dir", type=click.Path(path_type=Path), default=None,
                     help="Registry cache folder (default: the user cache dir)."),
        click.option("--mailto", default=None, help="Contact address for the registries' polite pools."),
        click.option("--timeout", type=float, default=None,
                     help="Overall time budget for registry requests, in seconds (default 60)."),
        click.option("--quiet", "-q", is_flag=True, default=None,
                     help="Only the findings and the summary line; no progress bar."),
        click.option("--statistics", is_flag=True, default=None,
                     help="After the report, the number of findings per rule (code, name, count)."),
        click.option("--color/--no-color", "color", default=None, help="Colour in text output."),
        click.option("--plugin-option", "plugin_option", multiple=True, metavar="NAME=VALUE",
                     help="Set an option a plugin declared (repeatable)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="citeaudit")
@click.option("--disable-plugin", "disable_plugin", multiple=True, metavar="NAME",
              help="Do not load this plugin (repeatable).")
@click.option("--traceback", "show_traceback", is_flag=True, help="Show tracebacks of errors.")
@click.pass_context
def cli(ctx: click.Context, disable_plugin: tuple[str, ...], show_traceback: bool) -> None:
    """Check the numbered claims of a review draft against its sources."""
    ctx.obj = {"disable_plugin": disable_plugin, "traceback": show_traceback}


def _host(ctx: click.Context) -> Any:
    from citeaudit.manager import get_plugin_manager

    return get_plugin_manager(disabled=ctx.obj["disable_plugin"])


def _options(ctx: click.Context, host: Any, params: dict[str, Any]) -> Any:
    from citeaudit.config import build_options

    values = dict(params)
    values["disable_plugin"] = ctx.obj["disable_plugin"]
    values["bib"] = tuple(values.get("bib") or ())
    return build_options(values, plugin_options=host.option_group().declared)


def _emit(run: Any, options: Any, host: Any) -> int:
    from citeaudit.errors import UsageError
    from citeaudit.output import refuse_run_inputs, write_atomic
    from citeaudit.pipeline import exit_code, run_sources

    reporters = host.reporters()
    reporter = reporters.get(options.format)
    if reporter is None:
        raise UsageError(f"--format {options.format!r}: unknown format (available: {', '.join(sorted(reporters))})")
    if reporter.binary and options.output is None:
        raise UsageError(f"--format {options.format} writes a binary file: give --output FILE")
    rendered = reporter.render(run)
    if options.output is not None:
        refuse_run_inputs(options, run_sources(run))
        write_atomic(options.output, rendered)
    else:
        text = rendered.decode("utf-8") if isinstance(rendered, bytes) else rendered
        click.echo(text, nl=not text.endswith("\n"), color=options.color)
    if options.statistics:
        # After a text report, or one written to a file; beside JSON on stdout, on stderr.
        to_stderr = options.output is None and options.format != "text"
        for line in statistics(run):
            click.echo(line, err=to_stderr)
    if options.write_baseline:
        count = len(run.findings())
        click.echo(f"citeaudit: wrote {count} finding{'s' if count != 1 else ''} to the baseline "
                   f"{options.write_baseline}", err=True)
    for outage in run.outages:  # loud even when the report goes to a file
        click.echo(f"citeaudit: {outage.message()}", err=True)
    return exit_code(run, options)


def statistics(run: Any) -> list[str]:
    """`--statistics`: one line per rule reported, most frequent first (code, name, count)."""
    from collections import Counter

    from citeaudit.rules import RULES

    counts = Counter(f.rule for _, f in run.findings())
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    width = max((len(RULES[code].name) for code in counts if code in RULES), default=0)
    return [f"{code}  {RULES[code].name if code in RULES else '':<{width}}  {count:>5}"
            for code, count in ordered]


def _report(ctx: click.Context, paths: tuple[Path, ...], params: dict[str, Any], run: Any) -> None:
    """Set up plugins and options, run `check_paths` or `audit_library`, render, exit."""
    host = _host(ctx)
    options = _options(ctx, host, params)
    from citeaudit.output import refuse_run_inputs

    refuse_run_inputs(options, [p for p in paths if not p.is_dir()])  # before any work; again after
    ctx.exit(_emit(run(list(paths), options, host), options, host))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_report_options
@click.pass_context
def check(ctx: click.Context, paths: tuple[Path, ...], **params: Any) -> None:
    """Check drafts (a folder: every draft in it)."""
    from citeaudit.pipeline import check_paths

    _report(ctx, paths, params, check_paths)


@cli.command()
@click.argument("libraries", nargs=-1, required=True, type=click.Path(path_type=Path))
@_report_options
@click.pass_context
def bib(ctx: click.Context, libraries: tuple[Path, ...], **params: Any) -> None:
    """Audit a BibTeX bibliography on its own."""
    from citeaudit.pipeline import audit_library

    _report(ctx, libraries, params, audit_library)


@cli.command()
@click.option("--format", "format", type=click.Choice(["text", "json"]), default="text")
def rules(format: str) -> None:
    """List rule codes, names and default severities."""
    from citeaudit.rules import FAMILIES, RULES

    if format == "json":
        import json

        click.echo(json.dumps([{"code": r.code, "name": r.name, "severity": r.severity,
                                "summary": r.summary} for r in RULES.values()], indent=2))
        return
    family = None
    for rule in RULES.values():
        if rule.family != family:
            family = rule.family
            click.echo(f"\n{family}xx: {FAMILIES[family]}" if rule.code != "CA101" else
                       f"{family}xx: {FAMILIES[family]}")
        click.echo(f"  {rule.code}  {rule.name:<28} {rule.severity:<8} {rule.summary}")


@cli.command()
@click.pass_context
def plugins(ctx: click.Context) -> None:
    """List loaded plugins, where they come from and what they provide."""
    host = _host(ctx)
    provided: dict[str, list[str]] = {}
    for kind in ("check", "reporter", "registry"):
        for comp in host.components(kind):
            provided.setdefault(comp.plugin, []).append(f"{kind} {comp.name}")
    for impl in host.pm.hook.citeaudit_document_suffixes.get_hookimpls():
        name = host.pm.get_name(impl.plugin)
        provided.setdefault(name, []).insert(0, "reader " + " ".join(impl.function()))
    for name, plugin in host.pm.list_name_plugin():
        origin = host.origins.get(name, "registered")
        module = getattr(plugin, "__name__", type(plugin).__name__)
        click.echo(f"{name:<12} {origin:<24} {module}")
        for item in provided.get(name, []):
            click.echo(f"{'':<12} {item}")


@cli.group()
def cache() -> None:
    """Inspect, clear or fill the registry cache."""


def _cache(cache_dir: Path | None) -> Any:
    from citeaudit.bib.cache import open_cache

    return open_cache(cache_dir)


_cache_dir_option = click.option("--cache-dir", "cache_dir", type=click.Path(path_type=Path), default=None,
                                 envvar="CITEAUDIT_CACHE_DIR", help="Registry cache folder.")


@cache.command("stats")
@_cache_dir_option
def cache_stats(cache_dir: Path | None) -> None:
    """Rows per registry, size and age."""
    for line in _cache(cache_dir).stats_lines():
        click.echo(line)


@cache.command("clear")
@_cache_dir_option
def cache_clear(cache_dir: Path | None) -> None:
    """Remove every cached response."""
    removed = _cache(cache_dir).clear()
    click.echo(f"removed {removed} cached responses")


@cache.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@_cache_dir_option
def cache_import(files: tuple[Path, ...], cache_dir: Path | None) -> None:
    """Import PubMed XML (.xml, .xml.gz) and Crossref JSON / JSON-lines snapshots."""
    from citeaudit.bib.snapshot import import_files

    counts = import_files(_cache(cache_dir), list(files))
    for source, count in sorted(counts.items()):
        click.echo(f"imported {count} {source} records")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    from citeaudit.errors import CiteauditError

    args = list(sys.argv[1:] if argv is None else argv)
    show_traceback = "--traceback" in args
    try:
        code = cli.main(args=args, prog_name="citeaudit", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"citeaudit: error: {exc.format_message()}", err=True)
        return ExitCode.ERROR
    except click.exceptions.Abort:
        return ExitCode.INTERRUPTED
    except KeyboardInterrupt:
        click.echo("citeaudit: interrupted", err=True)
        return ExitCode.INTERRUPTED
    except CiteauditError as exc:
        if show_traceback:
            traceback.print_exc()
        click.echo(f"citeaudit: error: {_one_line(str(exc))}", err=True)
        return ExitCode.ERROR
    except OSError as exc:
        if show_traceback:
            traceback.print_exc()
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"citeaudit: error: {where}{exc.strerror or exc}", err=True)
        return ExitCode.ERROR
    except Exception as exc:  # the last line of defence: never a bare traceback
        if show_traceback:
            traceback.print_exc()
        click.echo(f"citeaudit: internal error: {type(exc).__name__}: {_one_line(str(exc))} "
                   "(run with --traceback and report it)", err=True)
        return ExitCode.ERROR
    return int(code or 0)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
