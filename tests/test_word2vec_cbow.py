"""CBOW, word2vec's other architecture: the mean of the context rows predicts the centre.

Every gradient is checked against autograd; the batched trainer's step is -lr times
autograd's gradient; training on a planted corpus recovers its clusters."""

import pytest
import torch

from benchmarks.planted import planted_corpus
from seqviz import word2vec as w2v
from seqviz.embeddings import neighbour_precision
from seqviz.w2v_training import (
    TrainConfig,
    Trainer,
    build_corpus,
    cbow_sgd_step,
    epoch_pairs,
    epoch_windows,
)


def _model(V=9, E=4, seed=3):
    return w2v.SkipGram(V, E, seed=seed, init="random")


def _autograd(model, center, contexts, targets=None):
    W = model.W.detach().clone().requires_grad_(True)
    W_out = model.W_out.detach().clone().requires_grad_(True)
    # h_j = mean of the context rows
    h = W[torch.tensor(contexts)].mean(0)
    if targets is None:
        loss = -torch.log_softmax(h @ W_out.T, 0)[center]
    else:
        s = W_out[targets] @ h
        loss = -torch.nn.functional.logsigmoid(s[0]) - torch.nn.functional.logsigmoid(-s[1:]).sum()
    loss.backward()
    return float(loss.detach()), W.grad, W_out.grad


def test_cbow_softmax_gradients_match_autograd():
    model = _model()
    contexts = [1, 4, 4, 7]  # a word twice in the window counts twice in the mean
    step = w2v.cbow_softmax_step(model, 2, contexts)
    loss, gW, gWo = _autograd(model, 2, contexts)
    assert step.loss == pytest.approx(loss, rel=1e-6)
    assert torch.allclose(step.grad_W, gW, atol=1e-6)
    assert torch.allclose(step.grad_W_out, gWo, atol=1e-6)
    assert torch.allclose(step.h, model.W.detach()[contexts].mean(0))
    assert step.y_hat.sum() == pytest.approx(1.0)
    # row 4 gets twice the share of row 1; rows outside the window get nothing
    assert torch.allclose(step.grad_W[4], 2 * step.grad_W[1])
    assert step.grad_W[[0, 2, 3, 5, 6, 8]].abs().sum() == 0


def test_cbow_negative_sampling_gradients_match_autograd():
    model = _model(V=12, E=5, seed=1)
    noise = w2v.noise_distribution(torch.arange(12) + 1.0)
    step = w2v.cbow_neg_sampling_step(model, 3, [0, 5, 6], noise, num_negatives=4, seed=2)
    assert step.targets[0] == 3 and len(step.negatives) == 4
    loss, gW, gWo = _autograd(model, 3, [0, 5, 6], step.targets)
    assert step.loss == pytest.approx(loss, rel=1e-6)
    assert torch.allclose(step.grad_W, gW, atol=1e-6)
    assert torch.allclose(step.grad_W_out, gWo, atol=1e-6)
    assert torch.all((step.score > 0) & (step.score < 1))
    with pytest.raises(ValueError, match="context"):
        w2v.cbow_softmax_step(model, 3, [])


