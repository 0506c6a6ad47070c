"""The Sentiment lab's core: data split, classifiers against PyTorch and hand computations,
padding = per-sentence runs, gradient × input against finite differences, fit, checkpoints."""

import math

import pooltools
import pytest
import torch
from torch import nn

from seqviz import checkpoints, importance, sentiment_reading
from seqviz import sentiment_data as data
from seqviz import sentiment_training as training
from seqviz.classifiers import KINDS, Classifier, ClassifierConfig, unmasked_final

SENTENCES = ["not good at all .", "the food was great and the service was fast !", "bad", "so so"]


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def small(kind: str, seed: int = 3) -> Classifier:
    config = ClassifierConfig(
        kind=kind, vocab_size=len(data.vocabulary()), embedding_size=6, hidden_size=5, filters=3
    )
    return Classifier(config, seed=seed).eval().requires_grad_(False)


def ids(text: str) -> list[int]:
    return data.encode(data.vocabulary(), text)[1]


# --- data ---------------------------------------------------------------------------------


def test_the_split_is_fixed_balanced_and_recorded():
    split = data.load()
    assert len(split.train) == 2400 and len(split.heldout) == 600
    assert (
        sum(ex.label for ex in split.heldout) == 300 and sum(ex.label for ex in split.train) == 1200
    )
    for source in data.SOURCES:
        held = [ex for ex in split.heldout if ex.source == source]
        assert len(held) == 200 and sum(ex.label for ex in held) == 100
    # the k-th sentence of each label in a file is held out when k % 5 == 4
    first_amazon_positive = [ex for ex in data.read_file("amazon_cells") if ex.label == 1][4]
    assert first_amazon_positive in split.heldout
    assert not {(ex.source, ex.line) for ex in split.train} & {
        (ex.source, ex.line) for ex in split.heldout
    }
    readme = (data.DATA_DIR / "README.md").read_text()
    assert "k % 5 == 4" in readme and "| train | 2400 | 1200 | 1200 | 800 |" in readme


def test_the_vocabulary_and_its_stats():
    vocab = data.vocabulary()
    assert vocab.idx_to_token[:2] == ["<unk>", "<pad>"] and vocab[data.PAD] == 1
    s = data.stats()
    assert s.vocab_size == len(vocab) == 1938
    assert 0.12 < s.heldout_unk_rate < 0.13  # README: 12.7%
    assert "1938 entries" in (data.DATA_DIR / "README.md").read_text()
    assert data.stats(1).vocab_size > s.vocab_size > data.stats(3).vocab_size
    assert len(s.train_lengths) == 2400 and min(s.train_lengths) >= 1


def test_pad_batch_and_mask():
    X, lengths = data.pad_batch([[5, 6, 7], [8]], pad=1, min_len=5)
    assert X.tolist() == [[5, 6, 7, 1, 1], [8, 1, 1, 1, 1]] and lengths.tolist() == [3, 1]
    assert data.mask(lengths, 5).tolist() == [[True] * 3 + [False] * 2, [True] + [False] * 4]
    with pytest.raises(ValueError, match="at least one word"):
        data.pad_batch([[]], pad=1)


# --- models --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_padded_batch_gives_each_sentence_what_it_gets_alone(kind):
    m = small(kind)
    sentences = [ids(s) for s in SENTENCES]
    X, lengths = m.batch(sentences)
    with torch.no_grad():
        batched = m(X, lengths)
        alone = torch.cat([m(*m.batch([s])) for s in sentences])
    torch.testing.assert_close(batched, alone, rtol=0, atol=1e-6)


def test_without_the_mask_the_short_sentences_change():
    m = small("lstm")
    sentences = [ids(s) for s in SENTENCES]
    X, lengths = m.batch(sentences)
    with torch.no_grad():
        wrong = unmasked_final(m, X)
        right = m.sentence(m.embedding(X), lengths)
    assert torch.allclose(wrong[1], right[1])  # the longest sentence has no pads
    assert (wrong[0] - right[0]).abs().max() > 1e-3


def test_the_final_state_is_nn_lstm_s():
    m = small("lstm")
    reference = nn.LSTM(6, 5, batch_first=True)
    reference.load_state_dict(m.rnn.state_dict())
    x = ids(SENTENCES[1])
    with torch.no_grad():
        e = m.embedding.weight[torch.tensor(x)]  # (T, E)
        _, (h_n, _) = reference(e[None])
        s = m.sentence(e[None], torch.tensor([len(x)]))
        r = sentiment_reading.read(m, x)
    torch.testing.assert_close(s[0], h_n[-1, 0])
    torch.testing.assert_close(r.s[-1], h_n[-1, 0])
    # p_t after every word is the prediction for the prefix x_1 … x_t
    for t in range(1, len(x) + 1):
        assert r.p[t - 1].item() == pytest.approx(m.prob(x[:t]), abs=1e-6)
    torch.testing.assert_close(r.z[-1], m.out(h_n[-1, 0])[0])


