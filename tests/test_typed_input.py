"""Anything a student types into any text box keeps the page working (issue: control
characters in URL-bound boxes crashed the page until a reload)."""

import pytest
from apptools import assert_ok

from app.labs import LABS

PAYLOADS = {
    "control": "ab\x00c\x01d\x0be\x0cf\x1bg\x7fh",
    "tex": r"{ } \ ^ _ $ % & # ~ 🙂",
    "html": "<script>alert(1)</script><b>bold</b> **md** [link](javascript:x) `code`",
    "empty": "",
    "spaces": "   \n\t ",
    "emoji": "🙂🙂 über naïve 日本語",
    "huge": "the time machine " * 600,  # ~10 kB
}


def text_boxes(at):
    return [w for kind in ("text_area", "text_input") for w in at.get(kind) if w.key]


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.url_path)
def test_hostile_text_in_every_text_box_and_the_page_works_after_a_further_edit(open_page, lab):
    at = open_page(lab.path)
    assert_ok(at)
    keys = [w.key for w in text_boxes(at)]
    # each payload is followed by a further edit of the same box (the next payload, and
    # after the last an ordinary text): the run after a hostile value is the one that broke
    edits = [*PAYLOADS.items(), ("ordinary", "the time traveller")]
    for key in keys:
        for name, typed in edits:
            box = next((w for w in text_boxes(at) if w.key == key), None)
            assert box is not None, f"{key} disappeared before the {name} edit"
            box.set_value(typed).run()
            assert_ok(at)
        assert any(w.key == key for w in text_boxes(at)), f"{key} disappeared"
