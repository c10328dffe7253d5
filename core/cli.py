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


def _click_option(option: Any) -> Any:
    """The click option of one entry of `citeaudit.options.OPTIONS`.

    Click only collects the text; the option's own type checks it, so a value
    is judged the same way on the command line, in the environment and in
    the configuration file.
    """
    from citeaudit.options import Flag

    flags = option.flags or (f"--{option.name}",)
    help = option.help + (f" [env: {option.env}]" if option.env else "")
    if isinstance(option.kind, Flag):
        if "/" in flags[0]:
            return click.option(*flags, option.field, default=None, help=help)
        return click.option(*flags, option.field, is_flag=True, default=None, help=help)
    return click.option(*flags, option.field, default=None, multiple=option.multiple,
                        metavar=option.metavar or option.kind.metavar, help=help)


def _options_of(command: str) -> Any:
    """Decorate a command with the table's options that it takes."""
    from citeaudit.options import OPTIONS

    def decorate(func: Any) -> Any:
        for option in reversed([o for o in OPTIONS if o.flags is not None and command in o.commands]):
            func = _click_option(option)(func)
        return func

    return decorate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="citeaudit")
@_options_of("group")
@click.option("--traceback", "show_traceback", is_flag=True, help="Show tracebacks of errors.")
@click.pass_context
def cli(ctx: click.Context, show_traceback: bool, **group: Any) -> None:
    """Check the numbered claims of a review draft against its sources."""
    ctx.obj = {"group": group, "traceback": show_traceback}


def _context(ctx: click.Context, params: dict[str, Any]) -> Any:
    """The run context (options, then plugins) of this invocation."""
    from citeaudit.run import RunContext

    return RunContext.build({**ctx.obj["group"], **params})


def _emit(run: Any, options: Any, host: Any) -> int:
    """Render the run with the chosen reporter; the exit code it deserves."""
    from citeaudit.baseline import refuse_run_inputs
    from citeaudit.errors import UsageError
    from citeaudit.output import write_atomic
    from citeaudit.pipeline import run_sources
    from citeaudit.report import StreamedRun, stream_chunks
    from citeaudit.safejson import clean  # a file name that is not UTF-8 holds lone surrogates

    reporters = host.reporters()
    reporter = reporters.get(options.format)
    if reporter is None:
        raise UsageError(f"--format {options.format!r}: unknown format (available: {', '.join(sorted(reporters))})")
    if reporter.binary and options.output is None:
        raise UsageError(f"--format {options.format} writes a binary file: give --output FILE")
    if reporter.stream is not None:
        totals = run.empty_totals()
        pieces = (clean(piece) if isinstance(piece, str) else piece
                  for piece in stream_chunks(reporter.stream(options), _guarded(run.documents, options), totals))
        if options.output is not None:
            write_atomic(options.output, pieces)
        elif reporter.progressive:
            for piece in pieces:
                if piece:
                    click.echo(piece, nl=False, color=options.color)
                    sys.stdout.flush()
        else:
            _print_spooled(pieces, options)
        _after_report(run, totals, options)
        return exit_code_of(totals, options)
    if isinstance(run, StreamedRun):
        run = run.materialise()
    rendered = reporter.render(run)
    if options.output is not None:
        refuse_run_inputs(options, run_sources(run))
        write_atomic(options.output, rendered)
    else:
        text = clean(rendered.decode("utf-8") if isinstance(rendered, bytes) else rendered)
        click.echo(text, nl=not text.endswith("\n"), color=options.color)
    _after_report(run, run.totals(), options)
    return exit_code(run, options)


def _after_report(run: Any, totals: Any, options: Any) -> None:
    """What follows the report: --statistics, the baseline written, registry outages (stderr)."""
    if options.statistics:
        # After a text report, or one written to a file; beside JSON on stdout, on stderr.
        to_stderr = options.output is None and options.format != "text"
        for line in statistics(totals):
            click.echo(line, err=to_stderr)
    if options.write_baseline:
        count = sum(totals.by_rule.values())
        click.echo(f"citeaudit: wrote {count} finding{'s' if count != 1 else ''} to the baseline "
                   f"{options.write_baseline}", err=True)
    for outage in getattr(run, "outages", ()):  # loud even when the report goes to a file
        click.echo(f"citeaudit: {outage.message()}", err=True)


