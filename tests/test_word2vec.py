"""Skip-gram core: pairs, dynamic windows, subsampling, negatives, gradients, training."""

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmarks.planted import planted_corpus
from seqviz import word2vec as w2v
from seqviz.embeddings import neighbour_precision
from seqviz.w2v_sentence import fit_pairs, sentence_network
from seqviz.w2v_training import (
    EXAMPLE_STEPS,
    EXAMPLES_PER_CALL,
    TrainConfig,
    Trainer,
    alias_draw,
    alias_table,
    build_corpus,
    chunks,
    epoch_pairs,
    negative_sgd_step,
    softmax_sgd_step,
)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """One torch thread, as the app runs: on a shared 2-core machine more threads only contend."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


LECTURE = "Mining web data for business insights is an useful course".split()


def brute_pairs(tokens, window):
    """An independent spelling of the definition."""
    n = len(tokens)
    return [(tokens[j], tokens[i]) for j in range(n) for i in range(n) if 0 < abs(i - j) <= window]


def chi2_critical(df: int, z: float = 3.719) -> float:
    """Upper chi-square quantile (Wilson-Hilferty); z = 3.719 is the 0.9999 normal quantile."""
    a = 2 / (9 * df)
    return df * (1 - a + z * math.sqrt(a)) ** 3


def chi2(observed, expected) -> float:
    observed, expected = np.asarray(observed, float), np.asarray(expected, float)
    return float(((observed - expected) ** 2 / expected).sum())


# --- pairs ----------------------------------------------------------------------------


def test_window_1_and_2_pairs_written_out():
    tokens = ["a", "b", "c", "d"]
    assert w2v.skipgram_pairs(tokens, 1) == [
        ("a", "b"),
        ("b", "a"),
        ("b", "c"),
        ("c", "b"),
        ("c", "d"),
        ("d", "c"),
    ]
    pairs = w2v.skipgram_pairs(LECTURE, 2)
    # the lecture's example centre "business" (j = 4): C = {j-2, j-1, j+1, j+2}
    assert [c for center, c in pairs if center == "business"] == ["data", "for", "insights", "is"]
    assert pairs[:2] == [("Mining", "web"), ("Mining", "data")]
    # 10 words: each has min(j, 2) words on its left and as many pairs on the right
    assert len(pairs) == 2 * sum(min(j, 2) for j in range(10)) == 34


@pytest.mark.parametrize("window", [1, 2, 3, 5, 9, 20])
def test_pairs_match_the_definition(window):
    assert w2v.skipgram_pairs(LECTURE, window) == brute_pairs(LECTURE, window)


def test_tiny_inputs():
    assert w2v.skipgram_pairs([], 2) == []
    assert w2v.skipgram_pairs(["alone"], 2) == []
    assert w2v.skipgram_pairs(["a", "a"], 1) == [("a", "a"), ("a", "a")]
    with pytest.raises(ValueError):
        w2v.skipgram_pairs(LECTURE, 0)


def test_windows_record_their_settings_list_contexts_and_table_rows():
    w = w2v.draw_windows(LECTURE, 2, dynamic=True, seed=3)
    assert (w.window, w.dynamic, w.sample) == (2, True, None)
    for j in range(len(LECTURE)):
        assert w.contexts(j) == [i for c, i in w.positions if c == j]
        assert all(0 < abs(i - j) <= w.effective[j] for i in w.contexts(j))
    rows = w.pair_rows(3)
    made = [(c, i) for c, i in w.positions if c <= 3]
    assert len(rows) == len(made) and rows[0]["pair"] == len(made)  # newest first
    # the table counts positions from 1 (x_1 … x_N); positions index from 0
    assert [(r["centre j"] - 1, r["context i"] - 1) for r in rows[::-1]] == made
    for r in rows:
        assert tuple(r) == w2v.PAIR_COLUMNS
        assert r["centre word"] == LECTURE[r["centre j"] - 1]
        assert r["context word"] == LECTURE[r["context i"] - 1]
        assert r["i − j"] == r["context i"] - r["centre j"]
    assert w.pair_rows(-1) == []
    sub = w2v.draw_windows(LECTURE, 2, sample=1e-5, counts={"is": 10**6}, seed=0)
    assert sub.sample == 1e-5
    dropped = [j for j, kept in enumerate(sub.kept) if not kept]
    assert dropped and all(sub.contexts(j) == [] for j in dropped)


def test_dynamic_window_pairs_are_a_subset_with_uniform_widths():
    window, n_seeds = 4, 2000
    tokens = [f"w{i}" for i in range(9)]  # distinct words: pairs identify positions
    full = set(w2v.skipgram_pairs(tokens, window))
    widths = Counter()
    far = Counter()
    for seed in range(n_seeds):
        w = w2v.draw_windows(tokens, window, dynamic=True, seed=seed)
        pairs = [(tokens[j], tokens[i]) for j, i in w.positions]
        assert set(pairs) <= full and len(set(pairs)) == len(pairs)
        assert w2v.skipgram_pairs(tokens, window, dynamic=True, seed=seed) == pairs
        widths[w.effective[4]] += 1  # the middle word: its whole window fits
        far.update(abs(i - j) for j, i in w.positions if j == 4)
    # effective window uniform on 1..window
    assert sorted(widths) == [1, 2, 3, 4]
    assert chi2([widths[b] for b in range(1, 5)], [n_seeds / 4] * 4) < chi2_critical(3)
    # so a context d away is used with probability (window - d + 1) / window, on each side
    for d in range(1, 5):
        expected = 2 * n_seeds * (window - d + 1) / window
        assert abs(far[d] - expected) < 5 * math.sqrt(expected)


def test_subsampling_keep_probability_is_word2vec_c():
    counts = {"the": 5000, "time": 100, "machine": 1}
    total = sum(counts.values())
    t = 1e-3
    for c in counts.values():
        # word2vec.c: ran = (sqrt(cn / (sample * train_words)) + 1) * (sample * train_words) / cn
        ran = (math.sqrt(c / (t * total)) + 1) * (t * total) / c
        assert w2v.keep_probability(c, total, t) == pytest.approx(min(1.0, ran), rel=1e-12)
    assert w2v.keep_probability(5000, total, t) == pytest.approx(0.0330, abs=1e-4)
    assert w2v.keep_probability(1, total, t) == 1.0  # rarer than t: always kept


def test_subsampling_keeps_words_at_that_rate():
    tokens = ["the"] * 30 + ["time", "machine"] * 5
    counts = {"the": 5000, "time": 100, "machine": 1}
    p_the = w2v.keep_probability(5000, 5101, 0.001)
    kept = Counter()
    for seed in range(400):
        w = w2v.draw_windows(tokens, 2, sample=0.001, counts=counts, seed=seed)
        assert w.keep_prob[0] == pytest.approx(p_the)
        kept.update(t for t, k in zip(tokens, w.kept, strict=True) if k)
        # pairs only between kept words, and windows count kept words only
        alive = [j for j, k in enumerate(w.kept) if k]
        expected = [
            (alive[a], alive[b])
            for a in range(len(alive))
            for b in range(len(alive))
            if 0 < abs(a - b) <= 2
        ]
        assert list(w.positions) == expected
    n = 400 * 30
    assert abs(kept["the"] - n * p_the) < 5 * math.sqrt(n * p_the * (1 - p_the))
    p_time = w2v.keep_probability(100, 5101, 0.001)
    assert abs(kept["time"] - 2000 * p_time) < 5 * math.sqrt(2000 * p_time * (1 - p_time))
    assert kept["machine"] == 2000  # rarer than t: always kept


@pytest.mark.parametrize("dynamic,sample", [(False, None), (True, None), (True, 0.05)])
def test_vectorised_epoch_pairs_equal_the_readable_ones(dynamic, sample):
    tokens = (LECTURE * 3)[:25]
    corpus = build_corpus([tokens], min_count=1)
    counts = {w: int(corpus.counts[i]) for w, i in corpus.vocab.token_to_idx.items()}
    for seed in range(5):
        c, x = epoch_pairs(corpus, 3, dynamic, sample, seed)
        got = list(zip(corpus.vocab.to_tokens(c), corpus.vocab.to_tokens(x), strict=True))
        want = w2v.skipgram_pairs(
            tokens, 3, dynamic=dynamic, sample=sample, counts=counts, seed=seed
        )
        assert got == want


def test_epoch_pairs_stop_at_sentence_ends():
    corpus = build_corpus([["a", "b"], ["c", "d"]], min_count=1)
    c, x = epoch_pairs(corpus, 5, False, None, 0)
    got = set(zip(corpus.vocab.to_tokens(c), corpus.vocab.to_tokens(x), strict=True))
    assert got == {("a", "b"), ("b", "a"), ("c", "d"), ("d", "c")}


# --- negatives ------------------------------------------------------------------------


def test_noise_distribution_is_unigram_to_the_three_quarters():
    counts = torch.tensor([0, 100, 10, 1])
    p = w2v.noise_distribution(counts)
    z = 100**0.75 + 10**0.75 + 1
    assert torch.allclose(p, torch.tensor([0, 100**0.75 / z, 10**0.75 / z, 1 / z]).double())


@pytest.mark.parametrize("sampler", ["multinomial", "alias"])
def test_negative_samples_follow_unigram_075(sampler):
    counts = torch.tensor([0, 500, 200, 90, 40, 10, 5, 3, 1])
    p = w2v.noise_distribution(counts)
    n = 200_000
    if sampler == "multinomial":
        draws = w2v.sample_negatives(p, (n,), torch.Generator().manual_seed(0))
    else:
        draws = alias_draw(*alias_table(p), (n,), np.random.default_rng(0))
    observed = torch.bincount(draws, minlength=len(p)).numpy()
    assert observed[0] == 0  # a word never seen is never drawn
    stat = chi2(observed[1:], n * p[1:].numpy())
    assert stat < chi2_critical(len(p) - 2)


def test_alias_table_reproduces_the_distribution_exactly():
    p = w2v.noise_distribution(torch.tensor([7, 1, 0, 30, 2, 2]))
    accept, alias = alias_table(p)
    V = len(p)
    mass = accept / V
    np.add.at(mass, alias, (1 - accept) / V)
    assert np.allclose(mass, p.numpy(), atol=1e-12)


# --- one step, every number -------------------------------------------------------------


def autograd_softmax(model, center, contexts):
    W = model.W.detach().clone().requires_grad_(True)
    W_out = model.W_out.detach().clone().requires_grad_(True)
    u = W[center] @ W_out.T
    H = -torch.log_softmax(u, 0)[list(contexts)].sum()
    H.backward()
    return float(H.detach()), W.grad, W_out.grad.T


def test_softmax_step_values_and_gradients_against_autograd():
    model = w2v.SkipGram(9, 4, seed=3, init="random")
    step = w2v.softmax_step(model, 4, [2, 3, 5, 6])
    H, gW, gWp = autograd_softmax(model, 4, [2, 3, 5, 6])
    assert step.x.sum() == 1 and step.x[4] == 1
    assert torch.allclose(step.h, model.W[4])
    assert torch.allclose(step.u, model(torch.tensor([4]))[0])
    assert torch.allclose(
        step.y_hat, torch.softmax(step.u, 0)
    ) and step.y_hat.sum() == pytest.approx(1)
    assert torch.allclose(step.losses, -torch.log(step.y_hat[[2, 3, 5, 6]]))
    assert step.loss == pytest.approx(H, rel=1e-6)
    assert torch.allclose(step.grad_W, gW, atol=1e-6)
    assert torch.allclose(step.grad_W_prime, gWp, atol=1e-6)
    assert step.grad_W_prime.shape == model.W_prime.shape == (4, 9)


def test_softmax_step_with_a_repeated_context_word():
    model = w2v.SkipGram(5, 3, seed=1, init="random")
    step = w2v.softmax_step(model, 0, [1, 1, 2])
    H, gW, gWp = autograd_softmax(model, 0, [1, 1, 2])
    assert step.loss == pytest.approx(H, rel=1e-6)
    assert torch.allclose(step.grad_W_prime, gWp, atol=1e-6)


def test_negative_sampling_step_against_autograd():
    model = w2v.SkipGram(12, 5, seed=2, init="random")
    noise = w2v.noise_distribution(torch.arange(12) + 1)
    step = w2v.neg_sampling_step(model, 3, [1, 7], noise, num_negatives=4, seed=9)
    assert step.negatives.shape == (2, 4)
    W = model.W.detach().clone().requires_grad_(True)
    W_out = model.W_out.detach().clone().requires_grad_(True)
    h = W[3]
    loss = 0
    for c, negs in zip([1, 7], step.negatives, strict=True):
        loss = loss - torch.log(torch.sigmoid(W_out[c] @ h))
        loss = loss - torch.log(torch.sigmoid(-(W_out[negs] @ h))).sum()
    loss.backward()
    assert step.loss == pytest.approx(float(loss.detach()), rel=1e-5)
    assert torch.allclose(step.grad_h, W.grad[3], atol=1e-6)
    # the gradient on each used vector of W', summed where a word is used twice
    g = torch.zeros_like(W_out)
    g.index_add_(0, torch.tensor([1, 7]), step.grad_pos)
    g.index_add_(0, step.negatives.reshape(-1), step.grad_neg.reshape(-1, 5))
    assert torch.allclose(g, W_out.grad, atol=1e-6)
    assert torch.all((step.neg_score > 0) & (step.neg_score < 1))


@pytest.mark.parametrize("dense", [0, 10**9])
def test_batched_sgd_steps_are_minus_lr_times_the_autograd_gradient(monkeypatch, dense):
    """Both paths of the negative-sampling step (rows gathered pair by pair, or the dense
    product of the distinct rows) give -lr times autograd's gradient; a negative equal to
    its context word (pair 3: context 1, negative 1) is skipped, as word2vec.c does."""
    from seqviz import w2v_training

    monkeypatch.setattr(w2v_training, "DENSE_FACTOR", dense)
    torch.manual_seed(0)
    W0, Wo0 = torch.randn(10, 6), torch.randn(10, 6)
    centers = torch.tensor([1, 1, 4, 9])
    contexts = torch.tensor([2, 3, 1, 1])
    negatives = torch.tensor([[5, 5], [2, 0], [1, 7], [9, 3]])
    lr = 0.05
    for kind in ("softmax", "negative"):
        W, Wo = W0.clone().requires_grad_(True), Wo0.clone().requires_grad_(True)
        s = W[centers] @ Wo.T  # (B, V)
        if kind == "softmax":
            loss = -torch.log_softmax(s, 1)[torch.arange(4), contexts].sum()
        else:
            pos = s.gather(1, contexts[:, None])
            neg = s.gather(1, negatives)
            kept = negatives != contexts[:, None]
            assert kept.sum() == 7  # one negative is the context word itself
            loss = -torch.nn.functional.logsigmoid(pos).sum()
            loss = loss - torch.nn.functional.logsigmoid(-neg)[kept].sum()
        loss.backward()
        W1, Wo1 = W0.clone(), Wo0.clone()
        if kind == "softmax":
            got = softmax_sgd_step(W1, Wo1, centers, contexts, lr)
        else:
            got = negative_sgd_step(W1, Wo1, centers, contexts, negatives, lr)
        assert got == pytest.approx(float(loss.detach()), rel=1e-5)
        assert torch.allclose(W1, W0 - lr * W.grad, atol=1e-6)
        assert torch.allclose(Wo1, Wo0 - lr * Wo.grad, atol=1e-6)


def test_fit_pairs_lowers_the_loss_for_both_objectives():
    corpus = build_corpus([LECTURE], min_count=1)
    c, x = epoch_pairs(corpus, 2, False, None, 0)
    for objective in ("softmax", "negative"):
        model = w2v.SkipGram(len(corpus.vocab), 4, seed=0, init="random")
        noise = w2v.noise_distribution(corpus.counts)
        losses = fit_pairs(model, c, x, objective, steps=100, lr=1.0, noise=noise, num_negatives=3)
        assert losses[-1] < 0.8 * losses[0]


# --- training ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planted():
    return planted_corpus(n_clusters=6, words_per_cluster=8, n_sentences=800, seed=1)


def test_training_lowers_the_loss_and_recovers_the_planted_clusters(planted):
    corpus = build_corpus(planted.sentences, min_count=1)
    for objective in ("negative", "softmax"):
        config = TrainConfig(
            objective=objective, embedding_size=20, epochs=5, batch_size=256, seed=0
        )
        seen = []
        trainer = Trainer(corpus, config, track=(1, 2, 3))
        assert trainer.run(callback=seen.append)
        assert trainer.losses[-1] < 0.9 * trainer.losses[0]
        assert seen and seen[-1].fraction == 1.0 and seen[-1].tokens == corpus.n_words * 5
        assert len(trainer.snapshots) == len(trainer.losses) + 1  # + the initial state
        precision = neighbour_precision(trainer.model.W, corpus.vocab, planted.cluster_of(), k=5)
        assert precision >= 0.9, (objective, precision)


def test_training_is_deterministic_and_resumable(planted):
    corpus = build_corpus(planted.sentences[:300], min_count=1)
    config = TrainConfig(embedding_size=8, epochs=3, batch_size=64, seed=5)
    whole = Trainer(corpus, config)
    whole.run()
    pieces = Trainer(corpus, config)
    calls = 0

    def stop_every_time(progress):
        nonlocal calls
        calls += 1
        return True

    while not pieces.run(callback=stop_every_time):
        pass
    assert calls > 3
    assert torch.equal(whole.model.W, pieces.model.W)
    assert torch.equal(whole.model.W_out, pieces.model.W_out)
    other = Trainer(corpus, TrainConfig(embedding_size=8, epochs=3, batch_size=64, seed=6))
    other.run()
    assert not torch.equal(whole.model.W, other.model.W)


def test_a_time_budget_or_a_stop_ends_the_run_early(planted):
    """The budget counts training time only (tests/test_training.py checks it on a fake
    clock); here: a budget of nothing takes no step, a stop predicate ends the run."""
    corpus = build_corpus(planted.sentences, min_count=1)
    config = TrainConfig(objective="softmax", embedding_size=8, epochs=200, batch_size=16)
    trainer = Trainer(corpus, config)
    assert not trainer.run(max_seconds=0.0)
    assert trainer.words == 0 and trainer.history.step == 0
    assert not trainer.run(stop=lambda: trainer.history.step >= 3)
    assert trainer.history.step == 3 and 0 < trainer.words < trainer.total_words
    assert trainer.history.tokens == trainer.words


@pytest.mark.parametrize("objective", ["softmax", "negative"])
def test_initial_loss_is_the_first_steps_loss(objective):
    """W′ starts at 0: the first minibatch's loss per pair is log V or (K + 1) log 2."""
    corpus = build_corpus([LECTURE * 3], min_count=1)
    config = TrainConfig(
        objective=objective,
        num_negatives=3,
        embedding_size=4,
        epochs=1,
        update="minibatch",
        h_from="centre",  # (whose first pair draws its context word as a negative)
    )
    trainer = Trainer(corpus, config)
    trainer.run(stop=lambda: trainer.history.step >= 1)
    expected = math.log(len(corpus.vocab)) if objective == "softmax" else 4 * math.log(2)
    assert trainer.initial_loss == pytest.approx(expected)
    if objective == "softmax":
        assert trainer.history.losses[0] == pytest.approx(trainer.initial_loss, rel=1e-6)
        return
    # every score is 0, so each pair costs log 2 for its context word and log 2 for each
    # negative that is not the context word itself (those are skipped): the epoch's draws
    trainer._load_epoch()
    centers, targets = trainer._pairs  # targets (P, 1 + K): the context, then its negatives
    B = trainer.batch_size(len(centers))
    negatives, contexts = targets[:B, 1:], targets[:B, 0]
    assert negatives.shape == (B, 3)
    kept = int((negatives != contexts[:, None]).sum())
    assert kept < 3 * B  # this small vocabulary draws some context words as negatives
    per_pair = (B + kept) * math.log(2) / B
    assert trainer.history.losses[0] == pytest.approx(per_pair, rel=1e-6)
    assert per_pair < trainer.initial_loss


