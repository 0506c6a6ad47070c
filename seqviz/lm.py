"""A character-level RNN / GRU / LSTM language model: train it, score it, sample it.

The model is :class:`seqviz.charlm.CharModel` (one-hot x_t -> recurrent layer ->
linear head). Training is the d2l recipe:

- **teacher forcing**: at every step the model reads the *true* character x_t and
  is scored on the true next one, whatever it predicted before;
- the loss is the mean cross-entropy over every position of the minibatch,

      L = -(1/(B T)) Σ_{b,t} log softmax(o_{b,t})[y_{b,t}],    perplexity = exp(L);

- **truncated BPTT**: with sequential partitioning (:mod:`seqviz.batching`) row b
  of the next minibatch continues row b of this one, so the final state is carried
  over but *detached*: gradients flow back at most T = num_steps characters;
- **gradient clipping**: g <- min(1, θ / ||g||) g before every Adam step.

Afterwards the model can generate (greedy, with a temperature, top-k), show its
next-character distribution at every step, and run *free*: fed on its own output
instead of the true text, which is how it generates and why its errors compound.

Dimension letters: ``T`` time (num_steps), ``B`` batch, ``V`` vocabulary, ``H`` hidden.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seqviz.batching import MODES, batches, partition, sequential_batches
from seqviz.charlm import CharConfig, CharModel
from seqviz.text import Vocab, tokenize


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

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")

    def char_config(self) -> CharConfig:
        return CharConfig(
            kind=self.kind,
            hidden_size=self.hidden_size,
            seq_len=self.num_steps,
            batch_size=self.batch_size,
            lr=self.lr,
            clip=self.clip,
            seed=self.seed,
            cosine=False,
        )


def split(text: str, heldout: float = 0.1) -> tuple[str, str]:
    """The first (1 - heldout) of ``text`` for training, the rest held out."""
    cut = int(len(text) * (1 - heldout))
    return text[:cut], text[cut:]


def detach(state):
    """Cut the graph behind a carried state (truncated BPTT)."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


