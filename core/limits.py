"""The limits on hostile or runaway input, in one place.

Drafts, libraries and snapshots come from outside. Each limit is far above
any real input (the largest real ones are named beside it) and low enough
that a crafted input is refused in seconds, instead of exhausting memory
or hanging a CI job: with a one-line `LimitExceeded` error naming the
file, or, where a docstring says so, with a finding. Modules import
these names; none defines a limit of its own. docs/reliability.md lists
them with the tests that prove each, and tests/core/test_limits.py checks that
it names every one.
"""

from __future__ import annotations

# -- drafts -----------------------------------------------------------------------

MAX_TEXT_BYTES = 20_000_000
"""Largest Markdown or plain-text draft read, in bytes (a long review is ~200 kB)."""

MAX_MARKER_OPENINGS = 200_000
"""Characters that may open a citation marker in one text draft (`[`, `^`, `<sup`): reading
costs tens of microseconds a marker, so this many read in seconds, while a 9 MB line of `[1]`
would take minutes; a 200-reference review has a few thousand."""

MAX_XML_BYTES = 64 * 1024 * 1024
"""Largest XML document parsed (a JATS article, a docx part, a PubMed answer); the largest
JATS article in the corpus is under 1 MB. Larger PubMed snapshot files are streamed instead."""

MAX_XML_DEPTH = 256
"""Deepest element nesting accepted; JATS articles nest about 15 deep. lxml's own hard
limit without huge_tree is 256 too."""

COMPARED_CHARS = 500
"""Characters of each normalised reference-list entry compared for CA105 (duplicates): all
of any real entry (150-400 characters); of a longer one its first and last 250 (authors, and
title, journal and year). It bounds the pairwise work for a crafted list of 4,000 entries of
2 kB each, which ran past 200 s."""

MAX_REFERENCES = 5000
"""Most reference-list entries in one draft. Systematic reviews with the longest lists
cite about 1,500 works; several checks compare references pairwise."""

MAX_NUMBER_DIGITS = 9
"""Most digits in a number read from a draft, a library or a registry (a citation number,
a list label, a year); a longer run of digits is text, not a number. Python's int() refuses
more than 4,300 digits with an error, which crafted markers, labels and years used to reach."""

MAX_JSON_DEPTH = 100
"""Deepest nesting of JSON read from outside (registry answers, snapshots, citation-manager
field data); Crossref works nest about 6 deep, CSL JSON about 5."""

# -- Word packages ------------------------------------------------------------------

MAX_DOCX_BYTES = 256 * 1024 * 1024
"""Largest .docx file read, in bytes."""

MAX_DOCX_MEMBERS = 2000
"""Most zip members in a .docx; Word documents have a few dozen."""

MAX_DOCX_UNPACKED_BYTES = 512 * 1024 * 1024
"""Largest total uncompressed size a .docx's central directory may declare, in bytes; checked
before anything is inflated, by the reader and again by the annotated-docx writer."""

MAX_DOCX_RATIO = 100
"""Highest compression ratio accepted for one .docx member larger than `DOCX_RATIO_GRACE`
(the zip bomb in tests/project/test_security.py is about 1000:1)."""

DOCX_RATIO_GRACE = 1024 * 1024
"""Members smaller than this uncompressed, in bytes, are not ratio-checked (tiny XML
compresses well)."""

MAX_ENDNOTE_DATA_BYTES = 8 * 1024 * 1024
"""Largest decoded EndNote field payload (EN.CITE.DATA) accepted, in bytes. Over it the
citation gets a finding, not an error."""

# -- BibTeX libraries -------------------------------------------------------------------

MAX_BIBTEX_BYTES = 64 * 1024 * 1024
"""Largest .bib file read, in bytes (a 30,000-entry library with abstracts is about 50 MB)."""

MAX_LIBRARY_ENTRIES = 100_000
"""Most BibTeX entries in one library, all its files together (a 30,000-entry library
is about 50 MB)."""

MAX_BIBTEX_NESTING = 100
"""Deepest brace nesting in one BibTeX field value; real titles nest two or three deep.
Deeper values get a CA201 finding and the entry is skipped."""

MAX_BIBTEX_VALUE_CHARS = 1_000_000
"""Longest BibTeX field or @string value after macro expansion, in characters (a long
abstract is 5,000). Macros are stored expanded, so a chain of @string doubling each other
spells gigabytes in a few lines; past this the entry gets a CA201 finding and is skipped."""

MAX_CONFIG_BYTES = 1024 * 1024
"""Largest configuration file read (citeaudit.toml, pyproject.toml), in bytes; real ones are a
few kB. It is read with this bound because `--config /dev/zero` has no size to check first."""

MAX_BASELINE_BYTES = 64 * 1024 * 1024
"""Largest --baseline file read, in bytes (a baseline of 10,000 findings is about 3 MB)."""

# -- registry answers ---------------------------------------------------------------

MAX_REGISTRY_ANSWER_BYTES = 64 * 1024 * 1024
"""Largest registry answer read, in bytes after decompression; a batch of 100 Crossref
works with their reference lists is about 5 MB. Over it the answer is malformed (retried,
then CA308): it stops gzip bombs and endless bodies."""

MAX_REDIRECTS = 5
"""Most redirects followed for one registry request, all within the registry's own origin
(a redirect to any other host is never followed)."""

MAX_REGISTRY_TEXT_CHARS = 100_000
"""Longest text taken from one field of a registry record (a title, an author's name, an
abstract); the longest real abstracts are about 10,000 characters. A longer one makes the
answer malformed (retried, then CA308), so no check spends its time on a 10 MB title."""

# -- registry snapshots ---------------------------------------------------------------

MAX_SNAPSHOT_UNPACKED_BYTES = 1024 * 1024 * 1024
"""Largest decompressed gzip snapshot imported, in bytes (a PubMed baseline file is
~200 MB unpacked)."""
