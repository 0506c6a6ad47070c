"""seqviz.lm: the training loop, its loss and perplexity, sampling and rollouts, against PyTorch."""

import copy
import math

import pytest
import torch
import torch.nn.functional as F

from seqviz import lm, pretrained
from seqviz.batching import sequential_batches
from seqviz.charlm import CharModel
from seqviz.text import Vocab, load_time_machine, tokenize

TEXT = load_time_machine()[:20_000]
SMALL = lm.LMConfig(kind="gru", hidden_size=16, batch_size=4, num_steps=7, lr=0.01)


@pytest.fixture(scope="module")
def lstm():
    return pretrained.load("lstm")


def independent_mean_ce(model: CharModel, ids: torch.Tensor) -> float:
    """-(1/N) Σ log softmax(o_t)[x_{t+1}], in float64 by hand."""
    with torch.no_grad():
        logits, _ = model(model.one_hot(ids[:-1]))
    o = logits.double()
    log_p = o - o.logsumexp(-1, keepdim=True)
    return float(-log_p[torch.arange(len(ids) - 1), ids[1:]].mean())


def test_mean_cross_entropy_equals_the_independent_computation(lstm):
    ids = lstm.encode("the time traveller smiled round at us").ids
    assert lm.mean_cross_entropy(lstm, ids) == pytest.approx(
        independent_mean_ce(lstm, ids), rel=1e-5
    )


def test_perplexity_is_exp_of_the_loss(lstm):
    text = load_time_machine()[-3000:]
    ids = lstm.encode(text).ids
    assert lm.perplexity(lstm, text, n_streams=1) == pytest.approx(
        math.exp(lm.mean_cross_entropy(lstm, ids))
    )
    assert lm.perplexity(lstm, text) == pytest.approx(
        pretrained.info("lstm")["heldout_perplexity"], rel=0.2
    )


def test_training_step_loss_is_the_mean_cross_entropy_of_its_batch():
    trainer = lm.Trainer(SMALL, TEXT)
    before = copy.deepcopy(trainer.model)
    loss = trainer.step()
    X, Y = trainer._batches[0]
    with torch.no_grad():
        logits, _ = before(before.one_hot(X.T))  # (T, B, V)
    o = logits.double()
    log_p = o - o.logsumexp(-1, keepdim=True)
    expect = -log_p.gather(-1, Y.T.unsqueeze(-1)).mean()
    assert loss == pytest.approx(float(expect), rel=1e-5)


def test_trainer_matches_a_plain_pytorch_loop_step_for_step():
    """Same init, same batches: the losses of a hand-written loop with carried, detached state."""
    trainer = lm.Trainer(SMALL, TEXT)
    model = copy.deepcopy(trainer.model)
    opt = torch.optim.Adam(model.parameters(), lr=SMALL.lr)
    ours = [trainer.step() for _ in range(6)]
    seed = SMALL.seed * 100_003  # the trainer's first epoch
    state, plain = None, []
    for X, Y in sequential_batches(trainer.corpus, SMALL.batch_size, SMALL.num_steps, seed)[:6]:
        state = None if state is None else state.detach()
        logits, state = model(F.one_hot(X.T, len(model.vocab)).float(), state)
        loss = F.cross_entropy(logits.reshape(-1, len(model.vocab)), Y.T.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), SMALL.clip)
        opt.step()
        plain.append(loss.item())
    assert ours == pytest.approx(plain, rel=1e-5)


def test_sequential_mode_carries_the_state_between_batches():
    trainer = lm.Trainer(
        lm.LMConfig(kind="rnn", hidden_size=8, batch_size=2, num_steps=5, lr=0.0), TEXT
    )
    trainer.step()
    carried = trainer._state.detach().clone()
    X, _ = trainer._batches[0]
    with torch.no_grad():
        _, h = trainer.model(trainer.model.one_hot(X.T))
    assert torch.allclose(carried, h, atol=1e-6)  # lr = 0: the weights did not move
    random_mode = lm.Trainer(lm.LMConfig(kind="rnn", hidden_size=8, mode="random"), TEXT)
    random_mode.step()
    assert random_mode.config.mode == "random"


