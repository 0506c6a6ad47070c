"""A GRU encoder–decoder, with no attention, additive (Bahdanau) or dot-product (Luong) attention.

The encoder reads the source x_1 … x_S (ending in ``<eos>``) with a GRU, h_0 = 0:

    h_i = GRU(emb(x_i), h_{i-1})                      i = 1 … S

The decoder starts from the encoder's last state, s_0 = h_S, and at every output
step t = 1, 2, … reads the previous output token y_{t-1} (``<bos>`` first) and a
context vector c_t:

    no attention:   c_t = h_S                                   (the same vector every step)
    additive:       e_{t,i} = v^T tanh(W_q s_{t-1} + W_k h_i)
    dot product:    e_{t,i} = s_{t-1} · h_i
                    α_{t,i} = softmax_i(e_{t,i})                (over the source positions)
                    c_t = Σ_i α_{t,i} h_i
    s_t = GRUCell([emb(y_{t-1}); c_t], s_{t-1})
    p(y_t | y_<t, x) = softmax(W_o s_t + b_o)

Without attention everything the decoder learns about the source passes through
the H numbers of h_S: the bottleneck. With attention the decoder looks back at
every h_i, weighted by α_t. (Luong's original dot-product model scores with s_t,
after the step; here both attention models score with s_{t-1}, so the three models
differ only in c_t.)

Dimension letters: ``B`` batch, ``S`` source length, ``T`` target length, ``E``
embedding, ``H`` hidden (also the additive attention's width), ``V`` vocabulary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

ATTENTIONS = ("none", "additive", "dot")
NAMES = {"none": "no attention", "additive": "additive (Bahdanau)", "dot": "dot product (Luong)"}


@dataclass(frozen=True)
class ModelConfig:
    """The architecture."""

    attention: str = "additive"  # "none" | "additive" | "dot"
    embedding_size: int = 32  # E
    hidden_size: int = 64  # H

    def __post_init__(self) -> None:
        if self.attention not in ATTENTIONS:
            raise ValueError(f"attention must be one of {ATTENTIONS}, not {self.attention!r}")


def init_parameters(module: nn.Module, generator: torch.Generator) -> None:
    """PyTorch's default initialisation, drawn from ``generator`` (no global seed).

    Embeddings ~ N(0, 1); recurrent weights and biases ~ U(-1/sqrt(H), 1/sqrt(H));
    linear layers ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    """
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.Embedding):
                layer.weight.normal_(generator=generator)
                continue
            if isinstance(layer, nn.RNNBase | nn.RNNCellBase):
                bound = 1.0 / math.sqrt(layer.hidden_size)
            elif isinstance(layer, nn.Linear):
                bound = 1.0 / math.sqrt(layer.in_features)
            else:
                continue
            for p in layer.parameters(recurse=False):
                p.uniform_(-bound, bound, generator=generator)


@dataclass(frozen=True)
class Attended:
    """One attention read for a batch: scores, weights and the context."""

    e: Tensor  # (B, S) scores e_{t,i} (-inf at padding; zeros for no attention)
    alpha: Tensor  # (B, S) weights α_{t,i}, sum to 1 over i (one-hot at S without attention)
    c: Tensor  # (B, H) context c_t


class Seq2Seq(nn.Module):
    """Encoder GRU, attention, decoder GRU cell and output layer.

    Args:
        config: the architecture.
        src_size: V of the source vocabulary.
        tgt_size: V of the target vocabulary.
        seed: initialisation.
    """

    def __init__(self, config: ModelConfig, src_size: int, tgt_size: int, seed: int = 0) -> None:
        super().__init__()
        E, H = config.embedding_size, config.hidden_size
        self.config = config
        self.embed_src = nn.Embedding(src_size, E)
        self.encoder = nn.GRU(E, H, batch_first=True)
        self.embed_tgt = nn.Embedding(tgt_size, E)
        if config.attention == "additive":
            self.W_q = nn.Linear(H, H, bias=False)
            self.W_k = nn.Linear(H, H, bias=False)
            self.v = nn.Linear(H, 1, bias=False)
        self.decoder = nn.GRUCell(E + H, H)
        self.out = nn.Linear(H, tgt_size)
        init_parameters(self, torch.Generator().manual_seed(seed))

    def encode(self, X: Tensor, X_len: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Source ids (B, S) and lengths (B,) -> h_1 … h_S (B, S, H), h_S (B, H), mask (B, S).

        ``mask`` is True at real source positions (False at padding).
        """
        emb = self.embed_src(X)  # (B, S, E)
        packed = nn.utils.rnn.pack_padded_sequence(
            emb, X_len.cpu(), batch_first=True, enforce_sorted=False
        )
        out, h_last = self.encoder(packed)
        # h_i = GRU(emb(x_i), h_{i-1}), padding rows left at zero
        h, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=X.shape[1])
        mask = torch.arange(X.shape[1])[None, :] < X_len[:, None]  # (B, S)
        return h, h_last[0], mask

    def attend(self, s_prev: Tensor, h: Tensor, h_S: Tensor, mask: Tensor) -> Attended:
        """The context c_t for decoder state s_{t-1} (B, H) over h (B, S, H)."""
        if self.config.attention == "none":
            # c_t = h_S: all the decoder gets
            last = mask.sum(1) - 1  # (B,)
            alpha = F.one_hot(last, h.shape[1]).to(h.dtype)  # (B, S)
            return Attended(torch.zeros_like(alpha), alpha, h_S)
        if self.config.attention == "additive":
            # e_{t,i} = v^T tanh(W_q s_{t-1} + W_k h_i)
            e = self.v(torch.tanh(self.W_q(s_prev)[:, None, :] + self.W_k(h))).squeeze(-1)
        else:
            # e_{t,i} = s_{t-1} · h_i
            e = (h @ s_prev[:, :, None]).squeeze(-1)  # (B, S)
        e = e.masked_fill(~mask, -math.inf)
        # α_{t,i} = softmax_i(e_{t,i})
        alpha = torch.softmax(e, dim=-1)
        # c_t = Σ_i α_{t,i} h_i
        c = (alpha[:, None, :] @ h).squeeze(1)  # (B, H)
        return Attended(e, alpha, c)

    def step(
        self, y_prev: Tensor, s_prev: Tensor, h: Tensor, h_S: Tensor, mask: Tensor
    ) -> tuple[Tensor, Tensor, Attended]:
        """One decoder step: previous tokens (B,), s_{t-1} (B, H) -> logits (B, V), s_t, attention."""
        read = self.attend(s_prev, h, h_S, mask)
        # s_t = GRUCell([emb(y_{t-1}); c_t], s_{t-1})
        s_t = self.decoder(torch.cat([self.embed_tgt(y_prev), read.c], dim=-1), s_prev)
        # o_t = W_o s_t + b_o
        return self.out(s_t), s_t, read

    def forward(
        self,
        X: Tensor,
        X_len: Tensor,
        Y: Tensor,
        bos: int,
        forcing: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> Tensor:
        """Logits (B, T, V) for targets Y (B, T).

        With ``forcing`` = 1 (teacher forcing) step t reads the true y_{t-1}; with
        probability 1 - ``forcing`` per step it reads the model's own greedy guess instead
        (free running at 0).
        """
        h, h_S, mask = self.encode(X, X_len)
        s, y_prev = h_S, torch.full((X.shape[0],), bos, dtype=torch.long)
        logits = []
        for t in range(Y.shape[1]):
            o_t, s, _ = self.step(y_prev, s, h, h_S, mask)
            logits.append(o_t)
            y_prev = Y[:, t]
            if forcing < 1.0:
                own = torch.rand((), generator=generator).item() >= forcing
                y_prev = o_t.argmax(-1).detach() if own else y_prev
        return torch.stack(logits, dim=1)


def loss(logits: Tensor, Y: Tensor, pad: int) -> Tensor:
    """L = mean over the real (non-padding) target tokens of -log p(y_t | y_<t, x)."""
    return F.cross_entropy(logits.flatten(0, 1), Y.flatten(), ignore_index=pad)


@dataclass(frozen=True)
class DecodeStep:
    """What the decoder did at one output step t (one sentence)."""

    s_prev: Tensor  # (H,) s_{t-1}, the query
    e: Tensor  # (S,) scores e_{t,i}
    alpha: Tensor  # (S,) attention weights α_{t,i}
    c: Tensor  # (H,) context c_t
    s: Tensor  # (H,) s_t
    probs: Tensor  # (V,) p(y_t | y_<t, x)
    token: int  # y_t, the chosen (greedy) or given (forced) token
    Wq_s: Tensor | None  # (H,) W_q s_{t-1} (additive only)


@dataclass(frozen=True)
class Decoding:
    """A whole greedy decoding of one source sentence, every step recorded."""

    source: tuple[str, ...]  # x_1 … x_S as tokens (ending in <eos>)
    output: tuple[str, ...]  # y_1 … y_T as tokens (ending in <eos> unless cut at max_len)
    h: Tensor  # (S, H) encoder states h_1 … h_S
    Wk_h: Tensor | None  # (S, H) W_k h_i (additive only)
    steps: tuple[DecodeStep, ...]  # one per output token

    @property
    def alignment(self) -> Tensor:
        """(T, S) α_{t,i}: the alignment heatmap."""
        return torch.stack([s.alpha for s in self.steps])


@torch.no_grad()
def greedy(model: Seq2Seq, src_ids: list[int], src_vocab, tgt_vocab, max_len: int = 20) -> Decoding:
    """Greedy decoding of one source sentence (ids ending in <eos>), every step recorded.

    y_t = argmax p(y_t | y_<t, x); stops after <eos> or ``max_len`` tokens.
    """
    X = torch.tensor([src_ids])
    h, h_S, mask = model.encode(X, torch.tensor([len(src_ids)]))
    additive = model.config.attention == "additive"
    s, y_prev = h_S, torch.tensor([tgt_vocab["<bos>"]])
    eos = tgt_vocab["<eos>"]
    steps = []
    for _ in range(max_len):
        s_prev = s
        o_t, s, read = model.step(y_prev, s_prev, h, h_S, mask)
        probs = torch.softmax(o_t[0], dim=-1)
        token = int(probs.argmax())
        steps.append(
            DecodeStep(
                s_prev[0],
                read.e[0],
                read.alpha[0],
                read.c[0],
                s[0],
                probs,
                token,
                model.W_q(s_prev)[0] if additive else None,
            )
        )
        if token == eos:
            break
        y_prev = torch.tensor([token])
    return Decoding(
        tuple(src_vocab.to_tokens(src_ids)),
        tuple(tgt_vocab.to_tokens([st.token for st in steps])),
        h[0],
        model.W_k(h)[0] if additive else None,
        tuple(steps),
    )


@torch.no_grad()
def greedy_batch(
    model: Seq2Seq, X: Tensor, X_len: Tensor, bos: int, eos: int, max_len: int = 20
) -> list[list[int]]:
    """Greedy outputs for a batch of sources (B, S): each a list of ids, without <eos>."""
    h, h_S, mask = model.encode(X, X_len)
    s, y_prev = h_S, torch.full((X.shape[0],), bos, dtype=torch.long)
    outputs = []
    for _ in range(max_len):
        o_t, s, _ = model.step(y_prev, s, h, h_S, mask)
        y_prev = o_t.argmax(-1)
        outputs.append(y_prev)
        if bool((torch.stack(outputs, 1) == eos).any(1).all()):
            break
    rows = torch.stack(outputs, 1).tolist()  # (B, T)
    return [row[: row.index(eos)] if eos in row else row for row in rows]
