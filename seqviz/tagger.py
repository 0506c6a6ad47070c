"""A named-entity tagger: word embedding (+ a word-shape feature) -> LSTM -> linear per word.

For a sentence x_1 … x_T every word gets an output (many-to-many, aligned):

    e_t = [E_word[x_t] ; E_shape[shape(x_t)]]                 (D = E + S numbers)
    h→_t = LSTM→(e_t, h→_{t-1})                                reads x_1 … x_t
    h←_t = LSTM←(e_t, h←_{t+1})                                reads x_t … x_T
    z_t = W [h→_t ; h←_t] + b = W→ h→_t + W← h←_t + b          (K logits, one per tag)
    p(y_t = k) = softmax(z_t)_k

The last line splits exactly: W = [W→ W←] (its first H columns meet h→_t, the last H
meet h←_t), so each tag's logit is a forward part + a backward part + a bias, and the
page shows each. The forward-only tagger has just h→_t and W→.

The shape feature is the optional character-level feature: what a word's characters
look like (Capitalised, ALL CAPS, has a digit, ...), so an unknown word still tells the
model it looks like a name. Words are looked up lower-cased.

Dimension letters: T words, B sentences, V vocabulary, E word embedding, S shape
embedding, D = E + S, H hidden units per direction, K tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from seqviz import recurrent
from seqviz.ner_data import TAGS, Sentence
from seqviz.text import Vocab

PAD = "<pad>"
SHAPES = ("lower", "Capitalised", "ALLCAPS", "digit", "punctuation", "other")
WORD_RE = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]")
MAX_WORDS = 60  # a typed sentence is cut here


@dataclass(frozen=True)
class TaggerConfig:
    bidirectional: bool = True  # BiLSTM, or a forward-only LSTM
    embedding_size: int = 48  # E, word embedding
    shape_size: int = 4  # S, word-shape embedding (0: no character-level feature)
    hidden_size: int = 48  # H, per direction
    min_freq: int = 2  # training words seen fewer times become <unk>
    word_dropout: float = 0.2  # share of training words replaced by <unk> (teaches unknowns)
    dropout: float = 0.3  # dropout on e_t and h_t while training
    batch_size: int = 16
    lr: float = 3e-3  # Adam
    steps: int = 2000  # planned training steps
    eval_every: int = 500  # held-out entity F1 every this many steps (and at the end)
    seed: int = 0


def shape(word: str) -> int:
    """Index in SHAPES of what the word's characters look like."""
    letters = [c for c in word if c.isalpha()]
    if any(c.isdigit() for c in word):
        return SHAPES.index("digit")
    if not any(c.isalnum() for c in word):
        return SHAPES.index("punctuation")
    if letters and all(c.islower() for c in letters):
        return SHAPES.index("lower")
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return SHAPES.index("ALLCAPS")
    if word[0].isupper():
        return SHAPES.index("Capitalised")
    return SHAPES.index("other")


def words_of(text: str) -> list[str]:
    """A typed sentence as words, punctuation split off as the corpus does ("Paris," -> 2)."""
    return WORD_RE.findall(text)


def build_vocab(sentences: list[Sentence] | tuple[Sentence, ...], min_freq: int) -> Vocab:
    """Lower-cased training words seen at least ``min_freq`` times, plus <unk> and <pad>."""
    return Vocab([w.lower() for s in sentences for w in s.words], min_freq, reserved=(PAD,))


class Tagger(nn.Module):
    """Embedding (+ shape) -> LSTM (one or two directions) -> linear per word."""

    def __init__(self, config: TaggerConfig, vocab: Vocab, seed: int | None = None) -> None:
        super().__init__()
        self.config, self.vocab = config, vocab
        g = torch.Generator().manual_seed(config.seed if seed is None else seed)
        E, S, H, K = config.embedding_size, config.shape_size, config.hidden_size, len(TAGS)
        self.embed = nn.Embedding(len(vocab), E, padding_idx=vocab[PAD])
        self.shape_embed = nn.Embedding(len(SHAPES), S) if S else None
        self.lstm = nn.LSTM(E + S, H, batch_first=True, bidirectional=config.bidirectional)
        self.out = nn.Linear(H * self.num_directions, K)
        with torch.no_grad():  # initialise from our own generator (no global seed)
            for p in self.parameters():
                if p.dim() > 1 or p is self.embed.weight:
                    p.copy_(torch.randn(p.shape, generator=g) * (1 / p.shape[-1]) ** 0.5)
                else:
                    p.uniform_(-0.1, 0.1, generator=g)
            self.embed.weight[vocab[PAD]] = 0

    @property
    def num_directions(self) -> int:
        return 2 if self.config.bidirectional else 1

    def encode(self, words: list[str] | tuple[str, ...]) -> tuple[Tensor, Tensor]:
        """(word ids, shape ids), each (T,)."""
        ids = torch.tensor(self.vocab[[w.lower() for w in words]], dtype=torch.long)
        shapes = torch.tensor([shape(w) for w in words], dtype=torch.long)
        return ids, shapes

    def inputs(self, ids: Tensor, shapes: Tensor) -> Tensor:
        """e_t = [E_word[x_t] ; E_shape[shape(x_t)]]: (…, T) ids -> (…, T, D)."""
        e = self.embed(ids)
        if self.shape_embed is None:
            return e
        return torch.cat([e, self.shape_embed(shapes)], dim=-1)

    def _drop(self, x: Tensor, g: torch.Generator | None) -> Tensor:
        """Dropout drawn from ``g`` (training only; no generator: unchanged)."""
        p = self.config.dropout
        if g is None or p == 0:
            return x
        keep = (torch.rand(x.shape, generator=g) >= p).to(x.dtype)
        return x * keep / (1 - p)

    def forward(
        self, ids: Tensor, shapes: Tensor, lengths: Tensor, generator: torch.Generator | None = None
    ) -> Tensor:
        """Logits z (B, T, K) of a padded batch; rows past a sentence's length are junk.

        ``generator``: draw training dropout on e_t and h_t from it (None: no dropout).
        """
        e = self._drop(self.inputs(ids, shapes), generator)  # (B, T, D)
        packed = pack_padded_sequence(e, lengths, batch_first=True, enforce_sorted=False)
        h, _ = self.lstm(packed)
        h, _ = pad_packed_sequence(h, batch_first=True, total_length=ids.shape[1])  # (B, T, nd H)
        # z_t = W h_t + b
        return self.out(self._drop(h, generator))


