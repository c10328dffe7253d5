"""SARIF reporter: valid against the official 2.1.0 schema, rules complete, locations right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import builtin_rules
from sample_reports import sample_run, validate_sarif

from citeaudit.plugins.ci_reports import render_sarif
from citeaudit.report import RunReport

RULES = builtin_rules()

@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.chdir(tmp_path)
    return json.loads(render_sarif(sample_run(tmp_path)))


def test_output_validates_against_the_sarif_2_1_0_schema(log):
    validate_sarif(log)
    assert log["version"] == "2.1.0"


def test_an_empty_run_is_valid_too():
    validate_sarif(json.loads(render_sarif(RunReport(()))))


def test_the_driver_lists_every_rule_with_help_and_default_level(log):
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "citeaudit" and driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    assert len(rules) == 29  # RULES.md's 28 and CA107 unused-suppression
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in rules}
    assert levels["CA101"] == "error" and levels["CA102"] == "warning" and levels["CA205"] == "note"
    for rule in rules:
        assert rule["name"] == RULES[rule["id"]].name
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["id"] in rule["help"]["markdown"]


def test_results_point_at_the_rule_by_id_and_index(log):
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == 7
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert [r["level"] for r in results[:4]] == ["error", "warning", "error", "note"]


def test_text_locations_are_relative_uris_with_line_and_column(log):
    first = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"] == {"uri": "drafts/atopic%20dermatitis.md", "uriBaseId": "%SRCROOT%"}
    assert first["region"] == {"startLine": 3, "startColumn": 1}
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")


def test_a_bib_finding_points_at_the_bib_file(log):
    bib = log["runs"][0]["results"][2]["locations"][0]["physicalLocation"]
    assert bib["artifactLocation"]["uri"] == "lib.bib"
    assert bib["region"] == {"startLine": 12}


def test_a_finding_without_a_place_names_the_document_only(log):
    loc = log["runs"][0]["results"][3]["locations"][0]["physicalLocation"]
    assert loc == {"artifactLocation": {"uri": "drafts/atopic%20dermatitis.md", "uriBaseId": "%SRCROOT%"}}


def test_docx_paragraphs_are_logical_locations(log):
    results = log["runs"][0]["results"]
    body, note = results[4]["locations"][0], results[5]["locations"][0]
    assert "region" not in body["physicalLocation"]
    assert body["logicalLocations"][0]["fullyQualifiedName"] == "document/paragraph[5]/offset[17]"
    assert note["logicalLocations"][0]["fullyQualifiedName"] == "footnote:3/paragraph[1]/offset[2]"


def test_jats_elements_keep_line_and_xpath(log):
    loc = log["runs"][0]["results"][6]["locations"][0]
    assert loc["physicalLocation"]["region"] == {"startLine": 40}
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == "/article/body/p[2]/xref[1]"


def test_results_carry_stable_fingerprints_and_properties(tmp_path: Path, monkeypatch, log):
    result = log["runs"][0]["results"][0]
    fp = result["partialFingerprints"]["citeaudit/v1"]
    assert len(fp) == 32
    assert result["properties"]["evidence"] == {"drug": "dupilumab"}
    assert result["properties"]["claim"] == 1
    again = json.loads(render_sarif(sample_run(tmp_path)))
    assert again["runs"][0]["results"][0]["partialFingerprints"]["citeaudit/v1"] == fp
    fps = [r["partialFingerprints"]["citeaudit/v1"] for r in log["runs"][0]["results"]]
    assert len(set(fps)) == len(fps)


def test_paths_outside_the_working_folder_become_file_uris(tmp_path: Path, monkeypatch):
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    log = json.loads(render_sarif(sample_run(tmp_path)))
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"].startswith("file:///") and "uriBaseId" not in uri
    validate_sarif(log)


def test_the_schema_check_would_catch_a_bad_level(log):
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(AssertionError, match="fatal"):
        validate_sarif(log)


def test_the_command_line_writes_valid_sarif_with_overridden_levels(tmp_path: Path, monkeypatch):
    from conftest import run_cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "review.md").write_text(
        "Dupilumab improved EASI-75 [2]. Tralokinumab targets IL-13 [1] [4].\n\n## References\n\n"
        "1. Wollenberg A, et al. Tralokinumab for atopic dermatitis. Br J Dermatol. 2021;184(3):437-449.\n"
        "2. Simpson EL, et al. Dupilumab versus placebo. N Engl J Med. 2016;375:2335-48.\n", encoding="utf-8")
    (tmp_path / "citeaudit.toml").write_text('[severity]\nCA103 = "info"\n')
    code, out, err = run_cli("check", "drafts", "--offline", "--format", "sarif", "--output", "out.sarif")
    assert code == 1 and out == "", err
    log = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    validate_sarif(log)
    results = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    assert results["CA103"]["level"] == "note"
    assert results["CA101"]["level"] == "error"
    location = results["CA101"]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "drafts/review.md"
    assert location["region"]["startLine"] == 1 and location["region"]["startColumn"] > 1
