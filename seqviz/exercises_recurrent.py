"""Exercises for the RNN step-through and the gates labs, read off real traces.

Each generator runs a pretrained character model over a text with
``seqviz.recurrent.trace`` and asks for one number of one unit at one step, from
the other numbers of that step (shown rounded to 3 decimals). Prompts count steps as
the lecture does, x_1 … x_T with h_0 = 0: the trace's row t is shown as step t + 1
(``ctx.t`` is the row, as the labs pass it). The answer is the traced value; the tolerance covers rounding the answer to 2 decimals plus what
the rounding of the shown numbers can move it.

Dimensions: T time steps, H hidden units, V vocabulary.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from seqviz import recurrent
from seqviz.charlm import CharModel, Encoded
from seqviz.exercises import (
    Context,
    Exercise,
    char_label,
    fmt,
    lab_text,
    pick,
    shown_text,
)

SHOWN = 0.0005  # half a unit in the 3rd decimal: the rounding error of each shown number
ANSWER = 0.005  # half a unit in the 2nd decimal: the rounding of the student's answer


def _read(ctx: Context, name: str, min_len: int = 1) -> tuple[CharModel, Encoded, recurrent.Trace]:
    """Run pretrained model ``name`` over the lab's text (or a drawn phrase)."""
    model = ctx.load(name)
    enc = model.encode(lab_text(ctx, min_len))
    tr = recurrent.trace(model.rnn, model.one_hot(enc.ids))  # unbatched: (T, H)
    return model, enc, tr


def _where(enc: Encoded, t: int) -> str:
    return f"after reading {shown_text(enc.tokens[: t + 1])} (x_t is {char_label(enc.tokens[t])})"


def _n(x: float) -> str:
    return f"{x:.3f}"


# --- RNN ----------------------------------------------------------------------------


def _rnn_unit(ctx: Context, name: str, layer: int, title: str) -> Exercise:
    model, enc, tr = _read(ctx, name, min_len=2)
    run = tr.layers[layer].directions[0]
    T, H = len(enc.tokens), model.config.hidden_size
    t = pick(ctx.t, 1, T - 1, ctx.rng)
    j = pick(ctx.unit, 0, H - 1, ctx.rng)
    w = run.weights["hidden"]
    x_part = float(run.x_part["hidden"][t, j])  # (W_xh x_t)_j
    h_part = float(run.h_part["hidden"][t, j])  # (W_hh h_{t-1})_j
    b = float(w.b_x[j] + w.b_h[j])  # b_ih + b_hh
    pre = float(run.pre["hidden"][t, j])
    h = float(run.h[t, j])
    f = tr.nonlinearity
    x_name = "x_t" if layer == 0 else "h_t^{(1)}"
    model_name = "RNN" if layer == 0 else "two-layer RNN, in layer 2 (its input is layer 1's h_t),"
    prompt = (
        f"The trained {model_name} is at step t = {t + 1}, {_where(enc, t)}. For unit j = {j}:\n\n"
        f"- input term $(W_{{xh}} {x_name})_j = {_n(x_part)}$\n"
        f"- memory term $(W_{{hh}} h_{{t-1}})_j = {_n(h_part)}$\n"
        f"- bias $b_j = {_n(b)}$ (PyTorch's two biases added)\n\n"
        f"Enter $h_{{t,j}}$ to 2 decimals."
    )
    solution = (
        f"$h_{{t,j}} = \\{f}({_n(x_part)} + {_n(h_part)} + {_n(b)}) = \\{f}({pre:.4f}) = {h:.4f}$"
        if f == "tanh"
        else f"$h_{{t,j}} = \\max(0, {_n(x_part)} + {_n(h_part)} + {_n(b)}) = {h:.4f}$"
    )
    return Exercise(
        title=title,
        prompt=prompt,
        kind="number",
        answer=h,
        tolerance=ANSWER + 3 * SHOWN,
        hint=f"Add the three terms to get the pre-activation, then apply {f}: "
        "$h_t = \\tanh(W_{xh} x_t + W_{hh} h_{t-1} + b_h)$.",
        solution=solution,
        numbers={"x_part": x_part, "h_part": h_part, "bias": b, "pre": pre, "h": h},
    )


def h_unit(ctx: Context) -> Exercise:
    return _rnn_unit(ctx, "rnn", 0, "h_t of one unit")


def h_layer2(ctx: Context) -> Exercise:
    return _rnn_unit(ctx, "rnn-2layer", 1, "h_t in a stacked RNN")


def params(ctx: Context) -> Exercise:
    V = ctx.rng.choice((28, 30, 52))
    H = ctx.rng.choice((16, 32, 64, 128, 256))
    module = nn.RNN(V, H, device="meta")  # shapes only: no memory, no random draws
    n = sum(p.numel() for p in module.parameters())
    return Exercise(
        title="Counting parameters",
        prompt=f"How many parameters does `torch.nn.RNN({V}, {H})` have — one layer, "
        f"input size V = {V} (one-hot characters), H = {H} hidden units? "
        "(PyTorch keeps two bias vectors.)",
        kind="number",
        answer=float(n),
        tolerance=0.0,
        hint="$W_{xh}$ is H × V, $W_{hh}$ is H × H, and each of the two biases has H entries. "
        "The same weights are used at every step, so T does not matter.",
        solution=f"$H V + H H + 2H = {H}\\cdot{V} + {H}\\cdot{H} + 2\\cdot{H} = {n}$ — "
        "whatever the length of the text: the weights are shared across time steps.",
        numbers={"V": V, "H": H},
    )


