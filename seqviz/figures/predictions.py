"""The next-token distribution: the most probable next tokens as bars.

Dimension letters: ``V`` vocabulary size.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.style import ACCENT, FONT_SIZE, NEUTRAL, STEP_LINE, apply_layout, token_label
from seqviz.figures.timeaxis import as_array, empty_figure

__all__ = ["topk_bar"]


def topk_bar(
    probs,
    tokens: Sequence[str],
    k: int = 5,
    actual: str | int | None = None,
    title: str | None = "What comes next? Top predictions",
    height: int | None = None,
) -> go.Figure:
    """Horizontal bars of the ``k`` most probable next tokens, in percent.

    Args:
        probs: ``(V,)`` probabilities (softmax output).
        tokens: the ``V`` vocabulary tokens, ``tokens[i]`` for ``probs[i]``.
        k: how many bars; all ``V`` if ``k > V``.
        actual: the true next token (string, or its index). Its bar is drawn
            in the accent colour; if it is not in the top ``k`` it is added as
            an extra bar at the bottom labelled with its rank.

    Returns:
        ``go.Figure`` with one ``Bar`` trace, most probable at the top. NaN
        probabilities rank last and are drawn as empty bars labelled ``NaN``.
    """
    p = as_array(probs).reshape(-1)
    tokens = [str(tok) for tok in tokens]
    V = p.shape[0]
    if len(tokens) != V:
        raise ValueError(f"got {len(tokens)} tokens for {V} probabilities")
    if V == 0 or k < 1:
        return empty_figure("No predictions to show.", title)
    # rank by probability, NaN last; stable so equal probabilities keep vocab order
    order = np.argsort(-np.nan_to_num(p, nan=-np.inf), kind="stable")
    rank = np.empty(V, dtype=int)
    rank[order] = np.arange(1, V + 1)
    shown = list(order[: min(k, V)])

    actual_idx: int | None = None
    if isinstance(actual, (int, np.integer)) and not isinstance(actual, bool):
        actual_idx = int(actual) if 0 <= int(actual) < V else None
    elif isinstance(actual, str) and actual in tokens:
        actual_idx = tokens.index(actual)
    if actual_idx is not None and actual_idx not in shown:
        shown.append(actual_idx)

    percent = [100 * float(p[i]) if np.isfinite(p[i]) else 0.0 for i in shown]
    bar_text = [f"{100 * float(p[i]):.1f}%" if np.isfinite(p[i]) else "NaN" for i in shown]
    labels = []
    for i in shown:
        label = token_label(tokens[i], compact=False)
        if i == actual_idx:
            label = f"<b>{label}</b> (actual" + (f", rank {rank[i]})" if rank[i] > k else ")")
        labels.append(label)
    colors = [ACCENT if i == actual_idx else NEUTRAL for i in shown]

    fig = go.Figure(
        go.Bar(
            x=percent,
            y=np.arange(len(shown)),
            orientation="h",
            marker=dict(
                color=colors,
                line=dict(color=STEP_LINE, width=[2 if c == ACCENT else 0 for c in colors]),
            ),
            text=bar_text,
            textposition="outside",
            textfont=dict(size=FONT_SIZE),
            customdata=np.array(
                [[labels[j], int(rank[i])] for j, i in enumerate(shown)], dtype=object
            ),
            hovertemplate="%{customdata[0]}<br>rank %{customdata[1]}<br>%{x:.2f}%<extra></extra>",
            name="probability",
        )
    )
    top = max(percent) if percent else 0.0
    fig.update_xaxes(title_text="probability (%)", range=[0, max(top, 1.0) * 1.2])
    fig.update_yaxes(
        tickvals=list(range(len(shown))), ticktext=labels, autorange="reversed", title_text=None
    )
    return apply_layout(fig, title, height if height is not None else 120 + 48 * len(shown))
