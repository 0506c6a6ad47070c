"""seqviz.training: the one training loop — against a plain PyTorch loop, resumable,
time-boxed on a fake clock, stoppable from another thread, evaluation not counted."""

import copy
import math
import threading

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from seqviz import training


def make_problem(seed: int = 0, scale: float = 1.0):
    """A small regression: model, batches (endless, seeded), loss."""
    gen = torch.Generator().manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    with torch.no_grad():
        for p in model.parameters():
            p.uniform_(-0.5, 0.5, generator=gen)
    w_true = torch.randn(4, 1, generator=gen)

    def batches():
        data = torch.Generator().manual_seed(seed + 1)
        while True:
            x = torch.randn(16, 4, generator=data)
            yield x, scale * (x @ w_true)

    def loss_fn(m, batch):
        x, y = batch
        return F.mse_loss(m(x), y)

    return model, batches(), loss_fn


def make_trainer(seed=0, clip=1.0, total=None, scale=1.0, **kwargs) -> training.Trainer:
    model, batches, loss_fn = make_problem(seed, scale)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    return training.Trainer(model, loss_fn, batches, opt, clip=clip, total=total, **kwargs)


def weights(model: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


class FakeClock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# --- the gradient step ----------------------------------------------------------------


def test_trainer_equals_a_plain_pytorch_loop_bit_for_bit():
    schedule = training.cosine_schedule(0.01, 12, warmup=3)
    trainer = make_trainer(seed=3, clip=0.5, schedule=schedule, total=12)
    model, batches, loss_fn = make_problem(seed=3)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    plain = []
    for s in range(1, 13):
        for group in opt.param_groups:
            group["lr"] = schedule(s)
        loss = loss_fn(model, next(batches))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        plain.append(loss.item())
    assert trainer.run() == "finished"
    assert trainer.history.losses == plain
    for a, b in zip(weights(trainer.model), weights(model), strict=True):
        assert torch.equal(a, b)
    assert trainer.history.steps == list(range(1, 13))
    assert not trainer.model.training  # left in eval mode


def test_clipping_caps_the_global_gradient_norm():
    def grad_norm(model):
        return float(
            torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in model.parameters()]))
        )

    free = make_trainer(clip=None, scale=100.0)
    free.step()
    assert grad_norm(free.model) > 5.0  # a large gradient to clip
    clipped = make_trainer(clip=0.5, scale=100.0)
    clipped.step()
    # g <- min(1, θ / (||g|| + 1e-6)) g
    assert grad_norm(clipped.model) <= 0.5
    assert grad_norm(clipped.model) == pytest.approx(0.5, rel=1e-4)


def test_the_schedule_sets_every_steps_learning_rate():
    lrs = []
    schedule = training.cosine_schedule(1.0, 10, warmup=2)
    trainer = make_trainer(schedule=schedule, total=10)
    trainer.run(callback=lambda p: lrs.append((p.lr, trainer.optimizer.param_groups[0]["lr"])))
    assert [a for a, _ in lrs] == [b for _, b in lrs] == [schedule(s) for s in range(1, 11)]
    assert lrs[0][0] == 0.5 and lrs[1][0] == 1.0  # linear warm-up
    assert lrs[2][0] == pytest.approx(1.0)  # the cosine starts at the peak ...
    assert 0.1 < lrs[-1][0] < 0.15  # ... and ends near lr / 10
    assert all(a >= b for (a, _), (b, _) in zip(lrs[1:], lrs[2:], strict=False))


# --- running in pieces ------------------------------------------------------------------


def test_a_resumed_run_ends_with_the_weights_of_one_uninterrupted_run():
    whole = make_trainer(seed=1, total=10)
    assert whole.run() == "finished"
    pieces = make_trainer(seed=1, total=10)
    assert pieces.run(max_steps=3) == "max_steps"
    assert pieces.run(callback=lambda p: p.step == 5) == "stopped"
    assert pieces.run(stop=lambda: pieces.history.step >= 8) == "stopped"
    assert pieces.history.step == 8 and not pieces.done
    assert pieces.run() == "finished" and pieces.done
    assert pieces.run() == "finished" and pieces.history.step == 10  # nothing left to do
    assert pieces.history.losses == whole.history.losses
    for a, b in zip(weights(whole.model), weights(pieces.model), strict=True):
        assert torch.equal(a, b)


