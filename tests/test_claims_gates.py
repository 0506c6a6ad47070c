"""Every sentence of the Gates lab that says what the default view shows, computed.

Each test runs the same core calls as the page (``seqviz.checkpoints`` models,
``seqviz.recurrent.trace``, ``seqviz.streaks``, ``seqviz.units``) on the page's defaults
(``app.controls.DEFAULT_TEXT``, trained weights, the thresholds in
``app.views.gates_parts.STREAK``), and asserts the sentence is still where the student
reads it, so changing a default, a checkpoint or a caption alone fails here.

Claim sentence (where)                                                  -> test
-----------------------------------------------------------------------------------------
"The cell state c_t shows long horizontal streaks: on the default text
 more than a quarter of the units keep one sign for 20 characters or
 more." (c_t heatmap caption, gates_parts.CLAIM_CELL_STREAKS)           -> test_cell_state_carries_long_streaks
"The LSTM's h_t = o_t ⊙ tanh(c_t) is far more speckled than its c_t"
 (LSTM h_t heatmap caption, CLAIM_HIDDEN_SPECKLED)                       -> test_lstm_hidden_state_is_far_more_speckled_than_its_cell
"The plain RNN rewrites its whole state at every character: short, busy
 speckle, and almost no unit keeps its sign for 20 characters."
 (RNN h_t heatmap caption, CLAIM_RNN_SPECKLED)                            -> test_plain_rnn_is_speckled
"The GRU has no separate memory: its h_t is nearly as speckled as the
 plain RNN's on the default text" (GRU h_t caption, CLAIM_GRU_SPECKLED)  -> test_gru_hidden_state_is_speckled
"Trained gates saturate far more often than untrained ones."
 (saturation section, CLAIM_SATURATION) and "trained gates are far more
 often fully open or fully closed" (gates_try.md)                        -> test_trained_gates_saturate_more_than_untrained
"The gates of a random LSTM hover around 0.5" (tour, last stop)          -> test_untrained_gates_hover_around_one_half
"t = 4, a space" (tour, second stop, text "the time traveller")          -> test_tour_step_4_is_a_space
"find a unit whose forget gate stays near 1 for several steps"
 (gates_try.md)                                                          -> test_some_forget_gate_stays_open_for_several_steps
"the candidate g_t is not a gate but the proposed new content (tanh,
 −1..1)" (candidate caption, CANDIDATE_HOW)                              -> test_the_candidate_is_signed_and_not_a_gate
"in this model quotes are `<unk>`" (gates_try.md)                       -> test_quotes_are_unknown_to_the_model
"a gate's line is thicker the more open it is" (diagram caption)         -> test_cell_diagram.py::test_a_closed_gate_is_a_thin_path
Every claim constant is on the default page (LSTM, and GRU for its own)  -> test_the_page_shows_every_claim
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from apptools import assert_ok, shown, widget

from app.controls import DEFAULT_TEXT
from app.views import gates_parts as parts
from seqviz import checkpoints, recurrent, streaks, units

ROOT = Path(__file__).resolve().parents[1]
H = 128  # hidden units of every checkpoint this lab reads


@cache
def trace(name: str, trained: bool = True, text: str = DEFAULT_TEXT) -> recurrent.Trace:
    """What app.loaders.read computes for the page: the model over the one-hot text."""
    model = checkpoints.load(name) if trained else checkpoints.untrained(name)
    return recurrent.trace(model.rnn, model.one_hot(model.encode(text).ids))


def streaky(name: str, state: str = "hidden") -> streaks.Streakiness:
    tr = trace(name)
    return streaks.streakiness(tr.cell if state == "cell" else tr.hidden, **parts.STREAK)


def source(relative: str) -> str:
    return (ROOT / relative).read_text(encoding="utf-8")


def flat(text: str) -> str:
    """Source text with its line breaks and string-literal joins removed."""
    return re.sub(r"\s+", " ", re.sub(r'"\s*\n\s*"', "", text))


def test_cell_state_carries_long_streaks():
    assert "more than a quarter of the units" in parts.CLAIM_CELL_STREAKS
    assert parts.STREAK["min_length"] == 20  # "for 20 characters or more"
    c = streaky("lstm", "cell")
    assert c.n_units == H and c.n_streaky > H / 4
    assert "parts.CLAIM_CELL_STREAKS" in source("app/views/gates.py")


def test_lstm_hidden_state_is_far_more_speckled_than_its_cell():
    c, h = streaky("lstm", "cell"), streaky("lstm", "hidden")
    assert h.n_streaky * 3 <= c.n_streaky
    assert h.median_lag1 * 2 < c.median_lag1
    assert "far more speckled than its c_t" in parts.CLAIM_HIDDEN_SPECKLED
    assert "parts.CLAIM_HIDDEN_SPECKLED" in source("app/views/gates.py")


def test_plain_rnn_is_speckled():
    rnn = streaky("rnn")
    assert rnn.n_streaky <= 0.05 * H  # "almost no unit"
    assert abs(rnn.median_lag1) < 0.1  # each step new: "rewrites its whole state"
    assert "almost no unit keeps its sign for 20 characters" in parts.CLAIM_RNN_SPECKLED
    assert "parts.CLAIM_RNN_SPECKLED" in source("app/views/gates.py")


def test_gru_hidden_state_is_speckled():
    gru, rnn = streaky("gru"), streaky("rnn")
    assert gru.n_streaky <= 0.05 * H
    assert abs(gru.n_streaky - rnn.n_streaky) <= 3 and gru.median_lag1 < 0.15
    assert "nearly as speckled as the plain RNN's" in parts.CLAIM_GRU_SPECKLED
    assert "parts.CLAIM_GRU_SPECKLED" in source("app/views/gates.py")


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_trained_gates_saturate_more_than_untrained(cell):
    for gate in recurrent.GATES[cell]:
        if gate == "candidate":
            continue
        trained = np.add(*units.saturation(trace(cell).gates[gate])).mean()
        untrained = np.add(*units.saturation(trace(cell, trained=False).gates[gate])).mean()
        assert trained >= 0.2 and untrained <= 0.02, (gate, trained, untrained)
    assert parts.CLAIM_SATURATION == "Trained gates saturate far more often than untrained ones."
    assert "parts.CLAIM_SATURATION" in source("app/views/gates.py")
    assert "trained gates are far more often fully open or fully closed" in flat(
        source("assets/text/gates_try.md")
    )


def test_untrained_gates_hover_around_one_half():
    for text in (DEFAULT_TEXT, "the time traveller"):
        for gate, values in trace("lstm", trained=False, text=text).gates.items():
            if gate != "candidate":
                assert float((values - 0.5).abs().max()) < 0.1, gate
    assert "The gates of a random LSTM hover around 0.5" in flat(source("app/tour.py"))


def test_tour_step_4_is_a_space():
    from app.tour import TOURS

    first, second = TOURS["gates"][:2]
    assert first.view["text"] == "the time traveller" and second.view["step"] == 4
    assert "t = 4, a space" in second.say
    assert first.view["text"][4 - parts.FIRST] == " "  # step t = 4 reads x_4


def test_some_forget_gate_stays_open_for_several_steps():
    open_ = (trace("lstm").gates["forget"].numpy() > 0.9).astype(float)  # (T, H) 1 = near 1
    longest = streaks.longest_streak(open_, threshold=0.5).max()  # most steps in a row
    assert longest >= 5  # "several steps"
    assert "forget gate stays near 1 for several steps" in flat(source("assets/text/gates_try.md"))


def test_the_candidate_is_signed_and_not_a_gate():
    for cell in ("lstm", "gru"):
        cand = trace(cell).gates["candidate"]
        assert float(cand.min()) < 0 < float(cand.max()) and float(cand.abs().max()) < 1
        assert "not a gate" in parts.CANDIDATE_HOW[cell] and "−1..1" in parts.CANDIDATE_HOW[cell]


def test_the_page_shows_every_claim(open_page):
    at = open_page("views/gates.py")
    assert_ok(at)
    page = shown(at)
    for claim in (
        parts.CLAIM_CELL_STREAKS,
        parts.CLAIM_HIDDEN_SPECKLED,
        parts.CLAIM_RNN_SPECKLED,
        parts.CLAIM_SATURATION,
        parts.CANDIDATE_HOW["lstm"],
    ):
        assert claim in page, claim
    widget(at, "button_group", "gates_cell").set_value("gru").run()
    assert_ok(at)
    assert parts.CLAIM_GRU_SPECKLED in shown(at)
    assert parts.CANDIDATE_HOW["gru"] in shown(at)


def test_quotes_are_unknown_to_the_model():
    for name in ("lstm", "gru"):
        enc = checkpoints.load(name).encode("say \"yes\" and 'no'")
        quoted = [
            unk
            for tok, unk in zip("say \"yes\" and 'no'", enc.unknown, strict=True)
            if tok in "\"'"
        ]
        assert quoted and all(quoted)
    assert "in this model quotes are `<unk>`" in flat(source("assets/text/gates_try.md"))
