"""What a trained classifier and the training sentences say about words and n-grams.

- :func:`top_ngrams`: for every TextCNN filter, the training n-grams that excite it most
  (each sentence's best window, c_{k,t*} = max_t c_{k,t}, ranked over the corpus).
- :func:`one_sided_words`: the words whose training sentences are most often negative,
  and most often positive (share of positive sentences among those holding the word).
- :func:`neighbours`: the nearest words by cosine similarity of their embeddings.

Dimension letters: ``B`` batch, ``K`` filters per width, ``V`` vocabulary, ``E`` embedding.
"""

from __future__ import annotations

import torch

from seqviz import sentiment_data as data
from seqviz.classifiers import Classifier


def top_ngrams(
    model: Classifier, top: int = 3, chunk: int = 256
) -> dict[tuple[int, int], list[tuple[str, float]]]:
    """(width index, filter k) -> up to ``top`` distinct training n-grams with the largest
    activation c (each sentence contributes its best window), largest first."""
    train, vocab = data.load().train, data.vocabulary()
    found: dict[tuple[int, int], list[tuple[float, str]]] = {}
    for start in range(0, len(train), chunk):
        enc = [data.encode(vocab, ex.text) for ex in train[start : start + chunk]]
        X, lengths = model.batch([ids for _, ids in enc])
        with torch.no_grad():
            _, acts, _ = model.conv_pool(model.embedding(X), lengths)  # per width (B, K, windows)
        for wi, c in enumerate(acts):
            w = model.config.widths[wi]
            for k in range(c.shape[1]):
                values, where = c[:, k, :].max(dim=-1)  # each sentence's best window
                for b in values.argsort(descending=True)[:top].tolist():
                    shown = data.shown_tokens(vocab, enc[b][0]) + [data.PAD] * w
                    t = int(where[b])
                    found.setdefault((wi, k), []).append(
                        (float(values[b]), " ".join(shown[t : t + w]))
                    )
    best = {}
    for key, pairs in found.items():
        kept: list[tuple[str, float]] = []
        for value, gram in sorted(pairs, reverse=True):
            if gram not in {g for g, _ in kept}:
                kept.append((gram, value))
            if len(kept) == top:
                break
        best[key] = kept
    return best


def one_sided_words(n: int = 15, min_count: int = 10) -> tuple[list[str], list[float]]:
    """The ``n`` most negative-sided and the ``n`` most positive-sided words, and their shares.

    Words of 3+ letters in at least ``min_count`` training sentences, ranked by the share of
    those sentences that are positive.
    """
    seen: dict[str, list[int]] = {}
    for ex in data.load().train:
        for w in set(data.words(ex.text)):
            seen.setdefault(w, []).append(ex.label)
    share = {
        w: sum(v) / len(v)
        for w, v in seen.items()
        if len(v) >= min_count and w.isalpha() and len(w) > 2
    }
    ranked = sorted(share, key=lambda w: (share[w], w))
    chosen = ranked[:n] + ranked[-n:]
    return chosen, [share[w] for w in chosen]


def neighbours(model: Classifier, word: str, k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` words whose embeddings have the largest cosine similarity with ``word``'s."""
    vocab = data.vocabulary()
    E = model.embedding.weight.detach()  # (V, E)
    i = vocab[word]
    sims = torch.nn.functional.cosine_similarity(E[i][None, :], E, dim=-1)
    sims[[vocab.unk, vocab[data.PAD], i]] = -2.0  # not <unk>, <pad> or the word itself
    return [
        (vocab.to_tokens(j), float(sims[j])) for j in sims.argsort(descending=True)[:k].tolist()
    ]
