"""Beam search for the encoder–decoder, recording the whole tree.

Greedy decoding keeps one hypothesis and takes the most probable token each step.
Beam search keeps the k most probable partial outputs (the beam): every step it
extends each live hypothesis by its k most probable next tokens, scores each
candidate by its total log-probability

    log p(y_1 … y_t | x) = Σ_{t' ≤ t} log p(y_{t'} | y_<t', x),

and keeps the k best candidates. A candidate that ends in ``<eos>`` is finished and
leaves the beam. When nothing is live (or after ``max_len`` steps) the answer is the
hypothesis with the best length-normalised score (d2l's)

    score = log p(y_1 … y_L | x) / L^a,

a = 0 comparing plain log-probabilities. With k = 1 this is greedy decoding.

Dimension letters: ``K`` beam width, ``S`` source length, ``H`` hidden, ``V`` vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from seqviz.seq2seq import Seq2Seq


@dataclass(frozen=True)
class Candidate:
    """One extension considered at one step."""

    tokens: tuple[int, ...]  # y_1 … y_t (ids)
    logp: float  # log p(y_1 … y_t | x)
    parent: int  # index of the hypothesis it extends in the previous step's live beam (-1: <bos>)
    kept: bool  # among the k best of this step
    finished: bool  # ends in <eos>


@dataclass(frozen=True)
class Search:
    """A beam search: every candidate of every step, and the answer."""

    width: int  # k
    steps: tuple[tuple[Candidate, ...], ...]  # step t's candidates, best first
    best: Candidate  # the answer: best length-normalised score among finished (or live at the end)
    alpha: float  # a, the length-normalisation exponent

    def score(self, c: Candidate) -> float:
        """log p / L^a."""
        return c.logp / len(c.tokens) ** self.alpha

    def live(self, t: int) -> list[Candidate]:
        """The hypotheses still live after step t (0-based), in beam order."""
        return [c for c in self.steps[t] if c.kept and not c.finished]


@torch.no_grad()
def search(
    model: Seq2Seq,
    src_ids: list[int],
    bos: int,
    eos: int,
    width: int = 3,
    max_len: int = 20,
    alpha: float = 0.0,
) -> Search:
    """Beam search of width ``width`` for one source sentence (ids ending in <eos>)."""
    if width < 1:
        raise ValueError(f"the beam width must be at least 1, not {width}")
    h, h_S, mask = model.encode(torch.tensor([src_ids]), torch.tensor([len(src_ids)]))
    live = [Candidate((), 0.0, -1, True, False)]
    s = h_S  # (K, H) one decoder state per live hypothesis
    steps, finished = [], []
    for _ in range(max_len):
        K = len(live)
        y_prev = torch.tensor([c.tokens[-1] if c.tokens else bos for c in live])
        o_t, s_t, _ = model.step(
            y_prev, s, h.expand(K, -1, -1), h_S.expand(K, -1), mask.expand(K, -1)
        )
        logp = torch.log_softmax(o_t, dim=-1)  # (K, V)
        top = logp.topk(min(width, logp.shape[1]), dim=-1)
        pool = [
            (live[k].logp + float(top.values[k, j]), k, int(top.indices[k, j]))
            for k in range(K)
            for j in range(top.indices.shape[1])
        ]
        pool.sort(key=lambda item: -item[0])  # stable: ties keep beam then token order
        step = [
            Candidate(live[k].tokens + (tok,), lp, k, rank < width, tok == eos)
            for rank, (lp, k, tok) in enumerate(pool)
        ]
        steps.append(tuple(step))
        finished += [c for c in step if c.kept and c.finished]
        keep = [c for c in step if c.kept and not c.finished]
        if not keep:
            break
        s = s_t[torch.tensor([c.parent for c in keep])]
        live = keep
    else:
        finished += live  # cut at max_len: the live ones compete too
    result = Search(width, tuple(steps), finished[0], alpha)
    best = max(finished, key=result.score)  # max keeps the first of equal scores
    return Search(width, tuple(steps), best, alpha)
