"""seqviz.attention_latex: every number in the equations is the core's, user text is escaped."""

import math
import re

import pytest
import torch

from seqviz import attention, self_attention
from seqviz import attention_latex as tex
from seqviz.latex import num

SENTENCE = "the time traveller held in his hand a glittering metallic framework"
SPECIAL = "{}\\^_$%&#~"


def one_pass(text=SENTENCE, d_k=8, seed=0, scale=True, causal=False, positions=True):
    s = self_attention.read_sentence(text)
    w = self_attention.random_weights(len(self_attention.word_vocab()), 16, d_k, seed)
    return s, self_attention.self_attention(
        s.ids, w, positions=positions, scale=scale, causal=causal
    )


def balanced(latex: str) -> bool:
    """Braces balance once the escaped ones (\\{ \\}) are taken out."""
    depth = 0
    for c in re.sub(r"\\[{}]", "", latex):
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth < 0:
            return False
    return depth == 0


def test_the_score_equation_writes_out_the_dot_product_of_q_and_k():
    _, sa = one_pass()
    i = 3
    line = tex.scores(sa.steps, sa.Q, sa.K, i)
    # s_{i,0} = q_i · k_0, recomputed here from Q and K
    assert num(torch.dot(sa.Q[i], sa.K[0])) in line
    for a, b in zip(sa.Q[i, :3].tolist(), sa.K[0, :3].tolist(), strict=True):
        assert num(a).lstrip("-") in line and num(b).lstrip("-") in line
    assert balanced(line)


@pytest.mark.parametrize("d_k", [2, 64])
def test_scaling_divides_by_the_square_root_of_d_k(d_k):
    _, sa = one_pass(d_k=d_k)
    line = tex.scaled(sa.steps, 1, d_k)
    assert rf"\sqrt{{{d_k}}}" in line and num(math.sqrt(d_k)) in line
    assert num(sa.steps.scores[1, 0] / math.sqrt(d_k)) in line
    _, raw = one_pass(d_k=d_k, scale=False)
    assert "scaling off" in tex.scaled(raw.steps, 1, d_k)


def test_softmax_and_entropy_lines_hold_the_core_weights():
    _, sa = one_pass(causal=True)
    i = 4
    row = torch.softmax(sa.steps.masked[i], dim=-1)  # PyTorch's own softmax of the row
    line = tex.softmax(sa.steps, i)
    assert rf"\mathbf{{{num(row.max())}}}" in line
    assert num(1.0) in line  # the row sums to 1
    p = row[row > 0]
    assert num(-(p * p.log()).sum()) in tex.entropy(sa.steps, i)
    assert num(math.log(i + 1)) in tex.entropy(sa.steps, i)  # word i may see i + 1 words
    assert "future words hidden" in tex.masked(sa.steps, i, causal=True)
    assert all(balanced(f(sa.steps, i)) for f in (tex.softmax, tex.entropy))


def test_the_output_is_the_weighted_sum_of_the_values():
    _, sa = one_pass()
    i = 2
    line = tex.output(sa.steps, sa.V, i)
    out = sa.steps.weights[i] @ sa.V  # out_i = Σ_j α_ij v_j
    assert num(out[0]) in line
    assert num(sa.steps.weights[i].max()) in line


def test_sinusoids_follow_the_formula():
    pe = attention.sinusoidal_positions(10, 8)
    line = tex.sinusoids(pe, 7)
    assert num(math.sin(7)) in line and num(math.cos(7)) in line
    assert balanced(line)


def test_order_difference_shows_both_tests():
    s, _ = one_pass()
    w = self_attention.random_weights(len(self_attention.word_vocab()), 16, 8, 0)
    off = self_attention.order_test(s.ids, w, positions=False, seed=1)
    on = self_attention.order_test(s.ids, w, positions=True, seed=1)
    line = tex.order_difference(off, on)
    assert f"{on.max_difference:.3f}" in line and balanced(line)


