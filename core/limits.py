"""The limits on hostile or runaway input, in one place.

Drafts come from outside. Each limit is far above any real review (the
largest in the test corpus are named beside it) and low enough that a
crafted input is refused in seconds with a one-line `LimitExceeded` error,
instead of exhausting memory or hanging a CI job. docs/reliability.md lists
them with the tests that prove each.
"""

from __future__ import annotations

MAX_TEXT_BYTES = 20_000_000
"""Largest Markdown or plain-text draft read, in bytes (a long review is ~200 kB)."""

MAX_XML_BYTES = 64 * 1024 * 1024
"""Largest XML document parsed (a JATS article, a docx part, a PubMed answer); the largest
JATS article in the corpus is under 1 MB."""

MAX_XML_DEPTH = 256
"""Deepest element nesting accepted; JATS articles nest about 15 deep. lxml's own hard
limit without huge_tree is 256 too."""

MAX_REFERENCES = 5000
"""Most reference-list entries in one draft. Systematic reviews with the longest lists
cite about 1,500 works; several checks compare references pairwise."""
