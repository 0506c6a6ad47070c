"""A lab's ``fit`` run as a job of the training pool, cut into many short chunks.

A worker process gets the fit function and its config by pickle and sends the state
back by pickle; ``in_chunks`` does the same round trips, then runs the job inline in
chunks of at most two steps (or a time slice, if shorter): the final weights must not
depend on where the chunks fall."""

from __future__ import annotations

import pickle
from dataclasses import dataclass

import torch

from seqviz import jobs


@dataclass
class Counted:
    """``fit``, counting its calls (one per chunk); each call ends after ``steps`` steps at
    most, so a job is cut into chunks however fast the machine is."""

    fit: jobs.Fit
    steps: int = 2
    calls: int = 0

    def __call__(self, *args, callback=None, **kwargs) -> dict:
        self.calls += 1
        taken = 0

        def cut(progress):
            nonlocal taken
            taken += 1
            return bool(callback and callback(progress)) or taken >= self.steps

        return self.fit(*args, callback=cut, **kwargs)


def in_chunks(fit: jobs.Fit, config, chunk_seconds: float = 0.02) -> dict:
    """The final state of ``fit(config)`` trained to its end as a pool job in chunks."""
    fit, config = pickle.loads(pickle.dumps((fit, config)))  # as a worker receives them
    pool = jobs.Pool(mode="inline", chunk_seconds=chunk_seconds)
    counted = Counted(fit)
    job = pool.submit("student", counted, config, max_seconds=600)
    status = pool.status(job)
    assert status.phase == "finished" and status.error is None, status.error
    assert status.state["done"] and counted.calls > 1  # it was cut into chunks
    # every step was streamed back, once, in order
    assert [p.step for p in status.records] == list(range(1, status.state["step"] + 1))
    return pickle.loads(pickle.dumps(status.state))  # as the page receives it


def assert_same_weights(a: dict, b: dict) -> None:
    assert a.keys() == b.keys() and a
    for name, tensor in a.items():
        assert torch.equal(tensor, b[name]), name
