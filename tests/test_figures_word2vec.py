"""The Word2Vec lab's figures: the window strip, the network's matrices, bars, the map."""

import numpy as np
import pytest
import torch

from seqviz.figures import embeddings as efigs
from seqviz.figures import word2vec as wfigs
from seqviz.figures.style import ACCENT, NEUTRAL, STEP_LINE


def test_window_strip_marks_centre_context_and_escapes_words():
    tokens = ["a", "<b>", "c", "d"]
    fig = wfigs.window_strip(tokens, 1, [0, 2], kept=[True, True, True, False])
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == 4
    texts = [a.text for a in fig.layout.annotations]
    # positions count from 1 (x_1 … x_N): index 1 is the centre x_2, index 3 the word x_4
    assert "j=2" in texts and "-1" in texts and "+1" in texts and "4" in texts
    assert any("&lt;b&gt;" in t for t in texts) and not any("<b><b>" in t for t in texts)
    assert "dropped" in texts


def test_network_matrix_writes_numbers_and_outlines_rows_and_columns():
    M = torch.tensor([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    fig = wfigs.network_matrix(
        M, ["r0", "<r1>"], ["a", "b", "c"], highlight_rows=[1], highlight_cols=[0, 2]
    )
    hm = fig.data[0]
    assert np.allclose(np.asarray(hm.z), M.numpy()) and hm.zmid == 0
    assert (hm.zmin, hm.zmax) == (-3.0, 3.0)
    assert np.asarray(hm.text).tolist() == [["1.00", "-2.00", "0.50"], ["0.00", "3.00", "-1.00"]]
    row, *cols = fig.layout.shapes
    assert (row.y0, row.y1, row.line.color) == (0.5, 1.5, STEP_LINE)
    assert [(c.x0, c.x1, c.line.color) for c in cols] == [(-0.5, 0.5, ACCENT), (1.5, 2.5, ACCENT)]
    assert list(fig.layout.yaxis.ticktext) == ["r0", "&lt;r1&gt;"]  # escaped
    assert fig.layout.xaxis.side == "top" and hm.showscale
    one_row = wfigs.network_matrix(M[:1], ["h"], ["a", "b", "c"], digits=3)
    assert not one_row.data[0].showscale and np.asarray(one_row.data[0].text)[0, 0] == "1.000"


def test_network_matrix_keeps_repeated_row_labels_apart():
    """A negative drawn twice has two rows with one label: both rows are drawn."""
    fig = wfigs.network_matrix(np.eye(3), ["−n: b", "−n: b", "+c: a"], ["e0", "e1", "e2"])
    assert np.asarray(fig.data[0].z).shape == (3, 3)
    assert list(fig.layout.yaxis.tickvals) == [0, 1, 2]


def test_softmax_bars_and_the_embedding_animation():
    bars = wfigs.softmax_bars(["a", "b", "c"], torch.tensor([0.2, 0.5, 0.3]), [1], center=0)
    assert list(bars.data[0].marker.color) == [NEUTRAL, ACCENT, NEUTRAL]
    frames = [np.random.default_rng(i).normal(size=(5, 2)) * (i + 1) for i in range(3)]
    anim = efigs.embedding_animation(frames, list("vwxyz"), ["0", "1", "2"])
    assert len(anim.frames) == 3
    for frame in anim.frames:  # centred, unit rms radius
        pts = np.column_stack([frame.data[0].x, frame.data[0].y])
        assert np.allclose(pts.mean(0), 0, atol=1e-9)
        assert np.sqrt((pts**2).sum(1).mean()) == pytest.approx(1.0)
    still = efigs.embedding_map(frames[0], list("vwxyz"), groups=[0, 1, 1, 0, 2])
    assert list(still.data[0].text) == list("vwxyz")
    assert still.data[0].marker.color[1] == still.data[0].marker.color[2]


def network_step():
    from seqviz import word2vec as w2v

    m = w2v.SkipGram(4, 3, seed=0, init="random").requires_grad_(False)
    with torch.no_grad():
        m.W_out.copy_(torch.randn(4, 3, generator=torch.Generator().manual_seed(1)))
    noise = w2v.noise_distribution(torch.tensor([3, 2, 2, 1]))
    return m, w2v.softmax_step(m, 1, [0, 2]), w2v.neg_sampling_step(m, 1, [0, 2], noise, 2, 4)


def test_softmax_step_figures_draw_the_steps_values():
    m, step, _ = network_step()
    words = ["a", "b", "c", "d"]
    W = wfigs.embedding_matrix(m.W, words, 1)
    assert np.allclose(np.asarray(W.data[0].z), m.W.numpy()) and "W (4×3)" in W.layout.title.text
    Wp = wfigs.context_matrix(m.W_prime, words, step.contexts)
    assert np.allclose(np.asarray(Wp.data[0].z), m.W_prime.numpy())
    xu = np.asarray(wfigs.input_and_scores(step, words).data[0].z)
    assert np.allclose(xu, np.stack([step.x.numpy(), step.u.numpy()]))
    assert np.allclose(wfigs.softmax_output(step, words).data[0].y, step.y_hat.numpy())
    gW = wfigs.embedding_gradient(step, words)
    assert np.allclose(np.asarray(gW.data[0].z), step.grad_W[1:2].numpy())
    assert list(gW.layout.yaxis.ticktext) == ["b"]
    gWp = np.asarray(wfigs.context_gradient(step, words).data[0].z)
    assert np.allclose(gWp, step.grad_W_prime.numpy())


def test_negative_step_figures_have_one_row_per_vector_used():
    _, _, step = network_step()
    words = ["a", "b", "c", "d"]
    bars = wfigs.negative_step_scores(step, words).data[0]
    # per context word: its own score, then its K = 2 negatives'
    want = [s for n in range(2) for s in [float(step.pos_score[n]), *step.neg_score[n].tolist()]]
    assert np.allclose(bars.y, want)
    assert list(bars.marker.color) == [ACCENT, wfigs.NEGATIVE, wfigs.NEGATIVE] * 2
    grads = wfigs.negative_step_gradients(step, words)
    z = np.asarray(grads.data[0].z)
    assert z.shape == (2 * 3 + 1, 3)
    assert np.allclose(z[0], step.grad_pos[0].numpy()) and np.allclose(z[-1], step.grad_h)
    assert np.allclose(z[1], step.grad_neg[0, 0].numpy())


def test_the_uniform_level_is_named_in_the_legend_not_on_the_bars():
    """The "1/V (uniform)" label used to sit on the plot, over a bar's value."""
    bars = wfigs.softmax_bars(list("abcd"), torch.tensor([0.26, 0.24, 0.25, 0.25]), [1], 0)
    assert not [a for a in bars.layout.annotations if "1/V" in (a.text or "")]
    line = [t for t in bars.data if (t.name or "").startswith("1/V")]
    assert len(line) == 1 and line[0].name == "1/V = 0.250 (uniform)"
    assert list(line[0].y) == [0.25, 0.25]
    assert bars.layout.legend.y >= 1 and bars.layout.legend.yanchor == "bottom"
    assert bars.data[0].showlegend is False


def _crowded(n=30, seed=0):
    rng = np.random.default_rng(seed)
    pts = np.vstack([rng.normal(0, 0.05, size=(n - 2, 2)), [[3, 3], [-3, -3]]])
    words = [f"word{i}" for i in range(n)]
    return pts, words


def test_map_labels_do_not_pile_up_and_every_word_is_on_hover():
    pts, words = _crowded()
    fig = efigs.embedding_map(pts, words)
    trace = fig.data[0]
    shown = [bool(t) for t in trace.text]
    assert shown[0] and shown[-1] and shown[-2]  # the first word and the isolated ones
    assert 2 < sum(shown) < len(words)  # a crowded cluster: only some are labelled
    assert list(trace.customdata) == words
    x_range, y_range = list(fig.layout.xaxis.range), list(fig.layout.yaxis.range)
    plot = (efigs.PLOT_WIDTH_PX, 560 - 150)
    sides = {w: efigs.label_boxes(pts, words, x_range, y_range, plot, w) for w in ("top", "bottom")}
    where = [p.split()[0] for p in trace.textposition]
    kept = [sides[w][i] for i, (w, s) in enumerate(zip(where, shown, strict=True)) if s]
    assert "bottom" in where  # a label that does not fit above its dot goes below it
    for i, a in enumerate(kept):
        for b in kept[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def test_every_animation_frame_declutters_its_own_labels():
    pts, words = _crowded()
    frames = [pts, pts * [[1, 0.1]], pts]
    anim = efigs.embedding_animation(frames, words, ["0", "1", "2"])
    for frame in anim.frames:
        assert 2 < sum(bool(t) for t in frame.data[0].text) < len(words)
        assert list(frame.data[0].customdata) == words


def test_the_replay_button_and_the_slider_label_have_separate_places():
    """The button used to sit on the slider's "after … words" label (both below the
    plot): now the button is above the plot on the right, the slider below it."""
    pts, words = _crowded(5)
    anim = efigs.embedding_animation([pts, pts], words, ["start", "100 words"])
    button, slider = anim.layout.updatemenus[0], anim.layout.sliders[0]
    assert button.y >= 1 and button.yanchor == "bottom"  # above the plot area
    assert slider.y < 0 and slider.yanchor == "top"  # below it
    assert slider.currentvalue.xanchor == "left" and slider.x == 0