@dataclass(frozen=True)
class Reading:
    """Everything the tagger computed for one sentence (unbatched, T words)."""

    words: tuple[str, ...]  # x_1 … x_T as typed
    unknown: tuple[bool, ...]  # which words are <unk> for the model
    shapes: tuple[str, ...]  # SHAPES name of each word
    trace: recurrent.Trace  # the LSTM's recorded steps (h→_t, h←_t, gates, cells)
    h_fwd: Tensor  # (T, H) h→_t
    h_bwd: Tensor | None  # (T, H) h←_t (None for the forward-only tagger)
    fwd_part: Tensor  # (T, K) W→ h→_t
    bwd_part: Tensor | None  # (T, K) W← h←_t
    bias: Tensor  # (K,) b
    logits: Tensor  # (T, K) z_t = fwd_part + bwd_part + b
    probs: Tensor  # (T, K) softmax(z_t)

    @property
    def tags(self) -> list[str]:
        """The most probable tag of each word."""
        return [TAGS[k] for k in self.probs.argmax(-1).tolist()]


@torch.no_grad()
def read(model: Tagger, words: list[str] | tuple[str, ...]) -> Reading:
    """Tag one sentence, recording both directions and the split of each logit."""
    if not words:
        raise ValueError("a sentence needs at least one word")
    ids, shape_ids = model.encode(words)
    e = model.inputs(ids, shape_ids)  # (T, D)
    tr = recurrent.trace(model.lstm, e.unsqueeze(0))  # batch_first: (1, T, D)
    hidden = tr.hidden[:, 0]  # (T, nd H), time first
    H = model.config.hidden_size
    W, b = model.out.weight, model.out.bias  # (K, nd H), (K,)
    h_fwd = hidden[:, :H]
    # W→ h→_t: the first H columns of W meet the forward state
    fwd_part = h_fwd @ W[:, :H].T
    h_bwd = bwd_part = None
    logits = fwd_part + b
    if model.num_directions == 2:
        h_bwd = hidden[:, H:]
        # W← h←_t: the last H columns meet the backward state
        bwd_part = h_bwd @ W[:, H:].T
        logits = logits + bwd_part
    return Reading(
        words=tuple(words),
        unknown=tuple(i == model.vocab.unk for i in ids.tolist()),
        shapes=tuple(SHAPES[s] for s in shape_ids.tolist()),
        trace=tr,
        h_fwd=h_fwd,
        h_bwd=h_bwd,
        fwd_part=fwd_part,
        bwd_part=bwd_part,
        bias=b.clone(),
        logits=logits,
        # p(y_t = k) = softmax(z_t)_k
        probs=torch.softmax(logits, dim=-1),
    )


@torch.no_grad()
def predict(model: Tagger, sentences, batch_size: int = 256) -> list[list[str]]:
    """The most probable tag of every word of every sentence (batched, no recording)."""
    was = model.training
    model.eval()
    out: list[list[str]] = []
    for start in range(0, len(sentences), batch_size):
        chunk = sentences[start : start + batch_size]
        ids, shapes, lengths = batch_tensors(model, [s.words for s in chunk])
        best = model(ids, shapes, lengths).argmax(-1)  # (B, T)
        out += [[TAGS[k] for k in best[i, :n].tolist()] for i, n in enumerate(lengths.tolist())]
    model.train(was)
    return out


def batch_tensors(model: Tagger, word_lists) -> tuple[Tensor, Tensor, Tensor]:
    """Padded (B, T) word ids and shape ids, and the (B,) lengths."""
    lengths = torch.tensor([len(w) for w in word_lists], dtype=torch.long)
    T = int(lengths.max())
    ids = torch.full((len(word_lists), T), model.vocab[PAD], dtype=torch.long)
    shapes = torch.zeros((len(word_lists), T), dtype=torch.long)
    for i, words in enumerate(word_lists):
        w, s = model.encode(words)
        ids[i, : len(words)], shapes[i, : len(words)] = w, s
    return ids, shapes, lengths
