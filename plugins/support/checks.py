"""The claim-support checks, CA401-CA406: pure functions of a CheckContext.

No check looks at a reference without a record with an abstract (CA404
needs no record: it compares the sentence with the lexicon). A claim that
cites several works is judged against all of them together: a drug or a
number found in any of them is found.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from citeaudit.checks import CheckContext
from citeaudit.model import Claim, Finding, Span
from citeaudit.plugins.support.design import claimed_designs, contradicted, record_designs
from citeaudit.plugins.support.entities import CHECKED_KINDS, is_covered, mentions
from citeaudit.plugins.support.lexicon import lexicon
from citeaudit.plugins.support.pharmacology import contradictions, label
from citeaudit.plugins.support.quantities import MEASURE_NAMES, compare, extract
from citeaudit.plugins.support.similarity import Index, Vector, best_sentence, terms
from citeaudit.plugins.support.sources import Source, build_source, records_of, why_unchecked

SHIFT_RUN = 3
"""Consecutive claims that must fit reference n+k better before CA405 speaks."""
SHIFT_OFFSETS = (-2, -1, 1, 2)
"""Offsets k a shifted numbering is looked for at."""
SHIFT_RATIO = 1.5
"""How many times better n+k must fit than n ..."""
SHIFT_MARGIN = 0.05
"""... and by how much at least (cosine)."""
WEAK_SIMILARITY = 0.025
"""Cosine under which a claim shares too little with its cited work (CA406);
near the 3rd percentile of true claim-abstract pairs on Check-COVID."""
WEAK_MIN_TERMS = 5
"""Claims with fewer terms are too short to judge."""
BETTER_MARGIN = 0.1
"""How much better a library entry must fit to be named by CA406."""


@dataclass(frozen=True, slots=True)
class Analysis:
    """Sources and vectors of one document, shared by the checks."""

    sources: dict[int | str, Source]
    """Reference number -> its Source, for references with an abstract."""
    index: Index
    """Term statistics over those sources."""
    vectors: dict[int | str, Vector]
    """Reference number -> TF-IDF vector of its source."""


def analyse(context: CheckContext, extra: dict[int | str, Source] | None = None) -> Analysis:
    """Sources of every cited reference that can be checked."""
    sources: dict[int | str, Source] = {}
    for reference in context.document.references:
        key = reference.number if reference.number is not None else reference.id
        if why_unchecked(context, key) is None:
            sources[key] = build_source(key, records_of(context, key))
    everything = {**sources, **(extra or {})}
    index = Index(s.terms for s in everything.values())
    vectors = {k: index.vector(s.terms) for k, s in everything.items()}
    return Analysis(sources, index, vectors)


def _marker_span(claim: Claim, number: int) -> Span:
    """Where the citation of `number` is, else where the sentence starts."""
    for marker in claim.markers:
        if number in marker.numbers:
            return marker.span
    return claim.span


def _cited(claim: Claim, analysis: Analysis) -> list[Source] | None:
    """The claim's cited sources, or None when any cited work cannot be checked."""
    numbers = list(dict.fromkeys(claim.citations))
    if not numbers or any(n not in analysis.sources for n in numbers):
        return None
    return [analysis.sources[n] for n in numbers]


def _best(claim: Claim, sources: Sequence[Source], analysis: Analysis) -> tuple[str | None, float]:
    vector = analysis.index.vector(terms(claim.text))
    best: tuple[str | None, float] = (None, 0.0)
    for source in sources:
        found = best_sentence(vector, source.sentences, analysis.index)
        if found[1] > best[1]:
            best = found
    return best


def _finding(rule: str, message: str, claim: Claim, number: int, evidence: dict) -> Finding:
    return Finding(rule=rule, message=message, span=_marker_span(claim, number), claim=claim.id,
                   citation=number, reference=number, evidence=evidence)


def check_support(context: CheckContext) -> Iterator[Finding]:
    """CA401 entity missing, CA402 number conflict, CA403 design contradicted, CA405 shift."""
    analysis = analyse(context)
    for claim in context.document.claims:
        cited = _cited(claim, analysis)
        if cited is None:
            continue
        yield from _entities(claim, cited, analysis)
        yield from _numbers(claim, cited, analysis)
    yield from _designs(context)
    yield from _shift(context, analysis)


