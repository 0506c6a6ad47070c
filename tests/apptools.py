"""Small readers for AppTest: widgets by key, chart JSON, the numbers in equations."""

from __future__ import annotations

import base64
import json
import re

import numpy as np

from seqviz.latex import num


def widget(at, kind: str, key: str):
    """The widget of element type `kind` (e.g. "button_group") with this key."""
    for element in at.get(kind):
        if getattr(element, "key", None) == key:
            return element
    raise KeyError(f"no {kind} with key {key!r}")


def charts(at) -> list[dict]:
    """Every Plotly figure on the page as its JSON dict."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def chart(at, key: str) -> dict:
    """The Plotly figure whose element key is `key`, as its JSON dict."""
    for c in at.get("plotly_chart"):
        if c.proto.id.endswith(key) or f"-{key}" in c.proto.id:
            return json.loads(c.proto.spec)
    raise KeyError(key)


def array(value) -> np.ndarray:
    """A Plotly array from the figure JSON: a list, or a base64 typed array."""
    if isinstance(value, dict) and "bdata" in value:
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            data = data.reshape([int(s) for s in str(shape).split(",")])
        return data.astype(np.float64)
    return np.array(value, dtype=np.float64)


def chart_titles(at) -> list[str]:
    return [(f["layout"].get("title") or {}).get("text") or "" for f in charts(at)]


def step_marks(fig: dict) -> list[str]:
    """The "t = k" annotations a heatmap uses to mark the current step."""
    texts = [a.get("text", "") for a in fig["layout"].get("annotations", [])]
    return [re.sub(r"<[^>]+>", "", t) for t in texts if re.search(r"t = \d+", t)]


def latex(at) -> str:
    return "\n".join(element.value for element in at.latex)


_TEX_ESCAPES = re.compile(r"\\text(backslash|asciicircum|asciitilde|visiblespace)\{\}|\\[{}$%&#_]")


def tex_problems(at) -> list[str]:
    """Equations on the page that user text could break: unbalanced braces, or a TeX-special
    character left live inside quoted text (``\\text{``...''}``, as seqviz.latex writes it)."""
    bad = []
    for eq in (element.value for element in at.latex):
        depth = 0
        for c in re.sub(r"\\\\|\\[{}]", "", eq):  # line breaks and escaped braces
            depth += {"{": 1, "}": -1}.get(c, 0)
            if depth < 0:
                break
        if depth != 0:
            bad.append(eq)
        for body in re.findall(r"\\text\{``(.*?)''\}", eq):
            if set(_TEX_ESCAPES.sub("", body)) & set("{}\\^_$%&#~"):
                bad.append(eq)
    return bad


def shown(at) -> str:
    """All markdown, captions, info, warnings and errors on the page, as one string."""
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "subheader", "title"):
        parts += [element.value for element in at.get(kind)]
    return "\n".join(parts)


def assert_ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


__all__ = [
    "widget",
    "charts",
    "chart_titles",
    "step_marks",
    "latex",
    "tex_problems",
    "shown",
    "assert_ok",
    "num",
]