def statistics(totals: Any) -> list[str]:
    """`--statistics`: one line per rule reported, most frequent first (code, name, count)."""
    counts = totals.by_rule
    names = {code: totals.rules[code].name if code in totals.rules else code.lower() for code in counts}
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    width = max((len(name) for name in names.values()), default=0)
    return [f"{code}  {names[code]:<{width}}  {count:>5}" for code, count in ordered]


def _print_spooled(pieces: Any, options: Any) -> None:
    """Print a streamed report once it is complete: nothing at all if the run fails half-way.

    The pieces wait in a spool file, in memory up to a few MB and on disk
    past that, so a large folder's report does not grow the process.
    """
    import tempfile

    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+", encoding="utf-8") as spool:
        for piece in pieces:
            spool.write(piece)
        spool.seek(0)
        while block := spool.read(1 << 20):
            click.echo(block, nl=False, color=options.color)


def _guarded(documents: Any, options: Any) -> Any:
    """The documents, each refused as it comes if the report would overwrite what it was read from."""
    from citeaudit.baseline import refuse_run_inputs
    from citeaudit.pipeline import document_sources

    for report in documents:
        if options.output is not None:
            refuse_run_inputs(options, document_sources(report))
        yield report


def exit_code(run: Any, options: Any) -> int:
    """0 when nothing is at or above --fail-on, else 1: decided here, nowhere else."""
    from citeaudit.report import Totals

    return exit_code_of(Totals.of(run.documents), options)


def exit_code_of(totals: Any, options: Any) -> int:
    """The exit code of a run's totals (a streamed run has no findings left to look at).

    A run that wrote `--write-baseline` has accepted the findings it recorded: 0.
    """
    from citeaudit.model import SEVERITIES

    if options.fail_on == "never" or options.write_baseline:
        return ExitCode.OK
    threshold = SEVERITIES.index(options.fail_on)
    return ExitCode.FINDINGS if any(totals.severities[s] for s in SEVERITIES[:threshold + 1]) else ExitCode.OK


def _report(ctx: click.Context, paths: tuple[Path, ...], params: dict[str, Any], command: str) -> None:
    """Build the run context, check (or audit), render, exit."""
    from citeaudit.baseline import refuse_run_inputs

    context = _context(ctx, params)
    options, host = context.options, context.host
    refuse_run_inputs(options, [p for p in paths if not p.is_dir()])  # before any work; again after
    run = context.check(list(paths)) if command == "check" else context.audit(list(paths))
    ctx.exit(_emit(run, options, host))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_options_of("check")
@click.pass_context
def check(ctx: click.Context, paths: tuple[Path, ...], **params: Any) -> None:
    """Check drafts (a folder: every draft in it)."""
    _report(ctx, paths, params, "check")


@cli.command()
@click.argument("libraries", nargs=-1, required=True, type=click.Path(path_type=Path))
@_options_of("bib")
@click.pass_context
def bib(ctx: click.Context, libraries: tuple[Path, ...], **params: Any) -> None:
    """Audit a BibTeX bibliography on its own."""
    _report(ctx, libraries, params, "bib")


@cli.command()
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@_options_of("fix")
@click.pass_context
def fix(ctx: click.Context, path: Path, **params: Any) -> None:
    """Write a corrected copy of a library or draft (never in place)."""
    from citeaudit.bib.fixrun import run_fix

    context = _context(ctx, params)
    log, _gaps = run_fix(path, context.options, context.host)
    click.echo(log, nl=False)


@cli.command()
@click.option("--format", "format", type=click.Choice(["text", "json", "markdown"]), default="text")
@click.pass_context
def rules(ctx: click.Context, format: str) -> None:
    """List rule codes, names and default severities (of the loaded plugins' checks)."""
    from citeaudit.rules import render_rules

    click.echo(render_rules(_host(ctx).rules(), format), nl=False)


