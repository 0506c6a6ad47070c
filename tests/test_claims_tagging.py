"""Every sentence of the tagging lab that tells the student what they will see, tested.

Each test computes the claim from the same core calls on the same defaults the page uses
(``app.views.tagging_parts``: the default sentence, the two examples, the shipped
checkpoints ner-bilstm / ner-lstm, the held-out split), and asserts the sentence is still
in the page's source or prose.

Claim (where) -> test

- "a column sums to 1" (tagging.py, under the tag chart); "the softmax over all 7 logits"
  (tagging.py); "turns the 7 logits into tag probabilities" (tag_intro.md) ->
  test_each_column_is_a_distribution_over_7_tags
- "the first line splits the chosen tag's logit z into what the forward state contributes,
  what the backward state contributes and the bias" (tagging.py) ->
  test_the_logit_splits_into_forward_backward_and_bias
- "its probabilities for word 1 are **exactly the same** in both sentences" (tag_teddy.md);
  "The forward LSTM's numbers for word 1 cannot change between the sentences" (tag_try.md);
  "the forward bars are identical" (tag_teddy.md) -> test_the_forward_lstm_cannot_tell_the_teddys_apart
- "\"Teddy\" never occurs in the training data, so both taggers see it as `<unk>`"
  (tag_teddy.md) -> test_teddy_is_unknown_to_both_taggers
- "it tags \"Teddy\" `O` in both sentences"; "**p(B-PER) for \"Teddy\" more than doubles**";
  "while the forward LSTM's does not move at all"; "only the backward part of `B-PER`
  changes"; "The BiLSTM then tags \"Roosevelt\" `I-PER`" (tag_teddy.md) ->
  test_what_the_trained_bilstm_does_with_teddy
- "its column t already knows every word after x_t" (tagging.py, backward states) ->
  test_the_backward_state_reads_the_words_after_and_the_forward_state_does_not
- "tagging every word `O` already gets most words right while finding no entity at all
  (F1 = 0)" (tag_scores.md) -> test_all_o_gets_most_words_right_and_no_entity
- "The baseline tags each word with its most frequent tag in training" (tagging.py) and the
  shipped taggers beat it -> test_both_taggers_beat_the_word_baseline_by_the_recorded_margin
- "the BiLSTM's entity F1 is **higher than the forward LSTM's** (second table), with the
  same data, sizes and steps" (tag_teddy.md) ->
  test_tagger_checkpoints.py::test_the_bilstm_beats_the_forward_lstm_on_heldout_entities
- "the word is `<unk>`" for "Zorblat went to Paris" (tag_try.md) -> test_zorblat_is_unknown
- "the orange square is the tag chosen (the most probable); the blue outline is word t; a
  small ? after a word marks a word unknown to the model" (tagging.py, under the tag chart)
  -> test_the_tag_chart_marks_the_chosen_tag_the_word_and_unknown_words
- "the forward part (blue), backward part (vermillion) and bias (grey) stack up to the logit
  z (diamond); the tag in bold has the largest z" (tagging.py) ->
  test_the_split_bars_stack_up_to_the_logit
- "each row sums to 1; the diagonal is right" (tagging.py, confusion) ->
  test_each_confusion_row_sums_to_one
- "One step takes 16 training sentences", "20 % of the words are replaced by `<unk>`",
  "dropout hides 30 %", "gradients clipped at norm 5", "Every 100 steps" (tag_training.md)
  -> test_the_training_prose_matches_the_training_settings
"""

import ast
from functools import cache
from pathlib import Path

import pytest
import torch

from app.views import tagging_parts as parts
from seqviz import checkpoints, ner_data, spans, tagger, tagger_training
from seqviz.figures import tagging as tfigs
from seqviz.figures.style import OKABE_ITO
from seqviz.ner_data import TAGS


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


ROOT = Path(__file__).resolve().parents[1]
B_PER = TAGS.index("B-PER")


