"""Training jobs run by a bounded pool of worker processes, off the page's thread.

Every lab trains through one core function of the same shape,

    fit(config, state, *, max_seconds, stop, callback) -> state

(``config`` a frozen, picklable dataclass; ``state`` the dict a previous call returned,
None to start; the returned dict is picklable and says ``"done": True`` once the planned
training is complete). A :class:`Pool` runs such calls for many students at once:

- about one worker process per core, each with ``torch.set_num_threads(1)``, so a
  training never holds the web server's interpreter (and its GIL);
- jobs wait in one queue, first come first served; :meth:`Pool.status` says a waiting
  job's place in it (1 = next to start);
- a job trains for at most ``max_seconds`` (wall clock), in chunks of ``chunk_seconds``:
  after each chunk the worker sends the state so far (a crash loses at most a chunk),
  and during a chunk it streams every step's :class:`~seqviz.training.Progress`;
- :meth:`Pool.stop` ends a job between two steps (queued: at once); a job whose
  :meth:`Pool.status` nobody asked for during ``heartbeat_seconds`` (its page is gone)
  is cancelled the same way;
- finished jobs keep their state per owner (a student), at most ``keep_per_owner`` of
  them and ``keep_total`` overall; older ones are evicted and their status says so;
- a worker that dies (killed, out of memory) fails its job with a message and is
  replaced; nothing waits for it.

``mode="inline"`` runs each job to its end inside :meth:`Pool.submit`, in the calling
thread (tests of pages, notebooks); the phases, records and results are the same.

Because ``fit`` continues exactly where its state stopped, a job's result does not
depend on how it was cut into chunks: with one thread, a job's final weights equal one
``fit`` call's bit for bit.
"""

from __future__ import annotations

import collections
import multiprocessing as mp
import os
import pickle
import queue
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from seqviz import training

Fit = Callable[..., dict]
Phase = Literal[
    "queued", "running", "finished", "paused", "stopped", "cancelled", "failed", "evicted"
]
ENDED = ("finished", "paused", "stopped", "cancelled", "failed")  # a job's last phase, kept
FLUSH_SECONDS = 0.2  # how often a worker sends the progress records it has gathered


@dataclass
class _Job:
    id: str
    owner: str
    fit: Fit
    config: Any
    start: dict | None  # the state it started from (None: a new run)
    max_seconds: float
    chunk_seconds: float
    phase: Phase = "queued"
    records: list[training.Progress] = field(default_factory=list)
    state: dict | None = None  # the latest state (partial while running, final once ended)
    error: str | None = None
    seen: float = field(default_factory=time.monotonic)  # last heartbeat
    ended: float | None = None
    stop_reason: str | None = None  # "stopped" | "cancelled", once asked
    worker: int | None = None


@dataclass(frozen=True)
class Status:
    """What a page is told about its job."""

    id: str
    phase: Phase
    position: int | None  # place in the queue, 1 = next to start (queued only)
    records: list[training.Progress]  # every step's progress so far, in order
    state: dict | None  # the latest state: partial while running, final once ended
    error: str | None  # why it failed, or that it was evicted

    @property
    def ended(self) -> bool:
        return self.phase in (*ENDED, "evicted")


# --- one job's run: the same code in a worker process and inline -----------------------


