"""Every pretrained checkpoint: how it is built, and one loader that checks what it reads.

``assets/models/NAME.safetensors`` holds the weights (tensors only: loading it
runs no code) and ``NAME.json`` the record: seed and hyperparameters, vocabulary,
metrics, and the command that rebuilds the weights bit for bit (on the same torch
version, one thread)::

    python -m seqviz.checkpoints list
    python -m seqviz.checkpoints build [NAME ...]      # every checkpoint if no NAME

:data:`REGISTRY` lists them all, each with its training config, its family (how
to train it, make it untrained, and which module holds its tensors) and a
description. :func:`load` checks every tensor of the file against the model the
registry describes — names, shapes, dtypes, finiteness — and names every problem.

Loaded models are in eval mode with gradients off and are shared (the app caches
them for every user): never modify one; train a copy instead.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import safetensors.torch
import torch
from torch import Tensor, nn

from seqviz import (
    bridge,
    lm_training,
    sentiment_training,
    seq2seq_training,
    siamese_training,
    tagger_training,
    training,
    transformer_training,
)
from seqviz.charlm import CharConfig, CharModel
from seqviz.lm import perplexity
from seqviz.tagger import TaggerConfig
from seqviz.text import ASSETS, Vocab, heldout_split, load_time_machine, tokenize

MODELS_DIR = ASSETS / "models"
CORPUS = "The Time Machine (d2l copy), d2l-normalised; first 90% train, last 10% held out"
EVAL_EVERY = 500  # steps between held-out measurements while building


@dataclass(frozen=True)
class Built:
    """A freshly trained checkpoint, before it is written."""

    model: Any  # what load() returns for it
    metrics: dict  # held-out and training measurements
    seconds: float  # wall-clock training time (evaluation included)


@dataclass(frozen=True)
class Family:
    """How to train, create and hold one kind of model."""

    train: Callable[[Any, training.Callback | None], Built]  # config, callback -> trained
    make: Callable[[Any, Vocab | None, int], Any]  # config, vocabulary, seed -> untrained model
    module: Callable[[Any], nn.Module]  # model -> the module whose state_dict is the file
    corpus: bool  # trained on The Time Machine (with its character vocabulary)


@dataclass(frozen=True)
class Checkpoint:
    """One shipped checkpoint."""

    name: str
    description: str
    config: Any  # the training config: seed and every hyperparameter
    family: Family

    @property
    def command(self) -> str:
        return f"python -m seqviz.checkpoints build {self.name}"


# --- the families -------------------------------------------------------------------


def _curve(history: training.History) -> dict:
    return {
        "steps": list(history.eval_steps),
        "perplexity": [round(p, 4) for p in history.heldout],
    }


def _lm_metrics(model, untrained_model, history: training.History, text: str) -> dict:
    train_text, heldout_text = heldout_split(text)
    return {
        "train_perplexity": round(perplexity(model, train_text), 4),
        "heldout_perplexity": round(history.heldout[-1], 4),
        "untrained_heldout_perplexity": round(perplexity(untrained_model, heldout_text), 4),
        "heldout_curve": _curve(history),
    }


def _make_char(config: CharConfig, vocab: Vocab | None, seed: int) -> CharModel:
    return CharModel(config, vocab, seed=seed).eval().requires_grad_(False)


def _train_char(config: CharConfig, callback: training.Callback | None) -> Built:
    text = load_time_machine()
    start = time.perf_counter()
    model, history = lm_training.train(config, text, callback, eval_every=EVAL_EVERY)
    seconds = time.perf_counter() - start
    model.requires_grad_(False)
    fresh = _make_char(config, model.vocab, config.seed)
    return Built(model, _lm_metrics(model, fresh, history, text), seconds)


def _make_transformer(config, vocab: Vocab | None, seed: int):
    return transformer_training.untrained(dataclasses.replace(config, seed=seed), vocab)


def _train_transformer(config, callback: training.Callback | None) -> Built:
    text = load_time_machine()
    start = time.perf_counter()
    lm, history = transformer_training.train(config, text, callback, eval_every=EVAL_EVERY)
    seconds = time.perf_counter() - start
    fresh = _make_transformer(config, lm.vocab, config.seed)
    return Built(lm, _lm_metrics(lm, fresh, history, text), seconds)


def _make_pair(config: bridge.BridgeConfig, _vocab: Vocab | None, seed: int) -> bridge.Pair:
    return bridge.untrained_pair(dataclasses.replace(config, seed=seed))


def _train_pair(config: bridge.BridgeConfig, callback: training.Callback | None) -> Built:
    start = time.perf_counter()
    pair = bridge.train_pair(config, callback)
    seconds = time.perf_counter() - start
    metrics = {
        "lstm_accuracy": round(pair.lstm_accuracy, 4),
        "transformer_accuracy": round(pair.transformer_accuracy, 4),
    }
    return Built(pair, metrics, seconds)


def _train_siamese(config: siamese_training.SiameseConfig, callback) -> Built:
    return Built(*siamese_training.checkpoint_training(config, callback))


def _make_siamese(config: siamese_training.SiameseConfig, _vocab: Vocab | None, seed: int):
    return siamese_training.untrained(dataclasses.replace(config, seed=seed)).requires_grad_(False)


SIAMESE = Family(_train_siamese, _make_siamese, lambda encoder: encoder, corpus=False)


def _train_tagger(config: TaggerConfig, callback: training.Callback | None) -> Built:
    return Built(*tagger_training.build(config, callback))


NER_TAGGER = Family(  # vocabulary rebuilt from assets/ner/train.tsv by the config's min_freq
    _train_tagger,
    lambda config, _vocab, seed: tagger_training.untrained(config, seed).requires_grad_(False),
    lambda model: model,
    corpus=False,
)
CHAR_LM = Family(_train_char, _make_char, lambda model: model, corpus=True)
TRANSFORMER_LM = Family(_train_transformer, _make_transformer, lambda lm: lm.model, corpus=True)
BRIDGE_PAIR = Family(_train_pair, _make_pair, lambda pair: pair.modules(), corpus=False)
SEQ2SEQ = Family(
    lambda config, callback: Built(*seq2seq_training.build(config, callback)),
    lambda config, _vocab, seed: seq2seq_training.untrained(config, seed),
    lambda translator: translator.model,
    corpus=False,
)
SENTIMENT = Family(  # the Sentiment lab's classifiers (seqviz.sentiment_training)
    lambda config, callback: Built(*sentiment_training.build(config, callback)),
    lambda config, _vocab, seed: sentiment_training.untrained(config, seed),
    lambda model: model,
    corpus=False,
)


def _char(name: str, description: str, **config) -> Checkpoint:
    # H = 128 throughout; each takes 1-3 minutes on one thread
    return Checkpoint(name, description, CharConfig(weight_decay=0.1, **config), CHAR_LM)


REGISTRY: dict[str, Checkpoint] = {
    c.name: c
    for c in (
        _char(
            "rnn",
            "vanilla tanh RNN, next-character language model",
            kind="rnn",
            lr=3e-3,
            steps=4000,
        ),
        _char("gru", "GRU, next-character language model", kind="gru", lr=5e-3, steps=1500),
        _char("lstm", "LSTM, next-character language model", kind="lstm", lr=5e-3, steps=2000),
        _char(
            "rnn-2layer",
            "two stacked tanh RNN layers, next-character language model",
            kind="rnn",
            num_layers=2,
            lr=3e-3,
            steps=3000,
        ),
        _char(
            "rnn-3layer",
            "three stacked tanh RNN layers, next-character language model",
            kind="rnn",
            num_layers=3,
            lr=2e-3,
            steps=3000,
        ),
        _char(
            "birnn",
            "bidirectional tanh RNN, fills in a blank character from both sides",
            kind="rnn",
            bidirectional=True,
            objective="blank",
            lr=3e-3,
            steps=3000,
        ),
        Checkpoint(
            "transformer",
            "tiny Transformer (pre-LN, causal), next-character language model",
            transformer_training.TrainConfig(),
            TRANSFORMER_LM,
        ),
        Checkpoint(
            "transformer-bridge-copy",
            "copy task: a Transformer (and an LSTM beside it)",
            bridge.BridgeConfig(task="copy"),
            BRIDGE_PAIR,
        ),
        Checkpoint(
            "transformer-bridge-reverse",
            "reverse task: a Transformer (and an LSTM beside it)",
            bridge.BridgeConfig(task="reverse"),
            BRIDGE_PAIR,
        ),
        Checkpoint(
            "siamese-lstm",
            "Siamese LSTM encoder (shared weights, cosine), triplet loss on SICK duplicates",
            siamese_training.SiameseConfig(),
            SIAMESE,
        ),
        Checkpoint(
            "ner-bilstm", "BiLSTM named-entity tagger (UNER EWT)", TaggerConfig(), NER_TAGGER
        ),
        Checkpoint(
            "ner-lstm",
            "forward-only LSTM named-entity tagger (UNER EWT)",
            TaggerConfig(bidirectional=False),
            NER_TAGGER,
        ),
        *seq2seq_training.checkpoints(Checkpoint, SEQ2SEQ),
        *(
            Checkpoint(name, f"sentiment classifier: {config.kind}", config, SENTIMENT)
            for name, config in sentiment_training.CHECKPOINTS.items()
        ),
    )
}


def entry(name: str) -> Checkpoint:
    """The registry entry ``name``; a clear KeyError for an unknown name."""
    if name not in REGISTRY:
        raise KeyError(f"unknown checkpoint {name!r}; choose from {list(REGISTRY)}")
    return REGISTRY[name]


def char_models() -> dict[str, CharConfig]:
    """name -> config of every recurrent character-model checkpoint."""
    return {n: c.config for n, c in REGISTRY.items() if c.family is CHAR_LM}


# --- reading ------------------------------------------------------------------------


def paths(name: str, directory: Path = MODELS_DIR) -> tuple[Path, Path]:
    """The weights (.safetensors) and the record (.json) of checkpoint ``name``."""
    return directory / f"{name}.safetensors", directory / f"{name}.json"


def available(directory: Path = MODELS_DIR) -> list[str]:
    """Names of the checkpoints whose two files are present, in registry order."""
    return [name for name in REGISTRY if all(p.exists() for p in paths(name, directory))]


def info(name: str, directory: Path = MODELS_DIR) -> dict:
    """The JSON record of checkpoint ``name``: config, vocabulary, metrics, command."""
    path = paths(entry(name).name, directory)[1]
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; run `{entry(name).command}`")
    return json.loads(path.read_text(encoding="utf-8"))


def _vocab(checkpoint: Checkpoint, record: dict | None) -> Vocab | None:
    """The checkpoint's vocabulary: from its record, or rebuilt from the corpus."""
    if not checkpoint.family.corpus:
        return None
    if record is not None:
        return Vocab.from_list(record["vocab"])
    return Vocab(tokenize(load_time_machine(), "char"))  # what build() makes


