"""The course map: every lab listed with one click to open it."""

from apptools import assert_ok, shown


def test_home_links_to_every_lab(open_page):
    at = open_page()
    assert_ok(at)
    links = {link.proto.page for link in at.get("page_link")}
    assert any("rnn" in p for p in links) and any("gates" in p for p in links)
    assert "RNN" in shown(at)


def test_lecture_mode_toggle_does_not_break_pages(open_page):
    at = open_page("views/rnn.py")
    at.toggle(key="lecture").set_value(True).run()
    assert_ok(at)
    at.switch_page("views/gates.py").run()
    assert_ok(at)
