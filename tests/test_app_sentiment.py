"""The Sentiment lab under AppTest: every control moved, the numbers on screen from the core.

Words count from 1 as the student reads them: the reading's row i is word t = i + 1.
Few page loads (each costs seconds): one test walks the default view and the step
control, one every model, one the bad inputs, one the other controls and live training.
"""

import pytest
from apptools import array, assert_ok, charts, latex, num, shown, tex_problems, widget

from app.controls import DEFAULT_TEXT
from app.views import sentiment_parts as parts
from seqviz import checkpoints, exercises, importance, sentiment_reading
from seqviz import sentiment_data as data
from seqviz import sentiment_training as training
from seqviz.classifiers import KINDS

PAGE = "views/sentiment.py"


def ids_of(text: str) -> list[int]:
    return data.encode(data.vocabulary(), text)[1]


def reading_chart(at) -> dict:
    return next(
        f
        for f in charts(at)
        if f["layout"].get("yaxis", {}).get("title", {}).get("text") == "P(positive)"
    )


def test_the_default_view_and_stepping(open_page):
    at = open_page(PAGE)
    assert_ok(at)
    T = len(ids_of(DEFAULT_TEXT))
    step = at.slider(key="step")
    assert step.value == 1 and step.min == 1 and step.max == T
    r = sentiment_reading.read(checkpoints.load("sent-lstm"), ids_of(DEFAULT_TEXT))
    assert num(float(r.p[0])) in latex(at) and num(float(r.z[0])) in latex(at)
    assert not tex_problems(at)
    fig = reading_chart(at)
    names = {t.get("name") for t in fig["data"] if t.get("name")}
    assert {KINDS[k] for k in ("lstm", "gru", "rnn", "bag")} <= names
    lstm = next(t for t in fig["data"] if t.get("name") == KINDS["lstm"])
    assert array(lstm["y"])[0] == pytest.approx(float(r.p[0]), abs=1e-6)  # the first point is p_1
    # the comparison table is the records' numbers
    table = at.dataframe[0].value
    assert (
        list(table["held-out accuracy"])[3]
        == checkpoints.info("sent-lstm")["metrics"]["heldout_accuracy"]
    )
    for _ in range(2):
        at.button(key="step_next").click().run()
    assert_ok(at)
    assert r"p_{3}" in latex(at) and num(float(r.p[2])) in latex(at)
    at.slider(key="step").set_value(T).run()
    assert num(float(r.p[-1])) in latex(at) and "negative" in latex(at)
    # the check-yourself box asks the lab's first exercise and judges the answer
    first = next(s for s in exercises.SETS if s.lab == "sentiment").exercises[0]
    ex = exercises.make(first, at.session_state["_ex_seed"], text=DEFAULT_TEXT)
    assert "Check yourself" in shown(at) and ex.prompt in shown(at)
    at.text_input(key="check_sentiment_answer").input(str(ex.answer))
    next(b for b in at.button if b.label == "Check").click().run()
    assert_ok(at)
    assert any("Correct" in s.value for s in at.success)
    # the default review does not flip; one click reads the one that does
    at.button(key="sent_flip").click().run()
    assert_ok(at)
    assert at.text_area(key="text").value == parts.FLIP_TEXT
    words = data.encode(data.vocabulary(), parts.FLIP_TEXT)[0]
    flip = sentiment_reading.read(checkpoints.load("sent-lstm"), ids_of(parts.FLIP_TEXT))
    t = words.index("excellent")
    assert f"from {flip.p[t - 1]:.2f} to {flip.p[t]:.2f}" in shown(at)
    assert flip.p[t - 1] < 0.5 < flip.p[t]


def test_every_model_shows_its_own_numbers(open_page):
    at = open_page(PAGE)
    for kind in ("bag", "rnn", "gru", "bilstm", "bilstm-max", "textcnn"):
        at.selectbox(key="sent_model").set_value(kind).run()
        assert_ok(at)
        imp = importance.importance(checkpoints.load(f"sent-{kind}"), ids_of(DEFAULT_TEXT))
        assert num(imp.logit) in latex(at), kind


