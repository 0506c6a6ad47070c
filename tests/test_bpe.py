"""seqviz.bpe: merges are learned greedily and decoding gives the text back."""

from hypothesis import given
from hypothesis import strategies as st

from seqviz import bpe
from seqviz.text import load_time_machine


def test_first_merge_is_the_most_frequent_pair():
    learned = bpe.learn("aaab aab ab", 1)
    # pre-tokens "aaab", " aab", " ab": pairs (a,b) x3, (a,a) x3 ... ties -> alphabetical
    counts = {}
    for word in bpe.pretokenize("aaab aab ab"):
        for p in zip(word, word[1:], strict=False):
            counts[p] = counts.get(p, 0) + 1
    best = max(counts.values())
    assert learned.merges[0].count == best
    assert learned.merges[0].pair == min(p for p, c in counts.items() if c == best)


def test_each_merge_counts_what_it_merges():
    text = "low lower lowest newer wider new"
    learned = bpe.learn(text, 10)
    for m in learned.merges:
        before = bpe.encode(learned.truncated(m.rank), text)
        pairs = sum(1 for a, b in zip(before, before[1:], strict=False) if (a, b) == m.pair)
        assert pairs >= m.count // 2 and m.count >= 2


@given(st.text(max_size=200), st.integers(0, 30))
def test_decoding_reproduces_any_text(text, merges):
    learned = bpe.learn(text, merges)
    assert bpe.decode(bpe.encode(learned, text)) == text


def test_time_machine_merges_compress_and_reproduce():
    text = load_time_machine("d2l", normalize=False)
    learned = bpe.learn(text, 300)
    assert len(learned.merges) == 300
    tokens = bpe.encode(learned, text)
    assert bpe.decode(tokens) == text
    assert len(tokens) < 0.5 * len(text)
    assert " the" in learned.vocab
    assert len(learned.vocab) == len(set(text)) + 300
    # fewer merges, more tokens
    assert len(bpe.encode(learned.truncated(50), text)) > len(tokens)


def test_unseen_words_fall_back_to_characters():
    learned = bpe.learn("the the the", 5)
    assert bpe.encode(learned, "xyz") == ["x", "y", "z"]
    assert bpe.encode(learned, "") == []
