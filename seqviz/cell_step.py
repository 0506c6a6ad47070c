"""One step of a gated cell for one unit, as the named numbers a cell diagram labels.

A cell diagram (after Olah, "Understanding LSTM Networks", 2015) draws the paths
inside an LSTM or GRU cell: x_t and h_{t-1} (and c_{t-1}) flow through σ, tanh, ⊙
and + into the new state. :func:`cell_step` reads every value on those paths for
unit j at step t from a :class:`seqviz.recurrent.DirectionTrace`, which recomputed
them with PyTorch's own equations:

    LSTM  f_t ⊙ c_{t-1},  i_t ⊙ g_t,  c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t,
          tanh(c_t),      h_t = o_t ⊙ tanh(c_t)
    GRU   W_in x_t + b_in,  W_hn h_{t-1} + b_hn,
          n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn)),
          (1 - z_t) ⊙ n_t,  z_t ⊙ h_{t-1},  h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}

Steps: ``t`` is the trace's row (0-based); the lecture numbers it t + 1 (the cell
reads x_1 … x_T from h_0 = 0, c_0 = 0), and :attr:`CellStep.shown_t` is that number.
Dimension letters: ``T`` time steps, ``H`` hidden units.
"""

from __future__ import annotations

from dataclasses import dataclass

from seqviz.recurrent import DirectionTrace

__all__ = ["CellStep", "cell_step", "PATHS"]

# The values on the diagram's paths, in the order they are computed.
PATHS: dict[str, tuple[str, ...]] = {
    "lstm": (
        "h_prev",  # h_{t-1}, unit j (every gate reads all H units of it)
        "c_prev",  # c_{t-1}
        "forget",  # f_t
        "input",  # i_t
        "candidate",  # g_t
        "output",  # o_t
        "f_c_prev",  # f_t ⊙ c_{t-1}
        "i_g",  # i_t ⊙ g_t
        "c",  # c_t
        "tanh_c",  # tanh(c_t)
        "h",  # h_t
    ),
    "gru": (
        "h_prev",  # h_{t-1}
        "reset",  # r_t
        "update",  # z_t
        "hn",  # W_hn h_{t-1} + b_hn
        "r_hn",  # r_t ⊙ (W_hn h_{t-1} + b_hn)
        "xn",  # W_in x_t + b_in
        "candidate",  # n_t
        "one_minus_z",  # 1 - z_t
        "z_h_prev",  # z_t ⊙ h_{t-1}
        "keep_n",  # (1 - z_t) ⊙ n_t
        "h",  # h_t
    ),
}


@dataclass(frozen=True)
class CellStep:
    """The numbers on every path of a gated cell, for one unit at one step."""

    kind: str  # "lstm" or "gru"
    t: int  # row of the trace, 0 .. T-1
    unit: int  # j, 0 .. H-1
    values: dict[str, float]  # PATHS[kind] name -> value of unit j at step t

    @property
    def shown_t(self) -> int:
        """The step as the lecture numbers it: 1 for the first input x_1."""
        return self.t + 1


def cell_step(d: DirectionTrace, kind: str, t: int, j: int) -> CellStep:
    """Every value on the diagram's paths for unit ``j`` at step ``t`` (0-based row).

    Args:
        d: one direction of one layer of an unbatched LSTM or GRU trace
            (tensors ``(T, H)``).
        kind: ``"lstm"`` or ``"gru"``.
        t: the trace row, ``0 .. T-1``.
        j: the unit, ``0 .. H-1``.

    Raises:
        ValueError: for another kind, a batched trace, or t / j out of range.
    """
    if kind not in PATHS:
        raise ValueError(f"a cell diagram is drawn for 'lstm' or 'gru', not {kind!r}")
    if d.h.dim() != 2:
        raise ValueError(f"expected an unbatched trace, (T, H); got shape {tuple(d.h.shape)}")
    T, H = d.h.shape
    if not 0 <= t < T:
        raise ValueError(f"step {t} is outside 0 .. {T - 1}")
    if not 0 <= j < H:
        raise ValueError(f"unit {j} is outside 0 .. {H - 1}")

    def at(x) -> float:
        return float(x[t, j])

    h_prev, h_t = at(d.h_prev), at(d.h)
    if kind == "lstm":
        f_t, i_t, g_t, o_t = (at(d.gates[n]) for n in ("forget", "input", "candidate", "output"))
        c_prev, c_t = at(d.c_prev), at(d.c)
        values = {
            "h_prev": h_prev,
            "c_prev": c_prev,
            "forget": f_t,
            "input": i_t,
            "candidate": g_t,
            "output": o_t,
            # f_t ⊙ c_{t-1}: what the forget gate keeps of the old memory
            "f_c_prev": f_t * c_prev,
            # i_t ⊙ g_t: what the input gate writes
            "i_g": i_t * g_t,
            "c": c_t,
            "tanh_c": at(d.c.tanh()),
            "h": h_t,
        }
    else:
        w = d.weights["candidate"]
        r_t, z_t, n_t = (at(d.gates[n]) for n in ("reset", "update", "candidate"))
        # W_hn h_{t-1} + b_hn  (PyTorch resets this, bias included, not h_{t-1})
        hn = at(d.h_part["candidate"]) + float(w.b_h[j])
        values = {
            "h_prev": h_prev,
            "reset": r_t,
            "update": z_t,
            "hn": hn,
            "r_hn": r_t * hn,
            # W_in x_t + b_in
            "xn": at(d.x_part["candidate"]) + float(w.b_x[j]),
            "candidate": n_t,
            "one_minus_z": 1.0 - z_t,
            "z_h_prev": z_t * h_prev,
            "keep_n": (1.0 - z_t) * n_t,
            "h": h_t,
        }
    return CellStep(kind=kind, t=t, unit=j, values=values)
