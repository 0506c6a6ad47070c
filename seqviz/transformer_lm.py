"""The tiny Transformer as a character-level language model of *The Time Machine*.

Training, perplexity, sampling with temperature and top-k, and the pretrained
checkpoint. The checkpoint ``assets/models/transformer.safetensors`` (weights)
and ``transformer.json`` (config, vocabulary, perplexities, command) is
reproduced exactly by::

    python -m seqviz.transformer_lm

Loaded models are in eval mode with gradients off and are shared by every user
of the app: never modify one; train a new one instead.

Dimension letters: ``T`` time, ``B`` batch, ``V`` vocabulary, ``E`` model size.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import Tensor

from seqviz.text import ASSETS, UNK, Vocab, load_time_machine, tokenize
from seqviz.transformer import TinyTransformer, TransformerConfig, num_parameters

NAME = "transformer"
MODELS_DIR = ASSETS / "models"


@dataclass(frozen=True)
class TrainConfig:
    """How to train a character-level :class:`TinyTransformer`."""

    d_model: int = 64  # E
    n_heads: int = 4  # nh
    n_layers: int = 2  # L
    d_ff: int = 256  # F
    context: int = 128  # longest input the model can read
    positions: str = "sinusoidal"  # "sinusoidal" | "learned" | "none"
    norm: str = "pre"  # "pre" | "post"
    seq_len: int = (
        128  # T of one training window (<= context; positions beyond it are never trained)
    )
    batch_size: int = 16  # B
    lr: float = 3e-3  # peak AdamW learning rate
    warmup: int = 100  # steps of linear warm-up, then cosine decay to lr / 10
    steps: int = 3000  # optimiser steps
    weight_decay: float = 0.1  # decoupled (AdamW), on matrices only
    clip: float = 1.0  # max global gradient norm
    seed: int = 0  # initialisation and window sampling

    def model_config(self, vocab_size: int) -> TransformerConfig:
        return TransformerConfig(
            vocab_size=vocab_size,
            d_model=self.d_model,
            n_heads=self.n_heads,
            n_layers=self.n_layers,
            d_ff=self.d_ff,
            context=self.context,
            positions=self.positions,
            norm=self.norm,
            seed=self.seed,
        )


@dataclass(frozen=True)
class CharLM:
    """A :class:`TinyTransformer` with its character vocabulary."""

    model: TinyTransformer
    vocab: Vocab
    config: TrainConfig

    def encode(self, text: str) -> tuple[list[str], Tensor, list[bool]]:
        """Lower-cased characters, their ids (T,) and which ones are not in the vocabulary."""
        chars = tokenize(text.lower(), "char")
        unknown = [c not in self.vocab for c in chars]
        tokens = [UNK if u else c for c, u in zip(chars, unknown, strict=True)]
        return tokens, torch.tensor(self.vocab[tokens], dtype=torch.long), unknown


def split(text: str) -> tuple[str, str]:
    """First 90% for training, last 10% held out (as for the recurrent models)."""
    cut = int(len(text) * 0.9)
    return text[:cut], text[cut:]


@torch.no_grad()
def perplexity(lm: CharLM, text: str) -> float:
    """exp(mean cross-entropy) of next-character prediction on ``text``.

    The text is cut into consecutive windows of ``context`` + 1 characters; in each
    window every character after the first is predicted from the ones before it
    in that window (so a few predictions near window starts have short contexts).
    """
    _, ids, _ = lm.encode(text)
    W = lm.model.config.context + 1
    n = max(1, len(ids) // W)
    if len(ids) < 2:
        raise ValueError("text too short for a perplexity")
    windows = ids[: n * W].reshape(n, W) if len(ids) >= W else ids[None]
    logits = lm.model(windows[:, :-1])  # (B, T, V)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1))
    return math.exp(loss.item())


@dataclass(frozen=True)
class History:
    losses: tuple[float, ...]  # training cross-entropy at every step
    eval_steps: tuple[int, ...]  # steps with a held-out perplexity
    heldout_ppl: tuple[float, ...]  # held-out perplexity at those steps
    seconds: float  # wall-clock training time


def _lr(config: TrainConfig, step: int) -> float:
    if step <= config.warmup:
        return config.lr * step / max(1, config.warmup)
    # lr_s = lr (0.1 + 0.9 (1 + cos(pi progress)) / 2)
    progress = (step - config.warmup) / max(1, config.steps - config.warmup)
    return config.lr * (0.1 + 0.45 * (1 + math.cos(math.pi * progress)))


def train(
    config: TrainConfig,
    text: str,
    callback: Callable[[int, int, float], None] | None = None,
    eval_every: int = 0,
) -> tuple[CharLM, History]:
    """Train with AdamW on random windows of the first 90% of ``text``.

    Reproducible: the initialisation and the windows come from generators seeded
    with ``config.seed``. ``callback(step, total, loss)`` runs after every step.
    Returns the model (eval mode, gradients off) and its :class:`History`.
    """
    start = time.perf_counter()
    vocab = Vocab(tokenize(text, "char"))
    model = TinyTransformer(config.model_config(len(vocab)))
    lm = CharLM(model, vocab, config)
    train_text, heldout_text = split(text)
    _, train_ids, _ = lm.encode(train_text)
    window = config.seq_len + 1
    gen = torch.Generator().manual_seed(config.seed + 1)
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    others = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [
            {"params": matrices, "weight_decay": config.weight_decay},
            {"params": others, "weight_decay": 0.0},
        ],
        lr=config.lr,
    )
    offsets = torch.arange(window)
    losses, eval_steps, heldout = [], [], []
    model.train()
    for step in range(1, config.steps + 1):
        for group in optimizer.param_groups:
            group["lr"] = _lr(config, step)
        starts = torch.randint(0, len(train_ids) - window, (config.batch_size,), generator=gen)
        batch = train_ids[starts[:, None] + offsets[None, :]]  # (B, T+1)
        logits = model(batch[:, :-1])  # (B, T, V)
        loss = F.cross_entropy(logits.reshape(-1, len(vocab)), batch[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        losses.append(loss.item())
        if callback is not None:
            callback(step, config.steps, losses[-1])
        if (eval_every and step % eval_every == 0) or step == config.steps:
            model.eval()
            eval_steps.append(step)
            heldout.append(perplexity(lm, heldout_text))
            model.train()
    model.eval().requires_grad_(False)
    return lm, History(
        tuple(losses), tuple(eval_steps), tuple(heldout), time.perf_counter() - start
    )


# --- sampling ------------------------------------------------------------------------


@dataclass(frozen=True)
class Generation:
    """A prompt and what the model wrote after it."""

    prompt_ids: Tensor  # (P,) ids of the prompt as the model read it
    ids: Tensor  # (N,) generated ids
    probs: Tensor  # (N, V) the model's distribution for each generated token
    sampled_from: Tensor  # (N, V) after temperature and top-k (what was sampled)

    @property
    def all_ids(self) -> Tensor:
        """(P + N,) prompt followed by the generated tokens."""
        return torch.cat([self.prompt_ids, self.ids])


def sampling_distribution(logits: Tensor, temperature: float, top_k: int = 0) -> Tensor:
    """softmax(logits / temperature) over the top-k logits only (k = 0: all).

    Temperature 0 puts all the mass on the most likely token (greedy).
    """
    if temperature <= 0:
        return F.one_hot(logits.argmax(-1), logits.shape[-1]).to(logits.dtype)
    z = logits / temperature
    if 0 < top_k < logits.shape[-1]:
        kth = z.topk(top_k).values[..., -1:]  # the k-th largest
        z = z.masked_fill(z < kth, float("-inf"))
    return torch.softmax(z, dim=-1)


@torch.no_grad()
def generate(
    lm: CharLM, prompt: str, n: int, temperature: float = 1.0, top_k: int = 0, seed: int = 0
) -> Generation:
    """Sample ``n`` characters after ``prompt``; never samples ``<unk>``.

    The model sees at most ``context`` characters: with a longer text only the last
    ``context`` are fed (a sliding window). An empty prompt starts from a space.
    """
    gen = torch.Generator().manual_seed(seed)
    _, prompt_ids, _ = lm.encode(prompt or " ")
    ids = prompt_ids.tolist()
    out, probs, sampled = [], [], []
    C = lm.model.config.context
    for _ in range(n):
        logits = lm.model(torch.tensor(ids[-C:]))[-1]  # (V,)
        logits[lm.vocab.unk] = float("-inf")
        p = torch.softmax(logits, dim=-1)
        q = sampling_distribution(logits, temperature, top_k)
        next_id = (
            int(torch.multinomial(q, 1, generator=gen)) if temperature > 0 else int(q.argmax())
        )
        ids.append(next_id)
        out.append(next_id)
        probs.append(p)
        sampled.append(q)
    V = len(lm.vocab)
    return Generation(
        prompt_ids=prompt_ids,
        ids=torch.tensor(out, dtype=torch.long),
        probs=torch.stack(probs) if probs else torch.zeros(0, V),
        sampled_from=torch.stack(sampled) if sampled else torch.zeros(0, V),
    )


# --- the pretrained checkpoint --------------------------------------------------------

PRETRAINED = TrainConfig()


def _paths(name: str = NAME) -> tuple[Path, Path]:
    return MODELS_DIR / f"{name}.safetensors", MODELS_DIR / f"{name}.json"


def available(name: str = NAME) -> bool:
    return all(p.exists() for p in _paths(name))


def info(name: str = NAME) -> dict:
    """The checkpoint's JSON record (config, vocabulary, perplexities, command)."""
    path = _paths(name)[1]
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; run `python -m seqviz.transformer_lm`")
    return json.loads(path.read_text(encoding="utf-8"))


