"""The Word2Vec lab under AppTest: every control moved, numbers checked against the core."""

from collections import Counter

import torch
from apptools import assert_ok, charts, latex, num, shown, widget

from app.controls import md_escape
from app.labs import neighbours
from app.views import word2vec_parts as parts
from seqviz import embeddings, w2v_eval, w2v_fit
from seqviz import w2v_training as training
from seqviz import word2vec as w2v
from seqviz.latex import word as word_tex
from seqviz.text import load_time_machine
from seqviz.w2v_sentence import sentence_network

PAGE = "views/word2vec.py"
SENTENCE = "mining web data for business insights is an useful course".split()


def pairs_metric(at, label="pairs in the sentence") -> int:
    return int(next(m.value for m in at.metric if m.label == label))


def progress_texts(at) -> str:
    return "\n".join(bar.proto.text for bar in at.get("progress"))


def strip_text(at) -> str:
    """All annotations of the sentence strip (the first chart)."""
    fig = charts(at)[0]
    return " ".join(a.get("text", "") for a in fig["layout"]["annotations"])


def network(window=2, E=4, objective="softmax", steps=0, k=3, seed=0):
    positions = w2v.draw_windows(SENTENCE, window, seed=seed).positions
    return sentence_network(
        SENTENCE,
        positions,
        embedding_size=E,
        objective=objective,
        steps=steps,
        num_negatives=k,
        seed=seed,
    )


def test_default_view_pairs_and_the_softmax_loss(open_page):
    at = open_page(PAGE)
    assert_ok(at)
    assert at.slider(key="w2v_window").value == 2
    assert pairs_metric(at) == len(w2v.skipgram_pairs(SENTENCE, 2)) == 34
    assert pairs_metric(at, "pairs so far") == 2  # "mining": web, data
    df = at.dataframe[0].value
    assert list(df["context word"]) == ["data", "web"]  # newest first
    # positions count from 1, as the slides' x_1 … x_N: "mining" is x_1, "data" x_3
    assert at.slider(key="w2v_center").value == 1
    assert list(df["centre j"]) == [1, 1] and list(df["context i"]) == [3, 2]
    # H for centre "mining", recomputed here from the same network without seqviz's step
    net = network()
    W, W_out = net.model.W, net.model.W_out
    log_p = torch.log_softmax(W[0] @ W_out.T, 0)
    H = -(log_p[1] + log_p[2])
    eq = latex(at)
    assert num(H) in eq and num(-log_p[1]) in eq
    assert "centre" in strip_text(at)


def test_next_grows_the_table_and_moves_the_centre(open_page):
    at = open_page(PAGE)
    for _ in range(4):
        at.button(key="w2v_center_next").click().run()
    assert_ok(at)
    assert at.slider(key="w2v_center").value == 5  # x_1 + 4 steps: positions count from 1
    assert at.slider(key="w2v_center").label == "Centre word j"
    assert "next word" in at.button(key="w2v_center_next").help
    pairs = w2v.skipgram_pairs(SENTENCE, 2)
    so_far = 2 + 3 + 4 + 4 + 4
    assert pairs_metric(at, "pairs so far") == so_far
    df = at.dataframe[0].value
    assert list(df["pair"]) == list(range(so_far, 0, -1))
    assert [(r["centre word"], r["context word"]) for _, r in df[::-1].iterrows()] == pairs[:so_far]
    assert "j=5" in strip_text(at) and "Centre j = 5" in shown(at)
    assert word_tex("business") in latex(at)
    at.button(key="w2v_center_prev").click().run()
    assert at.slider(key="w2v_center").value == 4
    assert at.slider(key="w2v_center").min == 1
    at.slider(key="w2v_center").set_value(len(SENTENCE)).run()
    assert at.button(key="w2v_center_next").disabled
    assert pairs_metric(at, "pairs so far") == 34


