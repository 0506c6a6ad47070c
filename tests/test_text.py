"""seqviz.text: tokenisation, vocabulary and The Time Machine (d2l's numbers)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seqviz.text import (
    ASSETS,
    UNK,
    Vocab,
    load_time_machine,
    normalize_d2l,
    tokenize,
)


@pytest.fixture(scope="module")
def corpus() -> str:
    return load_time_machine()


def test_assets_dir_exists():
    assert (ASSETS / "timemachine_d2l.txt").is_file()


def test_d2l_corpus_numbers(corpus):
    assert len(corpus) == 173_428
    assert set(corpus) <= set("abcdefghijklmnopqrstuvwxyz ")
    assert len(Vocab(tokenize(corpus, "char"))) == 28


def test_d2l_word_counts(corpus):
    words = tokenize(corpus, "word")
    assert len(words) == 32_775
    assert words == corpus.split()
    top = Vocab(words).token_freqs[:5]
    assert top == [("the", 2261), ("i", 1267), ("and", 1245), ("of", 1155), ("a", 816)]


def test_load_is_cached(corpus):
    assert load_time_machine() is corpus


def test_gutenberg_header_and_licence_stripped():
    text = load_time_machine("gutenberg", normalize=False)
    assert "The Time Machine" in text
    assert "*** START OF" not in text and "*** END OF" not in text
    assert "Project Gutenberg License" not in text
    assert "The Time Traveller" in text
    normalised = load_time_machine("gutenberg")
    assert normalised == normalize_d2l(text)


def test_bad_arguments():
    with pytest.raises(ValueError):
        tokenize("abc", "sentence")
    with pytest.raises(ValueError):
        load_time_machine("kindle")


def test_tokenize_levels():
    assert tokenize("ab c", "char") == ["a", "b", " ", "c"]
    assert tokenize("I don't know, Filby.", "word") == ["I", "don't", "know", ",", "Filby", "."]
    assert tokenize("", "word") == [] and tokenize("", "char") == []


def test_normalize_d2l():
    assert normalize_d2l("The Time-Traveller, 1898!") == "the time traveller "


def test_vocab_order_and_unknown():
    v = Vocab(["b", "a", "b", "c", "a", "b"])
    assert v.to_tokens(list(range(len(v)))) == [UNK, "b", "a", "c"]
    assert v.unk == 0 and v[UNK] == 0
    assert v["zebra"] == v.unk
    assert v[["a", "zebra", "b"]] == [2, 0, 1]
    assert "a" in v and "zebra" not in v
    assert v.token_freqs == [("b", 3), ("a", 2), ("c", 1)]


def test_vocab_min_freq_and_reserved():
    v = Vocab(["x", "x", "y", "z", "z"], min_freq=2, reserved=["<pad>", "<bos>"])
    assert v.to_tokens([0, 1, 2, 3, 4]) == [UNK, "<pad>", "<bos>", "x", "z"]
    assert len(v) == 5
    assert v["y"] == v.unk


def test_vocab_nested_tokens_flatten():
    v = Vocab([["a", "b"], ["b"]])
    assert v.token_freqs == [("b", 2), ("a", 1)]


def test_vocab_from_list():
    v = Vocab.from_list([UNK, " ", "e"])
    assert v["e"] == 2 and v["q"] == 0 and len(v) == 3
    with pytest.raises(ValueError):
        Vocab.from_list(["a", UNK])


@given(st.lists(st.text(min_size=1, max_size=3), min_size=1, max_size=40), st.data())
def test_vocab_round_trip(tokens, data):
    v = Vocab(tokens)
    chosen = data.draw(st.lists(st.sampled_from(tokens), max_size=20))
    assert v.to_tokens(v[chosen]) == chosen
    ids = data.draw(st.lists(st.integers(0, len(v) - 1), max_size=20))
    assert v[v.to_tokens(ids)] == ids
