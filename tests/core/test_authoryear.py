"""Author-year style detection shared by the readers."""

from __future__ import annotations

from citeaudit.authoryear import alphabetical, citations, is_author_year


def test_citations_of_the_usual_forms():
    text = ("Prevalence doubled [(Xiong et al., 2025)](https://x.org) and (Smith, 2019; Jones & Lee, 2020). "
            "Capon and Burden 2013 agreed, as did Parisi (2013).")
    assert citations(text) == [("Xiong", "2025"), ("Smith", "2019"), ("Jones", "2020"),
                               ("Capon", "2013"), ("Parisi", "2013")]


def test_dates_and_places_are_not_citations():
    text = "In 2020, March 2021 and Boston, 2019 the Phase 3 trial of 2018 ended; see Table 2 (2019)."
    assert citations(text) == []


def test_style_needs_several_citations_and_more_than_numeric_markers():
    texts = ["(Smith et al., 2020) and (Lee, 2019).", "Parisi (2013) found it."]
    assert is_author_year(texts, numeric_markers=0)
    assert not is_author_year(texts, numeric_markers=3)
    assert not is_author_year(texts[:1], numeric_markers=0)


def test_alphabetical_lists():
    assert alphabetical(["1. Adams J.", "2. Baker K.", "3. Bálint M.", "4. Cole P.", "5. Diaz R.", "6. Eng T."])
    assert not alphabetical(["1. Zhou J.", "2. Baker K.", "3. Moss M.", "4. Cole P.", "5. Adams R."])
    assert not alphabetical(["Adams", "Baker"])