def test_window_at_both_ends_dynamic_and_seed(open_page):
    at = open_page(PAGE)
    for m in (1, 5):
        at.slider(key="w2v_window").set_value(m).run()
        assert_ok(at)
        assert pairs_metric(at) == len(w2v.skipgram_pairs(SENTENCE, m))
    at.toggle(key="w2v_dynamic").set_value(True).run()
    for seed in (0, 7):
        at.number_input(key="w2v_seed").set_value(seed).run()
        assert_ok(at)
        want = w2v.skipgram_pairs(SENTENCE, 5, dynamic=True, seed=seed)
        assert pairs_metric(at) == len(want) < 70
    assert "window drawn" in shown(at)


def test_subsampling_drops_frequent_words_with_the_formula(open_page):
    at = open_page(PAGE)
    at.toggle(key="w2v_subsample").set_value(True).run()
    at.select_slider(key="w2v_t").set_value(1e-5).run()
    assert_ok(at)
    counts = Counter(load_time_machine().split())
    w = w2v.draw_windows(SENTENCE, 2, sample=1e-5, counts=counts, seed=0)
    assert pairs_metric(at) == len(w.positions)
    assert not all(w.kept)  # "for" and "is" are frequent in The Time Machine
    text = strip_text(at)
    assert "dropped" in text
    p_for = w2v.keep_probability(counts["for"], sum(counts.values()), 1e-5)
    assert f"={p_for:.2f}" in text


def test_negative_sampling_numbers_and_controls_at_both_ends(open_page):
    at = open_page(PAGE)
    widget(at, "button_group", "w2v_objective").set_value("negative").run()
    at.button(key="w2v_center_next").click().run()  # centre "web": mining, data, for
    for k, E in ((1, 2), (8, 8)):
        at.slider(key="w2v_k").set_value(k).run()
        at.slider(key="w2v_E").set_value(E).run()
        assert_ok(at)
        net = network(E=E, objective="negative", k=k)
        step = w2v.neg_sampling_step(net.model, 1, [0, 2, 3], net.noise, num_negatives=k, seed=0)
        eq = latex(at)
        assert num(step.loss) in eq and num(step.losses[0]) in eq
        assert num(step.pos_dot[0]) in eq
        bars = next(
            f for f in charts(at) if "σ(v′·h" in (f["layout"]["title"] or {}).get("text", "")
        )
        assert len(bars["data"][0]["x"]) == 3 * (k + 1)


def test_training_first_lowers_the_loss_on_the_sentence(open_page):
    at = open_page(PAGE)
    at.slider(key="w2v_steps").set_value(200).run()
    assert_ok(at)
    net = network(steps=200)
    assert f"{net.losses[0]:.3f} to {net.losses[-1]:.3f}" in shown(at)
    assert net.losses[-1] < net.losses[0]
    step = w2v.softmax_step(net.model, 0, [1, 2])
    assert num(step.loss) in latex(at)
    at.slider(key="w2v_steps").set_value(0).run()
    assert "mean loss per pair fell" not in shown(at)


def test_empty_one_word_and_long_sentences(open_page):
    at = open_page(PAGE)
    at.text_input(key="w2v_sentence").input("").run()
    assert_ok(at)
    assert "Type a sentence" in shown(at)
    at.text_input(key="w2v_sentence").input("Hello!!").run()
    assert_ok(at)
    assert "single word" in shown(at) and "no pairs" in shown(at)
    at.text_input(key="w2v_sentence").input("123 ... ???").run()
    assert "Type a sentence" in shown(at)
    at.text_input(key="w2v_sentence").input(" ".join(["word"] * 45)).run()
    assert_ok(at)
    assert "first 30" in shown(at)
    assert pairs_metric(at) == len(w2v.skipgram_pairs(["word"] * 30, 2))


