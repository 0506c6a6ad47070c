"""The link check (app/urlstate.PARAMS) knows exactly the choices the text and LM labs offer.

PARAMS spells each lab's choices out so a link with an unknown one gets a note and the
default; this holds the two lists to the widgets they describe."""

import pytest

from app.urlstate import PARAMS

CHOICE_WIDGETS = ("button_group", "select_slider", "selectbox", "radio")


@pytest.mark.parametrize(("prefix", "page"), [("text", "views/text.py"), ("lm", "views/lm.py")])
def test_the_link_check_allows_exactly_the_choices_each_control_offers(open_page, prefix, page):
    at = open_page(page)
    specs = {k: s for k, s in PARAMS.items() if k.startswith(f"{prefix}_") and s.kind == "choice"}
    assert len(specs) >= 3
    widgets = {w.key: w for kind in CHOICE_WIDGETS for w in at.get(kind)}
    for key, spec in specs.items():
        assert key in widgets, f"{key} is not a choice on {page}"
        assert sorted(o.lower() for o in widgets[key].options) == sorted(spec.choices), key
