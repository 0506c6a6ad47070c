"""A character-level recurrent language model, small enough to watch.

The model is the d2l one: each character is a one-hot vector x_t in R^V, so
W_xh x_t is simply the column of W_xh that belongs to that character; a plain
``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` turns the sequence into hidden states h_t,
and a linear head turns each h_t into V logits for the next character:

    h_t = tanh(W_xh x_t + b_xh + W_hh h_{t-1} + b_hh)      (RNN; GRU/LSTM add gates)
    o_t = W_hq h_t + b_q,    P(x_{t+1} | x_1..x_t) = softmax(o_t)

The pretrained models were trained on d2l-normalised text (26 lower-case letters
and a space, see :func:`seqviz.text.normalize_d2l`); any other character is shown
as ``<unk>`` and fed as the ``<unk>`` one-hot, which the model never saw.

A bidirectional model cannot predict the *next* character (its backward half has
already read it), so it is trained on a fill-in-the-blank objective instead:
character t is predicted from the forward state at t-1 (everything left of the
blank) and the backward state at t+1 (everything right of it), "I am ___ very
hungry". See :meth:`CharModel.blank_logits`.

The model is trained by :func:`seqviz.lm_training.train` (the checkpoints) or
:class:`seqviz.lm_training.Trainer` (the lab's live training), scored by
:func:`seqviz.lm.perplexity` and sampled by :func:`seqviz.lm.generate`.

Dimension letters: ``T`` time, ``B`` batch, ``V`` vocabulary size, ``H`` hidden
size; ``dirs`` is 1 or 2 (bidirectional).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seqviz.text import UNK, Vocab, tokenize

KINDS = ("rnn", "gru", "lstm")
OBJECTIVES = ("next", "blank")

State = Tensor | tuple[Tensor, Tensor]
"""h_n of shape (num_layers * dirs, [B,] H), or (h_n, c_n) for an LSTM."""


@dataclass(frozen=True)
class CharConfig:
    """Architecture and training hyperparameters of a :class:`CharModel`."""

    kind: str = "rnn"  # "rnn" | "gru" | "lstm"
    hidden_size: int = 128  # H
    num_layers: int = 1  # stacked recurrent layers
    bidirectional: bool = False  # dirs = 2 if True
    nonlinearity: str = "tanh"  # "tanh" | "relu", plain RNN only
    objective: str = "next"  # "next" (language model) | "blank" (fill in the blank)
    num_steps: int = 64  # T, characters of one training window
    batch_size: int = 64  # B, windows per step
    lr: float = 5e-3  # Adam learning rate (cosine-decayed to lr / 10 if cosine)
    steps: int = 2000  # optimiser steps
    clip: float = 1.0  # θ, max global gradient norm
    seed: int = 0  # initialisation and window sampling
    cosine: bool = True  # cosine learning-rate decay over the run
    weight_decay: float = 0.0  # decoupled weight decay (AdamW); 0 is plain Adam

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, not {self.objective!r}")
        if self.objective == "blank" and not self.bidirectional:
            raise ValueError("the 'blank' objective needs a bidirectional model")
        if self.objective == "next" and self.bidirectional:
            raise ValueError("a bidirectional model cannot be a next-character model")
        if self.nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', not {self.nonlinearity!r}")


@dataclass(frozen=True)
class Encoded:
    """A text as the model reads it."""

    original: str  # the text as given
    tokens: list[str]  # T characters, lower-cased; "<unk>" where not in the vocabulary
    ids: Tensor  # (T,) long, vocabulary indices
    unknown: list[bool]  # T flags, True where the character is not in the vocabulary


def encode(text: str, vocab: Vocab) -> Encoded:
    """Lower-case ``text`` and map each character to its index in ``vocab`` (<unk> if absent)."""
    chars = tokenize(text.lower(), "char")
    unknown = [c not in vocab for c in chars]
    tokens = [UNK if u else c for c, u in zip(chars, unknown, strict=True)]
    ids = torch.tensor(vocab[tokens], dtype=torch.long)
    return Encoded(original=text, tokens=tokens, ids=ids, unknown=unknown)


def init_parameters(module: nn.Module, generator: torch.Generator) -> None:
    """PyTorch's default initialisation, drawn from ``generator`` (no global seed).

    Recurrent layers: every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H)).
    Linear layers: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (what
    ``kaiming_uniform_(a=sqrt(5))`` works out to).
    """
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.RNNBase):
                bound = 1.0 / math.sqrt(layer.hidden_size)
                params = layer.parameters()
            elif isinstance(layer, nn.Linear):
                bound = 1.0 / math.sqrt(layer.in_features)
                params = layer.parameters()
            else:
                continue
            for p in params:
                p.uniform_(-bound, bound, generator=generator)


class CharModel(nn.Module):
    """One-hot characters -> recurrent layers -> linear head -> logits.

    Attributes:
        vocab: the character vocabulary (V tokens, ``"<unk>"`` first).
        config: the :class:`CharConfig` it was built (and trained) with.
        rnn: a plain ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM``, time first
            (``batch_first=False``), ``input_size = V`` (one-hot input).
        head: ``nn.Linear(H * dirs, V)``, hidden state -> logits.
    """

    def __init__(self, config: CharConfig, vocab: Vocab, seed: int | None = None) -> None:
        super().__init__()
        self.config = config
        self.vocab = vocab
        V, H = len(vocab), config.hidden_size
        kwargs = dict(num_layers=config.num_layers, bidirectional=config.bidirectional)
        if config.kind == "rnn":
            self.rnn = nn.RNN(V, H, nonlinearity=config.nonlinearity, **kwargs)
        elif config.kind == "gru":
            self.rnn = nn.GRU(V, H, **kwargs)
        else:
            self.rnn = nn.LSTM(V, H, **kwargs)
        self.head = nn.Linear(H * self.num_directions, V)
        seed = config.seed if seed is None else seed
        init_parameters(self, torch.Generator().manual_seed(seed))

    @property
    def num_directions(self) -> int:
        return 2 if self.config.bidirectional else 1

    def encode(self, text: str) -> Encoded:
        """Lower-case ``text`` and map each character to its vocabulary index."""
        return encode(text, self.vocab)

    def one_hot(self, ids: Tensor) -> Tensor:
        """(T,) or (T, B) long -> (T, V) or (T, B, V) float one-hot vectors x_t."""
        return F.one_hot(ids, len(self.vocab)).float()

    def forward(self, x: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        """Run the model over one-hot input.

        Args:
            x: (T, V) or (T, B, V) one-hot characters.
            state: the state to start from (zeros if None), as ``rnn`` takes it.

        Returns:
            logits: (T, [B,] V). For a "next" model, row t scores character t+1;
                for a "blank" model, row t scores character t from its context
                (:meth:`blank_logits`).
            state: the final state, as ``rnn`` returns it.
        """
        output, state = self.rnn(x, state)  # output: (T, [B,] H * dirs)
        if self.config.objective == "blank":
            return self.blank_logits(output), state
        # o_t = W_hq h_t + b_q
        return self.head(output), state

    def probs(self, hidden: Tensor) -> Tensor:
        """softmax(W_hq h + b_q): (..., H * dirs) hidden states -> (..., V) probabilities."""
        return torch.softmax(self.head(hidden), dim=-1)

    def blank_hidden(self, output: Tensor) -> Tensor:
        """Context of each blank for a bidirectional model: [h_fwd_{t-1} ; h_bwd_{t+1}].

        The forward half of ``output`` at t-1 has read characters 0..t-1 and the
        backward half at t+1 has read T-1..t+1, so neither has seen character t.
        Beyond the ends the initial (zero) state is used.

        Args:
            output: (T, [B,] 2H) top-layer output of ``rnn`` (forward half first).

        Returns:
            (T, [B,] 2H) the shifted and concatenated states.
        """
        H = self.config.hidden_size
        h_fwd, h_bwd = output[..., :H], output[..., H:]
        zero = torch.zeros_like(h_fwd[:1])
        # left context of t = forward state after t-1; right context = backward state after t+1
        left = torch.cat([zero, h_fwd[:-1]], dim=0)
        right = torch.cat([h_bwd[1:], zero], dim=0)
        return torch.cat([left, right], dim=-1)

    def blank_logits(self, output: Tensor) -> Tensor:
        """(T, [B,] 2H) rnn output -> (T, [B,] V) logits for "which character is at t?"."""
        return self.head(self.blank_hidden(output))

    def targets(self, ids: Tensor) -> tuple[Tensor, Tensor]:
        """Inputs and targets for the model's objective, from (T, [B]) ids.

        "next": read x_1..x_{T-1}, predict x_2..x_T. "blank": read all T, predict each.
        """
        if self.config.objective == "next":
            return ids[:-1], ids[1:]
        return ids, ids

    def loss(self, ids: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        """Mean cross-entropy of the objective's targets on (T, [B]) ids, and the final state.

        L = -(1/N) Σ log softmax(o_t)[y_t]      over the N predicted characters
        """
        x, y = self.targets(ids)
        logits, state = self(self.one_hot(x), state)  # (T', [B,] V)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)), state

    @torch.no_grad()
    def cross_entropy(self, ids: Tensor, n_streams: int = 16) -> float:
        """Teacher-forced mean cross-entropy (nats) of a whole text of ids (N,).

        The text is cut into ``n_streams`` contiguous pieces read in parallel from a
        zero state, each carrying its state to its end, so almost every character
        is predicted with a long context (1 stream: every character has its full
        left context).
        """
        need = 2 if self.config.objective == "next" else 1
        n_streams = max(1, min(n_streams, len(ids) // max(need, 64)))
        T = len(ids) // n_streams
        if T < need:
            raise ValueError(f"text too short for a perplexity ({len(ids)} characters)")
        streams = ids[: T * n_streams].reshape(n_streams, T).T  # (T, B)
        loss, _ = self.loss(streams)
        return loss.item()
