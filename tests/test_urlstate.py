"""Links from outside: hostile parameters are clamped or ignored with a note (never an
exception, never HTML), ?lecture=1 turns lecture mode on, ?hide=... hides controls."""

import pytest
from apptools import assert_ok, shown
from streamlit.testing.v1 import AppTest

from app import urlstate
from app.urlstate import sanitise

KNOWN = frozenset(urlstate.PARAMS) | {"grad_seed", "gates_feature"}


@pytest.fixture
def open_direct(app_caches):
    """Open a page the way a link does (the module's tests share the app's caches)."""
    from conftest import ENTRY

    def _open(page: str, query: dict[str, str]) -> AppTest:
        at = AppTest.from_file(str(ENTRY), default_timeout=120)
        for key, value in query.items():
            at.query_params[key] = value
        at.switch_page(page)
        at.run()
        return at

    return _open


# --- the pure check -----------------------------------------------------------------


def test_good_links_pass_unchanged():
    params = {"text": "hello there", "model": "Untrained", "step": "4", "unit": "17"}
    result = sanitise({**params, "lecture": "true", "gates_cell": "GRU"}, KNOWN)
    assert result.keep == {**params, "lecture": "true", "gates_cell": "GRU"}
    assert not result.notes and not result.session


@pytest.mark.parametrize(
    "key,raw,kept,session",
    [
        ("unit", "99999", "127", 127),
        ("unit", "-5", "0", 0),
        ("unit", "3.0", "3", 3),
        ("step", "1e9", "100000", 100000),
        ("seed", "9" * 40, str(2**31 - 1), 2**31 - 1),
        ("lecture", "1", "true", True),
        ("rnn_stacked", "off", "false", False),
    ],
)
def test_numbers_and_flags_are_clamped_or_converted(key, raw, kept, session):
    result = sanitise({key: raw}, KNOWN)
    assert result.keep == {key: kept}
    assert result.session == {key: session}


@pytest.mark.parametrize(
    "key,raw",
    [
        ("unit", "abc"),
        ("unit", "1e400"),
        ("step", "nan"),
        ("model", "<script>alert(1)</script>"),
        ("gates_cell", "rnn"),
        ("lecture", "maybe"),
        ("rnn_layers", "7"),
        ("set", "x" * 10_000),
        ("grad_seed", "1e400"),
        ("grad_seed", "-inf"),
        ("gates_feature", "y" * 5000),
        ("nonsense", "1"),
    ],
)
def test_bad_values_and_unknown_keys_are_dropped_with_a_note(key, raw):
    other = "step" if key != "step" else "unit"
    result = sanitise({key: raw, other: "3"}, KNOWN)
    assert key not in result.keep and result.keep[other] == "3"
    assert len(result.notes) == 1 and f"**{key}**" in result.notes[0]
    assert raw not in result.notes[0] or raw == "1"


def test_malformed_keys_are_never_echoed():
    result = sanitise({"<script>": "1", "a b": "2", "x" * 100: "3", "unit": "1"}, KNOWN)
    assert result.keep == {"unit": "1"}
    assert result.notes == ["3 malformed setting names — ignored."]


def test_long_text_is_kept_with_a_note_and_hide_flags_are_checked():
    result = sanitise({"text": "a" * 10_000, "hide": "unit,model,<b>,unit"}, KNOWN)
    assert result.keep["text"] == "a" * 10_000  # the text box cuts it and says so
    assert result.keep["hide"] == "unit,model"
    assert len(result.notes) == 2


def test_every_widget_key_in_the_app_is_known():
    keys = urlstate.known_keys()
    for key in (
        "text",
        "model",
        "unit",
        "step",
        "gates_cell",
        "rnn_bidirectional",
        "seed",
        "set",
        "ex",
    ):
        assert key in keys


# --- in the app ---------------------------------------------------------------------


HOSTILE = {
    "unit": "99999",
    "step": "-3",
    "model": "<script>alert(1)</script>",
    "text": "<script>alert('x')</script> " * 400,
    "rnn_bidirectional": "maybe",
    "rnn_layers": "<img src=x onerror=alert(1)>",
    "foo": "bar",
    "<b>bold</b>": "1",
}


@pytest.mark.parametrize("page", ["views/rnn.py", "views/gates.py"])
def test_hostile_link_on_a_lab(open_direct, page, monkeypatch):
    monkeypatch.setenv("SEQVIZ_STEPPING", "server")  # the step slider is the server's stepper
    at = open_direct(page, HOSTILE)
    assert_ok(at)
    note = "\n".join(i.value for i in at.info)
    assert "could not be used" in note and "**unit**" in note and "**foo**" in note
    assert "<script>" not in note and "<img" not in note and "bold" not in note
    assert at.number_input(key="unit").value == 127
    # the first step: t = 1 on the RNN page (x_1 … x_T), 0 where a lab still counts from 0
    assert at.slider(key="step").value == at.slider(key="step").min
    assert any("characters" in w.value for w in at.warning)  # the text box cut the text


@pytest.mark.parametrize(
    "query",
    [{"unit": "1e400"}, {"unit": "inf"}, {"step": "nan"}, {"unit": "NaN", "step": "1e999"}],
)
def test_numbers_streamlit_cannot_parse_do_not_crash_the_page(open_direct, query):
    at = open_direct("views/rnn.py", query)
    assert_ok(at)
    assert at.info


def test_a_labs_own_number_input_survives_infinity(open_direct):
    at = open_direct("views/gradients.py", {"grad_seed": "1e400", "grad_len": "inf"})
    assert not at.exception, [e.value for e in at.exception]
    assert at.info


def test_lecture_flag_in_a_link(open_direct):
    at = open_direct("views/rnn.py", {"lecture": "1"})
    assert_ok(at)
    assert at.session_state["lecture"] is True
    assert at.button(key="exit_lecture")
    assert not at.info  # "1" is a documented spelling, not worth a note
    at.button(key="exit_lecture").click().run()
    assert at.session_state["lecture"] is False


def test_hide_flags_hide_controls_and_survive_a_page_switch(open_direct):
    at = open_direct("views/rnn.py", {"hide": "unit,model"})
    assert_ok(at)
    css = "".join(getattr(h, "proto", h).body for h in at.get("html"))
    assert ".st-key-model" in css and ".st-key-unit" in css
    at.switch_page("views/gates.py").run()
    assert_ok(at)
    css = "".join(h.proto.body for h in at.get("html"))
    assert ".st-key-unit" in css


def test_exercise_page_note_for_bad_params(open_direct):
    at = open_direct("views/exercises.py", {"set": "nope", "seed": "abc"})
    assert_ok(at)
    assert "**set**" in shown(at) + "".join(i.value for i in at.info)