def untrained(name: str, seed: int = 0, directory: Path = MODELS_DIR) -> Any:
    """The architecture and vocabulary of ``name``, freshly initialised from ``seed``.

    Eval mode, gradients off. Needs no weights file (nor a record: the vocabulary is
    then rebuilt from the corpus, as :func:`build` makes it).
    """
    checkpoint = entry(name)
    record = info(name, directory) if paths(name, directory)[1].exists() else None
    return checkpoint.family.make(checkpoint.config, _vocab(checkpoint, record), seed)


def read_tensors(path: str | Path) -> dict[str, Tensor]:
    """The tensors of a safetensors file; no other format is read (a pickle can run code)."""
    path = Path(path)
    if path.suffix != ".safetensors":
        raise ValueError(
            f"{path}: only .safetensors files are loaded (pickled .pt / .bin files can run code)"
        )
    try:
        return safetensors.torch.load_file(str(path))
    except Exception as error:  # safetensors raises its own error type for a bad header
        raise ValueError(f"cannot read {path} as a safetensors file: {error}") from error


def problems(tensors: dict[str, Tensor], expected: dict[str, Tensor]) -> list[str]:
    """Every way ``tensors`` differ from ``expected``: names, shapes, dtypes, NaN / inf."""
    found = []
    for k, want in expected.items():
        if k not in tensors:
            found.append(f"missing {k} {tuple(want.shape)}")
            continue
        got = tensors[k]
        if got.shape != want.shape:
            found.append(f"{k}: expected shape {tuple(want.shape)}, found {tuple(got.shape)}")
        if got.dtype != want.dtype:
            found.append(f"{k}: expected dtype {want.dtype}, found {got.dtype}")
        elif got.is_floating_point() and not got.isfinite().all():
            found.append(f"{k} holds NaN or inf")
    found += [f"unexpected {k} {tuple(v.shape)}" for k, v in tensors.items() if k not in expected]
    return found


