"""Text preprocessing: tokens, vocabularies and The Time Machine corpus.

The pipeline from the lecture: raw text -> tokens -> vocabulary (token <-> index)
-> a sequence of indices a model can read. Nothing here needs torch.

Dimension letters (used in docstrings across seqviz): ``T`` time, ``B`` batch,
``D`` input, ``H`` hidden, ``V`` vocabulary size.
"""

from __future__ import annotations

import collections
import functools
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "assets"
"""The repository's ``assets/`` directory (corpora, checkpoints, prose)."""

UNK = "<unk>"

_WORD_RE = re.compile(r"\w+(?:'\w+)?|[^\w\s]")


def tokenize(text: str, level: str) -> list[str]:
    """Split ``text`` into tokens.

    Args:
        text: any string.
        level: ``"char"`` (every character, spaces included) or ``"word"`` (runs of
            word characters, keeping one inner apostrophe as in ``don't``, and each
            punctuation mark on its own). On d2l-normalised text (lower-case letters
            and single spaces) ``"word"`` is the same as ``text.split()``.

    Returns:
        The tokens, in order.
    """
    if level == "char":
        return list(text)
    if level == "word":
        return _WORD_RE.findall(text)
    raise ValueError(f"level must be 'char' or 'word', not {level!r}")


def _flatten(tokens: Iterable) -> list[str]:
    """Flatten one level of nesting: a list of lines of tokens -> one list of tokens."""
    flat: list[str] = []
    for item in tokens:
        if isinstance(item, list | tuple):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


class Vocab:
    """A vocabulary: a fixed map between tokens and integer indices.

    Index order: ``"<unk>"`` is 0, then the ``reserved`` tokens in the order given,
    then every token seen at least ``min_freq`` times, most frequent first (ties in
    alphabetical order). Any token not in the vocabulary maps to ``"<unk>"``.

    Args:
        tokens: a list of tokens, or a list of lists of tokens (flattened one level).
        min_freq: tokens seen fewer times than this are left out (they become ``<unk>``).
        reserved: special tokens to include whatever their count, e.g. ``("<pad>",)``.
    """

    def __init__(
        self, tokens: Iterable = (), min_freq: int = 0, reserved: Sequence[str] = ()
    ) -> None:
        counter = collections.Counter(_flatten(tokens))
        # (token, count), most frequent first; ties broken alphabetically.
        self.token_freqs: list[tuple[str, int]] = sorted(
            counter.items(), key=lambda item: (-item[1], item[0])
        )
        self.idx_to_token: list[str] = [UNK]
        for token in reserved:
            if token not in self.idx_to_token:
                self.idx_to_token.append(token)
        seen = set(self.idx_to_token)
        for token, count in self.token_freqs:
            if count >= min_freq and token not in seen:
                self.idx_to_token.append(token)
                seen.add(token)
        self.token_to_idx: dict[str, int] = {t: i for i, t in enumerate(self.idx_to_token)}

    @classmethod
    def from_list(cls, idx_to_token: Sequence[str]) -> Vocab:
        """A vocabulary with exactly these tokens at these indices (e.g. a saved one).

        ``idx_to_token[0]`` must be ``"<unk>"``; ``token_freqs`` is left empty.
        """
        if not idx_to_token or idx_to_token[0] != UNK:
            raise ValueError(f"the first token must be {UNK!r}")
        if len(set(idx_to_token)) != len(idx_to_token):
            raise ValueError("tokens must be unique")
        vocab = cls()
        vocab.idx_to_token = list(idx_to_token)
        vocab.token_to_idx = {t: i for i, t in enumerate(vocab.idx_to_token)}
        return vocab

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __contains__(self, token: object) -> bool:
        return token in self.token_to_idx

    def __getitem__(self, tokens: str | Sequence[str]) -> int | list[int]:
        """Index of a token (``<unk>``'s index if unknown), or a list of indices."""
        if isinstance(tokens, list | tuple):
            return [self.token_to_idx.get(t, self.unk) for t in tokens]
        return self.token_to_idx.get(tokens, self.unk)

    def to_tokens(self, ids: int | Sequence[int]) -> str | list[str]:
        """Token of an index, or the list of tokens of a list of indices."""
        if hasattr(ids, "tolist"):  # a tensor or numpy array
            ids = ids.tolist()
        if isinstance(ids, list | tuple):
            return [self.idx_to_token[int(i)] for i in ids]
        return self.idx_to_token[int(ids)]

    @property
    def unk(self) -> int:
        """Index of ``"<unk>"`` (always 0)."""
        return 0

    def __repr__(self) -> str:
        head = ", ".join(repr(t) for t in self.idx_to_token[:8])
        more = ", ..." if len(self) > 8 else ""
        return f"Vocab(size={len(self)}, tokens=[{head}{more}])"


def normalize_d2l(text: str) -> str:
    """d2l's preprocessing: every run of non-letters becomes one space; lower-case."""
    return re.sub("[^A-Za-z]+", " ", text).lower()


def _strip_gutenberg(text: str) -> str:
    """Keep only the lines between the ``*** START OF`` and ``*** END OF`` markers."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith("*** START OF")), -1)
    end = next((i for i, line in enumerate(lines) if line.startswith("*** END OF")), len(lines))
    return "".join(lines[start + 1 : end])


@functools.lru_cache(maxsize=4)
def load_time_machine(version: str = "d2l", normalize: bool = True) -> str:
    """H. G. Wells' *The Time Machine*, the course's corpus.

    Args:
        version: ``"d2l"`` (the copy d2l downloads, ``assets/timemachine_d2l.txt``) or
            ``"gutenberg"`` (``assets/the_time_machine.txt`` with the Project
            Gutenberg header and licence stripped).
        normalize: apply :func:`normalize_d2l` (26 lower-case letters and spaces).

    Returns:
        The text (cached; str is immutable so sharing it is safe).
    """
    if version == "d2l":
        text = (ASSETS / "timemachine_d2l.txt").read_text(encoding="utf-8")
    elif version == "gutenberg":
        raw = (ASSETS / "the_time_machine.txt").read_text(encoding="utf-8-sig")
        text = _strip_gutenberg(raw)
    else:
        raise ValueError(f"version must be 'd2l' or 'gutenberg', not {version!r}")
    return normalize_d2l(text) if normalize else text


def heldout_split(text: str, heldout: float = 0.1) -> tuple[str, str]:
    """The first (1 - heldout) of ``text`` for training, the rest held out.

    Every model in seqviz is trained on the first 90% of The Time Machine and
    measured on the last 10% with this split.
    """
    if not 0 <= heldout < 1:
        raise ValueError(f"heldout must be in [0, 1), not {heldout}")
    cut = int(len(text) * (1 - heldout))
    return text[:cut], text[cut:]


def unk_rate(tokens: Sequence[str], vocab: Vocab) -> float:
    """Share of ``tokens`` that ``vocab`` maps to ``<unk>`` (0.0 for no tokens)."""
    if not tokens:
        return 0.0
    return sum(1 for t in tokens if t not in vocab or t == UNK) / len(tokens)
