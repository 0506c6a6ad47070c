"""seqviz.recurrent.trace against PyTorch's own modules and cells."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from seqviz.recurrent import GATES, gate_names, trace

T, B, D, H = 7, 3, 5, 4
KINDS = {
    "rnn-tanh": lambda **kw: nn.RNN(nonlinearity="tanh", **kw),
    "rnn-relu": lambda **kw: nn.RNN(nonlinearity="relu", **kw),
    "gru": lambda **kw: nn.GRU(**kw),
    "lstm": lambda **kw: nn.LSTM(**kw),
}
CONFIGS = list(
    itertools.product(
        KINDS,  # kind
        (1, 3),  # num_layers
        (False, True),  # bidirectional
        (False, True),  # batch_first
        (False, True),  # batched
    )
)


def make(kind, num_layers=1, bidirectional=False, batch_first=False, bias=True, seed=0):
    torch.manual_seed(seed)
    module = KINDS[kind](
        input_size=D,
        hidden_size=H,
        num_layers=num_layers,
        bidirectional=bidirectional,
        batch_first=batch_first,
        bias=bias,
    )
    return module.double().eval()


def make_input(batched, batch_first, seed=1):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(T, B, D, generator=g, dtype=torch.float64)
    if not batched:
        return x[:, 0]
    return x.transpose(0, 1) if batch_first else x


def initial_state(module, batched, seed=2):
    g = torch.Generator().manual_seed(seed)
    dirs = 2 if module.bidirectional else 1
    shape = (module.num_layers * dirs, B, H) if batched else (module.num_layers * dirs, H)
    h0 = torch.randn(shape, generator=g, dtype=torch.float64)
    if isinstance(module, nn.LSTM):
        return h0, torch.randn(shape, generator=g, dtype=torch.float64)
    return h0


def time_first(out, module, batched):
    return out.transpose(0, 1) if batched and module.batch_first else out


@pytest.mark.parametrize("kind,num_layers,bidirectional,batch_first,batched", CONFIGS)
@pytest.mark.parametrize("given_state", [False, True])
def test_trace_equals_module(kind, num_layers, bidirectional, batch_first, batched, given_state):
    module = make(kind, num_layers, bidirectional, batch_first)
    x = make_input(batched, batch_first)
    h0 = initial_state(module, batched) if given_state else None
    out, state = module(x, h0)
    tr = trace(module, x, h0)

    torch.testing.assert_close(tr.hidden, time_first(out, module, batched), rtol=1e-10, atol=1e-12)
    if kind == "lstm":
        torch.testing.assert_close(tr.h_n, state[0], rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(tr.c_n, state[1], rtol=1e-10, atol=1e-12)
        assert tr.cell.shape == tr.hidden.shape
    else:
        torch.testing.assert_close(tr.h_n, state, rtol=1e-10, atol=1e-12)
        assert tr.cell is None
    dirs = 2 if bidirectional else 1
    expected = (T, B, H * dirs) if batched else (T, H * dirs)
    assert tr.hidden.shape == expected
    assert len(tr.layers) == num_layers
    assert all(len(layer.directions) == dirs for layer in tr.layers)
    assert set(tr.gates) == set(GATES[tr.kind])
    assert all(g.shape == expected for g in tr.gates.values())
    assert tr.batched == batched


def test_float32_module_matches():
    torch.manual_seed(0)
    module = nn.LSTM(D, 16, num_layers=2).eval()
    x = torch.randn(50, D)
    out, _ = module(x)
    tr = trace(module, x)
    assert tr.hidden.dtype == torch.float32
    torch.testing.assert_close(tr.hidden, out, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", list(KINDS))
def test_without_bias(kind):
    module = make(kind, num_layers=2, bias=False)
    x = make_input(batched=True, batch_first=False)
    out, _ = module(x)
    torch.testing.assert_close(trace(module, x).hidden, out)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_every_layer_equals_a_module_of_that_depth(bidirectional):
    """Layer l of the trace is what a module holding only the first l+1 layers outputs."""
    deep = make("gru", num_layers=3, bidirectional=bidirectional)
    x = make_input(batched=True, batch_first=False)
    tr = trace(deep, x)
    for depth in (1, 2):
        shallow = make("gru", num_layers=depth, bidirectional=bidirectional)
        shallow.load_state_dict(
            {k: v for k, v in deep.state_dict().items() if int(k.split("_l")[1][0]) < depth}
        )
        out, _ = shallow(x)
        torch.testing.assert_close(tr.layers[depth - 1].hidden, out)


def test_lstm_gates_against_lstm_cell():
    """Gates recomputed independently from the raw weights; states from nn.LSTMCell."""
    module = make("lstm")
    x = make_input(batched=True, batch_first=False)
    tr = trace(module, x)
    run = tr.layers[0].directions[0]
    cell = nn.LSTMCell(D, H).double()
    cell.weight_ih.data = module.weight_ih_l0.data
    cell.weight_hh.data = module.weight_hh_l0.data
    cell.bias_ih.data = module.bias_ih_l0.data
    cell.bias_hh.data = module.bias_hh_l0.data
    h = c = torch.zeros(B, H, dtype=torch.float64)
    for t in range(T):
        stacked = F.linear(x[t], module.weight_ih_l0, module.bias_ih_l0) + F.linear(
            h, module.weight_hh_l0, module.bias_hh_l0
        )
        i, f, g, o = stacked.chunk(4, dim=-1)
        torch.testing.assert_close(run.gates["input"][t], torch.sigmoid(i))
        torch.testing.assert_close(run.gates["forget"][t], torch.sigmoid(f))
        torch.testing.assert_close(run.gates["candidate"][t], torch.tanh(g))
        torch.testing.assert_close(run.gates["output"][t], torch.sigmoid(o))
        torch.testing.assert_close(run.pre["forget"][t], f)
        torch.testing.assert_close(run.c_prev[t], c)
        h, c = cell(x[t], (h, c))
        torch.testing.assert_close(run.h[t], h)
        torch.testing.assert_close(run.c[t], c)


def test_gru_gates_against_gru_cell():
    module = make("gru")
    x = make_input(batched=True, batch_first=False)
    run = trace(module, x).layers[0].directions[0]
    cell = nn.GRUCell(D, H).double()
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, name).data = getattr(module, f"{name}_l0").data
    W_ir, W_iz, W_in = module.weight_ih_l0.chunk(3)
    W_hr, W_hz, W_hn = module.weight_hh_l0.chunk(3)
    b_ir, b_iz, b_in = module.bias_ih_l0.chunk(3)
    b_hr, b_hz, b_hn = module.bias_hh_l0.chunk(3)
    h = torch.zeros(B, H, dtype=torch.float64)
    for t in range(T):
        r = torch.sigmoid(x[t] @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
        z = torch.sigmoid(x[t] @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
        n = torch.tanh(x[t] @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))
        torch.testing.assert_close(run.gates["reset"][t], r)
        torch.testing.assert_close(run.gates["update"][t], z)
        torch.testing.assert_close(run.gates["candidate"][t], n)
        torch.testing.assert_close(run.h_part["candidate"][t], h @ W_hn.T)
        h = cell(x[t], h)
        torch.testing.assert_close(run.h[t], h)


def test_gru_differs_from_textbook_form():
    """PyTorch's reset gate acts after W_hn; the textbook's acts on h before it."""
    module = make("gru")
    x = make_input(batched=False, batch_first=False)
    run = trace(module, x).layers[0].directions[0]
    w = run.weights["candidate"]
    t = 3
    r_t, h_prev = run.gates["reset"][t], run.h_prev[t]
    textbook = torch.tanh(run.x_part["candidate"][t] + w.b_x + (r_t * h_prev) @ w.W_h.T + w.b_h)
    assert not torch.allclose(textbook, run.gates["candidate"][t], atol=1e-6)


@pytest.mark.parametrize("kind", list(KINDS))
def test_parts_add_up_to_pre_activation(kind):
    module = make(kind, bidirectional=True)
    x = make_input(batched=False, batch_first=False)
    tr = trace(module, x)
    for run in tr.layers[0].directions:
        for name in gate_names(tr.kind):
            w = run.weights[name]
            torch.testing.assert_close(run.x_part[name], run.x @ w.W_x.T)
            torch.testing.assert_close(run.h_part[name], run.h_prev @ w.W_h.T)
            if not (tr.kind == "gru" and name == "candidate"):
                total = run.x_part[name] + w.b_x + run.h_part[name] + w.b_h
                torch.testing.assert_close(run.pre[name], total)


def test_backward_direction_is_stored_in_time_order():
    module = make("rnn-tanh", bidirectional=True)
    x = make_input(batched=False, batch_first=False)
    tr = trace(module, x)
    backward = tr.layers[0].directions[1]
    # The backward direction starts at the last step from zeros, and step t reads step t+1's state.
    torch.testing.assert_close(backward.h_prev[-1], torch.zeros(H, dtype=torch.float64))
    torch.testing.assert_close(backward.h_prev[:-1], backward.h[1:])
    torch.testing.assert_close(tr.hidden[:, H:], backward.h)


def test_rnn_has_no_gates_and_relu_is_nonnegative():
    module = make("rnn-relu", num_layers=2)
    tr = trace(module, make_input(batched=True, batch_first=False))
    assert tr.gates == {} and tr.nonlinearity == "relu"
    assert (tr.hidden >= 0).all()
    assert set(tr.layers[0].directions[0].pre) == {"hidden"}


def test_trace_is_detached_and_leaves_module_untouched():
    module = make("lstm").float()
    before = {k: v.clone() for k, v in module.state_dict().items()}
    x = torch.randn(T, D, requires_grad=True)
    tr = trace(module, x)
    assert not tr.hidden.requires_grad
    for k, v in module.state_dict().items():
        assert torch.equal(v, before[k])


def test_bad_inputs_are_rejected_clearly():
    module = make("gru")
    with pytest.raises(ValueError, match="input size"):
        trace(module, torch.zeros(T, D + 1, dtype=torch.float64))
    with pytest.raises(ValueError, match="dimensions"):
        trace(module, torch.zeros(D, dtype=torch.float64))
    with pytest.raises(ValueError, match="initial state"):
        trace(
            module, torch.zeros(T, D, dtype=torch.float64), torch.zeros(2, H, dtype=torch.float64)
        )
    with pytest.raises(TypeError):
        trace(nn.Linear(D, H), torch.zeros(T, D))
    with pytest.raises(ValueError, match="proj_size"):
        trace(nn.LSTM(D, H, proj_size=2), torch.zeros(T, D))


def test_single_step():
    module = make("lstm")
    x = torch.randn(1, D, dtype=torch.float64)
    out, _ = module(x)
    torch.testing.assert_close(trace(module, x).hidden, out)


@settings(max_examples=25, deadline=None)
@given(
    kind=st.sampled_from(["lstm", "gru"]),
    steps=st.integers(1, 12),
    scale=st.floats(0.1, 20.0),
    seed=st.integers(0, 10_000),
)
def test_gates_stay_in_range(kind, steps, scale, seed):
    module = make(kind, seed=seed)
    g = torch.Generator().manual_seed(seed)
    tr = trace(module, scale * torch.randn(steps, D, generator=g, dtype=torch.float64))
    for name, value in tr.gates.items():
        low, high = (-1, 1) if name == "candidate" else (0, 1)
        assert ((value >= low) & (value <= high)).all(), name
    assert (tr.hidden.abs() <= 1).all()