def test_the_bilstm_final_states_are_both_directions_ends():
    m = small("bilstm")
    x = ids(SENTENCES[0])
    with torch.no_grad():
        out, _ = m.rnn(m.embedding.weight[torch.tensor(x)][None])  # (1, T, 2H)
        s = m.sentence(m.embedding.weight[torch.tensor(x)][None], torch.tensor([len(x)]))[0]
    torch.testing.assert_close(s, torch.cat([out[0, -1, :5], out[0, 0, 5:]]))
    mx = small("bilstm-max")
    with torch.no_grad():
        out, _ = mx.rnn(mx.embedding.weight[torch.tensor(x)][None])
        s = mx.sentence(mx.embedding.weight[torch.tensor(x)][None], torch.tensor([len(x)]))[0]
    torch.testing.assert_close(s, out[0].max(0).values)


def test_textcnn_convolution_and_max_pooling_by_hand():
    m = small("textcnn")
    x = ids(SENTENCES[1])
    X, lengths = m.batch([x])
    with torch.no_grad():
        e = m.embedding(X)[0]  # (T, E)
        s, acts, where = m.conv_pool(m.embedding(X), lengths)
    T = e.shape[0]
    for wi, (conv, w) in enumerate(zip(m.convs, m.config.widths, strict=True)):
        for k in range(m.config.filters):
            c = []
            for t in range(T - w + 1):
                total = float(conv.bias[k])
                for i in range(w):  # W_k · [e_t; …; e_{t+w-1}], one word at a time
                    total += sum(
                        float(conv.weight[k, d, i]) * float(e[t + i, d]) for d in range(e.shape[1])
                    )
                c.append(max(total, 0.0))
            assert acts[wi][0, k].tolist() == pytest.approx(c, abs=1e-5)
            assert float(s[0, wi * m.config.filters + k]) == pytest.approx(max(c), abs=1e-5)
            assert int(where[wi][0, k]) == c.index(max(c))


def test_textcnn_pads_a_short_sentence_to_its_widest_filter():
    m = small("textcnn")
    X, lengths = m.batch([ids("bad")])
    assert X.shape == (1, 5) and lengths.tolist() == [1]
    assert X[0, 1:].tolist() == [1, 1, 1, 1]


# --- why this prediction -------------------------------------------------------------------


def test_gradient_x_input_for_the_bag_is_w_dot_e_over_T():
    m = small("bag")
    x = ids(SENTENCES[1])
    imp = importance.importance(m, x)
    e = m.embedding.weight[torch.tensor(x)].detach()
    expected = (e @ m.out.weight[0].detach()) / len(x)
    torch.testing.assert_close(imp.grad_x_input, expected)


@pytest.mark.parametrize("kind", ["lstm", "bilstm-max", "textcnn"])
def test_gradient_x_input_matches_finite_differences(kind):
    m = small(kind).double()
    x = ids(SENTENCES[0])
    imp = importance.importance(m, x)
    X, lengths = m.batch([x])
    e = m.embedding(X).detach()
    eps = 1e-6
    for t in range(len(x)):
        bump = torch.zeros_like(e)
        bump[0, t] = e[0, t]  # move e_t along itself: dz = (∂z/∂e_t) · e_t
        with torch.no_grad():
            up, down = m.logit_of(e + eps * bump, lengths), m.logit_of(e - eps * bump, lengths)
        assert float(imp.grad_x_input[t]) == pytest.approx(float((up - down) / (2 * eps)), abs=1e-6)


def test_occlusion_is_the_change_when_a_word_becomes_unk():
    m = small("gru")
    x = ids(SENTENCES[1])
    imp = importance.importance(m, x)
    for t in (0, 3, len(x) - 1):
        occluded = x[:t] + [0] + x[t + 1 :]
        with torch.no_grad():
            z, z_occ = m(*m.batch([x])), m(*m.batch([occluded]))
        assert float(imp.occlusion[t]) == pytest.approx(float(z - z_occ), abs=1e-5)
    assert float(imp.logit) == pytest.approx(float(m(*m.batch([x]))), abs=1e-6)


# --- training ------------------------------------------------------------------------------


def counter(n: int):
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > n

    return stop