def load_file(name: str, path: str | Path, record: dict | None = None) -> Any:
    """Load weights for checkpoint ``name``'s architecture from a safetensors file.

    Args:
        name: the registry entry whose model the file must fit.
        path: a ``.safetensors`` file (e.g. one a user supplies).
        record: the JSON record to take the vocabulary from (default: the shipped one).

    Raises:
        ValueError: if the file is not safetensors, or a tensor is missing, unexpected,
            has the wrong shape or dtype, or holds NaN / inf (every problem is listed);
            or the record was written for another configuration.
    """
    checkpoint = entry(name)
    record = info(name) if record is None else record
    want = json.loads(json.dumps(dataclasses.asdict(checkpoint.config)))
    if record.get("config") != want:
        raise ValueError(
            f"checkpoint {name} was built with another configuration ({record.get('config')}, "
            f"the registry says {want}); rebuild it with `{checkpoint.command}`"
        )
    model = checkpoint.family.make(checkpoint.config, _vocab(checkpoint, record), 0)
    module = checkpoint.family.module(model)
    tensors = read_tensors(path)
    found = problems(tensors, module.state_dict())
    if found:
        raise ValueError(f"checkpoint {name} ({path}) does not fit the model: " + "; ".join(found))
    module.load_state_dict(tensors, strict=True)
    module.eval().requires_grad_(False)
    return model