def test_chunks_cut_a_text_into_sentences_of_a_thousand_words():
    words = [f"w{i % 7}" for i in range(2500)]
    parts = chunks(words)
    assert [len(p) for p in parts] == [1000, 1000, 500]
    assert [w for p in parts for w in p] == words
    assert chunks([]) == [] and chunks(words, 3000) == [words]


def test_which_update_each_kind_of_run_uses():
    # negative sampling, skip-gram or CBOW: word2vec.c's loop, one example per step
    assert TrainConfig().per_example and TrainConfig(architecture="cbow").per_example
    assert not TrainConfig(update="minibatch").per_example
    assert not TrainConfig(objective="softmax").per_example
    # minibatches are shuffled, examples one by one go in corpus order, unless asked otherwise
    assert TrainConfig(update="minibatch").shuffled and not TrainConfig().shuffled
    assert TrainConfig(shuffle=True).shuffled
    for bad in (
        dict(update="example", objective="softmax"),
        dict(update="adam"),
        dict(h_from="both"),
    ):
        with pytest.raises(ValueError):
            TrainConfig(**bad)


def test_the_context_word_or_the_centre_is_the_input(planted):
    """h_from swaps the roles of the same pairs: "context" trains the context word's row
    of W against the centre's row of W′ (word2vec.c), "centre" the other way round."""
    corpus = build_corpus(planted.sentences[:50], min_count=1)
    runs = {}
    for h_from in ("context", "centre"):
        trainer = Trainer(corpus, TrainConfig(h_from=h_from, epochs=1, seed=3))
        trainer._load_epoch()
        runs[h_from] = trainer._pairs
    centers, contexts = epoch_pairs(corpus, 5, True, TrainConfig().sample, 3 * 1_000_003)
    assert torch.equal(runs["centre"][0], centers) and torch.equal(runs["centre"][1], contexts)
    assert torch.equal(runs["context"][0], contexts) and torch.equal(runs["context"][1], centers)


