"""seqviz.jobs: training jobs in worker processes give the in-process result, stop, are
cancelled without a heartbeat, queue in order, evict old results and survive a crash.

The worker-process tests share one pool of one worker (a worker's start imports torch);
the fit functions below live in this module, which the workers import by name.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass

import pytest
import torch

from seqviz import jobs, lm_training, training

LM = lm_training.LMConfig(kind="gru", hidden_size=16, batch_size=4, num_steps=5, eval_every=10)


@dataclass(frozen=True)
class Capped:
    """The LM lab's training, planned to end after ``steps`` steps."""

    lm: lm_training.LMConfig
    steps: int


def capped_fit(config: Capped, state, *, max_seconds, stop=None, callback=None) -> dict:
    def until(progress: training.Progress) -> bool:
        stopped = callback(progress) if callback is not None else False
        return bool(stopped) or progress.step >= config.steps

    state = lm_training.fit(config.lm, state, max_seconds=max_seconds, stop=stop, callback=until)
    return state | {"done": state["step"] >= config.steps}


@dataclass(frozen=True)
class Endless:
    """A training that never ends by itself; ``crash`` ends its process instead."""

    seconds_per_step: float = 0.01
    crash: bool = False


def endless_fit(config: Endless, state, *, max_seconds, stop=None, callback=None) -> dict:
    if config.crash:
        os._exit(3)  # as a worker killed by the system would
    history = state["history"] if state else training.History()

    def step() -> training.Step:
        time.sleep(config.seconds_per_step)  # the work of one step
        return training.Step(loss=1.0, tokens=1)

    training.run(step, history, max_seconds=max_seconds, stop=stop, callback=callback)
    return {"history": history, "step": history.step, "done": False}


def wait_until(condition, what: str, timeout: float = 300.0):
    """Poll ``condition()`` until it returns something true (the pool's own pace)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def ended(pool: jobs.Pool, job: str, renew: bool = True) -> jobs.Status | None:
    status = pool.status(job, renew=renew)
    return status if status.ended else None


@pytest.fixture(scope="module")
def pool():
    p = jobs.Pool(workers=1, chunk_seconds=0.3, heartbeat_seconds=3.0)
    yield p
    p.close()


def test_a_job_gives_the_weights_of_one_fit_call_bit_for_bit(pool):
    config = Capped(LM, steps=30)
    job = pool.submit("ann", capped_fit, config, max_seconds=600)
    status = wait_until(lambda: ended(pool, job), "the job to finish")
    assert status.phase == "finished" and status.error is None
    torch.set_num_threads(1)  # the workers' setting
    here = capped_fit(config, None, max_seconds=math.inf)
    assert status.state["step"] == here["step"] == 30
    assert status.state["model"].keys() == here["model"].keys()
    for name, tensor in here["model"].items():
        assert torch.equal(status.state["model"][name], tensor), name
    # every step was streamed back, in order
    assert [p.step for p in status.records] == list(range(1, 31))
    assert [p.loss for p in status.records] == status.state["history"].losses


def test_stop_ends_a_running_job_and_keeps_its_state(pool):
    job = pool.submit("ann", endless_fit, Endless(), max_seconds=600)
    wait_until(lambda: pool.status(job).records, "the first steps")
    pool.stop(job)
    status = wait_until(lambda: ended(pool, job), "the job to stop")
    assert status.phase == "stopped"
    assert status.state["step"] >= len(status.records) > 0
    # Train again continues from where it stopped
    again = pool.submit("ann", endless_fit, Endless(), status.state, max_seconds=600)
    wait_until(lambda: pool.status(again).records, "the continued run's first steps")
    pool.stop(again)
    resumed = wait_until(lambda: ended(pool, again), "the second stop")
    assert resumed.records[0].step == status.state["step"] + 1


def test_a_job_nobody_asks_about_is_cancelled(pool):
    job = pool.submit("bob", endless_fit, Endless(), max_seconds=600)
    wait_until(lambda: pool.status(job).phase == "running", "the job to start")
    # from now on nobody renews the heartbeat: the page is gone
    status = wait_until(lambda: ended(pool, job, renew=False), "the cancel", timeout=60)
    assert status.phase == "cancelled" and status.state["step"] > 0


def test_waiting_jobs_know_their_place_in_the_queue(pool):
    first = pool.submit("cid", endless_fit, Endless(), max_seconds=600)
    wait_until(lambda: pool.status(first).phase == "running", "the first job to start")
    second = pool.submit("dan", endless_fit, Endless(), max_seconds=600)
    third = pool.submit("eve", endless_fit, Endless(), max_seconds=600)
    assert [pool.status(j).position for j in (first, second, third)] == [None, 1, 2]
    assert pool.status(second).phase == "queued"
    pool.stop(second)  # a queued job stops at once; the one behind moves up
    assert pool.status(second).phase == "stopped"
    assert pool.status(third).position == 1
    pool.stop(first)
    wait_until(lambda: pool.status(third).phase == "running", "the third job to start")
    pool.stop(third)
    wait_until(lambda: ended(pool, third), "the third job to stop")


def test_a_crashed_worker_fails_its_job_with_a_message_and_is_replaced(pool):
    job = pool.submit("fay", endless_fit, Endless(crash=True), max_seconds=600)
    status = wait_until(lambda: ended(pool, job), "the crash to be noticed")
    assert status.phase == "failed" and "stopped unexpectedly" in status.error
    after = pool.submit("fay", capped_fit, Capped(LM, steps=3), max_seconds=600)
    assert wait_until(lambda: ended(pool, after), "a job after the crash").phase == "finished"


def test_an_exception_in_fit_fails_the_job_with_its_message():
    pool = jobs.Pool(mode="inline")
    job = pool.submit("gus", capped_fit, "not a config", max_seconds=1)
    status = pool.status(job)
    assert status.phase == "failed" and "AttributeError" in status.error


def test_old_results_are_evicted_per_student_and_the_student_is_told():
    pool = jobs.Pool(mode="inline", keep_per_owner=2, keep_total=3)
    config = Capped(LM, steps=2)
    a = [pool.submit("ann", capped_fit, config, max_seconds=60) for _ in range(3)]
    assert [pool.status(j).phase for j in a] == ["evicted", "finished", "finished"]
    assert pool.status(a[0]).state is None and "Press Train" in pool.status(a[0]).error
    b = [pool.submit("bob", capped_fit, config, max_seconds=60) for _ in range(2)]
    # three kept over all students: ann's oldest kept result goes first
    assert [pool.status(j).phase for j in a[1:] + b] == [
        "evicted",
        "finished",
        "finished",
        "finished",
    ]


def test_inline_mode_gives_the_same_result_as_the_workers():
    config = Capped(LM, steps=12)
    pool = jobs.Pool(mode="inline", chunk_seconds=0.5)
    status = pool.status(pool.submit("ann", capped_fit, config, max_seconds=600))
    here = capped_fit(config, None, max_seconds=math.inf)
    assert status.phase == "finished"
    assert all(torch.equal(status.state["model"][k], v) for k, v in here["model"].items())


def test_history_of_a_running_job_continues_the_one_it_started_from():
    base = training.History()
    base.add_step(2.0, 10, 0.5)
    records = [
        training.Progress("", 2, None, 0, 1.5, 0.1, 20, 1.0, None, math.nan),
        training.Progress("", 3, None, 0, 1.0, 0.1, 30, 1.5, 7.0, math.nan),
    ]
    h = jobs.history_of(jobs.Status("j", "running", None, records, None, None), base)
    assert h.losses == [2.0, 1.5, 1.0] and h.tokens == 30 and h.seconds == 1.5
    assert (h.eval_steps, h.heldout) == ([3], [7.0])


# --- every lab's fit continues exactly where it stopped ------------------------------------

from seqviz import bridge, memory_task, transformer_training  # noqa: E402

FITS = {  # the LM's: test_a_job_gives_the_weights_of_one_fit_call_bit_for_bit (in pieces)
    "transformer": (
        transformer_training.fit,
        transformer_training.TrainConfig(
            d_model=16,
            n_heads=2,
            num_layers=1,
            d_ff=32,
            context=16,
            num_steps=16,
            batch_size=4,
            steps=8,
            warmup=2,
        ),
        8,
    ),
    "bridge": (bridge.fit, bridge.BridgeConfig(num_symbols=3, steps=4, batch_size=8), 8),
    "memory": (
        memory_task.fit,
        memory_task.MemoryConfig(lag=4, steps=5, batch_size=8, eval_size=16),
        5,
    ),
}


def weights(state: dict) -> dict:
    """Every tensor of a fit state's model(s), by a flat name."""
    found = {}
    for key, value in state.items():
        if key == "model":
            found |= {f"model.{k}": v for k, v in value.items()}
        elif isinstance(value, dict) and "model" in value:
            found |= {f"{key}.{k}": v for k, v in value["model"].items()}
    return found


