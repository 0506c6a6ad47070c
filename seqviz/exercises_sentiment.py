"""Exercises for the Sentiment lab: mean pooling, one convolution window, parameter counts,
masked lengths — every answer computed by the core modules the lab uses
(``seqviz.classifiers``, ``seqviz.sentiment_data``) on the shipped ``sent-*`` checkpoints.

Dimensions: T words, B sentences in a batch, V vocabulary, E embedding, H hidden.
"""

from __future__ import annotations

import functools

import torch

from seqviz import checkpoints
from seqviz import sentiment_data as data
from seqviz.classifiers import Classifier, ClassifierConfig, num_parameters
from seqviz.exercises import Context, Exercise, fmt

SHORT = (  # short review sentences the exercises draw from
    "great food .",
    "not good at all",
    "works very well",
    "waste of money",
    "i loved it",
    "the service was slow",
    "highly recommended !",
    "very bad acting",
)


@functools.lru_cache(maxsize=4)
def _model(kind: str) -> Classifier:
    return checkpoints.load(f"sent-{kind}")


def _words(ctx: Context) -> tuple[list[str], list[int]]:
    return data.encode(data.vocabulary(), ctx.rng.choice(SHORT))


def pooling(ctx: Context) -> Exercise:
    m = _model("bag")
    words, ids = _words(ctx)
    j = ctx.rng.randrange(m.config.embedding_size)
    e = m.embedding.weight[torch.tensor(ids), j].tolist()  # e_{t,j}
    X, lengths = m.batch([ids])
    with torch.no_grad():
        s_j = float(m.sentence(m.embedding(X), lengths)[0, j])
    shown = ", ".join(
        f"e_{t + 1},{j} = {v:.4f} (‘{w}’)" for t, (v, w) in enumerate(zip(e, words, strict=True))
    )
    return Exercise(
        title="Mean pooling",
        prompt=f"The bag-of-embeddings model reads `{' '.join(words)}` ({len(words)} words). "
        f"Dimension {j} of the word embeddings is: {shown}. What is s_{j}, dimension {j} of the "
        "sentence vector s = (1/T) Σ_t e_t? (4 decimals)",
        kind="number",
        answer=round(s_j, 4),
        tolerance=5e-4,
        hint="Add the numbers and divide by how many words there are (pads are not words).",
        solution=f"s_{j} = ({' + '.join(f'{v:.4f}' for v in e)}) / {len(e)} = **{s_j:.4f}**.",
        numbers={"s_j": s_j},
    )


def convolution(ctx: Context) -> Exercise:
    m = _model("textcnn")
    words, ids = data.encode(
        data.vocabulary(),
        ctx.rng.choice(("not good at all", "the service was slow", "very bad acting .")),
    )
    X, lengths = m.batch([ids])
    wi = 0  # width 3
    w = m.config.widths[wi]
    k = ctx.rng.randrange(m.config.filters)
    t = ctx.rng.randrange(len(ids) - w + 1)
    conv = m.convs[wi]
    with torch.no_grad():
        e = m.embedding(X)[0]  # (T, E)
        per_word = [float(conv.weight[k, :, i] @ e[t + i]) for i in range(w)]
        _, acts, _ = m.conv_pool(m.embedding(X), lengths)
    bias = float(conv.bias[k])
    c = float(acts[wi][0, k, t])
    gram = " ".join(words[t : t + w])
    return Exercise(
        title="One convolution window",
        prompt=f"TextCNN's filter {k + 1} of width 3 sits on the window `{gram}`. Its weights "
        "dotted with each word's embedding give "
        + ", ".join(f"{v:.4f}" for v in per_word)
        + f", and its bias is b = {bias:.4f}. What is c = ReLU(sum of the three + b)? (4 decimals)",
        kind="number",
        answer=round(c, 4),
        tolerance=5e-4,
        hint="Add the three dot products and the bias; ReLU keeps a positive sum and turns a "
        "negative one into 0.",
        solution=f"{' + '.join(f'{v:.4f}' for v in per_word)} + {bias:.4f} = "
        f"{sum(per_word) + bias:.4f}; ReLU gives **{c:.4f}**.",
        numbers={"c": c},
    )


def parameters(ctx: Context) -> Exercise:
    kind = ctx.rng.choice(("rnn", "gru", "lstm"))
    V = ctx.rng.choice((500, 1000, 1938))
    E = ctx.rng.choice((8, 16, 32))
    H = ctx.rng.choice((4, 8, 16))
    n = num_parameters(
        Classifier(ClassifierConfig(kind=kind, vocab_size=V, embedding_size=E, hidden_size=H))
    )
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[kind]
    recurrent = gates * (H * E + H * H + 2 * H)
    return Exercise(
        title="Parameters of a classifier",
        prompt=f"A many-to-one {kind.upper()} classifier: an embedding of V = {V} words in "
        f"E = {E} dimensions, one PyTorch `nn.{kind.upper()}` layer with H = {H} (both biases "
        "b_ih and b_hh), and one output unit z = w^T h_T + b. How many parameters does it have?",
        kind="number",
        answer=float(n),
        hint=f"Embedding V·E; the recurrent layer has {gates} block(s) of (H·E + H·H + 2H); "
        "the output unit H + 1.",
        solution=f"{V}·{E} = {V * E} (embedding) + {gates}·({H}·{E} + {H}·{H} + 2·{H}) = "
        f"{recurrent} ({kind.upper()}) + {H} + 1 = {H + 1} (output) = **{fmt(n)}**.",
        numbers={"parameters": n},
    )


def masked(ctx: Context) -> Exercise:
    vocab = data.vocabulary()
    chosen = ctx.rng.sample(SHORT, 3)
    ids = [data.encode(vocab, s)[1] for s in chosen]
    X, lengths = data.pad_batch(ids, pad=vocab[data.PAD])
    m = data.mask(lengths, X.shape[1])
    b = ctx.rng.randrange(3)
    rows = "; ".join(f"row {r + 1}: [{', '.join(str(int(v)) for v in X[r])}]" for r in range(3))
    return Exercise(
        title="A masked length",
        prompt=f"A padded minibatch of word ids (`<pad>` has id 1): {rows}. How many real "
        f"words does row {b + 1} have, i.e. Σ_t m_t for its mask?",
        kind="number",
        answer=float(int(m[b].sum())),
        hint="Count the positions before the padding (id 1) starts; no word here is <pad>.",
        solution=f"Row {b + 1} has mask [{', '.join(str(int(v)) for v in m[b])}]: "
        f"**{int(m[b].sum())}** real words.",
        numbers={"length": int(m[b].sum())},
    )


GENERATORS = {
    "sent.pool": pooling,
    "sent.conv": convolution,
    "sent.params": parameters,
    "sent.masked": masked,
}

__all__ = ["GENERATORS"]
