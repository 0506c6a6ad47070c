"""Every sentence of the Siamese lab that tells the student what they will see, tested.

Each test computes the claim from the same core calls on the same defaults the page uses
(``app.views.siamese_parts`` defaults, the shipped ``siamese-lstm`` checkpoint,
``seqviz.siamese``, ``seqviz.triplet``) and asserts the sentence is still in the page's
source or prose.

Claim (where) -> test

- "It was trained with the triplet loss on 606 duplicate pairs of the SICK corpus (each
  sentence entails the other)" (sia_intro.md) -> test_trained_on_606_mutual_entailment_pairs
- "the model calls A and B **duplicates**" for the default pair (siamese.py, its verdict) ->
  test_the_default_pair_is_called_duplicate
- "the cells of the bottom row add up to cos(v_A, v_B)" (siamese.py, under the encodings) ->
  test_the_bottom_row_adds_up_to_the_cosine
- "numbers in all** — once, not twice: v_A and v_B both come out of exactly these tensors"
  (siamese.py) -> test_one_set_of_weights_encodes_both
- "Black squares: the diagonal"; "Vermillion squares: each row's closest negative n_i, the
  largest S_ij that is not above the diagonal (dotted: none is, the notes' fallback)"
  (siamese.py, under the matrix) -> test_the_matrix_marks_the_diagonal_and_closest_negatives
- "Training pulls duplicates together more than it pulls non-duplicates" (siamese.py) ->
  test_training_widens_the_gap_between_duplicates_and_non_duplicates
- "the cosine stays high, so the model calls a contradiction a duplicate" (sia_try.md) ->
  test_a_contradiction_is_called_a_duplicate
- "the default pair still gets a cosine above 0.5, but so does the average held-out
  non-duplicate pair" (sia_try.md) -> test_untrained_cosines_are_high_for_everything
- "raise the margin α to 1: every row gets a positive loss term"; "With the untrained
  weights, row 2's closest negative is dotted" (sia_try.md) ->
  test_margin_one_and_the_untrained_fallback_row
- "Each step draws 32 training duplicate pairs" (sia_training.md) ->
  test_each_step_draws_32_pairs
- "held-out SICK pairs, half of them duplicates" with the trained weights' accuracy, τ and
  AUC (siamese.py, under the verdict) -> test_the_score_note_is_the_checkpoints_score
- "The last step's h_T is the encoding v_A" (siamese.py, under the step-through) ->
  test_the_last_step_of_the_reading_is_the_encoding
- "a grey line joins the two sentences of a pair (blue: A, vermillion: B)" (siamese.py,
  the embedding map) -> test_the_map_joins_each_pair_with_a_grey_line
- "one bar per sentence of the set, the highest cosine on top; blue bars are above τ ...,
  grey ones are not" (siamese.py, one-shot) -> test_the_one_shot_bars_rank_the_set
- "each bar is how much cos(v_A, v_B) falls when that one word is left out of its sentence
  (Δ > 0, blue ...; Δ < 0, vermillion ...)" (siamese.py, why this cosine) ->
  test_the_word_bars_are_the_cosine_lost_without_each_word
"""

import re
from pathlib import Path

import pytest
import torch

from app.views import siamese_parts as parts
from seqviz import checkpoints, pairs_data, siamese, siamese_training, triplet
from seqviz.figures import siamese as figs
from seqviz.figures.style import OKABE_ITO

ROOT = Path(__file__).resolve().parents[1]
# the page's source with adjacent string literals joined ("...a "\n  f"b..." -> "...a b...")
PAGE = re.sub(r'"\s*\n\s*f?"', "", (ROOT / "app" / "views" / "siamese.py").read_text("utf-8"))


def prose(name: str) -> str:
    return " ".join((ROOT / "assets" / "text" / f"{name}.md").read_text(encoding="utf-8").split())


def in_source(sentence: str, source: str) -> None:
    assert " ".join(sentence.split()) in " ".join(source.split()), sentence


@pytest.fixture(scope="module")
def trained():
    return checkpoints.load(parts.NAME)


@pytest.fixture(scope="module")
def untrained():
    return checkpoints.untrained(parts.NAME)


def cos_of(enc, a: str, b: str) -> float:
    e_a, e_b = siamese.encode(enc, pairs_data.vocab(), [a, b])
    return float(siamese.cosine(e_a.v, e_b.v))


def default_batch(enc, size: int = 6, seed: int = 0, margin: float = 0.25, variant="both"):
    chosen = pairs_data.sample(pairs_data.heldout_duplicates(), size, seed)
    v = pairs_data.vocab()
    S = siamese.cosine_matrix(
        siamese.encode_tensor(enc, v, [p.a for p in chosen]),
        siamese.encode_tensor(enc, v, [p.b for p in chosen]),
    )
    return triplet.triplet_terms(S, margin, variant)


