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
    allowed = np.tril(np.ones((T, T), bool)) if causal else np.ones((T, T), bool)
    np.testing.assert_allclose(
        z(figs["weights"]), np.where(allowed, sa.steps.weights.numpy(), np.nan), rtol=1e-6
    )
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


def test_masked_weights_are_drawn_as_masked_not_as_zero():
    """A causal cell is blank, prints no "0.00", hovers "−∞ → 0" and carries a hatch stroke;
    an allowed cell keeps its printed weight."""
    s, _, sa = one_pass(causal=True)
    T = len(s.tokens)
    fig = safigs.step_figures(sa, s.tokens, positions=True, scale=True, causal=True)["weights"]
    heat, hatch = fig.data[0], fig.data[1]
    upper = np.triu_indices(T, 1)
    assert np.isnan(z(fig)[upper]).all()
    text = np.asarray(heat.text)
    assert (text[upper] == "").all()
    assert text[1, 0] == f"{float(sa.steps.weights[1, 0]):.2f}"
    hover = np.asarray(heat.customdata)
    assert (hover[upper] == "masked: −∞ → 0").all()
    assert "−∞ → 0" in hatch.hovertemplate
    assert len(hatch.x) == len(upper[0]) == T * (T - 1) // 2
    rows = list(heat.y)
    assert {(y, x) for x, y in zip(hatch.x, hatch.y, strict=True)} == {
        (rows[i], rows[j]) for i, j in zip(*upper, strict=True)
    }
    # without the mask nothing is hatched and every cell has its number
    s0, _, sa0 = one_pass()
    plain = safigs.step_figures(sa0, s0.tokens, positions=True, scale=True, causal=False)
    assert len(plain["weights"].data) == 1


def test_shuffle_maps_label_every_word_with_room_for_each_row():
    s, w, _ = one_pass()
    off = self_attention.order_test(s.ids, w, positions=False, seed=3)
    on = self_attention.order_test(s.ids, w, positions=True, seed=3)
    _, maps = safigs.order_maps(off, on, s.tokens)
    T = len(s.tokens)
    for fig in maps:
        heat = fig.data[0]
        assert list(fig.layout.yaxis.tickvals) == list(heat.y) and len(heat.y) == T
        assert list(fig.layout.xaxis.tickvals) == list(heat.x) and len(heat.x) == T
        assert list(fig.layout.xaxis.ticktext) == list(heat.x)
        assert fig.layout.height / T >= safigs.ORDER_ROW_PX
        assert heat.showscale is False  # the width goes to the words, not a colour bar


def test_model_view_masks_the_future_and_labels_small_maps():
    from seqviz import attention
    from seqviz.figures import attention as afigs

    T = 5
    w = np.full((2, 4, T, T), 0.2)
    fig = afigs.model_view(w, list("hello"), mask=attention.causal_mask(T))
    assert np.isnan(np.asarray(fig.data[3].z, dtype=float)[np.triu_indices(T, 1)]).all()
    assert (np.asarray(fig.data[3].customdata)[np.triu_indices(T, 1)] == afigs.MASKED).all()
    assert "query “%{y}” → key “%{x}”" in fig.data[0].hovertemplate
    # small: the left column names the rows, the bottom row names the columns
    assert fig.layout.yaxis.showticklabels and fig.layout.xaxis5.showticklabels
    assert not fig.layout.yaxis2.showticklabels and not fig.layout.xaxis.showticklabels
    long = afigs.model_view(np.full((2, 4, 40, 40), 1 / 40), list("ab" * 20))
    assert not long.layout.yaxis.showticklabels  # too many for the axes: hover only
    assert "“%{y}” → “%{x}”" in long.data[0].hovertemplate.replace("query ", "").replace("key ", "")
