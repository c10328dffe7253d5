"""CA2 checks: the draft's reference list against the author's BibTeX library.

- `library-lint` (CA201, CA202, CA206) reports what loading the library
  found. It reports them for every document checked, not only the first:
  each document's report then stands on its own (and `--jobs` has no
  "first" document); the findings carry the .bib path, so a reader sees
  they are about the library.
- `library-match` (CA203, CA204) needs a library: a reference that matches
  no entry (or several equally), or whose fields disagree with its entry.
- `identifiers` (CA205, CA206) runs with or without a library: a reference
  with no DOI or PMID anywhere, an identifier that is invalid as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace

from citeaudit import hookimpl
from citeaudit.bib.compare import fold, same_journal, same_number, same_pages, same_person
from citeaudit.bib.identifiers import normalize_doi, normalize_pmcid, normalize_pmid
from citeaudit.bib.match import reference_work
from citeaudit.checks import Check, CheckContext
from citeaudit.explain import different, evidence_of
from citeaudit.markers import PERSISTENT_KEYS
from citeaudit.model import Finding, Fix, LibraryEntry, Lookup, Missing, Reference, Resolution, Work
from citeaudit.rules import Rule

_LABELS = {"doi": "DOI", "pmid": "PMID", "pmcid": "PMCID"}
_NORMALISE = {"doi": normalize_doi, "pmid": normalize_pmid, "pmcid": normalize_pmcid}
_DASHES = re.compile(r"\s*[-\u2010-\u2015\u2212]+\s*")


def lint_library(context: CheckContext) -> Iterator[Finding]:
    """CA201, CA202, CA206 found while loading the library."""
    if context.library is not None:
        yield from context.library.problems


def match_library(context: CheckContext) -> Iterator[Finding]:
    """CA203 for references with no (or no single) entry, CA204 for disagreeing fields."""
    if context.library is None or context.document.format == "bibtex":
        return
    if not context.library.entries:
        # Once, not once per reference: the library is the problem.
        names = ", ".join(p.name for p in context.library.paths) or "the library"
        yield Finding(rule="CA203", message=f"{names} {'has' if len(context.library.paths) < 2 else 'have'} "
                                            "no entries: no reference can be matched to the library",
                      path=str(context.library.paths[0]) if context.library.paths else None,
                      evidence={"empty_library": True})
        return
    taken = {e.key for e in context.library.entries}
    for ref in context.document.references:
        resolution = context.resolutions.get(ref.number if ref.number is not None else ref.id)
        if resolution is None:
            continue
        if resolution.entry is None:
            if not _unknown_key(ref, context.document.format):  # a pandoc key the library lacks is CA101
                fix = None if resolution.candidates else _entry_fix(ref, resolution, context, taken)
                yield _not_in_library(ref, resolution, fix)
            continue
        differences = compare(reference_work(ref), resolution.entry.work)
        if differences:
            yield _mismatch(ref, resolution.entry, differences)


def check_identifiers(context: CheckContext) -> Iterator[Finding]:
    """CA205 and CA206 on the reference list (or, for `citeaudit bib`, the entries)."""
    bibtex = context.document.format == "bibtex"
    for ref in context.document.references:
        resolution = context.resolutions.get(ref.number if ref.number is not None else ref.id)
        doi = resolution.doi if resolution else ref.doi
        pmid = resolution.pmid if resolution else ref.pmid
        where = f"entry {ref.id!r}" if bibtex else f"reference {ref.number if ref.number is not None else ref.id}"
        key = resolution.entry.key if resolution and resolution.entry else (ref.id if bibtex else None)
        lookup = context.records.lookups.get(ref.number if ref.number is not None else ref.id) \
            if context.records is not None else None
        found = lookup is not None and lookup.status == "found"
        if (not doi and not pmid) or found:
            also = f" (nor has library entry {key!r})" if key and not bibtex else ""
            yield Finding(rule="CA205", message=f"{where} has no DOI or PMID{also}, so it cannot be "
                                                "verified against a registry",
                          span=ref.span, reference=ref.number, key=key, path=_bib_path(resolution, bibtex),
                          fix=_found_fix(lookup) if found else None)
        for kind, value in ref.raw_identifiers:
            normalise = _NORMALISE.get(kind)
            if normalise is not None and normalise(value) is None:
                yield Finding(rule="CA206", message=f"{where}: invalid {_LABELS[kind]} {value!r}",
                              fix=_found_fix(lookup) if found and getattr(lookup, kind, None) else None,
                              span=ref.span, reference=ref.number, key=key,
                              path=_bib_path(resolution, bibtex), evidence={"kind": kind, "value": value})


def _unknown_key(ref: Reference, format: str) -> bool:
    """A Markdown reference that is a plain pandoc key (not a manubot identifier key)."""
    return (format == "markdown" and ref.key is not None and ref.id == ref.key
            and not ref.key.lower().startswith(PERSISTENT_KEYS))


def _found_fix(lookup: Lookup) -> Fix:
    """The identifier a registry search found, as CA205's fix."""
    if lookup.doi:
        return Fix(field="doi", old=None, new=lookup.doi, source=lookup.source)
    return Fix(field="pmid", old=None, new=lookup.pmid, source=lookup.source)


