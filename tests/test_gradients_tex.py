"""seqviz.gradients_tex: the lab's equations carry the numbers autograd and PyTorch give."""

import math

import pytest
import torch
from torch import nn

from seqviz import clipping, gradients_tex
from seqviz import gradients as G
from seqviz.initialisation import build
from seqviz.latex import sci


def inputs(T=6, D=3, seed=1):
    return torch.randn(T, D, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def state_grads_and_jacobian(module: nn.Module, x: torch.Tensor, t: int):
    """dL/ds_t, dL/ds_{t+1} and ∂s_{t+1}/∂s_t, L = h_{T-1}.sum(), by autograd on the module
    itself run one step at a time (s = h, or [h; c] for the LSTM)."""
    lstm = isinstance(module, nn.LSTM)
    H = module.hidden_size
    zeros = torch.zeros(1, H, dtype=x.dtype)
    state = (zeros, zeros) if lstm else zeros
    states = []
    for k in range(x.shape[0]):
        _, state = module(x[k : k + 1], state)
        s = torch.cat(state, -1) if lstm else state  # (1, S)
        states.append(s)
        state = (s[:, :H], s[:, H:]) if lstm else s  # the next step reads s itself
    loss = states[-1][:, :H].sum()
    grads = torch.autograd.grad(loss, states)

    def one_step(s):
        prev = (s[None, :H], s[None, H:]) if lstm else s[None]
        _, nxt = module(x[t + 1 : t + 2], prev)
        return (torch.cat(nxt, -1) if lstm else nxt)[0]

    J = torch.autograd.functional.jacobian(one_step, states[t].detach()[0])
    return grads[t][0], grads[t + 1][0], torch.linalg.matrix_norm(J, ord=2)


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_bptt_step_norms_are_autograd_on_the_module(kind):
    module = build(kind, 3, 4, seed=2).double()
    x = inputs()
    flow, J = G.backprop(module, x), G.jacobians(module, x)
    for t in (0, 2, 4):  # the reference counts rows: row t is the state s_{t+1}
        b = gradients_tex.bptt_step(flow, J, t + 1)
        g_t, g_next, J_norm = state_grads_and_jacobian(module, x, t)
        assert b.grad == pytest.approx(float(g_t.norm()), rel=1e-9)
        assert b.grad_next == pytest.approx(float(g_next.norm()), rel=1e-9)
        assert b.jacobian == pytest.approx(float(J_norm), rel=1e-9)
        assert b.lstm == (kind == "lstm") and b.T == 6
        assert b.direct == 0.0  # L reads only the last step
        assert b.grad <= b.bound * (1 + 1e-12)  # the triangle inequality the page writes
        assert b.factor == pytest.approx(float(g_t.norm() / g_next.norm()), rel=1e-9)
    last = gradients_tex.bptt_step(flow, J, 5)
    assert last.product == pytest.approx(float(J.product_norms[5]))
    first = gradients_tex.bptt_step(flow, J, 0)  # h_0 = 0, the initial state
    assert first.grad == pytest.approx(float(G.norm(flow.state_grads[0])))
    with pytest.raises(ValueError):
        gradients_tex.bptt_step(flow, J, 6)  # h_T has no later step


def test_bptt_recursion_writes_the_numbers_and_the_state():
    module = build("lstm", 3, 4, seed=2).double()
    x = inputs()
    b = gradients_tex.bptt_step(G.backprop(module, x), G.jacobians(module, x), 2)
    lines = gradients_tex.bptt_recursion(b)
    assert len(lines) == 3
    assert r"\partial s_{2}" in lines[0] and r"\partial s_{3}" in lines[0]
    for value in (b.grad, b.direct, b.jacobian, b.grad_next, b.bound):
        assert sci(value) in lines[1]
    assert r"\Big]_{hh}" in lines[2] and lines[2].endswith(sci(b.product))
    rnn = build("rnn", 3, 4, seed=2).double()
    b = gradients_tex.bptt_step(G.backprop(rnn, x), G.jacobians(rnn, x), 0)
    assert r"\partial h_{0}" in gradients_tex.bptt_recursion(b)[0]
    assert "_{hh}" not in gradients_tex.bptt_recursion(b)[2]


def test_overflow_is_written_not_hidden():
    b = gradients_tex.BPTTStep(
        t=0,
        T=3,
        lstm=False,
        grad=math.inf,
        direct=0.0,
        jacobian=2.0,
        grad_next=math.nan,
        product=1.0,
    )
    line = gradients_tex.bptt_recursion(b)[1]
    assert r"\infty" in line and r"\text{NaN}" in line


def test_pascanu_bound_has_sigma_max_radius_and_gamma():
    W = build("rnn", 3, 8, "tanh", "orthogonal", 1.5, seed=0).weight_hh_l0.detach()
    spec, verdict = G.spectrum(W), G.pascanu_verdict(W, "tanh")
    first, second = gradients_tex.pascanu_bound(spec, verdict)
    assert sci(spec.sigma_max) in first and sci(spec.spectral_radius) in first
    assert r"\gamma = 1" in first
    assert second.endswith(sci(verdict.gamma * spec.sigma_max))
    assert spec.sigma_max == pytest.approx(1.5)


@pytest.mark.parametrize("theta", [0.01, 1000.0])
def test_clipping_line_is_clip_grad_norm(theta):
    module = build("rnn", 3, 4, seed=0).double().requires_grad_(True)
    module(inputs())[0][-1].sum().backward()
    grads = [p.grad.clone() for p in module.parameters()]
    total = torch.nn.utils.clip_grad_norm_(module.parameters(), theta)
    after = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in module.parameters()]))
    line = gradients_tex.clipping(clipping.clip_global_norm(grads, theta), theta)
    assert sci(float(total)) in line and sci(theta) in line
    assert line.endswith(sci(float(after)))
