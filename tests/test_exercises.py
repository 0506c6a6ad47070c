"""Exercises: deterministic per seed, answers equal to independent PyTorch computations,
right answers (also the ones a student computes from the rounded numbers shown)
accepted, wrong ones rejected."""

import csv
import io
import json
import math
import random

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from app.labs import LABS
from seqviz import (
    batching,
    checkpoints,
    exercises,
    exercises_attention,
    exercises_block,
    exercises_gradients,
    exercises_recurrent,
    exercises_sentiment,
    exercises_seq2seq,
    exercises_siamese,
    exercises_tagging,
    exercises_text,
    exercises_transformer,
)
from seqviz.exercises import check, make, parse_number

IDS = exercises.all_exercise_ids()
SEEDS = (0, 1, 7, 12345)


def test_at_least_twenty_exercises_in_sets_that_follow_the_lectures():
    assert len(IDS) >= 20
    assert len(set(IDS)) == len(IDS)
    # sets follow the course: the order of their labs in app/labs.LABS
    course = [lab.url_path for lab in LABS]
    assert [s.lab for s in exercises.SETS] == sorted(
        (s.lab for s in exercises.SETS), key=course.index
    )
    assert {"text", "lm", "rnn", "gates", "gradients", "attention", "transformer"} <= set(
        s.id for s in exercises.SETS
    )
    short = {"gradients": "grad", "attention": "attn", "transformer": "tf", "word2vec": "w2v"}
    short.update(siamese="sia", tagging="tag", seq2seq="s2s", sentiment="sent")
    for s in exercises.SETS:
        assert all(ex_id.split(".")[0] == short.get(s.id, s.id) for ex_id in s.exercises)


@pytest.mark.parametrize(
    "module",
    [
        exercises_text,
        exercises_recurrent,
        exercises_gradients,
        exercises_attention,
        exercises_transformer,
        exercises_block,
        exercises_sentiment,
        exercises_tagging,
        exercises_siamese,
        exercises_seq2seq,
    ],
    ids=lambda m: m.__name__,
)
def test_every_generator_module_is_in_a_set_and_makes_its_own_exercises(module):
    """Each generator module's exercises are listed in a set and built by that module."""
    assert module.GENERATORS
    for ex_id, generate in module.GENERATORS.items():
        assert ex_id in IDS
        ex = make(ex_id, 3)
        ctx = exercises.Context(rng=random.Random(f"3:{ex_id}"), load=exercises.default_load)
        direct = generate(ctx)
        assert ex.id == ex_id
        assert (direct.prompt, direct.answer) == (ex.prompt, ex.answer)


@pytest.mark.parametrize("ex_id", IDS)
def test_every_exercise_is_complete_and_deterministic(ex_id):
    for seed in SEEDS:
        a, b = make(ex_id, seed), make(ex_id, seed)
        assert a == b or (a.prompt, a.answer, a.choices) == (b.prompt, b.answer, b.choices)
        assert a.id == ex_id and a.seed == seed and a.set
        assert a.title and a.prompt and a.hint and a.solution
        if a.kind == "choice":
            assert a.answer in a.choices and len(set(a.choices)) == len(a.choices) >= 2
        else:
            assert a.kind == "number" and math.isfinite(a.answer) and a.tolerance >= 0


@pytest.mark.parametrize("set_id", exercises.SET_IDS)
def test_different_seeds_give_different_numbers(set_id):
    prompts = {tuple(ex.prompt for ex in exercises.generate(set_id, seed)) for seed in range(6)}
    assert len(prompts) > 1


@pytest.mark.parametrize("ex_id", IDS)
@pytest.mark.parametrize("seed", SEEDS)
def test_the_right_answer_is_accepted_and_wrong_ones_rejected(ex_id, seed):
    ex = make(ex_id, seed)
    if ex.kind == "choice":
        assert check(ex, ex.answer).correct
        for wrong in set(ex.choices) - {ex.answer}:
            assert not check(ex, wrong).correct
        assert not check(ex, "<script>alert(1)</script>").correct
        return
    assert check(ex, ex.answer).correct
    assert check(ex, str(ex.answer)).correct
    off = max(3 * ex.tolerance, 0.02 * abs(ex.answer), 1.0 if ex.tolerance == 0 else 0.05)
    for wrong in (ex.answer + off, ex.answer - off):
        result = check(ex, f"{wrong:.6g}")
        assert not result.correct
        assert ("too high" if wrong > ex.answer else "too low") in result.message
    assert not check(ex, "").correct and not check(ex, "abc").correct


