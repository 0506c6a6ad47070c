"""The glossary: one name for every symbol and hyperparameter, in the maths and in the code.

Every module of seqviz writes a concept the same way: the symbol in equations and
docstrings, the code name in configs, arguments and variables. Steps are counted as
the lecture counts them wherever a student reads them: inputs x_1 … x_T, initial
state h_0 = 0, h_t the state after x_t; tensors index from 0 (row t - 1 is step t). The README's
notation table is the start of :data:`SYMBOLS`; :data:`HYPERPARAMETERS` lists every
configuration field (a test checks that every ``*Config`` dataclass in seqviz
uses only these names); :data:`DIMENSIONS` the letters that shapes are written in.

Where seqviz quotes PyTorch's own formulas (the gates of ``nn.LSTM`` / ``nn.GRU``
in :mod:`seqviz.recurrent`) it keeps PyTorch's names, W_ih / W_hh, W_ii, W_hf, ...,
and says so; everywhere else the names below hold.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One entry of the glossary."""

    symbol: str  # as the maths writes it ("" if the concept has no symbol)
    name: str  # as the code writes it (config field, argument, attribute or variable)
    meaning: str
    shape: str = ""  # in dimension letters, for tensors


DIMENSIONS: dict[str, str] = {
    "T": "time steps (num_steps while training)",
    "B": "batch: sequences (or pairs) in a minibatch",
    "D": "input size of a recurrent layer",
    "H": "hidden size: units of a recurrent layer",
    "V": "vocabulary size",
    "E": "embedding size; the Transformer's width d_model",
    "nh": "attention heads",
    "dh": "size of one head, E / nh",
    "F": "hidden size of the Transformer's feed-forward layer",
    "K": "negatives per (centre, context) pair (Word2Vec)",
    "G": "gates of a recurrent cell (1 RNN, 3 GRU, 4 LSTM)",
    "N": "tokens in a corpus",
}
"""Dimension letters. A layer count is written ``num_layers`` in shapes: L is the loss."""


SYMBOLS: tuple[Term, ...] = (
    Term("T, t", "T, t", "number of time steps, one time step"),
    Term("V", "vocab_size", "vocabulary size (28 characters: a-z, space, <unk>)"),
    Term("H", "hidden_size", "hidden size (number of units)"),
    Term("x_t", "x_t", "the input at step t = 1 … T: a one-hot vector of the t-th character", "V"),
    Term("h_0", "h0", "the initial state, zeros (and c_0 = 0 for the LSTM)", "H"),
    Term(
        "h_t",
        "h_t",
        "the state after reading x_t, t = 1 … T (the last is h_T); row t - 1 of a trace",
        "H",
    ),
    Term(
        "W_xh, W_hh, b_h",
        "W_xh, W_hh, b_h",
        "input weights, recurrent weights, bias; the "
        "same at every step (PyTorch keeps two biases, b_h = b_ih + b_hh)",
        "(H, V), (H, H), H",
    ),
    Term("W_hq, b_q", "W_hq, b_q", "output layer", "(V, H), V"),
    Term("o_t", "o_t", "the logits at step t, W_hq h_t + b_q (language-model code)", "V"),
    Term(
        "y_t",
        "y_t",
        "ŷ_t = softmax(W_hq h_t + b_q): the model's distribution over the next character x_{t+1}",
        "V",
    ),
    Term("i_t, f_t, o_t", "i_t, f_t, o_t", "LSTM input, forget and output gates, in (0, 1)", "H"),
    Term("g_t", "g_t", "LSTM candidate cell C̃_t, in (-1, 1)", "H"),
    Term("c_t", "c_t", "LSTM cell state", "H"),
    Term("r_t, z_t", "r_t, z_t", "GRU reset and update gates, in (0, 1)", "H"),
    Term("n_t", "n_t", "GRU candidate state h̃_t", "H"),
    Term(
        "W_x∗, W_h∗", "W_x, W_h", "input and recurrent weights of gate ∗ (W_xh, W_hh for the RNN)"
    ),
    Term("b_x∗, b_h∗", "b_x, b_h", "input and recurrent biases of gate ∗ (PyTorch's b_i∗, b_h∗)"),
    Term(
        "W_i∗, W_h∗, b_i∗, b_h∗",
        "weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0",
        "PyTorch's names of W_x∗, W_h∗, b_x∗, b_h∗ (kept where PyTorch's formulas are quoted)",
    ),
    Term("σ", "sigmoid", "logistic sigmoid 1 / (1 + e^-a)"),
    Term("⊙", "*", "element-wise product"),
    Term("L", "loss", "the loss; a mean cross-entropy in nats unless said otherwise"),
    Term("exp(L)", "perplexity", "perplexity of a language model"),
    Term("θ", "clip", "largest global gradient norm (clipping)"),
    Term("τ", "temperature", "sampling temperature: softmax(o / τ); 0 is greedy"),
    Term("k", "top_k", "sample among the k most likely tokens only (0: all)"),
    Term("E", "d_model / embedding_size", "embedding size"),
    Term("W_E", "embedding", "the Transformer's token embedding table", "(V, E)"),
    Term("P_t", "positions", "position encoding added at position t", "E"),
    Term("q, k, v", "q, k, v", "queries, keys and values of attention", "(nh, T, dh)"),
    Term("W, W'", "W, W_out", "Word2Vec's embedding and context matrices", "(V, E)"),
    Term("K", "num_negatives", "negatives per (centre, context) pair"),
)
"""The notation of the lectures (the README's table) and the code's name for each."""