@pytest.mark.parametrize("objective", ["softmax", "negative"])
def test_batched_cbow_step_is_minus_lr_times_the_autograd_gradient(objective):
    torch.manual_seed(0)
    W0, Wo0 = torch.randn(10, 6), torch.randn(10, 6)
    centers = torch.tensor([1, 4, 9])
    contexts = torch.tensor([[2, 3, 0, 0], [1, 1, 5, 0], [4, 2, 8, 7]])
    mask = torch.tensor([[1.0, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]])
    negatives = torch.tensor([[5, 1], [2, 0], [9, 3]])  # window 1 draws its centre: skipped
    W, Wo = W0.clone().requires_grad_(True), Wo0.clone().requires_grad_(True)
    h = (W[contexts] * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
    if objective == "softmax":
        loss = -torch.log_softmax(h @ Wo.T, 1)[torch.arange(3), centers].sum()
    else:
        s = (Wo[torch.cat([centers[:, None], negatives], 1)] * h[:, None]).sum(-1)
        kept = negatives != centers[:, None]
        loss = -torch.nn.functional.logsigmoid(s[:, 0]).sum()
        loss = loss - torch.nn.functional.logsigmoid(-s[:, 1:])[kept].sum()
    loss.backward()
    W1, Wo1 = W0.clone(), Wo0.clone()
    got = cbow_sgd_step(
        W1, Wo1, centers, contexts, mask, None if objective == "softmax" else negatives, 0.05
    )
    assert got == pytest.approx(float(loss), rel=1e-5)
    assert torch.allclose(W1, W0 - 0.05 * W.grad, atol=1e-6)
    assert torch.allclose(Wo1, Wo0 - 0.05 * Wo.grad, atol=1e-6)


def test_cbow_windows_hold_the_skipgram_pairs():
    p = planted_corpus(n_clusters=3, words_per_cluster=5, n_sentences=40, seed=0)
    corpus = build_corpus(p.sentences, min_count=1)
    centers, contexts = epoch_pairs(corpus, 3, True, 1e-2, seed=4)
    c, table, mask = epoch_windows(corpus, 3, True, 1e-2, seed=4)
    # the same draws: every window's context words are the centre's skip-gram pairs
    assert int(mask.sum()) == len(centers)
    assert torch.equal(torch.repeat_interleave(c, mask.sum(1).long()), centers)
    assert torch.equal(table[mask.bool()], contexts)


def test_cbow_training_recovers_the_planted_clusters():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # training runs on one thread, as in the app
    try:
        _train_cbow_on_planted()
    finally:
        torch.set_num_threads(threads)


def _train_cbow_on_planted():
    p = planted_corpus(n_clusters=6, words_per_cluster=8, n_sentences=800, seed=1)
    corpus = build_corpus(p.sentences, min_count=1)
    for objective in ("negative", "softmax"):
        config = TrainConfig(
            architecture="cbow", objective=objective, embedding_size=20, epochs=10, seed=0
        )
        trainer = Trainer(corpus, config)
        trainer.run()
        assert trainer.done and trainer.losses[-1] < trainer.initial_loss
        precision = neighbour_precision(trainer.model.W, corpus.vocab, p.cluster_of(), k=5)
        assert precision >= 0.9, (objective, precision)
    with pytest.raises(ValueError, match="architecture"):
        TrainConfig(architecture="glove")


def test_the_cbow_equations_show_the_step_s_numbers():
    from seqviz import w2v_tex
    from seqviz.latex import num

    model = _model(V=6, E=3, seed=0)
    words = ["the", "time", "traveller", "said", "$x$", "🙂"]
    step = w2v.cbow_softmax_step(model, 1, [0, 2, 4])
    mean, loss, grad = w2v_tex.cbow(step, words)
    h = model.W.detach()[[0, 2, 4]].mean(0)
    assert mean.endswith(w2v_tex.vec(h)) and r"\frac{1}{3}" in mean
    assert r"\$x\$" in mean  # typed words are escaped
    _, gW, _ = _autograd(model, 1, [0, 2, 4])
    assert loss.endswith(num(step.loss)) and step.loss == pytest.approx(
        _autograd(model, 1, [0, 2, 4])[0]
    )
    assert w2v_tex.vec(gW[0]) in grad  # the share of one context row, as autograd has it
    noise = w2v.noise_distribution(torch.ones(6))
    neg = w2v.cbow_neg_sampling_step(model, 1, [0, 2], noise, num_negatives=2, seed=0)
    lines = w2v_tex.cbow(neg, words)
    assert len(lines) == 4 and lines[2].endswith(num(neg.loss))
    assert lines[2].count(r"\sigma(-") == 2  # one term per negative, K = 2