def test_trained_on_606_mutual_entailment_pairs():
    in_source(
        "It was trained with the triplet loss on 606 duplicate pairs of the SICK corpus "
        "(each sentence entails the other)",
        prose("sia_intro"),
    )
    pairs = pairs_data.training_pairs()
    assert len(pairs) == 606 and all(p.duplicate for p in pairs)
    assert checkpoints.info(parts.NAME)["metrics"]["training_pairs"] == 606


def test_the_default_pair_is_called_duplicate(trained):
    in_source("the model calls A and B", PAGE)
    tau = round(siamese_training.score(trained).threshold, 2)  # the slider's default
    assert cos_of(trained, parts.DEFAULT_A, parts.DEFAULT_B) > tau


def test_the_bottom_row_adds_up_to_the_cosine(trained):
    in_source("the cells of the bottom row add up to cos(v_A, v_B)", PAGE)
    e_a, e_b = siamese.encode(trained, pairs_data.vocab(), [parts.DEFAULT_A, parts.DEFAULT_B])
    fig = figs.encodings(e_a.v, e_b.v)
    shares = fig.data[1].z[0]
    assert float(sum(shares)) == pytest.approx(float(siamese.cosine(e_a.v, e_b.v)), abs=1e-5)


def test_one_set_of_weights_encodes_both(trained):
    in_source(
        "numbers in all** — once, not twice: v_A and v_B both come out of exactly these tensors",
        PAGE,
    )
    table = parts.weights_table(trained)
    assert int(table["numbers"].sum()) == sum(p.numel() for p in trained.parameters()) == 78368
    # encoding A and B separately or side by side gives the same vectors: one function
    e_a, e_b = siamese.encode(trained, pairs_data.vocab(), [parts.DEFAULT_A, parts.DEFAULT_B])
    alone = siamese.encode(trained, pairs_data.vocab(), [parts.DEFAULT_B])[0]
    assert torch.allclose(e_b.v, alone.v, atol=1e-6)


def test_the_matrix_marks_the_diagonal_and_closest_negatives(trained):
    in_source("Black squares: the diagonal", PAGE)
    in_source(
        "Vermillion squares: each row's closest negative n_i, the largest S_ij that is "
        "not above the diagonal (dotted: none is, the notes' fallback)",
        PAGE,
    )
    t = default_batch(trained)
    fig = figs.similarity_matrix(t, ["a"] * 6, ["p"] * 6)
    black = [s for s in fig.layout.shapes if s.line.color == figs.STEP_LINE]
    red = [s for s in fig.layout.shapes if s.line.color == figs.CLOSEST_COLOR]
    assert [(round(s.x0 + 0.5), round(s.y0 + 0.5)) for s in black] == [(i, i) for i in range(6)]
    assert [round((s.x0 + s.x1) / 2) for s in red] == t.closest_index.tolist()
    for i, j in enumerate(t.closest_index.tolist()):
        negatives = [float(t.S[i, k]) for k in range(6) if k != i]
        below = [x for x in negatives if x <= float(t.S[i, i])]
        assert float(t.S[i, j]) == pytest.approx(max(below))


def test_training_widens_the_gap_between_duplicates_and_non_duplicates(trained, untrained):
    in_source("Training pulls duplicates together more than it pulls non-duplicates", PAGE)
    chosen = pairs_data.sample(pairs_data.heldout_duplicates(), parts.PCA_PAIRS, parts.PCA_SEED)
    non = [p for p in pairs_data.heldout_pairs() if not p.duplicate]
    gaps = []
    for enc in (untrained, trained):
        dup = float(siamese_training.pair_cosines(enc, chosen).mean())
        nondup = float(siamese_training.pair_cosines(enc, non).mean())
        gaps.append(dup - nondup)
    assert gaps[1] > gaps[0] + 0.05


def test_a_contradiction_is_called_a_duplicate(trained):
    in_source(
        "the cosine stays high, so the model calls a contradiction a duplicate", prose("sia_try")
    )
    tau = siamese_training.score(trained).threshold
    assert cos_of(trained, "A man is playing a guitar", "A man is not playing a guitar") > tau


def test_untrained_cosines_are_high_for_everything(untrained):
    in_source(
        "the default pair still gets a cosine above 0.5, but so does the average held-out "
        "non-duplicate pair",
        prose("sia_try"),
    )
    assert cos_of(untrained, parts.DEFAULT_A, parts.DEFAULT_B) > 0.5
    non = [p for p in pairs_data.heldout_pairs() if not p.duplicate]
    assert float(siamese_training.pair_cosines(untrained, non).mean()) > 0.5


def test_margin_one_and_the_untrained_fallback_row(trained, untrained):
    in_source("raise the margin α to 1: every row gets a positive loss term", prose("sia_try"))
    in_source("With the untrained weights, row 2's closest negative is dotted", prose("sia_try"))
    t = default_batch(trained, margin=1.0)
    assert bool(((t.loss_mean + t.loss_closest) > 0).all())
    assert default_batch(untrained).fallback.tolist() == [False, True, False, False, False, False]


