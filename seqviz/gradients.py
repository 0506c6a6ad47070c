"""Gradients through time, computed with autograd: vanishing, exploding, clipping, truncation.

Backpropagation through time (BPTT) sends the gradient of a loss L back along the
recurrence. For a plain RNN h_t = f(a_t), a_t = W_xh x_t + b_xh + W_hh h_{t-1} + b_hh:

    dL/dh_t = ∂L/∂h_t  +  (dh_{t+1}/dh_t)^T dL/dh_{t+1}         (direct + through the future)
    dh_{t+1}/dh_t = diag(f'(a_{t+1})) W_hh                      (one step's Jacobian)
    dh_T/dh_t = Π_{s=t+1..T} dh_s/dh_{s-1}                      (a product of T - t Jacobians)

If ||dh_s/dh_{s-1}|| <= γ σ_max(W_hh) < 1 at every step the product shrinks
exponentially: the gradient *vanishes* (Pascanu, Mikolov & Bengio 2013; γ bounds
|f'|: 1 for tanh and ReLU, 1/4 for the sigmoid). σ_max(W_hh) > 1/γ is necessary for
it to *explode*. Every number here comes from autograd on the module's own weights
and PyTorch's own cell functions (``torch.rnn_tanh_cell``, ``torch.gru_cell``,
``torch.lstm_cell``), so it matches ``module(x)`` exactly; nothing is simulated.

Dimensions: T time steps, D input size, H hidden size, S state size (H, or 2H for
the LSTM's [h; c]), P parameters.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from seqviz.recurrent import kind_of

LossFn = Callable[[Tensor], Tensor]
"""Maps the top-layer output (T, H) to a scalar loss."""

# γ: the largest value of the activation's derivative |f'(a)|.
GAMMA = {"tanh": 1.0, "relu": 1.0, "sigmoid": 0.25}


def last_step_sum(output: Tensor) -> Tensor:
    """The default loss: L = sum_j h_{T,j}, the output at the last step (row T - 1)."""
    return output[-1].sum()


# --- the unrolled forward pass -----------------------------------------------------


def _check(module: nn.Module, x: Tensor) -> str:
    kind = kind_of(module)
    if module.bidirectional:
        raise ValueError("gradients through time are defined here for one direction only")
    if getattr(module, "proj_size", 0):
        raise ValueError("LSTMs with proj_size > 0 are not supported")
    if module.batch_first and x.dim() == 3:
        raise ValueError("expected unbatched input of shape (T, input_size)")
    if x.dim() != 2 or x.shape[-1] != module.input_size or x.shape[0] < 1:
        raise ValueError(
            f"expected unbatched input of shape (T, {module.input_size}), got {tuple(x.shape)}"
        )
    return kind


def _weights(module: nn.Module, requires_grad: bool = False) -> dict[str, Tensor]:
    """Detached copies of the module's parameters, by PyTorch's names (never modifies module)."""
    return {
        name: p.detach().clone().requires_grad_(requires_grad) if requires_grad else p.detach()
        for name, p in module.named_parameters()
    }


def _scale_grad(h: Tensor, xi: float) -> Tensor:
    """Same value as h; the gradient flowing back through it is multiplied by xi."""
    if xi == 1.0:
        return h
    if xi == 0.0:
        return h.detach()
    return h.detach() + xi * (h - h.detach())


@dataclass(frozen=True)
class _Unrolled:
    hs: list[Tensor]  # T x (H,) top-layer h_1 .. h_T, each a node of the graph
    cs: list[Tensor]  # T x (H,) top-layer c_1 .. c_T (LSTM), else empty
    output: Tensor  # (T, H) stack of hs
    h0: Tensor  # (1, H) the top layer's initial state h_0 = 0, a leaf of the graph
    c0: Tensor  # (1, H) the top layer's c_0 = 0 (LSTM; unused otherwise)


def _unroll(
    kind: str,
    module: nn.Module,
    w: dict[str, Tensor],
    x: Tensor,
    xi: Sequence[float] | None = None,
) -> _Unrolled:
    """Run the module step by step with PyTorch's cell functions, keeping every h_t.

    ``xi[t]`` scales the gradient that flows from step t back into step t - 1
    through the state (1: full BPTT, 0: truncated there). The initial states
    h_0 = 0 (and c_0 = 0) are leaves that require grad, so dL/dh_0 exists.
    """
    T, num_layers, H = x.shape[0], module.num_layers, module.hidden_size
    bias = module.bias
    # h_0 = 0, c_0 = 0 for every layer
    h = [x.new_zeros(1, H).requires_grad_(True) for _ in range(num_layers)]
    c = [x.new_zeros(1, H).requires_grad_(True) for _ in range(num_layers)]
    h0, c0 = h[-1], c[-1]
    hs, cs = [], []
    for t in range(T):
        inp = x[t : t + 1]  # (1, D)
        for l in range(num_layers):
            if xi is not None:
                h[l] = _scale_grad(h[l], xi[t])
                if kind == "lstm":
                    c[l] = _scale_grad(c[l], xi[t])
            args = (
                w[f"weight_ih_l{l}"],
                w[f"weight_hh_l{l}"],
                w[f"bias_ih_l{l}"] if bias else None,
                w[f"bias_hh_l{l}"] if bias else None,
            )
            if kind == "lstm":
                # (h_t, c_t) = LSTM(x_t, h_{t-1}, c_{t-1}); see seqviz.recurrent for the gates
                h[l], c_out = torch.lstm_cell(inp, (h[l], c[l]), *args)
                # the cell state as passed to step t + 1: its gradient is dL/dc_t with h_t
                # held fixed, so [dL/dh_t; dL/dc_t] is the gradient w.r.t. the state s_t
                c[l] = c_out.view_as(c_out)
            elif kind == "gru":
                # h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}
                h[l] = torch.gru_cell(inp, h[l], *args)
            elif module.nonlinearity == "tanh":
                # h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
                h[l] = torch.rnn_tanh_cell(inp, h[l], *args)
            else:
                # h_t = relu(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
                h[l] = torch.rnn_relu_cell(inp, h[l], *args)
            inp = h[l]
        hs.append(h[-1])
        if kind == "lstm":
            cs.append(c[-1])
    return _Unrolled(hs=hs, cs=cs, output=torch.cat(hs, dim=0), h0=h0, c0=c0)


def norm(g: Tensor, dim: int = -1) -> Tensor:
    """||g||_2 along ``dim``, computed in float64.

    In float32, squaring components of size 1e-23 underflows to 0 and the norm of a
    non-zero gradient would come out as exactly 0; float64 holds every float32 square.
    """
    return torch.linalg.vector_norm(g.double(), dim=dim)


# --- gradients of L with respect to every h_t and every x_t --------------------------


@dataclass(frozen=True)
class GradientFlow:
    """One backward pass through time, with the total gradient at every step.

    Row i of the (T, ·) tensors is step t = i + 1: the state h_t after reading x_t
    (the maths counts x_1 .. x_T, h_0 = 0); ``initial_grad`` is dL/dh_0.
    """

    kind: str  # "rnn", "gru" or "lstm"
    output: Tensor  # (T, H) top-layer h_1 .. h_T; equals module(x)[0]
    loss: float  # L
    hidden_grad: Tensor  # (T, H) dL/dh_t, total (direct + through the recurrence)
    direct_grad: Tensor  # (T, H) ∂L/∂h_t through the loss alone (0 for t < T by default)
    cell_grad: Tensor | None  # (T, H) dL/dc_t through the next step (h_t held fixed), LSTM only
    input_grad: Tensor  # (T, D) dL/dx_t: how much input t still moves L (connectivity)
    param_grads: dict[str, Tensor] | None = None  # name -> dL/dθ, if asked for
    initial_grad: Tensor | None = None  # (H,) dL/dh_0, the gradient reaching the initial state
    initial_cell_grad: Tensor | None = None  # (H,) dL/dc_0 (LSTM)

    @property
    def state_grads(self) -> Tensor:
        """(T + 1, S) dL/ds_t for t = 0 .. T; s = h, or [h; c] for the LSTM."""
        h = torch.cat([self.initial_grad[None], self.hidden_grad])
        if self.cell_grad is None:
            return h
        c = torch.cat([self.initial_cell_grad[None], self.cell_grad])
        return torch.cat([h, c], dim=-1)

    @property
    def state_norms(self) -> Tensor:
        """(T + 1,) ||dL/dh_t||_2 for t = 0 .. T, h_0 = 0 included, float64."""
        return norm(torch.cat([self.initial_grad[None], self.hidden_grad]))

    @property
    def kept(self) -> float:
        """||dL/dh_0|| / ||dL/dh_T||: how much of the gradient at the end reaches the start."""
        n = self.state_norms
        return float(n[0] / n[-1]) if n[-1] > 0 else math.nan

    @property
    def factors(self) -> Tensor:
        """(T,) ||dL/ds_{t-1}|| / ||dL/ds_t|| for t = 1 .. T: what one step back really
        multiplied the gradient's norm by (s = [h; c] for the LSTM). With no direct term
        (the default loss, t < T) it is at most ||ds_t/ds_{t-1}||_2: the norm bounds it."""
        n = norm(self.state_grads)
        with torch.no_grad():
            return n[:-1] / n[1:]

    @property
    def hidden_norms(self) -> Tensor:
        """(T,) ||dL/dh_t||_2, float64 (see :func:`norm`)."""
        return norm(self.hidden_grad)

    @property
    def input_norms(self) -> Tensor:
        """(T,) ||dL/dx_t||_2, float64 (see :func:`norm`)."""
        return norm(self.input_grad)


def backprop(
    module: nn.Module,
    x: Tensor,
    loss_fn: LossFn | None = None,
    xi: Sequence[float] | None = None,
    params: bool = False,
) -> GradientFlow:
    """Forward through ``module`` one step at a time, then one backward pass.

    Args:
        module: ``nn.RNN`` (tanh or relu), ``nn.GRU`` or ``nn.LSTM``, one direction,
            any num_layers; it is not modified (its parameters need not require grad).
        x: (T, D) unbatched input.
        loss_fn: output (T, H) -> scalar L; default L = output[-1].sum().
        xi: optional (T,) gradient scales on the state entering each step (truncation).
        params: also return dL/dθ for every parameter, from the same backward pass.

    Returns:
        A :class:`GradientFlow`. Overflow is kept: inf / NaN are returned as they are.
    """
    kind = _check(module, x)
    loss_fn = loss_fn or last_step_sum
    w = _weights(module, requires_grad=params)
    x = x.detach().to(module.weight_hh_l0.dtype).requires_grad_(True)
    with torch.enable_grad():
        run = _unroll(kind, module, w, x, xi)
        L = loss_fn(run.output)
        wrt = [*run.hs, *run.cs, x, run.output, run.h0, run.c0, *(w.values() if params else ())]
        grads = torch.autograd.grad(L, wrt, allow_unused=True)

    def given(g: Tensor | None, like: Tensor) -> Tensor:
        return (g if g is not None else torch.zeros_like(like)).detach()

    T = x.shape[0]
    hidden = [given(g, h) for g, h in zip(grads[:T], run.hs, strict=True)]
    cell = None
    if kind == "lstm":
        cell = torch.cat([given(g, c) for g, c in zip(grads[T : 2 * T], run.cs, strict=True)])
    n = len(run.hs) + len(run.cs)
    param_grads = None
    if params:
        param_grads = {
            name: given(g, p) for (name, p), g in zip(w.items(), grads[n + 4 :], strict=True)
        }
    return GradientFlow(
        kind=kind,
        output=run.output.detach(),
        loss=float(L.detach()),
        hidden_grad=torch.cat(hidden),
        direct_grad=given(grads[n + 1], run.output),
        cell_grad=cell,
        input_grad=given(grads[n], x),
        param_grads=param_grads,
        initial_grad=given(grads[n + 2], run.h0)[0],
        initial_cell_grad=given(grads[n + 3], run.c0)[0] if kind == "lstm" else None,
    )


def hidden_grad_norms(module: nn.Module, x: Tensor, loss_fn: LossFn | None = None) -> Tensor:
    """||dL/dh_t||_2 for the top-layer hidden state at each step t.

    The gradient is the total one, through the recurrence: dL/dh_t = ∂L/∂h_t +
    (dh_{t+1}/dh_t)^T dL/dh_{t+1} (for the LSTM, also through c_{t+1}).

    Args:
        module: any ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` (one direction).
        x: (T, input_size) unbatched input.
        loss_fn: output (T, H) -> scalar; default L = output[-1].sum().

    Returns:
        (T,) tensor of norms (inf or NaN where the gradient overflowed).
    """
    return backprop(module, x, loss_fn).hidden_norms


def input_connectivity(module: nn.Module, x: Tensor, loss_fn: LossFn | None = None) -> Tensor:
    """(T,) ||dL/dx_t||_2: how strongly each input still moves the output at step T."""
    return backprop(module, x, loss_fn).input_norms


def parameter_grads(
    module: nn.Module, x: Tensor, loss_fn: LossFn | None = None, xi: Sequence[float] | None = None
) -> dict[str, Tensor]:
    """dL/dθ for every parameter θ of ``module`` (by PyTorch's names), module untouched."""
    return backprop(module, x, loss_fn, xi, params=True).param_grads


# --- Jacobians of one step and their products ----------------------------------------


@dataclass(frozen=True)
class Jacobians:
    """The per-step Jacobians of the recurrence and the products BPTT multiplies.

    Counted as the maths counts: step t = 1 .. T reads x_t; row i of ``step`` is
    step t = i + 1, the Jacobian ds_t/ds_{t-1} (row 0: ds_1/ds_0, s_0 = 0 the initial state).
    """

    kind: str
    step: Tensor  # (T, S, S) ds_t/ds_{t-1} for t = 1 .. T; s = h, or [h; c] for the LSTM
    step_norms: Tensor  # (T,) ||ds_t/ds_{t-1}||_2 (largest singular value), t = 1 .. T
    product_norms: Tensor  # (T + 1,) ||dh_T/dh_t||_2 for t = 0 .. T; 1 at t = T


def jacobians(module: nn.Module, x: Tensor) -> Jacobians:
    """Every one-step Jacobian ds_t/ds_{t-1} and ||dh_T/dh_t||_2 for a one-layer module.

    For the LSTM the state is s = [h; c] (2H numbers), because h_t depends on h_{t-1}
    also through c_t; dh_T/dh_t is the h-block of the product of state Jacobians.
    """
    kind = _check(module, x)
    if module.num_layers != 1:
        raise ValueError("per-step Jacobians are computed for one-layer modules")
    H = module.hidden_size
    w = _weights(module)
    x = x.detach().to(w["weight_hh_l0"].dtype)
    with torch.no_grad():
        run = _unroll(kind, module, w, x)
    h = torch.cat([x.new_zeros(1, H), run.output[:-1]])  # (T, H) h_{t-1}, entering step t
    args = (w["weight_ih_l0"], w["weight_hh_l0"], w.get("bias_ih_l0"), w.get("bias_hh_l0"))

    if kind == "lstm":
        c = torch.cat([x.new_zeros(1, H), torch.cat(run.cs)[:-1]])
        s_prev = torch.cat([h, c], dim=-1)  # (T, 2H)

        def cell(x_t: Tensor, s: Tensor) -> Tensor:
            h_t, c_t = torch.lstm_cell(x_t[None], (s[None, :H], s[None, H:]), *args)
            return torch.cat([h_t, c_t], dim=-1)[0]

    else:
        s_prev = h
        fn = {
            "gru": torch.gru_cell,
            "rnn": torch.rnn_tanh_cell
            if getattr(module, "nonlinearity", "tanh") == "tanh"
            else torch.rnn_relu_cell,
        }[kind]

        def cell(x_t: Tensor, s: Tensor) -> Tensor:
            return fn(x_t[None], s[None], *args)[0]

    # J_t = ds_t/ds_{t-1}, one Jacobian per step, all steps at once
    step = torch.func.vmap(torch.func.jacrev(cell, argnums=1))(x, s_prev)  # (T, S, S)
    step_norms = _spectral_norms(step)
    # dh_T/dh_t = [Π_{k=t+1..T} J_k]_{hh}, for t = T, T-1, .., 0 (row t of products)
    T, S = step.shape[0], step.shape[1]
    products = step.new_empty(T + 1, H, H)
    P = torch.eye(S, dtype=step.dtype)
    products[T] = P[:H, :H]
    for t in range(T - 1, -1, -1):
        P = P @ step[t]  # step[t] is J_{t+1}
        products[t] = P[:H, :H]
    return Jacobians(
        kind=kind, step=step, step_norms=step_norms, product_norms=_spectral_norms(products)
    )


def _spectral_norms(M: Tensor) -> Tensor:
    """(..., m, n) -> (...,) largest singular values; NaN where a matrix is not finite."""
    finite = torch.isfinite(M).flatten(-2).all(-1)
    out = torch.full(M.shape[:-2], math.nan, dtype=M.dtype)
    if finite.any():
        out[finite] = torch.linalg.matrix_norm(M[finite], ord=2)
    out[~finite & torch.isinf(M).flatten(-2).any(-1)] = math.inf
    return out


# --- W_hh: eigenvalues, singular values, the Pascanu bound ---------------------------


@dataclass(frozen=True)
class Spectrum:
    """What W_hh does to a vector, repeated."""

    eigenvalues: Tensor  # (H,) complex
    singular_values: Tensor  # (H,) descending
    spectral_radius: float  # max |λ|
    sigma_max: float  # largest singular value = ||W_hh||_2


def spectrum(W_hh: Tensor) -> Spectrum:
    """Eigenvalues and singular values of a square matrix (an RNN's W_hh, or one gate's block)."""
    W = W_hh.detach().double()
    eig = torch.linalg.eigvals(W)
    sv = torch.linalg.svdvals(W)
    return Spectrum(
        eigenvalues=eig,
        singular_values=sv,
        spectral_radius=float(eig.abs().max()),
        sigma_max=float(sv[0]),
    )


@dataclass(frozen=True)
class Verdict:
    """Pascanu, Mikolov & Bengio (2013), Section 3.1: what σ_max(W_hh) guarantees."""

    sigma_max: float  # largest singular value of W_hh
    gamma: float  # bound on |f'|: 1 for tanh / ReLU, 1/4 for the sigmoid
    threshold: float  # 1 / γ
    outcome: str  # "vanish" (guaranteed) | "may explode" (necessary condition met) | "boundary"
    sentence: str  # the verdict in words


def pascanu_verdict(W_hh: Tensor, activation: str = "tanh") -> Verdict:
    """Which side of the bound 1/γ the largest singular value of W_hh sits on.

    σ_max < 1/γ is *sufficient* for vanishing: every step's Jacobian has norm at
    most γ σ_max < 1, so ||dh_T/dh_t|| <= (γ σ_max)^(T-t) -> 0. σ_max > 1/γ is
    *necessary* for exploding, but does not guarantee it.
    """
    gamma = GAMMA[activation]
    sigma = float(torch.linalg.matrix_norm(W_hh.detach().double(), ord=2))
    threshold = 1.0 / gamma
    if sigma < threshold:
        outcome = "vanish"
        sentence = (
            f"σ_max = {sigma:.3g} < 1/γ = {threshold:.3g}: this matrix is guaranteed to make "
            f"gradients vanish — each step multiplies the gradient's norm by at most "
            f"γ·σ_max = {gamma * sigma:.3g}."
        )
    elif sigma > threshold:
        outcome = "may explode"
        sentence = (
            f"σ_max = {sigma:.3g} > 1/γ = {threshold:.3g}: gradients can explode (the necessary "
            "condition holds), but nothing is guaranteed — saturated units can still make "
            "them vanish."
        )
    else:
        outcome = "boundary"
        sentence = (
            f"σ_max = 1/γ = {threshold:.3g}: exactly on the bound; neither case is guaranteed."
        )
    return Verdict(
        sigma_max=sigma, gamma=gamma, threshold=threshold, outcome=outcome, sentence=sentence
    )
