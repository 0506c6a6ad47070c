"""seqviz.exercises_transformer: every answer recomputed independently from the trained
model (its nn.MultiheadAttention, its parameter tensors, its logits), for several seeds,
and the worked solution's final number is an accepted answer."""

import re

import pytest
import torch

from seqviz import attention, checkpoints, exercises

SEEDS = (0, 1, 2, 7)


@pytest.fixture(scope="module")
def lm():
    return checkpoints.load("transformer")


def solution_number(markdown: str) -> float:
    """The worked solution's result: the last number written as "= x$"."""
    return float(re.findall(r"= (-?\d+(?:\.\d+)?)\$", markdown)[-1])


def reading(lm, ex):
    text = re.search(r"`([^`]*)`", ex.prompt).group(1)
    ids = lm.encode(text).ids
    return text, ids


def test_the_set_is_registered_for_the_transformer_lab():
    s = exercises.get_set("transformer")
    assert s.lab == "transformer" and s.exercises == (
        "tf.weight",
        "tf.masked",
        "tf.params",
        "tf.step",
    )
    assert exercises.sets_for_lab("transformer") == (s,)


@pytest.mark.parametrize("seed", SEEDS)
def test_head_weight_is_the_modules_own_weight(lm, seed):
    ex = exercises.make("tf.weight", seed)
    _, ids = reading(lm, ex)
    h, t, j = (int(ex.numbers[k]) - 1 for k in ("head", "t", "j"))
    block = lm.model.blocks[0]
    u = block.norm1(lm.model.tok_emb(ids) + lm.model.position_table(len(ids)))
    with torch.no_grad():
        _, w = block.attn(
            u, u, u, attn_mask=~attention.causal_mask(len(ids)), average_attn_weights=False
        )
    assert ex.answer == pytest.approx(float(w[h, t, j]), abs=1e-6)
    # the shown scores (3 decimals) give the answer within the tolerance
    shown = [float(v) for v in re.findall(r"= (-?\d+\.\d{3})\$ \(", ex.prompt)]
    assert len(shown) == t + 1
    alpha = torch.softmax(torch.tensor(shown), 0)[j]
    assert exercises.check(ex, f"{float(alpha):.2f}").correct
    assert exercises.check(ex, solution_number(ex.solution)).correct
    assert not exercises.check(ex, ex.answer + 0.02).correct


@pytest.mark.parametrize("seed", SEEDS)
def test_masked_count_is_the_number_of_future_positions(lm, seed):
    ex = exercises.make("tf.masked", seed)
    _, ids = reading(lm, ex)
    T, t = len(ids), int(ex.numbers["t"])
    _, tr = lm.model(ids, return_trace=True)
    assert ex.answer == T - t == int((tr.blocks[0].weights[0, t - 1] == 0).sum())
    assert exercises.check(ex, solution_number(ex.solution)).correct
    assert not exercises.check(ex, T - t + 1).correct


@pytest.mark.parametrize("seed", range(12))
def test_parameter_counts_follow_the_formulas(lm, seed):
    ex = exercises.make("tf.params", seed)
    E, F, V = (int(ex.numbers[k]) for k in ("E", "F", "V"))
    formulas = {
        "attention": 4 * E * E + 4 * E,
        "feed-forward": 2 * E * F + F + E,
        "layer norm": 2 * E,
        "embedding": V * E,
    }
    assert ex.answer in formulas.values()
    assert (E, F, V) == (lm.model.config.d_model, lm.model.config.d_ff, len(lm.vocab))
    assert exercises.check(ex, solution_number(ex.solution)).correct
    assert str(int(ex.answer)) in ex.solution


@pytest.mark.parametrize("seed", SEEDS)
def test_generation_step_is_the_samplers_top_k_probability(lm, seed):
    ex = exercises.make("tf.step", seed)
    _, ids = reading(lm, ex)
    with torch.no_grad():
        logits = lm.model(ids)[-1]
    logits[lm.vocab.unk] = float("-inf")
    p = torch.softmax(logits, 0)
    top = p.topk(3)
    renormalised = [float(v / top.values.sum()) for v in top.values]
    assert any(ex.answer == pytest.approx(r, abs=1e-5) for r in renormalised)
    assert exercises.check(ex, solution_number(ex.solution)).correct
