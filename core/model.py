"""The data model every part of citeaudit speaks.

Frozen, slotted dataclasses with no behaviour beyond small derived
properties. Readers build `Document`s; `citeaudit.bib` builds `LibraryEntry`,
`Resolution` and `Record`; checks turn all of them into `Finding`s. Every
object that came from an input carries a `Span`, so a finding can point at
the place.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from pathlib import Path
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

CitationStyle = Literal["numeric", "author-year"]


@dataclass(frozen=True, slots=True)
class Span:
    """Where in the source a thing is; only the fields the format has are set."""

    line: int | None = None
    """1-based line, for text formats, JATS and BibTeX."""
    column: int | None = None
    """1-based column, for text formats."""
    paragraph: int | None = None
    """0-based paragraph index in document order, for docx."""
    offset: int | None = None
    """0-based character offset inside the paragraph, for docx."""
    xpath: str | None = None
    """XPath of the element, for JATS."""
    part: str | None = None
    """Sub-document the place is in: a docx footnote/endnote id, a .bib path."""

    def location(self) -> dict[str, Any]:
        """The JSON `location` object of INTERFACE.md: the fields that are set."""
        return {
            name: getattr(self, name)
            for name in ("line", "column", "paragraph", "offset", "xpath", "part")
            if getattr(self, name) is not None
        }


NO_SPAN = Span()


@dataclass(frozen=True, slots=True)
class Person:
    """An author as the source names them."""

    family: str
    """Family name (or the whole name of a corporate author)."""
    given: str = ""
    """Given names or initials, as written."""

    def __str__(self) -> str:
        return f"{self.family}, {self.given}" if self.given else self.family


@dataclass(frozen=True, slots=True)
class Work:
    """Bibliographic fields of a work, wherever they came from.

    Shared by parsed reference strings, library entries, reader-supplied
    structured citations (JATS element-citation, Word field CSL JSON) and
    registry records, so comparisons need one vocabulary.
    """

    title: str | None = None
    """Title, plain text (markup and LaTeX removed)."""
    authors: tuple[Person, ...] = ()
    """Authors in order; empty when unknown."""
    year: int | None = None
    """Year of publication."""
    journal: str | None = None
    """Container title (journal or book), full or abbreviated as given."""
    journal_abbrev: str | None = None
    """Abbreviated journal title when the source gives both."""
    volume: str | None = None
    """Volume, as written."""
    issue: str | None = None
    """Issue, as written."""
    pages: str | None = None
    """Page range or e-locator, as written (`62-9`, `e0152459`)."""
    doi: str | None = None
    """Normalised DOI (lower case, no resolver prefix)."""
    pmid: str | None = None
    """PubMed identifier, digits only."""
    pmcid: str | None = None
    """PubMed Central identifier, `PMC` followed by digits."""
    kind: str | None = None
    """Type of work when the source says (`article-journal`, `book`, `preprint`...)."""

    @property
    def first_author(self) -> Person | None:
        """The first author, when there is one."""
        return self.authors[0] if self.authors else None


@dataclass(frozen=True, slots=True)
class Marker:
    """One citation marker as written in the draft."""

    text: str
    """The marker exactly as written: `[3-5, 8]`, `9,10`, `<xref>`, a field code."""
    numbers: tuple[int, ...]
    """The reference numbers it cites, ranges expanded, in the order written."""
    span: Span
    """Where the marker is."""
    style: str
    """How it is written: bracket, paren, superscript, html-sup, pandoc-sup,
    unicode-sup, flattened, xref, field, pandoc-key."""
    keys: tuple[str, ...] = ()
    """Identifiers the marker names instead of, or beside, numbers: pandoc
    `@key`s, JATS `rid`s, Word field item ids."""
    problem: str | None = None
    """Why the marker cannot be read unambiguously (reported as CA104)."""


@dataclass(frozen=True, slots=True)
class Claim:
    """A sentence (or clause) that carries one or more citation markers."""

    id: int
    """1-based position among the document's claims, in reading order."""
    text: str
    """The sentence with its markers removed and white space folded."""
    markers: tuple[Marker, ...]
    """The markers in the sentence, in reading order."""
    span: Span
    """Where the sentence starts."""
    section: str | None = None
    """Heading of the section the sentence is in, when known."""

    @property
    def citations(self) -> tuple[int, ...]:
        """Cited reference numbers in the order written, ranges expanded."""
        return tuple(n for marker in self.markers for n in marker.numbers)


