"""Named starting points for comparing gradient flow in an RNN, a GRU and an LSTM.

What decides whether a gated model keeps its gradient is where its *keep gate*
starts: the LSTM's forget gate f_t (c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t) or the GRU's update
gate z_t (PyTorch: h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}, so "keep" is z_t near 1).
Untrained, every gate is σ(small) ≈ 1/2, so each step back passes on about half of
the gradient and the gated models vanish like the RNN. A bias b on the keep gate
(:func:`seqviz.initialisation.bias_keep_gate_`) starts it near σ(b): σ(1) ≈ 0.73,
σ(3) ≈ 0.95 — or training on real text moves it.

:func:`comparison` says in one sentence what a set of measured ratios
||dL/dh_0|| / ||dL/dh_T|| shows; every branch is a sentence the page may show.

Dimensions: T time steps, H hidden size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from seqviz import recurrent
from seqviz.initialisation import KEEP_GATE, KINDS, build


@dataclass(frozen=True)
class Preset:
    """One named starting point for the three models."""

    label: str  # as the page names it
    gate_bias: float  # added to the LSTM's b_f and the GRU's b_z (0: PyTorch's default)
    trained: bool  # the trained checkpoints instead of fresh weights
    source: str  # where the choice comes from


PRESETS = {
    "keep3": Preset(
        "Keep-gate bias +3",
        3.0,
        False,
        "b_f, b_z = +3: the gates start near σ(3) ≈ 0.95 (common practice for long memory)",
    ),
    "keep1": Preset(
        "Keep-gate bias +1",
        1.0,
        False,
        "b_f, b_z = +1: σ(1) ≈ 0.73 (Gers et al. 2000; Jozefowicz et al. 2015)",
    ),
    "default": Preset(
        "Untrained (PyTorch init)",
        0.0,
        False,
        "every weight and bias ~ U(−1/√H, 1/√H): the gates start near σ(0) = 0.5",
    ),
    "trained": Preset(
        "Trained checkpoints",
        0.0,
        True,
        "the char models trained on The Time Machine (H = 128, seqviz.checkpoints)",
    ),
}
DEFAULT = "keep3"

# The page's explanation of the untrained preset (a claim: tests/test_claims_gradients.py).
WHY_HALF = (
    "Untrained gates sit near σ(0) = ½, so every step back passes on only about half of "
    "the gradient through f_t or z_t and the gated models vanish about as fast as the RNN; "
    "a keep-gate bias b starts them near σ(b) (σ(3) ≈ 0.95), close to 1, and the gradient survives."
)
GRU_SIGN = (
    "PyTorch's GRU computes h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}: z_t multiplies the old "
    "state, so keeping it means z_t near 1 and the bias is added to b_z with a plus sign."
)

FAR_LONGER = "The GRU and the LSTM keep their gradient far longer than the RNN"
ALIKE = "All three lose their gradient alike"


def fresh_models(
    input_size: int,
    hidden: int,
    act: str = "tanh",
    init: str = "default",
    radius: float = 1.0,
    seed: int = 0,
    gate_bias: float = 0.0,
) -> dict[str, nn.Module]:
    """kind -> a fresh RNN / GRU / LSTM, as the lab compares them: W_hh initialised by
    ``init`` (scale r = ``radius``), ``act`` for the plain RNN (the gated models keep
    σ / tanh) and the GRU's and LSTM's keep gate biased by ``gate_bias``."""
    return {
        kind: build(
            kind,
            input_size,
            hidden,
            act if kind == "rnn" else "tanh",
            init,
            radius,
            seed,
            gate_bias=gate_bias,
        )
        for kind in KINDS
    }


def orders(a: float, b: float) -> float:
    """log10(a / b): how many orders of magnitude a is above b (NaN if either is not > 0)."""
    if not (a > 0 and b > 0 and math.isfinite(a) and math.isfinite(b)):
        return math.nan
    return math.log10(a / b)


def comparison(kept: dict[str, float]) -> str:
    """One sentence on measured ratios kind -> ||dL/dh_0|| / ||dL/dh_T||.

    "Far longer" when both gated models keep at least 10^2 times the RNN's share;
    "alike" when all three are within 10^4 of each other and below 10^-10.
    """
    rnn, gated = kept["rnn"], min(kept["gru"], kept["lstm"])
    ahead = orders(gated, rnn)
    if ahead >= 2:
        return (
            f"{FAR_LONGER}: at h_0 they still hold {ahead:.0f} or more orders of magnitude "
            "more of it (a line higher on the left)."
        )
    values = list(kept.values())
    if all(0 < v < 1e-10 for v in values) and orders(max(values), min(values)) < 4:
        return (
            f"{ALIKE}: each of them passes less than 10⁻¹⁰ of ‖∂L/∂h_T‖ back to h_0, "
            "the gates do not help yet."
        )
    return "Compare the three ratios below: no model is clearly ahead with these settings."


@torch.no_grad()
def keep_gate_mean(module: nn.Module, x: Tensor) -> float | None:
    """The mean of the keep gate (LSTM f_t, GRU z_t) over every step and unit while
    ``module`` reads x (T, D); None for a plain RNN."""
    kind = recurrent.kind_of(module)
    if kind not in KEEP_GATE:
        return None
    tr = recurrent.trace(module, x)
    return float(tr.gates[KEEP_GATE[kind][0]].double().mean())


def mean_factor(kept: float, T: int) -> float:
    """The geometric mean of what one step back multiplies the gradient by: kept^(1/T)."""
    return kept ** (1 / T) if kept > 0 and math.isfinite(kept) else math.nan
