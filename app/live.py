"""Live training on a page: train in short slices, draw between them, stop with a button.

How Stop works: a click on any widget outside a running fragment makes Streamlit end
the script run that is going on, at that run's next Streamlit call, and run the page
again. A page that trains in slices of a quarter of a second and draws its progress
between them (:func:`train`) is therefore stopped within about a second by a plain
button (:func:`stop_button`), and the trainer, kept in ``st.session_state``, is left
whole between two steps: the model keeps what it learned and Train continues it.
(A button *inside* a running fragment cannot do this: its click waits for the fragment.)

A run's record, a dict in the session, says how its last training ended: "running"
while it trains, so a record still "running" on a later page run was stopped.
"""

from collections.abc import Callable

from seqviz import training

SLICE_SECONDS = 0.25  # training between two progress updates: the longest wait for Stop
STOP_HELP = "Ends a running training at once; the model keeps what it has learned so far."


def stop_button(where, key: str) -> None:
    """The Stop button. Its click needs no code: it reruns the page (see the module notes)."""
    where.button("Stop", key=key, icon=":material/stop:", help=STOP_HELP)


def train(
    record: dict,
    run_for: Callable[[float], object],
    done: Callable[[], bool],
    draw: Callable[[], None],
    max_seconds: float,
) -> None:
    """Train with ``run_for(seconds)`` until ``done()`` or ``max_seconds``, calling
    ``draw()`` after every slice; ``record["outcome"]`` says how it ended."""
    record["outcome"] = "running"
    for _ in training.in_slices(run_for, done, max_seconds, SLICE_SECONDS):
        draw()  # a Stop click ends this page run here, between two steps
    record["outcome"] = "finished" if done() else "paused"


def outcome(record: dict) -> str:
    """How the record's last training ended: "finished", "paused" (time limit) or "stopped"."""
    ended = record.get("outcome", "running")
    return "stopped" if ended == "running" else ended


# --- training in the pool of worker processes (seqviz.jobs) -----------------------------
#
# A page hands its lab's ``fit`` to the pool (:func:`start`) and keeps only the job's id in
# its record; :func:`follow` draws the job from a fragment that reruns itself every
# POLL_SECONDS while the job waits or trains (each poll is also the heartbeat that keeps
# the job alive: a closed page stops polling, and the pool cancels its job). When the job
# ends, its final state goes into the record and the whole page runs again with it.
#
# Settings (environment): SEQVIZ_JOBS = "processes" (the default under a Streamlit server)
# or "inline" (each job runs inside the click's own run: the default under AppTest); SEQVIZ_WORKERS = worker processes (default: one per
# core); SEQVIZ_HEARTBEAT = seconds without a poll before a job is cancelled.

import math  # noqa: E402
import os  # noqa: E402
import threading  # noqa: E402

import streamlit as st  # noqa: E402

from seqviz import jobs  # noqa: E402

PRELOAD = (
    "seqviz.lm_training",
    "seqviz.transformer_training",
    "seqviz.bridge",
    "seqviz.memory_task",
    "seqviz.tagger_training",
    "seqviz.siamese_training",
    "seqviz.seq2seq_training",
    "seqviz.sentiment_training",
    "seqviz.w2v_fit",
)  # the fit modules, imported by each worker as it starts
CHUNK_SECONDS = 15.0  # training between two states sent back (what a worker crash can lose)
POLL_SECONDS = 0.5  # how often a waiting or training job is redrawn (and kept alive)
_pools: dict[str, jobs.Pool] = {}
_pools_lock = threading.Lock()


def pool() -> jobs.Pool:
    """The server's pool of training workers (one per process, made on first use).

    Under ``streamlit run`` the jobs run in worker processes; without a Streamlit server
    (AppTest, a notebook) they run inline, unless SEQVIZ_JOBS says otherwise."""
    from streamlit.runtime import Runtime

    # AppTest stands a mock in for the server's Runtime
    served = Runtime.exists() and type(Runtime.instance()) is Runtime
    mode = os.environ.get("SEQVIZ_JOBS") or ("processes" if served else "inline")
    with _pools_lock:
        if mode not in _pools:
            _pools[mode] = jobs.Pool(
                workers=int(os.environ.get("SEQVIZ_WORKERS", "0")) or None,
                mode=mode,
                # inline, nobody reads a partial state: one fit call per job
                chunk_seconds=math.inf if mode == "inline" else CHUNK_SECONDS,
                heartbeat_seconds=float(os.environ.get("SEQVIZ_HEARTBEAT", "20")),
                preload=PRELOAD,
            )
            _pools[mode].warm()
        return _pools[mode]


def owner() -> str:
    """Who trains: this browser session (results are kept per session)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "notebook"


def start(
    record: dict, fit: jobs.Fit, config, max_seconds: float, chunk_seconds: float | None = None
) -> None:
    """Queue ``fit(config, record["state"])`` for this session; the record remembers the job.
    ``chunk_seconds``: how often the worker sends the state back (a small model's state is
    cheap to send: its page can draw curves from it)."""
    stop(record)  # one job per record: a new Train replaces a running one
    record.pop("error", None)
    record["base"] = record.get("state")
    record["outcome"] = "running"
    record["job"] = pool().submit(
        owner(),
        fit,
        config,
        record.get("state"),
        max_seconds=max_seconds,
        chunk_seconds=chunk_seconds,
    )


def stop(record: dict) -> None:
    """Stop the record's job between two steps (its state so far is kept)."""
    if record.get("job"):
        pool().stop(record["job"])


def running(record: dict | None) -> bool:
    return bool(record and record.get("job"))


def job_button(where, key: str, record: dict | None) -> None:
    """The Stop button of a job: ends it between two steps; the model keeps what it learned."""
    if (
        where.button(
            "Stop", key=key, icon=":material/stop:", help=STOP_HELP, disabled=not running(record)
        )
        and record
    ):
        stop(record)


def follow(record: dict, draw: Callable[[jobs.Status], None]) -> None:
    """Draw the record's job while it waits or trains (a self-refreshing fragment); once it
    has ended, keep its final state in the record (``"state"``, ``"outcome"``, ``"error"``)
    and run the whole page again. Nothing is drawn when the record has no job."""
    if not running(record):
        return

    @st.fragment(run_every=POLL_SECONDS)
    def poll() -> None:
        if not running(record):
            return
        status = pool().status(record["job"])
        if not status.ended:
            draw(status)
            return
        record.pop("job")
        record["outcome"] = status.phase
        record["error"] = status.error
        if status.state is not None:
            record["state"] = status.state
        record.pop("model", None)  # rebuilt from the new state when asked for
        st.rerun(scope="app")

    poll()


def waiting_text(status: jobs.Status) -> str | None:
    """ "Waiting: 3rd in the queue…" for a queued job (None once it trains)."""
    if status.phase != "queued":
        return None
    return (
        f"Waiting for a free training worker: you are number {status.position} in the queue "
        f"({pool().size} worker{'s' if pool().size > 1 else ''} serve everyone on this server)."
    )


def ended_note(record: dict) -> None:
    """Tell the student why the last job ended, if it was not their choice."""
    outcome, error = record.get("outcome"), record.get("error")
    if outcome == "failed":
        st.error(error or "The training failed.", icon=":material/error:")
    elif outcome == "evicted":
        st.warning(error or jobs.EVICTED, icon=":material/delete:")
    elif outcome == "cancelled":
        st.info(
            "The last training was cancelled because its page was closed; press Train to "
            "go on from where it stopped.",
            icon=":material/info:",
        )