def _entities(claim: Claim, cited: list[Source], analysis: Analysis) -> Iterator[Finding]:
    missing: dict[str, str] = {}
    for mention in mentions(claim.text):
        if mention.kind not in CHECKED_KINDS or mention.concept in missing:
            continue
        if not any(is_covered(mention.concept, s.concepts) or mention.text.lower() in s.text.lower()
                   for s in cited):
            missing[mention.concept] = mention.text
    if not missing:
        return
    sentence, score = _best(claim, cited, analysis)
    names = ", ".join(f'"{t}"' for t in missing.values())
    numbers = [s.key for s in cited]
    where = f"reference {numbers[0]}" if len(numbers) == 1 else "references " + ", ".join(map(str, numbers))
    yield _finding("CA401", f"{names} {'is' if len(missing) == 1 else 'are'} named in the claim "
                   f"but nowhere in the title, abstract, keywords or MeSH terms of {where}",
                   claim, int(numbers[0]), {
                       "looked_for": list(missing.values()),
                       "found": sorted({c for s in cited for c in s.concepts}),
                       "best_sentence": sentence, "similarity": round(score, 3),
                       "records": [r for s in cited for r in s.records]})


def _numbers(claim: Claim, cited: list[Source], analysis: Analysis) -> Iterator[Finding]:
    quantities = extract(claim.text)
    if not quantities:
        return
    per_source = [(s, compare(quantities, s.text, s.quantities)) for s in cited]
    absent = [q.describe() for i, q in enumerate(quantities)
              if all(results[i].outcome == "absent" for _, results in per_source)]
    for i, quantity in enumerate(quantities):
        outcomes = [(s, results[i]) for s, results in per_source]
        if any(r.outcome == "found" for _, r in outcomes):
            continue
        conflicts = [(s, r) for s, r in outcomes if r.outcome == "conflict"]
        if not conflicts:
            continue
        source, result = conflicts[0]
        given = [o.describe() for o in result.others]
        sentence = next((x for x in source.sentences if result.others and result.others[0].text in x), None)
        yield _finding("CA402", f"the claim gives {quantity.describe()}, but reference {source.key} "
                       f"gives {'; '.join(given)}", claim, int(source.key), {
                           "looked_for": f"{MEASURE_NAMES[quantity.measure]} {quantity.text}",
                           "found": given,
                           "claim_text": quantity.text,
                           "found_text": [o.text for o in result.others],
                           "absent_from_abstract": absent,
                           "best_sentence": sentence or _best(claim, [source], analysis)[0],
                           "records": list(source.records)})


def _designs(context: CheckContext) -> Iterator[Finding]:
    for claim in context.document.claims:
        claimed = claimed_designs(claim.text)
        if not claimed:
            continue
        numbers = list(dict.fromkeys(claim.citations))
        types = {n: tuple(t for r in records_of(context, n) if r.source == "pubmed"
                          for t in r.publication_types) for n in numbers}
        # Every cited work must have PubMed types and contradict the claim.
        if not numbers or not all(record_designs(t) for t in types.values()):
            continue
        if all(contradicted(claimed, t) for t in types.values()):
            number = numbers[0]
            stated = sorted(record_designs(types[number]))
            yield Finding(
                rule="CA403",
                message=f"the claim describes reference {number} as a {' and '.join(claimed)}, "
                        f"but PubMed types it as {', '.join(types[number])}",
                span=_marker_span(claim, number), claim=claim.id, citation=number, reference=number,
                evidence={"looked_for": claimed, "found": list(types[number]),
                          "designs_stated": stated, "best_sentence": None})


def check_pharmacology(context: CheckContext) -> Iterator[Finding]:
    """CA404: the claim gives a drug a target or kind the bundled lexicon contradicts."""
    for claim in context.document.claims:
        for found in contradictions(claim.text):
            drug = found.drug.concept
            wrong = ", ".join(label(w) for w in found.wrong)
            acts_on = ", ".join(label(t) for t in _own_tags(drug))
            yield Finding(
                rule="CA404",
                message=f'the claim calls {drug} "{found.phrase.text}", but its label gives it '
                        f"{acts_on}, not {wrong} (citeaudit dermatology lexicon)",
                span=claim.span, claim=claim.id, citation=claim.citations[0] if claim.citations else None,
                evidence={"looked_for": found.phrase.text, "drug": drug, "found": _own_tags(drug),
                          "contradicts": list(found.wrong), "best_sentence": None,
                          "source": "citeaudit lexicon (FDA/EMA labels)"})


