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

Dimensions: D input size, H hidden size, G gates (1 RNN, 3 GRU, 4 LSTM).
"""

from __future__ import annotations

import torch
from torch import nn

from seqviz.charlm import init_parameters

SCHEMES = ("default", "orthogonal", "scaled", "identity")
KINDS = ("rnn", "gru", "lstm")
GATES = {"rnn": 1, "gru": 3, "lstm": 4}


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


def build(
    kind: str,
    input_size: int,
    hidden_size: int,
    nonlinearity: str = "tanh",
    scheme: str = "default",
    radius: float = 1.0,
    seed: int = 0,
    num_layers: int = 1,
) -> nn.RNNBase:
    """A fresh one-direction ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` initialised with ``scheme``.

    ``nonlinearity`` ("tanh" or "relu") applies to the plain RNN only; the GRU and
    LSTM always use σ and tanh.
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
    return initialise_(module, scheme, radius, seed).eval()
