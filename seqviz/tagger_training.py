"""Training the tagger: cross-entropy over every word's tag, Adam, in resumable pieces.

    L = -(1 / N) Σ_sentences Σ_t log p(y_t | x_1 … x_T)        (N words in the batch)

:func:`fit` is the one training function: a page's job in the pool of training workers
(seqviz.jobs) calls it in chunks, a checkpoint build calls it once; ``state`` (what it
returned last time: weights, optimiser, history, step) continues a run exactly where it stopped. The batch
of step s is a function of (seed, s) alone — the epoch's shuffle is seeded by the epoch,
the word dropout by the step — so no random-number state needs carrying.

Also here: the trivial baselines a tagger must beat (every word "O"; each word's most
frequent training tag) and the held-out evaluation.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import cache

import torch
from torch import nn

from seqviz import ner_data, spans, training
from seqviz.ner_data import TAGS, TYPES, Sentence
from seqviz.tagger import PAD, Tagger, TaggerConfig, batch_tensors, build_vocab, predict
from seqviz.text import Vocab

IGNORE = -100  # target of padding positions: no loss


def vocab_for(config: TaggerConfig) -> Vocab:
    """The training vocabulary (a function of the shipped data and ``min_freq``; shared)."""
    return _vocab(config.min_freq)


@cache
def _vocab(min_freq: int) -> Vocab:
    return build_vocab(ner_data.load("train"), min_freq)


def untrained(config: TaggerConfig, seed: int | None = None) -> Tagger:
    return Tagger(config, vocab_for(config), seed=seed).eval()


def batch_at(config: TaggerConfig, sentences, step: int) -> list[Sentence]:
    """The sentences of step ``step`` (0-based): epoch e's shuffle, seeded by (seed, e)."""
    per_epoch = math.ceil(len(sentences) / config.batch_size)
    epoch, i = divmod(step, per_epoch)
    g = torch.Generator().manual_seed(config.seed * 100_003 + epoch)
    order = torch.randperm(len(sentences), generator=g).tolist()
    return [sentences[j] for j in order[i * config.batch_size : (i + 1) * config.batch_size]]


def loss_on(model: Tagger, chunk: list[Sentence], dropout_seed: int | None = None):
    """Mean cross-entropy over the words of ``chunk`` (word dropout if a seed is given)."""
    ids, shapes, lengths = batch_tensors(model, [s.words for s in chunk])
    g = None if dropout_seed is None else torch.Generator().manual_seed(dropout_seed)
    if g is not None and model.config.word_dropout > 0:
        drop = torch.rand(ids.shape, generator=g) < model.config.word_dropout
        ids = ids.masked_fill(drop & (ids != model.vocab[PAD]), model.vocab.unk)
    y = torch.full(ids.shape, IGNORE, dtype=torch.long)
    for i, s in enumerate(chunk):
        y[i, : len(s.tags)] = torch.tensor([TAGS.index(t) for t in s.tags])
    z = model(ids, shapes, lengths, generator=g)  # (B, T, K)
    # L = -(1/N) Σ_t log softmax(z_t)_{y_t}
    return nn.functional.cross_entropy(z.reshape(-1, len(TAGS)), y.reshape(-1), ignore_index=IGNORE)


def evaluate(model: Tagger, sentences) -> dict:
    """Held-out entity scores per type (and "all"), and token accuracy."""
    gold = [list(s.tags) for s in sentences]
    pred = predict(model, sentences)
    return {
        "scores": spans.report(gold, pred, TYPES),
        "token_accuracy": spans.token_accuracy(gold, pred),
        "predicted": pred,
    }


