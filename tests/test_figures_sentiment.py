"""seqviz.figures.sentiment: each builder draws what it is given, user words escaped."""

import numpy as np

from seqviz.figures import sentiment as sfigs


def test_the_reading_curve_draws_each_model_up_to_the_step():
    words, known = ["<b>good</b>", "food"], [True, False]
    fig = sfigs.reading_curve(words, known, {"lstm": [0.2, 0.9], "bag": [0.4, 0.6]}, 0, "lstm")
    solid = [t for t in fig.data if t.showlegend is not False]
    assert [t.name for t in solid] == ["lstm", "bag"]
    assert all(list(t.y) == [t.y[0]] for t in solid)  # only word 1 read so far
    ticks = fig.layout.xaxis.ticktext
    assert ticks[0] == "&lt;b&gt;good&lt;/b&gt;" and "food?" in ticks[1]  # escaped; unknown marked
    assert fig.layout.annotations[0].text == "<b>0.20</b>"
    whole = sfigs.reading_curve(
        words, known, {"lstm": [0.2, 0.9]}, 1, "lstm", final={"textcnn": 0.7}
    )
    star = whole.data[-1]
    assert star.marker.symbol == "star" and list(star.x) == [1] and list(star.y) == [0.7]


def test_the_padded_batch_marks_pads_and_the_importance_bars_have_both_measures():
    fig = sfigs.padded_batch([["a", "b"], ["c"]], np.array([[5, 6], [7, 1]]), [2, 1])
    assert fig.data[0].z.tolist() == [[1.0, 1.0], [1.0, 0.0]]  # (T, B): position rows
    assert fig.data[0].text[1][1] == "&lt;pad&gt;  (1)"
    bars = sfigs.importance_bars(["a", "b"], [True, True], [0.1, -0.2], [0.3, -0.4])
    assert [list(t.y) for t in bars.data] == [[0.1, -0.2], [0.3, -0.4]]


def test_conv_activations_outline_each_rows_max_and_the_confusion_matrix_counts():
    c = np.array([[0.0, 2.0, 1.0], [3.0, -np.inf, 0.5]])
    fig = sfigs.conv_activations(c, ["a b c", "b c d", "c d e"], [1, 0], 3)
    assert [(s.x0 + 0.5, s.y0 + 0.5) for s in fig.layout.shapes] == [(1, 0), (0, 1)]
    assert np.isnan(fig.data[0].z[1][1])  # a window past the sentence is blank
    assert list(fig.layout.xaxis.ticktext) == ["a", "b", "c"]  # each window's first word
    chosen = sfigs.conv_activations(c, ["a b c", "b c d", "c d e"], [1, 0], 3, selected=1)
    assert list(chosen.data[0].y) == ["filter 1", "<b>filter 2</b>"]
    cm = sfigs.confusion_matrix([[250, 50], [60, 240]])
    assert cm.data[0].z.tolist() == [[250, 50], [60, 240]]


def test_map_labels_of_two_close_points_go_different_ways():
    points = np.array([[0.0, 0.0], [0.01, 0.0], [5.0, 5.0]])
    spots = sfigs.label_spots(points, ["good", "great", "bad"])
    assert len(spots) == 3 and spots[0] != spots[1]
    fig = sfigs.embedding_map(points, ["good", "great", "bad"], [1.0, 2.0, -1.0])
    assert list(fig.data[0].textposition) == spots


def test_the_padded_batch_names_pads_and_unknown_words():
    fig = sfigs.padded_batch([["a", "zz"], ["b"]], np.array([[5, 0], [6, 1]]), [2, 1], unk=0)
    text = fig.data[0].text
    assert text[1][0] == "zz → &lt;unk&gt;  (0)" and text[1][1] == "&lt;pad&gt;  (1)"
    assert text[0][0] == "a  (5)"
