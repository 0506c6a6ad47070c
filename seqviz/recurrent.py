"""Recurrent cells that show their work.

`trace(module, x)` takes any `torch.nn.RNN`, `torch.nn.GRU` or `torch.nn.LSTM` and
recomputes every time step from the module's own weights, with the module's own
equations, recording every intermediate value: the input of each step, the
state coming in, each gate's pre-activation split into its input part and its
recurrent part, the gates, the cell state and the new hidden state. The result
equals the module's output (tests/test_recurrent.py checks it), so a page can
show any equation with its real numbers substituted in.

Dimensions: T time steps, B batch, D input size of a layer, H hidden size,
G number of gates (1 for the RNN, 3 for the GRU, 4 for the LSTM).

Names (seqviz/notation.py): each gate ∗ has input weights W_x∗ (H, D), recurrent
weights W_h∗ (H, H) and the two biases b_x∗, b_h∗ that PyTorch keeps; for the
RNN's single "gate" ∗ = h they are W_xh, W_hh, b_xh, b_hh. :class:`Weights` holds
them as ``W_x``, ``W_h``, ``b_x``, ``b_h``. The equations below are PyTorch's,
quoted with PyTorch's own names (W_ih is W_xh, W_ii is the input gate's W_x∗, and
so on); they are the ones computed here (σ is the logistic sigmoid):

    RNN   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)        (or relu)

    LSTM  i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)
          f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
          g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)        (candidate, C̃_t)
          o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)
          c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
          h_t = o_t ⊙ tanh(c_t)

    GRU   r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
          z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
          n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))
          h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}

The GRU's candidate applies the reset gate *after* the recurrent matrix product;
the textbook form (Cho et al. 2014, d2l) writes W_hn (r_t ⊙ h_{t-1}) instead.
The two differ by the bias b_hn and by where r_t acts, and PyTorch's GRU uses
the first, so that is the one traced here.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

# Gate names in the order PyTorch stacks them in weight_ih / weight_hh.
GATES: dict[str, tuple[str, ...]] = {
    "rnn": (),
    "lstm": ("input", "forget", "candidate", "output"),
    "gru": ("reset", "update", "candidate"),
}


@dataclass(frozen=True)
class Weights:
    """The parameters of one gate ∗ of one direction of one layer."""

    W_x: Tensor  # (H, D) W_x∗, input weights (PyTorch's W_i∗; W_xh for the RNN)
    W_h: Tensor  # (H, H) W_h∗, recurrent weights (W_hh for the RNN)
    b_x: Tensor  # (H,) b_x∗, input bias (PyTorch's b_i∗; zeros when the module has bias=False)
    b_h: Tensor  # (H,) b_h∗, recurrent bias


@dataclass(frozen=True)
class DirectionTrace:
    """Every value of one direction of one layer, indexed by time step t.

    The backward direction is stored in time order too: its entry t is the step
    that reads x_t, and its `h_prev[t]` is the state that came from step t + 1.
    `[B,]` below is present for batched input only.
    """

    x: Tensor  # (T, [B,] D) input of this layer at step t
    h_prev: Tensor  # (T, [B,] H) state entering step t
    h: Tensor  # (T, [B,] H) state leaving step t
    c_prev: Tensor | None  # (T, [B,] H) LSTM cell state entering step t
    c: Tensor | None  # (T, [B,] H) LSTM cell state leaving step t
    gates: dict[str, Tensor]  # name -> (T, [B,] H) after σ / tanh; empty for the RNN
    pre: dict[str, Tensor]  # name -> (T, [B,] H) pre-activation; the RNN's key is "hidden"
    x_part: dict[str, Tensor]  # name -> (T, [B,] H) W_x x_t, no bias
    h_part: dict[str, Tensor]  # name -> (T, [B,] H) W_h h_{t-1}, no bias
    weights: dict[str, Weights]  # name -> the parameters used


@dataclass(frozen=True)
class LayerTrace:
    """One layer, both directions joined the way the module joins its output."""

    hidden: Tensor  # (T, [B,] H * num_directions), forward units first
    cell: Tensor | None  # same shape, LSTM only
    gates: dict[str, Tensor]  # name -> same shape as hidden
    directions: tuple[DirectionTrace, ...]  # (forward,) or (forward, backward)


@dataclass(frozen=True)
class Trace:
    """The record of one forward pass of a recurrent module."""

    kind: str  # "rnn", "gru" or "lstm"
    nonlinearity: str  # "tanh" or "relu" ("tanh" for the GRU and LSTM)
    hidden: Tensor  # (T, [B,] H * num_directions) top layer; equals the module's output
    cell: Tensor | None  # top layer's c_t, LSTM only
    gates: dict[str, Tensor]  # top layer's gates
    layers: tuple[LayerTrace, ...]  # bottom layer first
    h_n: Tensor  # (num_layers * num_directions, [B,] H) as the module returns it
    c_n: Tensor | None  # same, LSTM only
    batched: bool


def kind_of(module: nn.Module) -> str:
    """ "rnn", "gru" or "lstm" for a torch.nn recurrent module."""
    if isinstance(module, nn.LSTM):
        return "lstm"
    if isinstance(module, nn.GRU):
        return "gru"
    if isinstance(module, nn.RNN):
        return "rnn"
    raise TypeError(f"expected nn.RNN, nn.GRU or nn.LSTM, got {type(module).__name__}")


def gate_names(kind: str) -> tuple[str, ...]:
    """Keys of `pre`, `x_part`, `h_part` and `weights`: the gates, or "hidden" for the RNN."""
    return GATES[kind] or ("hidden",)


def layer_weights(module: nn.Module, layer: int, reverse: bool = False) -> dict[str, Weights]:
    """The per-gate parameters of one layer and direction, split out of PyTorch's stacks."""
    suffix = f"l{layer}" + ("_reverse" if reverse else "")
    names = gate_names(kind_of(module))
    W_x = getattr(module, f"weight_ih_{suffix}").detach().chunk(len(names))  # G x (H, D)
    W_h = getattr(module, f"weight_hh_{suffix}").detach().chunk(len(names))  # G x (H, H)
    if module.bias:
        b_x = getattr(module, f"bias_ih_{suffix}").detach().chunk(len(names))
        b_h = getattr(module, f"bias_hh_{suffix}").detach().chunk(len(names))
    else:
        zeros = W_x[0].new_zeros(module.hidden_size)
        b_x = b_h = (zeros,) * len(names)
    return {n: Weights(W_x[g], W_h[g], b_x[g], b_h[g]) for g, n in enumerate(names)}


