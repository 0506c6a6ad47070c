"""Training the character-level RNN / GRU / LSTM language model.

Both recipes run on :class:`seqviz.training.Trainer` and train a
:class:`seqviz.charlm.CharModel` on the first 90% of a text (the last 10% is held
out). The loss is the mean cross-entropy over every position of the minibatch,

    L = -(1/(B T)) Σ_{b,t} log softmax(o_{b,t})[y_{b,t}],    perplexity = exp(L),

with **teacher forcing** (the model reads the true character x_t whatever it
predicted before) and **gradient clipping** (g <- min(1, θ / ||g||) g) before
every step.

- :class:`Trainer` — the Language-model lab's live training, the d2l recipe: Adam,
  minibatches from :mod:`seqviz.batching`; with sequential partitioning row b of the
  next minibatch continues row b of this one, so the final state is carried over
  but *detached* (**truncated BPTT**: gradients flow back at most T = num_steps
  characters). It runs in pieces (one per button press) and picks up where it stopped.
- :func:`train` — the recipe of the shipped checkpoints: AdamW with a cosine
  learning-rate decay on random windows, each read from a zero state.

Dimension letters: ``T`` time (num_steps), ``B`` batch, ``V`` vocabulary, ``H`` hidden.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from seqviz import lm, resume, training
from seqviz.batching import MODES, batches, partition, random_windows, sequential_batches
from seqviz.charlm import CharConfig, CharModel, State
from seqviz.lm import perplexity
from seqviz.text import Vocab, heldout_split, load_time_machine, tokenize

STARTS = ("scratch", "pretrained")


@dataclass(frozen=True)
class LMConfig:
    """Architecture and training hyperparameters of a live training run."""

    kind: str = "lstm"  # "rnn" | "gru" | "lstm"
    hidden_size: int = 256  # H
    batch_size: int = 32  # B
    num_steps: int = 35  # T, truncation length of BPTT
    lr: float = 0.01  # Adam learning rate
    clip: float = 1.0  # θ, max global gradient norm
    mode: str = "sequential"  # "sequential" (state carried) | "random" (state reset)
    seed: int = 0  # initialisation, offsets and shuffles
    start: str = "scratch"  # "scratch" | "pretrained" (the checkpoint of this kind, H = 128)
    eval_every: int = 250  # steps between held-out perplexities and samples (:func:`fit`)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")
        if self.start not in STARTS:
            raise ValueError(f"start must be one of {STARTS}, not {self.start!r}")

    def char_config(self) -> CharConfig:
        return CharConfig(
            kind=self.kind,
            hidden_size=self.hidden_size,
            num_steps=self.num_steps,
            batch_size=self.batch_size,
            lr=self.lr,
            clip=self.clip,
            seed=self.seed,
            cosine=False,
        )


def detach(state: State | None) -> State | None:
    """Cut the graph behind a carried state (truncated BPTT)."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