@torch.no_grad()
def mean_cross_entropy(model: CharModel, ids: Tensor, n_streams: int = 1) -> float:
    """Teacher-forced mean cross-entropy of ``ids[1:]`` given what precedes it (nats).

    The text is cut into ``n_streams`` equal contiguous pieces read in parallel,
    each from a zero state (1: one stream, every character has its full left context).
    """
    n_streams = max(1, min(n_streams, (len(ids) - 1) // 2))
    L = len(ids) // n_streams
    if L < 2:
        raise ValueError(f"need at least two characters, got {len(ids)}")
    streams = ids[: L * n_streams].reshape(n_streams, L).T  # (T, B)
    logits, _ = model(model.one_hot(streams[:-1]))  # (T-1, B, V)
    # L = -(1/N) Σ log softmax(o_t)[x_{t+1}]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), streams[1:].reshape(-1)).item()


def perplexity(model: CharModel, text: str, n_streams: int = 16) -> float:
    """exp(mean cross-entropy) of ``model`` on ``text``."""
    return math.exp(mean_cross_entropy(model, model.encode(text).ids, n_streams))


@dataclass(frozen=True)
class Progress:
    """What a training callback is told after every step."""

    step: int  # optimiser steps so far (this trainer, all runs)
    epoch: int  # epochs started so far
    loss: float  # this minibatch's mean cross-entropy
    tokens: int  # training tokens read so far
    seconds: float  # time spent in training steps so far


@dataclass
class History:
    """Everything a trainer has done (appended to as it trains)."""

    steps: list[int] = field(default_factory=list)  # step number of every loss
    losses: list[float] = field(default_factory=list)  # minibatch cross-entropy
    eval_steps: list[int] = field(default_factory=list)  # steps with a held-out perplexity
    heldout_ppl: list[float] = field(default_factory=list)
    tokens: int = 0  # training tokens read
    seconds: float = 0.0  # time inside training steps (evaluation excluded)

    def recent_perplexity(self, window: int = 50) -> float:
        """exp(mean loss of the last ``window`` minibatches): the training perplexity."""
        if not self.losses:
            return math.nan
        recent = self.losses[-window:]
        return math.exp(sum(recent) / len(recent))

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds else math.nan


class Trainer:
    """A live training run that can be continued, stopped and resumed.

    Holds the model, the Adam optimiser, the carried state and the position in the
    current epoch, so ``run`` can be called again and again (e.g. once per button
    press) and picks up where it stopped.

    Args:
        config: the :class:`LMConfig`.
        text: the corpus; the first 90% is trained on, the last 10% held out.
        start_from: a model to continue training (copied, never modified);
            None trains a fresh model initialised from ``config.seed``.
    """

    def __init__(self, config: LMConfig, text: str, start_from: CharModel | None = None) -> None:
        self.config = config
        self.train_text, self.heldout_text = split(text)
        if start_from is not None:
            self.model = copy.deepcopy(start_from).requires_grad_(True)
        else:
            vocab = Vocab(tokenize(text, "char"))
            self.model = CharModel(config.char_config(), vocab)
        self.model.train()
        self.corpus = self.model.encode(self.train_text).ids  # (N,)
        if (
            partition(
                len(self.corpus), config.batch_size, config.num_steps, config.mode
            ).num_batches
            == 0
        ):
            raise ValueError(
                f"the text is too short for one minibatch of {config.batch_size} x "
                f"{config.num_steps} characters"
            )
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self.history = History()
        self.epoch = 0
        self._batches: list[tuple[Tensor, Tensor]] = []
        self._next = 0
        self._state = None

    def _new_epoch(self) -> None:
        cfg = self.config
        seed = cfg.seed * 100_003 + self.epoch  # a new offset (and shuffle) every epoch
        if cfg.mode == "sequential":
            self._batches = sequential_batches(self.corpus, cfg.batch_size, cfg.num_steps, seed)
        else:
            part = partition(len(self.corpus), cfg.batch_size, cfg.num_steps, "random", seed)
            self._batches = list(batches(self.corpus, part))
        self._next = 0
        self._state = None  # every epoch starts from a zero state
        self.epoch += 1

    def step(self) -> float:
        """One optimiser step on the next minibatch; returns its loss."""
        if self._next >= len(self._batches):
            self._new_epoch()
        X, Y = self._batches[self._next]  # (B, T) each
        self._next += 1
        model, V = self.model, len(self.model.vocab)
        # sequential: carry the state over, detached (truncated BPTT); random: start from zero
        state = detach(self._state) if self.config.mode == "sequential" else None
        logits, state = model(model.one_hot(X.T), state)  # (T, B, V)
        self._state = state
        # L = -(1/(B T)) Σ log softmax(o)[y]
        loss = F.cross_entropy(logits.reshape(-1, V), Y.T.reshape(-1))
        self.optimizer.zero_grad()
        loss.backward()
        # g <- min(1, θ / ||g||) g
        nn.utils.clip_grad_norm_(model.parameters(), self.config.clip)
        self.optimizer.step()
        return loss.item()

    def run(
        self,
        max_steps: int | None = None,
        max_seconds: float | None = None,
        callback: Callable[[Progress], bool | None] | None = None,
        eval_every: int = 0,
    ) -> History:
        """Train until ``max_steps`` more steps, ``max_seconds`` of training, or a stop.

        Args:
            max_steps: stop after this many steps of this call (None: no limit).
            max_seconds: stop after this much training time in this call.
            callback: called with a :class:`Progress` after every step; returning
                True stops the run.
            eval_every: measure held-out perplexity every this many steps (0: never);
                its time is not counted as training time.

        Returns:
            The (cumulative) :class:`History`.
        """
        if max_steps is None and max_seconds is None:
            raise ValueError("give max_steps or max_seconds, so a run always ends")
        h = self.history
        spent = 0.0
        done = 0
        tokens_per_step = self.config.batch_size * self.config.num_steps
        self.model.train()
        while (max_steps is None or done < max_steps) and (
            max_seconds is None or spent < max_seconds
        ):
            t0 = time.perf_counter()
            loss = self.step()
            dt = time.perf_counter() - t0
            spent += dt
            done += 1
            h.seconds += dt
            h.tokens += tokens_per_step
            h.steps.append(len(h.steps) + 1)
            h.losses.append(loss)
            if eval_every and h.steps[-1] % eval_every == 0:
                self.evaluate()
            if callback is not None and callback(
                Progress(h.steps[-1], self.epoch, loss, h.tokens, h.seconds)
            ):
                break
        self.model.eval()
        return h

    def evaluate(self) -> float:
        """Held-out perplexity now (recorded in the history)."""
        self.model.eval()
        ppl = perplexity(self.model, self.heldout_text)
        self.model.train()
        self.history.eval_steps.append(len(self.history.steps))
        self.history.heldout_ppl.append(ppl)
        return ppl

    def snapshot(self) -> CharModel:
        """A frozen copy of the model as it is now (eval mode, no gradients)."""
        return copy.deepcopy(self.model).eval().requires_grad_(False)


# --- using a trained model ----------------------------------------------------------


def sampling_distribution(o_t: Tensor, temperature: float, top_k: int = 0) -> Tensor:
    """The distribution the next character is drawn from, given logits o_t (V,).

    softmax(o_t / τ) restricted to the ``top_k`` largest logits (0: all) and
    renormalised; τ = 0 puts all the mass on the argmax (greedy). Logits of -inf
    (e.g. a masked ``<unk>``) get probability 0.
    """
    if temperature <= 0:
        return F.one_hot(o_t.argmax(), o_t.numel()).to(o_t.dtype)
    if 0 < top_k < o_t.numel():
        # keep the k largest logits, drop the rest
        kth = torch.topk(o_t, top_k).values[-1]
        o_t = o_t.masked_fill(o_t < kth, -math.inf)
    # p = softmax(o_t / τ)
    return torch.softmax(o_t / temperature, dim=-1)


def _pick(o_t: Tensor, temperature: float, top_k: int, gen: torch.Generator) -> int:
    """One next-token index from logits o_t (V,): greedy, temperature and/or top-k."""
    if temperature <= 0:
        return int(o_t.argmax())
    p = sampling_distribution(o_t, temperature, top_k)
    return int(torch.multinomial(p, 1, generator=gen))


@torch.no_grad()
def next_logits(model: CharModel, prefix: str) -> Tensor:
    """o (V,): the logits for the character after ``prefix`` (a space if empty), <unk> masked."""
    logits, _ = model(model.one_hot(model.encode(prefix or " ").ids))
    o_t = logits[-1].clone()
    o_t[model.vocab.unk] = -math.inf
    return o_t


@torch.no_grad()
def generate(
    model: CharModel,
    prefix: str,
    n: int,
    temperature: float = 1.0,
    top_k: int = 0,
    seed: int = 0,
) -> str:
    """Continue ``prefix`` by ``n`` characters, feeding each one back in.

    Args:
        model: a next-character :class:`CharModel`.
        prefix: read first (teacher forcing); an empty prefix starts from a space.
        n: characters to generate.
        temperature: τ in softmax(o_t / τ); 0 is greedy (always the most likely).
        top_k: sample only among the k most likely characters (0: all).
        seed: seeds the sampling generator.

    Returns:
        The generated characters only. ``<unk>`` is never generated.
    """
    gen = torch.Generator().manual_seed(seed)
    logits, state = model(model.one_hot(model.encode(prefix or " ").ids))
    o_t = logits[-1].clone()  # (V,)
    out: list[int] = []
    for _ in range(n):
        o_t[model.vocab.unk] = -math.inf
        next_id = _pick(o_t, temperature, top_k, gen)
        out.append(next_id)
        logits, state = model(model.one_hot(torch.tensor([next_id])), state)
        o_t = logits[-1].clone()
    return "".join(model.vocab.to_tokens(out))


@dataclass(frozen=True)
class Rollout:
    """A model reading a text step by step: what it was fed, what it predicted."""

    inputs: tuple[str, ...]  # T characters fed in (true text, or the model's own output)
    targets: tuple[str, ...]  # T characters of the true text that should come next
    probs: Tensor  # (T, V) next-character distribution at every step
    losses: Tensor  # (T,) -log P(target_t) under probs[t]
    free_from: int  # steps >= this were fed the model's own output (T: teacher-forced)

    @property
    def mean_loss(self) -> float:
        """Mean cross-entropy over the T steps (nats)."""
        return float(self.losses.mean())


@torch.no_grad()
def rollout(
    model: CharModel,
    text: str,
    free_from: int | None = None,
    seed: int = 0,
    temperature: float = 0.0,
) -> Rollout:
    """Read ``text`` teacher-forced, or free-running after ``free_from`` characters.

    Teacher forced (``free_from=None``): input t is the true character text[t]. Free
    running: the first ``free_from`` inputs are the true text (a prompt); after that
    input t is the character the model itself chose at t-1 (greedy for
    ``temperature=0``, otherwise sampled), while the targets stay the true text. The
    loss is always that of the true next character, so both numbers score the model
    on the same text.

    Args:
        model: a next-character :class:`CharModel`.
        text: at least two characters.
        free_from: number of true characters fed before the model feeds itself.

    Returns:
        A :class:`Rollout` over T = len(text) - 1 steps.
    """
    enc = model.encode(text)
    ids = enc.ids
    T = len(ids) - 1
    if T < 1:
        raise ValueError("need at least two characters")
    k = T if free_from is None else max(1, min(free_from, T))
    gen = torch.Generator().manual_seed(seed)
    targets = ids[1:]
    # the prompt, teacher-forced: o_t = W_hq h_t + b_q for t < k
    logits, state = model(model.one_hot(ids[:k]))  # (k, V)
    rows = [logits]
    fed = ids[:k].tolist()
    for _ in range(k, T):
        o_prev = logits[-1].clone()
        o_prev[model.vocab.unk] = -math.inf
        x_t = _pick(o_prev, temperature, 0, gen)  # the model's own previous output
        fed.append(x_t)
        logits, state = model(model.one_hot(torch.tensor([x_t])), state)
        rows.append(logits)
    all_logits = torch.cat(rows)  # (T, V)
    # loss_t = -log softmax(o_t)[true x_{t+1}]
    losses = F.cross_entropy(all_logits, targets, reduction="none")
    return Rollout(
        inputs=tuple(model.vocab.to_tokens(fed)),
        targets=tuple(model.vocab.to_tokens(targets)),
        probs=torch.softmax(all_logits, dim=-1),
        losses=losses,
        free_from=k,
    )


def num_parameters(model: nn.Module) -> int:
    """How many numbers the model stores."""
    return sum(p.numel() for p in model.parameters())