def fit(
    config: TaggerConfig,
    state: dict | None,
    *,
    max_seconds: float,
    stop: Callable[[], bool] | None = None,
    callback: training.Callback | None = None,
) -> dict:
    """Train for up to ``max_seconds`` (or until ``config.steps``), continuing ``state``.

    Returns a picklable dict: ``model`` and ``optimizer`` state dicts, ``step``,
    ``history`` (steps, losses, eval_steps, heldout F1, tokens, seconds), ``outcome``,
    ``done`` (all ``config.steps`` are taken).
    """
    train_set, heldout = ner_data.load("train"), ner_data.load("heldout")
    model = Tagger(config, vocab_for(config))
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    history = training.History()
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        h = state["history"]
        history.steps, history.losses = list(h["steps"]), list(h["losses"])
        history.eval_steps, history.heldout = list(h["eval_steps"]), list(h["heldout"])
        history.tokens, history.seconds = h["tokens"], h["seconds"]

    def batches():
        while True:
            s = history.step
            chunk = batch_at(config, train_set, s)
            yield chunk, config.seed * 7_919 + s

    trainer = training.Trainer(
        model,
        lambda m, batch: loss_on(m, batch[0], batch[1]),
        batches(),
        optimizer,
        clip=5.0,
        evaluate=lambda m: evaluate(m, heldout)["scores"]["all"].f1,
        total=config.steps,
        tokens=lambda batch: sum(len(s.words) for s in batch[0]),
        label="bilstm" if config.bidirectional else "lstm",
    )
    trainer.history = history
    outcome = trainer.run(
        max_seconds=max_seconds, callback=callback, stop=stop, eval_every=config.eval_every
    )
    return {
        "model": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "optimizer": optimizer.state_dict(),
        "step": history.step,
        "history": {
            "steps": list(history.steps),
            "losses": list(history.losses),
            "eval_steps": list(history.eval_steps),
            "heldout": list(history.heldout),
            "tokens": history.tokens,
            "seconds": history.seconds,
        },
        "outcome": outcome,
        "done": trainer.done,
    }


def model_of(config: TaggerConfig, state: dict) -> Tagger:
    """The tagger whose weights ``state`` holds (eval mode, gradients off)."""
    model = Tagger(config, vocab_for(config))
    model.load_state_dict(state["model"])
    return model.eval().requires_grad_(False)


# --- baselines ------------------------------------------------------------------------


def majority_tags(sentences) -> list[list[str]]:
    """Every word tagged with the most frequent tag of the training data ("O")."""
    top = Counter(t for s in ner_data.load("train") for t in s.tags).most_common(1)[0][0]
    return [[top] * len(s.words) for s in sentences]


def word_tags(sentences) -> list[list[str]]:
    """Each word tagged with its most frequent training tag (as written; unseen words "O")."""
    seen: dict[str, Counter] = defaultdict(Counter)
    for s in ner_data.load("train"):
        for w, t in zip(s.words, s.tags, strict=True):
            seen[w][t] += 1
    return [
        [seen[w].most_common(1)[0][0] if w in seen else "O" for w in s.words] for s in sentences
    ]


def metrics(model: Tagger) -> dict:
    """Held-out scores of ``model`` beside both baselines, with the margins (for the JSON)."""
    heldout = ner_data.load("heldout")
    gold = [list(s.tags) for s in heldout]
    ours = evaluate(model, heldout)
    majority, per_word = majority_tags(heldout), word_tags(heldout)
    f1 = ours["scores"]["all"].f1
    word_f1 = spans.score(gold, per_word).f1
    acc = ours["token_accuracy"]
    majority_acc = spans.token_accuracy(gold, majority)
    return {
        "heldout_entity_f1": round(f1, 4),
        "heldout_token_accuracy": round(acc, 4),
        "per_type_f1": {k: round(ours["scores"][k].f1, 4) for k in TYPES},
        "baseline_majority_token_accuracy": round(majority_acc, 4),
        "baseline_majority_entity_f1": round(spans.score(gold, majority).f1, 4),
        "baseline_word_entity_f1": round(word_f1, 4),
        "baseline_word_token_accuracy": round(spans.token_accuracy(gold, per_word), 4),
        "margin_entity_f1_over_word_baseline": round(f1 - word_f1, 4),
        "margin_token_accuracy_over_majority": round(acc - majority_acc, 4),
    }


def build(config: TaggerConfig, callback: training.Callback | None = None):
    """Train a checkpoint to ``config.steps``: (model, metrics for its JSON, seconds)."""
    start = time.perf_counter()
    state = fit(config, None, max_seconds=math.inf, callback=callback)
    seconds = time.perf_counter() - start
    model = model_of(config, state)
    h = state["history"]
    curve = {"steps": h["eval_steps"], "entity_f1": [round(f, 4) for f in h["heldout"]]}
    return model, metrics(model) | {"heldout_curve": curve}, seconds
