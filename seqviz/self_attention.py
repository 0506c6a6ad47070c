"""Self-attention on a sentence of words, every step kept, with *random* weights.

The sentence is split into words; each word id indexes a word embedding, a
position encoding may be added, and three projection matrices turn the result
into queries, keys and values:

    X = E[w] + P                  (T, D)   word embeddings + sinusoidal positions
    Q = X W_q,  K = X W_k,  V = X W_v      (T, d_k) each
    A = softmax(mask(Q K^T / sqrt(d_k)))   (T, T)
    out = A V                              (T, d_k)

The embeddings and the projections are **random** (drawn from a generator
seeded with ``seed``), not learned: the page shows the *mechanics* of attention,
whose every number is real, not what a trained model has learned to look at.
The vocabulary is the words of *The Time Machine*; every other word is
``<unk>`` and shares one embedding, so two different unknown words look
identical to the model.

Dimension letters: ``T`` words, ``D`` embedding size, ``d_k`` query/key/value size.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
from torch import Tensor

from seqviz import attention
from seqviz.text import UNK, Vocab, load_time_machine, tokenize

MAX_WORDS = 64  # longer sentences are cut here (one heatmap row per word)


@functools.lru_cache(maxsize=1)
def word_vocab() -> Vocab:
    """Words of The Time Machine (d2l-normalised), ``<unk>`` first."""
    return Vocab(tokenize(load_time_machine(), "word"))


@dataclass(frozen=True)
class Sentence:
    """A sentence as the model reads it."""

    words: list[str]  # T words as typed (lower-cased), after the cap
    tokens: list[str]  # T tokens: the word, or "<unk>" if not in the vocabulary
    ids: Tensor  # (T,) vocabulary ids
    unknown: list[bool]  # T flags
    cut: int  # words dropped by the MAX_WORDS cap (0 if none)


def read_sentence(text: str, vocab: Vocab | None = None, max_words: int = MAX_WORDS) -> Sentence:
    """Lower-case, split into words and punctuation, map to ids; cap at ``max_words``."""
    vocab = vocab or word_vocab()
    all_words = tokenize(text.lower(), "word")
    words = all_words[:max_words]
    unknown = [w not in vocab for w in words]
    tokens = [UNK if u else w for w, u in zip(words, unknown, strict=True)]
    ids = torch.tensor(vocab[tokens] if tokens else [], dtype=torch.long)
    return Sentence(words, tokens, ids, unknown, len(all_words) - len(words))


@dataclass(frozen=True)
class Weights:
    """Random embeddings and projections (not learned)."""

    E: Tensor  # (V, D) word embeddings ~ N(0, 1)
    W_q: Tensor  # (D, d_k) ~ N(0, 1/D)
    W_k: Tensor  # (D, d_k)
    W_v: Tensor  # (D, d_k)


def random_weights(vocab_size: int, D: int, d_k: int, seed: int) -> Weights:
    """Draw every weight from one generator seeded with ``seed``."""
    gen = torch.Generator().manual_seed(seed)
    E = torch.randn(vocab_size, D, generator=gen)
    # W ~ N(0, 1/D): each entry of x W has variance about 1 when x has unit entries
    W_q, W_k, W_v = (torch.randn(D, d_k, generator=gen) / D**0.5 for _ in range(3))
    return Weights(E, W_q, W_k, W_v)


@dataclass(frozen=True)
class SelfAttention:
    """Every value of one self-attention pass over a sentence."""

    embeddings: Tensor  # (T, D) E[w_t]
    positions: Tensor  # (T, D) P_t (zeros when positions are off)
    X: Tensor  # (T, D) embeddings + positions
    Q: Tensor  # (T, d_k) X W_q
    K: Tensor  # (T, d_k) X W_k
    V: Tensor  # (T, d_k) X W_v
    mask: Tensor | None  # (T, T) True where allowed (causal), or None
    steps: attention.Steps  # scores, scaled, masked, weights, out
    source: str = "random"  # "random" (this module) | "trained" (seqviz.attention_trained:
    # X = LN_1(E[c] + P), Q = X W_q + b_q, ...)


def self_attention(
    ids: Tensor,
    weights: Weights,
    *,
    positions: bool = True,
    scale: bool = True,
    causal: bool = False,
) -> SelfAttention:
    """One head of self-attention over ``ids`` (T,), everything kept."""
    T, D = ids.shape[0], weights.E.shape[1]
    embeddings = weights.E[ids]  # (T, D)
    P = attention.sinusoidal_positions(T, D) if positions else torch.zeros(T, D)
    # X = E[w] + P
    X = embeddings + P
    # Q = X W_q, K = X W_k, V = X W_v
    Q, K, V = X @ weights.W_q, X @ weights.W_k, X @ weights.W_v  # (T, d_k) each
    mask = attention.causal_mask(T) if causal else None
    return SelfAttention(
        embeddings, P, X, Q, K, V, mask, attention.steps(Q, K, V, mask, scale=scale)
    )


def permutation(T: int, seed: int) -> Tensor:
    """A random reordering of T positions (the identity is avoided when T > 1)."""
    gen = torch.Generator().manual_seed(seed)
    perm = torch.randperm(T, generator=gen)
    if T > 1 and torch.equal(perm, torch.arange(T)):
        perm = perm.roll(1)
    return perm


@dataclass(frozen=True)
class OrderTest:
    """Self-attention on a sentence and on a shuffled copy, compared word by word."""

    perm: Tensor  # (T,) shuffled position k holds original word perm[k]
    original: Tensor  # (T, T) weights on the original sentence
    shuffled: Tensor  # (T, T) weights on the shuffled sentence
    unshuffled: Tensor  # (T, T) shuffled weights put back in the original word order
    max_difference: float  # max |original - unshuffled|: 0 means order did not matter


def order_test(ids: Tensor, weights: Weights, positions: bool, seed: int = 0) -> OrderTest:
    """Does word order change who attends to whom?

    Without positions attention is permutation-equivariant: shuffling the words
    shuffles the rows and columns of the weights and nothing else, so after
    putting them back the two matrices are equal. With positions they differ.
    """
    perm = permutation(ids.shape[0], seed)
    a = self_attention(ids, weights, positions=positions).steps.weights
    b = self_attention(ids[perm], weights, positions=positions).steps.weights
    inverse = torch.argsort(perm)
    # b[k, l] is word perm[k] attending to word perm[l]: index back by the inverse permutation
    back = b[inverse][:, inverse]
    diff = float((a - back).abs().max()) if a.numel() else 0.0
    return OrderTest(perm, a, b, back, diff)