def _host(ctx: click.Context) -> Any:
    """The plugin host for commands that take no report options (`rules`, `plugins`)."""
    from citeaudit.config import disabled_plugins, load_config
    from citeaudit.manager import get_plugin_manager

    group = ctx.obj["group"]
    return get_plugin_manager(disabled=disabled_plugins(group, load_config(None)))


@cli.command()
@click.pass_context
def plugins(ctx: click.Context) -> None:
    """List loaded plugins, where they come from and what they provide."""
    host = _host(ctx)
    provided: dict[str, list[str]] = {}
    for comp in host.components("reader"):
        provided.setdefault(comp.plugin, []).append(f"reader {comp.name} ({' '.join(comp.value.suffixes)})")
    for kind in ("check", "reporter", "registry"):
        for comp in host.components(kind):
            provided.setdefault(comp.plugin, []).append(f"{kind} {comp.name}")
    group = host.option_group()
    for name, option in group.declared.items():
        provided.setdefault(group.owners[name], []).append(f"option {name} ({option.kind.described}, "
                                                           f"default {option.default})")
    for name, plugin in host.pm.list_name_plugin():
        origin = host.origins.get(name, "registered")
        module = getattr(plugin, "__name__", type(plugin).__name__)
        click.echo(f"{name:<12} {origin:<24} {module}")
        for item in provided.get(name, []):
            click.echo(f"{'':<12} {item}")


@cli.group()
def cache() -> None:
    """Inspect, clear or fill the registry cache."""


def _cache(ctx: click.Context, params: dict[str, Any]) -> Any:
    """The registry cache the configuration (or --cache-dir) names, as `check` would use it."""
    return _context(ctx, params).cache()


@cache.command("stats")
@_options_of("cache")
@click.pass_context
def cache_stats(ctx: click.Context, **params: Any) -> None:
    """Rows per registry, size and age."""
    for line in _cache(ctx, params).stats_lines():
        click.echo(line)


@cache.command("clear")
@_options_of("cache")
@click.pass_context
def cache_clear(ctx: click.Context, **params: Any) -> None:
    """Remove every cached response (and the parsed libraries kept beside them)."""
    from citeaudit.bib import libcache

    store = _cache(ctx, params)
    removed = store.clear()
    libcache.clear(store.path.parent)
    click.echo(f"removed {removed} cached responses")


@cache.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@_options_of("cache")
@click.pass_context
def cache_import(ctx: click.Context, files: tuple[Path, ...], **params: Any) -> None:
    """Import PubMed XML (.xml, .xml.gz), Crossref JSON / JSON-lines snapshots and the Retraction Watch CSV."""
    from citeaudit.bib.snapshot import import_files

    counts = import_files(_cache(ctx, params), list(files))
    for source, count in sorted(counts.items()):
        click.echo(f"imported {count} {source} records")


class Interrupted(BaseException):
    """Ctrl-C, raised by our SIGINT handler: not a KeyboardInterrupt, which click
    would answer with a blank line of its own before ours."""


def _interrupt(signum: int, frame: Any) -> None:
    raise Interrupted()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    show_traceback = "--traceback" in args
    import signal
    import threading

    ours = threading.current_thread() is threading.main_thread() \
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    previous = signal.signal(signal.SIGINT, _interrupt) if ours else None
    try:
        return _main(args, show_traceback)
    except Interrupted:  # between _main's handlers: still one line
        click.echo("citeaudit: interrupted", err=True)
        return ExitCode.INTERRUPTED
    finally:
        if ours:
            signal.signal(signal.SIGINT, previous)
        if argv is None:
            # The console script exits next. Shutting the interpreter down would
            # have the garbage collector walk every object of the run once more
            # (a tenth of a warm check); frozen objects are left to the exit.
            import gc

            gc.freeze()


def _main(args: list[str], show_traceback: bool) -> int:
    from citeaudit.errors import CiteauditError

    try:
        code = cli.main(args=args, prog_name="citeaudit", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"citeaudit: error: {exc.format_message()}", err=True)
        return ExitCode.ERROR
    except (Interrupted, click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
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
