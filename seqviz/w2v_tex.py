"""LaTeX for the Word2Vec lab: the window's loss, one network step and an analogy, each
with its real numbers.

Only formatting: every number is read from a :class:`seqviz.word2vec.SoftmaxStep` or
:class:`seqviz.word2vec.NegSamplingStep` (or given), and every word goes through
:func:`seqviz.latex.word`, so whatever a student typed shows as itself.

Dimension letters: ``V`` words, ``E`` embedding size, ``C`` context words of the centre.
"""

from __future__ import annotations

from collections.abc import Sequence

from seqviz.latex import num, pnum
from seqviz.latex import word as word_tex
from seqviz.word2vec import CbowStep, NegSamplingStep, SoftmaxStep

__all__ = [
    "vec",
    "context_set",
    "lookup",
    "SOFTMAX",
    "cross_entropy",
    "softmax_gradient",
    "negative_loss",
    "cbow",
    "analogy",
]

SOFTMAX = (
    r"\hat y_j = \operatorname{softmax}(u_j), \qquad "
    r"\hat y_j[w] = \frac{e^{u_j[w]}}{\sum_{v} e^{u_j[v]}}"
)
"""The softmax over the vocabulary, in symbols."""


def vec(values) -> str:
    """A vector as [a,\\ b,\\ c] with three decimals."""
    return r"[" + r",\ ".join(num(v) for v in values) + r"]"


def context_set(
    tokens: Sequence[str], j: int, contexts: Sequence[int], per_line: int | None = None
) -> str:
    """The centre's context set C, each word with its offset i − j, and the loss over it.

    One line; or, with ``per_line`` (lecture mode's large type), C with at most that many
    words a line and the loss H on a line of its own, so a wide window still fits.
    """
    words = [rf"{word_tex(tokens[i])}_{{{i - j:+d}}}" for i in contexts]
    loss = rf"-\sum_{{c \in C}} \log p(x_c \mid x_j = {word_tex(tokens[j])})"
    if per_line is None:
        return r"C = \{ " + r",\ ".join(words) + rf" \}} \qquad H = {loss}"
    lines = [r",\ ".join(words[k : k + per_line]) for k in range(0, len(words), per_line)]
    return (
        r"\begin{aligned} C &= \{ "
        + r", \\ &\phantom{= \{}\ ".join(lines)
        + rf" \}} \\ H &= {loss} \end{{aligned}}"
    )


def lookup(word: str, h, index: int | None = None) -> str:
    """x_j = onehot(w_j) -> h_j = x_j W = W[w_j] = the word's row of W.

    j is the centre's position in the text; w_j is the word's vocabulary index (shown
    when ``index`` is given), and that is the row the one-hot picks."""
    w = word_tex(word)
    idx = "" if index is None else rf"w_j = {index}:\ "
    row = "" if index is None else rf"\text{{row }} {index} \text{{ of }} W"
    return (
        rf"{idx}x_j = \text{{onehot}}({w}) \;\to\; h_j = x_j W = W[w_j] = "
        + (rf"{row} = " if row else "")
        + vec(h)
    )


def cross_entropy(step: SoftmaxStep, words: Sequence[str]) -> list[str]:
    """H as a sum of one cross-entropy per context word, then its value (two lines)."""
    terms = " + ".join(
        rf"\underbrace{{(-\log {num(step.y_hat[c])})}}_{{{word_tex(words[c])}}}"
        for c in step.contexts
    )
    values = " + ".join(num(v) for v in step.losses)
    return [
        rf"H = -\sum_{{c \in C}} \log \hat y_j[x_c] = {terms}",
        rf"H = {values} = {num(step.loss)}",
    ]


def softmax_gradient(step: SoftmaxStep) -> str:
    """∂H/∂u_j = |C| ŷ_j − Σ_c onehot(c), with its values."""
    return (
        r"\frac{\partial H}{\partial u_j} = |C|\,\hat y_j - \sum_{c\in C} \text{onehot}(c) = "
        + vec(step.dL_du)
    )


def negative_loss(step: NegSamplingStep, words: Sequence[str]) -> list[str]:
    """The negative-sampling loss of the first context word in symbols, then with its dot
    products, then the sum over every context word (three lines)."""
    K = step.negatives.shape[1]
    c0 = word_tex(words[step.contexts[0]])
    negs = " ".join(rf"- \log \sigma(-{pnum(step.neg_dot[0, m])})" for m in range(K))
    return [
        rf"L_{{{c0}}} = -\log \sigma(v'_{{{c0}}} \cdot h_j) "
        rf"- \sum_{{k=1}}^{{{K}}} \log \sigma(-v'_{{n_k}} \cdot h_j)",
        rf"= -\log \sigma({num(step.pos_dot[0])}) {negs} = {num(step.losses[0])}",
        rf"L = \sum_{{c \in C}} L_c = {' + '.join(num(v) for v in step.losses)} = {num(step.loss)}",
    ]


def cbow(step: CbowStep, words: Sequence[str]) -> list[str]:
    """CBOW on one window: the mean of the context rows, the loss of predicting the centre
    (negative sampling: in symbols, then with its dot products) and the share of the
    gradient each context row gets (three or four lines)."""
    C = len(step.contexts)
    rows = " + ".join(rf"W[{word_tex(words[c])}]" for c in step.contexts)
    centre = word_tex(words[step.center])
    if step.objective == "softmax":
        loss = [
            rf"H = -\log \hat y_j[{centre}] = -\log \operatorname{{softmax}}(h_j W')[{centre}] "
            rf"= -\log {num(step.score[0])} = {num(step.loss)}"
        ]
    else:
        negs = " ".join(rf"- \log \sigma(-{pnum(u)})" for u in step.u[1:])
        loss = [
            rf"L = -\log \sigma(v'_{{{centre}}} \cdot h_j) "
            rf"- \sum_{{k=1}}^{{{len(step.u) - 1}}} \log \sigma(-v'_{{n_k}} \cdot h_j)",
            rf"= -\log \sigma({num(step.u[0])}) {negs} = {num(step.loss)}",
        ]
    return [
        rf"h_j = \frac{{1}}{{|C|}} \sum_{{c \in C}} W[w_c] = \frac{{1}}{{{C}}}({rows}) = "
        + vec(step.h),
        *loss,
        rf"\frac{{\partial L}}{{\partial W[w_c]}} = \frac{{1}}{{{C}}} \frac{{\partial L}}{{\partial h_j}} = "
        + vec(step.grad_h / C)
        + r" \quad \text{for each context word}",
    ]


def analogy(a: str, b: str, c: str, answer: str, cosine: float) -> str:
    """b − a + c ≈ answer (its cosine similarity)."""
    return rf"{word_tex(b)} - {word_tex(a)} + {word_tex(c)} \approx {word_tex(answer)}\ ({num(cosine)})"