def _bib_path(resolution: Resolution | None, bibtex: bool) -> str | None:
    """For `citeaudit bib`, the .bib file an entry is in (a library may span files)."""
    return resolution.entry.span.part if bibtex and resolution and resolution.entry else None


def compare(ref: Work, entry: Work) -> dict[str, dict[str, str]]:
    """Fields both sides give that disagree: name -> {"reference", "library"}."""
    out: dict[str, dict[str, str]] = {}

    def differ(name: str, a: object, b: object) -> None:
        out[name] = {"reference": str(a), "library": str(b)}

    if ref.year is not None and entry.year is not None and ref.year != entry.year:
        differ("year", ref.year, entry.year)
    if ref.volume and entry.volume and not same_number(ref.volume, entry.volume):
        differ("volume", ref.volume, entry.volume)
    if ref.issue and entry.issue and not same_number(ref.issue, entry.issue):
        differ("issue", ref.issue, entry.issue)
    if ref.pages and entry.pages and not same_pages(ref.pages, entry.pages):
        differ("pages", ref.pages, entry.pages)
    a, b = ref.first_author, entry.first_author
    if a and b and not same_person(a.family, b.family):
        differ("first author", a.family, b.family)
    elif _other_authors_differ(ref, entry):
        differ("authors", _families(ref, len(ref.authors)), _families(entry, len(ref.authors)))
    if ref.journal and (entry.journal or entry.journal_abbrev):
        if not same_journal(ref.journal, entry.journal, entry.journal_abbrev):
            differ("journal", ref.journal, entry.journal or entry.journal_abbrev)
    return out


def _other_authors_differ(ref: Work, entry: Work) -> bool:
    """Whether an author after the first is spelt differently ("et al." ends the comparison)."""
    for mine, theirs in zip(ref.authors[1:], entry.authors[1:], strict=False):
        if fold(mine.family).startswith("et al"):
            break
        if not same_person(mine.family, theirs.family):
            return True
    return False


def _families(work: Work, count: int) -> str:
    return ", ".join(p.family for p in work.authors[:count])


def _entry_fix(ref: Reference, resolution: Resolution, context: CheckContext, taken: set[str]) -> Fix | None:
    """CA203's fix: the library entry to add, made from the registry records of the reference's
    DOI or PMID when they describe it, else from the reference (citeaudit.bib.bibentry)."""
    from citeaudit.bib.bibentry import suggested_entry

    records, cited = context.records, reference_work(ref)
    found = []
    if records is not None:
        ident = ref.number if ref.number is not None else ref.id
        lookup = records.lookups.get(ident)
        if lookup is not None and lookup.status == "none":
            return None  # CA310: no registry knows it; the library should not get it either
        linked = records.pmid_for_doi.get((resolution.doi or "").lower())
        pmid = resolution.pmid or linked
        if isinstance(records.get("pubmed", pmid), Missing):  # CA302: never copy a PMID PubMed lacks
            replaced = records.replaced_pmids.get(ident)
            pmid = (linked if linked != pmid else None) or (replaced.pmid if replaced else None)
            cited = replace(cited, pmid=pmid)
        found = [r for r in (records.record("crossref", resolution.doi), records.record("pubmed", pmid)) if r]
    made = suggested_entry(cited, found, taken)
    if made is None:
        return None
    text, source = made
    taken.add(text[text.index("{") + 1:text.index(",")])  # two references by one author and year get two keys
    paths = context.library.paths
    return Fix(field="entry", old=None, new=text, source=source, target=str(paths[0]) if paths else None)


