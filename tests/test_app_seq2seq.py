"""The Seq2seq & attention lab under AppTest: every control moved, numbers vs the core."""

import json

import pytest
from apptools import assert_ok, charts, latex, num, shown, tex_problems, widget

from seqviz import beam, checkpoints
from seqviz import seq2seq_training as s2s
from seqviz.seq2seq import greedy

PAGE = "views/seq2seq.py"
NEEDED = [
    s2s.checkpoint_name(t, a) for t in ("copy", "fra-eng") for a in ("none", "additive", "dot")
]
pytestmark = pytest.mark.skipif(
    not set(NEEDED) <= set(checkpoints.available()), reason="seq2seq checkpoints not built"
)


def decode(task, attention, tokens):
    tr = checkpoints.load(s2s.checkpoint_name(task, attention))
    return tr, greedy(tr.model, tr.source_ids(tokens), tr.pairs.src_vocab, tr.pairs.tgt_vocab, 20)


def chart(at, title_part):
    return next(f for f in charts(at) if title_part in json.dumps(f["layout"].get("title")))


def test_default_view_shows_the_bottleneck_and_the_first_step(open_page):
    at = open_page(PAGE)
    assert_ok(at)
    fig = charts(at)[0]
    lines = [t for t in fig["data"] if t.get("mode") == "lines+markers"]
    assert len(lines) == 3
    recorded = checkpoints.info("s2s-copy-none")["metrics"]["by_source_length"]
    assert lines[0]["y"][-1] == pytest.approx(recorded["16"])
    _, d = decode("copy", "additive", list("blackhorsejumpy"))
    eq = latex(at)
    i = int(d.steps[0].alpha.argmax())
    assert num(float(d.steps[0].alpha[i])) in eq and num(float(d.steps[0].e[i])) in eq
    assert num(float(d.steps[0].c[0])) in eq
    assert "Output:" in shown(at) and not tex_problems(at)


def test_next_step_and_slider_follow_the_core(open_page):
    at = open_page(PAGE)
    at.button(key="s2s_step_next").click().run()
    assert_ok(at)
    assert at.slider(key="s2s_step").value == 2
    _, d = decode("copy", "additive", list("blackhorsejumpy"))
    assert num(float(d.steps[1].c[0])) in latex(at)
    at.slider(key="s2s_step").set_value(len(d.steps)).run()
    assert_ok(at)
    assert num(float(d.steps[-1].probs[d.steps[-1].token])) in latex(at)


@pytest.mark.parametrize("attention", ["none", "dot"])
def test_other_models(open_page, attention):
    at = open_page(PAGE)
    widget(at, "button_group", "s2s_model").set_value(attention).run()
    assert_ok(at)
    _, d = decode("copy", attention, list("blackhorsejumpy"))
    eq = latex(at)
    if attention == "none":
        assert "no attention" in eq and num(float(d.h[-1][0])) in eq
    else:
        assert r"s_{0} \cdot h_" in eq and num(float(d.steps[0].alpha.max())) in eq


def test_bad_copy_input_gets_messages(open_page):
    at = open_page(PAGE)
    box = at.text_input(key="s2s_input_copy")
    box.set_value("aab😀").run()
    assert_ok(at)
    text = "\n".join(w.value for w in at.warning)
    assert "unk" in text and "repeat" in text and "3–16 letters" not in text
    box.set_value("").run()
    assert_ok(at)
    assert "Type something" in shown(at)
    box.set_value("abcdefghijklmnopqrstuvwx").run()
    assert_ok(at)
    assert "trained on 3–16 letters" in "\n".join(w.value for w in at.warning)


def test_translation_task_and_unknown_words(open_page):
    at = open_page(PAGE)
    widget(at, "button_group", "s2s_task").set_value("fra-eng").run()
    assert_ok(at)
    tr, d = decode("fra-eng", "additive", ["i", "love", "this", "job", "."])
    assert " ".join(f"`{t}`" for t in d.output[:2]) in shown(at)
    at.text_input(key="s2s_input_fra_eng").set_value("I love zyzzyvas & {braces}!").run()
    assert_ok(at)
    assert "zyzzyvas" in "\n".join(w.value for w in at.warning)
    assert not tex_problems(at)


def test_beam_width_one_is_greedy_and_wider_beams_draw_a_tree(open_page):
    at = open_page(PAGE)
    at.slider(key="s2s_width").set_value(1).run()
    assert_ok(at)
    tr, d = decode("copy", "additive", list("blackhorsejumpy"))
    search = beam.search(tr.model, tr.source_ids(list("blackhorsejumpy")), tr.bos, tr.eos, 1, 20)
    assert [s.token for s in d.steps] == list(search.best.tokens)
    assert f"\\log p = {num(search.best.logp)}" in latex(at)
    at.slider(key="s2s_width").set_value(6).run()
    at.select_slider(key="s2s_alpha").set_value(1.0).run()
    assert_ok(at)
    wide = beam.search(tr.model, tr.source_ids(list("blackhorsejumpy")), tr.bos, tr.eos, 6, 20, 1.0)
    assert "k = 6" in latex(at) and num(wide.best.logp) in latex(at)


def test_training_controls_train_a_session_model(open_page, monkeypatch):
    # the job runs inside the click's own run (the pool's inline mode: AppTest does not run
    # the polling fragment's timer); tests/test_browser_seq2seq.py trains in worker processes
    monkeypatch.setenv("SEQVIZ_JOBS", "inline")
    at = open_page(PAGE)
    widget(at, "selectbox", "s2s_train_model").set_value("dot").run()
    widget(at, "selectbox", "s2s_forcing").set_value(0.0).run()
    at.slider(key="s2s_seconds").set_value(5).run()
    at.button(key="s2s_train").click().run()
    assert_ok(at)
    status = shown(at)
    assert "dot product (Luong), free running:" in status and "of 600" in status
    assert any(f["layout"].get("annotations") for f in charts(at))  # the two-panel curves
    runs = at.session_state["_s2s_runs"]
    ((config, run),) = runs.items()
    assert config.attention == "dot" and config.forcing == 0.0
    first = run["state"]["step"]
    assert 0 < first and f"step {first} of 600, {run['outcome']}" in status
    assert at.button(key="s2s_stop").disabled  # nothing is training
    # a second model, teacher forced: both runs are kept and drawn
    widget(at, "selectbox", "s2s_forcing").set_value(1.0).run()
    at.button(key="s2s_train").click().run()
    assert_ok(at)
    assert len(runs) == 2 and "teacher forcing:" in shown(at)
    # the first one again continues where it stopped
    widget(at, "selectbox", "s2s_forcing").set_value(0.0).run()
    at.button(key="s2s_train").click().run()
    assert_ok(at)
    assert run["state"]["step"] > first or run["state"]["done"]
    assert run["state"]["history"]["losses"][:first] == run["base"]["history"]["losses"]
