"""LaTeX for the gates lab's live equations: the lecture's formula with one unit's real numbers.

Only formatting: every number is read from a :class:`seqviz.recurrent.DirectionTrace`
(which already holds W_x x_t, W_h h_{t-1}, biases and pre-activations), indexed
at step t (0-based) and unit j. Steps are written 1-based, as in the lecture.
"""

from seqviz.figures.style import gate_letter
from seqviz.latex import num, pnum
from seqviz.recurrent import DirectionTrace


def _term(value: float, label: str) -> str:
    return r"\underbrace{" + num(value) + r"}_{" + label + "}"


# --- gated cells (PyTorch's formulation) ------------------------------------------


def gate_lines(kind: str, d: DirectionTrace, t: int, j: int) -> list[str]:
    """Every gate equation of an LSTM or GRU for unit j at step t, numbers substituted."""
    lines = []
    for gate in d.gates:
        w = d.weights[gate]
        xp, hp = d.x_part[gate][t, j], d.h_part[gate][t, j]
        bx, bh = w.b_x[j], w.b_h[j]
        val = d.gates[gate][t, j]
        g = gate_letter(gate, kind)  # f for f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
        act = r"\tanh" if gate == "candidate" else r"\sigma"
        if kind == "gru" and gate == "candidate":
            r = d.gates["reset"][t, j]
            lines.append(
                rf"n_{{t,{j}}} = \tanh\Big({_term(xp, r'W_{in} x_t')}"
                rf" + {_term(bx, 'b_{in}')} + {_term(r, 'r_t')}\odot("
                rf"{_term(hp, r'W_{hn} h_{t-1}')} + {_term(bh, 'b_{hn}')})\Big)"
                rf" = \tanh({num(d.pre[gate][t, j])}) = \mathbf{{{num(val)}}}"
            )
            continue
        lines.append(
            rf"{g}_{{t,{j}}} = {act}\Big({_term(xp, rf'W_{{i{g}}} x_t')}"
            rf" + {_term(bx, rf'b_{{i{g}}}')} + {_term(hp, rf'W_{{h{g}}} h_{{t-1}}')}"
            rf" + {_term(bh, rf'b_{{h{g}}}')}\Big) = {act}({num(d.pre[gate][t, j])})"
            rf" = \mathbf{{{num(val)}}}"
        )
    if kind == "lstm":
        f, i, g, o = (d.gates[n][t, j] for n in ("forget", "input", "candidate", "output"))
        lines.append(
            rf"c_{{t,{j}}} = f_t \odot c_{{t-1}} + i_t \odot g_t = {pnum(f)}\cdot{pnum(d.c_prev[t, j])}"
            rf" + {pnum(i)}\cdot{pnum(g)} = \mathbf{{{num(d.c[t, j])}}}"
        )
        lines.append(
            rf"h_{{t,{j}}} = o_t \odot \tanh(c_t) = {pnum(o)}\cdot\tanh({num(d.c[t, j])})"
            rf" = \mathbf{{{num(d.h[t, j])}}}"
        )
    else:
        z, n = d.gates["update"][t, j], d.gates["candidate"][t, j]
        lines.append(
            rf"h_{{t,{j}}} = (1 - z_t)\odot n_t + z_t \odot h_{{t-1}} = (1 - {num(z)})\cdot{pnum(n)}"
            rf" + {pnum(z)}\cdot{pnum(d.h_prev[t, j])} = \mathbf{{{num(d.h[t, j])}}}"
        )
    return lines


GATE_FORMULAS = {
    "lstm": [
        r"i_t = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi})",
        r"f_t = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf})",
        r"g_t = \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg})\quad(\tilde{C}_t)",
        r"o_t = \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho})",
        r"c_t = f_t \odot c_{t-1} + i_t \odot g_t,\qquad h_t = o_t \odot \tanh(c_t)",
    ],
    "gru": [
        r"r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr})",
        r"z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz})",
        r"n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))",
        r"h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}",
    ],
}
