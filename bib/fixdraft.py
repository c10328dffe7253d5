"""`citeaudit fix draft.md`: add the DOI and PMID a registry finds to reference-list entries without one.

Only entries with neither identifier are looked up, as in the library:
Crossref's bibliographic search (citeaudit.bib.search), the DOI's PMID by
the batched esearch, and NCBI ECitMatch for the entries still without a
PMID, all in one request (citeaudit.bib.ecitmatch.verified_matches); a
candidate counts only when title, first author and year agree. The
identifier is appended to the entry's last line (` doi:10.… PMID: …`), so
every other byte of the draft stays as written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from citeaudit.bib.fix import Change, FixPlan


def fix_draft(path: Path, options: Any, host: Any, fields: tuple[str, ...]) -> tuple[str, str, FixPlan]:
    """(original text, fixed text, plan) of a Markdown or plain-text draft."""
    from citeaudit.bib.ecitmatch import verified_matches
    from citeaudit.bib.match import reference_work
    from citeaudit.bib.metadata import _open, fetch_records, make_client
    from citeaudit.bib.search import search_works
    from citeaudit.model import Resolution

    document = host.read_document(path, options)
    text = path.read_text(encoding="utf-8")
    plan = FixPlan()
    lacking = {ref.id: ref for ref in document.references if not ref.doi and not ref.pmid and ref.span.line}
    if not lacking or not {"doi", "pmid"} & set(fields):
        return text, text, plan
    registries = host.registries()
    crossref = next((r for r in registries if r.name == "crossref"), None)
    works = {k: reference_work(r) for k, r in lacking.items()}
    client = None if options.offline else make_client(options, registries)
    cache = _open(options)
    try:
        found = search_works(works, options=options, cache=cache, client=client, crossref=crossref)
        dois = {k: f.doi for k, f in found.items() if f.status == "found" and f.doi}
        records = fetch_records([Resolution(None, None, doi=d) for d in dois.values()], options=options,
                                registries=registries) if dois and "pmid" in fields else None
        pmids = {k: p for k, d in dois.items() if records is not None and (p := records.pmid_for_doi.get(d))}
        # What Crossref could not find, or found without a PubMed link: ECitMatch, all in one request.
        matched, more = verified_matches({k: w for k, w in works.items() if k not in pmids}, options=options,
                                         registries=registries, cache=cache, client=client)
    finally:
        cache.close()
        if client is not None:
            plan.requests += client.requests
            client.close()
    plan.requests += sum(r.requests for r in (records, more) if r is not None)
    plan.not_found = [_label(lacking[k]) for k, f in found.items() if f.status == "none" and k not in matched]
    plan.not_looked_up = [(_label(lacking[k]), f.reason) for k, f in found.items() if f.status == "unavailable"]
    additions: dict[int, str] = {}
    lines = text.splitlines(keepends=True)
    starts = sorted(r.span.line for r in document.references if r.span.line)
    for key, ref in lacking.items():
        record = matched[key][0] if key in matched else None
        doi, doi_source = (dois[key], "crossref-search") if key in dois else \
            ((record.work.doi, "pubmed") if record is not None and record.work.doi else (None, ""))
        pmid, pmid_source = (pmids[key], "pubmed-esearch") if key in pmids else \
            ((record.identifier, "ecitmatch") if record is not None else (None, ""))
        added = []
        if doi and "doi" in fields:
            evidence = {"title_similarity": found[key].similarity} if key in dois else {"pmid": pmid}
            plan.changes.append(Change(_label(ref), "doi", None, doi, doi_source, evidence))
            added.append(f"doi:{doi}")
        if pmid and "pmid" in fields:
            evidence = {"doi": doi} if key in pmids else {"title_similarity": matched[key][1]}
            plan.changes.append(Change(_label(ref), "pmid", None, pmid, pmid_source, evidence))
            added.append(f"PMID: {pmid}")
        if added:
            additions[_last_line(lines, ref.span.line, starts)] = " ".join(added)
    for index, addition in additions.items():
        line = lines[index]
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        lines[index] = f"{body.rstrip()} {addition}{ending}"
    return text, "".join(lines), plan


def _label(ref: Any) -> str:
    return f"reference {ref.number}" if ref.number is not None else f"reference {ref.id}"


def _last_line(lines: list[str], first: int, starts: list[int]) -> int:
    """0-based index of the last line of the entry starting at 1-based line `first`."""
    following = [s for s in starts if s > first]
    stop = (following[0] - 1) if following else len(lines)
    index = first - 1
    while index + 1 < stop and lines[index + 1].strip():
        index += 1
    return index
