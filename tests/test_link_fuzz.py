"""Hostile links: every URL-bound control of every page fed values it cannot take.

The page must run without an exception, and every value a control did not take as
given is named in the link note (text boxes take any text; the labs cut it visibly).

Every lab runs with the values that reach its own controls (REACHING). The values the
link check drops before any control sees them, on every kind of key alike (DROPPED), run
on two labs that between them have every kind of key; on every lab, the pure check shows
each of its keys dropped with a note naming it (the page then runs with that control's
default, as on the default view each lab opens with first). As text in the ``text`` box,
the empty and the huge text are typed into every lab's boxes by tests/test_typed_input.py.
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
# dropped by urlstate.sanitise for every kind of key but free text, whatever the lab
DROPPED = ("empty", "overflow", "nan", "long")
REACHING = tuple(name for name in HOSTILE if name not in DROPPED)
FULL = ("rnn", "gradients")  # the labs that also run with the DROPPED values


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
def default_views(app_caches):
    """Each lab's default view, opened once: (its URL-bound keys, its bounded number ranges)."""
    views = {}
    for lab in LABS:
        at = open_with(lab.path, {})
        assert not at.exception, (lab.path, [e.value for e in at.exception])
        views[lab.url_path] = (sorted(bound_widgets(at)), numeric_ranges(at))
    return views


@pytest.fixture(scope="module")
def bound_keys(default_views):
    return {page: keys for page, (keys, _) in default_views.items()}


def test_every_page_has_url_bound_controls(bound_keys):
    assert all(bound_keys[lab.url_path] for lab in LABS), bound_keys


def kind(key: str) -> str:
    spec = urlstate.PARAMS.get(key)
    return spec.kind if spec is not None else "the lab's own"


@pytest.mark.parametrize("name", DROPPED)
def test_dropped_values_are_noted_for_every_key_of_every_lab(bound_keys, name):
    """What a link with a DROPPED value does to each key, without running each page."""
    for page, keys in bound_keys.items():
        result = urlstate.sanitise(dict.fromkeys(keys, HOSTILE[name]))
        for key in keys:
            if kind(key) == "text":
                assert key in result.keep  # a text box takes any text (tests/test_typed_input.py)
                continue
            assert key not in result.keep, (page, key)
            assert any(note.startswith(f"**{key}**") for note in result.notes), (page, key)
    # the labs that run with these values hold every kind of key there is
    full = {kind(key) for lab in FULL for key in bound_keys[lab]}
    every = {kind(key) for keys in bound_keys.values() for key in keys}
    assert full >= every - {"keys"}, every - full


CASES = [
    pytest.param(lab, HOSTILE[name], id=f"{lab.url_path}-{name}")
    for lab in LABS
    for name in HOSTILE
    if name in REACHING or lab.url_path in FULL
]


@pytest.mark.parametrize("lab,value", CASES)
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


def numeric_ranges(at) -> dict[str, tuple[float, float]]:
    """Every URL-bound slider / number box with both bounds: key -> (min, max)."""
    ranges = {}
    for key, w in bound_widgets(at).items():
        kind = w.proto.DESCRIPTOR.name
        if kind == "Slider" and len(w.proto.default) == 1:
            ranges[key] = (w.proto.min, w.proto.max)
        elif kind == "NumberInput" and w.proto.has_min and w.proto.has_max:
            ranges[key] = (w.proto.min, w.proto.max)
    return ranges


@pytest.mark.parametrize("end", ["above", "below"])
@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.url_path)
def test_out_of_range_numbers_are_named_in_the_note(default_views, lab, end):
    """Each numeric control given a number past its range: taken as is, or noted by name."""
    ranges = default_views[lab.url_path][1]
    if not ranges:
        pytest.skip(f"{lab.url_path} has no bounded number controls")
    query = {}
    for key, (low, high) in ranges.items():
        past = high + (high - low) + 1 if end == "above" else low - (high - low) - 1
        query[key] = str(int(past)) if float(past).is_integer() else f"{past:g}"
    at = open_with(lab.path, query)
    assert not at.exception, [e.value for e in at.exception]
    text, widgets = shown(at), bound_widgets(at)
    silent = [
        f"{key}={widgets[key].value!r}"
        for key in ranges
        if key in widgets
        and not urlstate.matches(query[key], widgets[key].value)
        and f"**{key}**" not in text
    ]
    assert not silent, f"changed without a note: {silent}"


def test_a_clamped_link_value_goes_to_the_nearest_end_and_says_so(app_caches):
    at = open_with("views/gradients.py", {"grad_radius": "7", "grad_init": "scaled"})
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key="grad_radius").value == 3.0
    assert "**grad_radius**: out of range 0.1–3.0 — set to 3.0." in shown(at)
    assert at.query_params["grad_radius"] == "3.0"


@pytest.mark.parametrize(
    "page,key,asked,value",
    [
        ("views/transformer.py", "tf_weights", "untrained", "untrained"),
        ("views/transformer.py", "tf_weights", "UNTRAINED", "untrained"),
        ("views/rnn.py", "model", "UNTRAINED", "untrained"),
        ("views/text.py", "text_level", "CHAR", "char"),
    ],
)
def test_a_choice_spelled_in_another_case_is_taken_without_a_note(
    page, key, asked, value, app_caches
):
    at = open_with(page, {key: asked})
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[key] == value
    assert "could not be used as given" not in shown(at)