def _rounded(x: float) -> float:
    return round(x, 3)  # what the prompt shows


@pytest.mark.parametrize("seed", range(12))
def test_answers_worked_out_from_the_shown_numbers_are_accepted(seed):
    """A student who computes with the rounded numbers and rounds to 2 decimals passes."""
    ex = make("rnn.h_unit", seed)
    n = {k: _rounded(v) for k, v in ex.numbers.items()}
    assert check(ex, f"{math.tanh(n['x_part'] + n['h_part'] + n['bias']):.2f}").correct
    ex = make("rnn.h_layer2", seed)
    n = {k: _rounded(v) for k, v in ex.numbers.items()}
    assert check(ex, f"{math.tanh(n['x_part'] + n['h_part'] + n['bias']):.2f}").correct
    ex = make("gates.forget", seed)
    n = {k: _rounded(v) for k, v in ex.numbers.items()}
    f = 1 / (1 + math.exp(-(n["x_part"] + n["h_part"] + n["bias"])))
    assert check(ex, f"{f:.2f}").correct
    ex = make("gates.cell", seed)
    n = {k: _rounded(v) for k, v in ex.numbers.items()}
    assert check(ex, f"{n['f'] * n['c_prev'] + n['i'] * n['g']:.2f}").correct
    ex = make("gates.hidden", seed)
    n = {k: _rounded(v) for k, v in ex.numbers.items()}
    assert check(ex, f"{n['o'] * math.tanh(n['c']):.2f}").correct
    ex = make("gates.gru", seed)
    n = {k: _rounded(v) for k, v in ex.numbers.items()}
    assert check(ex, f"{(1 - n['z']) * n['n'] + n['z'] * n['h_prev']:.2f}").correct
    ex = make("lm.ppl", seed)
    ps = [float(f"{v:.4g}") for v in ex.numbers.values()]
    assert check(ex, f"{math.exp(-sum(map(math.log, ps)) / len(ps)):.2f}").correct
    ex = make("lm.temperature", seed)
    tau, o = ex.numbers["tau"], [ex.numbers[f"o{i}"] for i in range(3)]
    p = math.exp(o[0] / tau) / sum(math.exp(v / tau) for v in o)
    assert check(ex, f"{p:.2f}").correct
    ex = make("text.zipf", seed)
    n = ex.numbers
    k_count = math.exp(round(n["c"], 4) - round(n["alpha"], 4) * math.log(n["k"]))
    assert check(ex, f"{k_count:.0f}").correct


# --- the answers against independent computations -----------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_rnn_answer_is_the_modules_own_output(seed):
    ex = make("rnn.h_unit", seed, text="the time traveller", t=5, unit=17)
    model = checkpoints.load("rnn")
    out, _ = model.rnn(model.one_hot(model.encode("the time traveller").ids))
    assert ex.answer == pytest.approx(float(out[5, 17]), abs=1e-6)
    assert "t = 6" in ex.prompt and "j = 17" in ex.prompt  # row 5 is step t = 6 (x_6)


def test_lstm_gate_and_cell_from_the_weights():
    text, t, j = "the fourth dimension", 6, 3
    model = checkpoints.load("lstm")
    x = model.one_hot(model.encode(text).ids)
    out, _ = model.rnn(x[: t + 1])
    _, (h_prev, c_prev) = model.rnn(x[:t])
    H = model.config.hidden_size
    W_ih, W_hh = model.rnn.weight_ih_l0, model.rnn.weight_hh_l0
    b = model.rnn.bias_ih_l0 + model.rnn.bias_hh_l0
    pre = W_ih @ x[t] + W_hh @ h_prev[0] + b  # (4H,) i, f, g, o
    i, f, g, o = (
        pre[:H].sigmoid(),
        pre[H : 2 * H].sigmoid(),
        pre[2 * H : 3 * H].tanh(),
        pre[3 * H :].sigmoid(),
    )
    c = f * c_prev[0] + i * g
    assert make("gates.forget", 0, text=text, t=t, unit=j).answer == pytest.approx(
        float(f[j]), abs=1e-6
    )
    assert make("gates.cell", 0, text=text, t=t, unit=j).answer == pytest.approx(
        float(c[j]), abs=1e-5
    )
    h = make("gates.hidden", 0, text=text, t=t, unit=j).answer
    assert h == pytest.approx(float(out[t, j]), abs=1e-6)
    assert h == pytest.approx(float(o[j] * c[j].tanh()), abs=1e-5)


