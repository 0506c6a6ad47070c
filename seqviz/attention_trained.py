"""The trained Transformer's first layer as a source for the self-attention lab.

The self-attention lab's default weights are random (:mod:`seqviz.self_attention`): the
mechanics are exact but what attends to what is chance. This module reads the same
steps off a *trained* model instead — the first block of the tiny character-level
Transformer (:mod:`seqviz.transformer_lm`, the ``transformer`` checkpoint):

    x_t = LN_1(W_E[c_t] + P_t)                  (T, D)  what the first block's heads read (pre-LN)
    q_t = x_t W_q^h + b_q^h, k_t, v_t likewise   (T, d_h) for head h
    α = softmax(causal(Q K^T / sqrt(d_h)))       (T, T)  the model's own weights

Differences from the random source, all the model's: tokens are characters, not words;
each head has d_h = D / n_heads and biases; the mask is always causal (a language model
must not see the future); the input is layer-normalised (pre-LN). With post-LN models the
heads read W_E[c_t] + P_t itself.

Dimension letters: ``T`` characters, ``D`` model size (d_model), ``d_h`` head size.
"""

from __future__ import annotations

import torch

from seqviz import attention, attention_heads
from seqviz.self_attention import SelfAttention, Sentence
from seqviz.text import tokenize
from seqviz.transformer_lm import CharLM


def read_text(lm: CharLM, text: str) -> Sentence:
    """The text as the model reads it: lower-case characters, at most ``context`` of them."""
    C = lm.model.config.context
    enc = lm.encode(text)
    T = min(len(enc.tokens), C)
    chars = tokenize(text.lower(), "char")[:T]  # as typed, also where the model reads <unk>
    return Sentence(
        words=chars,
        tokens=enc.tokens[:T],
        ids=enc.ids[:T],
        unknown=enc.unknown[:T],
        cut=len(enc.tokens) - T,
    )


@torch.no_grad()
def first_layer_input(lm: CharLM, ids: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """(embeddings W_E[c_t], positions P_t, x_t = what the first block's attention reads)."""
    model = lm.model
    T = ids.shape[0]
    embeddings = model.tok_emb(ids)  # (T, D)
    positions = model.position_table(T).expand(T, -1)  # (T, D)
    block = model.blocks[0]
    # x = LN_1(W_E[c] + P) with pre-LN; the sum itself with post-LN
    h0 = embeddings + positions
    X = block.norm1(h0) if block.pre else h0
    return embeddings, positions, X


@torch.no_grad()
def first_layer_heads(lm: CharLM, ids: torch.Tensor) -> attention_heads.Heads:
    """Every head of the first block reading ``ids`` (T,), with the concatenation and W_o."""
    _, _, X = first_layer_input(lm, ids)
    return attention_heads.from_module(lm.model.blocks[0].attn, X, causal=lm.model.config.causal)


@torch.no_grad()
def first_layer_head(
    lm: CharLM, ids: torch.Tensor, head: int, *, scale: bool = True
) -> SelfAttention:
    """Head ``head`` (0-based) of the first block as one :class:`SelfAttention` pass (the
    single-head steps of the lab), ``source="trained"``. ``scale=False`` recomputes the
    weights without the 1/sqrt(d_h) the model uses (to compare; not the model's own)."""
    embeddings, positions, X = first_layer_input(lm, ids)
    heads = attention_heads.from_module(lm.model.blocks[0].attn, X, causal=lm.model.config.causal)
    Q, K, V = heads.Q[head], heads.K[head], heads.V[head]
    mask = heads.mask
    return SelfAttention(
        embeddings,
        positions,
        X,
        Q,
        K,
        V,
        mask,
        attention.steps(Q, K, V, mask, scale=scale),
        source="trained",
    )