class Trainer:
    """A live training run that can be continued, stopped and resumed.

    Holds the model, the Adam optimiser, the carried state and the position in the
    current epoch, so :meth:`run` can be called again and again (e.g. once per
    button press) and picks up where it stopped.

    Args:
        config: the :class:`LMConfig`.
        text: the corpus; the first 90% is trained on, the last 10% held out.
        start_from: a model to continue training (copied, never modified);
            None trains a fresh model initialised from ``config.seed``.
    """

    def __init__(self, config: LMConfig, text: str, start_from: CharModel | None = None) -> None:
        self.config = config
        self.train_text, self.heldout_text = heldout_split(text)
        if start_from is not None:
            self.model = copy.deepcopy(start_from).requires_grad_(True)
        else:
            vocab = Vocab(tokenize(text, "char"))
            self.model = CharModel(config.char_config(), vocab)
        self.model.train()
        self.corpus = self.model.encode(self.train_text).ids  # (N,)
        B, T = config.batch_size, config.num_steps
        if partition(len(self.corpus), B, T, config.mode).num_batches == 0:
            raise ValueError(f"the text is too short for one minibatch of {B} x {T} characters")
        self.epoch = 0  # epochs started
        self.index = 0  # minibatches read in the current epoch
        self.batch: tuple[Tensor, Tensor] | None = None  # the last minibatch read, X and Y (B, T)
        self.state: State | None = None  # the state carried to the next minibatch
        self.loop = training.Trainer(
            self.model,
            self.loss,
            self._minibatches(),
            torch.optim.Adam(self.model.parameters(), lr=config.lr),
            clip=config.clip,
            evaluate=lambda model: perplexity(model, self.heldout_text),
            tokens=lambda _batch: B * T,
            epoch=lambda: self.epoch,
        )

    @property
    def history(self) -> training.History:
        return self.loop.history

    def _epoch_batches(self) -> list[tuple[Tensor, Tensor]]:
        cfg = self.config
        seed = cfg.seed * 100_003 + self.epoch  # a new offset (and shuffle) every epoch
        if cfg.mode == "sequential":
            return sequential_batches(self.corpus, cfg.batch_size, cfg.num_steps, seed)
        part = partition(len(self.corpus), cfg.batch_size, cfg.num_steps, "random", seed)
        return list(batches(self.corpus, part))

    def _minibatches(self) -> Iterator[tuple[Tensor, Tensor]]:
        """Epoch after epoch of minibatches; every epoch starts from a zero state.

        Reads on from ``(self.epoch, self.index)``, so a trainer whose position was
        restored (:meth:`load_state_dict`) continues inside the same epoch."""
        epoch = None
        while True:
            if epoch is None and self.epoch > 0:  # restored mid-epoch: rebuild that epoch
                self.epoch -= 1
                epoch = self._epoch_batches()
                self.epoch += 1
            if epoch is None or self.index >= len(epoch):
                epoch = self._epoch_batches()
                if not epoch:
                    raise ValueError(
                        "the text is too short for one minibatch at this epoch's offset"
                    )
                self.epoch, self.index, self.state = self.epoch + 1, 0, None
            self.index += 1
            yield epoch[self.index - 1]

    def loss(self, model: CharModel, batch: tuple[Tensor, Tensor]) -> Tensor:
        """The mean cross-entropy of one minibatch, reading on from the carried state."""
        X, Y = batch  # (B, T) each
        self.batch = batch
        # sequential: carry the state over, detached (truncated BPTT); random: start from zero
        state = detach(self.state) if self.config.mode == "sequential" else None
        logits, self.state = model(model.one_hot(X.T), state)  # (T, B, V)
        # L = -(1/(B T)) Σ log softmax(o)[y]
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y.T.reshape(-1))

    def step(self) -> float:
        """One optimiser step on the next minibatch (not recorded); returns its loss."""
        return self.loop.step().loss

    def run(
        self,
        max_steps: int | None = None,
        max_seconds: float | None = None,
        callback: training.Callback | None = None,
        eval_every: int = 0,
        stop: training.StopWhen | None = None,
    ) -> training.History:
        """Train until ``max_steps`` more steps, ``max_seconds`` of training, or a stop.

        See :func:`seqviz.training.run`; held-out perplexity every ``eval_every`` steps
        (0: never), its time not counted as training time.

        Returns:
            The (cumulative) :class:`~seqviz.training.History`.
        """
        self.loop.run(max_steps, max_seconds, callback, stop, eval_every)
        return self.history

    def evaluate(self) -> float:
        """Held-out perplexity now (recorded in the history)."""
        return self.loop.evaluate()

    def state_dict(self) -> dict:
        """Everything the next step depends on, as picklable data (see :mod:`seqviz.resume`)."""
        state = resume.trainer_state(self.loop)
        state.update(epoch=self.epoch, index=self.index, carried=detach(self.state))
        return state

    def load_state_dict(self, state: dict) -> None:
        """Continue from a :meth:`state_dict` (of a trainer built with the same config)."""
        resume.load_trainer_state(self.loop, state)
        self.epoch, self.index, self.state = state["epoch"], state["index"], state["carried"]

    def snapshot(self) -> CharModel:
        """A frozen copy of the model as it is now (eval mode, no gradients)."""
        return copy.deepcopy(self.model).eval().requires_grad_(False)


