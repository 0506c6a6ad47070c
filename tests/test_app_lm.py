"""The Language models lab under AppTest: controls moved, numbers checked against the core."""

import itertools
import math
import re

import pytest
from apptools import assert_ok, charts, latex, shown, widget

from seqviz import checkpoints, lm, ngram
from seqviz.text import heldout_split, load_time_machine, tokenize

PAGE = "views/lm.py"
TRAIN, HELDOUT = heldout_split(load_time_machine())


@pytest.fixture(scope="module")
def counts():
    return ngram.count(tokenize(TRAIN, "char"), 6, checkpoints.load("lstm").vocab)


@pytest.fixture(autouse=True)
def inline_jobs(monkeypatch):
    """Training runs inside the click's own run (the pool's inline mode): AppTest does not
    run the polling fragment's timer. tests/test_jobs.py covers the worker processes."""
    monkeypatch.setenv("SEQVIZ_JOBS", "inline")


def metric(at, label):
    return next(m.value for m in at.metric if m.label.startswith(label))


def test_default_view_compares_ngram_and_lstm(open_page, counts):
    at = open_page(PAGE)
    assert_ok(at)
    model = ngram.NGram(counts, 3, 0.1, "backoff")
    assert metric(at, "3-gram held-out") == f"{model.perplexity(tokenize(HELDOUT, 'char')):.2f}"
    assert (
        metric(at, "LSTM (pretrained)") == f"{lm.perplexity(checkpoints.load('lstm'), HELDOUT):.2f}"
    )
    assert metric(at, "3-gram: counts") == f"{counts.num_counts(3):,}"
    # the live n-gram equation for "d" after "le" in "the time traveller smiled"
    p = model.prob(list("le"), "d")
    assert f"{p:.4f}" in latex(at)
    assert len(charts(at)) >= 6


# Every combination of the controls' ends, one control changing at a time, on one page.
NGRAM_ENDS = [
    (1, "backoff", 0.0),
    (1, "backoff", 1.0),
    (1, "interpolation", 1.0),
    (1, "interpolation", 0.0),
    (6, "interpolation", 0.0),
    (6, "interpolation", 1.0),
    (6, "backoff", 1.0),
    (6, "backoff", 0.0),
]


def test_ngram_controls_at_both_ends(open_page, counts):
    assert sorted(NGRAM_ENDS) == sorted(itertools.product((1, 6), ngram.METHODS, (0.0, 1.0)))
    heldout = tokenize(HELDOUT, "char")
    at = open_page(PAGE)
    for n, method, k in NGRAM_ENDS:
        at.slider(key="lm_n").set_value(n)
        widget(at, "button_group", "lm_method").set_value(method)
        at.select_slider(key="lm_k").set_value(k)
        at.run()
        assert_ok(at)
        ppl = ngram.NGram(counts, n, k, method).perplexity(heldout)
        want = "∞" if math.isinf(ppl) else f"{ppl:.2f}"
        assert metric(at, f"{n}-gram held-out") == want, (n, method, k)
        if math.isinf(ppl):
            assert any("infinite" in w.value for w in at.warning), (n, method, k)


@pytest.mark.parametrize("sentence", ["", "a", "ab", "🙂🙂 x", "zzzz qqqq"])
def test_odd_sentences(open_page, sentence):
    at = open_page(PAGE)
    at.text_input(key="lm_sentence").input(sentence).run()
    assert not at.exception
    if len(sentence) < 2:
        assert "at least two" in shown(at)
    else:
        if len(sentence) > 2:
            at.slider(key="lm_pos").set_value(1).run()
        assert_ok(at)


def test_generation_controls(open_page):
    at = open_page(PAGE)
    at.slider(key="lm_temperature").set_value(0.0).run()
    assert_ok(at)
    greedy = lm.generate(checkpoints.load("lstm"), "the time traveller ", 200, temperature=0)
    assert any(greedy in c.value for c in at.code)
    assert "greedy" in latex(at)
    at.slider(key="lm_temperature").set_value(2.0).run()
    at.slider(key="lm_top_k").set_value(27).run()
    at.number_input(key="lm_gen_seed").set_value(999).run()
    assert_ok(at)
    at.slider(key="lm_top_k").set_value(1).run()
    assert_ok(at)
    assert any(greedy in c.value for c in at.code)  # top-1 sampling is greedy