def _not_in_library(ref: Reference, resolution: Resolution, fix: Fix | None = None) -> Finding:
    label = ref.number if ref.number is not None else ref.id
    if resolution.candidates:
        names = ", ".join(repr(k) for k in resolution.candidates)
        return Finding(rule="CA203", message=f"reference {label} is ambiguous: it matches library entries "
                                             f"{names} equally well; add its DOI or cite it by key",
                       span=ref.span, reference=ref.number,
                       evidence={"ambiguous": True, "candidates": list(resolution.candidates),
                                 "score": resolution.score})
    return Finding(rule="CA203", message=f"reference {label} matches no entry of the library",
                   span=ref.span, reference=ref.number, evidence={"ambiguous": False}, fix=fix)


def _library_fix(differences: dict[str, dict[str, str]]) -> Fix:
    """The library's value of the first differing field; for author lists, the first name that differs."""
    name, first = next(iter(differences.items()))
    old, new = first["reference"], first["library"]
    if name == "authors":
        pairs = zip(old.split(", "), new.split(", "), strict=False)
        old, new = next(((a, b) for a, b in pairs if a != b), (old, new))
        name = "author"
    return Fix(field=name.replace(" ", "_"), old=old, new=new, source="library")


def _mismatch(ref: Reference, entry: LibraryEntry, differences: dict[str, dict[str, str]]) -> Finding:
    label = ref.number if ref.number is not None else ref.id
    detail = "; ".join(f"{name} {d['reference']!r} vs {d['library']!r}" for name, d in differences.items())
    fix = _library_fix(differences)
    return Finding(rule="CA204", message=f"reference {label} and library entry {entry.key!r} disagree: {detail}",
                   span=ref.span, reference=ref.number, key=entry.key, fix=fix,
                   evidence={"fields": differences, "entry_line": entry.span.line, "bib": entry.span.part})


# -- the rules these checks emit ----------------------------------------

CA201 = Rule(
    "CA201", "bib-syntax", "error",
    "the .bib file does not parse; the finding gives file and line",
    help="Fix the BibTeX syntax at the line given; the entries after it may not have loaded.")

CA202 = Rule(
    "CA202", "bib-duplicate", "warning",
    "two library entries share a key, a DOI or a PMID",
    help="Merge the duplicate library entries so that one key stands for one work.")

CA203 = Rule(
    "CA203", "reference-not-in-library", "warning",
    "a reference-list entry matches no library entry",
    help="Add the work to the BibTeX library, or check that the reference names the intended work.")

def _explain_mismatch(finding: Finding, labels: object) -> str | None:
    fields = evidence_of(finding).get("fields")
    if not isinstance(fields, Mapping):
        return None
    key = f" ({finding.key})" if finding.key else ""
    return f"The reference and its library entry{key} give {different(list(fields))}."


CA204 = Rule(
    "CA204", "reference-library-mismatch", "warning",
    "matched, but year, volume, issue, pages, first author or journal disagree",
    help="Correct the reference or the library entry so that both describe the same publication.",
    explain=_explain_mismatch)

CA205 = Rule(
    "CA205", "missing-identifier", "info",
    "neither the reference nor its library entry carries a DOI or PMID",
    help="Add the DOI or PMID so the reference can be verified against the registries.")

CA206 = Rule(
    "CA206", "invalid-identifier", "error",
    "a DOI, PMID or PMCID is syntactically invalid (the finding shows the value)",
    help="Correct the identifier: a DOI starts with 10., a PMID is digits, a PMCID is PMC and digits.")


@hookimpl(trylast=True)
def citeaudit_register_checks(register) -> None:
    register(Check(name="library-lint", rules=(CA201, CA202, CA206), run=lint_library,
                   needs=frozenset({"library"}),
                   description="problems in the BibTeX library: syntax, duplicates, invalid identifiers"))
    register(Check(name="library-match", rules=(CA203, CA204), run=match_library,
                   needs=frozenset({"library"}),
                   description="each reference has one library entry, and their fields agree"))
    # `library` here only lets `citeaudit bib` pick the check; it runs, on the
    # reference list alone, when no library is given.
    register(Check(name="identifiers", rules=(CA205, CA206), run=check_identifiers,
                   needs=frozenset({"library"}),
                   description="each reference has a valid DOI or PMID"))