def test_live_training_matches_the_core_and_lookups(open_page):
    at = open_page(PAGE)
    assert "Vocabulary: 824 words" in shown(at) and "min count = 5" in shown(at)
    at.slider(key="w2v_epochs").set_value(1).run()
    at.button(key="w2v_train_neg").click().run()
    assert_ok(at)
    assert any(m.label == "words / s" for m in at.metric)
    # the same run in the core, same seed: the same neighbours
    words = load_time_machine().split()
    corpus = training.build_corpus(training.chunks(words), 5)
    trainer = training.Trainer(corpus, training.TrainConfig(epochs=1))
    trainer.run()
    want = embeddings.nearest(trainer.model.W, corpus.vocab, "time", k=8)
    table = at.dataframe[-1].value
    assert list(table.columns) == ["time", "machine", "said", "little"]  # the default words
    assert list(table["time"]) == [f"{w} ({c:.2f})" for w, c in want]
    # the analogy test: Google's questions whose four words the vocabulary has
    score = w2v_eval.analogy_accuracy(trainer.model.W, corpus.vocab)
    assert len(score.questions) == 116
    assert any(
        m.label == "analogy test" and m.value == f"{score.right} / 116 right" for m in at.metric
    )
    analogy = embeddings.analogy(trainer.model.W, corpus.vocab, "he", "his", "i").answers[0]
    assert word_tex(analogy[0]) in latex(at)
    # unknown words get a message, not an exception
    at.text_input(key="w2v_query").input("zyzzyva").run()
    at.text_input(key="w2v_a").input("weena2").run()
    assert_ok(at)
    assert "“zyzzyva” is not in the vocabulary" in shown(at)
    assert "“weena2” is not in the vocabulary" in shown(at)
    # the other objective, side by side
    at.button(key="w2v_train_soft").click().run()
    assert_ok(at)
    assert sum(m.label == "training time" for m in at.metric) == 2
    maps = [f for f in charts(at) if f.get("frames")]
    assert len(maps) == 2 and all(len(f["frames"]) == 51 for f in maps)
    # CBOW beside skip-gram, the same as the core's CBOW run
    at.button(key="w2v_train_cbow").click().run()
    assert_ok(at)
    assert sum(m.label == "training time" for m in at.metric) == 3
    cbow = training.Trainer(corpus, training.TrainConfig(architecture="cbow", epochs=1))
    cbow.run()
    assert torch.equal(at.session_state["w2v_runs"]["cbow"]["state"]["W"], cbow.model.W)
    at.text_input(key="w2v_query").input("time, zyzzyva").run()
    want = embeddings.nearest(cbow.model.W, corpus.vocab, "time", k=8)
    assert list(at.dataframe[-2].value["time"]) == [f"{w} ({c:.2f})" for w, c in want]
    at.button(key="w2v_reset").click().run()
    assert "Press **Train**" in shown(at)


def test_training_controls_at_both_ends(open_page):
    at = open_page(PAGE)
    at.slider(key="w2v_min_count").set_value(10).run()
    assert_ok(at)
    n10 = sum(1 for c in Counter(load_time_machine().split()).values() if c >= 10)
    assert f"Vocabulary: {n10:,} words" in shown(at)
    at.slider(key="w2v_min_count").set_value(1).run()
    at.select_slider(key="w2v_train_E").set_value(10).run()
    at.slider(key="w2v_train_window").set_value(1).run()
    at.slider(key="w2v_train_k").set_value(15).run()
    at.number_input(key="w2v_train_seed").set_value(3).run()
    at.slider(key="w2v_epochs").set_value(1).run()
    at.text_input(key="w2v_track").input("time, machine, notaword").run()
    assert_ok(at)
    assert "notaword" in shown(at)
    at.button(key="w2v_train_neg").click().run()
    assert_ok(at)
    m = next(f for f in charts(at) if f.get("frames"))
    assert [t.replace("␣", " ") for t in m["data"][0]["text"]] == ["time", "machine"]


def test_own_text_empty_and_too_rare(open_page):
    at = open_page(PAGE)
    widget(at, "button_group", "w2v_source").set_value("own").run()
    assert_ok(at)
    assert "Paste or type a text" in shown(at)
    at.text_area(key="w2v_own").input("the cat sat on the mat").run()
    assert_ok(at)
    assert "lower the min count" in shown(at)
    at.slider(key="w2v_min_count").set_value(1).run()
    at.slider(key="w2v_epochs").set_value(2).run()
    at.button(key="w2v_train_neg").click().run()
    assert_ok(at)
    assert "Vocabulary: 5 words" in shown(at)


def test_links_to_the_previous_lab(open_page):
    at = open_page(PAGE)
    links = [p.proto.page for p in at.get("page_link")]
    previous, _ = neighbours("word2vec")
    assert previous.url_path in links, links


