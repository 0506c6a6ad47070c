"""seqviz.lm_training: the LM lab's live trainer and the checkpoints' recipe, against PyTorch."""

import copy

import pytest
import torch
import torch.nn.functional as F

from seqviz import checkpoints, lm, lm_training, training
from seqviz.batching import sequential_batches
from seqviz.charlm import CharConfig, CharModel
from seqviz.text import Vocab, heldout_split, load_time_machine, tokenize

TEXT = load_time_machine()[:20_000]
SMALL = lm_training.LMConfig(kind="gru", hidden_size=16, batch_size=4, num_steps=7, lr=0.01)
TINY = dict(hidden_size=16, num_steps=16, batch_size=8, steps=40, lr=1e-2)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Small models run fastest on one thread, and the machine is shared."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def lstm():
    return checkpoints.load("lstm")


# --- the live trainer -----------------------------------------------------------------


def test_training_step_loss_is_the_mean_cross_entropy_of_its_batch():
    trainer = lm_training.Trainer(SMALL, TEXT)
    before = copy.deepcopy(trainer.model)
    loss = trainer.step()
    X, Y = trainer.batch
    with torch.no_grad():
        logits, _ = before(before.one_hot(X.T))  # (T, B, V)
    o = logits.double()
    log_p = o - o.logsumexp(-1, keepdim=True)
    expect = -log_p.gather(-1, Y.T.unsqueeze(-1)).mean()
    assert loss == pytest.approx(float(expect), rel=1e-5)


def test_trainer_matches_a_plain_pytorch_loop_step_for_step():
    """Same init, same batches: the losses of a hand-written loop with carried, detached state."""
    trainer = lm_training.Trainer(SMALL, TEXT)
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
    trainer = lm_training.Trainer(
        lm_training.LMConfig(kind="rnn", hidden_size=8, batch_size=2, num_steps=5, lr=0.0), TEXT
    )
    trainer.step()
    carried = trainer.state.detach().clone()
    X, _ = trainer.batch
    with torch.no_grad():
        _, h = trainer.model(trainer.model.one_hot(X.T))
    assert torch.allclose(carried, h, atol=1e-6)  # lr = 0: the weights did not move
    random_mode = lm_training.Trainer(
        lm_training.LMConfig(kind="rnn", hidden_size=8, mode="random"), TEXT
    )
    random_mode.step()
    assert random_mode.config.mode == "random"


def test_run_stops_on_steps_seconds_and_callback():
    trainer = lm_training.Trainer(SMALL, TEXT)
    assert len(trainer.run(max_steps=3).losses) == 3
    seen = []
    trainer.run(max_steps=100, callback=lambda p: seen.append(p) or p.step >= 5)
    assert seen[-1].step == 5 and seen[-1].tokens == 5 * 4 * 7
    trainer.run(max_seconds=0.0)  # a budget of nothing takes no step
    assert trainer.history.step == 5
    trainer.run(max_steps=100, stop=lambda: trainer.history.step >= 7)
    assert trainer.history.step == 7 and trainer.epoch == 1
    with pytest.raises(ValueError):
        trainer.run()
    assert trainer.evaluate() > 1 and trainer.history.eval_steps == [7]


def test_training_lowers_the_loss():
    trainer = lm_training.Trainer(
        lm_training.LMConfig(kind="lstm", hidden_size=64, batch_size=16, num_steps=20), TEXT
    )
    first = lm.perplexity(trainer.model, trainer.heldout_text)
    trainer.run(max_steps=150)
    assert trainer.history.recent_perplexity(20) < 0.7 * first
    assert trainer.evaluate() < first


def test_start_from_copies_and_never_touches_the_shared_model(lstm):
    before = {k: v.clone() for k, v in lstm.state_dict().items()}
    trainer = lm_training.Trainer(
        lm_training.LMConfig(kind="lstm", hidden_size=128, batch_size=4, num_steps=5),
        TEXT,
        start_from=lstm,
    )
    trainer.run(max_steps=2)
    assert all(torch.equal(before[k], v) for k, v in lstm.state_dict().items())
    assert not lstm.training