def run_job(
    fit: Fit,
    config: Any,
    state: dict | None,
    max_seconds: float,
    chunk_seconds: float,
    stop: Callable[[], bool],
    send: Callable[[tuple], None],
) -> None:
    """Call ``fit`` chunk after chunk until done, stopped or ``max_seconds`` passed.

    ``send`` gets ("progress", [Progress, ...]) every ``FLUSH_SECONDS``, ("partial",
    state) after every chunk but the last, then ("ended", phase, state).
    """
    records: list[training.Progress] = []
    last_flush = time.monotonic()

    def callback(progress: training.Progress) -> bool:
        nonlocal last_flush
        records.append(progress)
        if time.monotonic() - last_flush >= FLUSH_SECONDS:
            send(("progress", records[:]))
            records.clear()
            last_flush = time.monotonic()
        return stop()

    t0 = time.monotonic()
    while True:
        left = max_seconds - (time.monotonic() - t0)
        state = fit(
            config,
            state,
            max_seconds=max(0.0, min(chunk_seconds, left)),
            stop=stop,
            callback=callback,
        )
        if records:
            send(("progress", records[:]))
            records.clear()
        if state.get("done"):
            send(("ended", "finished", state))
            return
        if stop():
            send(("ended", "stopped", state))
            return
        if time.monotonic() - t0 >= max_seconds:
            send(("ended", "paused", state))
            return
        send(("partial", state))


def _worker_main(index: int, inbox, outbox, stop_flag, preload: tuple[str, ...]) -> None:
    """A worker process: one thread for torch, the ``preload`` modules imported, then jobs
    from ``inbox`` until None."""
    import importlib

    import torch

    torch.set_num_threads(1)
    for name in preload:
        importlib.import_module(name)
    while (payload := inbox.get()) is not None:
        job_id, fit, config, state, max_seconds, chunk_seconds = pickle.loads(payload)
        try:
            run_job(
                fit,
                config,
                state,
                max_seconds,
                chunk_seconds,
                stop_flag.is_set,
                lambda event, job_id=job_id: outbox.put((index, job_id, *event)),
            )
        except Exception as error:  # the job failed, the worker goes on
            text = "".join(traceback.format_exception_only(error)).strip()
            outbox.put((index, job_id, "error", text, traceback.format_exc(limit=-3)))


@dataclass
class _Worker:
    process: Any
    inbox: Any
    stop_flag: Any
    job: str | None = None


# --- the pool ----------------------------------------------------------------------------