def _run_direction(
    kind: str,
    nonlinearity: str,
    w: dict[str, Weights],
    x: Tensor,
    h0: Tensor,
    c0: Tensor | None,
    reverse: bool,
) -> DirectionTrace:
    """Run one direction of one layer over x (T, B, D) from state h0 (B, H)."""
    T, B = x.shape[:2]
    names = gate_names(kind)
    # The input part of every gate does not depend on the recurrence: one matmul for all t.
    x_part = {n: x @ w[n].W_x.T for n in names}  # (T, B, H)
    empty = x.new_empty(T, B, h0.shape[-1])
    h_part = {n: torch.empty_like(empty) for n in names}
    pre = {n: torch.empty_like(empty) for n in names}
    gates = {n: torch.empty_like(empty) for n in GATES[kind]}
    h_prev_all, h_all = torch.empty_like(empty), torch.empty_like(empty)
    c_prev_all = torch.empty_like(empty) if kind == "lstm" else None
    c_all = torch.empty_like(empty) if kind == "lstm" else None

    h_prev, c_prev = h0, c0
    for t in reversed(range(T)) if reverse else range(T):
        for n in names:
            h_part[n][t] = h_prev @ w[n].W_h.T
        if kind == "rnn":
            # a_t = W_xh x_t + b_xh + W_hh h_{t-1} + b_hh
            a_t = x_part["hidden"][t] + w["hidden"].b_x + h_part["hidden"][t] + w["hidden"].b_h
            pre["hidden"][t] = a_t
            # h_t = tanh(a_t)   (or relu)
            h_t = torch.tanh(a_t) if nonlinearity == "tanh" else torch.relu(a_t)
        elif kind == "lstm":
            for n in names:
                pre[n][t] = x_part[n][t] + w[n].b_x + h_part[n][t] + w[n].b_h
            # i_t, f_t, o_t = σ(...);  g_t = tanh(...)
            i_t = torch.sigmoid(pre["input"][t])
            f_t = torch.sigmoid(pre["forget"][t])
            g_t = torch.tanh(pre["candidate"][t])
            o_t = torch.sigmoid(pre["output"][t])
            # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
            c_t = f_t * c_prev + i_t * g_t
            # h_t = o_t ⊙ tanh(c_t)
            h_t = o_t * torch.tanh(c_t)
            gates["input"][t], gates["forget"][t] = i_t, f_t
            gates["candidate"][t], gates["output"][t] = g_t, o_t
            c_prev_all[t], c_all[t] = c_prev, c_t
            c_prev = c_t
        else:  # gru
            for n in ("reset", "update"):
                pre[n][t] = x_part[n][t] + w[n].b_x + h_part[n][t] + w[n].b_h
            r_t = torch.sigmoid(pre["reset"][t])
            z_t = torch.sigmoid(pre["update"][t])
            # n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))   (PyTorch's names)
            w_n = w["candidate"]
            pre["candidate"][t] = (
                x_part["candidate"][t] + w_n.b_x + r_t * (h_part["candidate"][t] + w_n.b_h)
            )
            n_t = torch.tanh(pre["candidate"][t])
            # h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}
            h_t = (1 - z_t) * n_t + z_t * h_prev
            gates["reset"][t], gates["update"][t], gates["candidate"][t] = r_t, z_t, n_t
        h_prev_all[t], h_all[t] = h_prev, h_t
        h_prev = h_t

    return DirectionTrace(
        x=x,
        h_prev=h_prev_all,
        h=h_all,
        c_prev=c_prev_all,
        c=c_all,
        gates=gates,
        pre=pre,
        x_part=x_part,
        h_part=h_part,
        weights=w,
    )


