"""Draw the current step on a figure that was built once without it.

Stepping through a text changes only a marker: the heatmaps and time series
over the whole text stay the same. Building (and validating) a Plotly figure
costs 10-50 ms; re-serialising a big one costs more. So a page builds each
figure once, keeps it frozen as plain JSON-ready data (``freeze``), and adds
the step's marker as plain dicts on every step (``overlay``): a copy of a few
list entries, no validation, no numpy work.

The marker dicts come from the same functions the figure builders use to draw
the step (``seqviz.figures.timeaxis.step_marker`` and friends), so
``overlay(freeze(build(step=None)), **marker(t))`` draws what ``build(step=t)``
draws.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import plotly.graph_objects as go


def freeze(fig: go.Figure) -> dict:
    """``fig`` as a plain dict, its numpy arrays already base64-encoded for the browser.

    Treat the result as read-only: ``overlay`` shares its parts between figures.
    """
    return fig.to_dict()


def overlay(
    base: Mapping,
    *,
    shapes: Iterable[Mapping] = (),
    annotations: Iterable[Mapping] = (),
    traces: Iterable[Mapping] = (),
) -> go.Figure:
    """A figure drawing ``base`` (from ``freeze``) plus extra shapes, annotations and traces.

    The extras are plain Plotly dicts (``{"type": "rect", ...}``), appended after
    the base's own (so they are drawn on top). ``base`` is not modified and the
    result is not re-validated: the base was validated when it was built, and
    the extras come from validated builders.
    """
    layout = dict(base.get("layout", {}))
    shapes, annotations = list(shapes), list(annotations)
    if shapes:
        layout["shapes"] = [*layout.get("shapes", ()), *shapes]
    if annotations:
        layout["annotations"] = [*layout.get("annotations", ()), *annotations]
    data = [*base.get("data", ()), *traces]
    return go.Figure(data=data, layout=layout, _validate=False)
