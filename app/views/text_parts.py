"""The Text & tokens lab's parts: the computations it caches (they depend on the text
only, never on the user) and the token chips."""

import html

import pandas as pd
import streamlit as st

from app.controls import md_escape
from seqviz import bpe, zipf
from seqviz.figures.style import UNK_TOKEN, token_label
from seqviz.text import Vocab, tokenize, unk_rate

MAX_MERGES = 500


@st.cache_data(max_entries=16, show_spinner="Learning BPE merges…")
def learn_bpe(text: str) -> bpe.BPE:
    return bpe.learn(text, MAX_MERGES)


@st.cache_data(max_entries=256, show_spinner=False)
def bpe_tokens(text: str, merges: int) -> list[str]:
    return bpe.encode(learn_bpe(text).truncated(merges), text)


@st.cache_data(max_entries=48, show_spinner=False)
def tokens_of(text: str, level: str, merges: int) -> list[str]:
    return bpe_tokens(text, merges) if level == "bpe" else tokenize(text, level)


@st.cache_data(max_entries=48, show_spinner="Counting n-grams…")
def zipf_of(text: str, level: str, merges: int, punctuation: bool = False) -> dict:
    """n -> (counts, fit, top five) for n = 1, 2, 3. At word level punctuation marks are
    left out unless ``punctuation`` (n-grams then run across them, as on d2l's text)."""
    tokens = tokens_of(text, level, merges)
    if level == "word" and not punctuation:
        tokens = zipf.words_only(tokens)
    table = zipf.zipf_table(tokens, (1, 2, 3))
    return {n: ([c for _, c in freqs], fit, freqs[:5]) for n, (freqs, fit) in table.items()}


@st.cache_data(max_entries=48, show_spinner=False)
def unk_table(text: str, level: str, merges: int) -> pd.DataFrame:
    tokens = tokens_of(text, level, merges)
    rows = [
        (f, len(v) - 1, 100 * unk_rate(tokens, v))
        for f in range(0, 21)
        for v in [Vocab(tokens, min_freq=f)]
    ]
    return pd.DataFrame(rows, columns=["min_freq", "types", "unk_percent"])


def shown(text: str) -> str:
    """Text as every figure writes tokens (style.token_label: ␣ space, ↵ newline, ⇥ tab),
    as plain text for tables and markdown (token_label's HTML escaping undone)."""
    return text if text == UNK_TOKEN else html.unescape(token_label(text, compact=False))


def chips(tokens: list[str], limit: int = 60) -> str:
    """Tokens as alternating coloured chips (escaped; spaces as ␣, newlines as ↵)."""
    colours = ("blue", "orange")
    parts = []
    for i, tok in enumerate(tokens[:limit]):
        parts.append(f":{colours[i % 2]}-background[{md_escape(shown(tok)) or '·'}]")
    more = f" … (+{len(tokens) - limit:,})" if len(tokens) > limit else ""
    return " ".join(parts) + more
