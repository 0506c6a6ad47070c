"""What a gradient-flow run shows, in words: overflow, underflow, a clipping that cannot help.

Pure text from the numbers of a run (no Streamlit): the page shows each message as it is,
the notebook user can print it. Every message names what really happened; nothing is
clipped or hidden.

Dimensions: T time steps.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from seqviz.clipping import Clipped

NAMES = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}
NOT_A_REPAIR = (
    "`torch.nn.utils.clip_grad_norm_` does exactly the same (or raises with "
    "`error_if_nonfinite=True`). Clipping tames large gradients; it cannot repair an overflow."
)


def flow_problem(kind: str, n: Tensor) -> tuple[str, str] | None:
    """("error" | "warning", message) if ||dL/dh_t|| (n: t = 0 .. T) overflowed or
    underflowed to exactly 0; None if every value is a positive finite number."""
    T = len(n) - 1
    bad = (~torch.isfinite(n)).nonzero().flatten().tolist()
    zero = (n == 0).nonzero().flatten().tolist()
    if bad:
        what = "NaN" if torch.isnan(n[bad[-1]]) else "inf"
        return "error", (
            f"**{NAMES[kind]}: the gradient overflowed at step t = {bad[-1]}** ({what}; "
            f"{len(bad)} of the {T + 1} states h_0 … h_{T} are not finite numbers). Nothing is "
            "clipped or hidden: this is what backpropagation really produced. Try clipping "
            "below, a smaller r, or tanh."
        )
    if zero:
        return "warning", (
            f"**{NAMES[kind]}: the gradient underflowed to exactly 0** at t <= {zero[-1]}: it "
            "became smaller than the precision can store. Switch on float64 to see how small "
            "it really is."
        )
    return None


def clipping_problem(clipped: Clipped, grads: Sequence[Tensor]) -> str | None:
    """Why clipping could not help, if the gradient's norm overflowed (see Clipped.overflow)."""
    if clipped.overflow == "norm":
        biggest = max(float(g.abs().max()) for g in grads)
        dtype = str(grads[0].dtype).removeprefix("torch.")
        return (
            f"**Overflow: ‖g‖ = inf in {dtype}.** Every entry of the gradient is still a finite "
            f"number (the largest is {biggest:.2e}), but the sum of their squares passes the "
            "largest number float32 can hold, 3.4e38. The factor is θ / inf = 0, so clipping sets "
            "the whole update to 0. " + NOT_A_REPAIR
        )
    if clipped.overflow == "entries":
        return (
            "The gradient overflowed before clipping could act: its norm is "
            f"{clipped.norm_before}, so the factor is {clipped.coef:g} and 0 × inf = NaN. "
            + NOT_A_REPAIR
        )
    return None
