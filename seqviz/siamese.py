"""A Siamese encoder: ONE LSTM reads both sentences, and the cosine of its two outputs says
how alike they are.

There are not two networks: the same weights θ (embedding, LSTM) encode sentence A and
sentence B, so the two encodings live in one space and can be compared::

    x_t = E[w_t]                                  word embedding of the t-th word
    h_t = LSTM_θ(x_t, h_{t-1}, c_{t-1}),  h_0 = c_0 = 0
    v   = h_T                                     the encoding: the last hidden state
    cos(v_A, v_B) = v_A · v_B / (‖v_A‖ ‖v_B‖)     in -1 .. 1
    duplicate  ⇔  cos(v_A, v_B) > τ               τ: the decision threshold

For a batch of pairs (A_i, B_i) the similarity matrix holds every A against every B:
``S_ij = cos(v_{A_i}, v_{B_j})``; its diagonal pairs each sentence with its duplicate.

Dimension letters: ``B`` batch (pairs), ``T`` words, ``V`` vocabulary, ``E`` embedding,
``H`` hidden units.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from seqviz import pairs_data, recurrent
from seqviz.text import Vocab


class Encoder(nn.Module):
    """Embedding -> one-layer LSTM -> the last hidden state h_T of each sentence.

    Args:
        vocab_size: V.
        embedding_size: E.
        hidden_size: H, the size of an encoding.
        seed: initialises every weight (PyTorch's own initialisers, drawn under this seed).
    """

    def __init__(self, vocab_size: int, embedding_size: int, hidden_size: int, seed: int = 0):
        super().__init__()
        with torch.random.fork_rng(devices=[]):  # the caller's global RNG is left untouched
            torch.manual_seed(seed)
            self.embedding = nn.Embedding(vocab_size, embedding_size)
            self.lstm = nn.LSTM(embedding_size, hidden_size, batch_first=True)

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        """Encodings h_T ``(B, H)`` of right-padded word ids ``(B, T_max)`` with ``lengths (B,)``.

        The LSTM reads left to right, so h_t at t <= T_i never sees the padding after it:
        each sentence's encoding is its output at its own last word.
        """
        x = self.embedding(ids)  # (B, T_max, E)
        out, _ = self.lstm(x)  # (B, T_max, H): h_t for every t
        last = (lengths - 1).clamp(min=0)  # (B,) index of each sentence's last word
        return out[torch.arange(len(ids)), last]  # (B, H)


def cosine(v_a: Tensor, v_b: Tensor) -> Tensor:
    """cos(v_A, v_B) = v_A · v_B / (‖v_A‖ ‖v_B‖), row by row: ``(..., H) -> (...)``."""
    return (v_a * v_b).sum(-1) / (v_a.norm(dim=-1) * v_b.norm(dim=-1)).clamp(min=1e-12)


def cosine_matrix(v_a: Tensor, v_b: Tensor) -> Tensor:
    """S_ij = cos(v_{A_i}, v_{B_j}) for ``v_a (B, H)`` and ``v_b (B', H)`` -> ``(B, B')``."""
    # û = v / ‖v‖ row by row; S = Û_A Û_Bᵀ
    u_a = v_a / v_a.norm(dim=-1, keepdim=True).clamp(min=1e-12)
    u_b = v_b / v_b.norm(dim=-1, keepdim=True).clamp(min=1e-12)
    return u_a @ u_b.T


@dataclass(frozen=True)
class Encoding:
    """One sentence read by the encoder."""

    sentence: str  # as typed
    tokens: list[str]  # the words read (lower-cased)
    unknown: list[bool]  # which words are not in the vocabulary (read as <unk>)
    v: Tensor  # (H,) the encoding h_T


def encode(encoder: Encoder, v: Vocab, sentences: list[str]) -> list[Encoding]:
    """Encode sentences (no gradients); an empty sentence reads as one ``<unk>``."""
    ids, lengths = pairs_data.batch_ids(sentences, v)
    with torch.no_grad():
        h = encoder(ids, lengths)  # (B, H)
    out = []
    for s, h_i in zip(sentences, h, strict=True):
        tokens = pairs_data.words(s) or ["<unk>"]
        out.append(Encoding(s, tokens, [t not in v.token_to_idx for t in tokens], h_i.clone()))
    return out


def encode_tensor(encoder: Encoder, v: Vocab, sentences: list[str]) -> Tensor:
    """The encodings of many sentences as one ``(B, H)`` tensor (no gradients)."""
    ids, lengths = pairs_data.batch_ids(sentences, v)
    with torch.no_grad():
        return encoder(ids, lengths)


@dataclass(frozen=True)
class Reading:
    """One sentence read word by word, and how close each state is to another encoding."""

    tokens: list[str]  # the words x_1 .. x_T (lower-cased)
    h: Tensor  # (T, H) h_t after each word; h[-1] is the encoding v = h_T
    c: Tensor  # (T, H) the LSTM's cell states c_t
    cos_to_other: Tensor  # (T,) cos(h_t, v_other): how close A is to B after t words


def read(encoder: Encoder, v: Vocab, sentence: str, other: Tensor) -> Reading:
    """Step the encoder's LSTM over ``sentence`` (seqviz.recurrent.trace, the module's own
    equations) and compare every h_t with the encoding ``other (H,)``."""
    ids, _ = pairs_data.batch_ids([sentence], v)
    with torch.no_grad():
        x = encoder.embedding(ids[0])  # (T, E)
    tr = recurrent.trace(encoder.lstm, x)  # unbatched: hidden (T, H)
    tokens = pairs_data.words(sentence) or ["<unk>"]
    return Reading(tokens, tr.hidden, tr.cell, cosine(tr.hidden, other.expand_as(tr.hidden)))


def word_effects(encoder: Encoder, v: Vocab, sentence: str, other: Tensor) -> Tensor:
    """What each word of ``sentence`` adds to its cosine with the encoding ``other (H,)``.

    Δ_t = cos(v, other) − cos(v_{−t}, other), where v_{−t} encodes the sentence with word t
    left out (a one-word sentence without its word reads as one ``<unk>``, as an empty
    sentence does). Δ_t > 0: without word t the two sentences would look less alike.
    Returns ``(T,)``, one number per word of ``pairs_data.words(sentence)``.
    """
    ids, _ = pairs_data.batch_ids([sentence], v)
    w = ids[0]  # (T,)
    T = len(w)
    unk = torch.tensor([v["<unk>"]])
    # row 0: the whole sentence; row t + 1: the sentence without word t
    rows = [w] + [torch.cat([w[:t], w[t + 1 :]]) if T > 1 else unk for t in range(T)]
    lengths = torch.tensor([len(r) for r in rows])
    batch = torch.full((T + 1, T), v[pairs_data.PAD], dtype=torch.long)
    for i, r in enumerate(rows):
        batch[i, : len(r)] = r
    with torch.no_grad():
        V = encoder(batch, lengths)  # (T + 1, H)
    c = cosine(V, other.expand_as(V))  # (T + 1,)
    # Δ_t = cos(v, other) − cos(v_{−t}, other)
    return c[0] - c[1:]