@dataclass(frozen=True, slots=True)
class Reference:
    """One entry of the draft's reference list."""

    number: int | None
    """The number the text cites it by (list label, or position)."""
    id: str
    """The format's own identifier: JATS ref/@id, the Markdown label, a Word
    field item id, a BibTeX key."""
    text: str
    """The entry as written, white space folded."""
    span: Span
    """Where the entry is."""
    work: Work = field(default_factory=Work)
    """Fields the format gives or a parser read from the text; identifiers
    found in the text are in `work.doi`, `work.pmid`, `work.pmcid`."""
    key: str | None = None
    """Library key the format names directly (pandoc `@key`, Zotero item)."""
    raw_identifiers: tuple[tuple[str, str], ...] = ()
    """(kind, value) pairs of identifiers as written, including invalid ones,
    so CA206 can show what the author typed."""

    @property
    def doi(self) -> str | None:
        return self.work.doi

    @property
    def pmid(self) -> str | None:
        return self.work.pmid

    @property
    def pmcid(self) -> str | None:
        return self.work.pmcid


@dataclass(frozen=True, slots=True)
class Fix:
    """The corrected value a finding suggests: what to write instead, and who says so."""

    field: str
    """What to change: a BibTeX-style field name (`doi`, `pmid`, `year`, `volume`, `pages`,
    `journal`, `note`...)."""
    old: str | None
    """The value as written; None when the field is missing."""
    new: str | None
    """The suggested value; None when the field should go."""
    source: str
    """Where the new value comes from: `crossref`, `pubmed`, `library`, `crossref-search`, `ecitmatch`,
    `reference` (the draft's own text)."""
    target: str | None = None
    """The file the fix is for when it is not the finding's own: CA203's new entry goes to the library."""

    def value(self) -> str:
        """The new value as a person would write it: `doi:10.1/x`, `PMID 123`, `2018`."""
        if self.new is None:
            return f"no {self.field}"
        if self.field == "doi":
            return f"doi:{self.new}"
        if self.field == "pmid":
            return f"PMID {self.new}"
        return self.new

    def suggestion(self) -> str:
        """The change in a few words: `doi:10.1/x`, `year 2018`, `remove note`,
        `add @article{smith2018, …} to library.bib`."""
        if self.new is None:
            return f"remove {self.field}"
        if self.field == "entry":
            head = self.new.split("\n", 1)[0].rstrip().rstrip(",")
            return f"add {head}, …}} to {Path(self.target).name if self.target else 'the library'}"
        if self.field in ("doi", "pmid", "pmcid"):
            return self.value()
        return f"{self.field.replace('_', ' ')} {self.new}"

    def sentence(self) -> str:
        """What the text report appends: "did you mean 2018?" or "suggested: doi:10.1/x"."""
        if self.old is not None and self.new is not None:
            return f"did you mean {self.value()}?"
        return f"suggested: {self.suggestion()}"

    def as_json(self) -> dict[str, Any]:
        """The JSON report's `fix` object."""
        found = {"field": self.field, "old": self.old, "new": self.new, "source": self.source}
        return {**found, "target": self.target} if self.target else found


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found; reporters render these."""

    rule: str
    """Rule code (docs/rules.md, or a plugin's own), e.g. `CA304`."""
    message: str
    """One sentence a person can act on."""
    span: Span = NO_SPAN
    """Where the problem is."""
    severity: Severity | None = None
    """Set by the pipeline from the catalogue and configuration; checks leave it None."""
    claim: int | None = None
    """Claim id, when the finding is about a claim."""
    citation: int | None = None
    """The cited number the finding is about."""
    reference: int | None = None
    """The reference-list number the finding is about."""
    key: str | None = None
    """The library key the finding is about."""
    evidence: dict[str, Any] = field(default_factory=dict)
    """Small JSON-serialisable facts reporters may show."""
    path: str | None = None
    """File the span refers to when it is not the document (a .bib file)."""
    fix: Fix | None = None
    """The corrected value, when the check knows one (shown by every reporter)."""


@dataclass(frozen=True, slots=True)
class Unchecked:
    """A claim's citation a check could not look at, and why (no record, no abstract)."""

    claim: int
    """Claim id."""
    citation: int
    """The cited number."""
    reason: str
    """Why, in words."""


@dataclass(frozen=True, slots=True)
class Suppression:
    """An inline directive accepting findings in part of a document (citeaudit.suppression)."""

    codes: tuple[str, ...]
    """Rule codes or prefixes it hides; empty for every rule."""
    span: Span
    """Where the directive is written (CA107 points there when it hides nothing)."""
    start: Span | None = None
    """First place it covers (line, or paragraph and offset); None with `end` and
    `xpath` None: the whole document."""
    end: Span | None = None
    """Last place it covers, inclusive."""
    xpath: str | None = None
    """JATS: the element it covers, with everything inside it."""
    key: str | None = None
    """BibTeX: the library entry whose findings it covers."""


@dataclass(frozen=True, slots=True)
class Document:
    """A draft as a reader saw it."""

    path: Path
    """The file read."""
    format: str
    """Reader name: markdown, docx, jats, bibtex."""
    claims: tuple[Claim, ...]
    """Sentences carrying markers, in reading order."""
    references: tuple[Reference, ...]
    """The reference list, in list order."""
    style: CitationStyle = "numeric"
    """Citation style the reader detected; CA103 runs only for numeric."""
    diagnostics: tuple[Finding, ...] = ()
    """Findings the reader itself made (an xref to no ref, an unreadable marker)."""
    extras: dict[str, Any] = field(default_factory=dict)
    """Format-specific data a reporter may want (the docx package, the source text)."""
    suppressions: tuple[Suppression, ...] = ()
    """Inline `citeaudit: ignore` directives the reader found (citeaudit.suppression)."""

    def reference(self, number: int) -> Reference | None:
        """The reference-list entry with this number, if any."""
        for ref in self.references:
            if ref.number == number:
                return ref
        return None


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """One entry of the author's BibTeX library."""

    key: str
    """The citation key."""
    entry_type: str
    """BibTeX entry type, lower case (`article`, `book`...)."""
    work: Work
    """Decoded fields (LaTeX removed, names split, identifiers normalised)."""
    span: Span
    """Line of the entry in its file (`part` is the file path)."""
    fields: dict[str, str] = field(default_factory=dict)
    """The raw fields as written, lower-case names."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """How one reference-list entry was tied to the library and identifiers."""

    reference: int | None
    """Reference number (None for `citeaudit bib`, where entries stand alone)."""
    entry: LibraryEntry | None
    """The matched library entry, if one matched unambiguously."""
    method: str | None = None
    """How it matched: key, doi, pmid, fuzzy; None when it did not."""
    score: float | None = None
    """Similarity score of a fuzzy match, 0-100."""
    candidates: tuple[str, ...] = ()
    """Keys of equally good entries when the match was ambiguous."""
    doi: str | None = None
    """The DOI to verify: the reference's, else the library entry's."""
    pmid: str | None = None
    """The PMID to verify: the reference's, else the library entry's."""
    pmcid: str | None = None
    """The PMCID: the reference's, else the library entry's."""


@dataclass(frozen=True, slots=True)
class Notice:
    """An update notice attached to a work: retraction, correction, concern."""

    kind: Literal["retraction", "correction", "expression-of-concern", "withdrawal"]
    """What the notice is."""
    doi: str | None = None
    """DOI of the notice itself, when known."""
    pmid: str | None = None
    """PMID of the notice itself, when known."""
    date: str | None = None
    """ISO date of the notice, when known."""
    source: str = ""
    """Where it was learnt: crossref update-to, pubmed CommentsCorrections..."""
    reason: str | None = None
    """Why, when the source says (Retraction Watch's reasons)."""


@dataclass(frozen=True, slots=True)
class Record:
    """One registry record, normalised from Crossref JSON or PubMed XML."""

    source: str
    """Registry name: crossref or pubmed."""
    identifier: str
    """The identifier it was fetched by (DOI or PMID)."""
    work: Work
    """Bibliographic fields, identifiers included."""
    abstract: str | None = None
    """Abstract, plain text; structured sections as `LABEL: text` paragraphs."""
    publication_types: tuple[str, ...] = ()
    """PubMed publication types or the Crossref type."""
    mesh_terms: tuple[str, ...] = ()
    """MeSH descriptor names."""
    keywords: tuple[str, ...] = ()
    """Author keywords and Crossref subjects."""
    substances: tuple[str, ...] = ()
    """PubMed chemical/substance names."""
    notices: tuple[Notice, ...] = ()
    """Retractions, corrections, expressions of concern."""
    preprint_of: str | None = None
    """DOI of the published version when this is a preprint that has one."""
    fetched_at: float | None = None
    """Unix time the raw response was fetched."""
    other_years: tuple[int, ...] = ()
    """Other years the work is dated by (online first vs print), so a reference
    citing either year is not reported as a year mismatch."""
    agency: str | None = None
    """The DOI's registration agency, when the DOI system named it (DataCite, mEDRA...)."""


@dataclass(frozen=True, slots=True)
class Unavailable:
    """A record that could not be had, and why (CA308)."""

    source: str
    """Registry name."""
    identifier: str
    """The identifier asked for."""
    reason: str
    """offline, timeout, rate-limited, server-error, malformed-response..."""


@dataclass(frozen=True, slots=True)
class Missing:
    """The registry answered that the identifier does not exist (CA301/CA302)."""

    source: str
    """Registry name."""
    identifier: str
    """The identifier asked for."""


@dataclass(frozen=True, slots=True)
class Library:
    """The author's BibTeX library: one or more files loaded together."""

    paths: tuple[Path, ...]
    """The files, in the order given."""
    entries: tuple[LibraryEntry, ...]
    """Entries that loaded, in file order (a repeated key keeps the first)."""
    problems: tuple[Finding, ...] = ()
    """CA201/CA202/CA206 findings made while loading, each with `path` and line."""

    def get(self, key: str) -> LibraryEntry | None:
        """The entry with this key, if any."""
        for entry in self.entries:
            if entry.key == key:
                return entry
        return None


FetchOutcome = Record | Missing | Unavailable


@dataclass(frozen=True, slots=True)
class Lookup:
    """What a registry search found for a reference that gives neither DOI nor PMID."""

    status: Literal["found", "none", "unavailable"]
    """`found`: a candidate agrees on title, first author and year; `none`: no candidate
    agrees (CA310); `unavailable`: not searched (offline and not cached, a failed request)."""
    doi: str | None = None
    """The agreeing candidate's DOI."""
    pmid: str | None = None
    """The agreeing citation's PMID (ECitMatch, or PubMed's link of the DOI)."""
    source: str = ""
    """`crossref-search` or `ecitmatch`."""
    similarity: float | None = None
    """Title similarity of the agreeing candidate, 0-100."""
    candidates: int = 0
    """Candidates the registry offered."""
    reason: str = ""
    """Why it is unavailable."""
    nearest: str | None = None
    """Title of the closest candidate that did not agree."""


@dataclass(frozen=True, slots=True)
class RecordSet:
    """What the registries answered, by (registry, identifier)."""

    outcomes: dict[tuple[str, str], FetchOutcome] = field(default_factory=dict)
    """(source, identifier) -> Record, Missing or Unavailable. DOIs are
    normalised lower case; PMIDs are digits."""
    requests: int = 0
    """HTTP requests this fetch made (0 when all came from the cache)."""
    pmid_for_doi: dict[str, str] = field(default_factory=dict)
    """DOI -> PMID learnt from PubMed for references that give only a DOI, so
    their PubMed record (abstract, MeSH, publication types) can be found."""
    unsearched: dict[str, Unavailable] = field(default_factory=dict)
    """DOI -> why the search for its record in a searching registry (PubMed)
    failed: the reference went unverified there though no PMID was asked for."""
    lookups: dict[Any, Lookup] = field(default_factory=dict)
    """Reference number (or id) -> what the registry search found for a journal
    article or preprint that gives neither DOI nor PMID (CA310, CA205's fix)."""
    replaced_pmids: dict[Any, Lookup] = field(default_factory=dict)
    """Reference number (or id) -> the PMID ECitMatch found for a reference whose PMID
    PubMed does not know and that gives no DOI (CA302's fix)."""

    def get(self, source: str, identifier: str | None) -> FetchOutcome | None:
        """The outcome for one identifier, None when it was never asked for."""
        if not identifier:
            return None
        # DOIs are kept lower case whichever registry answered for them.
        return self.outcomes.get((source, identifier.lower() if identifier.startswith("10.") else identifier))

    def record(self, source: str, identifier: str | None) -> Record | None:
        """The record for one identifier, None unless the registry returned one."""
        outcome = self.get(source, identifier)
        return outcome if isinstance(outcome, Record) else None


def _pickle_quickly(cls: type) -> type:
    """Give a frozen slotted dataclass pickling methods with its field names worked out once.

    The ones `dataclasses` generates call `fields()` for every object: unpickling
    the reports that `--jobs` workers send back cost the parent more than
    rendering them.
    """
    names = tuple(f.name for f in fields(cls))
    get = attrgetter(*names)
    setter = object.__setattr__

    def __getstate__(self: Any) -> tuple[Any, ...]:
        values = get(self)
        return values if len(names) > 1 else (values,)

    def __setstate__(self: Any, state: tuple[Any, ...]) -> None:
        for name, value in zip(names, state, strict=True):
            setter(self, name, value)

    cls.__getstate__ = __getstate__  # type: ignore[attr-defined]
    cls.__setstate__ = __setstate__  # type: ignore[attr-defined]
    return cls


for _model in (Span, Person, Work, Marker, Claim, Reference, Fix, Finding, Unchecked, Suppression, Document,
               LibraryEntry, Resolution, Notice, Record, Unavailable, Missing, Library, Lookup, RecordSet):
    _pickle_quickly(_model)
