"""The shared step control: the keys it builds follow the key rule, and two controls on
one page (each with its own key) neither clash nor move each other."""

from streamlit.testing.v1 import AppTest
from test_widget_keys import allowed, widget_keys


def _default_control():
    from app import stepper

    stepper.step_through(5, lambda t: None)


def _two_controls():
    import streamlit as st

    from app import stepper

    stepper.step_through(5, lambda t: st.markdown(f"step at {t}"))
    stepper.step_through(4, lambda j: st.markdown(f"centre at {j}"), key="w2v_center")


def test_the_default_control_builds_only_shared_step_keys():
    at = AppTest.from_function(_default_control, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    keys = widget_keys(at)
    assert keys == {"step", "step_prev", "step_next", "step_play"}
    # "step" is shared; the buttons carry the step_ prefix of the shared module, on any lab
    assert all(allowed(k, "any_lab") for k in keys)


def test_a_lab_key_gives_every_widget_the_labs_prefix_and_no_clash():
    at = AppTest.from_function(_two_controls, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    lab_keys = widget_keys(at) - {"step", "step_prev", "step_next", "step_play"}
    assert lab_keys == {"w2v_center", "w2v_center_prev", "w2v_center_next", "w2v_center_play"}
    assert all(allowed(k, "w2v") and not allowed(k, "rnn") for k in lab_keys)
    at.button(key="w2v_center_next").click().run()
    at.button(key="w2v_center_next").click().run()
    assert at.slider(key="w2v_center").value == 2
    assert at.slider(key="step").value == 0  # the other control did not move
    shown = [m.value for m in at.markdown]
    assert "centre at 2" in shown and "step at 0" in shown
