"""Registries asked after another one answered, and registries read only from the cache.

This module plans; `citeaudit.bib.metadata` asks. Some questions only
make sense once another registry has answered: the DOI system is asked about a DOI only when Crossref said it does not exist, and
DataCite only about DOIs the DOI system says DataCite registered. Such a
registry names the one it follows (`after`) and says which of its outcomes
call for asking (`wants(outcome)`); the chain runs in order, each step
cache first, batched, like every other registry.

A `local` registry (Retraction Watch, imported with `citeaudit cache
import`) is never asked over the network: its cached rows are the whole
answer, whatever their age, and an identifier without a row is simply not
listed (no Missing, no Unavailable).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from citeaudit.bib.identifiers import is_short_doi
from citeaudit.model import Resolution


def split(registries: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    """(registries asked directly, registries that follow another or are local)."""
    direct = [r for r in registries if not getattr(r, "after", None) and not getattr(r, "local", False)]
    return direct, [r for r in registries if r not in direct]


def ordered(later: list[Any]) -> list[Any]:
    """Followers after the registry they follow (local ones first: they need nothing)."""
    names = {r.name for r in later}
    done: list[Any] = [r for r in later if getattr(r, "local", False)]
    pending = [r for r in later if r not in done]
    while pending:
        ready = [r for r in pending if r.after not in names or r.after in {d.name for d in done}]
        if not ready:  # a cycle: ask the rest in registration order rather than never
            ready = pending[:1]
        done.extend(ready)
        pending = [r for r in pending if r not in ready]
    return done


def identifiers_by_kind(resolutions: Sequence[Resolution]) -> dict[str, list[str]]:
    """The DOIs (lower case), PMIDs and PMCIDs of `resolutions`, each once, in order.

    A shortDOI (10/f6kft3) is valid but no registry's key: asking would report it missing.
    """
    return {
        "doi": list(dict.fromkeys(r.doi.lower() for r in resolutions if r.doi and not is_short_doi(r.doi))),
        "pmid": list(dict.fromkeys(r.pmid for r in resolutions if r.pmid)),
        "pmcid": list(dict.fromkeys(r.pmcid for r in resolutions if r.pmcid)),
    }
