"""Sources built from records, and the reasons a claim could not be checked."""

from __future__ import annotations

from support_helpers import claim, context, fleming_record, pubmed_record

from citeaudit.model import RecordSet, Unavailable
from citeaudit.plugins.support.sources import build_source, unchecked_claims


def test_build_source() -> None:
    source = build_source(1, [fleming_record()])
    assert source.title.startswith("Risk of infection")
    assert {"dupilumab", "atopic-dermatitis", "eczema-herpeticum"} <= source.concepts
    assert any(q.measure == "rr" and q.value == 0.54 for q in source.quantities)
    assert len(source.sentences) == 8  # title and seven sentences


def test_unchecked_claims_say_why() -> None:
    no_abstract = pubmed_record("5", "A title only", "")
    ctx = context([claim(1, "Claim one.", 1, 2), claim(2, "Claim two.", 3)],
                  {1: fleming_record(), 2: None, 3: no_abstract})
    reasons = {(u.claim, u.citation): u.reason for u in unchecked_claims(ctx)}
    assert (1, 1) not in reasons
    assert reasons[(1, 2)] == "no registry record"
    assert reasons[(2, 3)] == "the record has no abstract"


def test_unavailable_record_reason() -> None:
    ctx = context([claim(1, "Claim.", 1)], {1: None})
    doi = ctx.resolutions[1].doi
    offline = RecordSet(outcomes={("crossref", doi): Unavailable("crossref", doi, "offline")})
    ctx = type(ctx)(document=ctx.document, options=None, resolutions=ctx.resolutions, records=offline)
    (item,) = unchecked_claims(ctx)
    assert item.reason == "the record could not be fetched (crossref offline)"
