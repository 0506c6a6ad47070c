"""Every sentence of the Sentiment lab that tells the student what they will see, tested.

Each test computes the claim from the same core calls on the same defaults the page uses
(``app.controls.DEFAULT_TEXT``, the shipped ``sent-*`` checkpoints,
``seqviz.sentiment_reading.read``), and asserts the sentence is still in the page's source
or prose.

Claim (where) -> test

- "After “boring” (t = 4) every left-to-right model is below 0.1" (sent_try.md) ->
  test_after_boring_every_model_is_below_a_tenth
- "The LSTM lifts its P(positive) at “but” but stays below 0.5" (sent_try.md) ->
  test_the_lstm_lifts_at_but_and_stays_negative
- "there is no flip at “exciting”"; "the word occurs once in the 3000 sentences, so it is
  not in the vocabulary"; "All four end on negative." (sent_try.md); "On this review no
  model changes its mind at “exciting”: the word is `<unk>` here (seen once in the 3000
  sentences), and all four end on negative." (sentiment_parts.py, beside the text box) ->
  test_exciting_is_unknown_and_no_model_flips_there
- "Nor does the data hold a positive use of it: its one sentence, “None of them are engaging
  or exciting.”, is negative, and so are both sentences with “terribly”" (sent_try.md)
  -> test_the_one_exciting_sentence_and_both_terribly_sentences_are_negative
- "now the GRU and the LSTM cross 0.5 at “excellent” and end positive. The bag of
  embeddings stays negative" (sent_try.md); "With “excellent” instead of “terribly
  exciting”, the LSTM crosses 0.5 at “excellent” and ends positive."; "The LSTM changes its
  mind at “excellent”" (sentiment_parts.py, beside the text box) ->
  test_with_excellent_the_gru_and_lstm_flip
- "every left-to-right model goes from positive to negative" ("good" -> "not good",
  sent_try.md) -> test_not_good_turns_every_model_negative
- "trained on the same 2400 real review sentences"; "tested on 600 others" (sent_intro.md);
  "(300 positive, 300 negative), so always answering one class scores 50%" (sentiment.py)
  -> test_the_split_and_the_majority_baseline
- "Each sentence's vector s in the batch equals the one it gets alone"; "the short
  sentences keep updating h on <pad>" (sentiment_parts.py, default padding batch) ->
  test_the_default_batch_equals_the_sentences_alone
- "For the bag of embeddings z is linear in each e_t, so the two agree up to the `<unk>`
  embedding" (sent_why.md) -> test_for_the_bag_the_measures_differ_by_the_unk_embedding
- "On the default review both measures give the LSTM's largest push to the final “.”,
  towards negative" (sent_why.md) -> test_the_lstms_largest_push_is_the_final_full_stop
- "Here there are 8 filters of each width 3, 4 and 5 (24 numbers in s)" (sent_textcnn.md)
  -> test_the_textcnn_has_24_filters
- "Each step takes 32 training sentences"; "After every epoch (75 steps)"
  (sent_training.md) -> test_a_step_reads_32_sentences_and_an_epoch_is_75
- "Before training the vectors are random and the colours (the logit z of the word read
  alone) are near 0; after training, words that signal a positive review and words that
  signal a negative one sit on different sides." (sent_embeddings.md) ->
  test_training_separates_the_map_words
"""

from __future__ import annotations

from functools import cache

import numpy as np
import torch
from test_claims_rnn import said  # the sentence is still in the page's source or prose

from app.controls import DEFAULT_TEXT
from app.views.sentiment_parts import FLIP_TEXT
from seqviz import checkpoints, importance, projection, sentiment_reading
from seqviz import sentiment_data as data
from seqviz import sentiment_training as training

STEPWISE = ("rnn", "gru", "lstm", "bag")
PARTS = "app/views/sentiment_parts.py"


@cache
def model(kind: str):
    return checkpoints.load(f"sent-{kind}")


def read(kind: str, text: str = DEFAULT_TEXT):
    words, ids = data.encode(data.vocabulary(), text)
    return words, sentiment_reading.read(model(kind), ids)