def test_too_short_text_is_a_clear_error():
    with pytest.raises(ValueError, match="too short"):
        lm_training.Trainer(lm_training.LMConfig(batch_size=32, num_steps=35), "a short text " * 5)


def test_each_epoch_starts_at_a_new_offset_and_progress_counts_epochs_and_tokens():
    trainer = lm_training.Trainer(
        lm_training.LMConfig(kind="rnn", hidden_size=8, batch_size=8, num_steps=50), TEXT[:3000]
    )
    n = len(sequential_batches(trainer.corpus, 8, 50, seed=0))
    seen = []
    trainer.run(max_steps=n + 1, callback=lambda p: seen.append((p.epoch, p.tokens)))
    assert [e for e, _ in seen] == [1] * n + [2]
    assert seen[-1][1] == (n + 1) * 8 * 50
    first_of_epoch_2 = sequential_batches(trainer.corpus, 8, 50, seed=1)[0]
    assert torch.equal(trainer.batch[0], first_of_epoch_2[0])


# --- the checkpoints' recipe -------------------------------------------------------------


def test_train_reduces_loss_and_is_deterministic():
    text = load_time_machine()[:6000]
    config = CharConfig(kind="gru", **TINY, seed=3)
    calls = []
    model, history = lm_training.train(
        config, text, callback=lambda p: calls.append((p.step, p.total, p.label))
    )
    assert calls[0] == (1, 40, "gru") and calls[-1] == (40, 40, "gru")
    assert len(history.losses) == 40
    first, last = sum(history.losses[:5]) / 5, sum(history.losses[-5:]) / 5
    assert last < first - 0.3
    assert history.eval_steps == [40]
    assert history.heldout[-1] < len(model.vocab)
    _, heldout = heldout_split(text)
    assert history.heldout[-1] == pytest.approx(lm.perplexity(model, heldout))
    assert not model.training
    _, again = lm_training.train(config, text)
    assert again.losses == history.losses
    _, other = lm_training.train(CharConfig(kind="gru", **TINY, seed=4), text)
    assert other.losses != history.losses


def test_train_is_a_plain_adamw_loop_on_random_windows():
    """Same init, same windows, same schedule: the loss of a hand-written loop."""
    text = load_time_machine()[:6000]
    config = CharConfig(kind="rnn", **{**TINY, "steps": 6}, weight_decay=0.1)
    _, history = lm_training.train(config, text)
    vocab = Vocab(tokenize(text, "char"))
    model = CharModel(config, vocab)
    ids = model.encode(heldout_split(text)[0]).ids
    gen = torch.Generator().manual_seed(config.seed + 1)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.1)
    schedule = training.cosine_schedule(config.lr, config.steps)
    W = config.num_steps + 1
    plain = []
    for s in range(1, 7):
        for group in opt.param_groups:
            group["lr"] = schedule(s)
        starts = torch.randint(0, len(ids) - W + 1, (config.batch_size,), generator=gen)
        batch = ids[starts[None, :] + torch.arange(W)[:, None]]  # (T + 1, B)
        logits, _ = model(F.one_hot(batch[:-1], len(vocab)).float())
        loss = F.cross_entropy(logits.reshape(-1, len(vocab)), batch[1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        opt.step()
        plain.append(loss.item())
    assert history.losses == plain


def test_train_blank_objective():
    text = load_time_machine()[:6000]
    config = CharConfig(kind="rnn", bidirectional=True, objective="blank", **{**TINY, "steps": 20})
    _, history = lm_training.train(config, text, eval_every=10)
    assert history.eval_steps == [10, 20]
    assert history.losses[-1] < history.losses[0]


def test_train_refuses_a_too_short_text():
    with pytest.raises(ValueError, match="too short"):
        lm_training.train(CharConfig(**TINY), "abcd abcd")  # 9 characters, windows of 17
