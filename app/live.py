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
