"""Every sentence of the RNN step-through that tells the student what they will see, tested.

Each test computes the claim from the same core calls on the same defaults the page uses
(``app.controls.DEFAULT_TEXT``, the trained checkpoints, ``seqviz.recurrent.trace``), and
asserts the sentence is still in the page's source or prose: changing a caption without its
claim, or a default without its caption, fails here. The page steps in the browser by
default: the tests read the step view's data (``rnn_parts.step_data``, built from the same
trace; the "how to read this" sentences travel with it) — tests/test_browser_stepping.py
checks that the browser draws exactly those numbers.

Claim (where) -> test

- "a vector of 128 numbers" (rnn_intro.md) -> test_the_state_has_128_numbers
- "the state starts at $h_0 = 0$" (rnn_intro.md); "h_0 = 0 is the initial state, so the
  memory term W_hh h_0 is 0" (rnn.py, at t = 1); "the memory term W_hh h₀ in the equation is
  exactly 0" (tour) -> test_the_first_memory_term_is_zero
- "every column uses the *same* W_xh, W_hh and W_hq" (rnn.py, under the diagram) ->
  test_every_step_uses_the_same_weights
- "they add up to the pre-activation, and tanh squashes it into (−1, 1)" (rnn.py) ->
  test_the_three_terms_add_up_and_tanh_squashes
- "bar length is the probability the model gives each character $x_{t+1}$ after reading
  $x_1 … x_t$; the accent bar is the character that really comes next" (rnn.py) ->
  test_the_bars_are_the_next_character_probabilities
- "each dot is one state h_1 … h_t (128 numbers) flattened to 2-D by PCA fitted on the whole
  text; older dots fade, the last 12 carry their character, the big marker is h_t" (rnn.py)
  -> test_the_trajectory_shows_the_states_so_far
- "rows are the 32 units with the largest mean |h_t| over the text, most active first";
  "one column per character read so far (grey: not read yet)"; "tanh keeps every value in
  −1..1" (rnn.py, default heatmap) -> test_the_default_heatmap_rows_and_columns
- "a trained model expects the start of a new word — every one of its top five guesses is a
  letter" (rnn_try.md) -> test_after_the_space_the_top_five_are_letters
- "the guesses become a flat, meaningless spread" (rnn_try.md); "the prediction is close to
  uniform over the 28 symbols" (tour) -> test_untrained_guesses_are_flat
- "they are `<unk>`" (the digits of "first 20 minutes", rnn_try.md) -> test_the_digits_are_unk
- "simply *selects one column* of $W_{xh}$"; "the lecture's $b_h$ is their sum"
  (rnn_onehot.md) -> test_the_input_term_is_a_column_and_b_h_the_sum
- "Only the top layer feeds the output layer"; "The equation above the heatmaps is shown for
  layer 1" (rnn_stacked.md) -> test_stacked_output_reads_the_top_layer_and_the_equation_layer_1
- "Here the model guesses $x_t$ from ..."; "Neither half has read $x_t$" (rnn_bidirectional.md);
  "neither has read $x_t$" (rnn.py); "ŷ<sub>t</sub> guesses x<sub>t</sub> from" (diagram) ->
  test_the_blank_is_guessed_from_the_neighbours_only
- "t = 4, the first space"; "t = 7, after ‘the tim’"; "h₁ … h₁₆" (tour) ->
  test_the_tour_steps_name_the_right_characters
"""

from __future__ import annotations

import ast
import math
import re
from functools import cache
from pathlib import Path

import numpy as np
import torch
from apptools import assert_ok, num

from app import stepview, stepview_js
from app.controls import DEFAULT_TEXT
from seqviz import checkpoints, projection, recurrent, unit_order

ROOT = Path(__file__).resolve().parents[1]
PAGE = "views/rnn.py"


# --- where the sentences live --------------------------------------------------------