def test_min_count_drops_rare_words():
    corpus = build_corpus([["a", "a", "b", "c", "a"]], min_count=2)
    assert "b" not in corpus.vocab and corpus.n_words == 3
    assert corpus.counts[corpus.vocab["a"]] == 3 and corpus.counts[0] == 0
    with pytest.raises(ValueError):
        TrainConfig(objective="hierarchical")


@pytest.mark.parametrize("objective", ["softmax", "negative"])
def test_sentence_network_stays_finite_at_the_slider_ends(objective):
    for window, E, k in ((1, 2, 1), (5, 8, 8), (2, 4, 3)):
        positions = w2v.draw_windows(LECTURE, window).positions
        net = sentence_network(
            LECTURE,
            positions,
            embedding_size=E,
            objective=objective,
            steps=200,
            num_negatives=k,
        )
        assert net.words == tuple(dict.fromkeys(LECTURE))
        assert all(math.isfinite(v) for v in net.losses)
        assert net.losses[-1] < net.losses[0]
        assert torch.isfinite(net.model.W).all() and torch.isfinite(net.model.W_out).all()


def test_initialisations_and_small_corpus_batches():
    for init, half_width in (("word2vec", 0.5), ("gensim", 1.0)):
        m = w2v.SkipGram(50, 10, seed=0, init=init)
        assert m.W.abs().max() <= half_width / 10 and m.W.abs().max() > 0.8 * half_width / 10
        assert torch.equal(m.W_out, torch.zeros(50, 10))
    with pytest.raises(ValueError):
        w2v.SkipGram(5, 2, init="xavier")
    corpus = build_corpus([LECTURE], min_count=1)
    trainer = Trainer(corpus, TrainConfig(batch_size=1024, min_steps=200, update="minibatch"))
    assert trainer.batch_size(1_000_000) == 1024
    assert trainer.batch_size(9_000) == 45 and trainer.batch_size(10) == 1
    # one example per update: long calls of the compiled loop, at least EXAMPLE_STEPS an epoch
    trainer = Trainer(corpus, TrainConfig(batch_size=1024, min_steps=200))
    assert trainer.config.per_example
    assert trainer.batch_size(1_000_000) == EXAMPLES_PER_CALL
    assert trainer.batch_size(9_000) == 9_000 // EXAMPLE_STEPS and trainer.batch_size(10) == 1