def load(name: str, directory: Path = MODELS_DIR) -> Any:
    """The pretrained model ``name`` (eval mode, gradients off; shared: do not modify).

    A :class:`~seqviz.charlm.CharModel`, a Transformer
    :class:`~seqviz.transformer_lm.CharLM` or a :class:`~seqviz.bridge.Pair`.
    """
    weights, _ = paths(entry(name).name, directory)
    record = info(name, directory)
    if not weights.exists():
        raise FileNotFoundError(f"{weights} is missing; run `{entry(name).command}`")
    return load_file(name, weights, record)


# --- building -----------------------------------------------------------------------


def _printer(name: str) -> training.Callback:
    def show(p: training.Progress) -> None:
        if p.step % 250 == 0 or p.step == p.total:
            print(f"  {name} {p.label} step {p.step}/{p.total} loss {p.loss:.3f}", flush=True)

    return show


def build(
    name: str, directory: Path = MODELS_DIR, callback: training.Callback | None = None
) -> dict:
    """Train checkpoint ``name`` and write its two files into ``directory``; returns the record.

    Everything random comes from generators seeded by the config, so the same torch
    version on one thread (``torch.set_num_threads(1)``) writes the same bits.
    """
    checkpoint = entry(name)
    built = checkpoint.family.train(checkpoint.config, callback)
    module = checkpoint.family.module(built.model)
    record = {
        "name": name,
        "description": checkpoint.description,
        "command": checkpoint.command,
        "seed": checkpoint.config.seed,
        "config": dataclasses.asdict(checkpoint.config),
    }
    if checkpoint.family.corpus:
        record["vocab"] = built.model.vocab.idx_to_token
        record["corpus"] = CORPUS
    record |= {
        "metrics": built.metrics,
        "parameters": training.num_parameters(module),
        "torch_version": torch.__version__,
        "num_threads": torch.get_num_threads(),
        "training_seconds": round(built.seconds, 1),
    }
    directory.mkdir(parents=True, exist_ok=True)
    weights, meta = paths(name, directory)
    tensors = {k: v.detach().contiguous() for k, v in module.state_dict().items()}
    safetensors.torch.save_file(tensors, str(weights), metadata={"name": name})
    weights.chmod(0o644)  # readable by the app's server user
    meta.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def headline(record: dict) -> str:
    """The metric a person looks at first, as text."""
    m = record["metrics"]
    if "heldout_entity_f1" in m:
        return f"held-out entity F1 {m['heldout_entity_f1']:.3f}"
    if "heldout_perplexity" in m:
        return f"held-out perplexity {m['heldout_perplexity']:.2f}"
    if "heldout_auc" in m:
        return (
            f"held-out accuracy {m['heldout_accuracy']:.1%} (baseline {m['baseline_accuracy']:.0%})"
        )
    if "measure" in m:  # seq2seq: BLEU or token accuracy against a constant answer
        return f"held-out {m['measure']} {m['heldout']:.3f} (baseline {m['baseline']:.3f})"
    if "heldout_accuracy" in m:
        return (
            f"held-out accuracy {m['heldout_accuracy']:.1%} (majority {m['majority_baseline']:.0%})"
        )
    return f"accuracy {m['transformer_accuracy']:.1%} (LSTM {m['lstm_accuracy']:.1%})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m seqviz.checkpoints", description=__doc__.split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every checkpoint, whether it is installed, its metric")
    build_parser = commands.add_parser("build", help="train checkpoints and write their files")
    build_parser.add_argument("names", nargs="*", metavar="NAME", help="default: all of them")
    build_parser.add_argument("--out", type=Path, default=MODELS_DIR, help="directory to write")
    args = parser.parse_args(argv)
    if args.command == "list":
        installed = available()
        for name, c in REGISTRY.items():
            state = headline(info(name)) if name in installed else "not built"
            print(f"{name:28} {c.description}; {state}")
        return
    unknown = [n for n in args.names if n not in REGISTRY]
    if unknown:
        parser.error(f"unknown checkpoint(s) {unknown}; choose from {list(REGISTRY)}")
    torch.set_num_threads(1)  # the records promise one thread: that is what reproduces the bits
    for name in args.names or list(REGISTRY):
        print(f"building {name}: {REGISTRY[name].config}", flush=True)
        record = build(name, args.out, callback=_printer(name))
        print(f"{name}: {headline(record)}, {record['training_seconds']} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
