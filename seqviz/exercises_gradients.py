"""Exercises for the gradient-flow lab: products of Jacobians, vanishing vs exploding,
the Pascanu bound and clipping — answers from ``seqviz.gradients`` (autograd) and
``seqviz.clipping`` on small recurrent modules built from the exercise's seed.

Dimensions: T time steps, D input size, H hidden units.
"""

from __future__ import annotations

import torch
from torch import nn

from seqviz import clipping, gradients, initialisation
from seqviz.exercises import Context, Exercise, fmt


def _empty_rnn(D: int, H: int, **kwargs) -> nn.RNN:
    """An nn.RNN whose parameters the caller fills (no draw from the global generator)."""
    return nn.RNN(D, H, device="meta", **kwargs).to_empty(device="cpu").requires_grad_(False)


def chain(ctx: Context) -> Exercise:
    w = ctx.rng.choice((0.5, 0.8, 0.9, 1.1, 1.25, 1.5))
    T = ctx.rng.randint(6, 15)
    module = _empty_rnn(1, 1, nonlinearity="relu", bias=False)
    with torch.no_grad():
        module.weight_ih_l0.fill_(1.0)
        module.weight_hh_l0.fill_(w)
    x = torch.ones(T, 1)  # h_t stays positive, so ReLU passes gradients through unchanged
    flow = gradients.backprop(module, x)  # L = h_T (row T - 1)
    g1 = float(flow.hidden_grad[0, 0])  # row 0: dL/dh_1
    return Exercise(
        title="A chain of T steps",
        prompt=f"A one-unit RNN $h_t = \\mathrm{{ReLU}}(x_t + w\\, h_{{t-1}})$ with $w = {w}$ reads "
        f"$x_t = 1$ for T = {T} steps (t = 1 … {T}), starting from $h_0 = 0$. "
        f"The loss is $L = h_{{{T}}}$. What is $\\partial L / \\partial h_1$? "
        "(3 significant figures)",
        kind="number",
        answer=g1,
        tolerance=0.005 * abs(g1) + 0.0005,
        hint="Every h_t is positive, so the ReLU's slope is 1 and each step back multiplies "
        "the gradient by $\\partial h_t / \\partial h_{t-1} = w$. How many steps lie between "
        "h_1 and the loss?",
        solution=f"$\\partial h_{{{T}}} / \\partial h_1 = \\prod_{{t=2}}^{{{T}}} w = "
        f"{w}^{{{T - 1}}} = {g1:.5g}$ (autograd agrees). "
        + (
            "With |w| < 1 it vanishes geometrically."
            if w < 1
            else "With |w| > 1 it explodes geometrically."
        ),
        numbers={"w": w, "T": T},
    )


def ends(ctx: Context) -> Exercise:
    radius = ctx.rng.choice((0.5, 0.8, 1.5, 3.0))
    T = ctx.rng.randint(15, 40)
    seed = ctx.rng.randrange(10_000)
    module = _empty_rnn(4, 16)
    initialisation.initialise_(module, "orthogonal", radius=radius, seed=seed)  # W_hh = r Q
    x = torch.randn(T, 4, generator=torch.Generator().manual_seed(seed))
    norms = gradients.hidden_grad_norms(module, x).tolist()  # row i: ||dL/dh_{i+1}||, L = Σ h_T
    larger, smaller = "Larger at t = 1", "Smaller at t = 1"
    answer = larger if norms[0] > norms[-1] else smaller
    mid = T // 2
    return Exercise(
        title="Vanishing or exploding?",
        prompt=f"A tanh RNN with H = 16 units has $W_{{hh}} = {radius}\\,Q$ with Q orthogonal, "
        f"so every singular value of $W_{{hh}}$ is {radius}. It reads T = {T} random inputs; "
        f"the loss is $L = \\sum_j h_{{{T},j}}$. Will the gradient norm "
        "$\\lVert \\partial L / \\partial h_t \\rVert$ be larger or smaller at t = 1 than at "
        f"t = {T}?",
        kind="choice",
        answer=answer,
        choices=(larger, smaller),
        hint="Each step back multiplies the gradient by $W_{hh}^\\top \\mathrm{diag}(1 - h_t^2)$. "
        "The tanh slope is at most 1 and shrinks as units saturate — and large weights "
        "saturate units.",
        solution=f"Autograd: $\\lVert \\partial L/\\partial h_t \\rVert$ = {fmt(norms[-1])} at "
        f"t = {T}, {fmt(norms[mid])} at t = {mid + 1}, {fmt(norms[0])} at t = 1. "
        + (
            "With singular values below 1 every step shrinks it: guaranteed to vanish."
            if radius < 1
            else "Singular values above 1 allow growth, but saturated tanh units "
            "(slope 1 − h² near 0) can still make it shrink."
        ),
        numbers={"radius": radius, "norm_0": norms[0], "norm_last": norms[-1]},
    )