class Pool:
    """A bounded pool of training workers (see the module notes).

    Args:
        workers: worker processes (default: one per core).
        mode: "processes", or "inline" (each job runs inside :meth:`submit`).
        chunk_seconds: training between two partial states sent back.
        heartbeat_seconds: a job not asked about for this long is cancelled.
        keep_per_owner: finished jobs kept per owner (older ones evicted).
        keep_total: finished jobs kept over all owners.
        preload: modules every worker imports when it starts (the labs' fit modules), so
            a first job does not wait for them.
    """

    def __init__(
        self,
        workers: int | None = None,
        mode: Literal["processes", "inline"] = "processes",
        chunk_seconds: float = 5.0,
        heartbeat_seconds: float = 20.0,
        keep_per_owner: int = 3,
        keep_total: int = 200,
        preload: tuple[str, ...] = (),
    ) -> None:
        if mode not in ("processes", "inline"):
            raise ValueError(f"mode must be 'processes' or 'inline', not {mode!r}")
        self.size = max(1, workers or os.cpu_count() or 1)
        self.mode = mode
        self.chunk_seconds = chunk_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self.keep_per_owner = keep_per_owner
        self.keep_total = keep_total
        self.preload = preload
        self._jobs: dict[str, _Job] = {}
        self._queue: collections.deque[str] = collections.deque()
        self._ended: collections.deque[str] = collections.deque()  # oldest first
        self._lock = threading.RLock()
        self._workers: list[_Worker | None] = [None] * self.size
        self._outbox = None
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- the page's side --

    def submit(
        self,
        owner: str,
        fit: Fit,
        config: Any,
        state: dict | None = None,
        *,
        max_seconds: float,
        chunk_seconds: float | None = None,
    ) -> str:
        """Queue ``fit(config, state, ...)`` for ``owner``; returns the job's id.
        ``chunk_seconds``: this job's time between two partial states (default: the pool's)."""
        chunk = (
            self.chunk_seconds if chunk_seconds is None or self.mode == "inline" else chunk_seconds
        )
        job = _Job(uuid.uuid4().hex, owner, fit, config, state, max_seconds, chunk, state=state)
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool is closed")
            self._jobs[job.id] = job
            self._queue.append(job.id)
        if self.mode == "inline":
            self._run_inline(job)
        else:
            self._start()
        return job.id

    def status(self, job_id: str, renew: bool = True) -> Status:
        """The job's phase, place in the queue, progress and latest state; ``renew``: this
        call is a heartbeat (the page is still there)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return Status(job_id, "evicted", None, [], None, EVICTED)
            if renew:
                job.seen = time.monotonic()
            position = self._queue.index(job_id) + 1 if job.phase == "queued" else None
            return Status(job.id, job.phase, position, list(job.records), job.state, job.error)

    def heartbeat(self, job_id: str) -> None:
        """The page that waits for this job is still open."""
        with self._lock:
            if (job := self._jobs.get(job_id)) is not None:
                job.seen = time.monotonic()

    def stop(self, job_id: str, reason: Literal["stopped", "cancelled"] = "stopped") -> None:
        """End the job between two steps (a queued job at once); its state is kept."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.phase not in ("queued", "running") or job.stop_reason:
                return
            job.stop_reason = reason
            if job.phase == "queued":
                self._queue.remove(job_id)
                self._end(job, reason)
            elif job.worker is not None and (w := self._workers[job.worker]) is not None:
                w.stop_flag.set()

    def owner_jobs(self, owner: str) -> list[str]:
        """The owner's jobs still known to the pool, oldest first."""
        with self._lock:
            return [j.id for j in self._jobs.values() if j.owner == owner]

    def close(self) -> None:
        """Stop every worker (running jobs fail); the pool takes no more jobs."""
        with self._lock:
            self._closed = True
            workers = [w for w in self._workers if w is not None]
            self._workers = [None] * self.size
        for w in workers:
            w.stop_flag.set()
            w.inbox.put(None)
        for w in workers:
            w.process.join(timeout=2)
            if w.process.is_alive():
                w.process.kill()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- bookkeeping --

    def _end(self, job: _Job, phase: Phase, state: dict | None = None) -> None:
        """Record a job's last phase and evict the oldest kept results beyond the bounds."""
        if job.stop_reason == "cancelled" and phase in ("stopped", "paused", "finished"):
            phase = "cancelled"
        job.phase, job.ended, job.worker = phase, time.monotonic(), None
        if state is not None:
            job.state = state
        self._ended.append(job.id)
        mine = [i for i in self._ended if self._jobs[i].owner == job.owner]
        for old in mine[: max(0, len(mine) - self.keep_per_owner)]:
            self._evict(old)
        while len(self._ended) > self.keep_total:
            self._evict(self._ended[0])

    def _evict(self, job_id: str) -> None:
        self._ended.remove(job_id)
        job = self._jobs[job_id]
        job.phase, job.state, job.records, job.error = "evicted", None, [], EVICTED
        job.start = None
        # a tombstone stays, so the page can say what happened; tombstones are bounded too
        tombstones = [i for i, j in self._jobs.items() if j.phase == "evicted"]
        for old in tombstones[: max(0, len(tombstones) - 10 * self.keep_total)]:
            del self._jobs[old]

    def _apply(self, job: _Job, event: tuple) -> None:
        """One event from a job's run (see :func:`run_job`)."""
        kind = event[0]
        if kind == "progress":
            job.records.extend(event[1])
        elif kind == "partial":
            job.state = event[1]
        elif kind == "ended":
            self._end(job, event[1], event[2])
        elif kind == "error":
            job.error = f"The training failed: {event[1]}"
            self._end(job, "failed")

    def _run_inline(self, job: _Job) -> None:
        with self._lock:
            self._queue.remove(job.id)
            job.phase = "running"

        def send(event: tuple) -> None:
            with self._lock:
                self._apply(job, event)

        try:
            run_job(
                job.fit,
                job.config,
                job.start,
                job.max_seconds,
                job.chunk_seconds,
                lambda: job.stop_reason is not None,
                send,
            )
        except Exception as error:
            text = "".join(traceback.format_exception_only(error)).strip()
            send(("error", text))

    # -- the worker processes (mode "processes") --

    def warm(self) -> None:
        """Start every worker now (a worker takes seconds to import torch), not at the first job."""
        if self.mode == "inline":
            return
        self._start()
        with self._lock:
            for index in range(self.size):
                if self._workers[index] is None:
                    self._workers[index] = self._spawn(index)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._ctx = mp.get_context("spawn")  # no fork of a threaded web server
                self._outbox = self._ctx.Queue()
                self._thread = threading.Thread(
                    target=self._manage, name="seqviz-jobs", daemon=True
                )
                self._thread.start()

    def _spawn(self, index: int) -> _Worker:
        inbox, stop_flag = self._ctx.Queue(), self._ctx.Event()
        process = self._ctx.Process(
            target=_worker_main,
            args=(index, inbox, self._outbox, stop_flag, self.preload),
            name=f"seqviz-worker-{index}",
            daemon=True,
        )
        process.start()
        return _Worker(process, inbox, stop_flag)

    def _manage(self) -> None:
        """The pool's thread: events in, heartbeats, crashed workers, jobs out."""
        while not self._closed:
            try:
                index, job_id, *event = self._outbox.get(timeout=0.1)
                with self._lock:
                    job = self._jobs.get(job_id)
                    if job is not None and job.phase == "running":
                        self._apply(job, tuple(event))
                        if job.phase != "running" and (w := self._workers[index]) is not None:
                            w.job = None
            except queue.Empty:
                pass
            with self._lock:
                self._check()

    def _check(self) -> None:
        now = time.monotonic()
        for job_id in [*self._queue, *(w.job for w in self._workers if w and w.job)]:
            job = self._jobs[job_id]
            if now - job.seen > self.heartbeat_seconds:
                self.stop(job_id, "cancelled")
        for index, w in enumerate(self._workers):
            if w is not None and not w.process.is_alive():
                if w.job is not None:
                    job = self._jobs[w.job]
                    job.error = (
                        f"The training process stopped unexpectedly (exit code "
                        f"{w.process.exitcode}); the model is as it was at the last saved "
                        "state. Press Train to go on."
                    )
                    self._end(job, "failed")
                self._workers[index] = None
        for index in range(self.size):
            if not self._queue:
                return
            w = self._workers[index]
            if w is None:
                w = self._workers[index] = self._spawn(index)
            if w.job is None:
                job = self._jobs[self._queue.popleft()]
                message = (
                    job.id,
                    job.fit,
                    job.config,
                    job.start,
                    job.max_seconds,
                    job.chunk_seconds,
                )
                try:  # a queue pickles in a thread of its own, where an error would be lost
                    payload = pickle.dumps(message)
                except Exception as error:
                    job.error = f"The training could not be sent to a worker: {error}"
                    self._end(job, "failed")
                    continue
                job.phase, job.worker, w.job = "running", index, job.id
                w.stop_flag.clear()
                w.inbox.put(payload)


EVICTED = (
    "This model was removed to make room for newer ones (the server keeps only the last few "
    "per student). Press Train to train it again."
)


def history_of(status: Status, base: training.History | None = None) -> training.History:
    """The training history as the page should draw it now: the history the job started
    from (``base``) followed by the steps streamed since, or the final state's own."""
    if status.state is not None and status.ended and "history" in status.state:
        return status.state["history"]
    h = base.copy() if base is not None else training.History()
    last_heldout, seconds = h.last_heldout, h.seconds
    tokens = h.tokens
    for p in status.records:
        if p.step <= h.step:
            continue
        h.add_step(p.loss, p.tokens - tokens, p.seconds - seconds)
        tokens, seconds = p.tokens, p.seconds
        if p.heldout is not None and p.heldout != last_heldout:
            h.add_eval(p.step, p.heldout)
            last_heldout = p.heldout
    return h
