"""The Text & tokens lab under AppTest: every control moved, numbers checked against the core."""

import pytest
from apptools import assert_ok, chart_titles, charts, latex, shown, widget

from seqviz import batching, bpe
from seqviz.text import Vocab, load_time_machine, normalize_d2l, tokenize

PAGE = "views/text.py"
TM = load_time_machine("d2l", normalize=False)


def own_text(at, text):
    widget(at, "button_group", "text_source").set_value("My own text").run()
    at.text_area(key="text_corpus").input(text).run()
    return at


def test_default_view_counts_the_time_machine(open_page):
    at = open_page(PAGE)
    assert_ok(at)
    assert len(charts(at)) >= 4
    words = tokenize(TM, "word")
    assert f"{len(words):,}" in [m.value for m in at.metric]
    assert f"{len(TM):,}" in [m.value for m in at.metric]
    learned = bpe.learn(TM, 200)
    n_alpha = len(learned.alphabet)
    assert f"{n_alpha}}}_{{\\text{{characters}}}} + \\underbrace{{200}}" in latex(at)
    assert "= 0.00\\%" in latex(at)  # min_freq 0: nothing is <unk>


@pytest.mark.parametrize("level", ["char", "word", "bpe"])
def test_min_freq_gives_the_unk_rate(open_page, level):
    at = open_page(PAGE)
    tokens = (
        bpe.encode(bpe.learn(TM, 500).truncated(200), TM) if level == "bpe" else tokenize(TM, level)
    )
    for min_freq in (0, 5, 20):
        widget(at, "button_group", "text_level").set_value(level)
        at.slider(key="text_min_freq").set_value(min_freq)
        at.run()
        assert_ok(at)
        vocab = Vocab(tokens, min_freq=min_freq)
        n_unk = sum(1 for t in tokens if t not in vocab)
        assert f"{100 * n_unk / len(tokens):.2f}\\%" in latex(at), min_freq
        assert f"V = {len(vocab):,}".replace(",", "{,}") in latex(at), min_freq
        assert any(level in t for t in chart_titles(at)), min_freq


@pytest.mark.parametrize("merges", [0, 500])
def test_bpe_merges_at_both_ends(open_page, merges):
    at = open_page(PAGE)
    at.slider(key="text_merges").set_value(merges).run()
    assert_ok(at)
    assert f"\\underbrace{{{merges}}}_{{\\text{{merges}}}}" in latex(at)


def test_d2l_preprocessing(open_page):
    at = open_page(PAGE)
    at.toggle(key="text_d2l").set_value(True).run()
    assert_ok(at)
    assert f"{len(normalize_d2l(TM)):,}" in [m.value for m in at.metric]


@pytest.mark.parametrize("mode", ["sequential", "random"])
def test_partition_controls(open_page, mode):
    at = open_page(PAGE)
    for B, T, N in [(1, 1, 10), (8, 20, 400), (3, 5, 120)]:
        widget(at, "button_group", "text_part_mode").set_value(mode)
        at.slider(key="text_n_tokens").set_value(N)
        at.slider(key="text_batch_size").set_value(B)
        at.slider(key="text_num_steps").set_value(T)
        at.number_input(key="text_part_seed").set_value(7)
        at.run()
        assert_ok(at)
        part = batching.partition(N, B, T, mode, seed=7)
        if part.num_batches:
            assert f"offset}} = {part.offset}" in latex(at), (B, T, N)
            assert f"batches}} = {part.num_batches}" in latex(at), (B, T, N)
            assert any("partitioning" in t for t in chart_titles(at)), (B, T, N)
        else:
            assert any("not enough" in w.value for w in at.warning), (B, T, N)


@pytest.mark.parametrize(
    "text",
    ["word", "🙂🙂🙂 héllo 世界", "a", "aaaa bbbb aaaa"],
    ids=["one-word", "emoji", "one-char", "repeats"],
)
def test_odd_own_texts(open_page, text):
    at = own_text(open_page(PAGE), text)
    assert_ok(at)
    assert f"{len(text):,}" in [m.value for m in at.metric]


def test_empty_text_gets_a_message(open_page):
    at = own_text(open_page(PAGE), "   ")
    assert not at.exception
    assert "empty" in shown(at)
    assert not charts(at)


def test_huge_text_is_capped_with_a_message(open_page):
    at = own_text(open_page(PAGE), "abc " * 60_000)
    assert_ok(at)
    assert any("200,000" in w.value for w in at.warning)


def test_a_link_reproduces_the_view(open_page):
    at = open_page(
        PAGE, query={"text_level": "char", "text_min_freq": "3", "text_part_mode": "random"}
    )
    assert_ok(at)
    assert widget(at, "button_group", "text_level").value == "char"
    assert at.slider(key="text_min_freq").value == 3
    assert "Random partitioning" in " ".join(chart_titles(at))


def test_check_yourself_and_share_box(open_page):
    at = open_page(PAGE)
    assert_ok(at)
    assert "Check yourself" in shown(at)
    assert at.button(key="check_text_next")
    assert any("Share this view" in e.label for e in at.expander)
    assert len(at.get("download_button")) == 2  # the vocabulary as CSV and JSON


def test_a_choice_the_browser_sends_back_empty_falls_back_to_its_default(open_page):
    """Issue 18: clear "Your text", type, edit again. The empty text stops the page above
    the token-level control; when it comes back the browser mounts it with nothing
    selected and sends that (None) with the next edit, which raised a ValueError."""
    at = own_text(open_page(PAGE), "")
    text = "the time traveller smiled round at us " * 4
    at.text_area(key="text_corpus").input(text).run()
    for key in ("text_level", "text_part_mode"):
        widget(at, "button_group", key).set_value(None)
    at.text_area(key="text_corpus").input(text + "again").run()
    assert_ok(at)
    assert "Frequency vs rank (word level: words only, punctuation marks left out)" in chart_titles(
        at
    )
    assert "Sequential partitioning" in " ".join(chart_titles(at))


@pytest.mark.parametrize(
    "query",
    [{"text_level": "foo"}, {"text_part_mode": "nonsense"}, {"text_source": "elsewhere"}],
    ids=lambda q: next(iter(q)),
)
def test_a_link_with_an_unknown_choice_gets_the_default_and_a_note(open_page, query):
    at = open_page(PAGE, query=query, direct=True)
    assert_ok(at)
    key = next(iter(query))
    assert f"**{key}**: not one of" in "\n".join(i.value for i in at.info)
    assert "Frequency vs rank (word level: words only, punctuation marks left out)" in chart_titles(
        at
    )
    assert "Sequential partitioning" in " ".join(chart_titles(at))
    assert f"{len(TM):,}" in [m.value for m in at.metric]  # The Time Machine, the default


def test_every_control_at_both_ends_then_empty_and_huge_texts(open_page):
    at = own_text(open_page(PAGE), "the time traveller smiled round at us " * 4)
    for kind in ("slider", "number_input"):
        for key in [w.key for w in at.get(kind)]:
            for end in (widget(at, kind, key).min, widget(at, kind, key).max):
                widget(at, kind, key).set_value(end).run()
                assert_ok(at)
    at.text_area(key="text_corpus").input("").run()
    assert not at.exception and "empty" in shown(at)
    huge = "the time traveller smiled round at us " * 264  # 10,032 characters
    at.text_area(key="text_corpus").input(huge).run()
    assert_ok(at)
    assert f"{len(huge):,}" in [m.value for m in at.metric]
