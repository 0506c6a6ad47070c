"""Word2Vec training as a job: ``fit(config, state, *, max_seconds, stop, callback) -> state``.

The shape every lab's training has (:mod:`seqviz.jobs`): the configuration is a frozen,
picklable dataclass, the state a dict of tensors and lists, so the Word2Vec lab's
skip-gram and CBOW runs train in the pool of worker processes and continue exactly where
they stopped. A call rebuilds its :class:`~seqviz.w2v_training.Trainer` from the state
(the corpus is rebuilt from the text, once per process), trains, and returns the new
state; an epoch's pairs and negatives depend only on (seed, epoch), so a run cut into
many calls ends with the same weights as one call.

Dimension letters: ``V`` vocabulary, ``E`` embedding, ``n`` tracked words.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from seqviz import training
from seqviz.text import load_time_machine, normalize_d2l
from seqviz.w2v_training import Corpus, TrainConfig, Trainer, build_corpus, chunks

__all__ = ["FitConfig", "words_of", "corpus_for", "fit", "state_of", "trainer_of"]


@dataclass(frozen=True)
class FitConfig:
    """What one run trains: the hyperparameters, the corpus and the words on the map."""

    train: TrainConfig  # skip-gram or CBOW, objective, E, window, K, epochs, seed, ...
    text: str | None = None  # the corpus: None is The Time Machine, else a student's text
    min_freq: int = 5  # words seen fewer times are dropped (the corpus's min_count)
    track: tuple[int, ...] = ()  # word ids whose embeddings are kept at every report (n,)


def words_of(text: str) -> list[str]:
    """Lower-case words, punctuation and digits dropped (as the trained corpus is)."""
    return normalize_d2l(text).split()


@functools.lru_cache(maxsize=4)
def corpus_for(text: str | None, min_count: int) -> Corpus:
    """The corpus of a run, as word ids in sentences of 1,000 words (None: The Time
    Machine); built once per process and only read afterwards."""
    words = load_time_machine().split() if text is None else words_of(text)
    return build_corpus(chunks(words), min_count)


def state_of(trainer: Trainer) -> dict:
    """A trainer's whole state as a picklable dict (what :func:`fit` returns)."""
    h = trainer.history
    return {
        "W": trainer.model.W.detach().clone(),  # (V, E)
        "W_out": trainer.model.W_out.detach().clone(),  # (V, E)
        "epoch": trainer.epoch,
        "batch": trainer.batch,
        "words": trainer.words,
        "losses": list(trainer.losses),
        "loss_words": list(trainer.loss_words),
        "snapshots": [s.clone() for s in trainer.snapshots],  # (n, E) per report
        "reported": trainer._reported,
        "loss_sum": trainer._loss_sum,
        "loss_n": trainer._loss_n,
        "history": {
            "steps": list(h.steps),
            "losses": list(h.losses),
            "tokens": h.tokens,
            "seconds": h.seconds,
        },
        "done": trainer.done,
    }


def trainer_of(config: FitConfig, state: dict | None) -> Trainer:
    """The trainer a state describes (a new one, at its start, for None)."""
    trainer = Trainer(corpus_for(config.text, config.min_freq), config.train, track=config.track)
    if state is None:
        return trainer
    with torch.no_grad():
        trainer.model.W.copy_(state["W"])
        trainer.model.W_out.copy_(state["W_out"])
    trainer.epoch, trainer.batch, trainer.words = state["epoch"], state["batch"], state["words"]
    trainer.losses, trainer.loss_words = list(state["losses"]), list(state["loss_words"])
    trainer.snapshots = [s.clone() for s in state["snapshots"]]
    trainer._reported, trainer._loss_sum = state["reported"], state["loss_sum"]
    trainer._loss_n = state["loss_n"]
    h = state["history"]
    trainer.history.steps, trainer.history.losses = list(h["steps"]), list(h["losses"])
    trainer.history.tokens, trainer.history.seconds = h["tokens"], h["seconds"]
    return trainer


def fit(
    config: FitConfig,
    state: dict | None,
    *,
    max_seconds: float,
    stop: training.StopWhen | None = None,
    callback: training.Callback | None = None,
) -> dict:
    """Train for up to ``max_seconds`` (or to the last epoch), continuing ``state``.

    ``callback`` gets a :class:`~seqviz.training.Progress` at every report (1/50 of the
    run: ``tokens`` = words processed, ``loss`` = mean loss per pair since the last report,
    ``fraction`` of all words); it or ``stop`` returning True ends the call between two
    steps. Returns the new state (:func:`state_of`; ``"done"`` once every epoch is done).
    """
    trainer = trainer_of(config, state)
    trainer.run(max_seconds=max_seconds, callback=callback, stop=stop)
    return state_of(trainer)
