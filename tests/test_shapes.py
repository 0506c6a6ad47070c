"""The map of recurrent shapes: the shapes are the shipped models' own, the figure draws
each pattern, and the course map links only to labs that exist."""

import html

import pytest
from apptools import assert_ok, charts

from app.labs import LABS
from seqviz import checkpoints, shapes
from seqviz.figures.shapes import PATTERNS, shapes_map


def by_lab():
    return {s.url_path: s for s in shapes.lab_shapes()}


def test_the_tagger_and_rnn_shapes_are_read_from_the_models_themselves():
    tagger = checkpoints.load("ner-bilstm")
    s = dict(by_lab()["tagging"].shapes)
    assert s["e_t"] == f"(T, {tagger.lstm.input_size})"
    assert s["[h→; h←]"] == f"(T, 2·{tagger.lstm.hidden_size})" and tagger.lstm.bidirectional
    assert s["z_t"] == f"(T, {tagger.out.out_features})"
    rnn = checkpoints.load("rnn")
    r = dict(by_lab()["rnn"].shapes)
    assert (
        r["h_t"] == f"(T, {rnn.config.hidden_size})" and r["one-hot x"] == f"(T, {len(rnn.vocab)})"
    )
    lm = dict(by_lab()["lm"].shapes)
    assert lm["p(next)"] == f"(T', {len(checkpoints.load('lstm').vocab)})"


def test_the_sentiment_and_seq2seq_shapes_are_read_from_their_checkpoints():
    sent = checkpoints.load("sent-lstm")
    s = dict(by_lab()["sentiment"].shapes)
    assert s["h_t"] == f"(T, {sent.rnn.hidden_size})" and s["h_T"] == f"({sent.rnn.hidden_size},)"
    assert s["z"] == f"({sent.out.out_features},)" == "(1,)"
    translator = checkpoints.load("s2s-fra-additive")
    model = translator.model
    t = dict(by_lab()["seq2seq"].shapes)
    assert t["encoder h"] == f"(T, {model.encoder.hidden_size})"
    assert t["decoder s"] == f"(T', {model.decoder.hidden_size})"
    assert t["p(y_t')"] == f"(T', {len(translator.pairs.tgt_vocab)})"


def test_the_siamese_shape_is_read_from_its_checkpoint():
    enc = checkpoints.load("siamese-lstm")
    s = dict(by_lab()["siamese"].shapes)
    assert by_lab()["siamese"].kind == "many-to-one"
    assert (
        s["h_t"] == f"(T, {enc.lstm.hidden_size})" and s["v = h_T"] == f"({enc.lstm.hidden_size},)"
    )


def test_every_lab_shape_has_a_kind_and_comes_from_a_shipped_model():
    found = shapes.lab_shapes()
    assert [s.kind for s in found] == sorted((s.kind for s in found), key=shapes.KINDS.index)
    assert {s.kind for s in found} == set(shapes.KINDS)
    assert {"sentiment", "seq2seq", "tagging", "siamese"} <= {s.url_path for s in found}
    assert all(s.source.startswith(("assets/models/", "seqviz.")) for s in found)
    assert {s.url_path for s in found} <= {lab.url_path for lab in LABS}


@pytest.mark.parametrize("kind", shapes.KINDS)
def test_each_panel_draws_its_pattern(kind):
    fig = shapes_map([kind], {kind: [("Lab <b>", [("x", "(T,)")])]})
    cells, reads, gives = PATTERNS[kind]
    boxes = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(boxes) == cells + len(reads) + len(gives)
    arrows = [a for a in fig.layout.annotations if a.showarrow]
    assert len(arrows) == len(reads) + len(gives) + cells - 1
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "Lab &lt;b&gt;" in texts and "x (T,)" in texts  # lab text is escaped


def test_the_course_map_links_only_to_labs_that_exist(open_page):
    at = open_page()
    assert_ok(at)
    fig = next(
        f
        for f in charts(at)
        if any("one-to-one" in a.get("text", "") for a in f["layout"]["annotations"])
    )
    texts = " ".join(a.get("text", "") for a in fig["layout"]["annotations"])
    for s in shapes.lab_shapes():
        title = next((lab.title for lab in LABS if lab.url_path == s.url_path), None)
        assert title is None or html.escape(title) in texts  # lab text is escaped ("&amp;")
    links = [link.label for link in at.get("page_link")]
    assert {"Tagging", "Siamese networks"} <= set(links)  # a lab's title up to its colon
    short = {lab.title.split(":")[0] for lab in LABS}
    assert all(label in short or label.startswith("Open ") for label in links)
