"""Share box, data downloads and guided tours, under AppTest and as plain functions."""

import json

import pandas as pd
from apptools import assert_ok
from streamlit.testing.v1 import AppTest

from app import share, tour
from seqviz import checkpoints, recurrent


def test_trace_table_holds_every_value_of_the_trace():
    model = checkpoints.load("lstm")
    enc = model.encode("hello there")
    tr = recurrent.trace(model.rnn, model.one_hot(enc.ids))
    table = share.trace_table(tr, enc.tokens)
    T, H = tr.hidden.shape
    assert len(table) == T * H
    row = table.query("t == 4 and unit == 17").iloc[0]
    assert row["token"] == enc.tokens[4]
    assert row["h"] == float(tr.hidden[4, 17]) and row["c"] == float(tr.cell[4, 17])
    assert row["forget"] == float(tr.gates["forget"][4, 17])


def test_labelled_probabilities():
    model = checkpoints.load("rnn")
    enc = model.encode("abc")
    probs = model.probs(recurrent.trace(model.rnn, model.one_hot(enc.ids)).hidden)
    table = share.labelled(probs, model.vocab.idx_to_token, enc.tokens)
    assert list(table.columns[:3]) == ["step", "read", "<unk>"]
    assert table.iloc[:, 2:].sum(axis=1).round(5).eq(1).all()


def test_to_frame_takes_what_pages_have():
    assert share.to_frame({"a": [1, 2]}).shape == (2, 1)
    assert share.to_frame([{"a": 1}, {"a": 2}]).shape == (2, 1)
    assert list(share.to_frame(pd.DataFrame({"x": [1]})).columns) == ["x"]
    import torch

    assert share.to_frame(torch.zeros(3, 2)).shape == (3, 2)


def _box():
    import plotly.graph_objects as go
    import streamlit as st

    from app import share

    st.query_params["unit"] = "5"
    share.share_box(
        data={"numbers": lambda: {"a": [1, 2, 3]}},
        charts={"bars": go.Figure(go.Bar(y=[1, 2]))},
        hideable=("unit", "text"),
    )


def test_share_box_shows_a_link_with_the_view_and_the_hide_flags():
    at = AppTest.from_function(_box, default_timeout=60)
    at.run()
    assert_ok(at)
    code = at.code[0].value
    assert "unit=5" in code and "hide" not in code
    at.multiselect[0].set_value(["text"]).run()
    assert "hide=text" in at.code[0].value


def test_figure_exports_are_standalone_pages():
    import plotly.graph_objects as go

    html = share._plotly_html(go.Figure(go.Bar(y=[1, 2])))
    assert "<html>" in html and '"format": "svg"' in html.replace("'", '"')
    assert json.loads(go.Figure(go.Bar(y=[1])).to_json())["data"]


def test_every_tour_stop_fits_its_text():
    for lab, stops in tour.TOURS.items():
        text = stops[0].view["text"]
        for stop in stops:
            assert stop.say
            if "step" in stop.view:  # the RNN tour counts x_1 … x_T; the others from 0
                first = 1 if lab == "rnn" else 0
                assert first <= stop.view["step"] < len(text) + first, (lab, stop.view)
            assert set(stop.view) <= {"text", "model", "step", "unit"}


def _rnn_tour():
    from app import tour

    tour.guided_tour("rnn")


def test_the_tour_sets_the_view_stop_by_stop():
    at = AppTest.from_function(_rnn_tour, default_timeout=60)
    at.run()
    at.button(key="tour_rnn_start").click().run()
    assert at.session_state["text"] == "the time machine" and at.session_state["step"] == 1
    for _ in range(3):
        at.button(key="tour_rnn_next").click().run()
    assert at.session_state["step"] == 7  # x_7, after "the tim"
    at.button(key="tour_rnn_next").click().run()
    assert at.session_state["model"] == "untrained"
    at.button(key="tour_rnn_back").click().run()
    at.button(key="tour_rnn_end").click().run()
    assert_ok(at)
    assert at.button(key="tour_rnn_start")
