"""seqviz.gates_tex: every number in the Gates lab's equations is the traced module's own."""

import re

import pytest
import torch
from torch import nn

from seqviz import gates_tex
from seqviz.latex import num
from seqviz.recurrent import trace


def bold(line: str) -> str:
    """The result of an equation line: the number set in bold at its end."""
    return re.findall(r"\\mathbf\{([^}]*)\}", line)[-1]


@pytest.mark.parametrize("kind,module", [("lstm", nn.LSTM), ("gru", nn.GRU)])
def test_each_line_ends_in_the_value_pytorch_computes(kind, module):
    torch.manual_seed(0)
    cell = module(3, 4)
    x = torch.randn(6, 3)
    with torch.no_grad():
        output, _ = cell(x)
    d = trace(cell, x).layers[0].directions[0]
    t, j = 4, 2
    lines = gates_tex.gate_lines(kind, d, t, j)
    assert len(lines) == len(d.gates) + (2 if kind == "lstm" else 1)
    for line, gate in zip(lines, d.gates, strict=False):
        assert bold(line) == num(d.gates[gate][t, j])
    # the last line is h_t for unit j, as nn.LSTM / nn.GRU output it
    assert bold(lines[-1]) == num(output[t, j])
    if kind == "lstm":
        assert lines[-2].startswith(rf"c_{{t,{j}}}") and lines[-1].startswith(rf"h_{{t,{j}}}")


def test_the_gru_candidate_applies_r_t_to_the_hidden_part_as_pytorch_does():
    torch.manual_seed(1)
    cell = nn.GRU(2, 3)
    d = trace(cell, torch.randn(5, 2)).layers[0].directions[0]
    line = gates_tex.gate_lines("gru", d, 3, 1)[list(d.gates).index("candidate")]
    assert r"\odot(" in line and "W_{hn} h_{t-1}" in line  # r_t ⊙ (W_hn h_{t-1} + b_hn)
    assert gates_tex.GATE_FORMULAS["gru"][2].count(r"r_t \odot (W_{hn}") == 1
