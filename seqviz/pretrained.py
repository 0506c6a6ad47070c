"""Small pretrained character-level models of *The Time Machine*.

Every checkpoint in ``assets/models/`` is reproducible with::

    python -m seqviz.pretrained            # all models
    python -m seqviz.pretrained --only lstm

which trains each model with :func:`seqviz.charlm.train` on the d2l-normalised
text and writes ``NAME.safetensors`` (weights) and ``NAME.json`` (config, seed,
hyperparameters, vocabulary, perplexities, the command, torch version, time).

Loaded models are in eval mode with gradients off and are shared (pages cache
them for every user): never modify one; train a copy instead.

Dimension letters: ``V`` vocabulary size, ``H`` hidden size, ``L`` layers.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from seqviz.charlm import CharConfig, CharModel, perplexity, train
from seqviz.text import ASSETS, Vocab, load_time_machine

MODELS_DIR = ASSETS / "models"

# The checkpoints, in the order they are trained (H = 128 throughout); each takes 1-3
# minutes on one thread.
MODELS: dict[str, CharConfig] = {
    "rnn": CharConfig(kind="rnn", lr=3e-3, steps=4000, weight_decay=0.1),
    "gru": CharConfig(kind="gru", lr=5e-3, steps=1500, weight_decay=0.1),
    "lstm": CharConfig(kind="lstm", lr=5e-3, steps=2000, weight_decay=0.1),
    "rnn-2layer": CharConfig(kind="rnn", num_layers=2, lr=3e-3, steps=3000, weight_decay=0.1),
    "rnn-3layer": CharConfig(kind="rnn", num_layers=3, lr=2e-3, steps=3000, weight_decay=0.1),
    "birnn": CharConfig(
        kind="rnn", bidirectional=True, objective="blank", lr=3e-3, steps=3000, weight_decay=0.1
    ),
}

DESCRIPTIONS: dict[str, str] = {
    "rnn": "vanilla tanh RNN, next-character language model",
    "gru": "GRU, next-character language model",
    "lstm": "LSTM, next-character language model",
    "rnn-2layer": "two stacked tanh RNN layers, next-character language model",
    "rnn-3layer": "three stacked tanh RNN layers, next-character language model",
    "birnn": "bidirectional tanh RNN, fills in a blank character from both sides",
}


def _paths(name: str) -> tuple[Path, Path]:
    return MODELS_DIR / f"{name}.safetensors", MODELS_DIR / f"{name}.json"


def _check_name(name: str) -> None:
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; choose from {list(MODELS)}")


def available() -> list[str]:
    """Names of the pretrained models whose files are present, in ``MODELS`` order."""
    return [name for name in MODELS if all(p.exists() for p in _paths(name))]


def info(name: str) -> dict:
    """The model's JSON record: config, vocabulary, perplexities, command, timings."""
    _check_name(name)
    _, meta_path = _paths(name)
    if not meta_path.exists():
        raise FileNotFoundError(f"{meta_path} is missing; run `python -m seqviz.pretrained`")
    return json.loads(meta_path.read_text(encoding="utf-8"))


def _build(meta: dict, seed: int) -> CharModel:
    """An untrained CharModel with the architecture and vocabulary recorded in ``meta``."""
    config = CharConfig(**meta["config"])
    vocab = Vocab.from_list(meta["vocab"])
    return CharModel(config, vocab, seed=seed)


def _freeze(model: CharModel) -> CharModel:
    model.eval()
    model.requires_grad_(False)
    return model


def untrained(name: str, seed: int = 0) -> CharModel:
    """The same architecture and vocabulary as ``name``, freshly initialised.

    PyTorch's default initialisation drawn from a generator seeded with ``seed``
    (see :func:`seqviz.charlm.init_parameters`); eval mode, gradients off.
    """
    return _freeze(_build(info(name), seed))


def untrained_like(model: CharModel, seed: int = 0) -> CharModel:
    """A freshly initialised copy of ``model``'s architecture and vocabulary."""
    return _freeze(CharModel(model.config, model.vocab, seed=seed))


def load_checkpoint(path: str | Path, meta: dict) -> CharModel:
    """Load weights from a safetensors file (no code is executed) into the model ``meta`` describes.

    Raises:
        ValueError: if the file is not safetensors, or a tensor is missing, unexpected,
            has the wrong shape or holds NaN/inf.
    """
    model = _build(meta, seed=0)
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    try:
        tensors = load_file(str(path))
    except Exception as error:  # safetensors raises its own error type for a bad header
        raise ValueError(f"cannot read {path} as a safetensors file: {error}") from error
    got = {k: tuple(v.shape) for k, v in tensors.items()}
    problems = [f"missing {k} {s}" for k, s in expected.items() if k not in got]
    problems += [f"unexpected {k} {s}" for k, s in got.items() if k not in expected]
    problems += [
        f"{k}: expected shape {expected[k]}, found {got[k]}"
        for k in expected
        if k in got and got[k] != expected[k]
    ]
    problems += [f"{k} holds NaN or inf" for k, v in tensors.items() if not v.isfinite().all()]
    if problems:
        raise ValueError(f"checkpoint {path} does not fit the model: " + "; ".join(problems))
    model.load_state_dict(tensors, strict=True)
    return _freeze(model)


def load(name: str) -> CharModel:
    """The pretrained model ``name`` (eval mode, gradients off). Do not modify it."""
    weights_path, _ = _paths(name)
    meta = info(name)
    if not weights_path.exists():
        raise FileNotFoundError(f"{weights_path} is missing; run `python -m seqviz.pretrained`")
    return load_checkpoint(weights_path, meta)


def build(name: str, command: str) -> dict:
    """Train model ``name`` and write its two files. Returns the JSON record."""
    _check_name(name)
    config = MODELS[name]
    text = load_time_machine()

    def progress(step: int, total: int, loss: float) -> None:
        if step % 250 == 0 or step == total:
            print(f"  {name} step {step}/{total} loss {loss:.3f}", flush=True)

    model, history = train(config, text, callback=progress, eval_every=500)
    meta = {
        "name": name,
        "description": DESCRIPTIONS[name],
        "config": dataclasses.asdict(config),
        "vocab": model.vocab.idx_to_token,
        "corpus": "The Time Machine (d2l copy), d2l-normalised; first 90% train, last 10% held out",
        "train_perplexity": round(history.train_ppl, 4),
        "heldout_perplexity": round(history.heldout_ppl[-1], 4),
        "untrained_heldout_perplexity": round(
            perplexity(untrained_like(model), text[int(len(text) * 0.9) :]), 4
        ),
        "heldout_curve": {
            "steps": list(history.eval_steps),
            "perplexity": [round(p, 4) for p in history.heldout_ppl],
        },
        "command": command,
        "torch_version": torch.__version__,
        "num_threads": torch.get_num_threads(),
        "training_seconds": round(history.seconds, 1),
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    weights_path, meta_path = _paths(name)
    tensors = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, str(weights_path), metadata={"name": name})
    weights_path.chmod(0o644)  # readable by the app's server user
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=list(MODELS), action="append", help="model(s) to train")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    for name in args.only or list(MODELS):
        start = time.perf_counter()
        print(f"training {name}: {MODELS[name]}", flush=True)
        # each model depends only on its own config and seed, so this reproduces it exactly
        meta = build(name, f"python -m seqviz.pretrained --only {name}")
        print(
            f"{name}: held-out perplexity {meta['heldout_perplexity']}, "
            f"train {meta['train_perplexity']}, {time.perf_counter() - start:.0f}s",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