def test_workspace_reuse_gives_the_same_step():
    from seqviz.w2v_training import Workspace

    torch.manual_seed(1)
    W0, Wo0 = torch.randn(10, 4), torch.randn(10, 4)
    ws = Workspace()
    for B in (6, 3, 6):  # the buffers are sliced for a smaller batch, then reused
        centers, contexts = torch.randint(0, 10, (B,)), torch.randint(0, 10, (B,))
        negatives = torch.randint(0, 10, (B, 2))
        a = (W0.clone(), Wo0.clone())
        b = (W0.clone(), Wo0.clone())
        la = negative_sgd_step(*a, centers, contexts, negatives, 0.1)
        lb = negative_sgd_step(*b, centers, contexts, negatives, 0.1, ws)
        assert la == lb and torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_an_exception_in_the_callback_leaves_a_resumable_trainer(planted):
    """Streamlit's Stop raises inside the progress callback; training must resume cleanly."""
    corpus = build_corpus(planted.sentences[:300], min_count=1)
    config = TrainConfig(embedding_size=8, epochs=2, batch_size=64, seed=2)
    whole = Trainer(corpus, config)
    whole.run()
    broken = Trainer(corpus, config)
    calls = 0

    def interrupt(progress):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        broken.run(callback=interrupt)
    assert 0 < broken.words < broken.total_words and len(broken.losses) == 3
    broken.run()
    assert torch.equal(whole.model.W, broken.model.W)


