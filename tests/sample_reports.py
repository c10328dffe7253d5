"""A run report with findings of every location kind, and the SARIF schema check, for the
reporter tests (SARIF, JUnit, GitHub, streaming, suggested fixes)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from conftest import builtin_labels, builtin_rules
from paths import DATA

from citeaudit.model import Claim, Document, Finding, Marker, Reference, Resolution, Span, Work
from citeaudit.report import DocumentReport, RunReport

RULES = builtin_rules()

SCHEMA = DATA / "ci" / "sarif-schema-2.1.0.json"


def validate_sarif(log: dict) -> None:
    """Fail with the first schema errors unless `log` is valid SARIF 2.1.0."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    # This copy of the official schema keeps the log object under definitions/Root
    # and constrains nothing at its top level: validate against Root explicitly.
    schema["$ref"] = "#/definitions/Root"
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    errors = sorted(validator(schema, format_checker=validator.FORMAT_CHECKER).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def sample_run(folder: Path) -> RunReport:
    """A Markdown draft, a docx draft and a JATS article with findings of every location kind."""
    md = folder / "drafts" / "atopic dermatitis.md"
    claim = Claim(1, "Dupilumab, a JAK inhibitor, improved EASI-75 at week 16.",
                  (Marker("[1]", (1,), Span(line=3, column=60), "bracket"),), Span(line=3, column=1))
    ref = Reference(1, "1", "1. Simpson EL, et al. N Engl J Med. 2016;375:2335-48.", Span(line=7, column=1),
                    Work(doi="10.1056/nejmoa1610020"))
    md_doc = Document(md, "markdown", (claim,), (ref,))
    md_findings = (
        Finding("CA404", "dupilumab is an IL-4Rα antibody, not a JAK inhibitor", Span(line=3, column=1),
                severity="error", claim=1, citation=1, reference=1, evidence={"drug": "dupilumab"}),
        Finding("CA102", "reference 2 is never cited: 100% unused, \"quoted\"", Span(line=8, column=1),
                severity="warning", reference=2),
        Finding("CA201", "unbalanced braces", Span(line=12), severity="error", path=str(folder / "lib.bib")),
        Finding("CA308", "offline: not verified", severity="info", reference=1),
    )
    docx_doc = Document(folder / "review.docx", "docx", (), ())
    docx_findings = (
        Finding("CA104", "descending range 5-3", Span(paragraph=4, offset=17), severity="error"),
        Finding("CA101", "cites 9", Span(paragraph=0, offset=2, part="footnote:3"), severity="error", citation=9),
    )
    jats_doc = Document(folder / "article.xml", "jats", (), ())
    jats_findings = (Finding("CA101", "xref to B9", Span(line=40, xpath="/article/body/p[2]/xref[1]"),
                             severity="error"),)
    return RunReport((
        DocumentReport(md_doc, md_findings, {1: Resolution(1, None, doi="10.1056/nejmoa1610020")}),
        DocumentReport(docx_doc, docx_findings),
        DocumentReport(jats_doc, jats_findings),
    ), rules=RULES, labels=builtin_labels())
