"""Reading a review word by word: P(positive) after each word, and the final-state equation.

A left-to-right model has a sentence vector after every prefix x_1 … x_t of the
sentence, and the same output unit reads it:

    p_t = σ(w^T s_t + b)

- ``rnn`` / ``gru`` / ``lstm``: s_t = h_t, the hidden state after word t (one run of
  the sentence: :func:`seqviz.recurrent.trace` of the model's own module, whose
  h_t equals the module's output); at t = T this is the model's prediction.
- ``bag``: s_t = (1/t) Σ_{i<=t} e_i, the mean of the words read so far.

Bidirectional models and TextCNN see the whole sentence at once, so they only
have the final p_T.

Dimension letters: ``T`` time (words), ``H`` hidden, ``F`` sentence vector.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from seqviz import recurrent
from seqviz.classifiers import RECURRENT, Classifier


@dataclass(frozen=True)
class Reading:
    """One model reading one sentence."""

    kind: str
    s: Tensor  # (T, F) s_t after each word (only row T - 1 for whole-sentence models)
    z: Tensor  # (T,) z_t = w^T s_t + b (NaN before the end for whole-sentence models)
    p: Tensor  # (T,) p_t = σ(z_t)
    w: Tensor  # (F,) the output unit's weights
    b: float  # its bias
    trace: recurrent.Trace | None  # the recurrent run (h_t, gates), recurrent kinds only

    @property
    def stepwise(self) -> bool:
        """True when p_t exists after every word (left-to-right models)."""
        return self.kind in RECURRENT or self.kind == "bag"


def read(model: Classifier, ids: list[int]) -> Reading:
    """Run ``model`` over one sentence of word ids (non-empty), recording every prefix."""
    if not ids:
        raise ValueError("the sentence has no words")
    w, b = model.out.weight[0].detach(), float(model.out.bias[0])
    T = len(ids)
    with torch.no_grad():
        e = model.embedding(torch.tensor(ids))  # (T, E)
        tr = None
        if model.kind in RECURRENT:
            tr = recurrent.trace(model.rnn, e)  # unbatched: hidden (T, H)
            s = tr.hidden
        elif model.kind == "bag":
            # s_t = (1/t) Σ_{i<=t} e_i
            s = e.cumsum(0) / torch.arange(1, T + 1)[:, None]
        else:
            X, lengths = model.batch([ids])
            final = model.sentence(model.embedding(X), lengths)[0]
            s = torch.full((T, final.shape[0]), float("nan"))
            s[-1] = final
        # z_t = w^T s_t + b
        z = s @ w + b
    return Reading(model.kind, s, z, torch.sigmoid(z), w, b, tr)


def final_terms(reading: Reading, top: int = 4) -> tuple[list[int], Tensor, float]:
    """The ``top`` units j with the largest |w_j s_{T,j}|, their products, and the rest's sum.

    z = Σ_j w_j s_{T,j} + b: the page writes out the biggest terms and sums the others.
    """
    terms = reading.w * reading.s[-1]  # (F,)
    order = terms.abs().argsort(descending=True)[:top].tolist()
    rest = float(terms.sum() - terms[order].sum())
    return order, terms[order], rest


def flips(p: Tensor) -> list[int]:
    """Steps t (from 0) where the prediction crosses 0.5: p_{t-1} and p_t on opposite sides."""
    side = (p > 0.5).tolist()
    return [t for t in range(1, len(side)) if side[t] != side[t - 1]]
