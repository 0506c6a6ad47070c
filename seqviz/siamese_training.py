"""Training the Siamese encoder with the triplet loss, and scoring it on held-out pairs.

:func:`fit` is the whole training as one pure call that can be continued: it takes a
frozen config and the dict a previous call returned (None to start) and returns a new
picklable dict (the encoder's and the optimiser's state dicts, the history and the step
reached). Batch s (s = 0, 1, ...) is a function of the seed and s alone, so a run
stopped after a steps and continued for b more ends with the same weights as one run
of a + b steps.

Scoring (:func:`score`): the cosine of each held-out pair against the threshold τ
chosen on the threshold pairs (the τ that classifies most of them right), accuracy,
and ROC AUC (the chance that a random duplicate pair gets a higher cosine than a random
non-duplicate; 0.5 = guessing). The trivial baseline, "never a duplicate", scores 0.5
on the balanced held-out set.

Dimension letters: ``B`` pairs in a batch, ``N`` pairs scored, ``H`` hidden units.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import Tensor

from seqviz import pairs_data, training
from seqviz.siamese import Encoder, cosine, encode_tensor
from seqviz.triplet import VARIANTS, triplet_terms


@dataclass(frozen=True)
class SiameseConfig:
    """Everything that decides a training run."""

    seed: int = 0  # initial weights and the order of the batches
    embedding_size: int = 32  # E
    hidden_size: int = 32  # H: the size of an encoding
    batch_size: int = 32  # B pairs per step: each anchor has B − 1 negatives
    margin: float = 0.25  # α
    variant: str = "both"  # "both", "mean" or "closest" (seqviz.triplet)
    lr: float = 3e-3  # Adam's learning rate
    steps: int = 1200  # steps planned for the whole training
    eval_every: int = 100  # steps between held-out ROC AUC measurements

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, not {self.variant!r}")
        if self.batch_size < 2:
            raise ValueError("a batch needs at least 2 pairs: the negatives are the others")


def untrained(config: SiameseConfig) -> Encoder:
    """The encoder before training (eval mode), initialised from ``config.seed``."""
    return Encoder(
        len(pairs_data.vocab()), config.embedding_size, config.hidden_size, config.seed
    ).eval()


# --- batches --------------------------------------------------------------------------


def batch_at(config: SiameseConfig, s: int) -> tuple[list[str], list[str]]:
    """The anchors and positives of batch s: B training pairs, a new shuffle every epoch."""
    pairs = pairs_data.training_pairs()
    per_epoch = len(pairs) // config.batch_size  # the last partial batch is dropped
    epoch, k = divmod(s, per_epoch)
    g = torch.Generator().manual_seed(config.seed * 100_003 + epoch)
    order = torch.randperm(len(pairs), generator=g)[k * config.batch_size :][: config.batch_size]
    chosen = [pairs[i] for i in order.tolist()]
    return [p.a for p in chosen], [p.b for p in chosen]


def batches(config: SiameseConfig, start: int) -> Iterator[tuple[list[str], list[str]]]:
    """Batches ``start``, ``start + 1``, ... forever."""
    s = start
    while True:
        yield batch_at(config, s)
        s += 1


def batch_loss(encoder: Encoder, batch, config: SiameseConfig) -> Tensor:
    """J of one batch: encode anchors and positives with the SAME encoder, S, triplet loss."""
    anchors, positives = batch
    v = pairs_data.vocab()
    ids_a, len_a = pairs_data.batch_ids(anchors, v)
    ids_p, len_p = pairs_data.batch_ids(positives, v)
    v_a, v_p = encoder(ids_a, len_a), encoder(ids_p, len_p)  # (B, H) each
    # S_ij = cos(A_i, P_j)
    u_a = v_a / v_a.norm(dim=-1, keepdim=True).clamp(min=1e-12)
    u_p = v_p / v_p.norm(dim=-1, keepdim=True).clamp(min=1e-12)
    return triplet_terms(u_a @ u_p.T, config.margin, config.variant).loss


# --- scoring --------------------------------------------------------------------------


def pair_cosines(encoder: Encoder, pairs) -> Tensor:
    """cos(v_A, v_B) of every pair ``(N,)``."""
    v = pairs_data.vocab()
    v_a = encode_tensor(encoder, v, [p.a for p in pairs])
    v_b = encode_tensor(encoder, v, [p.b for p in pairs])
    return cosine(v_a, v_b)


def roc_auc(scores: Tensor, labels: Tensor) -> float:
    """P(score of a random positive > score of a random negative), ties counting 1/2."""
    pos, neg = scores[labels], scores[~labels]
    if len(pos) == 0 or len(neg) == 0:
        return math.nan
    greater = (pos.unsqueeze(1) > neg.unsqueeze(0)).double().mean()
    ties = (pos.unsqueeze(1) == neg.unsqueeze(0)).double().mean()
    return float(greater + 0.5 * ties)


def best_threshold(scores: Tensor, labels: Tensor) -> float:
    """The τ (midway between two sorted scores) that classifies most pairs right by cos > τ.

    Ties go to the larger τ (fewer "duplicate" answers)."""
    s = scores.sort().values.tolist()
    candidates = [s[0] - 1e-6] + [(x + y) / 2 for x, y in zip(s, s[1:], strict=False)]
    best, best_correct = candidates[0], -1
    for tau in candidates:
        correct = int(((scores > tau) == labels).sum())
        if correct >= best_correct:
            best, best_correct = tau, correct
    return float(best)


@dataclass(frozen=True)
class Score:
    """An encoder measured on held-out pairs."""

    threshold: float  # τ, chosen on the threshold pairs
    accuracy: float  # share of held-out pairs classified right by cos > τ
    auc: float  # ROC AUC of the held-out cosines
    baseline: float  # accuracy of "never a duplicate" on the same pairs

    @property
    def margin(self) -> float:
        """How far the accuracy is above the baseline."""
        return self.accuracy - self.baseline


def labels_of(pairs) -> Tensor:
    return torch.tensor([p.duplicate for p in pairs], dtype=torch.bool)


def score(encoder: Encoder) -> Score:
    """τ from the threshold pairs; accuracy, AUC and the baseline on the held-out pairs."""
    tau = best_threshold(
        pair_cosines(encoder, pairs_data.threshold_pairs()), labels_of(pairs_data.threshold_pairs())
    )
    heldout = pairs_data.heldout_pairs()
    cos, labels = pair_cosines(encoder, heldout), labels_of(heldout)
    return Score(
        threshold=tau,
        accuracy=float(((cos > tau) == labels).double().mean()),
        auc=roc_auc(cos, labels),
        baseline=float((~labels).double().mean()),
    )


# --- fit: the whole training, in pieces ----------------------------------------------


def history_dict(h: training.History) -> dict:
    """A History as the plain dict a fit state carries."""
    return {
        "steps": list(h.steps),
        "losses": list(h.losses),
        "eval_steps": list(h.eval_steps),
        "heldout": list(h.heldout),
        "tokens": h.tokens,
        "seconds": h.seconds,
    }


def history_of_dict(d: dict) -> training.History:
    """The History a fit state's dict describes."""
    h = training.History()
    h.steps, h.losses = list(d["steps"]), list(d["losses"])
    h.eval_steps, h.heldout = list(d["eval_steps"]), list(d["heldout"])
    h.tokens, h.seconds = d["tokens"], d["seconds"]
    return h


