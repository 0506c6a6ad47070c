"""Hostile links: every URL-bound control of every page fed values it cannot take.

The page must run without an exception, and every value a control did not take as
given is named in the link note (text boxes take any text; the labs cut it visibly).
"""

import pytest
from apptools import shown
from browsertools import ENTRY
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Widget

from app import urlstate
from app.labs import LABS

HOSTILE = {
    "empty": "",
    "word": "abc<script>alert(1)</script>**b** $x$ \\frac{ {}^_%&#",
    "control": "\x01\x1b[31m\x7f",
    "negative": "-1",
    "huge": "99999999999",
    "overflow": "1e400",
    "nan": "nan",
    "long": "9" * 10_000,
}


def bound_widgets(at) -> dict[str, Widget]:
    found = {}

    def walk(node):
        if isinstance(node, Widget) and getattr(node.proto, "query_param_key", ""):
            found[node.key] = node
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def open_with(page: str, query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(page)
    at.run()
    return at


@pytest.fixture(scope="module")
def bound_keys(app_caches):
    keys = {}
    for lab in LABS:
        at = open_with(lab.path, {})
        keys[lab.url_path] = sorted(bound_widgets(at))
    return keys


def test_every_page_has_url_bound_controls(bound_keys):
    assert all(bound_keys[lab.url_path] for lab in LABS), bound_keys


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.url_path)
def test_hostile_values_in_every_bound_key(bound_keys, lab, value):
    keys = bound_keys[lab.url_path]
    at = open_with(lab.path, dict.fromkeys(keys, value))
    assert not at.exception, [e.value for e in at.exception]
    text = shown(at)
    widgets = bound_widgets(at)
    silent = []
    for key in keys:
        if key not in widgets or urlstate.PARAMS.get(key, urlstate.Param("")).kind == "text":
            continue  # hidden by another value (an empty text) / a text box takes any text
        w = widgets[key]
        if w.proto.DESCRIPTOR.name in ("TextInput", "TextArea"):
            continue
        assert w.value is not None or w.proto.DESCRIPTOR.name == "NumberInput", key
        if not urlstate.matches(value, w.value) and f"**{key}**" not in text:
            silent.append(f"{key}={w.value!r}")
    assert not silent, f"changed without a note: {silent}"


def test_matches_reads_values_as_a_link_writes_them():
    assert urlstate.matches("true", True) and urlstate.matches("0", False)
    assert urlstate.matches("0.50", 0.5) and not urlstate.matches("abc", 0.5)
    assert urlstate.matches("GRU", "gru") and not urlstate.matches("rnn", "gru")
    assert not urlstate.matches("1", None)


def test_unapplied_names_each_control_that_refused_its_value():
    asked = {"grad_radius": "7", "grad_act": "tanh", "text": "hello", "other": "3"}
    state = {"grad_radius": 3.0, "grad_act": "tanh", "text": "hello"}
    notes = urlstate.unapplied(asked, state, url={"grad_act": "tanh"})
    assert len(notes) == 1 and notes[0].startswith("**grad_radius**") and "`3.0`" in notes[0]
    assert "7" not in notes[0].replace("3.0", "")  # the link's raw value is never echoed
