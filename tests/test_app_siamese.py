"""The Siamese lab under AppTest: every control moved, the numbers on screen are the core's."""

import re

import pytest
from apptools import assert_ok, charts, latex, shown, tex_problems, widget

from seqviz import checkpoints, pairs_data, siamese, siamese_training, triplet

PAGE = "views/siamese.py"
ENCODERS = {
    "trained": checkpoints.load("siamese-lstm"),
    "untrained": checkpoints.untrained("siamese-lstm"),
}


@pytest.fixture
def page(open_page):
    return open_page(PAGE)


def cosine_on_screen(at) -> float:
    return float(re.search(r"\\mathbf\{(-?[0-9.]+)\}", latex(at)).group(1))


def test_default_view_shows_the_cores_cosine_and_verdict(page):
    at = page
    assert_ok(at)
    enc = checkpoints.load("siamese-lstm")
    a, b = siamese.encode(
        enc,
        pairs_data.vocab(),
        [at.text_input(key="sia_a").value, at.text_input(key="sia_b").value],
    )
    cos = float(siamese.cosine(a.v, b.v))
    assert cosine_on_screen(at) == pytest.approx(cos, abs=5e-4)
    assert "duplicates" in at.success[0].value
    fig = next(
        f for f in charts(at) if "cos =" in ((f["layout"].get("title") or {}).get("text") or "")
    )
    assert len(fig["data"]) == 2  # v_A, v_B and their per-unit shares
    assert "78,368 numbers in all" in shown(at)  # one set of weights, counted once
    # why this cosine: the word whose absence costs most, from the core's word effects
    d_a = siamese.word_effects(enc, pairs_data.vocab(), a.sentence, b.v)
    d_b = siamese.word_effects(enc, pairs_data.vocab(), b.sentence, a.v)
    name, e, d = max((("A", a, d_a), ("B", b, d_b)), key=lambda x: float(x[2].max()))
    t = int(d.argmax())
    assert (
        f"The word that holds them together most: *{e.tokens[t]}* in {name} (without it the "
        f"cosine falls by {float(d[t]):.3f})" in shown(at)
    )


def test_threshold_and_weights_change_the_verdict(page):
    at = page
    widget(at, "slider", "sia_tau").set_value(0.99).run()
    assert_ok(at)
    assert "not duplicates" in at.info[0].value or any("not duplicates" in i.value for i in at.info)
    widget(at, "button_group", "sia_weights").set_value("untrained").run()
    assert_ok(at)
    enc = checkpoints.untrained("siamese-lstm")
    a, b = siamese.encode(
        enc,
        pairs_data.vocab(),
        [at.text_input(key="sia_a").value, at.text_input(key="sia_b").value],
    )
    assert cosine_on_screen(at) == pytest.approx(float(siamese.cosine(a.v, b.v)), abs=5e-4)
    # τ moved to the untrained encoder's own best threshold, and back with the trained one
    best = {w: round(siamese_training.score(e).threshold, 2) for w, e in ENCODERS.items()}
    assert best["untrained"] != best["trained"]
    assert widget(at, "slider", "sia_tau").value == pytest.approx(best["untrained"])
    widget(at, "button_group", "sia_weights").set_value("trained").run()
    assert widget(at, "slider", "sia_tau").value == pytest.approx(best["trained"])
    widget(at, "button_group", "sia_weights").set_value("untrained").run()
    widget(at, "slider", "sia_tau").set_value(-1.0).run()
    assert_ok(at)
    assert at.success and "duplicates" in at.success[0].value


def test_a_links_threshold_stands_with_any_weights(open_page):
    at = open_page(PAGE, query={"sia_tau": "0.5", "sia_weights": "untrained"}, direct=True)
    assert_ok(at)
    assert widget(at, "slider", "sia_tau").value == pytest.approx(0.5)
    assert widget(at, "button_group", "sia_weights").value == "untrained"


def test_bad_sentences_get_a_message_and_the_page_works(page):
    at = page
    for typed in ("", "   ", "🙂 zzyzx qwerty", "a " * 400):
        at.text_input(key="sia_b").set_value(typed).run()
        assert_ok(at)
        assert not tex_problems(at)
        if not typed.strip():
            assert "Type a sentence into **Sentence B**" in shown(at)
        elif len(typed) > 200:
            assert "reads the first 200" in shown(at)
        else:
            assert "<unk" in shown(at)
            assert "No word of B is in the encoder's vocabulary" in shown(at)
    at.text_input(key="sia_new").set_value("🙂 日本語").run()
    assert_ok(at)
    assert "No word of the new sentence is in the encoder's vocabulary" in shown(at)


