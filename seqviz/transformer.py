"""A tiny decoder-only Transformer language model whose forward can show its work.

Built from ``torch.nn`` parts (``nn.Embedding``, ``nn.MultiheadAttention``,
``nn.LayerNorm``, ``nn.Linear``). For token ids x_1..x_T:

    h^0_t = W_E[x_t] + P_t                                token embedding + position
    pre-LN block:   a = h + MHA(LN_1(h)),   h' = a + FFN(LN_2(a))
    post-LN block:  a = LN_1(h + MHA(h)),   h' = LN_2(a + FFN(a))
    FFN(u) = W_2 GELU(W_1 u + b_1) + b_2
    P(x_{t+1} | x_1..x_t) = softmax(W_out LN_f(h_t) + b_out)     (h_t: the last block's output;
                                                               LN_f only with pre-LN)

The attention is causal: position t sees positions 1..t only, so one forward over
a text gives every next-token distribution at once, and the row for position t
is exactly what the model computed when it generated token t+1.

``model(ids)`` is the plain (fast) forward. ``model(ids, return_trace=True)``
recomputes every block with :func:`seqviz.attention.multi_head_trace` and returns
a :class:`TransformerTrace` with every intermediate value; the tests check that
both give the same logits.

Dimension letters: ``T`` time, ``B`` batch, ``V`` vocabulary, ``E`` model size,
``nh`` heads, ``dh`` head size (E / nh), ``F`` feed-forward size; ``num_layers`` blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seqviz import attention

POSITIONS = ("sinusoidal", "learned", "none")
NORMS = ("pre", "post")


@dataclass(frozen=True)
class TransformerConfig:
    """Architecture of a :class:`TinyTransformer`."""

    vocab_size: int  # V
    d_model: int = 64  # E
    n_heads: int = 4  # nh (E must be a multiple)
    num_layers: int = 2  # blocks
    d_ff: int = 256  # F, feed-forward hidden size
    context: int = 128  # longest input (learned positions need a fixed table)
    positions: str = "sinusoidal"  # "sinusoidal" | "learned" | "none"
    norm: str = "pre"  # "pre" | "post" layer norm
    causal: bool = True  # mask the future (a language model must)
    seed: int = 0  # initialisation

    def __post_init__(self) -> None:
        if self.positions not in POSITIONS:
            raise ValueError(f"positions must be one of {POSITIONS}, not {self.positions!r}")
        if self.norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, not {self.norm!r}")
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model {self.d_model} is not a multiple of n_heads {self.n_heads}")


@dataclass(frozen=True)
class BlockTrace:
    """One block's intermediate values for one sequence (unbatched)."""

    input: Tensor  # (T, E) residual stream entering the block
    attn_in: Tensor  # (T, E) what attention reads: LN_1(h) (pre-LN) or h (post-LN)
    q: Tensor  # (nh, T, dh) queries per head
    k: Tensor  # (nh, T, dh) keys per head
    v: Tensor  # (nh, T, dh) values per head
    scores: Tensor  # (nh, T, T) q k^T
    scaled: Tensor  # (nh, T, T) q k^T / sqrt(dh)
    masked: Tensor  # (nh, T, T) scaled, -inf above the diagonal (causal)
    weights: Tensor  # (nh, T, T) softmax over keys; rows sum to 1
    heads: Tensor  # (nh, T, dh) weights v, each head's output
    attn_out: Tensor  # (T, E) W_o [head_1; ...; head_nh] + b_o
    after_attn: Tensor  # (T, E) residual stream after the attention sub-layer
    ff_hidden: Tensor  # (T, F) GELU(W_1 u + b_1)
    ff_out: Tensor  # (T, E) W_2 GELU(...) + b_2
    after_ff: Tensor  # (T, E) residual stream after the feed-forward sub-layer (block output)


@dataclass(frozen=True)
class TransformerTrace:
    """Everything one forward pass computed for one sequence (unbatched)."""

    ids: Tensor  # (T,) token ids
    embeddings: Tensor  # (T, E) W_E[x_t]
    positions: Tensor  # (T, E) P_t (zeros with positions="none")
    x0: Tensor  # (T, E) embeddings + positions, the stream entering block 1
    blocks: tuple[BlockTrace, ...]  # num_layers blocks
    final: Tensor  # (T, E) what the output layer reads (LN_f(last block's output) with pre-LN)
    logits: Tensor  # (T, V)
    probs: Tensor  # (T, V) next-token distribution after each position

    @property
    def weights(self) -> Tensor:
        """(num_layers, nh, T, T) every head's attention weights."""
        return torch.stack([b.weights for b in self.blocks])


def init_parameters(module: nn.Module, generator: torch.Generator) -> None:
    """GPT-2's initialisation, drawn from ``generator`` (no global seed).

    Linear, embedding and attention projection weights ~ N(0, 0.02^2); biases 0;
    layer norms weight 1, bias 0.
    """
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.dim() >= 2:
                p.normal_(0.0, 0.02, generator=generator)
            elif name.endswith("weight") and "norm" in name:
                p.fill_(1.0)
            else:
                p.zero_()