def test_teacher_forcing_numbers(open_page):
    at = open_page(PAGE)
    text = "the time traveller smiled round at us then still smiling faintly"
    model = checkpoints.load("lstm")
    forced, free = lm.rollout(model, text), lm.rollout(model, text, free_from=8)
    eq = latex(at)
    assert f"{forced.mean_loss:.3f}" in eq and f"{free.mean_loss:.3f}" in eq
    last = len(text) - 2
    at.slider(key="lm_free_from").set_value(1).run()
    at.slider(key="lm_tf_step").set_value(last).run()
    assert_ok(at)
    assert f"{lm.rollout(model, text, free_from=1).mean_loss:.3f}" in latex(at)
    at.text_input(key="lm_tf_text").input("ab").run()
    assert "at least three" in shown(at)


def test_live_training_then_generation_with_my_model(open_page):
    at = open_page(PAGE)
    widget(at, "button_group", "lm_kind").set_value("gru")
    at.select_slider(key="lm_hidden").set_value(32)
    at.select_slider(key="lm_batch").set_value(8)
    at.slider(key="lm_bptt").set_value(5)
    at.slider(key="lm_budget").set_value(2)
    widget(at, "button_group", "lm_mode").set_value("random")
    at.select_slider(key="lm_lr").set_value(0.03).run()
    at.button(key="lm_train").click().run()
    assert_ok(at)
    run = at.session_state["lm_run"]
    h = run["state"]["history"]
    assert (
        run["config"].kind == "gru"
        and run["config"].hidden_size == 32
        and run["config"].mode == "random"
    )
    assert len(h.steps) > 10 and h.heldout and run["state"]["samples"]
    assert run["outcome"] == "paused"  # the seconds chosen ran out
    L = sum(h.losses[-50:]) / len(h.losses[-50:])
    assert f"\\exp({L:.4f}) = {math.exp(L):.3f}" in latex(at)
    assert "Stopped after" in shown(at) or at.get("progress")
    widget(at, "button_group", "lm_gen_model").set_value("my model").run()
    assert_ok(at)
    at.button(key="lm_reset").click().run()
    assert_ok(at)
    assert "lm_run" not in at.session_state


def test_training_from_the_pretrained_checkpoint(open_page):
    at = open_page(PAGE)
    widget(at, "button_group", "lm_init").set_value("pretrained")
    widget(at, "button_group", "lm_kind").set_value("rnn")
    at.slider(key="lm_budget").set_value(2)
    at.select_slider(key="lm_batch").set_value(1)
    at.slider(key="lm_bptt").set_value(100)
    # The smallest learning rate: how many steps fit in the time budget depends on the
    # machine, and a few large Adam steps on batch 1 can knock a pretrained model off.
    at.select_slider(key="lm_lr").set_value(0.001).run()
    at.button(key="lm_train").click().run()
    assert_ok(at)
    run = at.session_state["lm_run"]
    assert run["config"].hidden_size == 128 and run["config"].kind == "rnn"
    # a pretrained start is already good: held-out perplexity far below the untrained ~28
    assert run["state"]["history"].heldout[-1] < 10


def test_check_yourself_and_share_box(open_page):
    at = open_page(PAGE)
    assert_ok(at)
    assert "Check yourself" in shown(at)
    assert at.button(key="check_lm_next")
    assert any("Share this view" in e.label for e in at.expander)
    at.button(key="share_link_make").click().run()
    assert_ok(at)