def test_the_batch_controls_at_both_ends(page):
    at = page
    for size in (2, 12):
        widget(at, "slider", "sia_batch").set_value(size).run()
        assert_ok(at)
        fig = next(
            f for f in charts(at) if f["data"][0].get("x") == [f"P{j + 1}" for j in range(size)]
        )
        assert len(fig["data"][0]["x"]) == size
    widget(at, "number_input", "sia_batch_seed").set_value(999).run()
    widget(at, "slider", "sia_margin").set_value(1.0).run()
    widget(at, "selectbox", "sia_variant").set_value("closest").run()
    widget(at, "number_input", "sia_row").set_value(12).run()
    assert_ok(at)
    # the total on screen is the core's loss for the same batch
    chosen = pairs_data.sample(pairs_data.heldout_duplicates(), 12, 999)
    enc = checkpoints.load("siamese-lstm")
    S = siamese.cosine_matrix(
        siamese.encode_tensor(enc, pairs_data.vocab(), [p.a for p in chosen]),
        siamese.encode_tensor(enc, pairs_data.vocab(), [p.b for p in chosen]),
    )
    t = triplet.triplet_terms(S, 1.0, "closest")
    assert f"J = \\sum_i L_{{\\text{{closest}},i}} = \\mathbf{{{float(t.loss):.3f}}}" in latex(at)
    assert "L_{\\text{mean},12}" in latex(at)
    widget(at, "slider", "sia_margin").set_value(0.0).run()
    widget(at, "selectbox", "sia_variant").set_value("mean").run()
    assert_ok(at)


def test_one_shot_ranks_the_set_for_a_new_sentence(page):
    at = page
    at.text_input(key="sia_new").set_value("A dog is running on the grass").run()
    assert_ok(at)
    assert "Closest: **A dog is running through the grass**" in shown(at)
    at.text_input(key="sia_new").set_value("").run()
    assert_ok(at)
    assert "Type a sentence into **New sentence**" in shown(at)


def test_the_one_shot_set_can_be_edited(page):
    at = page
    at.text_area(key="sia_set").set_value("A cat is sleeping\n\n  A dog is running  \n").run()
    assert_ok(at)
    bars = next(f for f in charts(at) if f["data"][0].get("type") == "bar")
    assert len(bars["data"][0]["y"]) == 2  # empty lines dropped
    enc = checkpoints.load("siamese-lstm")
    new = at.text_input(key="sia_new").value
    V = siamese.encode_tensor(enc, pairs_data.vocab(), ["A cat is sleeping", "A dog is running"])
    cos = siamese.cosine_matrix(siamese.encode_tensor(enc, pairs_data.vocab(), [new]), V)[0]
    best = ("A cat is sleeping", "A dog is running")[int(cos.argmax())]
    assert f"Closest: **{best}** (cos = {float(cos.max()):.3f}" in shown(at)
    at.text_area(key="sia_set").set_value(" \n ").run()
    assert_ok(at)
    assert "Type at least one sentence into **the set**" in shown(at)
    at.text_area(key="sia_set").set_value(
        "\n".join(f"A man is number {k}" for k in range(25))
    ).run()
    assert_ok(at)
    assert "The set has 25 sentences; the page compares the first 20." in shown(at)


