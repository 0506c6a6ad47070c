"""One training loop for every model in seqviz.

Training is the same loop whatever the model: take a step, record it, and between
steps decide whether to stop, to measure the model on held-out data, or to tell a
progress bar. :func:`run` is that loop around any step function (Word2Vec's
hand-written SGD uses it as it is); :class:`Trainer` is the gradient step almost
every model uses, for any model, loss and stream of batches:

    L = loss(model, batch);   g = ∇_θ L                      (loss.backward())
    g <- min(1, clip / (||g|| + 1e-6)) g                      (clip_grad_norm_, if clip is set)
    lr_s = schedule(s);   θ <- optimiser step(θ, g, lr_s)     (schedule optional)

A run ends at the first of: ``max_steps`` steps of this call, ``max_seconds`` of
training time in this call, the planned ``total`` steps, a callback returning True,
or a stop predicate becoming true (e.g. ``threading.Event().is_set``, so a UI thread
can end a run; it is checked before every step). Held-out evaluation runs every
``eval_every`` steps and at the planned last step; neither its time nor the
callback's counts as training time.

A run can be stopped and continued: the trainer keeps its optimiser, its stream of
batches and its :class:`History`, so ``run(max_steps=a)`` then ``run(max_steps=b)``
ends with the same weights as one ``run(max_steps=a + b)``.

Dimension letters: ``P`` parameter tensors, each of any shape.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import Tensor, nn

Outcome = Literal["finished", "max_steps", "max_seconds", "stopped"]
"""Why a run ended: the planned steps are done, a limit of this call, or a stop."""


@dataclass(frozen=True)
class Step:
    """What one training step reports to the loop."""

    loss: float  # training loss of this step's batch
    tokens: int = 0  # tokens (or examples, or words) this step read
    lr: float = math.nan  # learning rate it used
    epoch: int = 0  # epochs started so far (0 when the data has no epochs)


@dataclass(frozen=True)
class Progress:
    """What a training callback is told after every step: ``callback(progress) -> bool``."""

    label: str  # what is being trained (e.g. "lstm"), for a run that trains several models
    step: int  # steps so far, over every run of this trainer
    total: int | None  # steps planned for the whole training (None: open-ended)
    epoch: int  # epochs started so far
    loss: float  # this step's training loss
    lr: float  # learning rate of this step
    tokens: int  # training tokens (or examples, or words) read so far
    seconds: float  # training time so far (evaluation and callbacks excluded)
    heldout: float | None  # the latest held-out measurement (None before the first)
    fraction: float  # share of the planned training done (nan when open-ended)


class History:
    """Everything a trainer has done, appended to as it trains.

    ``steps`` and ``losses`` have one entry per step; ``eval_steps`` and
    ``heldout`` one per held-out measurement (perplexity, accuracy, ...). Only
    append through :meth:`add_step` and :meth:`add_eval`; another thread reads a
    consistent picture with :meth:`copy`.
    """

    def __init__(self) -> None:
        self.steps: list[int] = []  # step number of every loss (1, 2, 3, ...)
        self.losses: list[float] = []  # training loss of every step
        self.eval_steps: list[int] = []  # steps at which the held-out value was measured
        self.heldout: list[float] = []  # the held-out value at those steps
        self.tokens = 0  # training tokens read
        self.seconds = 0.0  # time inside training steps (evaluation excluded)
        self._lock = threading.Lock()

    @property
    def step(self) -> int:
        """Steps recorded so far."""
        return len(self.steps)

    def add_step(self, loss: float, tokens: int, seconds: float) -> int:
        """Record one step; returns its number."""
        with self._lock:
            self.steps.append(len(self.steps) + 1)
            self.losses.append(loss)
            self.tokens += tokens
            self.seconds += seconds
            return self.steps[-1]

    def add_eval(self, step: int, value: float) -> None:
        """Record a held-out measurement made after ``step`` steps."""
        with self._lock:
            self.eval_steps.append(step)
            self.heldout.append(value)

    def copy(self) -> History:
        """A snapshot whose lists are aligned, safe to read while this one grows."""
        other = History()
        with self._lock:
            other.steps, other.losses = list(self.steps), list(self.losses)
            other.eval_steps, other.heldout = list(self.eval_steps), list(self.heldout)
            other.tokens, other.seconds = self.tokens, self.seconds
        return other

    @property
    def last_heldout(self) -> float | None:
        return self.heldout[-1] if self.heldout else None

    def recent_perplexity(self, window: int = 50) -> float:
        """exp(mean loss of the last ``window`` steps): the training perplexity of a LM."""
        if not self.losses:
            return math.nan
        recent = self.losses[-window:]
        return math.exp(sum(recent) / len(recent))

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds else math.nan

    def __getstate__(self) -> dict:  # copy.deepcopy / pickle: everything but the lock
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()


Callback = Callable[[Progress], bool | None]
"""Called after every step; returning True stops the run."""

StopWhen = Callable[[], bool] | threading.Event
"""A predicate (or an Event) checked before every step; true stops the run."""


def stop_predicate(stop: StopWhen | None) -> Callable[[], bool] | None:
    """``stop`` as a plain predicate (an Event's ``is_set``)."""
    return stop.is_set if isinstance(stop, threading.Event) else stop


def run(
    step: Callable[[], Step],
    history: History,
    *,
    max_steps: int | None = None,
    max_seconds: float | None = None,
    total: int | None = None,
    callback: Callback | None = None,
    stop: StopWhen | None = None,
    evaluate: Callable[[], float] | None = None,
    eval_every: int = 0,
    label: str = "",
    clock: Callable[[], float] = time.perf_counter,
) -> Outcome:
    """Take steps until a limit or a stop; record each in ``history``.

    Args:
        step: takes one training step and reports it.
        history: where steps and evaluations are recorded (carried across runs).
        max_steps: at most this many steps in this call.
        max_seconds: at most this much training time in this call (step time only).
        total: the steps planned for the whole training, over every run; the run
            ends there, and evaluates there.
        callback: ``callback(progress)`` after every step; True stops the run.
        stop: checked before every step; true stops the run.
        evaluate: a held-out measurement of the model (e.g. perplexity).
        eval_every: call ``evaluate`` every this many steps (0: only at ``total``).
        label: names the run in :class:`Progress`.
        clock: seconds as a float (tests pass their own, stepped by hand).

    Returns:
        Why the run ended.
    """
    if max_steps is None and max_seconds is None and total is None:
        raise ValueError("give max_steps, max_seconds or total, so a run always ends")
    is_set = stop_predicate(stop)
    done, spent = 0, 0.0
    while True:
        if total is not None and history.step >= total:
            return "finished"
        if max_steps is not None and done >= max_steps:
            return "max_steps"
        if max_seconds is not None and spent >= max_seconds:
            return "max_seconds"
        if is_set is not None and is_set():
            return "stopped"
        t0 = clock()
        out = step()
        dt = clock() - t0
        done, spent = done + 1, spent + dt
        s = history.add_step(out.loss, out.tokens, dt)
        if evaluate is not None and ((eval_every and s % eval_every == 0) or s == total):
            history.add_eval(s, evaluate())
        if callback is not None:
            progress = Progress(
                label=label,
                step=s,
                total=total,
                epoch=out.epoch,
                loss=out.loss,
                lr=out.lr,
                tokens=history.tokens,
                seconds=history.seconds,
                heldout=history.last_heldout,
                fraction=s / total if total else math.nan,
            )
            if callback(progress):
                return "stopped"


class Trainer:
    """Gradient descent on any model, loss and stream of batches, run in pieces.

    Args:
        model: the module to train (its parameters are the optimiser's).
        loss_fn: ``loss_fn(model, batch)`` -> scalar tensor L.
        batches: an iterator of batches; ``next(batches)`` once per step.
        optimizer: a ``torch.optim`` optimiser over the model's parameters.
        clip: θ, the largest global gradient norm (None: no clipping).
        schedule: step s (1, 2, ...) -> learning rate of that step (None: the
            optimiser's own).
        evaluate: ``evaluate(model)`` -> a held-out value, run in eval mode
            without gradients.
        total: steps planned for the whole training (None: open-ended).
        tokens: ``tokens(batch)`` -> how many tokens a batch holds (None: 0).
        epoch: () -> epochs started so far, for :class:`Progress`.
        label: names the run in :class:`Progress`.
    """

    def __init__(
        self,
        model: nn.Module,
        loss_fn: Callable[[nn.Module, Any], Tensor],
        batches: Iterator,
        optimizer: torch.optim.Optimizer,
        *,
        clip: float | None = None,
        schedule: Callable[[int], float] | None = None,
        evaluate: Callable[[nn.Module], float] | None = None,
        total: int | None = None,
        tokens: Callable[[Any], int] | None = None,
        epoch: Callable[[], int] | None = None,
        label: str = "",
    ) -> None:
        self.model = model
        self.loss_fn = loss_fn
        self.batches = batches
        self.optimizer = optimizer
        self.clip = clip
        self.schedule = schedule
        self._evaluate = evaluate
        self.total = total
        self._tokens = tokens
        self._epoch = epoch
        self.label = label
        self.history = History()
        self.steps_taken = 0  # optimiser steps, including those taken outside run()

    @property
    def done(self) -> bool:
        """True once the planned ``total`` steps are recorded."""
        return self.total is not None and self.history.step >= self.total

    def step(self) -> Step:
        """One optimiser step on the next batch (recorded only when taken by :meth:`run`)."""
        self.steps_taken += 1
        if self.schedule is not None:
            lr = self.schedule(self.steps_taken)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
        else:
            lr = self.optimizer.param_groups[0]["lr"]
        batch = next(self.batches)
        loss = self.loss_fn(self.model, batch)
        self.optimizer.zero_grad()
        loss.backward()
        if self.clip is not None:
            # g <- min(1, θ / (||g|| + 1e-6)) g
            nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.optimizer.step()
        return Step(
            loss=loss.item(),
            tokens=self._tokens(batch) if self._tokens is not None else 0,
            lr=float(lr),
            epoch=self._epoch() if self._epoch is not None else 0,
        )

    def measure(self) -> float:
        """The held-out value now (not recorded), in eval mode without gradients."""
        if self._evaluate is None:
            raise ValueError("this trainer has no held-out evaluation")
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                return float(self._evaluate(self.model))
        finally:
            self.model.train(was_training)

    def evaluate(self) -> float:
        """The held-out value now, recorded in the history at the current step."""
        value = self.measure()
        self.history.add_eval(self.history.step, value)
        return value

    def run(
        self,
        max_steps: int | None = None,
        max_seconds: float | None = None,
        callback: Callback | None = None,
        stop: StopWhen | None = None,
        eval_every: int = 0,
        clock: Callable[[], float] = time.perf_counter,
    ) -> Outcome:
        """Train (see :func:`run`) in train mode; the model is left in eval mode."""
        self.model.train()
        try:
            return run(
                self.step,
                self.history,
                max_steps=max_steps,
                max_seconds=max_seconds,
                total=self.total,
                callback=callback,
                stop=stop,
                evaluate=self.measure if self._evaluate is not None else None,
                eval_every=eval_every,
                label=self.label,
                clock=clock,
            )
        finally:
            self.model.eval()


# --- training in slices, for a page that draws (and can be stopped) in between --------


def in_slices(
    run_for: Callable[[float], object],
    done: Callable[[], bool],
    max_seconds: float,
    slice_seconds: float = 0.25,
    clock: Callable[[], float] = time.perf_counter,
) -> Iterator[float]:
    """Train in short slices until ``done()`` or ``max_seconds`` have passed; yield between.

    ``run_for(seconds)`` trains for about that long (e.g. ``trainer.run(max_seconds=s)``);
    after each slice the generator yields the seconds passed since the first, so the
    caller can draw its progress. A caller that stops iterating (a page whose user
    pressed Stop) leaves a whole trainer behind: every slice ends between two steps.

    Args:
        run_for: trains for at most the given seconds.
        done: true once the planned training is complete.
        max_seconds: no slice starts after this much time (wall clock, drawing included).
        slice_seconds: the longest slice: how long the caller may wait to draw (or stop).
        clock: seconds as a float (tests pass their own, stepped by hand).
    """
    start = clock()
    while not done() and (elapsed := clock() - start) < max_seconds:
        run_for(min(slice_seconds, max_seconds - elapsed))
        yield clock() - start


# --- learning-rate schedules and counting -------------------------------------------


def cosine_schedule(lr: float, steps: int, warmup: int = 0) -> Callable[[int], float]:
    """Linear warm-up over ``warmup`` steps, then cosine decay from lr to lr / 10.

    For step s = 1, 2, ..., ``steps``:

        lr_s = lr s / warmup                                  (s <= warmup)
        lr_s = lr (0.1 + 0.9 (1 + cos(π p)) / 2),   p = (s - 1 - warmup) / (steps - warmup)
    """

    def lr_at(s: int) -> float:
        if s <= warmup:
            return lr * s / warmup
        p = (s - 1 - warmup) / max(1, steps - warmup)
        return lr * (0.1 + 0.45 * (1 + math.cos(math.pi * p)))

    return lr_at


def num_parameters(model: nn.Module) -> int:
    """How many numbers the model stores (every parameter tensor's size, summed)."""
    return sum(p.numel() for p in model.parameters())
