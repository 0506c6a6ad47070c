"""Using a trained character language model: perplexity, the next-character
distribution, generation, and teacher forcing vs free running.

Works for every character LM in seqviz — the recurrent :class:`seqviz.charlm.CharModel`
and the Transformer's :class:`seqviz.transformer_lm.CharLM` — through what both
provide: ``encode(text)`` and ``cross_entropy(ids)``.

- **perplexity** = exp(L), L the mean cross-entropy of every character of a text
  given the ones before it (teacher forcing: the model reads the *true* text);
- **generation** feeds each chosen character back in (temperature, top-k and greedy
  choice from :mod:`seqviz.sampling`);
- **free running** (:func:`rollout`): fed on its own output instead of the true text,
  which is how a model generates, and why its errors compound.

Training is in :mod:`seqviz.lm_training`.

Dimension letters: ``T`` time, ``V`` vocabulary, ``H`` hidden.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from seqviz import sampling
from seqviz.charlm import CharModel


def perplexity(model, text: str, **kwargs) -> float:
    """exp(mean cross-entropy) of next-character prediction on ``text``.

    ``model`` is a :class:`~seqviz.charlm.CharModel` (the text is read as parallel
    streams, see :meth:`~seqviz.charlm.CharModel.cross_entropy`; ``n_streams`` may be
    given) or a Transformer :class:`~seqviz.transformer_lm.CharLM` (read in windows
    of its context).
    """
    # perplexity = exp(L),  L = -(1/N) Σ_t log P(x_{t+1} | x_1..x_t)
    return math.exp(model.cross_entropy(model.encode(text).ids, **kwargs))


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
    if model.config.objective != "next":
        raise ValueError("generating needs a next-character model, not a 'blank' one")
    gen = torch.Generator().manual_seed(seed)
    logits, state = model(model.one_hot(model.encode(prefix or " ").ids))
    o_t = logits[-1].clone()  # (V,)
    out: list[int] = []
    for _ in range(n):
        o_t[model.vocab.unk] = -math.inf
        next_id = sampling.pick(o_t, temperature, top_k, gen)
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
        x_t = sampling.pick(o_prev, temperature, 0, gen)  # the model's own previous output
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