def page_strings() -> str:
    """The page's string literals (adjacent literals joined, as Python joins them)."""
    tree = ast.parse((ROOT / "app/views/tagging.py").read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            found.append(
                "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append(node.value)
    return " | ".join(found)


def source(*names: str) -> str:
    """The page's strings and the named prose files, whitespace collapsed."""
    prose = [(ROOT / f"assets/text/{n}.md").read_text(encoding="utf-8") for n in names]
    return " ".join(" ".join(t.split()) for t in [page_strings(), *prose])


@cache
def read(name: str, sentence: str) -> tagger.Reading:
    return tagger.read(checkpoints.load(name), tuple(tagger.words_of(sentence)))


def test_each_column_is_a_distribution_over_7_tags():
    r = read("ner-bilstm", parts.DEFAULT_TEXT)
    assert r.probs.shape[1] == len(TAGS) == 7
    torch.testing.assert_close(r.probs.sum(-1), torch.ones(r.probs.shape[0]))
    text = source("tag_intro")
    assert "a column sums to 1" in text and "the softmax over all" in text
    assert "turns the 7 logits into tag probabilities" in text


def test_the_logit_splits_into_forward_backward_and_bias():
    model = checkpoints.load("ner-bilstm")
    r = read("ner-bilstm", parts.DEFAULT_TEXT)
    H = model.config.hidden_size
    h = torch.cat([r.h_fwd, r.h_bwd], dim=-1)
    torch.testing.assert_close(model.out(h), r.fwd_part + r.bwd_part + r.bias)
    assert (
        "what the forward state contributes, what the backward state contributes and the bias"
        in source()
    )
    assert H * 2 == model.out.in_features


def test_the_forward_lstm_cannot_tell_the_teddys_apart():
    a, b = (read("ner-lstm", s) for s in parts.EXAMPLES)
    assert torch.equal(a.probs[0], b.probs[0]) and torch.equal(a.fwd_part[0], b.fwd_part[0])
    bi_a, bi_b = (read("ner-bilstm", s) for s in parts.EXAMPLES)
    assert torch.equal(bi_a.fwd_part[0], bi_b.fwd_part[0])  # the BiLSTM's forward bars too
    text = source("tag_teddy", "tag_try")
    assert "its probabilities for word 1 are **exactly the same** in both sentences" in text
    assert "The forward LSTM's numbers for word 1 cannot change between the sentences" in text
    assert "the forward bars are identical" in text


def test_teddy_is_unknown_to_both_taggers():
    train = ner_data.load("train")
    assert not any(w.lower() == "teddy" for s in train for w in s.words)
    for name in parts.MODELS.values():
        assert read(name, parts.EXAMPLES[0]).unknown[0]
    assert '"Teddy" never occurs in the training data, so both taggers see it as `<unk>`' in source(
        "tag_teddy"
    )


def test_what_the_trained_bilstm_does_with_teddy():
    bears, roosevelt = (read("ner-bilstm", s) for s in parts.EXAMPLES)
    assert bears.tags[0] == roosevelt.tags[0] == "O"
    assert roosevelt.probs[0, B_PER] > 2 * bears.probs[0, B_PER]
    assert roosevelt.bwd_part[0, B_PER] > bears.bwd_part[0, B_PER]
    assert roosevelt.tags[1] == "I-PER"
    l_bears, l_roosevelt = (read("ner-lstm", s) for s in parts.EXAMPLES)
    assert l_bears.probs[0, B_PER] == l_roosevelt.probs[0, B_PER]
    text = source("tag_teddy")
    for claim in (
        'it tags "Teddy" `O` in both sentences',
        '**p(B-PER) for "Teddy" more than doubles**',
        "while the forward LSTM's does not move at all",
        "only the backward part of `B-PER` changes",
        'The BiLSTM then tags "Roosevelt" `I-PER`',
    ):
        assert claim in text, claim


def test_the_backward_state_reads_the_words_after_and_the_forward_state_does_not():
    words = list(tagger.words_of(parts.DEFAULT_TEXT))
    changed = words[:-2] + ["Kingdom", words[-1]]  # change a later word
    a, b = read("ner-bilstm", " ".join(words)), read("ner-bilstm", " ".join(changed))
    torch.testing.assert_close(a.h_fwd[:-2], b.h_fwd[:-2], rtol=0, atol=0)
    assert not torch.allclose(a.h_bwd[0], b.h_bwd[0])
    assert "its column t already knows every word after x_t" in " ".join(source().split())


def test_all_o_gets_most_words_right_and_no_entity():
    heldout = ner_data.load("heldout")
    gold = [list(s.tags) for s in heldout]
    all_o = tagger_training.majority_tags(heldout)
    assert all_o[0][0] == "O"
    assert spans.token_accuracy(gold, all_o) > 0.9 and spans.score(gold, all_o).f1 == 0.0
    assert "already gets most words right while finding no entity at all (F1 = 0)" in source(
        "tag_scores"
    )


@pytest.mark.parametrize("name", ["ner-bilstm", "ner-lstm"])
def test_both_taggers_beat_the_word_baseline_by_the_recorded_margin(name):
    m = checkpoints.info(name)["metrics"]
    assert m["margin_entity_f1_over_word_baseline"] > 0.05
    assert m["heldout_entity_f1"] == pytest.approx(
        m["baseline_word_entity_f1"] + m["margin_entity_f1_over_word_baseline"], abs=2e-4
    )
    assert m["margin_token_accuracy_over_majority"] > 0
    assert "The baseline tags each word with its most frequent tag in training" in " ".join(
        source().split()
    )


def test_zorblat_is_unknown():
    r = read("ner-bilstm", "Zorblat went to Paris")
    assert r.unknown[0] and r.shapes[0] == "Capitalised"
    assert '("Zorblat went to Paris"): the word is `<unk>`' in source("tag_try")


def test_the_comparison_sentence_is_in_the_prose():
    """(The numbers: tests/test_tagger_checkpoints.py.)"""
    a, b = (checkpoints.entry(n).config for n in ("ner-bilstm", "ner-lstm"))
    assert (
        a.hidden_size == b.hidden_size and a.steps == b.steps and a.bidirectional != b.bidirectional
    )
    assert (
        "the BiLSTM's entity F1 is **higher than the forward LSTM's** (second table), with the same data, sizes and steps"
        in source("tag_teddy")
    )


def test_the_tag_chart_marks_the_chosen_tag_the_word_and_unknown_words():
    words = tuple(tagger.words_of(parts.DEFAULT_TEXT))
    r = read("ner-bilstm", parts.DEFAULT_TEXT)
    fig = tfigs.tag_probabilities(r.probs, words, TAGS, unknown=r.unknown, step=2)
    rings = next(t for t in fig.data if t.type == "scatter")
    assert list(rings.y) == r.probs.argmax(-1).tolist()  # one square per word, on its argmax
    assert rings.marker.color == OKABE_ITO["orange"] and rings.marker.symbol == "square-open"
    outline = [s for s in fig.layout.shapes if s.type == "rect"]
    assert outline and all(s.x0 == 1.5 and s.x1 == 2.5 for s in outline)  # word t = 3
    labels = list(fig.layout.xaxis.ticktext)
    assert r.unknown[0] and not r.unknown[2]
    assert "?" in labels[0] and "?" not in labels[2]
    text = source()
    assert (
        "the orange square is the tag chosen (the most probable); the blue outline is word t"
        in text
    )
    assert "a small ? after a word marks a word unknown to the model" in text


def test_the_split_bars_stack_up_to_the_logit():
    r = read("ner-bilstm", parts.DEFAULT_TEXT)
    k = int(r.logits[0].argmax())
    fig = tfigs.logit_split(r.fwd_part[0], r.bwd_part[0], r.bias, TAGS, chosen=k)
    bars = [t for t in fig.data if t.type == "bar"]
    colours = [b.marker.color for b in bars]
    assert colours[:2] == [OKABE_ITO["blue"], OKABE_ITO["vermillion"]]
    grey = colours[2].lstrip("#")
    assert grey[0:2] == grey[2:4] == grey[4:6]  # the bias: a grey (red = green = blue)
    total = sum(torch.tensor(list(b.y)) for b in bars)
    torch.testing.assert_close(total, r.logits[0].double(), atol=1e-5, rtol=0)
    diamonds = next(t for t in fig.data if t.type == "scatter")
    torch.testing.assert_close(
        torch.tensor(list(diamonds.y)), r.logits[0].double(), atol=1e-5, rtol=0
    )
    bold = [x for x in bars[0].x if x.startswith("<b>")]
    assert bold == [f"<b>{TAGS[k]}</b>"]
    assert (
        "the forward part (blue), backward part (vermillion) and bias (grey) stack up to the "
        "logit z (diamond); the tag in bold has the largest z" in source()
    )


def test_each_confusion_row_sums_to_one():
    heldout = ner_data.load("heldout")
    gold = [list(s.tags) for s in heldout]
    pred = tagger_training.predict(checkpoints.load("ner-bilstm"), heldout)
    fig = tfigs.confusion(spans.confusion(gold, pred, TAGS), TAGS)
    z = torch.tensor(fig.data[0].z)
    torch.testing.assert_close(z.sum(1), torch.ones(len(TAGS), dtype=z.dtype))
    assert "each row sums to 1; the diagonal is right" in source()


def test_the_training_prose_matches_the_training_settings():
    c = tagger.TaggerConfig()
    assert (c.batch_size, c.word_dropout, c.dropout) == (16, 0.2, 0.3)
    page = (ROOT / "app/views/tagging.py").read_text(encoding="utf-8")
    assert "eval_every=100" in page and "embedding_size=32" in page
    training = (ROOT / "seqviz/tagger_training.py").read_text(encoding="utf-8")
    assert "clip=5.0" in training
    text = source("tag_training")
    for claim in (
        "One step takes 16 training sentences",
        "gradients clipped at norm 5",
        "20 % of the words are replaced by `<unk>`",
        "dropout hides 30 %",
        "Every 100 steps",
    ):
        assert claim in text, claim