def test_the_time_box_counts_training_steps_only():
    clock = FakeClock()
    model, batches, loss_fn = make_problem()

    def slow_batches():
        for batch in batches:
            clock.now += 1.0  # every step takes one (fake) second
            yield batch

    def slow_evaluate(m):
        clock.now += 100.0  # evaluation is slow, and is not training
        return 1.0

    def slow_callback(p):
        clock.now += 50.0  # so is drawing a progress bar

    trainer = training.Trainer(
        model,
        loss_fn,
        slow_batches(),
        torch.optim.SGD(model.parameters(), lr=0.01),
        evaluate=slow_evaluate,
    )
    outcome = trainer.run(max_seconds=3.5, callback=slow_callback, eval_every=1, clock=clock)
    assert outcome == "max_seconds"
    assert trainer.history.step == 4  # 3 s < 3.5 s after three steps, 4 s after four
    assert trainer.history.seconds == 4.0
    assert trainer.history.eval_steps == [1, 2, 3, 4]
    assert clock.now == 4 * (1 + 100 + 50)
    # a second call gets its own budget
    assert trainer.run(max_seconds=2.0, clock=clock) == "max_seconds"
    assert trainer.history.step == 6 and trainer.history.seconds == 6.0


def test_a_stop_event_set_from_another_thread_ends_the_run_before_the_next_step():
    trainer = make_trainer()
    stop, reached = threading.Event(), threading.Event()
    release = threading.Event()

    def callback(p):
        if p.step == 3:
            reached.set()
            assert release.wait(timeout=30)  # the UI thread acts while step 3 reports

    outcome = []
    worker = threading.Thread(
        target=lambda: outcome.append(trainer.run(max_steps=1000, callback=callback, stop=stop))
    )
    worker.start()
    assert reached.wait(timeout=30)
    stop.set()
    release.set()
    worker.join(timeout=30)
    assert outcome == ["stopped"]
    assert trainer.history.step == 3
    assert trainer.run(max_steps=5, stop=stop) == "stopped" and trainer.history.step == 3
    stop.clear()
    assert trainer.run(max_steps=2, stop=stop) == "max_steps" and trainer.history.step == 5


def test_progress_reports_every_step():
    seen: list[training.Progress] = []
    trainer = make_trainer(
        total=6,
        evaluate=lambda m: 42.0,
        tokens=lambda batch: len(batch[0]),
        epoch=lambda: 7,
        label="toy",
    )
    trainer.run(callback=seen.append, eval_every=4)
    assert [p.step for p in seen] == [1, 2, 3, 4, 5, 6]
    assert [p.tokens for p in seen] == [16 * s for s in range(1, 7)]
    assert [p.heldout for p in seen] == [None, None, None, 42.0, 42.0, 42.0]
    assert trainer.history.eval_steps == [4, 6]  # every 4 steps, and at the planned end
    assert seen[-1].fraction == 1.0 and seen[2].fraction == 0.5
    assert {p.label for p in seen} == {"toy"} and {p.epoch for p in seen} == {7}
    assert [p.loss for p in seen] == trainer.history.losses
    assert seen[-1].seconds == trainer.history.seconds
    open_ended = make_trainer()
    open_ended.run(max_steps=1, callback=seen.append)
    assert seen[-1].total is None and math.isnan(seen[-1].fraction)


def test_evaluation_runs_in_eval_mode_without_gradients_and_is_recorded():
    states = []

    def evaluate(m):
        states.append((m.training, torch.is_grad_enabled()))
        return float(len(states))

    trainer = make_trainer(evaluate=evaluate)
    trainer.run(max_steps=4, eval_every=2)
    assert states == [(False, False), (False, False)]
    assert trainer.evaluate() == 3.0  # on request, recorded at the current step
    assert trainer.history.eval_steps == [2, 4, 4] and trainer.history.heldout == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="evaluation"):
        make_trainer().evaluate()