def _python_strings(path: Path) -> str:
    """Every string literal of a module, implicit concatenation joined, f-string fields {}."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            out.append(
                "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            )
    return "\n".join(out)


@cache
def source(name: str) -> str:
    path = ROOT / name
    text = _python_strings(path) if path.suffix == ".py" else path.read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", text)


def said(sentence: str, where: str) -> None:
    """The sentence (whitespace-insensitive) is still in ``where``."""
    assert re.sub(r"\s+", " ", sentence) in source(where), f"{sentence!r} not in {where}"


# --- the page's defaults, from the same core calls -----------------------------------


@cache
def reading(name: str = "rnn", text: str = DEFAULT_TEXT, trained: bool = True):
    model = checkpoints.load(name) if trained else checkpoints.untrained(name)
    enc = model.encode(text)
    tr = recurrent.trace(model.rnn, model.one_hot(enc.ids))
    return model, enc, tr


def step_view(at) -> dict:
    """What the browser's step view (the page's default) draws: every step's numbers."""
    views = [e for e in at.get("bidi_component") if e.proto.component_name == "seqviz_step_view"]
    assert len(views) == 1
    return stepview.read(views[0].proto)


# --- the claims ----------------------------------------------------------------------


def test_the_state_has_128_numbers():
    said("a vector of 128 numbers", "assets/text/rnn_intro.md")
    model, enc, tr = reading()
    assert model.config.hidden_size == 128 and tr.hidden.shape == (len(enc.tokens), 128)


def test_the_first_memory_term_is_zero(open_page):
    said("the state starts at $h_0 = 0$", "assets/text/rnn_intro.md")
    said("h_0 = 0 is the initial state, so the memory term W_hh h_0 is 0.", "app/views/rnn.py")
    said("the memory term W_hh h₀ in the equation is exactly 0", "app/tour.py")
    for text in (DEFAULT_TEXT, "the time machine"):
        _, _, tr = reading(text=text)
        run = tr.layers[0].directions[0]
        assert torch.all(run.h_prev[0] == 0) and torch.all(run.h_part["hidden"][0] == 0)
    at = open_page(PAGE)
    assert_ok(at)
    data = step_view(at)
    assert data["step"] == 0 and data["eq"][0][0]["h"] == num(0.0)  # (W_hh h_0)_0 at t = 1
    assert data["norms"][0]["h"] == num(0.0)  # ‖W_hh h_0‖
    # the browser's caption at t = 1 says the same (app/stepview_js.py)
    assert "h₀ = 0 is the initial state, so the memory term W_hh h₀ is 0." in stepview_js.JS


def test_every_step_uses_the_same_weights():
    said("every column uses the *same* W_xh, W_hh and W_hq", "app/views/rnn.py")
    model, enc, tr = reading()
    W_xh, W_hh = model.rnn.weight_ih_l0, model.rnn.weight_hh_l0
    b_h = model.rnn.bias_ih_l0 + model.rnn.bias_hh_l0
    x = model.one_hot(enc.ids)
    h = torch.zeros(model.config.hidden_size)  # h_0 = 0
    with torch.no_grad():
        for t in range(len(enc.tokens)):
            # h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h), one set of weights for every t
            h = torch.tanh(W_xh @ x[t] + W_hh @ h + b_h)
            torch.testing.assert_close(h, tr.hidden[t], atol=1e-5, rtol=1e-5)
        # ŷ_t = softmax(W_hq h_t + b_q), one W_hq for every t
        torch.testing.assert_close(
            model.probs(tr.hidden),
            torch.softmax(tr.hidden @ model.head.weight.T + model.head.bias, -1),
        )


