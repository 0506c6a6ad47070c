"""The Self-attention lab under AppTest: every control moved, numbers vs the core."""

import pytest
from apptools import assert_ok, charts, latex, num, shown, tex_problems

from app import urlstate
from app.controls import md_escape
from seqviz import attention, self_attention

ATTN = "views/attention.py"
SENTENCE = "the time traveller held in his hand a glittering metallic framework"


def core(text=SENTENCE, d_k=8, seed=0, positions=True, scale=True, causal=False):
    s = self_attention.read_sentence(text)
    w = self_attention.random_weights(len(self_attention.word_vocab()), 16, d_k, seed)
    return s, self_attention.self_attention(
        s.ids, w, positions=positions, scale=scale, causal=causal
    )


# --- Self-attention ------------------------------------------------------------------------


def test_default_view_writes_out_the_real_numbers(open_page):
    at = open_page(ATTN)
    assert_ok(at)
    _, sa = core()
    i = at.slider(key="att_query").value
    eq = latex(at)
    for value in (sa.Q[i, 0], sa.steps.scaled[i, 0], sa.steps.weights[i, 0], sa.steps.out[i, 0]):
        assert num(value) in eq
    assert num(sa.steps.entropy[i]) in eq
    assert "random" in shown(at)  # the page says the projections are not learned
    assert len(charts(at)) >= 15


def test_query_seed_and_dk_follow_the_core(open_page):
    at = open_page(ATTN)
    at.slider(key="att_query").set_value(5).run()
    at.number_input(key="att_seed").set_value(7).run()
    at.select_slider(key="att_dk").set_value(32).run()
    assert_ok(at)
    _, sa = core(d_k=32, seed=7)
    eq = latex(at)
    assert num(sa.steps.weights[5].max()) in eq
    assert r"\sqrt{32}" in eq and num(32**0.5) in eq


def test_switching_the_scaling_off_saturates_the_softmax(open_page):
    at = open_page(ATTN)
    at.select_slider(key="att_dk").set_value(64).run()
    at.toggle(key="att_scale").set_value(False).run()
    assert_ok(at)
    _, raw = core(d_k=64, scale=False)
    _, scaled = core(d_k=64)
    assert raw.steps.entropy.mean() < scaled.steps.entropy.mean()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["mean row entropy, not scaled"] == f"{raw.steps.entropy.mean():.3f} nats"
    assert metrics["mean row entropy, scaled"] == f"{scaled.steps.entropy.mean():.3f} nats"
    assert "scaling off" in latex(at)


def test_causal_mask_and_positions_toggles(open_page):
    at = open_page(ATTN)
    at.toggle(key="att_causal").set_value(True).run()
    at.slider(key="att_query").set_value(0).run()
    assert_ok(at)
    eq = latex(at)
    assert r"-\infty" in eq and r"\mathbf{1.000}" in eq  # word 0 can only see itself
    at.toggle(key="att_positions").set_value(False).run()
    assert_ok(at)
    _, sa = core(positions=False, causal=True)
    assert (sa.positions == 0).all()
    at.slider(key="att_query").set_value(4).run()
    assert num(sa.steps.weights[4].max()) in latex(at)


def test_positions_section_and_the_shuffle(open_page):
    at = open_page(ATTN)
    at.slider(key="att_n_pos").set_value(128).run()
    at.select_slider(key="att_pe_dim").set_value(8).run()
    at.number_input(key="att_perm_seed").set_value(3).run()
    assert_ok(at)
    pe = attention.sinusoidal_positions(128, 8)
    i = at.slider(key="att_query").value
    assert num(pe[i, 1]) in latex(at)
    s, _ = core()
    w = self_attention.random_weights(len(self_attention.word_vocab()), 16, 8, 0)
    on = self_attention.order_test(s.ids, w, positions=True, seed=3)
    assert f"{on.max_difference:.3f}" in latex(at)
    shuffled = " ".join(s.tokens[int(k)] for k in on.perm)
    assert shuffled.split()[0] in shown(at)


@pytest.mark.parametrize(
    "text",
    ["x", "the blorp sat on the zzyzx mat!", "🙂 世界 héllo", "the " * 100],
    ids=["one-word", "unknown", "emoji", "long"],
)
def test_odd_sentences(open_page, text):
    at = open_page(ATTN)
    at.text_area(key="att_sentence").input(text).run()
    assert_ok(at)
    assert charts(at)
    if "blorp" in text:
        assert "<unk>" in shown(at) and "blorp" in shown(at)
    if len(text) > 300:
        assert any(str(self_attention.MAX_WORDS) in w.value for w in at.warning)
        at.slider(key="att_query").set_value(self_attention.MAX_WORDS - 1).run()
        assert_ok(at)


def test_empty_sentence_gets_a_prompt(open_page):
    at = open_page(ATTN)
    at.text_area(key="att_sentence").input("").run()
    assert not at.exception and at.info
    assert not charts(at)


def test_a_link_reproduces_the_attention_view(open_page):
    at = open_page(
        ATTN,
        query={
            "att_sentence": "the time machine",
            "att_query": "1",
            "att_causal": "true",
            "att_dk": "4",
        },
    )
    assert_ok(at)
    _, sa = core("the time machine", d_k=4, causal=True)
    assert num(sa.steps.weights[1, 0]) in latex(at)