def test_a_run_needs_a_limit():
    with pytest.raises(ValueError, match="always ends"):
        make_trainer().run()


def test_the_loop_runs_any_step_function():
    """A step without autograd (as Word2Vec's SGD) uses the same loop and history."""
    w = torch.tensor(10.0)

    def step() -> training.Step:
        # L = w² / 2, dL/dw = w;  w <- w - 0.5 dL/dw
        loss = float(w**2 / 2)
        w.sub_(0.5 * w)
        return training.Step(loss, tokens=1, lr=0.5)

    history = training.History()
    assert training.run(step, history, total=3) == "finished"
    assert history.losses == [50.0, 12.5, 3.125] and history.tokens == 3
    assert training.run(step, history, total=3) == "finished" and history.step == 3


# --- the history ------------------------------------------------------------------------


def test_history_copy_is_aligned_while_another_thread_appends():
    history = training.History()

    def append():
        for s in range(1, 20_001):
            history.add_step(float(s), 1, 0.0)
            if s % 7 == 0:
                history.add_eval(s, -float(s))

    writer = threading.Thread(target=append)
    writer.start()
    copies = 0
    while writer.is_alive() or copies == 0:
        snap = history.copy()
        assert len(snap.steps) == len(snap.losses) == snap.tokens
        assert len(snap.eval_steps) == len(snap.heldout)
        assert snap.losses == [float(s) for s in snap.steps]
        copies += 1
    writer.join()
    assert history.step == 20_000 and history.copy().heldout[-1] == -19_999.0


def test_history_summaries_and_deepcopy():
    history = training.History()
    assert math.isnan(history.recent_perplexity()) and math.isnan(history.tokens_per_second)
    for loss in (1.0, 2.0, 3.0):
        history.add_step(loss, 10, 0.5)
    assert history.recent_perplexity(2) == pytest.approx(math.exp(2.5))
    assert history.tokens_per_second == pytest.approx(20.0)
    clone = copy.deepcopy(history)
    clone.add_step(4.0, 1, 0.0)
    assert history.step == 3 and clone.step == 4


def test_num_parameters():
    model = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 1))
    assert training.num_parameters(model) == (4 * 8 + 8) + (8 + 1)


def test_in_slices_trains_until_done_or_the_time_is_up_and_yields_between_slices():
    clock = FakeClock()
    asked = []

    def run_for(seconds):
        asked.append(seconds)
        clock.now += 0.5  # each slice takes half a second of the fake clock

    # the time is up: slices of at most 1 s, none started after 2 s, the last one shorter
    clock.now = 0.0
    assert list(training.in_slices(run_for, lambda: False, 2.0, 1.0, clock)) == [0.5, 1.0, 1.5, 2.0]
    assert asked == [1.0, 1.0, 1.0, 0.5]
    # done after three slices: no fourth
    asked.clear()
    gen = training.in_slices(run_for, lambda: len(asked) >= 3, 60.0, 0.25, clock)
    assert len(list(gen)) == 3 and asked == [0.25] * 3


def test_a_caller_that_stops_iterating_leaves_the_trainer_whole():
    """A page stops drawing when its user presses Stop: the trainer resumes where it was."""
    whole = make_trainer(seed=4, total=12)
    whole.run()
    sliced = make_trainer(seed=4, total=12)
    for n, _ in enumerate(
        training.in_slices(lambda s: sliced.run(max_steps=5), lambda: sliced.done, 1e9)
    ):
        if n == 1:
            break  # the page was interrupted after two slices
    assert sliced.history.step == 10 and not sliced.done
    sliced.run()
    assert sliced.history.losses == whole.history.losses
    for a, b in zip(weights(whole.model), weights(sliced.model), strict=True):
        assert torch.equal(a, b)
