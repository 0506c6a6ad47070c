"""The Exercises page and the labs' "check yourself" box under AppTest: right and wrong
answers, the solution after a first attempt, the score, and the set / seed / exercise
in the URL, in and out."""

import pytest
from apptools import assert_ok, shown

from app.controls import DEFAULT_TEXT
from seqviz import exercises

PAGE = "views/exercises.py"
ATTENTION_SEED = "att_seed"  # the Self-attention lab's embedding seed (not the quiz seed)


@pytest.fixture
def open_direct(open_page):
    """Open a page the way a link does: its query parameters on the very first run."""
    return lambda page, query=None: open_page(page, query, direct=True)


def check_button(at):
    return next(b for b in at.button if b.label == "Check")


def answer_box(at):
    return next(t for t in at.text_input if t.key and t.key.endswith("_answer"))


def test_the_page_opens_on_the_first_set_with_a_session_seed(open_page):
    at = open_page(PAGE)
    assert_ok(at)
    assert at.session_state["ex_set_pick"] == "text" and at.session_state["ex_pick"] == 1
    seed = at.number_input(key="seed").value
    first = exercises.make("text.vocab_size", seed)
    assert first.prompt in shown(at)
    assert len(exercises.all_exercise_ids()) >= 20


def test_a_link_fixes_set_seed_and_exercise(open_direct):
    at = open_direct(PAGE, {"set": "gates", "seed": "42", "ex": "3"})
    assert_ok(at)
    assert at.number_input(key="seed").value == 42
    ex = exercises.make("gates.cell", 42)
    assert ex.prompt in shown(at)
    assert at.query_params["set"] == ["gates"] or at.query_params["set"] == "gates"


def _qp(at, key):
    value = at.query_params[key]
    return value[0] if isinstance(value, list) else value


def test_wrong_then_right_answer_then_the_solution_and_the_score(open_direct):
    at = open_direct(PAGE, {"set": "rnn", "seed": "7", "ex": "1"})
    ex = exercises.make("rnn.h_unit", 7)
    reveal = at.button(key="ex_rnn_1_reveal")
    assert reveal.disabled  # predict first
    answer_box(at).input(f"{ex.answer + 0.3:.2f}")
    check_button(at).click().run()
    assert_ok(at)
    assert any("too" in w.value for w in at.warning)
    assert not at.button(key="ex_rnn_1_reveal").disabled
    answer_box(at).input(f"{ex.answer:.2f}")
    check_button(at).click().run()
    assert any("Correct" in s.value for s in at.success)
    assert at.metric[0].value == "1 / 4 right"
    at.button(key="ex_rnn_1_reveal").click().run()
    assert "Worked solution" in shown(at)
    assert f"{ex.answer:.4f}" in shown(at)
    rows = at.dataframe[0].value
    assert list(rows["correct"])[:2] == [True, False]
    assert list(rows["revealed"])[0]


def test_nonsense_is_not_an_attempt(open_direct):
    at = open_direct(PAGE, {"set": "rnn", "seed": "7"})
    for junk in ("abc", "<script>alert(1)</script>", "nan"):
        answer_box(at).input(junk)
        check_button(at).click().run()
        assert_ok(at)
        assert "Type a number" in shown(at) or any("Type a number" in w.value for w in at.warning)
    assert at.button(key="ex_rnn_1_reveal").disabled
    assert "<script>" not in shown(at)


def test_a_choice_exercise(open_direct):
    at = open_direct(PAGE, {"set": "gradients", "seed": "3", "ex": "2"})
    ex = exercises.make("grad.ends", 3)
    wrong = next(c for c in ex.choices if c != ex.answer)
    at.radio[0].set_value(wrong)
    check_button(at).click().run()
    assert any("Not this one" in w.value for w in at.warning)
    at.radio[0].set_value(ex.answer)
    check_button(at).click().run()
    assert any("Correct" in s.value for s in at.success)


def test_next_previous_set_and_new_numbers_go_into_the_url(open_direct):
    at = open_direct(PAGE, {"set": "lm", "seed": "11"})
    at.button(key="ex_next").click().run()
    assert at.session_state["ex_pick"] == 2 and _qp(at, "ex") == "2"
    assert exercises.make("lm.ppl", 11).prompt in shown(at)
    at.button(key="ex_prev").click().run()
    assert _qp(at, "ex") == "1"
    at.button_group[0].set_value("gates").run()
    assert _qp(at, "set") == "gates"
    assert exercises.make("gates.forget", 11).prompt in shown(at)
    at.button(key="ex_new_seed").click().run()
    assert_ok(at)
    new = at.number_input(key="seed").value
    assert new != 11 and exercises.make("gates.forget", new).prompt in shown(at)


