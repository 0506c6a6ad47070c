"""Exercises for the tagging lab, on the trained BiLSTM tagger (``ner-bilstm``): a tag's
logit from its forward and backward parts, the softmax over the tags, entity-level F1 of
a held-out sentence, and the BiLSTM's parameter count — every number read off the model
or the data.

Dimensions: T words, D input size (word + shape embedding), H units per direction, K tags.
"""

from __future__ import annotations

import math

from seqviz import ner_data, spans, tagger
from seqviz.exercises import Context, Exercise, fmt
from seqviz.ner_data import TAGS

MODEL = "ner-bilstm"
SENTENCES = (
    "Teddy Roosevelt was a president of the United States .",
    "I flew from London to New York with British Airways .",
    "Mary works for Google in California .",
)


def _reading(ctx: Context) -> tagger.Reading:
    words = tagger.words_of(ctx.text or "")[: tagger.MAX_WORDS]
    if not words:
        words = tagger.words_of(ctx.rng.choice(SENTENCES))
    return tagger.read(ctx.load(MODEL), words)


def _word(ctx: Context, r: tagger.Reading) -> int:
    n = len(r.words)
    if isinstance(ctx.t, int) and 0 <= ctx.t < n:
        return ctx.t
    return ctx.rng.randrange(n)


def logit_split(ctx: Context) -> Exercise:
    """z_{t,k} = W→_k h→_t + W←_k h←_t + b_k from the three parts."""
    r = _reading(ctx)
    i = _word(ctx, r)
    k = ctx.rng.randrange(len(TAGS))
    f, b, c = float(r.fwd_part[i, k]), float(r.bwd_part[i, k]), float(r.bias[k])
    z = float(r.logits[i, k])
    return Exercise(
        title="A tag's logit from both directions",
        prompt=f"The BiLSTM reads “{' '.join(r.words)}”. At word {i + 1} (`{r.words[i]}`), for "
        f"the tag `{TAGS[k]}`: the forward part $W^{{\\rightarrow}}_k \\overrightarrow{{h}}_{{{i + 1}}}"
        f" = {f:.3f}$, the backward part $W^{{\\leftarrow}}_k \\overleftarrow{{h}}_{{{i + 1}}} = "
        f"{b:.3f}$ and the bias $b_k = {c:.3f}$. What is the logit $z_{{{i + 1},k}}$? (2 decimals)",
        kind="number",
        answer=z,
        tolerance=0.011,
        hint="The linear layer reads [h→; h←]: its weight matrix splits into the columns that "
        "meet h→ and those that meet h←, so the logit is a plain sum.",
        solution=f"$z = {f:.3f} + ({b:.3f}) + ({c:.3f}) = {z:.4f}$ — the model's own logit.",
        numbers={"forward": f, "backward": b, "bias": c, "t": i + 1},
    )


def tag_softmax(ctx: Context) -> Exercise:
    """p(y_t = k) from the word's K logits."""
    r = _reading(ctx)
    i = _word(ctx, r)
    k = int(r.probs[i].argmax())
    z = [float(v) for v in r.logits[i]]
    p = float(r.probs[i, k])
    listed = ", ".join(f"`{t}` {v:.2f}" for t, v in zip(TAGS, z, strict=True))
    return Exercise(
        title="Tag probability from the logits",
        prompt=f"At word {i + 1} (`{r.words[i]}`) of “{' '.join(r.words)}” the BiLSTM's logits "
        f"are {listed}. What probability does it give `{TAGS[k]}`? (2 decimals)",
        kind="number",
        answer=p,
        tolerance=0.011,
        hint="Softmax: e to each logit, divided by the sum of all seven.",
        solution=f"$p = e^{{{z[k]:.2f}}} / \\sum_j e^{{z_j}} = {math.exp(z[k]):.3f} / "
        f"{sum(math.exp(v) for v in z):.3f} = {p:.4f}$.",
        numbers={"p": p, "t": i + 1},
    )


def span_f1(ctx: Context) -> Exercise:
    """Entity-level F1 of the tagger on one held-out sentence with entities."""
    heldout = [
        s for s in ner_data.load("heldout") if 1 <= len(spans.spans(s.tags)) and len(s.words) <= 20
    ]
    model = ctx.load(MODEL)
    s = ctx.rng.choice(heldout)
    pred = tagger.read(model, s.words).tags
    score = spans.score([list(s.tags)], [pred])
    rows = " · ".join(f"{w} `{g}`/`{p}`" for w, g, p in zip(s.words, s.tags, pred, strict=True))
    return Exercise(
        title="Entity F1 of one sentence",
        prompt=f"A held-out sentence, each word with its gold tag / the BiLSTM's tag: {rows}. "
        "What is the entity-level F1 on this sentence (a span counts only with the same type, "
        "first and last word)? (2 decimals)",
        kind="number",
        answer=score.f1,
        tolerance=0.011,
        hint="Read the spans of each tag sequence (B- starts one, I- of the same type "
        "continues it), count the exact matches, then P = correct / predicted, "
        "R = correct / gold, F1 = 2PR / (P + R) (0 if nothing is correct).",
        solution=f"{score.correct} correct of {score.predicted} predicted and {score.gold} gold "
        f"spans: P = {fmt(score.precision)}, R = {fmt(score.recall)}, F1 = {fmt(score.f1)}.",
        numbers={"correct": score.correct, "predicted": score.predicted, "gold": score.gold},
    )


def params(ctx: Context) -> Exercise:
    """Parameters of the BiLSTM layer: 2 directions × 4 gates × (H·D + H·H + 2H)."""
    model = ctx.load(MODEL)
    D, H = model.lstm.input_size, model.lstm.hidden_size
    n = sum(p.numel() for p in model.lstm.parameters())
    return Exercise(
        title="Parameters of a BiLSTM",
        prompt=f"The tagger's BiLSTM reads inputs of D = {D} numbers with H = {H} units per "
        "direction (PyTorch keeps two bias vectors per gate). How many numbers does the BiLSTM "
        "layer store (both directions)?",
        kind="number",
        answer=float(n),
        hint="Each direction has 4 gates; each gate has W_x (H × D), W_h (H × H) and two "
        "biases of H.",
        solution=f"$2 \\times 4 \\times ({H}\\cdot{D} + {H}\\cdot{H} + 2\\cdot{H}) = {n}$.",
        numbers={"D": D, "H": H},
    )


GENERATORS = {
    "tag.split": logit_split,
    "tag.softmax": tag_softmax,
    "tag.f1": span_f1,
    "tag.params": params,
}
