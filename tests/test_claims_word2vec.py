"""Claims the Word2Vec page makes about what it shows, each computed from the same core
calls, and each still in the page's source or prose.

Claim sentence -> test:

- W chart caption "the outlined row is the centre word's, row w_j (its vocabulary
  index, not its position j in the sentence): multiplying by the one-hot x_j just picks
  it, and that row is h_j" -> test_the_outlined_row_and_the_lookup_are_the_word_s_index
- intro "a one-hot x_j picks the centre word's row of the embedding matrix W — row w_j,
  the word's index in the vocabulary (not its position j in the text) — and that row is
  h_j" -> test_the_outlined_row_and_the_lookup_are_the_word_s_index
- the default view's equation (lecture mode: above the window) "C = {web_{+1},
  data_{+2}} … x_j = mining" -> test_the_default_centre_and_its_context_set
"""

from pathlib import Path

from apptools import assert_ok, charts, latex

from app.views import word2vec_parts as parts
from seqviz import word2vec as w2v
from seqviz.latex import num

PAGE = "views/word2vec.py"
ROOT = Path(__file__).resolve().parents[1]
PARTS = (ROOT / "app" / "views" / "word2vec_parts.py").read_text()
INTRO = (ROOT / "assets" / "text" / "w2v_intro.md").read_text()


def _title(fig: dict) -> str:
    return (fig["layout"].get("title") or {}).get("text") or ""


def _outlined_rows(fig: dict) -> list[float]:
    """The y centres of the rectangles that outline rows of a matrix figure."""
    shapes = fig["layout"].get("shapes", [])
    return sorted((s["y0"] + s["y1"]) / 2 for s in shapes if s.get("type") == "rect")


def test_the_outlined_row_and_the_lookup_are_the_word_s_index(open_page):
    assert "the outlined row is the centre word's, row w_j (its " in PARTS
    assert "vocabulary index, not its position j in the sentence)" in PARTS
    assert "row $w_j$, the word's index in the vocabulary (not its position $j$" in INTRO
    at = open_page(PAGE)
    # "the" is at positions 0 and 3 but is one vocabulary word, index 0: at j = 3 the
    # network picks row 0 of W, not row 3
    at.text_input(key="w2v_sentence").input("the cat saw the dog").run()
    at.slider(key="w2v_center").set_value(3).run()
    assert_ok(at)
    tokens = parts.words_of("the cat saw the dog")
    words = list(dict.fromkeys(tokens))
    assert words.index(tokens[3]) == 0
    eq = latex(at)
    assert r"w_j = 0:" in eq and r"\text{row } 0 \text{ of } W" in eq
    assert r"\text{row } 3" not in eq
    W = next(f for f in charts(at) if _title(f).startswith("W ("))
    ticks = W["layout"]["yaxis"]["ticktext"]
    assert list(ticks)[:4] == ["the", "cat", "saw", "dog"]
    rows = _outlined_rows(W)
    assert rows == [W["layout"]["yaxis"]["tickvals"][0]]  # row 0 only, not row 3
    grad = next(f for f in charts(at) if _title(f).startswith("∂H/∂W:"))
    assert "only row w<sub>j</sub> = 0 (the)" in _title(grad)


def test_the_default_centre_and_its_context_set(open_page):
    at = open_page(PAGE)
    assert_ok(at)
    tokens = parts.words_of(parts.DEFAULT_SENTENCE)
    windows = w2v.draw_windows(tokens, 2, dynamic=False, sample=None, counts=None, seed=0)
    assert windows.contexts(0) == [1, 2]
    eq = latex(at)
    assert r"C = \{ \text{``web''}_{+1},\ \text{``data''}_{+2} \}" in eq
    assert r"w_j = 0:" in eq and num(0) is not None