def _own_tags(drug: str) -> list[str]:
    """The drug's targets and kinds, without the broader ones they imply."""
    concepts = lexicon().concepts
    tags = concepts[drug].tags
    implied = {b for t in tags if t in concepts for b in concepts[t].broader}
    return sorted(t for t in tags if t not in implied)


def _shift(context: CheckContext, analysis: Analysis) -> Iterator[Finding]:
    """Runs of consecutive single-citation claims that fit reference n+k clearly better."""
    run: list[tuple[Claim, int, int, float, float]] = []
    run_offset: int | None = None

    def report() -> Iterator[Finding]:
        if len(run) >= SHIFT_RUN:
            first = run[0]
            yield _finding("CA405", f"{len(run)} consecutive claims fit reference n{run_offset:+d} "
                           f"better than the reference they cite (claims {run[0][0].id}-{run[-1][0].id}): "
                           "the citation numbers have probably shifted", first[0], first[1], {
                               "looked_for": "the cited reference as the best fit",
                               "found": [{"claim": c.id, "cites": n, "fits": b,
                                          "similarity_cited": round(sc, 3), "similarity_better": round(sb, 3)}
                                         for c, n, b, sc, sb in run],
                               "best_sentence": None})

    for claim in context.document.claims:
        numbers = list(dict.fromkeys(claim.citations))
        if len(numbers) != 1 or numbers[0] not in analysis.vectors:
            continue
        number = numbers[0]
        vector = analysis.index.vector(terms(claim.text))
        cited = vector.cosine(analysis.vectors[number])
        offset = None
        best = cited
        for k in SHIFT_OFFSETS:
            other = analysis.vectors.get(number + k)
            if other is None:
                continue
            score = vector.cosine(other)
            if score > best and score >= SHIFT_RATIO * cited and score - cited >= SHIFT_MARGIN:
                offset, best = k, score
        if offset is not None and offset == run_offset:
            run.append((claim, number, number + offset, cited, best))
            continue
        yield from report()
        run = [(claim, number, number + offset, cited, best)] if offset is not None else []
        run_offset = offset
    yield from report()


def check_weak_support(context: CheckContext) -> Iterator[Finding]:
    """CA406: the claim shares little with its cited work; names library entries that fit better."""
    library = _library_sources(context)
    analysis = analyse(context, {f"key:{k}": s for k, s in library.items()})
    for claim in context.document.claims:
        cited = _cited(claim, analysis)
        claim_terms = terms(claim.text)
        if cited is None or len(set(claim_terms)) < WEAK_MIN_TERMS:
            continue
        vector = analysis.index.vector(claim_terms)
        scores = [vector.cosine(analysis.vectors[s.key]) for s in cited]
        best = max(scores)
        if best >= WEAK_SIMILARITY:
            continue
        cited_keys = {_key_of(context, s.key) for s in cited}
        better = sorted(((vector.cosine(analysis.vectors[f"key:{k}"]), k) for k in library
                         if k not in cited_keys), reverse=True)
        better = [(round(s, 3), k) for s, k in better if s >= best + BETTER_MARGIN][:3]
        sentence, _ = _best(claim, cited, analysis)
        number = int(cited[0].key)
        suggestion = (" library entries that fit it better: " + ", ".join(k for _, k in better)) if better else ""
        yield _finding("CA406", f"the claim shares little with reference {number} "
                       f"(similarity {best:.2f});{suggestion or ' no library entry fits it better'}",
                       claim, number, {
                           "looked_for": sorted(set(claim_terms))[:20],
                           "found": {"similarity": round(best, 3)},
                           "better": [{"key": k, "similarity": s} for s, k in better],
                           "best_sentence": sentence})


def _key_of(context: CheckContext, number: int | str) -> str | None:
    resolution = context.resolutions.get(number)
    return resolution.entry.key if resolution and resolution.entry else None


def _library_sources(context: CheckContext) -> dict[str, Source]:
    """Sources of library entries whose records have an abstract (looked up by DOI/PMID)."""
    if context.library is None or context.records is None:
        return {}
    sources: dict[str, Source] = {}
    for entry in context.library.entries:
        pmid = entry.work.pmid or context.records.pmid_for_doi.get((entry.work.doi or "").lower())
        records = [r for r in (context.records.record("pubmed", pmid),
                               context.records.record("crossref", entry.work.doi)) if r is not None]
        if any(r.abstract for r in records):
            sources[entry.key] = build_source(entry.key, records)
    return sources