class Block(nn.Module):
    """One Transformer block: self-attention and a feed-forward layer, each with a residual."""

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__()
        E = config.d_model
        self.pre = config.norm == "pre"
        self.norm1 = nn.LayerNorm(E)
        self.attn = nn.MultiheadAttention(E, config.n_heads, batch_first=True)
        self.norm2 = nn.LayerNorm(E)
        self.ff1 = nn.Linear(E, config.d_ff)
        self.ff2 = nn.Linear(config.d_ff, E)

    def _ff(self, u: Tensor) -> tuple[Tensor, Tensor]:
        # FFN(u) = W_2 GELU(W_1 u + b_1) + b_2
        hidden = F.gelu(self.ff1(u))
        return hidden, self.ff2(hidden)

    def forward(self, h: Tensor, block_mask: Tensor | None) -> Tensor:
        """(B, T, E) -> (B, T, E); ``block_mask`` is nn.MultiheadAttention's (True = blocked)."""
        if self.pre:
            u = self.norm1(h)
            # a = h + MHA(LN_1(h))
            a = h + self.attn(u, u, u, attn_mask=block_mask, need_weights=False)[0]
            # h' = a + FFN(LN_2(a))
            return a + self._ff(self.norm2(a))[1]
        # a = LN_1(h + MHA(h))
        a = self.norm1(h + self.attn(h, h, h, attn_mask=block_mask, need_weights=False)[0])
        # h' = LN_2(a + FFN(a))
        return self.norm2(a + self._ff(a)[1])

    def trace(self, h: Tensor, block_mask: Tensor | None) -> BlockTrace:
        """The same computation for one (T, E) sequence, every value kept."""
        u = self.norm1(h) if self.pre else h
        heads = attention.multi_head_trace(self.attn, u[None], u[None], u[None], block_mask)
        attn_out = heads.out[0]
        if self.pre:
            a = h + attn_out
            ff_hidden, ff_out = self._ff(self.norm2(a))
            out = a + ff_out
        else:
            a = self.norm1(h + attn_out)
            ff_hidden, ff_out = self._ff(a)
            out = self.norm2(a + ff_out)
        return BlockTrace(
            input=h,
            attn_in=u,
            q=heads.q[0],
            k=heads.k[0],
            v=heads.v[0],
            scores=heads.scores[0],
            scaled=heads.scaled[0],
            masked=heads.masked[0],
            weights=heads.weights[0],
            heads=heads.heads[0],
            attn_out=attn_out,
            after_attn=a,
            ff_hidden=ff_hidden,
            ff_out=ff_out,
            after_ff=out,
        )


class TinyTransformer(nn.Module):
    """Token ids -> embeddings + positions -> num_layers blocks -> next-token logits.

    Attributes:
        config: the :class:`TransformerConfig`.
        tok_emb: ``nn.Embedding(V, E)``.
        pos_emb: ``nn.Embedding(context, E)`` with learned positions, else None
            (sinusoidal positions are a fixed, unsaved buffer ``pe``).
        blocks: ``nn.ModuleList`` of num_layers :class:`Block`.
        norm_f: final ``nn.LayerNorm`` (pre-LN only, else ``nn.Identity``).
        head: ``nn.Linear(E, V)``.
    """

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__()
        self.config = config
        E = config.d_model
        self.tok_emb = nn.Embedding(config.vocab_size, E)
        self.pos_emb = nn.Embedding(config.context, E) if config.positions == "learned" else None
        pe = attention.sinusoidal_positions(config.context, E)
        if config.positions != "sinusoidal":
            pe = torch.zeros_like(pe)
        self.register_buffer("pe", pe, persistent=False)  # (context, E)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.num_layers))
        self.norm_f = nn.LayerNorm(E) if config.norm == "pre" else nn.Identity()
        self.head = nn.Linear(E, config.vocab_size)
        init_parameters(self, torch.Generator().manual_seed(config.seed))

    def position_table(self, T: int) -> Tensor:
        """(T, E) P_t for t = 0..T-1."""
        if T > self.config.context:
            raise ValueError(
                f"input of {T} tokens is longer than the context {self.config.context}"
            )
        if self.pos_emb is not None:
            return self.pos_emb.weight[:T]
        return self.pe[:T]

    def _mask(self, T: int, device) -> Tensor | None:
        # nn.MultiheadAttention's convention: True = may NOT attend (the future)
        return ~attention.causal_mask(T, device) if self.config.causal else None

    def forward(self, ids: Tensor, return_trace: bool = False):
        """Next-token logits, and optionally the trace.

        Args:
            ids: (B, T) or (T,) token ids, T <= context.
            return_trace: also return a :class:`TransformerTrace` (unbatched ``ids`` only).

        Returns:
            logits (B, T, V) / (T, V), or ``(logits, trace)``.
        """
        if return_trace:
            if ids.dim() != 1:
                raise ValueError("return_trace needs one unbatched sequence of ids (T,)")
            tr = self.trace(ids)
            return tr.logits, tr
        unbatched = ids.dim() == 1
        x = ids[None] if unbatched else ids  # (B, T)
        T = x.shape[1]
        # h^0 = W_E[x_t] + P_t
        h = self.tok_emb(x) + self.position_table(T)  # (B, T, E)
        mask = self._mask(T, x.device)
        for block in self.blocks:
            h = block(h, mask)
        logits = self.head(self.norm_f(h))  # (B, T, V)
        return logits[0] if unbatched else logits

    def trace(self, ids: Tensor) -> TransformerTrace:
        """Every intermediate value for one (T,) sequence (recomputed head by head)."""
        T = ids.shape[0]
        embeddings = self.tok_emb(ids)  # (T, E)
        positions = self.position_table(T)  # (T, E)
        # h^0 = W_E[x_t] + P_t
        h = embeddings + positions
        mask = self._mask(T, ids.device)
        blocks = []
        for block in self.blocks:
            bt = block.trace(h, mask)
            blocks.append(bt)
            h = bt.after_ff
        final = self.norm_f(h)
        logits = self.head(final)  # (T, V)
        return TransformerTrace(
            ids=ids,
            embeddings=embeddings,
            positions=positions.expand(T, -1),
            x0=embeddings + positions,
            blocks=tuple(blocks),
            final=final,
            logits=logits,
            probs=torch.softmax(logits, dim=-1),
        )
