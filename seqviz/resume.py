"""A training run as plain data, so it can stop in one process and go on in another.

A lab's ``fit(config, state, ...)`` keeps everything that decides the next step in
``state``: the weights, the optimiser's moments, the history, the step count that
drives a schedule, and the random generator that draws the next batch. Loading it
into freshly built objects continues the run exactly: the next steps are the ones an
uninterrupted run would have taken, bit for bit (same thread count).
"""

from __future__ import annotations

import copy

import torch

from seqviz import training


def trainer_state(trainer: training.Trainer, generator: torch.Generator | None = None) -> dict:
    """The trainer's model, optimiser, history, step count (and batch generator) as a dict
    of tensors, numbers and a :class:`~seqviz.training.History` (picklable)."""
    state = {
        "model": copy.deepcopy(trainer.model.state_dict()),
        "optimizer": copy.deepcopy(trainer.optimizer.state_dict()),
        "history": trainer.history.copy(),
        "steps_taken": trainer.steps_taken,
    }
    if generator is not None:
        state["generator"] = generator.get_state()
    return state


def load_trainer_state(
    trainer: training.Trainer, state: dict, generator: torch.Generator | None = None
) -> None:
    """Put a :func:`trainer_state` back into a freshly built trainer (and its generator)."""
    trainer.model.load_state_dict(state["model"])
    trainer.optimizer.load_state_dict(state["optimizer"])
    trainer.history = state["history"].copy()
    trainer.steps_taken = state["steps_taken"]
    if generator is not None:
        generator.set_state(state["generator"])


def seconds_left(seconds_at_start: float, history: training.History, max_seconds: float) -> float:
    """Training seconds left in a call that started when ``history.seconds`` was
    ``seconds_at_start``."""
    return max(0.0, max_seconds - (history.seconds - seconds_at_start))