def untrained(seed: int = 0, name: str = NAME) -> CharLM:
    """The checkpoint's architecture and vocabulary, freshly initialised from ``seed``."""
    meta = info(name)
    config = dataclasses.replace(TrainConfig(**meta["config"]), seed=seed)
    vocab = Vocab.from_list(meta["vocab"])
    model = TinyTransformer(config.model_config(len(vocab))).eval().requires_grad_(False)
    return CharLM(model, vocab, config)


def load(name: str = NAME) -> CharLM:
    """The pretrained model (eval mode, gradients off; shared: do not modify).

    Weights come from safetensors (no code runs) and are checked against the
    expected shapes.
    """
    lm = untrained(info(name)["config"]["seed"], name)
    expected = {k: tuple(v.shape) for k, v in lm.model.state_dict().items()}
    tensors = load_file(str(_paths(name)[0]))
    got = {k: tuple(v.shape) for k, v in tensors.items()}
    if got != expected:
        raise ValueError(f"checkpoint {name} does not fit the model: {got} != {expected}")
    if not all(v.isfinite().all() for v in tensors.values()):
        raise ValueError(f"checkpoint {name} holds NaN or inf")
    lm.model.load_state_dict(tensors, strict=True)
    return lm


def build(command: str, config: TrainConfig = PRETRAINED, name: str = NAME) -> dict:
    """Train the checkpoint and write its two files; returns the JSON record."""
    text = load_time_machine()

    def progress(step: int, total: int, loss: float) -> None:
        if step % 250 == 0 or step == total:
            print(f"  step {step}/{total} loss {loss:.3f}", flush=True)

    lm, history = train(config, text, callback=progress, eval_every=500)
    train_text, heldout_text = split(text)
    meta = {
        "name": name,
        "description": "tiny Transformer (pre-LN, causal), next-character language model",
        "config": dataclasses.asdict(config),
        "vocab": lm.vocab.idx_to_token,
        "corpus": "The Time Machine (d2l copy), d2l-normalised; first 90% train, last 10% held out",
        "train_perplexity": round(perplexity(lm, train_text), 4),
        "heldout_perplexity": round(history.heldout_ppl[-1], 4),
        "untrained_heldout_perplexity": round(perplexity(_fresh(lm), heldout_text), 4),
        "heldout_curve": {
            "steps": list(history.eval_steps),
            "perplexity": [round(p, 4) for p in history.heldout_ppl],
        },
        "command": command,
        "torch_version": torch.__version__,
        "num_threads": torch.get_num_threads(),
        "training_seconds": round(history.seconds, 1),
        "parameters": num_parameters(lm.model),
    }
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    weights_path, meta_path = _paths(name)
    tensors = {k: v.detach().contiguous() for k, v in lm.model.state_dict().items()}
    save_file(tensors, str(weights_path), metadata={"name": name})
    weights_path.chmod(0o644)
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def _fresh(lm: CharLM) -> CharLM:
    """An untrained copy of ``lm``'s architecture (same seed, so the same start)."""
    model = TinyTransformer(lm.model.config).eval().requires_grad_(False)
    return CharLM(model, lm.vocab, lm.config)


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    torch.set_num_threads(1)
    start = time.perf_counter()
    print(f"training {NAME}: {PRETRAINED}", flush=True)
    meta = build("python -m seqviz.transformer_lm")
    print(
        f"{NAME}: held-out perplexity {meta['heldout_perplexity']}, "
        f"train {meta['train_perplexity']}, {time.perf_counter() - start:.0f}s",
        flush=True,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