def test_bad_input_gets_a_message(open_page):
    at = open_page(PAGE)
    for text, message in (
        ("", "Type a review"),
        ("   ", "Type a review"),
        ("😀 zzzqqq 北京", "Read as"),
    ):
        at.text_area(key="text").set_value(text).run()
        assert_ok(at)
        assert message in shown(at), text
    at.text_area(key="text").set_value("a " * 100).run()  # 200 characters, 100 words
    assert_ok(at)
    assert "first 60 words; 40 more are left out" in shown(at)
    at.text_area(key="text").set_value("ok").run()  # one word: a one-step control
    assert_ok(at)
    assert "there is only one word" in shown(at)


def test_the_other_controls_and_live_training(open_page, monkeypatch):
    at = open_page(PAGE)
    widget(at, "button_group", "model").set_value("untrained").run()
    assert_ok(at)
    untrained = sentiment_reading.read(checkpoints.untrained("sent-lstm"), ids_of(DEFAULT_TEXT))
    assert num(float(untrained.p[0])) in latex(at)
    widget(at, "button_group", "model").set_value("trained").run()
    at.slider(key="sent_min_freq").set_value(1).run()
    assert f"{data.stats(1).vocab_size:,}" in [m.value for m in at.metric]
    at.slider(key="sent_min_freq").set_value(10).run()
    widget(at, "button_group", "sent_width").set_value(5).run()
    at.number_input(key="sent_filter").set_value(8).run()
    assert_ok(at)
    assert r"c_{8," in latex(at)
    at.selectbox(key="sent_word").set_value("bad").run()
    assert_ok(at)
    # live training (the pool's inline mode: the job runs inside the click's own run)
    monkeypatch.setenv("SEQVIZ_JOBS", "inline")
    at.selectbox(key="sent_train_model").set_value("bag").run()
    at.slider(key="sent_epochs").set_value(1).run()
    assert "Press **Train**" in shown(at)
    at.button(key="sent_train").click().run()
    assert_ok(at)
    run = at.session_state["sent_run"]
    assert run["state"]["done"] and run["state"]["step"] == 75 and run["outcome"] == "finished"
    model = training.model_of(run["config"], run["state"])
    heldout = training.encoded()[1]
    assert run["state"]["confusion"] == training.confusion(model, heldout)
    metrics = [m.value for m in at.metric]
    assert f"{training.accuracy(model, heldout):.1%}" in metrics
    p = float(sentiment_reading.read(model, ids_of(DEFAULT_TEXT)).p[-1])
    assert f"P(positive) = {p:.2f}" in metrics  # the student's model reads the review
    assert "Finished" in shown(at) and at.button(key="sent_stop").disabled
    assert not at.get("progress")  # the results replace the progress bar
    at.button(key="sent_reset").click().run()
    assert_ok(at)
    assert "sent_run" not in at.session_state


def test_training_pauses_at_its_time_limit_continues_and_restarts(open_page, monkeypatch):
    monkeypatch.setenv("SEQVIZ_JOBS", "inline")
    monkeypatch.setattr(parts, "MAX_SECONDS", 0.5)  # one press: half a second of training
    at = open_page(PAGE, {"sent_epochs": "20"}, direct=True)
    at.button(key="sent_train").click().run()
    assert_ok(at)
    run = at.session_state["sent_run"]
    first = run["state"]["step"]
    assert 1 <= first < 20 * 75 and not run["state"]["done"]
    assert run["outcome"] == "paused" and "**Paused**" in shown(at)
    assert at.button(key="sent_stop").disabled  # nothing is training
    at.button(key="sent_train").click().run()  # continues, not restarts
    run = at.session_state["sent_run"]
    assert run["state"]["step"] > first
    assert run["state"]["history"]["losses"][:first] == run["base"]["history"]["losses"]
    at.slider(key="sent_epochs").set_value(19).run()
    assert "the next **Train** starts a new run" in shown(at)
    at.button(key="sent_train").click().run()
    assert at.session_state["sent_run"]["config"].epochs == 19
    assert at.session_state["sent_run"]["base"] is None  # from scratch
