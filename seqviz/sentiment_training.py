"""Training a sentence classifier: minibatches of padded sentences, binary cross-entropy.

Each step reads B training sentences (shuffled anew every epoch), pads them, and
minimises the mean binary cross-entropy of the logits z_b against the labels y_b:

    L = -(1/B) Σ_b [ y_b log σ(z_b) + (1 - y_b) log(1 - σ(z_b)) ]

with dropout on the sentence vector (s <- s ⊙ m / (1 - p), m_j ~ Bernoulli(1 - p),
training only), Adam and gradient clipping. Held-out accuracy is measured after
every epoch.

:func:`fit` is the whole recipe as one pure function that can stop and continue:
``fit(config, None, max_seconds=5)`` trains for five seconds and returns a plain,
picklable dict (weights, optimiser state, random-generator state, history);
``fit(config, that_dict, ...)`` carries on exactly where it stopped. The Sentiment page
hands it to the pool of training workers (seqviz.jobs), which calls it chunk after chunk
in a worker process; a checkpoint build calls it once.

Dimension letters: ``B`` batch, ``T`` time (words), ``N`` sentences.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from seqviz import sentiment_data as data
from seqviz import training
from seqviz.classifiers import Classifier, ClassifierConfig


@dataclass(frozen=True)
class SentConfig:
    """A classifier and how to train it."""

    kind: str = "lstm"  # one of classifiers.KINDS
    embedding_size: int = 32  # E
    hidden_size: int = 32  # H
    filters: int = 8  # K, TextCNN filters per width
    min_freq: int = data.MIN_FREQ  # vocabulary: training words seen at least this often
    dropout: float = 0.5  # p, on the sentence vector while training
    lr: float = 0.005  # Adam learning rate
    weight_decay: float = 0.0  # Adam's L2 penalty
    batch_size: int = 32  # B
    epochs: int = 10  # passes over the 2400 training sentences
    clip: float = 5.0  # θ, largest global gradient norm
    seed: int = 0  # initialisation, shuffles and dropout

    def classifier(self) -> ClassifierConfig:
        vocab = data.vocabulary(self.min_freq)
        return ClassifierConfig(
            kind=self.kind,
            vocab_size=len(vocab),
            embedding_size=self.embedding_size,
            hidden_size=self.hidden_size,
            filters=self.filters,
            pad=vocab[data.PAD],
        )


def steps_per_epoch(config: SentConfig) -> int:
    return math.ceil(len(data.load().train) / config.batch_size)


def untrained(config: SentConfig, seed: int | None = None) -> Classifier:
    """The model of ``config``, freshly initialised (eval mode, gradients off)."""
    model = Classifier(config.classifier(), seed=config.seed if seed is None else seed)
    return model.eval().requires_grad_(False)


@functools.lru_cache(maxsize=4)
def encoded(min_freq: int = data.MIN_FREQ) -> tuple[data.Encoded, data.Encoded]:
    """(train, held-out), encoded with the vocabulary of ``min_freq`` (cached: read-only)."""
    vocab, split = data.vocabulary(min_freq), data.load()
    return data.encode_split(vocab, split.train), data.encode_split(vocab, split.heldout)


def predict(model: Classifier, sentences: data.Encoded, batch_size: int = 256) -> Tensor:
    """P(positive) of every sentence (N,), in eval mode without gradients."""
    was_training = model.training
    model.eval()
    probs = []
    with torch.no_grad():
        for i in range(0, len(sentences.ids), batch_size):
            X, lengths = model.batch([list(s) for s in sentences.ids[i : i + batch_size]])
            probs.append(torch.sigmoid(model(X, lengths)))
    model.train(was_training)
    return torch.cat(probs)


def accuracy(model: Classifier, sentences: data.Encoded) -> float:
    """Share of sentences whose predicted label (P(positive) > 0.5) is right."""
    predicted = (predict(model, sentences) > 0.5).float()
    return float((predicted == sentences.labels).float().mean())


def confusion(model: Classifier, sentences: data.Encoded) -> list[list[int]]:
    """counts[true][predicted], labels 0 negative and 1 positive."""
    predicted = (predict(model, sentences) > 0.5).long()
    counts = [[0, 0], [0, 0]]
    for y, p in zip(sentences.labels.long().tolist(), predicted.tolist(), strict=True):
        counts[y][p] += 1
    return counts


def majority_baseline(train: data.Encoded, heldout: data.Encoded) -> float:
    """Held-out accuracy of always answering the training set's most frequent label."""
    majority = float(train.labels.mean() >= 0.5)
    return float((heldout.labels == majority).float().mean())


def _epoch_order(config: SentConfig, epoch: int, n: int) -> list[int]:
    """The shuffle of epoch ``epoch`` (from 0): its own seed, so any step can be found again."""
    generator = torch.Generator().manual_seed(config.seed * 100_003 + epoch)
    return torch.randperm(n, generator=generator).tolist()


def minibatches(
    config: SentConfig, model: Classifier, train: data.Encoded, start: int
) -> Iterator[tuple[Tensor, Tensor, Tensor]]:
    """(X, lengths, y) for step start + 1, start + 2, ...: epoch after epoch of shuffles."""
    n, B = len(train.ids), config.batch_size
    per_epoch = math.ceil(n / B)
    step = start
    while True:
        epoch, i = divmod(step, per_epoch)
        order = _epoch_order(config, epoch, n)[i * B : (i + 1) * B]
        X, lengths = model.batch([list(train.ids[j]) for j in order])
        yield X, lengths, train.labels[order]
        step += 1


