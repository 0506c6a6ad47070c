"""The Seq2seq exercises: answers from the core, the worked solution reaches the answer."""

import pytest

from seqviz import exercises
from seqviz.bleu import sentence_bleu


@pytest.mark.parametrize("seed", range(4))
def test_every_exercise_checks_its_own_answer(seed):
    for ex_id in exercises.get_set("seq2seq").exercises:
        ex = exercises.make(ex_id, seed)
        assert exercises.check(ex, str(ex.answer)).correct, ex_id
        assert ex == exercises.make(ex_id, seed)  # deterministic per seed


def test_bleu_exercise_matches_a_recount():
    ex = exercises.make("s2s.bleu", 3)
    ref, cand = (s.split("`")[1].split() for s in ex.prompt.split("Candidate:"))
    assert ex.answer == pytest.approx(sentence_bleu(cand, ref, 1).score)


def test_beam_exercise_answer_is_the_best_product():
    for seed in range(6):
        ex = exercises.make("s2s.beam", seed)
        assert ex.answer in ex.choices
        assert f"The best is `{ex.answer}`" in ex.solution