@pytest.mark.parametrize("token", ["{", "}", "\\", "^", "_", "$", "%", "&", "#", "a{b}c", "🙂"])
def test_a_typed_word_with_tex_specials_stays_text(token):
    _, sa = one_pass("the time machine")
    line = tex.embedding(sa, 1, token)
    assert balanced(line)
    words = re.findall(r"\\text\{``(.*?)''\}", line)
    assert words, line
    for body in words:
        bare = re.sub(r"\\text(backslash|asciicircum|asciitilde)\{\}|\\[{}$%&#_]", "", body)
        assert not set(bare) & set(SPECIAL), body


def test_several_heads_write_each_heads_numbers_the_concat_and_w_o():
    from seqviz import attention, attention_heads
    from seqviz.latex import num

    s = self_attention.read_sentence("the time traveller held in his hand")
    w = attention_heads.random_heads(len(self_attention.word_vocab()), 16, 4, 2)
    X = w.E[s.ids] + attention.sinusoidal_positions(len(s.ids), 16)
    hs = attention_heads.self_attention_heads(X, w, causal=True)
    i = 3
    for h in range(4):
        proj = tex.head_projections(hs, h, i)
        assert f"q^{{({h + 1})}}_{{{i}}}" in proj and num(hs.Q[h, i, 0]) in proj
        assert "b_q" not in proj  # the random heads have no biases
        out = tex.head_output(hs, h, i)
        assert num(hs.steps.weights[h, i].max()) in out and num(hs.steps.out[h, i, 0]) in out
    cat = tex.concat(hs, i)
    assert r"4 \times 4 = 16" in cat and num(hs.concat[i, 0]) in cat
    assert num(hs.concat[i, 4]) == num(hs.steps.out[1, i, 0]) and num(hs.concat[i, 4]) in cat
    proj = tex.output_projection(hs, i)
    assert num(hs.out[i, 0]) in proj and "b_o" not in proj
    first = sum(float(hs.concat[i, r] * hs.W_o[r, 0]) for r in range(16))
    assert num(first) == num(hs.out[i, 0])  # the written-out sum is the value shown


def test_the_trained_source_writes_the_layer_norm_the_biases_and_escaped_characters():
    from seqviz import attention_heads, attention_trained, checkpoints

    lm = checkpoints.load("transformer")
    s = attention_trained.read_text(lm, "a {b}")
    sa = attention_trained.first_layer_head(lm, s.ids, 0)
    eq = tex.embedding(sa, 2, s.tokens[2])
    assert r"\operatorname{LN}_1" in eq and "␣" not in s.tokens[2]
    assert tex_balanced(eq)
    assert all("+ b_" in line for line in tex.projections(sa, 1))
    hs = attention_trained.first_layer_heads(lm, s.ids)
    assert isinstance(hs, attention_heads.Heads)
    assert "b_q^{(2)}" in tex.head_projections(hs, 1, 1)
    assert "+ b_o" in tex.output_projection(hs, 1)


def tex_balanced(eq: str) -> bool:
    depth = 0
    for c in eq.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth < 0:
            return False
    return depth == 0


def test_a_causal_row_names_its_masked_weights_instead_of_printing_zeros():
    s = self_attention.read_sentence("the time traveller held in his hand")
    w = self_attention.random_weights(len(self_attention.word_vocab()), 16, 8, 0)
    sa = self_attention.self_attention(s.ids, w, causal=True)
    eq = tex.softmax(sa.steps, 1)
    T = len(s.tokens)
    assert rf"\text{{then {T - 2} masked (}}-\infty \to 0" in eq
    row = eq.split(r"\alpha_{1,:} = ")[1].split(r"\ \text{then")[0]
    assert row.count(",") == 1  # the two allowed weights only
    open_row = tex.softmax(self_attention.self_attention(s.ids, w).steps, 1)
    assert "masked" not in open_row