@pytest.mark.parametrize(
    "query",
    [
        {"set": "<script>alert(1)</script>", "seed": "-5", "ex": "999"},
        {"set": "rnn", "seed": "1e400", "ex": "abc"},
        {"set": "x" * 10_000, "seed": "9" * 50, "ex": "-1"},
        {"seed": "3.7", "evil key!": "1", "<b>": "<b>"},
    ],
)
def test_hostile_links_are_clamped_or_ignored_with_a_note(open_direct, query):
    at = open_direct(PAGE, query)
    assert_ok(at)
    assert at.info, "a visible note about the link"
    assert "<script>" not in shown(at) + "".join(i.value for i in at.info)
    assert at.session_state["ex_set_pick"] in exercises.SET_IDS
    assert 1 <= at.session_state["ex_pick"] <= 5
    assert 0 <= at.number_input(key="seed").value <= 2**31 - 1


def _lab_box():
    from app import quiz

    quiz.check_yourself("rnn", text="the time machine", t=5, unit=9)


def test_check_yourself_uses_the_labs_numbers():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_lab_box, default_timeout=60)
    at.session_state["_ex_seed"] = 1234
    at.run()
    assert_ok(at)
    ex = exercises.make("rnn.h_unit", 1234, text="the time machine", t=5, unit=9)
    assert "t = 6" in ex.prompt and "j = 9" in ex.prompt  # the lab's row 5 is t = 6
    assert ex.prompt in shown(at)
    answer_box(at).input(f"{ex.answer:.2f}")
    check_button(at).click().run()
    assert any("Correct" in s.value for s in at.success)
    at.button(key="check_rnn_next").click().run()
    nxt = exercises.make("rnn.h_layer2", 1234, text="the time machine", t=5, unit=9)
    assert nxt.prompt in shown(at)


def check_box(at) -> tuple[str, str]:
    """The question in the lab's check-yourself box: (title, prompt)."""
    md = [m.value for m in at.markdown]
    head = next(i for i, v in enumerate(md) if "**Check yourself**" in v)
    title = next(i for i in range(head, len(md)) if md[i].startswith("#### "))
    return md[title], md[title + 1]


def test_the_quiz_seed_does_not_follow_the_attention_embedding_seed(open_page):
    """`seed` is the exercise seed on every page; the attention lab's own seed draws its
    embeddings and must leave the check-yourself question alone."""
    at = open_page("views/attention.py")
    assert_ok(at)
    before = check_box(at)
    if ATTENTION_SEED not in {w.key for w in at.number_input}:
        pytest.skip(f"the attention lab has no {ATTENTION_SEED!r} widget yet (its seed key)")
    quiz_seed = at.session_state["_ex_seed"]
    assert before[1] == exercises.make("attn.weight", quiz_seed).prompt
    embedding = at.number_input(key=ATTENTION_SEED)
    moved = (embedding.value + 7) % 10_000
    embedding.set_value(moved).run()
    assert_ok(at)
    assert at.number_input(key=ATTENTION_SEED).value == moved
    assert check_box(at) == before
    assert at.session_state["_ex_seed"] == quiz_seed


def test_a_links_seed_sets_the_labs_quiz_also_after_a_page_switch(open_direct):
    at = open_direct("views/rnn.py", {"seed": "1234"})
    assert_ok(at)
    rnn = exercises.make("rnn.h_unit", 1234, text=DEFAULT_TEXT, t=0, unit=0)
    assert check_box(at)[1] == rnn.prompt
    assert rnn.prompt != exercises.make("rnn.h_unit", 1235, text=DEFAULT_TEXT, t=0, unit=0).prompt
    at.query_params.clear()  # a sidebar click drops the link's parameters
    at.switch_page("views/gates.py").run()
    assert_ok(at)
    gates = exercises.make("gates.forget", 1234, text=DEFAULT_TEXT, t=0, unit=0)
    assert check_box(at)[1] == gates.prompt
