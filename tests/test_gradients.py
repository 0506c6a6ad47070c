"""seqviz.gradients against a step-by-step autograd reference written from the equations."""

import math

import pytest
import torch
from torch import nn

from seqviz import clipping, truncation
from seqviz import gradients as G
from seqviz.initialisation import build

KINDS = [("rnn", "tanh"), ("rnn", "relu"), ("gru", "tanh"), ("lstm", "tanh")]


def make(kind, nonlinearity="tanh", D=3, H=5, layers=1, seed=0, dtype=torch.float64):
    torch.manual_seed(seed)  # tests only: the module's own default init
    if kind == "rnn":
        m = nn.RNN(D, H, layers, nonlinearity=nonlinearity)
    elif kind == "gru":
        m = nn.GRU(D, H, layers)
    else:
        m = nn.LSTM(D, H, layers)
    return m.to(dtype)


def inputs(T=7, D=3, seed=1, dtype=torch.float64):
    return torch.randn(T, D, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def reference(module, x, loss_fn=G.last_step_sum):
    """Unroll with the textbook/PyTorch equations, retain_grad on every h_t and x."""
    kind = "lstm" if isinstance(module, nn.LSTM) else "gru" if isinstance(module, nn.GRU) else "rnn"
    act = torch.relu if getattr(module, "nonlinearity", "tanh") == "relu" else torch.tanh
    x = x.clone().requires_grad_(True)
    H, L = module.hidden_size, module.num_layers
    h = [torch.zeros(H, dtype=x.dtype) for _ in range(L)]
    c = [torch.zeros(H, dtype=x.dtype) for _ in range(L)]
    tops = []
    for t in range(x.shape[0]):
        inp = x[t]
        for l in range(L):
            W_ih, W_hh = getattr(module, f"weight_ih_l{l}"), getattr(module, f"weight_hh_l{l}")
            b_ih, b_hh = getattr(module, f"bias_ih_l{l}"), getattr(module, f"bias_hh_l{l}")
            gi, gh = W_ih @ inp + b_ih, W_hh @ h[l] + b_hh
            if kind == "rnn":
                h[l] = act(gi + gh)
            elif kind == "gru":
                r = torch.sigmoid(gi[:H] + gh[:H])
                z = torch.sigmoid(gi[H : 2 * H] + gh[H : 2 * H])
                n = torch.tanh(gi[2 * H :] + r * gh[2 * H :])
                h[l] = (1 - z) * n + z * h[l]
            else:
                a = gi + gh
                i, f = torch.sigmoid(a[:H]), torch.sigmoid(a[H : 2 * H])
                g, o = torch.tanh(a[2 * H : 3 * H]), torch.sigmoid(a[3 * H :])
                c[l] = f * c[l] + i * g
                h[l] = o * torch.tanh(c[l])
            inp = h[l]
        h[-1].retain_grad()
        tops.append(h[-1])
    loss_fn(torch.stack(tops)).backward()
    return torch.stack([h.grad for h in tops]), x.grad, torch.stack(tops).detach()


@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("kind,act", KINDS)
def test_hidden_and_input_grads_match_the_reference(kind, act, layers):
    m, x = make(kind, act, layers=layers), inputs()
    flow = G.backprop(m, x)
    dh, dx, out = reference(m, x)
    torch.testing.assert_close(flow.output, m(x)[0].detach(), rtol=0, atol=1e-12)
    torch.testing.assert_close(flow.output, out, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(flow.hidden_grad, dh, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(flow.input_grad, dx, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(G.hidden_grad_norms(m, x), dh.norm(dim=-1))
    torch.testing.assert_close(G.input_connectivity(m, x), dx.norm(dim=-1))


@pytest.mark.parametrize("kind,act", KINDS)
def test_a_loss_at_every_step_matches_the_reference(kind, act):
    m, x = make(kind, act), inputs()

    def loss(out):
        return (out**2).sum()

    dh, dx, _ = reference(m, x, loss)
    flow = G.backprop(m, x, loss)
    torch.testing.assert_close(flow.hidden_grad, dh)
    torch.testing.assert_close(flow.input_grad, dx)


def test_float32_module_and_frozen_parameters_work():
    m = make("lstm", dtype=torch.float32).requires_grad_(False)
    x = inputs(dtype=torch.float32)
    norms = G.hidden_grad_norms(m, x)
    assert norms.shape == (7,) and norms.dtype == torch.float64
    assert torch.isfinite(norms).all()
    assert all(not p.requires_grad for p in m.parameters())  # untouched


def test_tiny_float32_gradients_keep_a_nonzero_norm():
    # components of 1e-23: their float32 squares underflow, their norm must not
    g = torch.full((3, 4), 1e-23, dtype=torch.float32)
    norms = G.norm(g)
    torch.testing.assert_close(
        norms, torch.full((3,), 2e-23, dtype=torch.float64), rtol=1e-6, atol=0
    )
    x = inputs(T=120, D=4, dtype=torch.float32)
    m = build("rnn", 4, 16, scheme="scaled", radius=0.5, seed=0)
    flow = G.backprop(m, x)
    nonzero = (flow.hidden_grad != 0).any(-1)
    assert ((G.hidden_grad_norms(m, x) > 0) == nonzero).all()


def test_bad_input_is_rejected_clearly():
    m = make("rnn")
    with pytest.raises(ValueError, match="unbatched"):
        G.hidden_grad_norms(m, torch.zeros(4, 2, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="one direction"):
        G.hidden_grad_norms(nn.RNN(3, 4, bidirectional=True).double(), inputs())


def test_small_spectral_radius_vanishes_and_large_one_grows():
    x = inputs(T=60, D=4, dtype=torch.float32)
    small = build("rnn", 4, 16, scheme="scaled", radius=0.3, seed=0)
    norms = G.hidden_grad_norms(small, x)
    assert norms[0] < 1e-12 * norms[-1]
    large = build("rnn", 4, 16, nonlinearity="relu", scheme="orthogonal", radius=1.5, seed=0)
    norms = G.hidden_grad_norms(large, x)
    assert norms[0] > 1e3 * norms[-1]


def test_an_exploding_run_reports_inf_instead_of_crashing():
    x = inputs(T=300, D=4, dtype=torch.float32)
    m = build("rnn", 4, 16, nonlinearity="relu", scheme="identity", radius=3.0, seed=0)
    norms = G.hidden_grad_norms(m, x)
    assert not torch.isfinite(norms).all()


def test_pascanu_bound_holds_step_by_step():
    m = build("rnn", 4, 8, scheme="orthogonal", radius=0.8, seed=3).double()
    x = inputs(T=30, D=4)
    verdict = G.pascanu_verdict(m.weight_hh_l0, "tanh")
    assert verdict.outcome == "vanish" and "guaranteed to make gradients vanish" in verdict.sentence
    norms = G.hidden_grad_norms(m, x)
    T = len(norms)
    for t in range(T):
        # ||dL/dh_t|| <= (γ σ_max)^(T-1-t) ||dL/dh_{T-1}||
        bound = (verdict.gamma * verdict.sigma_max) ** (T - 1 - t) * norms[-1]
        assert norms[t] <= bound * (1 + 1e-9)


@pytest.mark.parametrize(
    "scale,activation,outcome",
    [
        (0.9, "tanh", "vanish"),
        (1.1, "tanh", "may explode"),
        (3.9, "sigmoid", "vanish"),
        (4.1, "sigmoid", "may explode"),
        (0.99, "relu", "vanish"),
    ],
)
def test_pascanu_verdicts_on_either_side_of_the_bound(scale, activation, outcome):
    # W = U diag(s) V^T with largest singular value exactly `scale`
    g = torch.Generator().manual_seed(0)
    U, _ = torch.linalg.qr(torch.randn(6, 6, generator=g, dtype=torch.float64))
    V, _ = torch.linalg.qr(torch.randn(6, 6, generator=g, dtype=torch.float64))
    s = torch.tensor([scale, 0.5, 0.4, 0.3, 0.2, 0.1], dtype=torch.float64)
    W = U @ torch.diag(s) @ V.T
    verdict = G.pascanu_verdict(W, activation)
    assert verdict.outcome == outcome
    assert verdict.sigma_max == pytest.approx(scale)
    assert verdict.threshold == pytest.approx(1 / G.GAMMA[activation])


def test_spectrum_matches_numpy():
    W = torch.randn(7, 7, generator=torch.Generator().manual_seed(2))
    sp = G.spectrum(W)
    ev = torch.from_numpy(__import__("numpy").linalg.eigvals(W.double().numpy()))
    assert sorted(ev.abs().tolist()) == pytest.approx(sorted(sp.eigenvalues.abs().tolist()))
    assert sp.sigma_max == pytest.approx(float(torch.linalg.matrix_norm(W.double(), 2)))
    assert sp.spectral_radius <= sp.sigma_max + 1e-12


@pytest.mark.parametrize("kind,act", KINDS)
def test_step_jacobians_give_the_bptt_recursion(kind, act):
    m, x = make(kind, act), inputs()
    J = G.jacobians(m, x)
    flow = G.backprop(m, x)
    g = flow.hidden_grad
    if kind == "lstm":
        g = torch.cat([flow.hidden_grad, flow.cell_grad], dim=-1)  # dL/d[h; c]
    for t in range(len(x) - 1):
        # dL/ds_t = (ds_{t+1}/ds_t)^T dL/ds_{t+1}   (L at the last step: no direct term)
        torch.testing.assert_close(J.step[t + 1].T @ g[t + 1], g[t])
        assert (flow.direct_grad[t] == 0).all()
    torch.testing.assert_close(flow.direct_grad[-1], torch.ones(5, dtype=x.dtype))
    if kind == "rnn" and act == "tanh":
        h_prev = torch.cat([torch.zeros(1, 5, dtype=x.dtype), flow.output[:-1]])
        for t in range(len(x)):
            # dh_t/dh_{t-1} = diag(1 - h_t^2) W_hh
            expected = torch.diag(1 - flow.output[t] ** 2) @ m.weight_hh_l0.detach()
            torch.testing.assert_close(J.step[t], expected)
        assert h_prev.shape == flow.output.shape


@pytest.mark.parametrize("kind,act", KINDS)
def test_product_norms_match_autograd_jacobians(kind, act):
    m, x = make(kind, act), inputs(T=5)
    J = G.jacobians(m, x)
    T = len(x)
    for t in range(T):
        # ||dh_{T-1}/dh_t||_2 by perturbing h_t in a reference unroll
        def h_last(h_t, t=t):
            def loss(out):
                return out[-1]

            return h_t, loss

        ref = _jacobian_last_wrt(m, x, t)
        # row t + 1: the state after reading x_{t+1} (the maths counts from h_0 = 0)
        assert float(J.product_norms[t + 1]) == pytest.approx(
            float(torch.linalg.matrix_norm(ref, 2)), rel=1e-9
        )
    assert float(J.product_norms[-1]) == pytest.approx(1.0)
    # row 0: dh_T/dh_0, the initial state, by autograd on the module itself
    H = m.hidden_size

    def last_from(h0):
        state = (h0[None], torch.zeros(1, H, dtype=x.dtype)) if kind == "lstm" else h0[None]
        return m(x, state)[0][-1]

    ref0 = torch.autograd.functional.jacobian(last_from, torch.zeros(H, dtype=x.dtype))
    assert float(J.product_norms[0]) == pytest.approx(
        float(torch.linalg.matrix_norm(ref0, 2)), rel=1e-9
    )
    assert J.product_norms.shape == (T + 1,)


@pytest.mark.parametrize("kind,act", KINDS)
def test_initial_grad_and_factors_are_autograd(kind, act):
    """dL/dh_0 (and dL/dc_0) by autograd on the module with a leaf initial state; each
    step's factor ||dL/ds_{t-1}|| / ||dL/ds_t|| is at most ||ds_t/ds_{t-1}||_2."""
    m, x = make(kind, act), inputs(T=5)
    H = m.hidden_size
    h0 = torch.zeros(1, H, dtype=x.dtype, requires_grad=True)
    c0 = torch.zeros(1, H, dtype=x.dtype, requires_grad=True)
    out = m(x, (h0, c0) if kind == "lstm" else h0)[0]
    wrt = (h0, c0) if kind == "lstm" else (h0,)
    grads = torch.autograd.grad(out[-1].sum(), wrt)
    flow = G.backprop(m, x)
    torch.testing.assert_close(flow.initial_grad, grads[0][0])
    if kind == "lstm":
        torch.testing.assert_close(flow.initial_cell_grad, grads[1][0])
    n = flow.state_norms
    assert n.shape == (6,) and flow.kept == pytest.approx(float(n[0] / n[-1]))
    J = G.jacobians(m, x)
    assert flow.factors.shape == J.step_norms.shape == (5,)
    assert (flow.factors <= J.step_norms * (1 + 1e-9)).all()  # the norm bounds the factor


def _jacobian_last_wrt(m, x, t0):
    """d h_{T-1} / d h_{t0} by autograd.functional.jacobian on a restarted unroll."""
    H = m.hidden_size
    with torch.no_grad():
        out = m(x[: t0 + 1])
        state = out[1]

    def rest(h_t):
        if isinstance(m, nn.LSTM):
            s = (h_t[None], state[1])
        else:
            s = h_t[None]
        if t0 + 1 == len(x):
            return h_t
        return m(x[t0 + 1 :], s)[0][-1]

    h_t0 = state[0][0] if isinstance(m, nn.LSTM) else state[0]
    J = torch.autograd.functional.jacobian(rest, h_t0.reshape(H))
    return J


def test_clipping_equals_clip_grad_norm():
    g = torch.Generator().manual_seed(0)
    for max_norm in (0.1, 1.0, 1e6):
        params = [nn.Parameter(torch.zeros(s)) for s in [(3, 4), (4,), (2, 2, 2)]]
        for p in params:
            p.grad = torch.randn(p.shape, generator=g) * 5
        grads = [p.grad.clone() for p in params]
        ours = clipping.clip_global_norm(grads, max_norm)
        total = nn.utils.clip_grad_norm_(params, max_norm)
        assert ours.norm_before == float(total)
        for a, p in zip(ours.grads, params, strict=True):
            assert torch.equal(a, p.grad)
        assert ours.norm_after == pytest.approx(min(max_norm, float(total)), rel=1e-5)


def test_clipping_an_overflowed_gradient_matches_pytorch_nan_for_nan():
    params = [nn.Parameter(torch.zeros(3)), nn.Parameter(torch.zeros(2))]
    params[0].grad = torch.tensor([1.0, math.inf, 2.0])
    params[1].grad = torch.tensor([3.0, 4.0])
    ours = clipping.clip_global_norm([p.grad.clone() for p in params], 1.0)
    total = nn.utils.clip_grad_norm_(params, 1.0)
    assert math.isinf(ours.norm_before) and math.isinf(float(total))
    for a, p in zip(ours.grads, params, strict=True):
        torch.testing.assert_close(a, p.grad, equal_nan=True)
    assert math.isnan(ours.norm_after)


@pytest.mark.parametrize("kind,act", KINDS)
def test_truncation_with_k_equal_T_is_full_bptt(kind, act):
    m, x = make(kind, act), inputs()
    tr = truncation.truncated_bptt(m, x, k=len(x))
    for name, g in tr.full.items():
        torch.testing.assert_close(tr.truncated[name], g, rtol=0, atol=0)
    # and the full gradient is autograd's on the module itself
    m.zero_grad()
    m(x)[0][-1].sum().backward()
    for name, p in m.named_parameters():
        torch.testing.assert_close(tr.full[name], p.grad)


@pytest.mark.parametrize("kind,act", KINDS)
def test_truncation_with_k_1_is_the_one_step_gradient(kind, act):
    m, x = make(kind, act), inputs()
    tr = truncation.truncated_bptt(m, x, k=1)
    with torch.no_grad():
        _, state = m(x[:-1])  # everything before the last step is a constant
    m.zero_grad()
    m(x[-1:], state)[0][-1].sum().backward()
    for name, p in m.named_parameters():
        torch.testing.assert_close(tr.truncated[name], p.grad)
    norms = tr.hidden_norms["truncated"]
    assert (norms[:-1] == 0).all() and norms[-1] > 0


def test_truncation_cuts_the_hidden_gradient_k_steps_back():
    m, x = make("gru"), inputs(T=10)
    tr = truncation.truncated_bptt(m, x, k=4)
    n = tr.hidden_norms["truncated"]
    assert (n[:6] == 0).all() and (n[6:] > 0).all()
    torch.testing.assert_close(n[6:], tr.hidden_norms["full"][6:])


def test_randomized_truncation_is_unbiased():
    m, x = make("rnn", H=3), inputs(T=5)
    full = G.parameter_grads(m, x)
    gen = torch.Generator().manual_seed(0)
    total = {k: torch.zeros_like(v) for k, v in full.items()}
    n = 3000
    for _ in range(n):
        xi = truncation.randomized_scales(len(x), 0.5, gen)
        for k, v in G.parameter_grads(m, x, xi=xi).items():
            total[k] += v / n
    for k, v in full.items():
        torch.testing.assert_close(total[k], v, rtol=0.1, atol=0.02)


def test_randomized_scales_are_zero_or_one_over_pi():
    xi = truncation.randomized_scales(1000, 0.25, torch.Generator().manual_seed(1))
    assert set(xi) <= {0.0, 4.0}
    assert sum(xi) / len(xi) == pytest.approx(1.0, abs=0.15)
    assert truncation.truncation_scales(5, 2) == [0.0, 0.0, 0.0, 0.0, 1.0]
    assert truncation.truncation_scales(5, 5) == [0.0, 1.0, 1.0, 1.0, 1.0]


def test_cosine_and_global_norm():
    a = {"w": torch.tensor([3.0, 4.0])}
    assert truncation.global_norm(a) == pytest.approx(5.0)
    assert truncation.cosine(a, a) == pytest.approx(1.0)
    assert math.isnan(truncation.cosine(a, {"w": torch.zeros(2)}))


def test_clipping_overflow_kinds_and_their_messages():
    """A float32 norm can overflow while every entry is finite (clipping then zeroes the
    update), or entries themselves can be inf (they become NaN); each is said as it is."""
    from seqviz import clipping, gradients_report

    big = [torch.full((4,), 3e19, dtype=torch.float32)]  # squares 9e38 > 3.4e38
    c = clipping.clip_global_norm(big, 1.0)
    assert math.isinf(c.norm_before) and c.overflow == "norm"
    assert all(torch.equal(g, torch.zeros(4)) for g in c.grads)
    assert "Every entry of the gradient is still a finite" in gradients_report.clipping_problem(
        c, big
    )
    inf = [torch.tensor([float("inf"), 1.0])]
    c = clipping.clip_global_norm(inf, 1.0)
    assert c.overflow == "entries" and torch.isnan(c.grads[0][0])
    assert "0 × inf = NaN" in gradients_report.clipping_problem(c, inf)
    ok = clipping.clip_global_norm([torch.ones(3)], 1.0)
    assert ok.overflow is None and gradients_report.clipping_problem(ok, [torch.ones(3)]) is None
    n = torch.tensor([0.0, 1e-3, 1.0], dtype=torch.float64)
    level, text = gradients_report.flow_problem("gru", n)
    assert level == "warning" and "GRU: the gradient underflowed to exactly 0** at t <= 0" in text
    level, text = gradients_report.flow_problem("rnn", torch.tensor([math.inf, 1.0, 1.0]))
    assert level == "error" and "overflowed at step t = 0" in text and "h_0 … h_2" in text
    assert gradients_report.flow_problem("lstm", torch.ones(3)) is None