def _rates(trainer: Trainer) -> list[tuple[int, float]]:
    """(epoch, learning rate) of every step of a whole run."""
    steps = []
    while not trainer.done:
        step = trainer._step()
        steps.append((step.epoch, step.lr))
    return steps


def test_the_learning_rate_steps_every_10000_words_and_every_epoch(planted):
    """gensim's schedule: a corpus shorter than 10,000 words trains each epoch at the rate
    of its start, alpha (1 - e / epochs); a longer one steps every 10,000 words."""
    corpus = build_corpus(planted.sentences[:300], min_count=1)  # 3,600 words
    assert corpus.n_words == 3_600
    steps = _rates(Trainer(corpus, TrainConfig(embedding_size=8, epochs=4, lr=0.02)))
    by_epoch = {e: sorted({lr for ep, lr in steps if ep == e}) for e in range(4)}
    assert by_epoch == {e: [pytest.approx(0.02 * (1 - e / 4))] for e in range(4)}
    # blocks of 1,000 words: 4 rates per epoch of 3,600 words (at 0, 1,000, 2,000, 3,000)
    config = TrainConfig(embedding_size=8, epochs=2, lr=0.02, lr_block=1_000)
    rates = sorted({lr for _, lr in _rates(Trainer(corpus, config))}, reverse=True)
    expected = [0.02 * (1 - (e * 3_600 + b * 1_000) / 7_200) for e in (0, 1) for b in range(4)]
    assert rates == pytest.approx(expected, rel=0.01)


