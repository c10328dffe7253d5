"""Character diffs of two field values, as the reports mark them."""

from __future__ import annotations

from citeaudit.worddiff import inline, segments, side


def test_a_one_letter_change_is_marked_on_its_own() -> None:
    assert inline("Katsambos", "Katsambas") == "Katsamb[-o-]{+a+}s"
    assert inline("2003", "2002") == "200[-3-]{+2+}"


def test_joining_the_runs_gives_back_both_values() -> None:
    for old, new in [("Light therapies for acne", "Light therapy for acne vulgaris"), ("", "x"), ("abc", "")]:
        runs = segments(old, new)
        assert "".join(t for k, t in runs if k != "new") == old
        assert "".join(t for k, t in runs if k != "old") == new
        assert "".join(t for _, t in side(runs, "old")) == old


def test_unrelated_values_are_not_confetti() -> None:
    marked = inline("Journal of dermatological science", "Lasers in surgery and medicine")
    assert marked.count("[-") <= 3