def test_after_boring_every_model_is_below_a_tenth():
    said(
        "After “boring” (t = 4) every left-to-right model is below 0.1.", "assets/text/sent_try.md"
    )
    for kind in STEPWISE:
        words, r = read(kind)
        assert words[3] == "boring"
        assert r.p[3] < 0.1, kind


def test_the_lstm_lifts_at_but_and_stays_negative():
    said("The LSTM lifts its P(positive) at “but” but stays below 0.5", "assets/text/sent_try.md")
    words, r = read("lstm")
    t = words.index("but")
    assert r.p[t] > r.p[t - 1] + 0.2  # a visible lift
    assert r.p[t] < 0.5


def test_exciting_is_unknown_and_no_model_flips_there():
    said("**there is\n  no flip at “exciting”**", "assets/text/sent_try.md")
    said(
        "the word occurs once in the 3000 sentences, so it is not in the vocabulary",
        "assets/text/sent_try.md",
    )
    said("All four end on negative.", "assets/text/sent_try.md")
    said(
        "On this review no model changes its mind at “exciting”: the word is `<unk>` here "
        "(seen once in the 3000 sentences), and all four end on negative.",
        PARTS,
    )
    count = sum(
        data.words(ex.text).count("exciting") for ex in data.load().train + data.load().heldout
    )
    assert count == 1 and "exciting" not in data.vocabulary()
    for kind in STEPWISE:
        words, r = read(kind)
        t = words.index("exciting")
        assert r.p[t] < 0.5 and r.p[-1] < 0.5, kind
        assert t not in sentiment_reading.flips(r.p), kind


def test_the_one_exciting_sentence_and_both_terribly_sentences_are_negative():
    said(
        "Nor does\n  the data hold a positive use of it: its one sentence, “None of them are engaging or\n"
        "  exciting.”, is negative, and so are both sentences with “terribly”.",
        "assets/text/sent_try.md",
    )
    every = data.load().train + data.load().heldout
    exciting = [ex for ex in every if "exciting" in data.words(ex.text)]
    assert [(ex.text, ex.label) for ex in exciting] == [
        ("None of them are engaging or exciting.", 0)
    ]
    terribly = [ex for ex in every if "terribly" in data.words(ex.text)]
    assert len(terribly) == 2 and all(ex.label == 0 for ex in terribly)


def test_with_excellent_the_gru_and_lstm_flip():
    said(
        "now the GRU and the LSTM cross 0.5 at\n  “excellent” and end positive. The bag of embeddings stays negative",
        "assets/text/sent_try.md",
    )
    said(
        "With “excellent” instead of “terribly exciting”, the LSTM crosses 0.5 at “excellent” "
        "and ends positive.",
        PARTS,
    )
    said("The LSTM changes its mind at “excellent”", PARTS)
    text = DEFAULT_TEXT.replace("terribly exciting", "excellent")
    assert text == FLIP_TEXT  # the page's button reads this review
    for kind in ("gru", "lstm"):
        words, r = read(kind, text)
        t = words.index("excellent")
        assert r.p[t - 1] < 0.5 < r.p[t] and r.p[-1] > 0.5, kind
    _, bag = read("bag", text)
    assert bag.p[-1] < 0.5


def test_not_good_turns_every_model_negative():
    said(
        "Type “good”, then “not good”: every left-to-right model goes from positive to negative.",
        "assets/text/sent_try.md",
    )
    for kind in STEPWISE:
        assert read(kind, "good")[1].p[-1] > 0.5 > read(kind, "not good")[1].p[-1], kind


def test_the_split_and_the_majority_baseline():
    said("trained on the\nsame 2400 real review sentences", "assets/text/sent_intro.md")
    said("tested on 600 others", "assets/text/sent_intro.md")
    said(
        "(300 positive, 300 negative), so always answering one class scores 50%",
        "app/views/sentiment.py",
    )
    train, heldout = training.encoded()
    assert len(train.ids) == 2400 and len(heldout.ids) == 600 and int(heldout.labels.sum()) == 300
    assert training.majority_baseline(train, heldout) == 0.5