def test_the_three_terms_add_up_and_tanh_squashes():
    said(
        "they add up to the pre-activation, and tanh squashes it into (−1, 1)",
        "app/views/rnn.py",
    )
    _, _, tr = reading()
    run = tr.layers[0].directions[0]
    w = run.weights["hidden"]
    total = run.x_part["hidden"] + run.h_part["hidden"] + (w.b_x + w.b_h)
    torch.testing.assert_close(total, run.pre["hidden"], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(torch.tanh(run.pre["hidden"]), run.h, atol=1e-6, rtol=1e-6)
    assert run.h.abs().max() < 1


def test_the_bars_are_the_next_character_probabilities(open_page):
    said(
        "bar length is the probability the model gives each character $x_{t+1}$ after "
        "reading $x_1 … x_t$; the accent bar is the character that really comes next.",
        "app/views/rnn.py",
    )
    model, enc, tr = reading()
    at = open_page(PAGE, query={"step": "5"})  # t = 5: the model has read x_1 … x_5
    assert_ok(at)
    data = step_view(at)
    assert "each character xₜ₊₁ after reading x₁ … xₜ; the accent bar" in data["how"]["pred"]
    probs = model.probs(tr.hidden[4]).detach()  # row 4 is h_5: P(x_6 | x_1 … x_5)
    top = torch.topk(probs, 5)
    shown = data["pred"][4]["top"]  # [character, bar length (probability), its label]
    assert [c for c, _, _ in shown] == [model.vocab.idx_to_token[k] for k in top.indices]
    np.testing.assert_allclose([p for _, p, _ in shown], top.values.numpy(), atol=1e-6)
    assert [label for _, _, label in shown] == [num(p) for p in top.values]
    # the accent bar: the character that really comes next, x_6
    assert data["pred"][4]["actual"] == enc.tokens[5]


def test_the_trajectory_shows_the_states_so_far(open_page):
    said(
        "each dot is one state h_1 … h_t ({} numbers) flattened to 2-D by PCA fitted on the "
        "whole text; older dots fade, the last 12 carry their character, the big marker is h_t.",
        "app/views/rnn.py",
    )
    _, enc, tr = reading()
    assert tr.hidden.shape[1] == 128
    at = open_page(PAGE, query={"step": "20"})
    assert_ok(at)
    data = step_view(at)
    assert "each dot is one state h₁ … hₜ (128 numbers) flattened" in data["how"]["traj"]
    P = projection.pca(tr.hidden, k=2).points  # fitted on the whole text
    # every state's point, h_1 … h_T; the browser shows those up to t (tests/test_browser_stepping)
    np.testing.assert_allclose(data["traj"], P[:, :2], atol=5e-4)
    assert data["step"] == 19 and len(data["traj"]) == len(enc.tokens)
    # older dots fade, the last 12 carry their character: the browser's rule
    assert "i - k < 12" in stepview_js.JS and "1 - (i - k) / 30" in stepview_js.JS


def test_the_default_heatmap_rows_and_columns(open_page):
    said(
        "rows are the {} units with the largest mean |h_t| over the text, most active first",
        "app/views/rnn.py",
    )
    said("one column per character read so far (grey: not read yet)", "app/views/rnn.py")
    said("tanh keeps every value in −1..1", "app/views/rnn.py")
    _, enc, tr = reading()
    at = open_page(PAGE, query={"step": "30"})
    assert_ok(at)
    data = step_view(at)
    assert "rows are the 32 units with the largest mean |hₜ| over the text" in data["how"]["heat"]
    assert "one column per character read so far (grey: not read yet)" in data["how"]["heat"]
    heat = data["heat"][0]
    rows = heat["units"]
    activity = tr.hidden.abs().mean(0)
    assert rows == torch.argsort(activity, descending=True)[:32].tolist()
    assert rows == unit_order.order_units(tr.hidden, "active", 32)
    z = np.array(heat["z"])  # every column; the browser greys out those after t = 30
    assert z.shape == (32, len(enc.tokens)) and data["step"] == 29
    np.testing.assert_allclose(z, tr.hidden[:, rows].T.numpy(), atol=5e-4)
    assert tr.hidden.abs().max() <= 1


def test_after_the_space_the_top_five_are_letters():
    said(
        "a trained model expects the start of a new word — every one of its top five "
        "guesses is a letter",
        "assets/text/rnn_try.md",
    )
    said('Step to the space after **"the"** in "the first"', "assets/text/rnn_try.md")
    model, enc, tr = reading()
    i = DEFAULT_TEXT.lower().index("the first") + 3  # the row of that space
    assert enc.tokens[i] == " "
    top = torch.topk(model.probs(tr.hidden[i]), 5).indices
    assert all(model.vocab.idx_to_token[int(k)] in "abcdefghijklmnopqrstuvwxyz" for k in top)


def test_untrained_guesses_are_flat():
    said("the guesses become a flat, meaningless spread", "assets/text/rnn_try.md")
    said("the prediction is close to uniform over the 28 symbols", "app/tour.py")
    for text in (DEFAULT_TEXT, "the time machine"):
        model, _, tr = reading(text=text, trained=False)
        V = len(model.vocab)
        assert V == 28
        p = model.probs(tr.hidden)  # (T, V)
        entropy = -(p * p.log()).sum(-1)
        assert p.max() < 2 / V and entropy.min() > 0.99 * math.log(V)
        trained, _, tr_trained = reading(text=text)
        assert trained.probs(tr_trained.hidden).max() > 0.5  # the trained model is not flat


def test_the_digits_are_unk():
    said('Find the digits in "first **20** minutes": they are `<unk>`', "assets/text/rnn_try.md")
    _, enc, _ = reading()
    i = DEFAULT_TEXT.index("20")
    assert enc.tokens[i : i + 2] == ["<unk>", "<unk>"]


def test_the_input_term_is_a_column_and_b_h_the_sum():
    said("simply *selects one column* of $W_{xh}$", "assets/text/rnn_onehot.md")
    said("the lecture's $b_h$ is their sum", "assets/text/rnn_onehot.md")
    model, enc, tr = reading()
    run = tr.layers[0].directions[0]
    W_xh = model.rnn.weight_ih_l0.detach()
    for i, k in enumerate(enc.ids.tolist()):
        torch.testing.assert_close(run.x_part["hidden"][i], W_xh[:, k])
    w = run.weights["hidden"]
    torch.testing.assert_close(
        w.b_x + w.b_h, (model.rnn.bias_ih_l0 + model.rnn.bias_hh_l0).detach()
    )


def test_stacked_output_reads_the_top_layer_and_the_equation_layer_1(open_page):
    said("Only the top layer feeds the output layer", "assets/text/rnn_stacked.md")
    said("The equation above the heatmaps is shown for layer 1", "assets/text/rnn_stacked.md")
    model, enc, tr = reading("rnn-2layer")
    logits, _ = model(model.one_hot(enc.ids))
    torch.testing.assert_close(torch.softmax(logits, -1), model.probs(tr.layers[-1].hidden))
    at = open_page(PAGE, query={"rnn_stacked": "true", "step": "3"})
    assert_ok(at)
    data = step_view(at)
    assert data["eq"][0][2]["h_t"] == num(tr.layers[0].hidden[2, 0])  # layer 1's h_3, unit 0
    top = torch.topk(model.probs(tr.layers[-1].hidden[2]), 5).indices  # from the top layer
    assert [c for c, _, _ in data["pred"][2]["top"]] == [model.vocab.idx_to_token[k] for k in top]
    assert [h["title"] for h in data["heat"]] == ["Layer 1", "Layer 2"]


def test_the_blank_is_guessed_from_the_neighbours_only():
    said("Here the model guesses $x_t$ from", "assets/text/rnn_bidirectional.md")
    said("Neither half has read $x_t$", "assets/text/rnn_bidirectional.md")
    said("(everything right of it): neither has read $x_t$", "app/views/rnn.py")
    said("ŷ<sub>t</sub> guesses x<sub>t</sub> from", "seqviz/figures/unrolling.py")
    model, enc, tr = reading("birnn")
    H = model.config.hidden_size
    fwd, bwd = tr.hidden[:, :H], tr.hidden[:, H:]
    T = len(enc.tokens)
    probs = torch.softmax(model.blank_logits(tr.hidden), -1)
    zero = torch.zeros(H)
    for i in (0, 5, T - 1):
        # ŷ_t = softmax(W_hq [h→_{t-1} ; h←_{t+1}] + b_q), zero beyond either end
        left = fwd[i - 1] if i > 0 else zero
        right = bwd[i + 1] if i < T - 1 else zero
        torch.testing.assert_close(probs[i], model.probs(torch.cat([left, right])))
    # changing x_t does not change the guess for x_t
    i = 5
    other = DEFAULT_TEXT[:i] + ("q" if DEFAULT_TEXT[i] != "q" else "z") + DEFAULT_TEXT[i + 1 :]
    _, _, tr2 = reading("birnn", other)
    torch.testing.assert_close(
        torch.softmax(model.blank_logits(tr2.hidden), -1)[i], probs[i], atol=1e-6, rtol=1e-6
    )


def test_the_tour_steps_name_the_right_characters():
    said("t = 4, the first space", "app/tour.py")
    said("t = 7, after ‘the tim’", "app/tour.py")
    said("h₁ … h₁₆", "app/tour.py")
    from app.tour import TOURS

    stops = TOURS["rnn"]
    text = stops[0].view["text"]
    _, enc, _ = reading(text=text)
    steps = [s.view.get("step") for s in stops]
    assert 4 in steps and enc.tokens.index(" ") == 4 - 1  # x_4 is the first space
    assert 7 in steps and "".join(enc.tokens[:7]) == "the tim"  # x_1 … x_7
    assert 16 in steps and len(enc.tokens) == 16  # the last step is h_16 = h_T
