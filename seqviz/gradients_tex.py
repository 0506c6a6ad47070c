"""LaTeX for the gradient-flow lab: the Pascanu bound, one step of the BPTT recursion and
gradient clipping, each with its real numbers.

Only formatting, and the norms of vectors that a :class:`seqviz.gradients.GradientFlow`,
:class:`seqviz.gradients.Jacobians` or :class:`seqviz.clipping.Clipped` already holds:
nothing here runs a model. Numbers of any size go through :func:`seqviz.latex.sci`
(overflow is written as ∞ or NaN, never hidden).

Dimensions: T time steps, H hidden size, S state size (H, or 2H for the LSTM's [h; c]).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from seqviz.clipping import Clipped
from seqviz.gradients import GradientFlow, Jacobians, Spectrum, Verdict, norm
from seqviz.latex import sci

__all__ = ["kept", "pascanu_bound", "BPTTStep", "bptt_step", "bptt_recursion", "clipping"]

NAMES = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}


def kept(ratios: dict[str, float], T: int) -> str:
    """||dL/dh_0|| / ||dL/dh_T|| for each model: how much of the gradient reaches h_0."""
    values = r",\quad ".join(rf"\text{{{NAMES.get(k, k)}}}\; {sci(v)}" for k, v in ratios.items())
    return (
        rf"\frac{{\|\partial L/\partial h_0\|}}{{\|\partial L/\partial h_{{{T}}}\|}}:"
        rf"\qquad {values}"
    )


def pascanu_bound(spec: Spectrum, verdict: Verdict) -> list[str]:
    """σ_max, max|λ| and γ of W_hh, then the bound on one step's Jacobian (two lines)."""
    return [
        rf"\sigma_{{\max}}(W_{{hh}}) = {sci(spec.sigma_max)},\quad "
        rf"\max|\lambda| = {sci(spec.spectral_radius)},\quad \gamma = {verdict.gamma:g}",
        r"\Big\|\frac{\partial h_t}{\partial h_{t-1}}\Big\| \le "
        r"\|\operatorname{diag} f'(a_t)\|\,\|W_{hh}\| \le \gamma\,\sigma_{\max} = "
        + sci(verdict.gamma * spec.sigma_max),
    ]


@dataclass(frozen=True)
class BPTTStep:
    """The sizes in dL/ds_t = ∂L/∂s_t|direct + (∂s_{t+1}/∂s_t)^T dL/ds_{t+1} at one step t.

    t counts as the maths does: s_0 = 0 is the initial state, s_T the last.
    """

    t: int  # the step (0 .. T-1)
    T: int  # steps in the sequence
    lstm: bool  # the state is s_t = [h_t; c_t] (else s_t = h_t)
    grad: float  # ||dL/ds_t||
    direct: float  # ||∂L/∂s_t|direct|| (the loss's own dependence on s_t)
    jacobian: float  # ||∂s_{t+1}/∂s_t||_2, the norm that bounds one step's factor
    grad_next: float  # ||dL/ds_{t+1}||
    product: float  # ||∂h_T/∂h_t||_2, the product of the Jacobians from T back to t

    @property
    def bound(self) -> float:
        """||direct|| + ||∂s_{t+1}/∂s_t||_2 ||dL/ds_{t+1}||, the triangle-inequality bound."""
        return self.direct + self.jacobian * self.grad_next

    @property
    def factor(self) -> float:
        """||dL/ds_t|| / ||dL/ds_{t+1}||: what this step back really multiplied the norm by."""
        return self.grad / self.grad_next if self.grad_next > 0 else float("nan")


def bptt_step(flow: GradientFlow, J: Jacobians, t: int) -> BPTTStep:
    """The norms of the BPTT recursion at step t (0 <= t <= T-1) of one backward pass."""
    T = flow.hidden_grad.shape[0]
    if not 0 <= t <= T - 1:
        raise ValueError(f"t must be in 0..{T - 1} (a state with a later step), got {t}")
    lstm = flow.cell_grad is not None
    # s_t = [h_t; c_t] for the LSTM: h_t reaches step t+1 directly and through c_t
    g = flow.state_grads  # (T + 1, S), row t = dL/ds_t
    S = g.shape[1]
    direct = torch.zeros(S, dtype=g.dtype)  # L reads h_1 .. h_T, never h_0 or c
    if t > 0:
        direct[: flow.direct_grad.shape[1]] = flow.direct_grad[t - 1]
    return BPTTStep(
        t=t,
        T=T,
        lstm=lstm,
        grad=float(norm(g[t])),
        direct=float(norm(direct)),
        jacobian=float(J.step_norms[t]),  # row t of step is J_{t+1} = ∂s_{t+1}/∂s_t
        grad_next=float(norm(g[t + 1])),
        product=float(J.product_norms[t]),
    )


def bptt_recursion(b: BPTTStep) -> list[str]:
    """The recursion in symbols, with its norms, and the product back to t (three lines)."""
    state = "s" if b.lstm else "h"
    a, n = rf"{state}_{{{b.t}}}", rf"{state}_{{{b.t + 1}}}"  # s_t, s_{t+1}
    prod = (
        rf"\prod_{{k={b.t + 1}}}^{{{b.T}}} \frac{{\partial {state}_k}}{{\partial {state}_{{k-1}}}}"
    )
    # ||[Π ∂s_k/∂s_{k-1}]_hh||: for the LSTM, the h-to-h block of the state Jacobians' product
    product = rf"\Big\|\Big[{prod}\Big]_{{hh}}\Big\|_2" if b.lstm else rf"\Big\|{prod}\Big\|_2"
    return [
        rf"\frac{{\partial L}}{{\partial {a}}} = \frac{{\partial L}}{{\partial {a}}}\Big|_{{\text{{direct}}}}"
        rf" + \Big(\frac{{\partial {n}}}{{\partial {a}}}\Big)^{{\!\top}} \frac{{\partial L}}{{\partial {n}}}",
        rf"\underbrace{{{sci(b.grad)}}}_{{\|\partial L/\partial {a}\|}} \;\le\; "
        rf"\underbrace{{{sci(b.direct)}}}_{{\|\text{{direct}}\|}} + "
        rf"\underbrace{{{sci(b.jacobian)}}}_{{\|\partial {n}/\partial {a}\|_2}} \times "
        rf"\underbrace{{{sci(b.grad_next)}}}_{{\|\partial L/\partial {n}\|}} = {sci(b.bound)}",
        rf"\Big\|\frac{{\partial h_{{{b.T}}}}}{{\partial h_{{{b.t}}}}}\Big\|_2 = "
        rf"{product} = {sci(b.product)}",
    ]


def clipping(clipped: Clipped, theta: float) -> str:
    """Clipping by the global norm: the rule, then ||g||, the factor and the clipped norm."""
    return (
        rf"g \leftarrow \min\Big(1, \frac{{\theta}}{{\|g\| + 10^{{-6}}}}\Big)\, g:\qquad "
        rf"\|g\| = {sci(clipped.norm_before)} \;\to\; "
        rf"\min(1, {sci(theta)} / {sci(clipped.norm_before)}) = {sci(clipped.coef)}"
        rf" \;\to\; \|g\|_{{\text{{clipped}}}} = {sci(clipped.norm_after)}"
    )
