"""seqviz.spans against hand-worked cases of the CoNLL (conlleval) span definition."""

import pytest

from seqviz.spans import (
    Score,
    Span,
    confusion,
    frequent_errors,
    report,
    score,
    spans,
    token_accuracy,
)


def test_spans_of_a_plain_sentence():
    # Teddy Roosevelt was a president of the United States
    tags = ["B-PER", "I-PER", "O", "O", "O", "O", "O", "B-LOC", "I-LOC"]
    assert spans(tags) == [Span(0, 1, "PER"), Span(7, 8, "LOC")]


def test_b_after_b_of_the_same_type_starts_a_new_span():
    assert spans(["B-PER", "B-PER", "I-PER"]) == [Span(0, 0, "PER"), Span(1, 2, "PER")]


def test_an_i_without_a_b_starts_a_span_as_conlleval_reads_it():
    assert spans(["O", "I-ORG", "I-ORG", "O"]) == [Span(1, 2, "ORG")]


def test_an_i_of_another_type_ends_the_span_and_starts_its_own():
    assert spans(["B-PER", "I-LOC", "I-LOC"]) == [Span(0, 0, "PER"), Span(1, 2, "LOC")]


def test_a_span_may_end_the_sentence_and_no_tags_no_spans():
    assert spans(["O", "B-LOC"]) == [Span(1, 1, "LOC")]
    assert spans([]) == [] and spans(["O", "O"]) == []


def test_not_a_bio_tag_is_refused():
    with pytest.raises(ValueError, match="not a BIO tag"):
        spans(["PER"])


def test_hand_worked_precision_recall_f1():
    # gold: [Teddy Roosevelt]PER ... [New York]LOC   |   [Google]ORG
    gold = [["B-PER", "I-PER", "O", "B-LOC", "I-LOC"], ["B-ORG", "O"]]
    # predicted: Teddy alone (wrong boundary), New York right, Google right, one spurious LOC
    pred = [["B-PER", "O", "O", "B-LOC", "I-LOC"], ["B-ORG", "B-LOC"]]
    s = score(gold, pred)
    # correct: New York, Google = 2; predicted 4; gold 3
    assert (s.correct, s.predicted, s.gold) == (2, 4, 3)
    assert s.precision == pytest.approx(2 / 4)
    assert s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))  # 4/7
    assert s.f1 == pytest.approx(4 / 7)
    per_type = report(gold, pred, ["PER", "LOC", "ORG"])
    assert (per_type["PER"].correct, per_type["PER"].predicted, per_type["PER"].gold) == (0, 1, 1)
    assert (per_type["LOC"].correct, per_type["LOC"].predicted, per_type["LOC"].gold) == (1, 2, 1)
    assert per_type["ORG"].f1 == 1.0
    assert per_type["all"] == s


def test_wrong_type_same_boundaries_is_not_correct():
    s = score([["B-PER", "I-PER"]], [["B-ORG", "I-ORG"]])
    assert (s.correct, s.predicted, s.gold) == (0, 1, 1) and s.f1 == 0.0


def test_empty_counts_give_zero_not_a_division_error():
    assert Score(0, 0, 0).precision == 0.0 and Score(0, 0, 0).f1 == 0.0
    assert score([["O"]], [["O"]]).f1 == 0.0


def test_token_accuracy_counts_words():
    assert token_accuracy([["O", "B-PER"], ["O"]], [["O", "O"], ["O"]]) == pytest.approx(2 / 3)


def test_lengths_must_match():
    with pytest.raises(ValueError):
        score([["O", "O"]], [["O"]])


def test_confusion_counts_words_by_gold_row_and_predicted_column():
    tags = ["O", "B-PER", "I-PER"]
    c = confusion([["O", "B-PER", "I-PER"], ["B-PER"]], [["O", "B-PER", "O"], ["O"]], tags)
    assert c == [[1, 0, 0], [1, 1, 0], [1, 0, 0]]
    assert sum(map(sum, c)) == 4


def test_frequent_errors_are_counted_and_ranked():
    words = [["Apple", "is", "Apple"], ["Apple"]]
    gold = [["B-ORG", "O", "B-ORG"], ["B-ORG"]]
    pred = [["O", "O", "O"], ["B-PER"]]
    assert frequent_errors(words, gold, pred) == [
        ("Apple", "B-ORG", "O", 2),
        ("Apple", "B-ORG", "B-PER", 1),
    ]