def loss_fn(config: SentConfig, generator: torch.Generator) -> Callable:
    """The training loss L of one minibatch, with dropout drawn from ``generator``."""

    def loss(model: Classifier, batch: tuple[Tensor, Tensor, Tensor]) -> Tensor:
        X, lengths, y = batch
        s = model.sentence(model.embedding(X), lengths)  # (B, F)
        if config.dropout > 0:
            # s <- s ⊙ m / (1 - p), m_j ~ Bernoulli(1 - p)
            keep = torch.rand(s.shape, generator=generator) >= config.dropout
            s = s * keep / (1 - config.dropout)
        z = model.out(s).squeeze(-1)  # (B,)
        # L = -(1/B) Σ_b [y_b log σ(z_b) + (1 - y_b) log(1 - σ(z_b))]
        return F.binary_cross_entropy_with_logits(z, y)

    return loss


def _history(saved: dict | None) -> training.History:
    history = training.History()
    if saved:
        history.steps, history.losses = list(saved["steps"]), list(saved["losses"])
        history.eval_steps, history.heldout = list(saved["eval_steps"]), list(saved["heldout"])
        history.tokens, history.seconds = saved["tokens"], saved["seconds"]
    return history


def plain_history(history: training.History) -> dict:
    """A history as plain lists (what a :func:`fit` state holds and the page's chart reads)."""
    h = history.copy()
    return {
        "steps": h.steps,
        "losses": h.losses,
        "eval_steps": h.eval_steps,
        "heldout": h.heldout,
        "tokens": h.tokens,
        "seconds": h.seconds,
    }


def fit(
    config: SentConfig,
    state: dict | None,
    *,
    max_seconds: float,
    stop: Callable[[], bool] | None = None,
    callback: training.Callback | None = None,
) -> dict:
    """Train for at most ``max_seconds`` (or until ``config.epochs`` or a stop); continue ``state``.

    Args:
        config: the classifier and its training (frozen, picklable).
        state: what a previous call returned (None: start from the seed's initialisation).
        max_seconds: training time of this call (``math.inf``: train to the end).
        stop: checked before every step; true ends this call.
        callback: ``callback(progress)`` after every step; True ends this call.

    Returns:
        A picklable dict: ``model`` and ``optimizer`` state dicts, ``rng`` (the dropout
        generator's state), ``step``, ``epochs_done``, ``history`` (plain lists:
        steps, losses, eval_steps, heldout accuracy, tokens, seconds), ``confusion``
        (the held-out counts[true][predicted] of the weights returned), ``outcome`` and
        ``done``.
    """
    model = Classifier(config.classifier(), seed=config.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(config.seed + 1)
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        generator.set_state(state["rng"])
    history = _history(state["history"] if state else None)
    train, heldout = encoded(config.min_freq)
    per_epoch = steps_per_epoch(config)
    trainer = training.Trainer(
        model,
        loss_fn(config, generator),
        minibatches(config, model, train, history.step),
        optimizer,
        clip=config.clip,
        evaluate=lambda m: accuracy(m, heldout),
        total=config.epochs * per_epoch,
        tokens=lambda batch: int(batch[1].sum()),
        epoch=lambda: history.step // per_epoch + 1,
        label=config.kind,
    )
    trainer.history = history
    outcome = trainer.run(
        max_seconds=max_seconds, stop=stop, callback=callback, eval_every=per_epoch
    )
    return {
        "model": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "optimizer": optimizer.state_dict(),
        "rng": generator.get_state(),
        "step": history.step,
        "epochs_done": history.step / per_epoch,
        "history": plain_history(history),
        "confusion": confusion(model, heldout),
        "outcome": outcome,
        "done": history.step >= config.epochs * per_epoch,
    }


def model_of(config: SentConfig, state: dict) -> Classifier:
    """The trained model a :func:`fit` result holds (eval mode, gradients off)."""
    model = Classifier(config.classifier(), seed=config.seed)
    model.load_state_dict(state["model"])
    return model.eval().requires_grad_(False)


# --- the shipped checkpoints (``python -m seqviz.checkpoints build sent-lstm``) --------

MIN_MARGIN = 0.15  # every checkpoint beats the majority baseline by at least this (its record)

CHECKPOINTS: dict[str, SentConfig] = {
    f"sent-{kind}": SentConfig(kind=kind)
    for kind in ("bag", "rnn", "gru", "lstm", "bilstm", "bilstm-max", "textcnn")
}


def build(config: SentConfig, callback: training.Callback | None = None) -> tuple:
    """Train ``config`` to the end; (model, metrics, seconds) for ``seqviz.checkpoints``."""
    state = fit(config, None, max_seconds=math.inf, callback=callback)
    model = model_of(config, state)
    train, heldout = encoded(config.min_freq)
    history = state["history"]
    held = accuracy(model, heldout)
    baseline = majority_baseline(train, heldout)
    metrics = {
        "heldout_accuracy": round(held, 4),
        "train_accuracy": round(accuracy(model, train), 4),
        "majority_baseline": round(baseline, 4),
        "margin": round(held - baseline, 4),
        "min_margin": MIN_MARGIN,
        "seconds_per_epoch": round(history["seconds"] / config.epochs, 3),
        "heldout_curve": {
            "steps": history["eval_steps"],
            "accuracy": [round(a, 4) for a in history["heldout"]],
        },
        "vocab_size": len(data.vocabulary(config.min_freq)),
        "split": "assets/sentiment: 2400 train / 600 held out (see its README)",
    }
    if held - baseline < MIN_MARGIN:
        raise ValueError(f"{config.kind}: held-out {held:.3f} is not {MIN_MARGIN} above {baseline}")
    return model, metrics, history["seconds"]