def _next_char(ctx: Context, name: str, label: str) -> Exercise:
    model, enc, tr = _read(ctx, name, min_len=2)
    T = len(enc.tokens)
    t = pick(ctx.t, 0, T - 1, ctx.rng) if ctx.text else ctx.rng.randint(2, T - 2)
    probs = model.probs(tr.hidden[t])  # (V,) P(x_{t+1} | x_1..x_t), row t is h_{t+1}
    probs[model.vocab.unk] = 0.0
    top = torch.topk(probs, 4)
    tokens = model.vocab.to_tokens(top.indices)
    choices = [char_label(tok) for tok in tokens]
    answer = choices[0]
    shuffled = tuple(ctx.rng.sample(choices, len(choices)))
    table = ", ".join(
        f"{c}: {float(p):.3f}" for c, p in zip(choices, top.values.tolist(), strict=True)
    )
    return Exercise(
        title=f"What does the {label} predict?",
        prompt=f"The trained {label} has read {shown_text(enc.tokens[: t + 1])}. Predict first, "
        "then check: which of these characters does it give the **highest** probability "
        "next?",
        kind="choice",
        answer=answer,
        choices=shuffled,
        hint="Think about which letters follow this one in English words — the model learned "
        "from The Time Machine. A space is a character too.",
        solution=f"softmax($W_{{hq}} h_t + b_q$) at t = {t + 1}: {table}.",
        numbers={c: float(p) for c, p in zip(choices, top.values.tolist(), strict=True)},
    )


def rnn_next_char(ctx: Context) -> Exercise:
    return _next_char(ctx, "rnn", "RNN")


# --- LSTM and GRU -------------------------------------------------------------------


def _lstm_step(ctx: Context, low: int = 1, spare: int = 0):
    model, enc, tr = _read(ctx, "lstm", min_len=low + spare + 1)
    run = tr.layers[0].directions[0]
    T, H = len(enc.tokens), model.config.hidden_size
    t = pick(ctx.t, low, T - 1 - spare, ctx.rng)
    j = pick(ctx.unit, 0, H - 1, ctx.rng)
    return enc, run, t, j


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def forget(ctx: Context) -> Exercise:
    enc, run, t, j = _lstm_step(ctx)
    w = run.weights["forget"]
    x_part, h_part = float(run.x_part["forget"][t, j]), float(run.h_part["forget"][t, j])
    b = float(w.b_x[j] + w.b_h[j])
    pre, f = float(run.pre["forget"][t, j]), float(run.gates["forget"][t, j])
    return Exercise(
        title="The forget gate",
        prompt=f"The trained LSTM is at step t = {t + 1}, {_where(enc, t)}. For unit j = {j}, "
        f"the forget gate's pre-activation has input part $(W_{{xf}} x_t)_j = {_n(x_part)}$, "
        f"recurrent part $(W_{{hf}} h_{{t-1}})_j = {_n(h_part)}$ and bias $b_{{f,j}} = {_n(b)}$."
        "\n\nEnter $f_{t,j}$ to 2 decimals.",
        kind="number",
        answer=f,
        tolerance=ANSWER + 3 * SHOWN / 4,  # σ' <= 1/4
        hint="$f_t = \\sigma(W_{xf} x_t + W_{hf} h_{t-1} + b_f)$ with "
        "$\\sigma(z) = 1 / (1 + e^{-z})$.",
        solution=f"$f_{{t,j}} = \\sigma({_n(x_part)} + {_n(h_part)} + {_n(b)}) = "
        f"\\sigma({pre:.4f}) = {f:.4f}$ — "
        + (
            "mostly open: the cell keeps its memory."
            if f > 0.5
            else "mostly closed: the cell forgets."
        ),
        numbers={"x_part": x_part, "h_part": h_part, "bias": b, "pre": pre, "f": f},
    )


def forget_next(ctx: Context) -> Exercise:
    enc, run, t, j = _lstm_step(ctx, low=0, spare=1)
    f = run.gates["forget"][:, j]  # (T,)
    past = ", ".join(f"{float(v):.2f}" for v in f[max(0, t - 4) : t + 1])
    f_next = float(f[t + 1])
    above, below = "Above 0.5 (mostly keep)", "At most 0.5 (mostly forget)"
    answer = above if f_next > 0.5 else below
    return Exercise(
        title="Will the forget gate stay open?",
        prompt=f"The trained LSTM is at step t = {t + 1}, {_where(enc, t)}. The forget gate of "
        f"unit j = {j} over the last steps up to t: {past}. The next character is "
        f"{char_label(enc.tokens[t + 1])}. Predict: will $f_{{t+1,j}}$ be above 0.5?",
        kind="choice",
        answer=answer,
        choices=(above, below),
        hint="A forget gate depends on the new character and on the state h_{t-1}; many "
        "units react to spaces (word boundaries). Has this unit's gate been steady?",
        solution=f"$f_{{t+1,j}} = \\sigma({float(run.pre['forget'][t + 1, j]):.4f}) = "
        f"{f_next:.4f}$ after reading {char_label(enc.tokens[t + 1])}.",
        numbers={"f_t": float(f[t]), "f_next": f_next},
    )


