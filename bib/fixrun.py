"""The `citeaudit fix` command: plan the changes, say them, write the corrected copy.

The input is never written: the copy goes to `--output` (default
`NAME.fixed.EXT` beside the input), replaced atomically when it exists,
and `--dry-run` writes nothing at all. The change log is one line per
change, or with `--format json` the "citeaudit-fixes/1" object:

    {"schema": "citeaudit-fixes/1", "input": "...", "output": "..." | null,
     "changes": [{"key", "field", "old", "new", "source", "evidence"}],
     "not_found": [keys], "not_looked_up": [{"key", "reason"}], "requests": N}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from citeaudit.errors import UsageError

SCHEMA = "citeaudit-fixes/1"
TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".text")
"""Drafts whose reference lists `fix` can complete (plain text in place)."""


def default_output(path: Path) -> Path:
    """`library.fixed.bib` beside `library.bib`."""
    return path.with_name(f"{path.stem}.fixed{path.suffix}")


def run_fix(path: Path, options: Any, host: Any) -> tuple[str, bool]:
    """The change log to print, and whether anything was left unlooked-up (offline gaps)."""
    from citeaudit.bib.fix import FIELDS, edits, plan_fixes
    from citeaudit.output import refuse_inputs, write_atomic

    if options.format not in ("text", "json"):
        raise UsageError(f"--format {options.format!r}: fix writes text or json")
    fields = tuple(f.lower() for f in options.fix_fields) or FIELDS
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise UsageError(f"--select {','.join(unknown)}: fix changes only {', '.join(FIELDS)}")
    output = options.output or default_output(path)
    if not options.dry_run:
        refuse_inputs([("--output", output)], [("the input", path)])
    suffix = path.suffix.lower()
    if suffix in (".bib", ".bibtex"):
        from citeaudit.bib.bibedit import apply
        from citeaudit.bib.bibtex import load_library, read_text

        library = load_library([path])
        plan = plan_fixes(library, options, host.registries(), fields=fields,
                          journal_style=options.journal_style)
        text = read_text(path)
        fixed = apply(text, edits(plan.changes, library))
    elif suffix in TEXT_SUFFIXES:
        from citeaudit.bib.fixdraft import fix_draft

        text, fixed, plan = fix_draft(path, options, host, fields)
    else:
        raise UsageError(f"{path}: fix is not supported for {suffix or 'this'} files "
                         f"(it corrects .bib libraries and Markdown or plain-text drafts)")
    written = None
    if not options.dry_run and plan.changes:
        write_atomic(output, fixed.encode("utf-8"))
        written = output
    return _log(path, written, plan, options), bool(plan.not_looked_up)


def _log(path: Path, written: Path | None, plan: Any, options: Any) -> str:
    if options.format == "json":
        return json.dumps({
            "schema": SCHEMA, "input": str(path), "output": str(written) if written else None,
            "changes": [c.as_json() for c in plan.changes], "not_found": plan.not_found,
            "not_looked_up": [{"key": k, "reason": r} for k, r in plan.not_looked_up],
            "requests": plan.requests,
        }, indent=2, ensure_ascii=False) + "\n"
    lines = [c.line() for c in plan.changes]
    if plan.not_found:
        lines.append(f"no registry knows a work like {len(plan.not_found)} entr"
                     f"{'y' if len(plan.not_found) == 1 else 'ies'} (left as they are): "
                     + ", ".join(plan.not_found))
    if plan.not_looked_up:
        lines.append(f"could not look up {len(plan.not_looked_up)}: "
                     + ", ".join(f"{k} ({r})" for k, r in plan.not_looked_up))
    count = len(plan.changes)
    if options.dry_run:
        lines.append(f"{count} change{'' if count == 1 else 's'} (dry run: nothing written)")
    elif written:
        lines.append(f"{count} change{'' if count == 1 else 's'} written to {written}")
    else:
        lines.append("no changes; nothing written")
    return "\n".join(lines) + "\n"
