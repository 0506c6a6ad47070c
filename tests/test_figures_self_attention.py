"""seqviz.figures.self_attention: one figure per step, drawn from the pass's own values."""

import math

import numpy as np
import pytest

from seqviz import self_attention
from seqviz.figures import self_attention as safigs

SENTENCE = "the time traveller held in his hand"


def one_pass(scale=True, causal=False, positions=True, d_k=4):
    s = self_attention.read_sentence(SENTENCE)
    w = self_attention.random_weights(len(self_attention.word_vocab()), 16, d_k, 0)
    sa = self_attention.self_attention(s.ids, w, positions=positions, scale=scale, causal=causal)
    return s, w, sa


def z(fig) -> np.ndarray:
    return np.asarray(fig.data[0].z, dtype=float)


@pytest.mark.parametrize("causal", [False, True])
def test_every_step_is_drawn_from_the_pass(causal):
    s, _, sa = one_pass(causal=causal)
    figs = safigs.step_figures(sa, s.tokens, positions=True, scale=True, causal=causal)
    assert tuple(figs) == safigs.STEPS
    T = len(s.tokens)
    np.testing.assert_allclose(z(figs["Q"]), sa.Q.numpy(), rtol=1e-6)
    np.testing.assert_allclose(z(figs["weights"]), sa.steps.weights.numpy(), rtol=1e-6)
    assert z(figs["E"]).shape == (T, 16) and z(figs["V"]).shape == (T, 4)
    masked = z(figs["masked"])
    assert np.isnan(masked[np.triu_indices(T, 1)]).all() == causal  # −∞ cells left blank
    entropy = figs["entropy"]
    np.testing.assert_allclose(entropy.data[0].y, sa.steps.entropy.numpy(), rtol=1e-6)
    uniform = [math.log(i + 1) if causal else math.log(T) for i in range(T)]
    np.testing.assert_allclose(entropy.data[1].y, uniform, rtol=1e-6)


def test_titles_follow_the_switches():
    s, _, sa = one_pass(scale=False, positions=False, causal=True)
    figs = safigs.step_figures(sa, s.tokens, positions=False, scale=False, causal=True)
    assert "not scaled" in figs["scaled"].layout.title.text
    assert "(off)" in figs["P"].layout.title.text
    assert figs["masked"].layout.title.text == "masked (causal)"


def test_query_bars_are_one_row_of_weights():
    s, _, sa = one_pass()
    fig = safigs.query_bars(sa, s.tokens, 2)
    np.testing.assert_allclose(fig.data[0].y, sa.steps.weights[2].numpy(), rtol=1e-6)


def test_order_maps_shuffle_the_words_and_keep_the_weights():
    s, w, _ = one_pass()
    off = self_attention.order_test(s.ids, w, positions=False, seed=3)
    on = self_attention.order_test(s.ids, w, positions=True, seed=3)
    shuffled, maps = safigs.order_maps(off, on, s.tokens)
    assert shuffled == [s.tokens[int(k)] for k in off.perm] and shuffled != s.tokens
    assert len(maps) == 3
    np.testing.assert_allclose(z(maps[1]), off.shuffled.numpy(), rtol=1e-6)
    np.testing.assert_allclose(z(maps[2]), on.unshuffled.numpy(), rtol=1e-6)