def test_run_stops_on_steps_seconds_and_callback():
    trainer = lm.Trainer(SMALL, TEXT)
    assert len(trainer.run(max_steps=3).losses) == 3
    seen = []
    trainer.run(max_steps=100, callback=lambda p: seen.append(p) or p.step >= 5)
    assert seen[-1].step == 5 and seen[-1].tokens == 5 * 4 * 7
    trainer.run(max_seconds=0.05)
    with pytest.raises(ValueError):
        trainer.run()
    assert trainer.evaluate() > 1


def test_training_lowers_the_loss():
    trainer = lm.Trainer(
        lm.LMConfig(kind="lstm", hidden_size=64, batch_size=16, num_steps=20), TEXT
    )
    first = lm.perplexity(trainer.model, trainer.heldout_text)
    trainer.run(max_steps=150)
    assert trainer.history.recent_perplexity(20) < 0.7 * first
    assert trainer.evaluate() < first


def test_start_from_copies_and_never_touches_the_shared_model(lstm):
    before = {k: v.clone() for k, v in lstm.state_dict().items()}
    trainer = lm.Trainer(
        lm.LMConfig(kind="lstm", hidden_size=128, batch_size=4, num_steps=5), TEXT, start_from=lstm
    )
    trainer.run(max_steps=2)
    assert all(torch.equal(before[k], v) for k, v in lstm.state_dict().items())
    assert not lstm.training


def test_too_short_text_is_a_clear_error():
    with pytest.raises(ValueError, match="too short"):
        lm.Trainer(lm.LMConfig(batch_size=32, num_steps=35), "a short text " * 5)


def test_temperature_to_zero_equals_greedy(lstm):
    greedy = lm.generate(lstm, "the time ", 60, temperature=0)
    assert lm.generate(lstm, "the time ", 60, temperature=1e-4, seed=5) == greedy
    assert lm.generate(lstm, "the time ", 60, temperature=1.0, top_k=1, seed=9) == greedy
    assert "<unk>" not in lm.generate(lstm, "", 100, temperature=2.0, seed=1)


def test_sampling_distribution(lstm):
    o = lm.next_logits(lstm, "the tim")
    p = lm.sampling_distribution(o, 1.0)
    assert p.sum() == pytest.approx(1.0) and p[lstm.vocab.unk] == 0
    p3 = lm.sampling_distribution(o, 0.5, top_k=3)
    assert (p3 > 0).sum() == 3 and p3.sum() == pytest.approx(1.0)
    assert torch.equal(lm.sampling_distribution(o, 0.0), F.one_hot(o.argmax(), len(o)).float())


def test_teacher_forced_rollout_is_the_mean_cross_entropy(lstm):
    text = "the time traveller smiled"
    r = lm.rollout(lstm, text)
    assert r.free_from == len(text) - 1
    assert "".join(r.inputs) == text[:-1] and "".join(r.targets) == text[1:]
    assert r.mean_loss == pytest.approx(independent_mean_ce(lstm, lstm.encode(text).ids), rel=1e-5)
    assert torch.allclose(r.probs.sum(-1), torch.ones(len(text) - 1))


def test_free_running_feeds_its_own_greedy_output(lstm):
    text = "the time traveller smiled round at us"
    r = lm.rollout(lstm, text, free_from=5)
    assert "".join(r.inputs[:5]) == text[:5]
    vocab = lstm.vocab.idx_to_token
    for t in range(5, len(r.inputs)):
        assert r.inputs[t] == vocab[int(r.probs[t - 1].argmax())]
    # the prompt part is identical to teacher forcing
    forced = lm.rollout(lstm, text)
    assert torch.allclose(r.losses[:5], forced.losses[:5])
    assert r.mean_loss > forced.mean_loss
    assert "".join(r.targets) == text[1:]


def test_num_parameters():
    vocab = Vocab(tokenize("abc", "char"))
    model = CharModel(SMALL.char_config(), vocab)
    V, H = len(vocab), 16
    assert lm.num_parameters(model) == 3 * H * (V + H + 2) + H * V + V
