"""The frame's lecture machinery under AppTest: the "Read the explanations" toggle, the
exercise scores kept by the browser (merge and reset) and the heatmap labels.

Browser-only behaviour (sizes, overlaps, keys, reload) is in tests/test_browser_lecture*.py.
"""

import plotly.graph_objects as go
import pytest
from apptools import assert_ok, shown

from app import lesson, quiz
from seqviz import exercises
from seqviz.figures.style import MAX_FIGURE_HEIGHT, label_every_category

INTRO = lesson.prose("rnn_intro").split("\n")[0][:60]  # the start of the RNN page's intro


@pytest.fixture
def open_direct(open_page):
    return lambda page, query=None: open_page(page, query, direct=True)


def test_prose_shows_in_normal_mode_and_hides_behind_read_in_lecture_mode(open_direct):
    at = open_direct("views/rnn.py")
    assert_ok(at)
    assert INTRO in shown(at)
    assert not [t for t in at.toggle if t.key == "read"]  # no toggle outside lecture mode

    at = open_direct("views/rnn.py", {"lecture": "1"})
    assert_ok(at)
    read = next(t for t in at.toggle if t.key == "read")
    assert read.value is False and read.label == "Read the explanations"
    assert INTRO not in shown(at)
    assert not [e for e in at.expander if e.label.startswith("Why")]  # lesson.more folded too
    read.set_value(True).run()
    assert_ok(at)
    assert INTRO in shown(at)


def test_merge_kept_joins_the_browsers_copy_with_the_session():
    session = {"a@1@x": {"attempts": 1, "correct": False}, "e@1@v": {}}
    kept = {
        "a@1@x": {"attempts": 3, "correct": True},
        "b@1@y": {"attempts": 2, "correct": True, "revealed": False, "typed": "<b>"},
        "c@1@z": "junk",
        "d@1@w": {"attempts": "2"},  # not a number: nothing left to keep
        "e@1@v": {"attempts": 1, "correct": False},  # the session only looked at it
    }
    merged = quiz.merge_kept(session, kept)
    assert merged == {
        "a@1@x": {"attempts": 3, "correct": True},
        "b@1@y": {"attempts": 2, "correct": True, "revealed": False},
        "e@1@v": {"attempts": 1, "correct": False},
    }
    assert session["a@1@x"] == {"attempts": 1, "correct": False}  # (a new dict)
    assert quiz.merge_kept(session, "not a dict") == session
    many = {str(i): {"attempts": 1} for i in range(5000)}
    assert len(quiz.merge_kept({}, many)) == quiz.MAX_KEPT


def test_reset_scores_forgets_every_answer(open_direct):
    at = open_direct("views/exercises.py", {"set": "rnn", "seed": "7", "ex": "1"})
    assert at.button(key="ex_reset_scores").disabled  # nothing to reset yet
    ex = exercises.make("rnn.h_unit", 7)
    next(t for t in at.text_input if t.key and t.key.endswith("_answer")).input(f"{ex.answer:.2f}")
    next(b for b in at.button if b.label == "Check").click().run()
    assert at.metric[1].value == "1 / 1 answered right"
    at.button(key="ex_reset_scores").click().run()
    assert_ok(at)
    assert at.metric[1].value == "0 / 0 answered right"
    assert at.metric[0].value == "0 / 4 right"
    assert not any(at.session_state[quiz.RESULTS].values())  # (the shown one: an empty record)
    assert not any("Correct" in s.value for s in at.success)  # the old verdict went too


def heatmap(rows: list[str], cols: list[str], height: int = 400) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=[[0.0] * len(cols)] * len(rows), x=cols, y=rows))
    fig.update_layout(height=height, font=dict(size=16), margin=dict(t=40, b=60))
    return fig


def test_every_category_of_a_heatmap_gets_a_label():
    words = [f"word{i}" for i in range(24)]
    fig = label_every_category(heatmap(words, words))
    assert list(fig.layout.xaxis.tickvals) == words and list(fig.layout.xaxis.ticktext) == words
    assert list(fig.layout.yaxis.tickvals) == words
    # 24 rows at 16 px do not fit in 400 px: the figure grows instead of overlapping them
    assert fig.layout.height >= 24 * 16 * 1.3 + 100


def test_a_heatmap_too_tall_to_grow_thins_its_row_labels_and_says_so():
    rows = [f"r{i}" for i in range(200)]
    fig = label_every_category(heatmap(rows, ["a", "b"]))
    assert fig.layout.height == MAX_FIGURE_HEIGHT
    shown_rows = list(fig.layout.yaxis.tickvals)
    assert 1 < len(shown_rows) < 200 and shown_rows[0] == "r0"
    assert "labelled" in fig.layout.yaxis.title.text


def test_a_heatmaps_own_ticks_are_left_alone():
    fig = heatmap(["a", "b"], ["x", "y", "z"])
    fig.update_xaxes(tickvals=["x", "z"], ticktext=["X", "Z"])
    label_every_category(fig)
    assert list(fig.layout.xaxis.ticktext) == ["X", "Z"]


def test_lecture_scaling_keeps_heatmap_cell_numbers_at_their_size():
    from app.frame import PROJECTOR_SCALE, _scale_trace

    cells = go.Heatmap(z=[[1.0]], textfont=dict(size=14), colorbar=dict(tickfont=dict(size=16)))
    scaled = _scale_trace(cells.to_plotly_json())
    assert scaled["textfont"]["size"] == 14
    assert scaled["colorbar"]["tickfont"]["size"] == 16 * PROJECTOR_SCALE
    bars = _scale_trace(go.Bar(y=[1], textfont=dict(size=14)).to_plotly_json())
    assert bars["textfont"]["size"] == 14 * PROJECTOR_SCALE