def test_the_default_batch_equals_the_sentences_alone():
    said(
        "Each sentence's vector s in the batch equals the one it gets alone",
        "app/views/sentiment_parts.py",
    )
    said("the short sentences keep updating h on <pad>", "app/views/sentiment_parts.py")
    from app.views import sentiment_parts as parts

    vocab = data.vocabulary()
    m = model("lstm")
    sentences = [data.encode(vocab, s)[1] for s in (DEFAULT_TEXT, *parts.PAD_EXAMPLES)]
    X, lengths = m.batch(sentences)
    assert lengths.tolist() == [20, 14, 5]  # the default is the longest: the others are padded
    with torch.no_grad():
        batched = m.sentence(m.embedding(X), lengths)
        alone = torch.cat(
            [m.sentence(m.embedding(x), n) for x, n in (m.batch([s]) for s in sentences)]
        )
        unmasked = parts.unmasked_final(m, X)
    assert (batched - alone).abs().max() < 1e-5
    assert (unmasked[1:] - alone[1:]).abs().amax(dim=1).min() > 0.05  # both short ones moved
    assert torch.allclose(unmasked[0], alone[0], atol=1e-5)


def test_for_the_bag_the_measures_differ_by_the_unk_embedding():
    said(
        "For the bag of embeddings z is linear in each e_t, so the two agree\nup to the `<unk>` embedding",
        "assets/text/sent_why.md",
    )
    m = model("bag")
    _, ids = data.encode(data.vocabulary(), DEFAULT_TEXT)
    imp = importance.importance(m, ids)
    E, w = m.embedding.weight, m.out.weight[0]
    # occlusion = w^T (e_t - e_unk) / T = gradient × input - w^T e_unk / T
    torch.testing.assert_close(
        imp.occlusion, imp.grad_x_input - float(w @ E[0]) / len(ids), atol=1e-5, rtol=0
    )


def test_the_lstms_largest_push_is_the_final_full_stop():
    said(
        "On the default review both measures give the LSTM's largest push to the final “.”, "
        "towards negative",
        "assets/text/sent_why.md",
    )
    words, ids = data.encode(data.vocabulary(), DEFAULT_TEXT)
    imp = importance.importance(model("lstm"), ids)
    assert words[-1] == "."
    for a in (imp.occlusion, imp.grad_x_input):
        assert int(a.abs().argmax()) == len(words) - 1 and float(a[-1]) < 0


def test_the_textcnn_has_24_filters():
    said(
        "Here there are 8 filters of each width 3, 4 and\n5 (24 numbers in s)",
        "assets/text/sent_textcnn.md",
    )
    m = model("textcnn")
    assert m.config.filters == 8 and m.config.widths == (3, 4, 5) and m.feature_size == 24


def test_a_step_reads_32_sentences_and_an_epoch_is_75():
    said("Each step takes 32 training sentences", "assets/text/sent_training.md")
    said("After every epoch (75 steps)", "assets/text/sent_training.md")
    config = training.SentConfig()
    assert config.batch_size == 32 and training.steps_per_epoch(config) == 75
    assert checkpoints.info("sent-lstm")["metrics"]["heldout_curve"]["steps"][:2] == [75, 150]


def test_training_separates_the_map_words():
    said(
        "Before training the vectors are random and the\ncolours (the logit z of the word read alone) are near 0",
        "assets/text/sent_embeddings.md",
    )
    said(
        "after training, words that\nsignal a positive review and words that signal a negative one sit on different sides.",
        "assets/text/sent_embeddings.md",
    )
    from app.views import sentiment_parts as parts

    words, share = parts.map_words()
    ids = data.vocabulary()[words]
    positive = np.array(share) > 0.5
    for kind in ("lstm", "bag"):
        trained, fresh = model(kind), checkpoints.untrained(f"sent-{kind}")
        pushes = []
        for m in (fresh, trained):
            with torch.no_grad():
                pushes.append(m(*m.batch([[i] for i in ids])).numpy())
        assert np.abs(pushes[0]).max() < np.abs(pushes[1]).max() / 4, kind
        pc1 = projection.pca(trained.embedding.weight[ids].detach()).points[:, 0]
        # one cut on PC 1 puts at least 80% of the words on their side
        best = max(max(np.mean((pc1 > c) == positive), np.mean((pc1 < c) == positive)) for c in pc1)
        assert best >= 0.8, (kind, best)
