"""The remember-the-first-symbol task: data, determinism, callbacks, learning at a short lag."""

import pytest
import torch

from seqviz import gradients
from seqviz.memory_task import (
    MemoryConfig,
    SideBySide,
    example,
    gradient_norms,
    last_step_loss,
    make_batch,
    train_all,
    train_one,
)


def test_batches_start_with_the_answer_and_then_only_noise():
    cfg = MemoryConfig(lag=5, num_signal=3, num_noise=2)
    x, y = make_batch(cfg, 10, torch.Generator().manual_seed(0))
    assert x.shape == (6, 10, 5) and y.shape == (10,)
    assert torch.equal(x[0].argmax(-1), y)
    assert (x[1:].argmax(-1) >= 3).all()
    assert torch.equal(x.sum(-1), torch.ones(6, 10))


def test_training_is_deterministic_per_seed_and_reports_progress():
    cfg = MemoryConfig(lag=4, steps=6, hidden_size=8, seed=3)
    calls = []
    a = train_all(cfg, callback=calls.append)
    b = train_all(cfg)
    assert [c.label for c in calls] == ["rnn"] * 6 + ["gru"] * 6 + ["lstm"] * 6
    assert [c.step for c in calls[:6]] == [1, 2, 3, 4, 5, 6] and calls[0].total == 6
    # every step reports its loss and the held-out accuracy measured after it
    assert [c.loss for c in calls[:6]] == a["rnn"].losses
    assert [c.heldout for c in calls[:6]] == a["rnn"].accuracies
    assert a["rnn"].final_accuracy == a["rnn"].accuracies[-1]
    assert a["rnn"].history.eval_steps == [1, 2, 3, 4, 5, 6]
    for kind in ("rnn", "gru", "lstm"):
        assert a[kind].losses == b[kind].losses
        assert a[kind].accuracies == b[kind].accuracies
    c = train_one("rnn", MemoryConfig(lag=4, steps=6, hidden_size=8, seed=4))
    assert c.losses != a["rnn"].losses


def test_a_short_lag_is_learned():
    run = train_one(
        "lstm", MemoryConfig(lag=3, steps=150, hidden_size=16, num_signal=4, num_noise=4)
    )
    assert run.final_accuracy > 0.9


def test_no_global_random_state_is_used():
    state = torch.random.get_rng_state()
    train_one("lstm", MemoryConfig(lag=2, steps=2, hidden_size=4))
    assert torch.equal(state, torch.random.get_rng_state())


def test_gradients_of_a_trained_model_use_its_loss():
    cfg = MemoryConfig(lag=6, steps=2, hidden_size=8)
    run = train_one("gru", cfg)
    x, answer = example(cfg)
    flow = gradients.backprop(run.model.rnn, x, last_step_loss(run.model, answer))
    logits = run.model(x)
    expected = torch.nn.functional.cross_entropy(logits[None], torch.tensor([answer]))
    assert flow.loss == float(expected.detach())
    assert flow.hidden_norms.shape == (7,)


def test_side_by_side_training_equals_training_each_model_alone():
    cfg = MemoryConfig(lag=4, steps=6, hidden_size=8, seed=3)
    alone = train_all(cfg)
    together = SideBySide(cfg)
    assert together.runs() == {} and together.step == 0
    # stopped after two rounds: every model at step 2, usable as it is
    assert together.run(stop=lambda: together.step >= 2) == "stopped"
    runs = together.runs()
    assert together.step == 2 and set(runs) == {"rnn", "gru", "lstm"}
    for kind in ("rnn", "gru", "lstm"):
        assert runs[kind].losses == alone[kind].losses[:2]
        assert runs[kind].history.eval_steps == [1, 2]
    assert together.run(max_rounds=1) == "max_steps" and together.step == 3
    assert together.run(max_seconds=0.0) == "max_seconds" and together.step == 3
    assert together.run() == "finished" and together.done
    for kind, run in together.runs().items():
        assert run.losses == alone[kind].losses
        assert run.accuracies == alone[kind].accuracies
        for a, b in zip(run.model.parameters(), alone[kind].model.parameters(), strict=True):
            assert torch.equal(a, b)
    # the round history: one entry per round, the mean of the three losses
    assert together.rounds.step == 6
    assert together.rounds.losses[0] == pytest.approx(
        sum(alone[k].losses[0] for k in ("rnn", "gru", "lstm")) / 3
    )


def test_gradient_norms_of_a_trained_model_are_backprop_on_its_example():
    cfg = MemoryConfig(lag=5, steps=3, hidden_size=8)
    run = train_one("lstm", cfg)
    x, answer = example(cfg)
    want = gradients.backprop(run.model.rnn, x, last_step_loss(run.model, answer)).hidden_norms
    assert torch.equal(gradient_norms(run, cfg), want) and want.shape == (6,)