def pascanu(ctx: Context) -> Exercise:
    activation = ctx.rng.choice(("tanh", "sigmoid"))
    sigma = ctx.rng.choice((0.6, 0.8, 1.5, 2.5) if activation == "tanh" else (1.5, 3.0, 5.0, 6.0))
    gen = torch.Generator().manual_seed(ctx.rng.randrange(10_000))
    W = torch.randn(6, 6, generator=gen, dtype=torch.float64)
    W = W * sigma / torch.linalg.matrix_norm(W, ord=2)  # largest singular value = sigma
    verdict = gradients.pascanu_verdict(W, activation)
    yes, no = "Yes: vanishing is guaranteed", "No: the bound guarantees nothing here"
    return Exercise(
        title="The Pascanu bound",
        prompt=f"An RNN with the {activation} activation has a recurrent matrix whose largest "
        f"singular value is $\\sigma_{{max}}(W_{{hh}}) = {verdict.sigma_max:.2f}$. Does the "
        "bound of Pascanu, Mikolov & Bengio (2013) guarantee that its gradients vanish?",
        kind="choice",
        answer=yes if verdict.outcome == "vanish" else no,
        choices=(yes, no),
        hint="Vanishing is guaranteed when $\\sigma_{max} < 1/\\gamma$, where γ bounds the "
        "activation's slope: 1 for tanh, 1/4 for the sigmoid.",
        solution=verdict.sentence,
        numbers={"sigma_max": verdict.sigma_max, "gamma": verdict.gamma},
    )


def clip(ctx: Context) -> Exercise:
    def vector(n: int) -> list[int]:
        while True:
            v = [ctx.rng.randint(-4, 4) for _ in range(n)]
            if any(v):
                return v

    g1, g2 = vector(2), vector(3)
    theta = ctx.rng.choice((1.0, 2.0, 5.0, 10.0))
    grads = [torch.tensor(g1, dtype=torch.float64), torch.tensor(g2, dtype=torch.float64)]
    clipped = clipping.clip_global_norm(grads, theta)
    squares = " + ".join(f"{v}^2" for v in g1 + g2)
    return Exercise(
        title="Gradient clipping",
        prompt=f"A model has two parameter tensors with gradients $g_1 = {tuple(g1)}$ and "
        f"$g_2 = {tuple(g2)}$. They are clipped by global norm with θ = {fmt(theta)} "
        "(like `clip_grad_norm_`). What is the norm of the whole gradient after clipping? "
        "(2 decimals)",
        kind="number",
        answer=clipped.norm_after,
        tolerance=0.006,
        hint="The global norm treats both tensors as one long vector; clipping multiplies "
        "everything by $\\min(1, θ / \\lVert g \\rVert)$, keeping the direction.",
        solution=f"$\\lVert g \\rVert = \\sqrt{{{squares}}} = {clipped.norm_before:.4f}$; factor "
        f"$\\min(1, {fmt(theta)} / {clipped.norm_before:.4f}) = {clipped.coef:.4f}$; norm after: "
        f"{clipped.norm_after:.4f}.",
        numbers={
            "norm_before": clipped.norm_before,
            "theta": theta,
            "coef": clipped.coef,
            **{f"g1_{i}": v for i, v in enumerate(g1)},
            **{f"g2_{i}": v for i, v in enumerate(g2)},
        },
    )


GENERATORS = {
    "grad.chain": chain,
    "grad.ends": ends,
    "grad.pascanu": pascanu,
    "grad.clip": clip,
}
