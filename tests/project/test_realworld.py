"""Published articles and real manuscripts (tests/data/realworld): read exactly, no false alarm.

Each document's references and cited numbers are compared with a truth built
here without the readers: XPath over the JATS, plain regexes over the
Markdown. Its CA1xx and CA206 findings are compared with what a careful
reader found (shared/corpus/realworld/README.md): the true defects, and
nothing else.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import DATA, run_cli
from lxml import etree

REALWORLD = DATA / "realworld"
DASH = "-\u2010\u2011\u2012\u2013\u2014\u2212"

# What a careful reader found in each document (README.md of the corpus), as
# (rule, reference or citation number) pairs; the counts are the whole truth.
EXPECTED_FINDINGS: dict[str, Counter] = {
    "aacr_cir_25_0159_review.xml": Counter(),
    # The publisher lost range dashes ("89 16"): 24 references are uncited as written,
    # and 5 numbers are first cited out of order as written.
    "bmj_jitc_2025_012743_review.xml": Counter({"CA102": 24, "CA103": 5}),
    "degruyter_biol_2025_1179_review.xml": Counter(),
    "elsevier_apsb_2025_07_017_review.xml": Counter({"CA105": 1}),  # refs 55 and 101
    "frontiers_PMC12634591_correction.xml": Counter(),
    "frontiers_fimmu_1665488_review.xml": Counter(),
    "mdpi_biomedicines_13102497_review.xml": Counter(),
    "scielo_rsp_48_2_0331_review.xml": Counter({"CA102": 3, "CA103": 1}),  # 37, 72, 100; the note
    "tandf_gutmicrobes_2571433_review.xml": Counter({"CA105": 1}),  # refs 84 and 90
    "wiley_advs_202513567_review.xml": Counter(),
}
ARTICLE_SET_FINDINGS = [Counter()] * 3 + [Counter({"CA103": 2})] + [Counter()] * 6
"""Article 4 of the set cites 4 before 2 and 5 before 3."""


def _check(path: Path) -> list[dict]:
    code, out, err = run_cli("check", str(path), "--offline", "--select", "CA1,CA206",
                             "--format", "json", "--fail-on", "never")
    assert code == 0, err
    return json.loads(out)["documents"]


def _findings(document: dict) -> Counter:
    return Counter(f["rule"] for f in document["findings"])


def _cited(document: dict) -> set[int]:
    return {n for claim in document["claims"] for n in claim["citations"]}


# -- JATS: truth by XPath -----------------------------------------------------------------


def _articles(path: Path) -> list[etree._Element]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    root = etree.parse(str(path), parser).getroot()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            el.tag = el.tag.split("}", 1)[1]
    return root.xpath("//article[not(ancestor::article)]") or [root]


def jats_truth(article: etree._Element) -> tuple[int, set[int]]:
    """(number of refs, numbers cited) of one article, by XPath.

    A ref's number is its numeric label, else its position. An xref cites the
    refs its rid names; a dash between two xrefs, or an xref whose text is only
    a dash, cites the range between; an xref whose text spells a range or list
    starting at its own number ("11-15", "11, 12") cites all of it.
    """
    refs = article.xpath(".//ref")
    number = {}
    for position, ref in enumerate(refs, start=1):
        label = "".join(ref.xpath("./label//text()"))
        digits = re.fullmatch(r"\W*(\d+)\W*", label)
        number.setdefault(ref.get("id"), int(digits[1]) if digits else position)
    listed = set(number.values())
    cited: set[int] = set()
    xrefs = article.xpath(".//xref[@ref-type='bibr'][not(ancestor::ref)]")
    for index, xref in enumerate(xrefs):
        own = [number[rid] for rid in (xref.get("rid") or "").split() if rid in number]
        cited.update(own)
        text = "".join(xref.itertext()).strip().strip("[]()")
        spelled = re.fullmatch(rf"(\d+)\s*[{DASH}]\s*(\d+)", text)
        if own and spelled and int(spelled[1]) == own[0] and set(range(own[0], int(spelled[2]) + 1)) <= listed:
            cited.update(range(own[0], int(spelled[2]) + 1))
        listing = [int(n) for n in re.findall(r"\d+", text)] if re.fullmatch(r"\d+(?:\s*,\s*\d+)+", text) else []
        if own and listing and listing[0] == own[0] and set(listing) <= listed:
            cited.update(listing)
        between = xref.tail or ""
        following = xref.getnext()
        if following is not None and following in xrefs and re.fullmatch(rf"[\s\[\]()]*[{DASH}][\s\[\]()]*", between):
            high = [number[rid] for rid in (following.get("rid") or "").split() if rid in number]
            if own and high and high[0] > own[-1]:
                cited.update(range(own[-1], high[0] + 1))
        if re.fullmatch(rf"[{DASH}]", text) and 0 < index < len(xrefs) - 1:
            low = [number[r] for r in (xrefs[index - 1].get("rid") or "").split() if r in number]
            high = [number[r] for r in (xrefs[index + 1].get("rid") or "").split() if r in number]
            if low and high:
                cited.update(range(low[0], high[0] + 1))
    return len(refs), cited


@pytest.mark.parametrize("name", sorted(EXPECTED_FINDINGS))
def test_jats_article_reads_exactly_and_finds_only_true_defects(name: str) -> None:
    path = REALWORLD / "jats" / name
    (document,) = _check(path)
    (article,) = _articles(path)
    refs, cited = jats_truth(article)
    assert len(document["references"]) == refs
    assert _cited(document) == cited
    assert _findings(document) == EXPECTED_FINDINGS[name]


def test_article_set_is_read_article_by_article() -> None:
    path = REALWORLD / "jats" / "pmc_articleset_two_case_reports.xml"
    documents = _check(path)
    articles = _articles(path)
    assert len(documents) == len(articles) == 10
    for document, article, expected in zip(documents, articles, ARTICLE_SET_FINDINGS, strict=True):
        refs, cited = jats_truth(article)
        assert (len(document["references"]), _cited(document)) == (refs, cited)
        assert _findings(document) == expected


def test_single_xref_ranges_are_expanded_in_the_tandf_review() -> None:
    (document,) = _check(REALWORLD / "jats" / "tandf_gutmicrobes_2571433_review.xml")
    assert len(_cited(document)) == 208  # 164 before ranges such as <xref>11-15</xref> were read


def test_wiley_claims_keep_no_brackets() -> None:
    (document,) = _check(REALWORLD / "jats" / "wiley_advs_202513567_review.xml")
    assert not [c["text"] for c in document["claims"] if "[ ]" in c["text"] or "[]" in c["text"]]
    first = document["claims"][0]
    assert first["text"].endswith("oncology therapeutic landscape.") and first["citations"] == [1]


def test_scielo_alphabetical_list_is_one_note() -> None:
    (document,) = _check(REALWORLD / "jats" / "scielo_rsp_48_2_0331_review.xml")
    (note,) = [f for f in document["findings"] if f["rule"] == "CA103"]
    assert note["severity"] == "info" and "alphabetical" in note["message"]
    assert sorted(f["reference"] for f in document["findings"] if f["rule"] == "CA102") == [37, 72, 100]


# -- Markdown: truth by regex -------------------------------------------------------------


def manubot_keys(text: str) -> set[str]:
    """Citation keys inside `[...]` of a manubot draft, pandoc-crossref references excluded."""
    keys = set()
    for group in re.findall(r"\[([^\[\]]*@[^\[\]]*)\]", text):
        keys.update(re.findall(r"(?:^|[\s;])-?@([^\s;,\]]*[\w/])", group))
    return {k for k in keys if not re.match(r"(?:fig|tbl|eq|sec):", k)}


def test_manubot_manuscript_reads_every_key_with_its_identifier() -> None:
    path = REALWORLD / "markdown" / "manubot_openpbta" / "manuscript.md"
    (document,) = _check(path)
    truth = manubot_keys(path.read_text(encoding="utf-8"))
    assert len(truth) == 169
    assert {r["id"] for r in document["references"]} == truth
    assert not [r for r in document["references"] if r["id"].startswith(("fig:", "tbl:"))]
    # the same DOI cited as @doi:10.1038/ng.2938 and @https://doi.org/10.1038/ng.2938: two entries
    assert _findings(document) == Counter({"CA105": 1})
    short = [r for r in document["references"] if r["id"].startswith("doi:10/")]
    assert len(short) == 9 and all(r["doi"] == r["id"][4:].lower() for r in short)


def test_joss_paper_reads_its_front_matter_library() -> None:
    path = REALWORLD / "markdown" / "joss_cosinorage" / "paper.md"
    code, out, err = run_cli("check", str(path), "--offline", "--select", "CA1,CA2", "--format", "json",
                             "--fail-on", "never")
    (document,) = json.loads(out)["documents"]
    keys = set(re.findall(r"@([\w-]+)", " ".join(re.findall(r"\[[^\]]*@[^\]]*\]", path.read_text(encoding="utf-8")))))
    assert {r["id"] for r in document["references"]} == keys and len(keys) == 8
    assert [f["rule"] for f in document["findings"]] == ["CA205"]  # actipy has no DOI, in the library either


def test_author_year_markdown_is_read_as_author_year() -> None:
    path = REALWORLD / "markdown" / "psoriasis_book" / "paper.md"
    (document,) = _check(path)
    text = path.read_text(encoding="utf-8")
    entries = re.findall(r"(?m)^(\d+)\. ", text[text.index("## 26. References"):])
    assert document["style"] == "author-year"
    assert len(document["references"]) == len(entries) == 51
    assert _findings(document) == Counter()