def test_check_yourself_and_share_box_on_the_self_attention_lab(open_page):
    at = open_page("views/attention.py")
    assert_ok(at)
    assert "Check yourself" in shown(at)
    assert any("Share this view" in e.label for e in at.expander)
    assert len(at.get("download_button")) >= 2  # the attention weights as CSV and JSON
    from app import share

    sentence, sa = core()
    # the table behind the download, as the page builds it
    table = share.labelled(sa.steps.weights, sentence.tokens, sentence.tokens)
    assert table.shape == (len(sentence.tokens), len(sentence.tokens) + 2)
    assert abs(table.iloc[:, 2:].to_numpy().sum(axis=1) - 1).max() < 1e-5


# --- links and input that must not break the page -------------------------------------------


@pytest.mark.parametrize(
    ("key", "bad", "default"), [("att_dk", "5", 8), ("att_pe_dim", "3", 64)], ids=["dk", "pe_dim"]
)
def test_a_choice_outside_its_options_falls_back_to_the_default_with_a_note(
    open_page, key, bad, default
):
    at = open_page(ATTN, query={key: bad}, direct=True)
    assert_ok(at)
    assert at.select_slider(key=key).value == default
    assert [str(o) for o in at.select_slider(key=key).options] == list(urlstate.PARAMS[key].choices)
    assert any(key in note.value for note in at.info)


def test_numbers_out_of_range_in_a_link_are_clamped(open_page):
    at = open_page(ATTN, query={"att_n_pos": "999", "att_seed": "123456"}, direct=True)
    assert_ok(at)
    assert at.slider(key="att_n_pos").value == 128
    assert at.number_input(key="att_seed").value == 9999
    assert any("att_n_pos" in note.value for note in at.info)


TEX_SPECIALS = "the { time } \\ ^ _ $ % & # ~ 🙂 machine a_b"


def test_tex_specials_and_emoji_in_the_sentence(open_page):
    at = open_page(ATTN)
    at.text_area(key="att_sentence").input(TEX_SPECIALS).run()
    sen = self_attention.read_sentence(TEX_SPECIALS)
    for i in range(len(sen.tokens)):
        at.slider(key="att_query").set_value(i).run()
        assert not at.exception and not tex_problems(at), (i, tex_problems(at))
        assert f"**Query word {i}:** {md_escape(sen.words[i])}" in shown(at)
    assert r"\langle\text{unk}\rangle" in latex(at)


# Both ends of every number control (and every switch off, then on).
KIND = {
    "att_dk": "select_slider",
    "att_seed": "number_input",
    "att_n_pos": "slider",
    "att_pe_dim": "select_slider",
    "att_perm_seed": "number_input",
}
ENDS = {
    "low": {"att_dk": 2, "att_seed": 0, "att_n_pos": 2, "att_pe_dim": 4, "att_perm_seed": 0},
    "high": {
        "att_dk": 64,
        "att_seed": 9999,
        "att_n_pos": 128,
        "att_pe_dim": 128,
        "att_perm_seed": 9999,
    },
}
LONGEST = ("the time machine " * 200)[:2000]  # the box's limit: 353 words, 64 read


def test_every_control_at_both_ends_with_short_and_huge_sentences(open_page):
    at = open_page(ATTN)
    for text in ("x", LONGEST):
        at.text_area(key="att_sentence").input(text)
        sen = self_attention.read_sentence(text)
        T = len(sen.tokens)
        assert T == min(len(text.split()), self_attention.MAX_WORDS)
        for end, values in ENDS.items():
            on = end == "high"
            for key, value in values.items():
                getattr(at, KIND[key])(key=key).set_value(value)
            for switch in ("att_scale", "att_causal", "att_positions"):
                at.toggle(key=switch).set_value(on)
            at.run()
            assert_ok(at)
            assert bool(sen.cut) == any("only the first" in w.value for w in at.warning)
            i = T - 1 if on else 0
            if T > 1:
                at.slider(key="att_query").set_value(i).run()
                assert_ok(at)
            d_k, seed = values["att_dk"], values["att_seed"]
            _, sa = core(text, d_k=d_k, seed=seed, positions=on, scale=on, causal=on)
            assert num(sa.steps.weights[i].max()) in latex(at), (T, end)
            n_pos = values["att_n_pos"]
            pe = attention.sinusoidal_positions(n_pos, values["att_pe_dim"])
            assert num(pe[min(i, n_pos - 1), 1]) in latex(at), (T, end)


def test_the_quiz_seed_does_not_follow_the_embedding_seed(open_page):
    """The embedding seed was the key "seed", which is the exercise seed every quiz box reads:
    moving it changed the question, and every student of the lab got quiz seed 0."""

    def quiz_seed(at) -> str:
        link = next(p for p in at.get("page_link") if p.proto.page == "exercises")
        return dict(kv.split("=") for kv in link.proto.query_string.split("&"))["seed"]

    at = open_page(ATTN)
    before = quiz_seed(at)
    assert before != "0"
    at.number_input(key="att_seed").set_value(7).run()
    assert_ok(at)
    assert quiz_seed(at) == before
    assert "seed 7" in shown(at)  # the embeddings follow the lab's own seed
