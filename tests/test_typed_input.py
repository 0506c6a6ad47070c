"""Anything a student types into any text box keeps the page working (issue: control
characters in URL-bound boxes crashed the page until a reload)."""

import pytest
from apptools import assert_ok

from app.labs import LABS

CONTROL = "ab\x00c\x01d\x0be\x0cf\x1bg\x7fh"
TEX = r"{ } \ ^ _ $ % & # ~ 🙂"


def text_boxes(at):
    return [w for kind in ("text_area", "text_input") for w in at.get(kind) if w.key]


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.url_path)
def test_control_characters_and_tex_specials_in_every_text_box(open_page, lab):
    at = open_page(lab.path)
    assert_ok(at)
    keys = [w.key for w in text_boxes(at)]
    for key in keys:
        for typed in (CONTROL, TEX):
            box = next(w for w in text_boxes(at) if w.key == key)
            box.set_value(typed).run()
            assert_ok(at)
            at.run()  # the next rerun reads the URL the box wrote
            assert_ok(at)
            assert key in [w.key for w in text_boxes(at)], f"{key} disappeared after {typed!r}"
