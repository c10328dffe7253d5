"""DOI, PMID and PMCID: normalise, validate, and find them in free text.

Every part of citeaudit compares identifiers in one normal form (DOI lower
case without resolver prefix, PMID digits, PMCID `PMC` + digits), so that
a reference, a library entry and a registry record agree on what equal
means. Values that look like an identifier but are not valid are kept as
written in `Identifiers.raw`, because CA206 shows the author what they typed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import unquote

from citeaudit import patterns

# Crossref's own advice: "10." + a registrant code of 4-9 digits (with
# optional ".sub" parts), "/", then any printable suffix.
_DOI_VALID = patterns.compile(r"10\.\d{4,9}(?:\.\d+)*/\S+|10/[a-z0-9]{2,12}")
"""A DOI, or a shortDOI (`10/f6kft3`, the DOI Foundation's short form, which
resolves through doi.org like any DOI but is unknown to Crossref's API)."""
_SHORT_DOI = patterns.compile(r"10/[a-z0-9]{2,12}")
# A resolver address, also through a library proxy (EZproxy: doi.org.ezp.univ.edu, doi-org.ezp...).
_DOI_PREFIXES = patterns.compile(
    r"^(?:(?:https?://)?(?:(?:dx\.|www\.)?doi[.-]org(?:\.[a-z0-9-]+)*|doi\.acm\.org|hdl\.handle\.net)/|"
    r"(?:doi|DOI)\s*[:=]?\s*|info:doi/|urn:doi:)+",
    re.IGNORECASE,
)
# Punctuation that ends a sentence or a citation, never a DOI.
_DOI_TRAILING = ".,;:'\"<>"
_WHITESPACE = patterns.compile(r"\s+")

_PMID_VALID = patterns.compile(r"[1-9]\d{0,8}")
_PMID_PREFIX = patterns.compile(
    r"^(?:(?:https?://)?(?:www\.)?(?:pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov/pubmed)/|"
    r"pmid\s*[:=]?\s*|pubmed\s*(?:id)?\s*[:=]?\s*)",
    re.IGNORECASE,
)
_PMCID_VALID = patterns.compile(r"PMC\d{1,9}")
_PMCID_PREFIX = patterns.compile(
    r"^(?:(?:https?://)?(?:www\.)?(?:ncbi\.nlm\.nih\.gov/pmc/articles|pmc\.ncbi\.nlm\.nih\.gov/articles|"
    r"europepmc\.org/articles?)/|pmcid\s*[:=]?\s*)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Identifiers:
    """What `find_identifiers` saw in a text."""

    doi: str | None = None
    """First valid DOI, normalised."""
    pmid: str | None = None
    """First valid PMID."""
    pmcid: str | None = None
    """First valid PMCID."""
    raw: tuple[tuple[str, str], ...] = ()
    """Every (kind, value as written) found, valid or not, in text order."""


def _strip_trailing(value: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets after a DOI.

    DOIs such as `10.1016/S0140-6736(18)31234-5` end in a bracketed part, so a
    closing bracket is only dropped when it has no partner inside the DOI.
    """
    while value:
        last = value[-1]
        if last in _DOI_TRAILING:
            value = value[:-1]
        elif last in ")]}" and value.count(last) > value.count({")": "(", "]": "[", "}": "{"}[last]):
            value = value[:-1]
        else:
            break
    return value


def normalize_doi(value: str) -> str | None:
    """The DOI in normal form, or None when `value` is not a valid DOI."""
    if not isinstance(value, str):
        return None
    text = _WHITESPACE.sub("", value.strip())
    text = _DOI_PREFIXES.sub("", text)
    if "%" in text:
        text = unquote(text)
    text = _strip_trailing(text).lower()
    if not _DOI_VALID.fullmatch(text) or not text.isprintable():
        return None
    return text


def is_short_doi(doi: str | None) -> bool:
    """Whether a normalised DOI is a shortDOI (`10/f6kft3`): valid, but not a Crossref key."""
    return bool(doi) and bool(_SHORT_DOI.fullmatch(doi))


def normalize_pmid(value: object) -> str | None:
    """The PMID as digits, or None when `value` is not a valid PMID."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = _PMID_PREFIX.sub("", value.strip()).rstrip("/.;, ")
    return text if _PMID_VALID.fullmatch(text) else None


def normalize_pmcid(value: object) -> str | None:
    """The PMCID as `PMC` + digits, or None when `value` is not one.

    Bare digits are refused: a PMID put in a PMCID field is a common slip
    and must show as invalid rather than become a made-up PMCID.
    """
    if not isinstance(value, str):
        return None
    text = _PMCID_PREFIX.sub("", value.strip()).rstrip("/.;, ")
    text = _WHITESPACE.sub("", text).upper()
    return text if _PMCID_VALID.fullmatch(text) else None


# In free text: a DOI is "10." + registrant + "/" + anything up to white space;
# a label ("doi:", "PMID:") introduces a value even when that value is invalid.
# A labelled value ends at a comma or semicolon, except the ";2-X" that ends
# an old Wiley SICI DOI (10.1002/(SICI)...3.0.CO;2-X). The lookahead names
# every letter a match can start with (h, d, w, p, n, 1), so the engine skips
# the other positions at once instead of trying six alternatives at each: a
# fifth of the time, the same matches (129,065 corpus lines compared).
_FIND = patterns.compile(
    r"(?=[hdwpn1])(?:"
    r"(?P<doi>(?:(?:https?://)?(?:dx\.|www\.)?doi[.-]org(?:\.[a-z0-9-]+)*/)?10\.\d{4,9}(?:\.\d+)*(?:/|%2[fF])[^\s\"<>]+)"
    r"|(?:(?:(?:https?://)?(?:dx\.|www\.)?doi[.-]org(?:\.[a-z0-9-]+)*/|\bdoi\b(?:\s*[:=]\s*|\s+(?=\d)))(?P<baddoi>[^\s,;]+(?:;\d-[0-9a-z#])?))"
    r"|(?:(?:https?://)?(?:www\.)?(?:pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov/pubmed)/(?P<pmidurl>\d+))"
    r"|(?:\bPMID\b\s*[:=/]?\s*(?P<pmid>[^\s,;./]+))"
    r"|(?:\bPMCID\b\s*[:=]?\s*(?P<pmcidlabel>[^\s,;.]+))"
    r"|(?P<pmcid>\bPMC\d+\b))",
    re.IGNORECASE,
)


# Readers and the reference parser both scan each entry; the answer is immutable.
@functools.lru_cache(maxsize=8192)
def find_identifiers(text: str) -> Identifiers:
    """Every DOI, PMID and PMCID in a reference string, URL or note field."""
    doi = pmid = pmcid = None
    raw: list[tuple[str, str]] = []
    for m in _FIND.finditer(text or ""):
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind in ("doi", "baddoi"):
            written = _strip_trailing(value)
            raw.append(("doi", written))
            doi = doi or normalize_doi(written)
        elif kind in ("pmid", "pmidurl"):
            raw.append(("pmid", value))
            pmid = pmid or normalize_pmid(value)
        else:
            written = value.rstrip(".")
            raw.append(("pmcid", written))
            pmcid = pmcid or normalize_pmcid(written)
    return Identifiers(doi=doi, pmid=pmid, pmcid=pmcid, raw=tuple(raw))