def test_check_yourself_and_embeddings_download_after_training(open_page):
    at = open_page(PAGE)
    assert "Check yourself" in shown(at)
    assert not at.get("download_button")  # nothing trained yet: only the link
    at.slider(key="w2v_epochs").set_value(1).run()
    at.button(key="w2v_train_neg").click().run()
    assert_ok(at)
    assert len(at.get("download_button")) >= 2  # the trained W as CSV and JSON


HOSTILE = [
    "",
    "🙂 🚀 👩‍🔬",
    r"**bold** $x^2$ :red[red] \ { } ^ _ % & # ~ <b>html</b>",
    "ä ö ü ß 你好 مرحبا",
    "word\x00with\x1bcontrol\x7fcharacters",
]


def test_every_section_1_and_2_control_at_both_ends_and_hostile_sentences(open_page):
    at = open_page(PAGE)
    for text in HOSTILE:
        at.text_input(key="w2v_sentence").input(text).run()
        assert_ok(at)
    # only letters count: what is left of the markup is plain words, drawn and paired
    at.text_input(key="w2v_sentence").input(r"the **time** $machine$ :red[went] 🙂 {on}").run()
    assert_ok(at)
    words = ["the", "time", "machine", "red", "went", "on"]
    assert pairs_metric(at) == len(w2v.skipgram_pairs(words, 2))
    at.toggle(key="w2v_subsample").set_value(True).run()
    at.toggle(key="w2v_dynamic").set_value(True).run()
    for key, ends in (("w2v_window", (1, 5)), ("w2v_E", (2, 8)), ("w2v_steps", (0, 200))):
        for value in ends:
            at.slider(key=key).set_value(value).run()
            assert_ok(at)
    for t in (1e-3, 1e-5):
        at.select_slider(key="w2v_t").set_value(t).run()
        assert_ok(at)
    at.number_input(key="w2v_seed").set_value(9999).run()
    widget(at, "button_group", "w2v_objective").set_value("negative").run()
    for k in (1, 8):
        at.slider(key="w2v_k").set_value(k).run()
        assert_ok(at)
    at.slider(key="w2v_center").set_value(5).run()
    assert_ok(at)


def test_every_training_control_at_both_ends_without_training(open_page):
    at = open_page(PAGE)
    for key, ends in (
        ("w2v_min_count", (1, 10)),
        ("w2v_train_window", (1, 8)),
        ("w2v_epochs", (1, 40)),
        ("w2v_train_k", (1, 15)),
    ):
        for value in ends:
            at.slider(key=key).set_value(value).run()
            assert_ok(at)
    for E in (10, 100):
        at.select_slider(key="w2v_train_E").set_value(E).run()
        assert_ok(at)
    at.number_input(key="w2v_train_seed").set_value(9999).run()
    widget(at, "button_group", "w2v_source").set_value("own").run()
    for text in HOSTILE:
        at.text_area(key="w2v_own").input(text * 3).run()
        assert_ok(at)
        plain = len(parts.words_of(text * 3))
        assert ("Paste or type a text" in shown(at)) == (plain < 2)
    assert "lower the min count" in shown(at)  # min count 10: "word" ×3 is too rare


def test_typed_words_are_shown_as_typed_never_as_markup(open_page):
    at = open_page(PAGE)
    at.text_input(key="w2v_track").input(r"time, **bold**, :red[red], $x$, 🙂, \alpha").run()
    assert_ok(at)
    caption = next(c.value for c in at.caption if "left off the map" in c.value)
    assert md_escape("**bold**") in caption and md_escape(":red[red]") in caption
    assert md_escape("$x$") in caption and md_escape("\\alpha") in caption and "🙂" in caption
    assert "**bold**" not in caption.replace(md_escape("**bold**"), "")
    # the lookups, on a trained model: unknown typed words come back escaped
    at.slider(key="w2v_epochs").set_value(1).run()
    at.button(key="w2v_train_neg").click().run()
    for key, text in (("w2v_query", "**big** :red[x]"), ("w2v_a", "$he$"), ("w2v_query", "🙂")):
        at.text_input(key=key).input(text).run()
        assert_ok(at)
        # "Neighbours of" takes a list: each unknown word gets its own message
        for word in embeddings.parse_word_list(text) if key == "w2v_query" else [text]:
            assert f"“{md_escape(word)}” is not in the vocabulary" in shown(at)


