"""Why this prediction: how much each word of a sentence moved a classifier's logit z.

Two measures, both in units of z (the logit: P(positive) = σ(z)); positive pushes
towards "positive":

- **gradient × input**: the first-order estimate of what the word's embedding adds,
  a_t = Σ_d (∂z/∂e_{t,d}) e_{t,d}  (autograd gives ∂z/∂e_t, all words at once).
- **occlusion**: what really changes when the word is replaced by ``<unk>``,
  Δ_t = z(x) − z(x with x_t -> <unk>)  (one extra run per word; 0 for a word that
  already is ``<unk>``).

For the bag of embeddings z is linear in each e_t, so a_t = w^T e_t / T exactly; for
the other models the two can disagree, and that is the lesson.

Dimension letters: ``T`` time (words), ``E`` embedding.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from seqviz.classifiers import Classifier


@dataclass(frozen=True)
class Importance:
    """Word importances of one sentence."""

    logit: float  # z of the whole sentence
    grad: Tensor  # (T, E) ∂z/∂e_t
    grad_x_input: Tensor  # (T,) a_t = Σ_d (∂z/∂e_{t,d}) e_{t,d}
    occlusion: Tensor  # (T,) Δ_t = z(x) − z(x with x_t -> <unk>)


def gradient(model: Classifier, ids: list[int]) -> tuple[float, Tensor, Tensor]:
    """(z, ∂z/∂e (T, E), e (T, E)) for one sentence, by autograd (model weights untouched)."""
    X, lengths = model.batch([ids])
    T = len(ids)
    e = model.embedding(X).detach().requires_grad_(True)  # (1, T', E), T' >= T with pads
    z = model.logit_of(e, lengths)[0]
    (g,) = torch.autograd.grad(z, e)
    return float(z.detach()), g[0, :T].detach(), e[0, :T].detach()


def occlusion(model: Classifier, ids: list[int], unk: int = 0) -> Tensor:
    """Δ_t = z(x) − z(x with x_t -> <unk>) for every t (T,)."""
    variants = [list(ids)] + [ids[:t] + [unk] + ids[t + 1 :] for t in range(len(ids))]
    X, lengths = model.batch(variants)
    with torch.no_grad():
        z = model(X, lengths)  # (T + 1,)
    return z[0] - z[1:]


def importance(model: Classifier, ids: list[int], unk: int = 0) -> Importance:
    """Both measures for one sentence of word ids (non-empty)."""
    if not ids:
        raise ValueError("the sentence has no words")
    z, g, e = gradient(model, ids)
    # a_t = Σ_d (∂z/∂e_{t,d}) e_{t,d}
    a = (g * e).sum(-1)
    return Importance(logit=z, grad=g, grad_x_input=a, occlusion=occlusion(model, ids, unk))
