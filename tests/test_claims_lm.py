"""Claims the Language models page makes about its default view, each computed from the
same core calls on the same defaults, and each still in the page's source.

Claim sentence -> test:

- the live perplexity equation "PPL = exp(-1/N Σ log P(x_t | context)): 3-gram = …,
  LSTM = …", with "every model is scored on the last 10 % of the book (… characters)"
  -> test_the_perplexity_equation_shows_both_models_on_the_held_out_text
- the teacher-forcing heatmap labels every one of the V = 28 characters (its rows are
  tall enough for the labels) -> test_the_forcing_heatmap_labels_every_character_row
"""

from pathlib import Path

import pytest
from apptools import assert_ok, charts, latex

from seqviz import checkpoints, lm, ngram
from seqviz.figures import lm as lfigs
from seqviz.text import heldout_split, load_time_machine, tokenize

PAGE = "views/lm.py"
ROOT = Path(__file__).resolve().parents[1]
SOURCE = (ROOT / "app" / "views" / "lm.py").read_text()
TRAIN, HELDOUT = heldout_split(load_time_machine())


@pytest.fixture(scope="module")
def counts():
    return ngram.count(tokenize(TRAIN, "char"), 6, checkpoints.load("lstm").vocab)


def test_the_perplexity_equation_shows_both_models_on_the_held_out_text(open_page, counts):
    assert "st.latex(lm_parts.perplexity_tex(n, ppls[n - 1], rnn_ppl))" in SOURCE
    assert (
        "every model is scored on the last 10 % of the book ({len(HELDOUT):,} characters)" in SOURCE
    )
    at = open_page(PAGE)
    assert_ok(at)
    ppl_3 = ngram.NGram(counts, 3, 0.1, "backoff").perplexity(tokenize(HELDOUT, "char"))
    ppl_lstm = lm.perplexity(checkpoints.load("lstm"), HELDOUT)
    eq = next(e for e in latex(at).split("\n") if e.startswith(r"\text{PPL}"))
    assert rf"\text{{3-gram}} = {ppl_3:.2f}" in eq
    assert rf"\text{{LSTM}} = {ppl_lstm:.2f}" in eq
    caption = next(c.value for c in at.caption if "every model is scored" in c.value)
    assert f"({len(HELDOUT):,} characters)" in caption


def test_the_forcing_heatmap_labels_every_character_row(open_page):
    at = open_page(PAGE)
    vocab = checkpoints.load("lstm").vocab.idx_to_token
    assert len(vocab) == 28
    figs = [
        f for f in charts(at) if (f["layout"].get("title") or {}).get("text") == "Teacher forced"
    ]
    assert len(figs) == 1
    lay = figs[0]["layout"]
    assert lay["yaxis"]["tickvals"] == list(range(28))
    d0, d1 = lay["yaxis"]["domain"]
    per_row = (d1 - d0) * (lay["height"] - lay["margin"]["t"] - lay["margin"]["b"]) / 28
    assert per_row >= lfigs.ROW_PX * 0.95 > 1.2 * lay["yaxis"]["tickfont"]["size"]