@pytest.mark.parametrize(
    "query",
    [
        {"lm_method": "foo"},
        {"lm_method": ""},
        {"lm_k": "7"},
        {"lm_kind": "transformer"},
        {"lm_init": "x"},
        {"lm_mode": "shuffled"},
        {"lm_hidden": "33"},
        {"lm_lr": "1"},
        {"lm_batch": "3"},
    ],
    ids=lambda q: "=".join(next(iter(q.items()))),
)
def test_a_link_with_an_unknown_choice_gets_the_default_and_a_note(open_page, counts, query):
    """Issue 18: /lm?method=<anything invalid> raised `method must be one of ...`."""
    at = open_page(PAGE, query=query, direct=True)
    assert_ok(at)
    key, value = next(iter(query.items()))
    said = "empty — ignored" if not value else "not one of"
    assert f"**{key}**: {said}" in "\n".join(i.value for i in at.info)
    model = ngram.NGram(counts, 3, 0.1, "backoff")  # the defaults
    assert metric(at, "3-gram held-out") == f"{model.perplexity(tokenize(HELDOUT, 'char')):.2f}"
    defaults = {"lm_kind": "lstm", "lm_init": "scratch", "lm_mode": "sequential"}
    defaults |= {"lm_hidden": 256, "lm_lr": 0.01, "lm_batch": 32, "lm_k": 0.1}
    if key in ("lm_kind", "lm_init", "lm_mode"):
        assert widget(at, "button_group", key).value == defaults[key]
    elif key != "lm_method":
        assert at.select_slider(key=key).value == defaults[key]


def test_a_choice_the_browser_sends_back_empty_falls_back_to_its_default(open_page, counts):
    at = open_page(PAGE)
    for key in ("lm_method", "lm_kind", "lm_init", "lm_mode"):
        widget(at, "button_group", key).set_value(None)
    at.run()
    assert_ok(at)
    model = ngram.NGram(counts, 3, 0.1, "backoff")
    assert metric(at, "3-gram held-out") == f"{model.perplexity(tokenize(HELDOUT, 'char')):.2f}"


# Issue 18: TeX specials typed in a box must reach KaTeX escaped, never raw.
TEX_ESCAPES = {
    "{": r"\{",
    "}": r"\}",
    "\\": r"\textbackslash{}",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "~": r"\textasciitilde{}",
}
QUOTED = re.compile(r"\\text\{``(.*?)''\}")  # how seqviz.latex.text quotes user text


def raw_specials(tex: str) -> list[str]:
    """TeX-special characters left unescaped in the user text quoted in ``tex``."""
    raw = []
    for segment in QUOTED.findall(tex):
        for escaped in sorted(TEX_ESCAPES.values(), key=len, reverse=True):
            segment = segment.replace(escaped, "")
        raw += [c for c in TEX_ESCAPES if c in segment]
    return raw


def test_tex_specials_in_a_sentence_reach_the_equation_escaped(open_page):
    at = open_page(PAGE)
    for c in [*TEX_ESCAPES, "🙂"]:
        at.text_input(key="lm_sentence").input(f"a{c}{c}").run()
        at.slider(key="lm_pos").set_value(2).run()  # predict the last c after "a" + c
        assert_ok(at)
        eq = latex(at)
        assert QUOTED.search(eq), c  # the context is quoted in the equation
        assert not raw_specials(eq), (c, eq)
        assert TEX_ESCAPES.get(c, c) in eq, (c, eq)


def test_tex_specials_in_the_teacher_forcing_text_break_nothing(open_page):
    at = open_page(PAGE)
    for c in [*TEX_ESCAPES, "🙂"]:
        at.text_input(key="lm_tf_text").input(f"the {c}{c} time {c}").run()
        at.slider(key="lm_tf_step").set_value(4).run()  # c is the input here
        assert_ok(at)
        assert not raw_specials(latex(at)), c
        assert "at least three" not in shown(at)


def test_every_control_at_both_ends_then_empty_and_huge_texts(open_page):
    at = open_page(PAGE)
    ends = {
        "slider": lambda w: (w.min, w.max),
        "number_input": lambda w: (w.min, w.max),
        "select_slider": lambda w: (w.options[0], w.options[-1]),
    }
    for kind, bounds in ends.items():
        for key in [w.key for w in at.get(kind)]:
            for end in bounds(widget(at, kind, key)):
                if kind == "select_slider":
                    end = type(widget(at, kind, key).value)(end)
                widget(at, kind, key).set_value(end).run()
                assert_ok(at)
    for key in [w.key for w in at.text_input]:
        for text in ("", "the time traveller " * 530):  # 10,070 characters
            at.text_input(key=key).input(text).run()
            assert not at.exception, (key, len(text), [e.value for e in at.exception])
            assert not at.error, (key, len(text))
        at.text_input(key=key).input("the time").run()
        assert_ok(at)
