"""The tagging lab under AppTest: every control moved, the numbers checked against the core.

Words count from 1 (x_1 … x_T); the reading's row i is word t = i + 1.
"""

import json

import pytest
import torch
from apptools import assert_ok, charts, latex, num, shown, tex_problems, widget

from app.views import tagging_parts as parts
from seqviz import checkpoints, tagger, tagger_training
from seqviz.ner_data import TAGS

PAGE = "views/tagging.py"
WORDS = tuple(tagger.words_of(parts.DEFAULT_TEXT))


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def reading(name="ner-bilstm", words=WORDS):
    return tagger.read(checkpoints.load(name), words)


def chart(at, key):
    """The figure JSON of the chart with this key (None if absent)."""
    for c in at.get("plotly_chart"):
        if c.proto.id and key in c.proto.id or getattr(c, "key", None) == key:
            return json.loads(c.proto.spec)
    return None


def test_default_view_tags_the_sentence_with_the_real_numbers(open_page):
    at = open_page(PAGE)
    assert_ok(at)
    step = at.slider(key="tag_step")
    assert (step.value, step.min, step.max) == (1, 1, len(WORDS))
    r = reading()
    k = int(r.probs[0].argmax())
    eq = latex(at)
    for value in (r.fwd_part[0, k], r.bwd_part[0, k], r.logits[0, k], r.probs[0, k]):
        assert num(value) in eq
    assert "forward" in eq and "backward" in eq and not tex_problems(at)
    figs = charts(at)
    probs = next(f for f in figs if f["data"][0].get("type") == "heatmap")
    assert len(probs["data"][0]["y"] if "y" in probs["data"][0] else TAGS) >= 1
    assert f"tagged **{r.tags[0]}**" in shown(at)
    assert "Teddy" in shown(at) and "unknown to the model" in shown(at)


def test_next_and_previous_move_the_word(open_page):
    at = open_page(PAGE)
    assert at.button(key="tag_step_prev").disabled
    at.button(key="tag_step_next").click().run()
    at.button(key="tag_step_next").click().run()
    assert_ok(at)
    assert at.slider(key="tag_step").value == 3
    r = reading()
    k = int(r.probs[2].argmax())
    assert num(r.logits[2, k]) in latex(at) and "z_{3," in latex(at)
    at.button(key="tag_step_prev").click().run()
    assert at.slider(key="tag_step").value == 2
    at.slider(key="tag_step").set_value(len(WORDS)).run()
    assert_ok(at)
    assert at.button(key="tag_step_next").disabled


def test_the_forward_lstm_has_no_backward_part(open_page):
    at = open_page(PAGE)
    widget(at, "button_group", "tag_model").set_value("Forward LSTM").run()
    assert_ok(at)
    r = reading("ner-lstm")
    k = int(r.probs[0].argmax())
    eq = latex(at)
    assert "backward" not in eq and num(r.logits[0, k]) in eq
    assert len([f for f in charts(at) if f["layout"].get("title")]) >= 1
    assert "h←" not in json.dumps(charts(at), ensure_ascii=False)


def test_the_example_buttons_type_their_sentence(open_page):
    at = open_page(PAGE)
    for key, sentence in zip(("tag_ex1", "tag_ex2"), parts.EXAMPLES, strict=True):
        at.button(key=key).click().run()
        assert_ok(at)
        assert at.text_area(key="tag_text").value == sentence
        assert at.slider(key="tag_step").max == len(tagger.words_of(sentence))


def test_bad_input_gets_a_clear_message(open_page):
    at = open_page(PAGE)
    at.text_area(key="tag_text").set_value("").run()
    assert_ok(at)
    assert "Type a sentence above" in shown(at)
    at.text_area(key="tag_text").set_value("word " * 80).run()
    assert_ok(at)
    assert f"the tagger reads the first {tagger.MAX_WORDS}" in shown(at)
    assert at.slider(key="tag_step").max == tagger.MAX_WORDS
    at.text_area(key="tag_text").set_value("🙂 Zorblat ünd 日本語 {x}^_$").run()
    assert_ok(at)
    assert not tex_problems(at)
    assert "unknown to the model" in shown(at)


