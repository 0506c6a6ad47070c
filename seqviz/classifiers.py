"""Sentence classifiers (many-to-one): word ids -> embeddings -> one sentence vector -> P(positive).

Every model embeds the words, e_t = E[x_t] (the ``<pad>`` row is 0 and stays 0),
turns the T vectors of a sentence into one sentence vector s, and reads it with one
linear unit:

    z = w^T s + b,        P(positive) = σ(z)

The models differ only in how they make s:

- ``bag``: the mean of the embeddings, s = (1/T) Σ_t e_t (word order is lost).
- ``rnn`` / ``gru`` / ``lstm``: the final hidden state, s = h_T (PyTorch's
  ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` equations, h_0 = 0).
- ``bilstm``: both directions' final states, s = [h→_T ; h←_1].
- ``bilstm-max``: max-pooling over time, s_j = max_t [h→_t ; h←_t]_j.
- ``textcnn`` (Kim 2014): filters of widths w = 3, 4, 5 slide over the words,
  c_{k,t} = ReLU(W_k · [e_t ; … ; e_{t+w-1}] + b_k), and s_k = max_t c_{k,t}.

A minibatch is padded on the right (``sentiment_data.pad_batch``) and every model
ignores the pads: the mean divides by the true length, the recurrent models read a
*packed* sequence (``pack_padded_sequence``: each sentence stops at its own last word,
and the backward LSTM starts there), max-pooling skips padded positions, and a
convolution window is only kept if it starts inside the sentence (a sentence shorter
than the widest filter is padded to that width, alone or in a batch). So a sentence
gets the same numbers alone as in any batch.

Dimension letters: ``B`` batch, ``T`` time (words), ``V`` vocabulary, ``E`` embedding,
``H`` hidden, ``F`` sentence-vector size, ``K`` filters per width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from seqviz.sentiment_data import mask, pad_batch

KINDS = {
    "bag": "Bag of embeddings (mean)",
    "rnn": "RNN, final state",
    "gru": "GRU, final state",
    "lstm": "LSTM, final state",
    "bilstm": "BiLSTM, final states",
    "bilstm-max": "BiLSTM, max-pool",
    "textcnn": "TextCNN",
}
RECURRENT = ("rnn", "gru", "lstm")  # read left to right: P(positive) after every word
_CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


@dataclass(frozen=True)
class ClassifierConfig:
    """The architecture of one classifier."""

    kind: str = "lstm"  # one of KINDS
    vocab_size: int = 1938  # V, <unk> and <pad> included
    embedding_size: int = 32  # E
    hidden_size: int = 32  # H (each direction)
    filters: int = 8  # K, TextCNN filters per width
    widths: tuple[int, ...] = (3, 4, 5)  # TextCNN filter widths
    pad: int = 1  # id of <pad>

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {list(KINDS)}, not {self.kind!r}")


class Classifier(nn.Module):
    """Embedding -> sentence vector s (see the module notes) -> z = w^T s + b.

    Attributes:
        embedding: ``nn.Embedding(V, E, padding_idx=pad)``.
        rnn: the ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` (batch first), recurrent kinds only.
        convs: one ``nn.Conv1d(E, K, w)`` per width, ``textcnn`` only.
        out: ``nn.Linear(F, 1)``: w and b.
    """

    def __init__(self, config: ClassifierConfig, seed: int = 0) -> None:
        super().__init__()
        self.config = config
        E, H = config.embedding_size, config.hidden_size
        self.embedding = nn.Embedding(config.vocab_size, E, padding_idx=config.pad)
        if config.kind in RECURRENT:
            self.rnn = _CELLS[config.kind](E, H, batch_first=True)
        elif config.kind.startswith("bilstm"):
            self.rnn = nn.LSTM(E, H, batch_first=True, bidirectional=True)
        elif config.kind == "textcnn":
            self.convs = nn.ModuleList(nn.Conv1d(E, config.filters, w) for w in config.widths)
        self.out = nn.Linear(self.feature_size, 1)
        initialise(self, torch.Generator().manual_seed(seed))

    @property
    def kind(self) -> str:
        return self.config.kind

    @property
    def feature_size(self) -> int:
        """F, the size of the sentence vector s."""
        c = self.config
        if c.kind == "bag":
            return c.embedding_size
        if c.kind in RECURRENT:
            return c.hidden_size
        if c.kind.startswith("bilstm"):
            return 2 * c.hidden_size
        return c.filters * len(c.widths)

    @property
    def min_len(self) -> int:
        """Sentences are padded to at least this many positions (the widest filter)."""
        return max(self.config.widths) if self.kind == "textcnn" else 1

    def sentence(self, e: Tensor, lengths: Tensor) -> Tensor:
        """The sentence vectors s (B, F) of embedded, right-padded sentences e (B, T, E)."""
        B, T, _ = e.shape
        m = mask(lengths, T)  # (B, T)
        if self.kind == "bag":
            # s = (1/T) Σ_t e_t over the real words only
            return (e * m[..., None]).sum(1) / lengths[:, None].to(e.dtype)
        if self.kind == "textcnn":
            return self.conv_pool(e, lengths)[0]
        packed = pack_padded_sequence(e, lengths.cpu(), batch_first=True, enforce_sorted=False)
        output, h_n = self.rnn(packed)
        if isinstance(h_n, tuple):  # the LSTM returns (h_n, c_n)
            h_n = h_n[0]
        if self.kind in RECURRENT:
            return h_n[-1]  # s = h_T, each sentence's own last word
        if self.kind == "bilstm":
            return torch.cat([h_n[0], h_n[1]], dim=-1)  # s = [h→_T ; h←_1]
        # bilstm-max: s_j = max_t [h→_t ; h←_t]_j over the real words (pads are -inf)
        out, _ = pad_packed_sequence(
            output, batch_first=True, padding_value=-math.inf, total_length=T
        )
        return out.max(dim=1).values

    def conv_pool(self, e: Tensor, lengths: Tensor) -> tuple[Tensor, list[Tensor], list[Tensor]]:
        """TextCNN: s, the activations c and the argmax positions, per width.

        Returns:
            s (B, K * widths); for each width w, c (B, K, T - w + 1) after ReLU with
            windows that start past the sentence set to -inf, and argmax (B, K).
        """
        x = e.transpose(1, 2)  # (B, E, T): channels are the embedding dimensions
        T = x.shape[-1]
        L = lengths.clamp(min=self.min_len)  # each sentence is at least min_len long
        pooled, acts, where = [], [], []
        for conv, w in zip(self.convs, self.config.widths, strict=True):
            # c_{k,t} = ReLU(W_k · [e_t ; … ; e_{t+w-1}] + b_k)
            c = torch.relu(conv(x))  # (B, K, T - w + 1)
            start_ok = torch.arange(T - w + 1)[None, :] <= (L - w)[:, None]  # (B, T - w + 1)
            c = c.masked_fill(~start_ok[:, None, :], -math.inf)
            # s_k = max_t c_{k,t}
            best, arg = c.max(dim=-1)
            pooled.append(best)
            acts.append(c)
            where.append(arg)
        return torch.cat(pooled, dim=-1), acts, where

    def logit_of(self, e: Tensor, lengths: Tensor) -> Tensor:
        """z = w^T s + b (B,) from embeddings (gradient × input differentiates this)."""
        return self.out(self.sentence(e, lengths)).squeeze(-1)

    def forward(self, X: Tensor, lengths: Tensor) -> Tensor:
        """Logits z (B,) of padded word ids X (B, T) with true lengths (B,)."""
        return self.logit_of(self.embedding(X), lengths)

    def prob(self, ids: list[int]) -> float:
        """P(positive) of one sentence of word ids."""
        X, lengths = self.batch([ids])
        with torch.no_grad():
            return float(torch.sigmoid(self(X, lengths))[0])

    def batch(self, ids: list[list[int]]) -> tuple[Tensor, Tensor]:
        """Pad sentences of ids for this model (at least ``min_len`` wide)."""
        return pad_batch(ids, self.config.pad, self.min_len)


def initialise(model: Classifier, generator: torch.Generator) -> None:
    """PyTorch's default initialisation, drawn from ``generator`` (no global seed).

    Embeddings ~ N(0, 1) (the ``<pad>`` row 0); recurrent weights and biases
    ~ U(-1/sqrt(H), 1/sqrt(H)); linear and convolution weights and biases
    ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    """
    with torch.no_grad():
        model.embedding.weight.normal_(0.0, 1.0, generator=generator)
        model.embedding.weight[model.config.pad].zero_()
        for layer in model.modules():
            if isinstance(layer, nn.RNNBase):
                bound = 1.0 / math.sqrt(layer.hidden_size)
            elif isinstance(layer, nn.Linear):
                bound = 1.0 / math.sqrt(layer.in_features)
            elif isinstance(layer, nn.Conv1d):
                bound = 1.0 / math.sqrt(layer.in_channels * layer.kernel_size[0])
            else:
                continue
            for p in layer.parameters():
                p.uniform_(-bound, bound, generator=generator)


def unmasked_final(model: Classifier, X: Tensor) -> Tensor:
    """What a recurrent model would read without the mask: h at the last *column* (B, H).

    The padded matrix is read as it is, pads included, so a short sentence's state
    keeps changing after its last word (the pad embedding is 0, but W_hh h and the
    biases still act).
    """
    output, _ = model.rnn(model.embedding(X))
    return output[:, -1, :]


def num_parameters(model: nn.Module) -> int:
    """How many numbers the model stores."""
    return sum(p.numel() for p in model.parameters())
