"""Lexical similarity: TF-IDF cosine with folded words and lexicon concepts."""

from __future__ import annotations

from citeaudit.plugins.support.similarity import Index, best_sentence, stem, terms


def test_terms_fold_words_and_add_concepts() -> None:
    assert stem("infections") == stem("infection")
    assert "<atopic-dermatitis>" in terms("atopic eczema") and "<atopic-dermatitis>" in terms("AD")
    assert "the" not in terms("the risk")


def test_true_abstract_scores_above_another() -> None:
    works = ["dupilumab reduced skin infections in atopic dermatitis trials",
             "blue light phototherapy for acne vulgaris lesions"]
    index = Index(terms(w) for w in works)
    claim = index.vector(terms("Skin infections were rarer with dupilumab in atopic eczema."))
    true, other = (claim.cosine(index.vector(terms(w))) for w in works)
    assert true > 0.3 > other
    sentence, score = best_sentence(claim, ["Acne was common.", "Dupilumab lowered skin infections."], index)
    assert sentence == "Dupilumab lowered skin infections." and score > 0