def cell(ctx: Context) -> Exercise:
    enc, run, t, j = _lstm_step(ctx)
    f, i, g = (float(run.gates[k][t, j]) for k in ("forget", "input", "candidate"))
    c_prev, c = float(run.c_prev[t, j]), float(run.c[t, j])
    # each product a·b moves by at most SHOWN (|a| + |b|) when both are rounded
    tol = ANSWER + SHOWN * (abs(f) + abs(c_prev) + abs(i) + abs(g)) + 1e-6
    return Exercise(
        title="The LSTM cell state",
        prompt=f"The trained LSTM is at step t = {t + 1}, {_where(enc, t)}. For unit j = {j}: "
        f"forget gate $f_t = {_n(f)}$, previous cell $c_{{t-1}} = {_n(c_prev)}$, input gate "
        f"$i_t = {_n(i)}$, candidate $g_t = {_n(g)}$.\n\nEnter $c_{{t,j}}$ to 2 decimals.",
        kind="number",
        answer=c,
        tolerance=tol,
        hint="$c_t = f_t \\odot c_{t-1} + i_t \\odot g_t$: keep part of the old memory, add "
        "part of the candidate.",
        solution=f"$c_{{t,j}} = {_n(f)} \\cdot {_n(c_prev)} + {_n(i)} \\cdot {_n(g)} = "
        f"{f * c_prev:.4f} + {i * g:.4f} = {c:.4f}$",
        numbers={"f": f, "c_prev": c_prev, "i": i, "g": g, "c": c},
    )


def hidden(ctx: Context) -> Exercise:
    enc, run, t, j = _lstm_step(ctx)
    o, c, h = float(run.gates["output"][t, j]), float(run.c[t, j]), float(run.h[t, j])
    return Exercise(
        title="What the LSTM lets out",
        prompt=f"The trained LSTM is at step t = {t + 1}, {_where(enc, t)}. For unit j = {j}: "
        f"output gate $o_t = {_n(o)}$ and cell state $c_t = {_n(c)}$.\n\n"
        "Enter $h_{t,j}$ to 2 decimals.",
        kind="number",
        answer=h,
        tolerance=ANSWER + SHOWN * (1 + abs(o)) + 1e-6,
        hint="$h_t = o_t \\odot \\tanh(c_t)$: the cell is squashed into (−1, 1), then the "
        "output gate decides how much of it the rest of the network sees.",
        solution=f"$h_{{t,j}} = {_n(o)} \\cdot \\tanh({_n(c)}) = {_n(o)} \\cdot "
        f"{math.tanh(c):.4f} = {h:.4f}$",
        numbers={"o": o, "c": c, "h": h},
    )


def gru(ctx: Context) -> Exercise:
    model, enc, tr = _read(ctx, "gru", min_len=2)
    run = tr.layers[0].directions[0]
    T, H = len(enc.tokens), model.config.hidden_size
    t = pick(ctx.t, 1, T - 1, ctx.rng)
    j = pick(ctx.unit, 0, H - 1, ctx.rng)
    z, n = float(run.gates["update"][t, j]), float(run.gates["candidate"][t, j])
    h_prev, h = float(run.h_prev[t, j]), float(run.h[t, j])
    return Exercise(
        title="The GRU update",
        prompt=f"The trained GRU is at step t = {t + 1}, {_where(enc, t)}. For unit j = {j}: "
        f"update gate $z_t = {_n(z)}$, candidate $n_t = {_n(n)}$, previous state "
        f"$h_{{t-1}} = {_n(h_prev)}$.\n\nEnter $h_{{t,j}}$ to 2 decimals.",
        kind="number",
        answer=h,
        tolerance=ANSWER + SHOWN * (abs(n) + abs(h_prev) + 2) + 1e-6,
        hint="PyTorch's GRU: $h_t = (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}$ — z near 1 "
        "keeps the old state.",
        solution=f"$h_{{t,j}} = (1 - {_n(z)}) \\cdot {_n(n)} + {_n(z)} \\cdot {_n(h_prev)} = "
        f"{(1 - z) * n:.4f} + {z * h_prev:.4f} = {h:.4f}$",
        numbers={"z": z, "n": n, "h_prev": h_prev, "h": h},
    )


GENERATORS = {
    "rnn.h_unit": h_unit,
    "rnn.h_layer2": h_layer2,
    "rnn.params": params,
    "rnn.next_char": rnn_next_char,
    "gates.forget": forget,
    "gates.forget_next": forget_next,
    "gates.cell": cell,
    "gates.hidden": hidden,
    "gates.gru": gru,
}

__all__ = ["GENERATORS", "fmt"]