def heldout_auc(encoder: Encoder) -> float:
    """ROC AUC of the held-out cosines (the curve's measurement while training)."""
    heldout = pairs_data.heldout_pairs()
    return roc_auc(pair_cosines(encoder, heldout), labels_of(heldout))


def encoder_from(config: SiameseConfig, state: dict | None) -> Encoder:
    """The encoder a fit state holds (eval mode), or the untrained one for None."""
    encoder = untrained(config)
    if state is not None:
        encoder.load_state_dict(state["model"])
    return encoder


def fit(
    config: SiameseConfig,
    state: dict | None,
    *,
    max_seconds: float,
    stop: Callable[[], bool] | None = None,
    callback: training.Callback | None = None,
) -> dict:
    """Train for at most ``max_seconds`` (or until ``config.steps`` or a stop), from ``state``.

    Returns:
        ``{"model": state_dict, "optimizer": state_dict, "step": int, "history": dict,
        "outcome": str, "done": bool, "config": config}``; pass it back as ``state`` to
        continue (``done``: all ``config.steps`` are taken).
    """
    encoder = encoder_from(config, state)
    optimizer = torch.optim.Adam(encoder.parameters(), lr=config.lr)
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
    step = 0 if state is None else state["step"]
    trainer = training.Trainer(
        encoder,
        lambda model, batch: batch_loss(model, batch, config),
        batches(config, step),
        optimizer,
        evaluate=heldout_auc,
        total=config.steps,
        tokens=lambda batch: len(batch[0]),  # pairs read
        label="siamese",
    )
    if state is not None:
        trainer.history = history_of_dict(state["history"])
    trainer.steps_taken = step
    outcome = trainer.run(
        max_seconds=max_seconds, callback=callback, stop=stop, eval_every=config.eval_every
    )
    return {
        "model": {k: t.detach().clone() for k, t in encoder.state_dict().items()},
        "optimizer": optimizer.state_dict(),
        "step": trainer.history.step,
        "history": history_dict(trainer.history),
        "outcome": outcome,
        "done": trainer.done,
        "config": config,
    }


def checkpoint_training(
    config: SiameseConfig, callback: training.Callback | None = None
) -> tuple[Encoder, dict, float]:
    """Train ``config.steps`` steps in one call (for seqviz.checkpoints): the encoder
    (frozen), its record's metrics and the seconds it took."""
    import time

    start = time.perf_counter()
    state = fit(config, None, max_seconds=math.inf, callback=callback)
    seconds = time.perf_counter() - start
    encoder = encoder_from(config, state).requires_grad_(False)
    trained, fresh = score(encoder), score(untrained(config))
    metrics = {
        "heldout_accuracy": round(trained.accuracy, 4),
        "heldout_auc": round(trained.auc, 4),
        "threshold": round(trained.threshold, 4),
        "baseline_accuracy": round(trained.baseline, 4),
        "baseline": "always 'not a duplicate' on the balanced held-out pairs",
        "margin_over_baseline": round(trained.margin, 4),
        "untrained_heldout_accuracy": round(fresh.accuracy, 4),
        "untrained_heldout_auc": round(fresh.auc, 4),
        "heldout_pairs": len(pairs_data.heldout_pairs()),
        "training_pairs": len(pairs_data.training_pairs()),
        "data": pairs_data.SOURCE,
        "auc_curve": {
            "steps": state["history"]["eval_steps"],
            "auc": [round(a, 4) for a in state["history"]["heldout"]],
        },
    }
    return encoder, metrics, seconds