def test_each_step_draws_32_pairs():
    in_source("Each step draws 32 training duplicate pairs", prose("sia_training"))
    assert checkpoints.entry(parts.NAME).config.batch_size == 32
    assert len(siamese_training.batch_at(checkpoints.entry(parts.NAME).config, 0)[0]) == 32


def test_the_score_note_is_the_checkpoints_score(trained):
    held = pairs_data.heldout_pairs()
    assert len(held) == 1220 and 2 * sum(p.duplicate for p in held) == len(held)
    s = siamese_training.score(trained)
    m = checkpoints.info(parts.NAME)["metrics"]
    assert s.accuracy == pytest.approx(m["heldout_accuracy"], abs=1e-4)
    assert s.auc == pytest.approx(m["heldout_auc"], abs=1e-4) and s.baseline == 0.5
    in_source("held-out SICK pairs, half of them duplicates", PAGE)


def test_the_last_step_of_the_reading_is_the_encoding(trained):
    v_b = siamese.encode(trained, pairs_data.vocab(), [parts.DEFAULT_B])[0].v
    r = siamese.read(trained, pairs_data.vocab(), parts.DEFAULT_A, v_b)
    v_a = siamese.encode(trained, pairs_data.vocab(), [parts.DEFAULT_A])[0].v
    torch.testing.assert_close(r.h[-1], v_a, atol=1e-5, rtol=0)
    assert float(r.cos_to_other[-1]) == pytest.approx(
        cos_of(trained, parts.DEFAULT_A, parts.DEFAULT_B), abs=1e-5
    )
    in_source("The last step's h_T is the encoding v_A.", PAGE)


def test_the_map_joins_each_pair_with_a_grey_line():
    pts = torch.arange(8.0).reshape(4, 2)
    fig = figs.embedding_space(pts, pts, ["a1", "b1", "a2", "b2"], ("x", "y"))
    lines, dots = fig.data[0], fig.data[1]
    assert lines.mode == "lines" and list(lines.x) == [0.0, 2.0, None, 4.0, 6.0, None]
    grey = lines.line.color.lstrip("#")
    assert grey[0:2] == grey[2:4] == grey[4:6]
    assert list(dots.marker.color) == [OKABE_ITO["blue"], OKABE_ITO["vermillion"]] * 2
    in_source("a grey line joins the two sentences of a pair (blue: A, vermillion: B)", PAGE)


def test_the_one_shot_bars_rank_the_set(trained):
    v = pairs_data.vocab()
    cos = siamese.cosine_matrix(
        siamese.encode_tensor(trained, v, [parts.DEFAULT_NEW]),
        siamese.encode_tensor(trained, v, list(parts.ONE_SHOT_SET)),
    )[0]
    tau = siamese_training.score(trained).threshold
    fig = figs.one_shot(parts.ONE_SHOT_SET, cos, tau)
    bars = fig.data[0]
    assert len(bars.x) == len(parts.ONE_SHOT_SET)
    assert list(bars.x) == sorted(bars.x, reverse=True) and fig.layout.yaxis.autorange == "reversed"
    assert [c == OKABE_ITO["blue"] for c in bars.marker.color] == [x > tau for x in bars.x]
    assert any(x > tau for x in bars.x) and any(x <= tau for x in bars.x)  # both colours shown
    in_source(
        "one bar per sentence of the set, the highest cosine on top; blue bars are above τ", PAGE
    )
    in_source("grey ones are not", PAGE)


def test_the_word_bars_are_the_cosine_lost_without_each_word(trained):
    v = pairs_data.vocab()
    e_a, e_b = siamese.encode(trained, v, [parts.DEFAULT_A, parts.DEFAULT_B])
    d_a = siamese.word_effects(trained, v, parts.DEFAULT_A, e_b.v)
    d_b = siamese.word_effects(trained, v, parts.DEFAULT_B, e_a.v)
    words = pairs_data.words(parts.DEFAULT_A)
    full = cos_of(trained, parts.DEFAULT_A, parts.DEFAULT_B)
    for t in range(len(words)):  # the same number, by typing A again without word t
        without = " ".join(words[:t] + words[t + 1 :])
        assert float(d_a[t]) == pytest.approx(
            full - cos_of(trained, without, parts.DEFAULT_B), abs=1e-5
        )
    fig = figs.word_effects(e_a.tokens, d_a, e_b.tokens, d_b)
    for bars, d in zip(fig.data, (d_a, d_b), strict=True):
        assert list(bars.y) == pytest.approx(d.tolist())
        assert list(bars.marker.color) == [
            OKABE_ITO["blue"] if x > 0 else OKABE_ITO["vermillion"] for x in d.tolist()
        ]
    in_source(
        "each bar is how much cos(v_A, v_B) falls when that one word is left out of its sentence "
        "(Δ > 0, blue: the word makes A and B look alike; Δ < 0, vermillion: it makes them look "
        "different)",
        PAGE,
    )