def test_live_training_runs_continues_and_resets(page, monkeypatch):
    # the job runs inside the click's own run (the pool's inline mode: AppTest does not run
    # the polling fragment's timer); tests/test_browser_siamese.py trains in worker processes
    monkeypatch.setenv("SEQVIZ_JOBS", "inline")
    at = page
    widget(at, "select_slider", "sia_train_hidden").set_value(8).run()
    widget(at, "selectbox", "sia_train_variant").set_value("mean").run()
    widget(at, "slider", "sia_train_margin").set_value(0.5).run()
    widget(at, "slider", "sia_budget").set_value(2).run()
    assert_ok(at)
    assert "Press **Train**" in shown(at)
    at.button(key="sia_train").click().run()
    assert_ok(at)
    run = at.session_state["sia_run"]
    assert run["state"]["step"] > 0 and run["config"].hidden_size == 8
    first = run["state"]["step"]
    assert run["outcome"] == "paused" and f"**Paused** after {first:,} steps" in shown(at)
    assert at.button(key="sia_stop").disabled  # nothing is training
    enc = siamese_training.encoder_from(run["config"], run["state"])
    s = siamese_training.score(enc)
    assert f"ROC AUC **{s.auc:.3f}**" in shown(at) and f"τ = {s.threshold:.2f}" in shown(at)
    at.button(key="sia_train").click().run()
    assert_ok(at)
    assert at.session_state["sia_run"]["state"]["step"] > first  # continued, not restarted
    assert run["state"]["history"]["losses"][:first] == run["base"]["history"]["losses"]
    widget(at, "select_slider", "sia_train_hidden").set_value(16).run()
    assert "the next **Train** starts a new run" in shown(at)
    at.button(key="sia_reset").click().run()
    assert_ok(at)
    assert "sia_run" not in at.session_state


def test_your_trained_encoder_reads_every_section(page, monkeypatch):
    monkeypatch.setenv("SEQVIZ_JOBS", "inline")
    at = page
    assert widget(at, "button_group", "sia_weights").options == ["Trained", "Untrained"]
    widget(at, "select_slider", "sia_train_hidden").set_value(8).run()
    widget(at, "slider", "sia_budget").set_value(2).run()
    at.button(key="sia_train").click().run()
    assert_ok(at)
    assert "now offers **Yours**" in shown(at)
    at.run()  # the next run opens on the student's encoder
    assert_ok(at)
    assert widget(at, "button_group", "sia_weights").value == "mine"
    run = at.session_state["sia_run"]
    enc = siamese_training.encoder_from(run["config"], run["state"])
    a, b = at.text_input(key="sia_a").value, at.text_input(key="sia_b").value
    e_a, e_b = siamese.encode(enc, pairs_data.vocab(), [a, b])
    assert cosine_on_screen(at) == pytest.approx(float(siamese.cosine(e_a.v, e_b.v)), abs=5e-4)
    assert "Yours weights on 1,220 held-out SICK pairs" in shown(at)
    # τ is the student's encoder's own best threshold
    best = round(siamese_training.score(enc).threshold, 2)
    assert widget(at, "slider", "sia_tau").value == pytest.approx(best)
    # the batch's total loss is the student's encoder's
    chosen = pairs_data.sample(pairs_data.heldout_duplicates(), 6, 0)
    S = siamese.cosine_matrix(
        siamese.encode_tensor(enc, pairs_data.vocab(), [p.a for p in chosen]),
        siamese.encode_tensor(enc, pairs_data.vocab(), [p.b for p in chosen]),
    )
    loss = float(triplet.triplet_terms(S, 0.25, "both").loss)
    assert f"= \\mathbf{{{loss:.3f}}}" in latex(at).split("J = ")[1].split("$$")[0]
    assert "yours at its start" in shown(at)
    widget(at, "button_group", "sia_weights").set_value("trained").run()
    assert_ok(at)
    at.button(key="sia_reset").click().run()
    assert_ok(at)
    assert widget(at, "button_group", "sia_weights").options == ["Trained", "Untrained"]


def test_stepping_through_sentence_a_ends_in_its_encoding(page):
    at = page
    assert "h_{1} = \\mathrm{LSTM}" in latex(at)  # the first word is t = 1
    T = len(pairs_data.words(at.text_input(key="sia_a").value))
    widget(at, "slider", "sia_step").set_value(T).run()
    assert_ok(at)
    at.button(key="sia_step_prev").click().run()
    at.button(key="sia_step_next").click().run()
    assert_ok(at)
    step = next(line for line in latex(at).split("$$") if "\\mathrm{LSTM}" in line)
    assert f"h_{{{T}}}" in step and "= \\cos(v_A, v_B)" in step
    # the last state's cosine with v_B is the cosine of the two encodings
    last = float(re.search(r"\\mathbf\{(-?[0-9.]+)\}", step).group(1))
    assert last == pytest.approx(cosine_on_screen(at), abs=1e-3)