def test_gru_answer_is_the_modules_own_output():
    model = checkpoints.load("gru")
    out, _ = model.rnn(model.one_hot(model.encode("into the future").ids))
    ex = make("gates.gru", 3, text="into the future", t=9, unit=40)
    assert ex.answer == pytest.approx(float(out[9, 40]), abs=1e-6)


@pytest.mark.parametrize("seed", range(8))
def test_count_and_formula_answers(seed):
    ex = make("lm.uniform_ppl", seed)
    assert ex.answer == pytest.approx(ex.numbers["V"], rel=1e-5)
    ex = make("rnn.params", seed)
    V, H = ex.numbers["V"], ex.numbers["H"]
    assert ex.answer == H * V + H * H + 2 * H
    ex = make("grad.chain", seed)
    assert ex.answer == pytest.approx(ex.numbers["w"] ** (ex.numbers["T"] - 1), rel=1e-5)
    ex = make("text.batches", seed)
    n = ex.numbers
    part = batching.partition(n["N"], n["B"], n["T"], "sequential", seed=0)
    L = (n["N"] - n["offset"] - 1) // n["B"]
    assert ex.answer == L // n["T"] and part.batch_size == n["B"]
    ex = make("lm.add_k", seed)
    n = ex.numbers
    assert ex.answer == pytest.approx((n["n_cw"] + n["k"]) / (n["n_c"] + n["k"] * n["V"]))


@pytest.mark.parametrize("seed", range(8))
def test_skipgram_positions_count_from_one_as_the_slides_do(seed):
    ex = make("w2v.centre", seed)
    j = ex.numbers["j"]  # x_j is the centre, x_1 the sentence's first word
    sentence = ex.prompt.split("*")[1].split()
    centre = ex.prompt.split("**")[1]
    assert sentence[j - 1] == centre
    lo, hi = max(1, j - 2), min(len(sentence), j + 2)
    assert ex.solution.startswith(f"Position {j} is *{centre}*; positions {lo} … {hi} except {j}")


@pytest.mark.parametrize("seed", range(8))
def test_clipping_answer_matches_clip_grad_norm(seed):
    ex = make("grad.clip", seed)
    g1 = [ex.numbers[f"g1_{i}"] for i in range(2)]
    g2 = [ex.numbers[f"g2_{i}"] for i in range(3)]
    params = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    params[0].grad, params[1].grad = (
        torch.tensor(g1, dtype=torch.float),
        torch.tensor(g2, dtype=torch.float),
    )
    torch.nn.utils.clip_grad_norm_(params, ex.numbers["theta"])
    after = math.sqrt(sum(float(p.grad.pow(2).sum()) for p in params))
    assert ex.answer == pytest.approx(after, rel=1e-5)


@pytest.mark.parametrize("seed", range(6))
def test_gradient_direction_and_pascanu(seed):
    ex = make("grad.ends", seed)
    larger = ex.numbers["norm_0"] > ex.numbers["norm_last"]
    assert ex.answer.startswith("Larger" if larger else "Smaller")
    if ex.numbers["radius"] < 1:  # ||W_hh|| < 1 and |tanh'| <= 1: it must vanish
        assert not larger
    ex = make("grad.pascanu", seed)
    vanish = ex.numbers["sigma_max"] < 1 / ex.numbers["gamma"]
    assert ex.answer.startswith("Yes") == vanish


