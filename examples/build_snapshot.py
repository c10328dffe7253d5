"""Rebuild examples/snapshot/ from the MEDLINE records of the acne light-therapy library.

    python examples/build_snapshot.py PATH/TO/blue-light.nbib [PNAS-works.json]

The nbib file is the IEBH/RefLib "Blue Light for Acne" library (80 real
MEDLINE records, see examples/SNAPSHOT.md). This script only moves facts
from MEDLINE tags into the formats the registries answer in; it adds none:

- pubmed.xml: one PubmedArticle per cited PMID, each element from the tag
  SNAPSHOT.md names (structured-abstract labels become `Label` attributes);
- crossref.jsonl: one work per cited DOI, from the same record's TI, FAU,
  JT, VI, IP, PG, DP, IS and LID/AID tags, plus (for the flawed copy) the
  real Crossref answer for the corrected PNAS article, unchanged.

Not run by the tests (they read the files it wrote); kept so every byte of
the snapshot can be traced back to its source.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

CITED = ["25388823", "12589953", "21352326", "25690162", "12413768", "15379878", "16249142",
         "25594129", "10809858", "16766484", "17111415", "23278295", "17803597", "19239470",
         "28338214"]
"""The PMIDs review.md cites, in the order of its reference list."""

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_LABEL = re.compile(r"(?:^|(?<=[.)] ))([A-Z][A-Z]+(?: (?:AND|[A-Z]+))*): ")


def parse(path: Path) -> dict[str, dict[str, list[str]]]:
    """MEDLINE records by PMID; continuation lines joined to their tag."""
    records: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    tag = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        match = re.match(r"^([A-Z]{2,4})\s*- (.*)$", line)
        if match:
            tag, value = match.groups()
            if tag == "PMID":
                current = {}
                records[value] = current
            current.setdefault(tag, []).append(value)
        else:
            current[tag][-1] += " " + line.strip()
    return records


def _doi(record: dict[str, list[str]]) -> str:
    return next(v[:-6] for v in record.get("LID", []) + record.get("AID", []) if v.endswith(" [doi]"))


def _sections(abstract: str) -> list[tuple[str | None, str]]:
    """`BACKGROUND: ... METHODS: ...` as (label, text) pairs; one unlabelled part otherwise."""
    marks = list(_LABEL.finditer(abstract))
    if not marks or marks[0].start() != 0:
        return [(None, abstract)]
    out = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(abstract)
        out.append((mark.group(1), abstract[mark.end():end].strip()))
    return out


def _date(dp: str) -> list[int]:
    parts = dp.split()
    date = [int(parts[0])]
    if len(parts) > 1 and parts[1][:3] in MONTHS:
        date.append(MONTHS.index(parts[1][:3]) + 1)
        if len(parts) > 2 and parts[2].isdigit():
            date.append(int(parts[2]))
    return date


def pubmed_article(pmid: str, r: dict[str, list[str]]) -> str:
    x = escape
    date = _date(r["DP"][0])
    pub_date = f"<Year>{date[0]}</Year>" + (f"<Month>{MONTHS[date[1] - 1]}</Month>" if len(date) > 1 else "") \
        + (f"<Day>{date[2]}</Day>" if len(date) > 2 else "")
    issns = "".join(f'<ISSN IssnType="{"Electronic" if "Electronic" in v else "Print"}">{x(v.split()[0])}</ISSN>'
                    for v in r.get("IS", []) if "Linking" not in v)
    authors = ""
    for full, short in zip(r["FAU"], r["AU"], strict=False):
        family, _, given = full.partition(", ")
        initials = short[len(family):].strip()
        authors += (f'<Author ValidYN="Y"><LastName>{x(family)}</LastName><ForeName>{x(given)}</ForeName>'
                    f"<Initials>{x(initials)}</Initials></Author>")
    abstract = "".join(f'<AbstractText Label="{x(label)}">{x(text)}</AbstractText>' if label
                       else f"<AbstractText>{x(text)}</AbstractText>"
                       for label, text in _sections(" ".join(r.get("AB", []))))
    types = "".join(f"<PublicationType>{x(t)}</PublicationType>" for t in r.get("PT", []))
    article_date = ""
    if r.get("DEP"):
        d = r["DEP"][0]
        article_date = (f'<ArticleDate DateType="Electronic"><Year>{d[:4]}</Year><Month>{d[4:6]}</Month>'
                        f"<Day>{d[6:8]}</Day></ArticleDate>")
    chemicals = "".join(f"<Chemical><NameOfSubstance>{x(v.split(' (', 1)[1].rstrip(')'))}</NameOfSubstance></Chemical>"
                        for v in r.get("RN", []))
    mesh = "".join(f'<MeshHeading><DescriptorName MajorTopicYN="{"Y" if "*" in v.split("/")[0] else "N"}">'
                   f"{x(v.split('/')[0].lstrip('*'))}</DescriptorName></MeshHeading>" for v in r.get("MH", []))
    keywords = "".join(f"<Keyword>{x(v)}</Keyword>" for v in r.get("OT", []))
    doi = _doi(r)
    ids = f'<ArticleId IdType="pubmed">{pmid}</ArticleId><ArticleId IdType="doi">{x(doi)}</ArticleId>'
    if r.get("PMC"):
        ids += f'<ArticleId IdType="pmc">{x(r["PMC"][0])}</ArticleId>'
    issue = f"<Issue>{x(r['IP'][0])}</Issue>" if r.get("IP") else ""
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
        f"<Article><Journal>{issns}<JournalIssue><Volume>{x(r['VI'][0])}</Volume>{issue}"
        f"<PubDate>{pub_date}</PubDate></JournalIssue><Title>{x(r['JT'][0])}</Title></Journal>"
        f"<ArticleTitle>{x(r['TI'][0])}</ArticleTitle><Pagination><MedlinePgn>{x(r['PG'][0])}</MedlinePgn></Pagination>"
        f'<ELocationID EIdType="doi" ValidYN="Y">{x(doi)}</ELocationID>'
        f"<Abstract>{abstract}</Abstract><AuthorList CompleteYN=\"Y\">{authors}</AuthorList>"
        f"<Language>{x(r.get('LA', ['eng'])[0])}</Language><PublicationTypeList>{types}</PublicationTypeList>"
        f"{article_date}</Article><MedlineJournalInfo><MedlineTA>{x(r['TA'][0])}</MedlineTA></MedlineJournalInfo>"
        + (f"<ChemicalList>{chemicals}</ChemicalList>" if chemicals else "")
        + (f"<MeshHeadingList>{mesh}</MeshHeadingList>" if mesh else "")
        + (f'<KeywordList Owner="NOTNLM">{keywords}</KeywordList>' if keywords else "")
        + f"</MedlineCitation><PubmedData><ArticleIdList>{ids}</ArticleIdList></PubmedData></PubmedArticle>"
    )


def crossref_work(r: dict[str, list[str]]) -> dict:
    authors = []
    for i, full in enumerate(r["FAU"]):
        family, _, given = full.partition(", ")
        authors.append({"given": given, "family": family, "sequence": "first" if i == 0 else "additional"})
    work = {
        "DOI": _doi(r), "type": "journal-article", "title": [r["TI"][0].rstrip(".")], "author": authors,
        "container-title": [r["JT"][0]], "volume": r["VI"][0],
    }
    if r.get("IP"):
        work["issue"] = r["IP"][0]
    work["page"] = r["PG"][0]
    work["issued"] = {"date-parts": [_date(r["DP"][0])]}
    work["ISSN"] = [v.split()[0] for v in r.get("IS", []) if "Linking" not in v]
    return work


def main(nbib: str, pnas: str | None = None) -> None:
    records = parse(Path(nbib))
    out = Path(__file__).resolve().parent / "snapshot"
    articles = "\n".join(pubmed_article(p, records[p]) for p in CITED)
    (out / "pubmed.xml").write_text(
        '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2024//EN" '
        '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">\n'
        f"<PubmedArticleSet>\n{articles}\n</PubmedArticleSet>\n", encoding="utf-8")
    lines = [json.dumps(crossref_work(records[p]), ensure_ascii=False) for p in CITED]
    if pnas:
        lines.append(json.dumps(json.loads(Path(pnas).read_text(encoding="utf-8"))["message"], ensure_ascii=False))
    (out / "crossref.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
