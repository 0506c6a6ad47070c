"""Claims the Text & tokens page makes about its default view, each computed from the
same core calls on the same defaults, and each still in the page's source.

Claim sentence -> test:

- Zipf caption "Each dashed line is the fit, drawn over the ranks it was fitted on: from
  rank 1 to the last n-gram seen at least {MIN_COUNT} times (the bar marks it)"
  -> test_each_fit_is_drawn_over_ranks_1_to_the_last_seen_min_count_times
- Zipf caption "leaving out the long flat steps of n-grams seen once, twice, …"
  -> test_each_fit_is_drawn_over_ranks_1_to_the_last_seen_min_count_times
- Zipf chart title "(word level: words only, punctuation marks left out)"
  -> test_the_default_word_counts_leave_out_punctuation
- Minibatch table "as the model receives it" with newlines written ↵ like the token
  panels -> test_the_minibatch_table_writes_newlines_as_the_figures_do
"""

import base64
from pathlib import Path

import numpy as np
from apptools import assert_ok, charts

from seqviz import batching, zipf
from seqviz.figures.style import token_label
from seqviz.text import load_time_machine, tokenize

PAGE = "views/text.py"
SOURCE = (Path(__file__).resolve().parents[1] / "app" / "views" / "text.py").read_text()
TM = load_time_machine("d2l", normalize=False)


def _values(a) -> list:
    """A Plotly array from the chart JSON: a list, or a typed array (base64 bdata)."""
    if isinstance(a, dict) and "bdata" in a:
        return np.frombuffer(base64.b64decode(a["bdata"]), dtype=np.dtype(a["dtype"])).tolist()
    return list(a)


def _zipf_chart(at) -> dict:
    figs = [f for f in charts(at) if "Frequency vs rank" in f["layout"]["title"]["text"]]
    assert len(figs) == 1
    return figs[0]


def test_each_fit_is_drawn_over_ranks_1_to_the_last_seen_min_count_times(open_page):
    assert "from rank 1 to the last n-gram seen at least {zipf.MIN_COUNT} times (the bar" in SOURCE
    assert "leaving out the long flat steps of n-grams seen once, twice, …" in SOURCE
    at = open_page(PAGE)
    assert_ok(at)
    fig = _zipf_chart(at)
    fits = [t for t in fig["data"] if t["name"].startswith("fit over ranks")]
    assert len(fits) == 3
    words = zipf.words_only(tokenize(TM, "word"))
    for n, trace in zip((1, 2, 3), fits, strict=True):
        counts = [c for _, c in zipf.ngram_freqs(words, n)]
        last = max(k for k, c in enumerate(counts, 1) if c >= zipf.MIN_COUNT)
        assert counts[last] < zipf.MIN_COUNT  # the next rank is below: K is the last
        assert counts[-1] == 1 and last < len(counts)  # the singleton plateau is left out
        xs = _values(trace["x"])
        assert (xs[0], xs[-1]) == (1, last)
        assert trace["name"] == f"fit over ranks 1–{last:,}"
        sizes = _values(trace["marker"]["size"])
        assert sizes[-1] > 0 and not any(sizes[:-1])


def test_the_default_word_counts_leave_out_punctuation(open_page):
    assert '"words only, punctuation marks left out"' in SOURCE
    at = open_page(PAGE)
    fig = _zipf_chart(at)
    assert "word level: words only, punctuation marks left out" in fig["layout"]["title"]["text"]
    assert at.toggle(key="text_zipf_punct").value is False
    unigram = next(t for t in fig["data"] if t["name"].startswith("unigrams"))
    words = zipf.words_only(tokenize(TM, "word"))
    counts = [c for _, c in zipf.ngram_freqs(words, 1)]
    assert _values(unigram["y"])[0] == counts[0]
    assert zipf.ngram_freqs(words, 1)[0][0] == ("the",)  # not ',' as with punctuation
    assert zipf.ngram_freqs(tokenize(TM, "word"), 1)[0][0] == (",",)
    # the toggle counts them again
    at.toggle(key="text_zipf_punct").set_value(True).run()
    fig = _zipf_chart(at)
    assert "punctuation marks counted as words" in fig["layout"]["title"]["text"]
    unigram = next(t for t in fig["data"] if t["name"].startswith("unigrams"))
    assert _values(unigram["y"])[0] == zipf.ngram_freqs(tokenize(TM, "word"), 1)[0][1]


def test_the_minibatch_table_writes_newlines_as_the_figures_do(open_page):
    """Row 1 of the default minibatch 1 reads three newlines, 'I' and a newline: the
    table writes them ↵ (and spaces ␣), as style.token_label does in every figure."""
    assert '"X (input)": [text_parts.shown(x) for x in first_X]' in SOURCE
    at = open_page(PAGE)
    table = next(d.value for d in at.dataframe if "X (input)" in d.value.columns)
    corpus = tokenize(TM, "char")[:120]  # the defaults: N = 120, B = 3, T = 5, seed 0
    part = batching.partition(len(corpus), 3, 5, "sequential", seed=0)
    xs = ["".join(corpus[s : s + 5]) for s in part.starts[0]]
    ys = ["".join(corpus[s + 1 : s + 6]) for s in part.starts[0]]
    assert xs[1] == "\n\n\nI\n"
    assert list(table["X (input)"]) == [token_label(x, compact=False) for x in xs]
    assert list(table["Y (target = X shifted by one)"]) == [
        token_label(y, compact=False) for y in ys
    ]
    assert table["X (input)"][1] == "↵↵↵I↵"