@pytest.mark.parametrize("lab", FITS)
def test_a_fit_stopped_and_continued_ends_with_the_weights_of_one_call(lab):
    fit, config, steps = FITS[lab]
    torch.set_num_threads(1)
    whole = fit(config, None, max_seconds=math.inf)
    first = fit(config, None, max_seconds=math.inf, callback=lambda p: p.step >= 3)
    assert not first["done"] and first["step"] < whole["step"] == steps
    rest = fit(config, first, max_seconds=math.inf)
    assert rest["step"] == whole["step"] and rest["done"] and whole["done"]
    a, b = weights(whole), weights(rest)
    assert a.keys() == b.keys() and a
    for name in a:
        assert torch.equal(a[name], b[name]), name


def test_the_pieces_of_the_pair_and_the_memory_task_are_their_trainers_models():
    config = bridge.BridgeConfig(num_symbols=3, steps=3, batch_size=8)
    torch.set_num_threads(1)
    pair = bridge.pair_of(config, bridge.fit(config, None, max_seconds=math.inf))
    reference = bridge.train_pair(config)
    for name in ("lstm", "transformer"):
        ours, theirs = getattr(pair, name).state_dict(), getattr(reference, name).state_dict()
        assert all(torch.equal(ours[k], theirs[k]) for k in theirs)
    mconfig = memory_task.MemoryConfig(lag=4, steps=3, batch_size=8, eval_size=16)
    together = memory_task.side_by_side(
        mconfig, memory_task.fit(mconfig, None, max_seconds=math.inf)
    )
    lstm = memory_task.train_one("lstm", mconfig)
    assert together.runs()["lstm"].accuracies == lstm.accuracies


def test_a_job_that_cannot_be_sent_to_a_worker_fails_with_a_message(pool):
    job = pool.submit("hal", endless_fit, lambda: None, max_seconds=1)  # no pickle for lambdas
    status = wait_until(lambda: ended(pool, job), "the job to fail")
    assert status.phase == "failed" and "could not be sent" in status.error
