"""Initialisations of the recurrent weights W_hh, to compare how gradients flow.

- ``default``: PyTorch's own, every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H)); the
  spectral radius of W_hh comes out near 1/sqrt(3) ≈ 0.58 (the circular law).
- ``orthogonal``: W_hh = r Q with Q orthogonal (Saxe et al. 2014): every eigenvalue
  and every singular value has size r, so r = 1 neither shrinks nor grows a vector.
- ``scaled``: the default draw, rescaled so that W_hh's spectral radius is exactly r.
- ``identity``: W_hh = r I and zero biases; with ReLU this is the IRNN (Le, Jaitly &
  Hinton 2015), which starts out copying its state forward unchanged (r = 1).

For the GRU and LSTM, W_hh stacks one H x H block per gate; each block gets the
same treatment. Every function takes a seed: nothing touches the global RNG.

A *keep-gate bias* b (:func:`bias_keep_gate_`) is added to the bias of the gate that
decides how much of the old state is kept, so that it starts near σ(b) instead of
σ(0) = 1/2 (Gers, Schmidhuber & Cummins 2000 for the LSTM's forget gate;
Jozefowicz, Zaremba & Sutskever 2015 recommend b = 1):

- LSTM: c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t, so "keep" is f_t near 1: b is added to b_f.
- GRU (PyTorch's form): h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}: z_t multiplies the old
  state, so "keep" is z_t near 1 and b is added to b_z, with a plus sign. (Texts that
  write h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t would need -b.)

Dimensions: D input size, H hidden size, G gates (1 RNN, 3 GRU, 4 LSTM).
"""

from __future__ import annotations

import torch
from torch import nn

from seqviz.charlm import init_parameters

SCHEMES = ("default", "orthogonal", "scaled", "identity")
KINDS = ("rnn", "gru", "lstm")
GATES = {"rnn": 1, "gru": 3, "lstm": 4}
# Which H-row block of the stacked gate weights is the keep gate: PyTorch stacks the
# LSTM's gates as (i, f, g, o) and the GRU's as (r, z, n), so f and z are block 1.
KEEP_GATE = {"lstm": ("forget", 1), "gru": ("update", 1)}


def spectral_radius(W: torch.Tensor) -> float:
    """max |λ| over the eigenvalues λ of a square matrix."""
    return float(torch.linalg.eigvals(W.detach().double()).abs().max())


@torch.no_grad()
def initialise_(
    module: nn.RNNBase, scheme: str = "default", radius: float = 1.0, seed: int = 0
) -> nn.RNNBase:
    """Re-initialise ``module`` in place with ``scheme``; returns it.

    Args:
        module: an ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` (any layers).
        scheme: one of :data:`SCHEMES`.
        radius: r, the spectral radius of each W_hh block (ignored by ``default``).
        seed: seeds the generator every random draw comes from.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, not {scheme!r}")
    gen = torch.Generator().manual_seed(seed)
    init_parameters(module, gen)  # PyTorch's default for every parameter
    if scheme == "default":
        return module
    H = module.hidden_size
    for name, p in module.named_parameters():
        if name.startswith("weight_hh"):
            for block in p.split(H):  # one (H, H) block per gate, views of p
                if scheme == "orthogonal":
                    # W = r Q,  Q^T Q = I
                    nn.init.orthogonal_(block, gain=radius, generator=gen)
                elif scheme == "scaled":
                    # W <- W · r / max|λ(W)|
                    block.mul_(radius / spectral_radius(block))
                else:
                    # W = r I
                    block.copy_(radius * torch.eye(H))
        elif scheme == "identity" and name.startswith("bias"):
            p.zero_()
    return module


@torch.no_grad()
def bias_keep_gate_(module: nn.RNNBase, bias: float) -> nn.RNNBase:
    """Add ``bias`` to the keep gate's bias in every layer (LSTM b_f, GRU b_z); returns module.

    The gate's pre-activation is W_i x_t + b_i + W_h h_{t-1} + b_h: the bias goes into
    b_h (``bias_hh``), so at a zero input and state the gate is σ(b_i + b_h + bias).
    A plain RNN has no gate: asking for a non-zero bias on one is an error.
    """
    kind = "lstm" if isinstance(module, nn.LSTM) else "gru" if isinstance(module, nn.GRU) else "rnn"
    if bias == 0:
        return module
    if kind == "rnn":
        raise ValueError("a plain RNN has no keep gate to bias")
    if not module.bias:
        raise ValueError("the module has no biases (bias=False)")
    H, block = module.hidden_size, KEEP_GATE[kind][1]
    for l in range(module.num_layers):
        # b_f (LSTM) or b_z (GRU) += bias: the gate starts near σ(bias), "keep the old state"
        getattr(module, f"bias_hh_l{l}")[block * H : (block + 1) * H] += bias
    return module


def build(
    kind: str,
    input_size: int,
    hidden_size: int,
    nonlinearity: str = "tanh",
    scheme: str = "default",
    radius: float = 1.0,
    seed: int = 0,
    num_layers: int = 1,
    gate_bias: float = 0.0,
) -> nn.RNNBase:
    """A fresh one-direction ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` initialised with ``scheme``.

    ``nonlinearity`` ("tanh" or "relu") applies to the plain RNN only; the GRU and
    LSTM always use σ and tanh. ``gate_bias`` is added to the GRU's / LSTM's keep
    gate (:func:`bias_keep_gate_`) and ignored for the plain RNN, which has none.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    # Built on the meta device (no memory, no draw from the global RNG), then allocated
    # and filled from our own generator.
    meta = {"device": "meta"}
    if kind == "rnn":
        module = nn.RNN(input_size, hidden_size, num_layers, nonlinearity=nonlinearity, **meta)
    elif kind == "gru":
        module = nn.GRU(input_size, hidden_size, num_layers, **meta)
    else:
        module = nn.LSTM(input_size, hidden_size, num_layers, **meta)
    module = module.to_empty(device="cpu")
    module = initialise_(module, scheme, radius, seed)
    if kind != "rnn":
        bias_keep_gate_(module, gate_bias)
    return module.eval()