def test_a_stopped_run_shows_how_far_it_got_and_train_continues_it(open_page, monkeypatch):
    """What the page shows after Stop (the browser test presses Stop during a job in a real
    worker process): the run's state is where the job stopped, it keeps its model, and Train
    continues it to the weights of an uninterrupted run. Jobs run inside the click's own
    run here (the pool's inline mode)."""
    monkeypatch.setenv("SEQVIZ_JOBS", "inline")
    at = open_page(PAGE)
    at.slider(key="w2v_epochs").set_value(1).run()
    assert at.button(key="w2v_stop").disabled  # nothing is training
    at.button(key="w2v_train_neg").click().run()
    assert_ok(at)
    run = at.session_state["w2v_runs"]["negative"]
    whole = run["state"]
    assert whole["done"] and run["outcome"] == "finished" and at.button(key="w2v_stop").disabled
    steps = []
    part = w2v_fit.fit(
        run["config"], None, max_seconds=9e9, stop=lambda: len(steps) >= 5, callback=steps.append
    )  # as far as a Stop after 5 reports let it get
    run["state"], run["outcome"] = part, "stopped"
    run.pop("model")
    at.run()
    assert_ok(at)
    total = whole["words"]
    assert f"stopped at {part['words']:,} of {total:,} words" in progress_texts(at)
    assert 0 < part["words"] < total
    assert any(f.get("frames") for f in charts(at))  # its map, from the partial model
    at.button(key="w2v_train_neg").click().run()
    assert_ok(at)
    run = at.session_state["w2v_runs"]["negative"]
    assert run["base"] is part and run["state"]["done"]  # continued, not restarted
    assert torch.equal(run["state"]["W"], whole["W"])
    assert "finished: 1 epoch" in progress_texts(at)


def test_a_press_that_runs_out_of_time_pauses_and_train_continues(open_page, monkeypatch):
    monkeypatch.setenv("SEQVIZ_JOBS", "inline")
    monkeypatch.setattr(parts, "MAX_SECONDS", 0.2)
    at = open_page(PAGE)
    at.slider(key="w2v_epochs").set_value(40).run()  # ~3 s of skip-gram: more than a press
    at.button(key="w2v_train_neg").click().run()
    assert_ok(at)
    run = at.session_state["w2v_runs"]["negative"]
    first = run["state"]["words"]
    assert run["outcome"] == "paused" and not run["state"]["done"] and first > 0
    assert "paused after 0.2 s" in progress_texts(at)
    at.button(key="w2v_train_neg").click().run()
    assert at.session_state["w2v_runs"]["negative"]["state"]["words"] > first
    at.button(key="w2v_reset").click().run()
    assert "Press **Train**" in shown(at) and not at.session_state["w2v_runs"]


def test_a_map_whose_words_all_point_one_way_says_so(open_page):
    """On the defaults (10 epochs of The Time Machine) CBOW's labelled words all have
    cosines near 1 and its map says so, with the run's own number; skip-gram's does not."""
    at = open_page(PAGE)
    at.button(key="w2v_train_neg").click().run()
    at.button(key="w2v_train_cbow").click().run()
    assert_ok(at)
    runs = at.session_state["w2v_runs"]
    notes = [c.value for c in at.caption if "have a cosine of at least" in c.value]
    cbow = parts.least_cosine(runs["cbow"]["state"]["W"], runs["cbow"]["config"].track)
    skip = parts.least_cosine(runs["negative"]["state"]["W"], runs["negative"]["config"].track)
    assert cbow > parts.PARALLEL > skip
    assert notes == [
        f"Every two labelled words have a cosine of at least {cbow:.3f}: the vectors point "
        "almost the same way, so the map magnifies tiny differences and the neighbours say "
        "little. This run needs more text."
    ]