def test_the_heldout_tables_hold_the_core_scores(open_page):
    at = open_page(PAGE)
    teddy, compare, rows, errors = (d.value for d in at.dataframe)  # in page order
    assert list(compare["tagger"]) == list(parts.MODELS)
    assert compare["entity F1"].iloc[0] > compare["entity F1"].iloc[1]
    report = parts.heldout_report("ner-bilstm")
    all_row = rows[rows["type"] == "all"].iloc[0]
    assert all_row["F1"] == round(report["scores"]["all"].f1, 3)
    assert all_row["F1"] == pytest.approx(
        checkpoints.info("ner-bilstm")["metrics"]["heldout_entity_f1"], abs=1e-3
    )
    assert len(errors) == 12 and (errors["gold tag"] != errors["predicted"]).all()
    assert len(teddy) == 4 and set(teddy["model"]) == set(parts.MODELS)


def test_live_training_trains_stops_continues_and_resets(open_page, monkeypatch):
    # the job runs inside the click's own run (the pool's inline mode: AppTest does not run
    # the polling fragment's timer); tests/test_browser_tagging.py trains in worker processes
    monkeypatch.setenv("SEQVIZ_JOBS", "inline")
    monkeypatch.setattr(parts, "MAX_SECONDS", 1)
    at = open_page(PAGE)
    at.select_slider(key="tag_hidden").set_value(8).run()
    at.select_slider(key="tag_steps").set_value(200).run()
    at.toggle(key="tag_train_bi").set_value(False).run()
    assert "Press **Train**" in shown(at)
    at.button(key="tag_train").click().run()
    assert_ok(at)
    run = at.session_state["tag_run"]
    first = run["state"]["step"]
    assert first >= 1 and run["config"].hidden_size == 8 and not run["config"].bidirectional
    assert "Your tagger:" in shown(at) and "Your tagger on your sentence" in shown(at)
    assert "paused after 1 s" in shown(at) and run["outcome"] == "paused"
    assert at.button(key="tag_stop").disabled  # nothing is training
    assert not at.get("progress")  # the job has ended: the results replace the progress bar
    at.button(key="tag_train").click().run()
    assert at.session_state["tag_run"]["state"]["step"] > first  # continued, not restarted
    assert (
        run["state"]["history"]["steps"][: len(run["base"]["history"]["steps"])]
        == (run["base"]["history"]["steps"])
    )
    at.select_slider(key="tag_hidden").set_value(16).run()
    assert "the next **Train** starts a new run" in shown(at)
    at.button(key="tag_reset").click().run()
    assert_ok(at)
    assert "tag_run" not in at.session_state


def test_your_trained_tagger_reads_every_section(open_page, monkeypatch):
    monkeypatch.setenv("SEQVIZ_JOBS", "inline")
    monkeypatch.setattr(parts, "MAX_SECONDS", 1)
    at = open_page(PAGE)
    assert widget(at, "button_group", "tag_model").options == list(parts.MODELS)
    at.select_slider(key="tag_hidden").set_value(8).run()
    at.select_slider(key="tag_steps").set_value(200).run()
    at.button(key="tag_train").click().run()
    assert_ok(at)
    assert "now offers **Yours**" in shown(at)
    assert widget(at, "button_group", "tag_model").value == parts.MINE
    run = at.session_state["tag_run"]
    mine = tagger.read(tagger_training.model_of(run["config"], run["state"]), WORDS)
    k = int(mine.probs[0].argmax())
    assert f"tagged **{mine.tags[0]}**" in shown(at) and num(mine.logits[0, k]) in latex(at)
    rows = at.dataframe[2].value  # the held-out scores of the chosen tagger
    report = parts.report_of(tagger_training.model_of(run["config"], run["state"]))
    assert rows[rows["type"] == "all"].iloc[0]["F1"] == round(report["scores"]["all"].f1, 3)
    assert "sentences your tagger never trained on" in shown(at)
    at.button(key="tag_reset").click().run()
    assert_ok(at)
    assert widget(at, "button_group", "tag_model").options == list(parts.MODELS)
    assert widget(at, "button_group", "tag_model").value == "BiLSTM"
