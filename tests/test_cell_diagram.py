"""The live cell diagram: every number it labels is the model's, checked against PyTorch.

seqviz.cell_step.cell_step reads the values on the diagram's paths from a trace;
here they are recomputed independently from nn.LSTM / nn.GRU weights with
F.linear and compared with the modules' own outputs (h_t, c_t), and the numbers
written on seqviz.figures.cell_diagram's figure are read back from its annotations.
"""

import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from seqviz import recurrent
from seqviz.cell_step import PATHS, cell_step
from seqviz.figures.cell_diagram import cell_diagram, value_text

T, D, H = 9, 6, 5


def module(kind: str, seed: int = 0) -> nn.Module:
    m = {"lstm": nn.LSTM, "gru": nn.GRU}[kind](input_size=D, hidden_size=H)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in m.parameters():  # weights large enough to saturate some gates
            p.copy_(torch.randn(p.shape, generator=g) * 0.8)
    return m.eval()


def inputs(seed: int = 1) -> torch.Tensor:
    return torch.randn(T, D, generator=torch.Generator().manual_seed(seed))


def labelled(fig) -> dict[str, float]:
    """path name -> the number written on the figure (``value:<path>`` annotations)."""
    out = {}
    for a in fig.layout.annotations:
        if a.name and a.name.startswith("value:") and a.name != "value:x":
            number = re.search(r"[+−-]\d+\.\d+$", a.text).group(0)
            out[a.name.removeprefix("value:")] = float(number.replace("−", "-"))
    return out


def reference_lstm(m: nn.LSTM, x: torch.Tensor, t: int) -> dict[str, torch.Tensor]:
    """Step t recomputed from the module's weights; h_t, c_t from the module itself."""
    with torch.no_grad():
        if t == 0:
            h_prev = c_prev = torch.zeros(H)  # h_0 = 0, c_0 = 0
        else:
            _, (h_n, c_n) = m(x[:t])
            h_prev, c_prev = h_n[0], c_n[0]
        a = F.linear(x[t], m.weight_ih_l0, m.bias_ih_l0) + F.linear(
            h_prev, m.weight_hh_l0, m.bias_hh_l0
        )
        a_i, a_f, a_g, a_o = a.chunk(4)
        i, f, g, o = a_i.sigmoid(), a_f.sigmoid(), a_g.tanh(), a_o.sigmoid()
        _, (h_t, c_t) = m(x[: t + 1])
    return dict(
        h_prev=h_prev,
        c_prev=c_prev,
        input=i,
        forget=f,
        candidate=g,
        output=o,
        f_c_prev=f * c_prev,
        i_g=i * g,
        c=c_t[0],
        tanh_c=c_t[0].tanh(),
        h=h_t[0],
    )


def reference_gru(m: nn.GRU, x: torch.Tensor, t: int) -> dict[str, torch.Tensor]:
    with torch.no_grad():
        h_prev = torch.zeros(H) if t == 0 else m(x[:t])[1][0]
        gi = F.linear(x[t], m.weight_ih_l0, m.bias_ih_l0).chunk(3)  # W_i* x_t + b_i*
        gh = F.linear(h_prev, m.weight_hh_l0, m.bias_hh_l0).chunk(3)  # W_h* h_{t-1} + b_h*
        r, z = (gi[0] + gh[0]).sigmoid(), (gi[1] + gh[1]).sigmoid()
        n = (gi[2] + r * gh[2]).tanh()
        h_t = m(x[: t + 1])[1][0]
    return dict(
        h_prev=h_prev,
        reset=r,
        update=z,
        hn=gh[2],
        r_hn=r * gh[2],
        xn=gi[2],
        candidate=n,
        one_minus_z=1 - z,
        z_h_prev=z * h_prev,
        keep_n=(1 - z) * n,
        h=h_t,
    )


REFERENCE = {"lstm": reference_lstm, "gru": reference_gru}


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("t", [0, 1, T - 1])
def test_values_equal_pytorch(kind, t):
    m, x = module(kind), inputs()
    d = recurrent.trace(m, x).layers[0].directions[0]
    for j in range(H):
        step = cell_step(d, kind, t, j)
        ref = REFERENCE[kind](m, x, t)
        assert set(step.values) == set(PATHS[kind]) == set(ref)
        for name, v in ref.items():
            assert step.values[name] == pytest.approx(float(v[j]), abs=1e-5), name
        for gate in recurrent.GATES[kind]:  # the recorded gate values themselves
            assert step.values[gate] == float(d.gates[gate][t, j])


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_the_figure_labels_every_path_with_its_value(kind):
    m, x = module(kind), inputs()
    d = recurrent.trace(m, x).layers[0].directions[0]
    step = cell_step(d, kind, 4, 2)
    fig = cell_diagram(step, "q")
    shown = labelled(fig)
    assert set(shown) == set(PATHS[kind])
    for name, value in step.values.items():
        assert shown[name] == pytest.approx(value, abs=5e-4), name
    x_label = next(a.text for a in fig.layout.annotations if a.name == "value:x")
    assert "q" in x_label
    assert "t = 5" in fig.layout.title.text  # row 4 is the fifth step, x_5
    # the h_t on the figure is the module's output at that step
    with torch.no_grad():
        h_5 = m(x[:5])[0][-1, 2]
    assert shown["h"] == pytest.approx(float(h_5), abs=5e-4)


def test_a_closed_gate_is_a_thin_path():
    m, x = module("lstm"), inputs()
    d = recurrent.trace(m, x).layers[0].directions[0]
    f = d.gates["forget"]
    (t0, j0), (t1, j1) = divmod(int(f.argmin()), H), divmod(int(f.argmax()), H)
    width = {}
    for t, j in ((t0, j0), (t1, j1)):
        fig = cell_diagram(cell_step(d, "lstm", t, j))
        width[(t, j)] = next(tr.line.width for tr in fig.data if tr.name == "forget")
    assert width[(t0, j0)] < width[(t1, j1)]


def test_value_text_and_bad_arguments():
    assert value_text(-0.1254) == "−0.125" and value_text(0.5) == "+0.500"
    d = recurrent.trace(module("gru"), inputs()).layers[0].directions[0]
    with pytest.raises(ValueError, match="outside"):
        cell_step(d, "gru", T, 0)
    with pytest.raises(ValueError, match="outside"):
        cell_step(d, "gru", 0, H)
    with pytest.raises(ValueError, match="lstm"):
        cell_step(d, "rnn", 0, 0)