def train(
    config: CharConfig,
    text: str,
    callback: training.Callback | None = None,
    eval_every: int = 0,
) -> tuple[CharModel, training.History]:
    """Train a :class:`CharModel` with AdamW on random windows of ``text`` (the checkpoints).

    Each step draws ``batch_size`` random windows of ``num_steps`` characters (+ 1
    for the next-character target) from the first 90% of ``text`` and reads every
    window from a zero state. The learning rate decays along a cosine to lr / 10
    if ``config.cosine``. Held-out perplexity is measured on the last 10% every
    ``eval_every`` steps and at the end. Everything random comes from generators
    seeded with ``config.seed``, so a run is reproducible.

    Args:
        config: architecture and hyperparameters.
        text: the corpus, d2l-normalised (e.g. ``load_time_machine()``); the
            vocabulary is built from its characters.
        callback: ``callback(progress)`` after every step (True stops).
        eval_every: held-out perplexity every this many steps (0: at the end only).

    Returns:
        The trained model (eval mode) and its :class:`~seqviz.training.History`.
    """
    vocab = Vocab(tokenize(text, "char"))
    model = CharModel(config, vocab)
    train_text, heldout_text = heldout_split(text)
    train_ids = model.encode(train_text).ids
    window = config.num_steps + (1 if config.objective == "next" else 0)
    if len(train_ids) <= window:
        raise ValueError(f"text too short for windows of {config.num_steps} characters")
    generator = torch.Generator().manual_seed(config.seed + 1)
    trainer = training.Trainer(
        model,
        lambda m, windows: m.loss(windows.T)[0],  # windows (B, T [+ 1]), read time first
        random_windows(train_ids, window, config.batch_size, generator),
        torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay),
        clip=config.clip,
        schedule=training.cosine_schedule(config.lr, config.steps) if config.cosine else None,
        evaluate=lambda m: perplexity(m, heldout_text),
        total=config.steps,
        tokens=lambda _windows: config.batch_size * config.num_steps,
        label=config.kind,
    )
    trainer.run(callback=callback, eval_every=eval_every)
    return model, trainer.history


# --- the lab's live training, as a job: fit(config, state) -> state ---------------------

SAMPLE_PROMPT = "the "  # every sample of :func:`fit` continues this prompt


def fit(
    config: LMConfig,
    state: dict | None,
    *,
    max_seconds: float,
    stop: training.StopWhen | None = None,
    callback: training.Callback | None = None,
) -> dict:
    """Train the Language-model lab's model on The Time Machine for ``max_seconds``.

    Continues ``state`` (what the last call returned; None starts from scratch or from
    the pretrained checkpoint of ``config.kind``, as ``config.start`` says). Held-out
    perplexity and a sample (100 characters after "the ", τ = 0.8, seed = the step)
    every ``config.eval_every`` steps and where the call ends. Open-ended: never "done".

    Returns:
        The run as data: the :meth:`Trainer.state_dict` plus ``"samples"`` [(step,
        text)], ``"step"`` and ``"done"`` (False).
    """
    from seqviz import checkpoints  # it imports this module

    text = load_time_machine()
    start = checkpoints.load(config.kind) if config.start == "pretrained" else None
    trainer = Trainer(config, text, start_from=start)
    samples = []
    if state is not None:
        trainer.load_state_dict(state)
        samples = list(state["samples"])
    h = trainer.history
    at_start = h.seconds

    def measure() -> None:
        trainer.evaluate()
        sample = lm.generate(trainer.model, SAMPLE_PROMPT, 100, temperature=0.8, seed=h.step)
        samples.append((h.step, sample))

    while (left := resume.seconds_left(at_start, h, max_seconds)) > 0:
        to_eval = config.eval_every - h.step % config.eval_every
        outcome = trainer.loop.run(to_eval, left, callback, stop)
        if outcome == "max_steps":
            measure()
        else:
            break
    if h.step and (not h.eval_steps or h.eval_steps[-1] != h.step):
        measure()
    trainer.model.eval()
    return trainer.state_dict() | {"samples": samples, "step": h.step, "done": False}


def model_of(config: LMConfig, state: dict) -> CharModel:
    """The model a :func:`fit` state holds (eval mode, gradients off)."""
    from seqviz import checkpoints  # it imports this module

    vocab = Vocab(tokenize(load_time_machine(), "char"))
    if config.start == "pretrained":
        model = copy.deepcopy(checkpoints.load(config.kind))
    else:
        model = CharModel(config.char_config(), vocab)
    model.load_state_dict(state["model"])
    return model.eval().requires_grad_(False)
