"""seqviz.w2v_tex: the Word2Vec lab's equations carry the step's numbers and escaped words."""

import math

import torch

from seqviz import w2v_tex
from seqviz import word2vec as w2v
from seqviz.latex import num, pnum
from seqviz.latex import word as word_tex

WORDS = ("mining", "web", "data", "for")


def model(seed=0):
    m = w2v.SkipGram(len(WORDS), 3, seed=seed, init="random")
    return m.requires_grad_(False)


def test_context_set_names_every_context_word_with_its_offset():
    tokens = ["a", "b{", "c", "d"]
    line = w2v_tex.context_set(tokens, 1, [0, 2, 3])
    for i, offset in ((0, "-1"), (2, "+1"), (3, "+2")):
        assert f"{word_tex(tokens[i])}_{{{offset}}}" in line
    assert r"x_j = \text{``b\{''}" in line  # the user's brace is escaped


def test_lecture_mode_breaks_a_wide_context_set_into_short_lines():
    tokens = [f"w{i}" for i in range(11)]
    contexts = [i for i in range(11) if i != 5]  # window 5: ten context words
    one_line = w2v_tex.context_set(tokens, 5, contexts)
    stacked = w2v_tex.context_set(tokens, 5, contexts, per_line=3)
    rows = stacked.removeprefix(r"\begin{aligned}").removesuffix(r"\end{aligned}").split(r"\\")
    assert len(rows) == 4 + 1  # 3 + 3 + 3 + 1 words, then the loss H on its own line
    assert all(row.count("_{") <= 3 for row in rows[:-1]) and rows[-1].lstrip().startswith("H")
    for i in contexts:  # the same words and offsets as the one-line form
        term = f"{word_tex(tokens[i])}_{{{i - 5:+d}}}"
        assert term in one_line and term in stacked
    assert one_line.split("H = ")[1] in stacked


def test_softmax_lines_carry_the_steps_numbers():
    m = model()
    step = w2v.softmax_step(m, 0, [1, 2])
    assert w2v_tex.lookup("mining", step.h).endswith(w2v_tex.vec(step.h))
    assert word_tex("mining") in w2v_tex.lookup("mining", step.h)
    terms, values = w2v_tex.cross_entropy(step, WORDS)
    # -log ŷ[c] from an independent log-softmax of h W'
    log_p = torch.log_softmax(m.W[0] @ m.W_out.T, 0)
    for c in (1, 2):
        assert num(math.exp(float(log_p[c]))) in terms and word_tex(WORDS[c]) in terms
        assert num(-log_p[c]) in values
    assert values.endswith(num(-(log_p[1] + log_p[2])))
    gradient = w2v_tex.softmax_gradient(step)
    assert gradient.endswith(w2v_tex.vec(step.dL_du)) and "|C|" in gradient


def test_negative_loss_lines_carry_the_dot_products():
    m = model(1)
    with torch.no_grad():
        m.W_out.copy_(torch.randn(4, 3, generator=torch.Generator().manual_seed(2)))
    noise = w2v.noise_distribution(torch.tensor([3, 2, 2, 1]))
    step = w2v.neg_sampling_step(m, 1, [0, 2], noise, num_negatives=2, seed=5)
    symbols, first, total = w2v_tex.negative_loss(step, WORDS)
    assert word_tex("mining") in symbols and r"\sum_{k=1}^{2}" in symbols
    assert num(float(m.W_out[0] @ m.W[1])) in first  # v'_c · h_j, the first context word
    for n in step.negatives[0].tolist():
        assert rf"\sigma(-{pnum(float(m.W_out[n] @ m.W[1]))})" in first
    assert first.endswith(num(step.losses[0])) and total.endswith(num(step.loss))


def test_analogy_escapes_typed_words():
    line = w2v_tex.analogy("he", "his", "$i", "my", 0.71234)
    assert line.startswith(word_tex("his") + " - " + word_tex("he") + " + ")
    assert r"\$i" in line and line.endswith(r"\ (0.712)")


def test_lookup_names_the_row_by_the_word_s_vocabulary_index_not_its_position():
    """h_j is row w_j of W (the word's id), not row j (its position in the text)."""
    import torch

    tex = w2v_tex.lookup("time", torch.tensor([0.5, -1.0]), index=3)
    assert r"w_j = 3" in tex and r"\text{row } 3 \text{ of } W" in tex
    assert "row j" not in tex
