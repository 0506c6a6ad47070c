"""Byte-pair encoding (BPE): learn subword units by merging the most frequent pair.

Start with every word spelled as characters. Count every pair of neighbouring
symbols across the corpus (each word weighted by how often it occurs), merge the
most frequent pair into one new symbol everywhere, and repeat. After a few
hundred merges frequent words are single symbols ("␣the"), rare words are split
into familiar pieces ("␣travel" + "ler"), and no word is ever out of vocabulary:
at worst it falls back to its characters.

The text is first cut into *pre-tokens*: a word with the space before it, a run of
punctuation, or whitespace. Merges never cross a pre-token, and the pre-tokens
concatenate back to the text, so decoding is ``"".join(tokens)`` and reproduces
the input exactly.

Plain Python, no torch. Learning keeps, for every pair, its count and the words
it occurs in, so a merge only revisits the words that contain it.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_PRETOKEN_RE = re.compile(r" ?\w+| ?[^\w\s]+|\s+(?!\S)|\s+")

Pair = tuple[str, str]


def pretokenize(text: str) -> list[str]:
    """Cut ``text`` into pre-tokens; ``"".join(pretokenize(text)) == text``."""
    return _PRETOKEN_RE.findall(text)


@dataclass(frozen=True)
class Merge:
    """One learning step."""

    rank: int  # 0 for the first merge
    pair: Pair  # the two symbols merged
    symbol: str  # their concatenation, the new vocabulary entry
    count: int  # how often the pair occurred when it was merged


@dataclass(frozen=True)
class BPE:
    """A learned byte-pair encoding."""

    merges: tuple[Merge, ...]  # in the order they were learned
    alphabet: tuple[str, ...]  # the characters of the training text, sorted

    @property
    def vocab(self) -> list[str]:
        """Characters first, then one symbol per merge."""
        return list(self.alphabet) + [m.symbol for m in self.merges]

    def truncated(self, num_merges: int) -> BPE:
        """The same encoding stopped after the first ``num_merges`` merges."""
        return BPE(self.merges[: max(0, num_merges)], self.alphabet)


def _pairs(word: Sequence[str]) -> list[Pair]:
    return list(zip(word[:-1], word[1:], strict=True))


def _merge_word(word: tuple[str, ...], pair: Pair, symbol: str) -> tuple[str, ...]:
    """Replace every non-overlapping occurrence of ``pair`` (left to right) by ``symbol``."""
    out: list[str] = []
    i = 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:
            out.append(symbol)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def learn(
    text: str,
    num_merges: int,
    callback: Callable[[int, int], None] | None = None,
) -> BPE:
    """Learn up to ``num_merges`` merges on ``text``.

    Ties between equally frequent pairs go to the alphabetically first pair, so
    the result is deterministic. Stops early when no pair occurs twice.

    Args:
        text: the training text.
        num_merges: how many merges to learn.
        callback: called as ``callback(done, num_merges)`` after each merge.

    Returns:
        The :class:`BPE`.
    """
    word_counts = collections.Counter(pretokenize(text))
    words = [tuple(w) for w in word_counts]  # each word spelled as symbols
    freqs = [word_counts[w] for w in word_counts]
    alphabet = tuple(sorted(set(text)))
    pair_counts: collections.Counter[Pair] = collections.Counter()
    where: dict[Pair, set[int]] = collections.defaultdict(set)  # pair -> word indices
    for i, word in enumerate(words):
        for pair in _pairs(word):
            pair_counts[pair] += freqs[i]
            where[pair].add(i)
    merges: list[Merge] = []
    for rank in range(num_merges):
        if not pair_counts:
            break
        # the most frequent pair (alphabetically first among ties)
        pair, count = min(pair_counts.items(), key=lambda item: (-item[1], item[0]))
        if count < 2:
            break
        symbol = pair[0] + pair[1]
        merges.append(Merge(rank, pair, symbol, count))
        for i in list(where[pair]):
            old = words[i]
            for p in _pairs(old):  # take the old word's pairs out ...
                pair_counts[p] -= freqs[i]
                if pair_counts[p] <= 0:
                    del pair_counts[p]
                where[p].discard(i)
            new = _merge_word(old, pair, symbol)
            words[i] = new
            for p in _pairs(new):  # ... and the merged word's pairs in
                pair_counts[p] += freqs[i]
                where[p].add(i)
        if callback is not None:
            callback(rank + 1, num_merges)
    return BPE(tuple(merges), alphabet)


def encode_word(bpe: BPE, word: str) -> list[str]:
    """One pre-token as BPE symbols: apply the merges in the order they were learned."""
    ranks = {m.pair: m.rank for m in bpe.merges}
    symbols = tuple(word)
    while len(symbols) > 1:
        # the earliest-learned merge that applies anywhere in the word
        best = min(_pairs(symbols), key=lambda p: ranks.get(p, len(ranks)))
        if best not in ranks:
            break
        symbols = _merge_word(symbols, best, best[0] + best[1])
    return list(symbols)


def encode(bpe: BPE, text: str) -> list[str]:
    """``text`` as BPE tokens (pre-token by pre-token)."""
    cache: dict[str, list[str]] = {}
    tokens: list[str] = []
    for word in pretokenize(text):
        if word not in cache:
            cache[word] = encode_word(bpe, word)
        tokens.extend(cache[word])
    return tokens


def decode(tokens: Sequence[str]) -> str:
    """The text back from its tokens: symbols are pieces of the text, so just join them."""
    return "".join(tokens)