def test_fit_stops_and_continues_exactly_where_it_stopped():
    config = training.SentConfig(kind="bag", embedding_size=8, epochs=1, batch_size=400, seed=5)
    once = training.fit(config, None, max_seconds=math.inf, stop=counter(4))
    twice = training.fit(config, None, max_seconds=math.inf, stop=counter(2))
    assert twice["outcome"] == "stopped" and twice["step"] == 2
    twice = training.fit(config, twice, max_seconds=math.inf, stop=counter(2))
    assert once["step"] == twice["step"] == 4
    for k, v in once["model"].items():
        assert torch.equal(v, twice["model"][k]), k
    assert once["history"]["losses"] == twice["history"]["losses"]
    done = training.fit(config, twice, max_seconds=math.inf)
    assert done["done"] and done["step"] == 6 and len(done["history"]["heldout"]) == 1
    import pickle

    assert pickle.loads(pickle.dumps(done))["step"] == 6  # plain, picklable


def test_a_pool_job_in_many_chunks_ends_with_the_weights_of_one_fit_call():
    # recurrent, with dropout: the generator state must travel with the chunks
    config = training.SentConfig(
        kind="gru", embedding_size=4, hidden_size=3, epochs=1, batch_size=400, seed=2
    )
    whole = training.fit(config, None, max_seconds=math.inf)
    pooled = pooltools.in_chunks(training.fit, config)
    assert pooled["step"] == whole["step"] == 6 and pooled["done"]
    pooltools.assert_same_weights(whole["model"], pooled["model"])
    assert pooled["history"]["losses"] == whole["history"]["losses"]
    assert pooled["confusion"] == whole["confusion"]
    assert sum(map(sum, whole["confusion"])) == len(training.encoded()[1].ids)


def test_the_loss_is_binary_cross_entropy_with_dropout_off_in_eval():
    config = training.SentConfig(kind="bag", embedding_size=8, dropout=0.0)
    m = training.untrained(config).train()
    X, lengths = m.batch([ids("good"), ids("bad food")])
    y = torch.tensor([1.0, 0.0])
    loss = training.loss_fn(config, torch.Generator())(m, (X, lengths, y))
    p = torch.sigmoid(m(X, lengths))
    expected = -(y * p.log() + (1 - y) * (1 - p).log()).mean()
    assert float(loss) == pytest.approx(float(expected), abs=1e-6)


# --- the checkpoints ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_checkpoint_beats_the_majority_baseline_by_its_stated_margin(kind):
    name = f"sent-{kind}"
    record = checkpoints.info(name)
    metrics = record["metrics"]
    assert metrics["majority_baseline"] == 0.5
    assert (
        metrics["heldout_accuracy"] - metrics["majority_baseline"] >= metrics["min_margin"] == 0.15
    )
    model = checkpoints.load(name)
    train, heldout = training.encoded()
    assert training.accuracy(model, heldout) == pytest.approx(metrics["heldout_accuracy"], abs=1e-4)
    assert record["command"] == f"python -m seqviz.checkpoints build {name}"


# --- the corpus views ----------------------------------------------------------------------


def test_one_sided_words_and_neighbours():
    from seqviz import sentiment_corpus

    words, share = sentiment_corpus.one_sided_words(3, 10)
    assert len(words) == 6 and share == sorted(share) and share[0] < 0.2 < 0.8 < share[-1]
    holding = [ex.label for ex in data.load().train if words[-1] in data.words(ex.text)]
    assert len(holding) >= 10 and share[-1] == sum(holding) / len(holding)
    m = small("bag")
    near = sentiment_corpus.neighbours(m, "good", k=3)
    E = m.embedding.weight
    best = torch.nn.functional.cosine_similarity(E[data.vocabulary()["good"]][None], E[2:], dim=-1)
    assert "good" not in [w for w, _ in near] and len(near) == 3
    assert near[0][1] == pytest.approx(float(best.sort(descending=True).values[1]), abs=1e-6)


def test_top_ngrams_are_windows_with_their_activation():
    from seqviz import sentiment_corpus

    m = small("textcnn")
    tops = sentiment_corpus.top_ngrams(m, top=2)
    assert set(tops) == {(wi, k) for wi in range(3) for k in range(3)}
    gram, value = tops[(0, 1)][0]
    X, lengths = m.batch([data.vocabulary()[gram.split(" ")]])
    with torch.no_grad():
        _, acts, _ = m.conv_pool(m.embedding(X), lengths)
    assert float(acts[0][0, 1, 0]) == pytest.approx(value, abs=1e-5)  # the n-gram alone