def _initial_state(module: nn.Module, h0, B: int, batched: bool, x: Tensor):
    """(h0, c0) as (num_layers * dirs, B, H) tensors; zeros where not given."""
    kind = kind_of(module)
    dirs = 2 if module.bidirectional else 1
    shape = (module.num_layers * dirs, B, module.hidden_size)
    if kind == "lstm":
        h0, c0 = h0 if h0 is not None else (None, None)
    else:
        c0 = None
        if isinstance(h0, tuple):
            raise TypeError(f"{type(module).__name__} takes a single initial state, not a tuple")
    states = []
    for s in (h0, c0 if kind == "lstm" else None):
        if s is None:
            states.append(x.new_zeros(shape))
            continue
        s = s.detach().to(x.dtype)
        if not batched:
            s = s.unsqueeze(1)
        if tuple(s.shape) != shape:
            want = shape if batched else (shape[0], shape[2])
            raise ValueError(f"initial state has shape {tuple(s.shape)}, expected {want}")
        states.append(s)
    return states[0], (states[1] if kind == "lstm" else None)


@torch.no_grad()
def trace(module: nn.Module, x: Tensor, h0: Tensor | tuple[Tensor, Tensor] | None = None) -> Trace:
    """Run `module` on `x` step by step and record every intermediate value.

    Args:
        module: an `nn.RNN` (tanh or relu), `nn.GRU` or `nn.LSTM`; any num_layers,
            bidirectional, batch_first, with or without bias. Dropout between
            layers is not applied (the trace is what the module computes in eval
            mode), and LSTMs with `proj_size > 0` are not supported.
        x: input shaped as the module expects: (T, D), or (T, B, D), or (B, T, D)
            when `batch_first`.
        h0: initial state as the module takes it: (num_layers * dirs, [B,] H), or the
            tuple (h0, c0) for the LSTM. Zeros when None.

    Returns:
        A `Trace`. All its tensors are time first, detached, and in x's dtype.
    """
    kind = kind_of(module)
    if getattr(module, "proj_size", 0):
        raise ValueError("LSTMs with proj_size > 0 are not supported")
    if x.dim() not in (2, 3):
        raise ValueError(f"expected input of 2 or 3 dimensions, got shape {tuple(x.shape)}")
    if x.shape[-1] != module.input_size:
        raise ValueError(
            f"input size {x.shape[-1]} does not match the module's {module.input_size}"
        )
    batched = x.dim() == 3
    x = x.detach().to(module.weight_ih_l0.dtype)
    if not batched:
        x = x.unsqueeze(1)  # (T, 1, D)
    elif module.batch_first:
        x = x.transpose(0, 1)  # (B, T, D) -> (T, B, D)
    B = x.shape[1]
    h0, c0 = _initial_state(module, h0, B, batched, x)

    nonlinearity = getattr(module, "nonlinearity", "tanh")
    dirs = 2 if module.bidirectional else 1
    layers, h_n, c_n = [], [], []
    layer_input = x
    for layer in range(module.num_layers):
        runs = []
        for d in range(dirs):
            s = layer * dirs + d
            runs.append(
                _run_direction(
                    kind,
                    nonlinearity,
                    layer_weights(module, layer, reverse=d == 1),
                    layer_input,
                    h0[s],
                    c0[s] if c0 is not None else None,
                    reverse=d == 1,
                )
            )
            # The final state is the last step processed: t = T-1 forward, t = 0 backward.
            last = -1 if d == 0 else 0
            h_n.append(runs[-1].h[last])
            if kind == "lstm":
                c_n.append(runs[-1].c[last])
        layers.append(runs)
        layer_input = torch.cat([r.h for r in runs], dim=-1)  # (T, B, H * dirs)

    def squeeze(t: Tensor, dim: int = 1) -> Tensor:
        return t if batched else t.squeeze(dim)

    def squeeze_run(r: DirectionTrace) -> DirectionTrace:
        opt = lambda t: None if t is None else squeeze(t)  # noqa: E731
        return DirectionTrace(
            x=squeeze(r.x),
            h_prev=squeeze(r.h_prev),
            h=squeeze(r.h),
            c_prev=opt(r.c_prev),
            c=opt(r.c),
            gates={n: squeeze(v) for n, v in r.gates.items()},
            pre={n: squeeze(v) for n, v in r.pre.items()},
            x_part={n: squeeze(v) for n, v in r.x_part.items()},
            h_part={n: squeeze(v) for n, v in r.h_part.items()},
            weights=r.weights,
        )

    layer_traces = []
    for runs in layers:
        runs = tuple(squeeze_run(r) for r in runs)
        layer_traces.append(
            LayerTrace(
                hidden=torch.cat([r.h for r in runs], dim=-1),
                cell=torch.cat([r.c for r in runs], dim=-1) if kind == "lstm" else None,
                gates={n: torch.cat([r.gates[n] for r in runs], dim=-1) for n in GATES[kind]},
                directions=runs,
            )
        )
    top = layer_traces[-1]
    return Trace(
        kind=kind,
        nonlinearity=nonlinearity,
        hidden=top.hidden,
        cell=top.cell,
        gates=top.gates,
        layers=tuple(layer_traces),
        h_n=squeeze(torch.stack(h_n), 1),
        c_n=squeeze(torch.stack(c_n), 1) if kind == "lstm" else None,
        batched=batched,
    )