def test_a_labs_view_is_used_and_a_bad_one_redrawn():
    ex = make("rnn.h_unit", 0, text="ab", t=1, unit=2)
    assert "t = 2" in ex.prompt and "j = 2" in ex.prompt  # row 1 is step t = 2
    for bad in (dict(t=99, unit=-1), dict(t=-3, unit=10_000), dict(text="", t=None)):
        assert math.isfinite(make("rnn.h_unit", 0, **bad).answer)
    ex = make("gates.forget_next", 0, text="ab", t=1)  # no step after row 1: row 0 is used
    assert "t = 1" in ex.prompt  # shown 1-based: row 0 is step t = 1
    hostile = "<script>alert(1)</script>`$x$` " * 400
    ex = make("rnn.next_char", 0, text=hostile, t=10)
    assert "<script>" not in ex.prompt and "$x$" not in ex.prompt


# --- parsing and results ------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,value",
    [("0.53", 0.53), (" -0,53 ", -0.53), ("−.5", -0.5), ("1e-3", 0.001), (3, 3.0), (2.5, 2.5)],
)
def test_numbers_students_type(raw, value):
    assert parse_number(raw) == pytest.approx(value)


@pytest.mark.parametrize(
    "raw", ["", "abc", "nan", "inf", "-inf", "1" * 10_000, "<script>", None, True, [1], "1,2,3"]
)
def test_what_is_not_a_number(raw):
    assert parse_number(raw) is None


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_any_typed_text_gets_a_verdict_never_an_exception(raw):
    ex = make("rnn.h_unit", 0)
    result = check(ex, raw)
    assert isinstance(result.correct, bool) and "<" not in result.message


def test_summary_csv_and_json():
    exs = exercises.generate("rnn", 3)
    results = {
        exs[0].id: {"correct": True, "attempts": 2},
        exs[1].id: {"attempts": 1, "revealed": True},
    }
    rows = exercises.summarise(exs, results)
    assert exercises.score(rows) == (1, len(exs))
    parsed = list(csv.DictReader(io.StringIO(exercises.to_csv(rows))))
    assert [r["exercise"] for r in parsed] == [ex.id for ex in exs]
    assert parsed[0]["correct"] == "True" and parsed[1]["revealed"] == "True"
    data = json.loads(exercises.to_json(rows))
    assert data["score"] == {"correct": 1, "total": len(exs)} and data["exercises"][0]["seed"] == 3


# --- attention and word2vec against independent computations ------------------------


@pytest.mark.parametrize("seed", range(8))
def test_attention_answers(seed):
    import numpy as np

    ex = make("attn.weight", seed)
    s = np.array([ex.numbers[f"s{i}"] for i in range(3)])
    soft = np.exp(s) / np.exp(s).sum()  # softmax of the scaled scores
    assert np.abs(soft - ex.answer).min() < 1e-6
    ex = make("attn.causal", seed)
    T = ex.numbers["T"]
    assert ex.answer == T * (T + 1) / 2
    ex = make("attn.position", seed)
    n = ex.numbers
    i2 = n["col"] - n["col"] % 2
    fn = math.sin if n["col"] % 2 == 0 else math.cos
    assert ex.answer == pytest.approx(fn(n["pos"] / 10000 ** (i2 / n["dim"])), abs=1e-6)
    ex = make("attn.most", seed)
    best = max(ex.numbers, key=ex.numbers.get)
    assert ex.answer == best and abs(sum(ex.numbers.values()) - 1) < 1e-9


@pytest.mark.parametrize("seed", range(8))
def test_word2vec_answers(seed):
    ex = make("w2v.pairs", seed)
    N, w = ex.numbers["N"], ex.numbers["window"]
    assert ex.answer == sum(min(j, w) + min(N - 1 - j, w) for j in range(N))
    ex = make("w2v.centre", seed)
    tokens = ex.prompt.split("*")[1].split()
    j = ex.numbers["j"] - 1  # the exercise counts positions from 1, as the slides do
    expected = [
        (tokens[j], tokens[i]) for i in range(j - 2, j + 3) if i != j and 0 <= i < len(tokens)
    ]
    assert ex.answer == ", ".join(f"({c}, {o})" for c, o in expected)
    ex = make("w2v.softmax", seed)
    u = [v for k, v in ex.numbers.items() if k != "p"]
    assert ex.answer == pytest.approx(ex.numbers["p"])
    assert min(abs(math.exp(v) / sum(map(math.exp, u)) - ex.answer) for v in u) < 0.01