QUALITY = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "w2v_quality.json"
SMALL_THRESHOLD = 0.93  # precision@5 on the 4k-word planted corpus; gensim meets it too


def test_a_small_corpus_learns_as_well_as_gensim():
    """The small-corpus gap is closed: on the ~4k-word planted corpus (Zipf design) with
    gensim's settings, seed 0 reaches a precision@5 that gensim reaches with every seed
    the benchmark ran (benchmarks/w2v_quality.py, recorded in its JSON; gensim itself is
    not needed here)."""
    import json

    from benchmarks.w2v_quality import planted

    row = next(
        r
        for r in json.loads(QUALITY.read_text())["planted"]
        if r["design"] == "zipf" and 3_000 < r["words"] < 5_000
    )
    assert min(row["gensim"]["per_seed"]) >= SMALL_THRESHOLD
    p = planted("zipf", 4_000)
    assert p.n_words == row["words"]
    corpus = build_corpus(p.sentences, min_count=5)
    config = TrainConfig(embedding_size=100, window=5, epochs=5, seed=0, init="gensim")
    trainer = Trainer(corpus, config)
    trainer.run()
    precision = neighbour_precision(trainer.model.W, corpus.vocab, p.cluster_of())
    assert precision >= SMALL_THRESHOLD
    assert precision == pytest.approx(row["seqviz"]["per_seed"][0], abs=1e-4)