HYPERPARAMETERS: tuple[Term, ...] = (
    # architecture
    Term("", "kind", 'recurrent cell: "rnn" | "gru" | "lstm"'),
    Term("H", "hidden_size", "hidden size of a recurrent layer"),
    Term("", "num_layers", "stacked layers (recurrent) or blocks (Transformer)"),
    Term("", "bidirectional", "a second recurrent direction reading right to left"),
    Term("", "nonlinearity", 'activation of a plain RNN: "tanh" | "relu"'),
    Term(
        "",
        "objective",
        'what is learned: "next" / "blank" (characters), "negative" / "softmax" (Word2Vec)',
    ),
    Term("V", "vocab_size", "vocabulary size"),
    Term("E", "d_model", "width of the Transformer: embedding size and residual stream"),
    Term("E", "embedding_size", "size of a word embedding (Word2Vec and the word-level labs)"),
    Term("", "architecture", 'Word2Vec\'s model: "skipgram" | "cbow"'),
    Term("", "attention", 'encoder–decoder attention: "none" | "additive" | "dot"'),
    Term("", "filters", "TextCNN filters per width"),
    Term("", "widths", "TextCNN filter widths (words per window)"),
    Term("", "pad", "id of the <pad> token"),
    Term("", "shape_size", "size of the word-shape feature (tagger)"),
    Term("", "dropout", "dropout probability"),
    Term("", "word_dropout", "chance a training word is replaced by <unk>"),
    Term("α", "margin", "triplet-loss margin"),
    Term("", "variant", 'triplet negatives: "mean" | "closest" | "both"'),
    Term("nh", "n_heads", "attention heads"),
    Term("F", "d_ff", "hidden size of the feed-forward layer"),
    Term("", "context", "longest input a Transformer reads"),
    Term("", "positions", 'position encoding: "sinusoidal" | "learned" | "none"'),
    Term("", "norm", 'layer norm placement: "pre" | "post"'),
    Term("", "causal", "mask the future (a language model must)"),
    Term("", "init", "initialisation scheme"),
    Term("", "gate_bias", "added to the forget (LSTM) / update (GRU) gate bias at the start"),
    # training
    Term("T", "num_steps", "time steps of one training sequence (BPTT length)"),
    Term("B", "batch_size", "sequences (or pairs) per minibatch"),
    Term("", "steps", "optimiser steps of a whole training run"),
    Term("", "epochs", "passes over the corpus"),
    Term("", "min_steps", "fewest optimiser steps per epoch (smaller minibatches if needed)"),
    Term("η", "lr", "learning rate (the peak, with a schedule)"),
    Term("", "warmup", "steps of linear learning-rate warm-up"),
    Term("", "cosine", "decay the learning rate along a cosine to lr / 10"),
    Term("", "weight_decay", "decoupled weight decay (AdamW)"),
    Term("θ", "clip", "largest global gradient norm"),
    Term("", "mode", 'minibatches: "sequential" (state carried) | "random" (state reset)'),
    Term("", "seed", "seeds every random draw of a run (initialisation, data)"),
    Term("", "start", "the step a resumed run starts from"),
    Term("", "eval_every", "steps between held-out measurements"),
    Term("", "forcing", "teacher-forcing ratio: share of decoder inputs taken from the target"),
    Term("", "shuffle", "shuffle the training order every epoch"),
    Term("", "lr_block", "words per learning-rate block (word2vec.c / gensim: 10,000)"),
    Term("", "update", "one SGD step per pair (word2vec.c) or per minibatch"),
    Term("", "h_from", "skip-gram: whose embedding is h, the context word's or the centre's"),
    Term("", "min_freq", "fewest occurrences for a word to enter the vocabulary"),
    Term("", "train", "a job's training hyperparameters (Word2Vec: a TrainConfig)"),
    Term("", "text", "the text a run trains on (None: the lab's corpus)"),
    Term("", "track", "word ids whose embeddings are recorded at every report (the map)"),
    # tasks and data
    Term("", "task", 'the synthetic task: "reverse" | "copy"'),
    Term("n", "num_symbols", "symbols in one copy / reverse problem"),
    Term("", "lag", "noise steps between the symbol to remember and the question"),
    Term("S", "num_signal", "symbols to remember (chance is 1/S)"),
    Term("M", "num_noise", "distractor symbols"),
    Term("", "eval_size", "held-out examples for an accuracy"),
    Term("", "window", "largest context window on either side (Word2Vec)"),
    Term("", "dynamic", "draw the window size per centre word from 1..window"),
    Term("t", "sample", "subsampling threshold of frequent words (None: off)"),
    Term("K", "num_negatives", "negatives per (centre, context) pair"),
)
"""Every configuration field name used in seqviz, once each."""


def names() -> set[str]:
    """Every code name in the glossary."""
    return {t.name for t in (*SYMBOLS, *HYPERPARAMETERS)}


def term(name: str) -> Term:
    """The hyperparameter (or, failing that, symbol) entry for code name ``name``."""
    for t in (*HYPERPARAMETERS, *SYMBOLS):
        if t.name == name:
            return t
    raise KeyError(f"{name!r} is not in the glossary (seqviz/notation.py)")
