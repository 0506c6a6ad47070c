"""The shapes of recurrent models, and where each lab of the app sits among them.

Five ways to wire a sequence model (the lecture's picture):

- one-to-one: one input, one output (no sequence at all);
- one-to-many: one input (or a prompt), a sequence out — generation;
- many-to-one: a sequence in, one output — classification, a Siamese encoder;
- many-to-many, aligned: one output per input — tagging, next-character prediction;
- many-to-many, unaligned: a sequence in, another sequence of its own length out —
  sequence to sequence.

:func:`lab_shapes` lists, for each lab that runs such a model, the tensor shapes of its
model, read from the checkpoint records in ``assets/models`` (their configs, and the
weight shapes in the ``.safetensors`` headers) or from the configs in seqviz. A lab whose
checkpoint is missing is left out. Shapes are unbatched: ``T`` is the input's length,
``T'`` the output's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from safetensors import safe_open

from seqviz.text import ASSETS

KINDS = (
    "one-to-one",
    "one-to-many",
    "many-to-one",
    "many-to-many (aligned)",
    "many-to-many (unaligned)",
)


@dataclass(frozen=True)
class LabShape:
    kind: str  # one of KINDS
    url_path: str  # the lab that runs it (/<url_path>)
    what: str  # the model, in a few words
    shapes: tuple[tuple[str, str], ...]  # (tensor name, shape) from input to output
    source: str  # where the numbers come from (a checkpoint record or a config)


def _record(name: str) -> dict | None:
    path = ASSETS / "models" / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _weight_shape(name: str, tensor: str) -> list[int]:
    """The shape of one tensor of checkpoint ``name``, read from its safetensors header."""
    with safe_open(str(ASSETS / "models" / f"{name}.safetensors"), framework="pt") as f:
        return list(f.get_slice(tensor).get_shape())


def lab_shapes() -> list[LabShape]:
    """Every lab's model shapes, in the order of KINDS (shipped models first)."""
    found: list[LabShape] = []
    from seqviz.w2v_training import TrainConfig  # the Word2Vec lab trains live, from this

    E = TrainConfig().embedding_size
    found.append(
        LabShape(
            "one-to-one",
            "word2vec",
            "skip-gram: one centre word, one context distribution",
            (("one-hot x_j", "(V,)"), ("h_j", f"({E},)"), ("ŷ_j", "(V,)")),
            "seqviz.w2v_training.TrainConfig",
        )
    )
    for name, url, what in (
        ("lstm", "lm", "character LSTM, generating"),
        ("transformer", "transformer", "tiny Transformer, generating"),
    ):
        r = _record(name)
        if r is None:
            continue
        V = len(r["vocab"])
        H = r["config"].get("hidden_size", r["config"].get("d_model"))
        found.append(
            LabShape(
                "one-to-many",
                url,
                what,
                (("prompt", "(1,)"), ("state", f"(T', {H})"), ("p(next)", f"(T', {V})")),
                f"assets/models/{name}.json",
            )
        )
    r = _record("sent-lstm")
    if r is not None:
        H = r["config"]["hidden_size"]
        Z = _weight_shape("sent-lstm", "out.weight")[0]  # one logit, P(positive) = σ(z)
        found.append(
            LabShape(
                "many-to-one",
                "sentiment",
                "LSTM review classifier: one P(positive) per sentence",
                (("words x", "(T,)"), ("h_t", f"(T, {H})"), ("h_T", f"({H},)"), ("z", f"({Z},)")),
                "assets/models/sent-lstm.json",
            )
        )
    r = _record("siamese-lstm")
    if r is not None:
        H = _weight_shape("siamese-lstm", "lstm.weight_hh_l0")[1]
        found.append(
            LabShape(
                "many-to-one",
                "siamese",
                "Siamese LSTM encoder: one vector per sentence, the same weights for both",
                (
                    ("words x", "(T,)"),
                    ("h_t", f"(T, {H})"),
                    ("v = h_T", f"({H},)"),
                    ("cos", "(1,)"),
                ),
                "assets/models/siamese-lstm.json",
            )
        )
    r = _record("ner-bilstm")
    if r is not None:
        c = r["config"]
        D, H = c["embedding_size"] + c["shape_size"], c["hidden_size"]
        found.append(
            LabShape(
                "many-to-many (aligned)",
                "tagging",
                "BiLSTM tagger: one tag per word",
                (
                    ("words x", "(T,)"),
                    ("e_t", f"(T, {D})"),
                    ("[h→; h←]", f"(T, 2·{H})"),
                    ("z_t", "(T, 7)"),
                ),
                "assets/models/ner-bilstm.json",
            )
        )
    r = _record("rnn")
    if r is not None:
        V, H = len(r["vocab"]), r["config"]["hidden_size"]
        found.append(
            LabShape(
                "many-to-many (aligned)",
                "rnn",
                "RNN: the next character after each one",
                (("one-hot x", f"(T, {V})"), ("h_t", f"(T, {H})"), ("p(x_t+1)", f"(T, {V})")),
                "assets/models/rnn.json",
            )
        )
    r = _record("s2s-fra-additive")
    if r is not None:
        H = r["config"]["hidden_size"]
        V_out = _weight_shape("s2s-fra-additive", "out.weight")[0]  # target vocabulary
        found.append(
            LabShape(
                "many-to-many (unaligned)",
                "seq2seq",
                "GRU encoder-decoder with attention, English → French",
                (
                    ("source x", "(T,)"),
                    ("encoder h", f"(T, {H})"),
                    ("decoder s", f"(T', {H})"),
                    ("p(y_t')", f"(T', {V_out})"),
                ),
                "assets/models/s2s-fra-additive.json",
            )
        )
    return sorted(found, key=lambda s: KINDS.index(s.kind))
