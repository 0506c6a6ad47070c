"""Skip-gram training speed and neighbour quality: seqviz against gensim's Word2Vec.

Both train skip-gram with negative sampling with the same settings (gensim's
defaults: E = 100, window 5 with the dynamic window, K = 5 negatives from
unigram^0.75, subsampling t = 1e-3, min_count 5, alpha 0.025 falling linearly
to 0.025e-4 as in word2vec.c), one thread / one worker each, on the same
sentences. They run in one process, alternating round by round, so whatever
else the machine is doing slows both alike. Vocabulary building is outside the
timing for both; words/s = in-vocabulary corpus words x epochs / training time.

Neighbour quality is measured on a corpus with planted structure (sentences
drawn from word clusters, ``benchmarks/planted.py``): precision@5 = the share of
each word's 5 nearest neighbours (cosine) that are in its own cluster. A small
version of that corpus (where the task is not trivially solved) is trained with
several seeds and the mean is reported; so is a tiny one (3,600 words).
seqviz starts W as gensim does (U(-1/E, 1/E)) here. The full quality comparison,
~2k to ~500k words in four planted designs and on real text, is
``benchmarks/w2v_quality.py``.

Speed: seqviz with one thread against gensim with one worker
(``ratio_vs_gensim``) and with gensim's default 3 workers
(``ratio_vs_gensim_default_workers``), on the planted corpus (480k words) and on
The Time Machine, in one run.

words/s is wall-clock; words per CPU-second (all threads of the process) is
also reported because on a shared machine wall-clock rates swing widely.

    pip install -e .[bench]             # gensim: a benchmark-only dependency
    python benchmarks/word2vec.py        # writes benchmarks/results/word2vec.json
    python benchmarks/word2vec.py --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.planted import planted_corpus  # noqa: E402
from seqviz import w2v_kernel  # noqa: E402
from seqviz.embeddings import neighbour_precision  # noqa: E402
from seqviz.text import load_time_machine  # noqa: E402
from seqviz.w2v_training import Corpus, TrainConfig, Trainer, build_corpus, chunks  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "word2vec.json"

SETTINGS = dict(E=100, window=5, negatives=5, sample=1e-3, min_count=5, lr=0.025)


GENSIM_DEFAULT_WORKERS = 3
"""gensim's default number of worker threads (``Word2Vec(workers=3)``)."""


def gensim_model(sentences, epochs: int, seed: int, workers: int = 1):
    """A gensim Word2Vec with the shared settings and its vocabulary built (not trained)."""
    from gensim.models import Word2Vec

    model = Word2Vec(
        vector_size=SETTINGS["E"],
        window=SETTINGS["window"],
        negative=SETTINGS["negatives"],
        sample=SETTINGS["sample"],
        min_count=SETTINGS["min_count"],
        alpha=SETTINGS["lr"],
        min_alpha=SETTINGS["lr"] * 1e-4,
        sg=1,
        hs=0,
        workers=workers,
        epochs=epochs,
        seed=seed,
    )
    model.build_vocab(sentences)
    return model


def time_gensim(sentences, epochs: int, seed: int, workers: int = 1):
    """Wall-clock and CPU seconds (all threads of the process) of gensim's training."""
    model = gensim_model(sentences, epochs, seed, workers)
    start, cpu = time.perf_counter(), time.process_time()
    model.train(sentences, total_examples=len(sentences), epochs=epochs)
    return (time.perf_counter() - start, time.process_time() - cpu), model


OVERRIDES: dict = {}
"""TrainConfig fields to change in every seqviz run (for experiments; empty: defaults)."""


def time_seqviz(corpus: Corpus, epochs: int, seed: int):
    w2v_kernel.compile_loops()  # gensim's loop is compiled ahead of time: so is this one
    config = TrainConfig(
        objective="negative",
        embedding_size=SETTINGS["E"],
        window=SETTINGS["window"],
        num_negatives=SETTINGS["negatives"],
        sample=SETTINGS["sample"],
        lr=SETTINGS["lr"],
        epochs=epochs,
        seed=seed,
        init="gensim",
        **OVERRIDES,
    )
    start, cpu = time.perf_counter(), time.process_time()
    trainer = Trainer(corpus, config)
    trainer.run()
    return (time.perf_counter() - start, time.process_time() - cpu), trainer


def gensim_matrix(model, corpus: Corpus) -> torch.Tensor:
    """gensim's vectors in seqviz's row order (rows of words gensim lacks stay zero)."""
    W = torch.zeros(len(corpus.vocab), SETTINGS["E"])
    for word, i in corpus.vocab.token_to_idx.items():
        if word in model.wv:
            W[i] = torch.from_numpy(model.wv[word].copy())
    return W


def speed(name: str, sentences, epochs: int, rounds: int) -> dict:
    """Alternate gensim (one worker, then its default workers) and seqviz ``rounds`` times
    on the same sentences; each round changes who goes first."""
    corpus = build_corpus(sentences, min_count=SETTINGS["min_count"])
    words = corpus.n_words * epochs
    who_all = ("gensim", "gensim_default", "seqviz")
    rates: dict[str, list[float]] = {w: [] for w in who_all}
    cpu_rates: dict[str, list[float]] = {w: [] for w in who_all}
    for r in range(rounds):
        order = who_all[r % 3 :] + who_all[: r % 3]
        for who in order:
            if who == "seqviz":
                (seconds, cpu), _ = time_seqviz(corpus, epochs, seed=r)
            else:
                workers = 1 if who == "gensim" else GENSIM_DEFAULT_WORKERS
                (seconds, cpu), _ = time_gensim(sentences, epochs, seed=r, workers=workers)
            rates[who].append(words / seconds)
            cpu_rates[who].append(words / cpu)
            print(
                f"  {name} round {r}: {who:14s} {words / seconds:12,.0f} words/s "
                f"({words / cpu:,.0f} per CPU-second)",
                flush=True,
            )
    med = {w: statistics.median(v) for w, v in rates.items()}
    cpu = {w: statistics.median(v) for w, v in cpu_rates.items()}
    return {
        "corpus": name,
        "words": corpus.n_words,
        "vocabulary": len(corpus.vocab) - 1,  # without <unk>
        "epochs": epochs,
        "gensim_words_per_s": round(med["gensim"]),
        "gensim_default_workers_words_per_s": round(med["gensim_default"]),
        "seqviz_words_per_s": round(med["seqviz"]),
        "ratio_vs_gensim": round(med["seqviz"] / med["gensim"], 3),
        "ratio_vs_gensim_default_workers": round(med["seqviz"] / med["gensim_default"], 3),
        "round_ratios": [
            round(a / b, 3) for a, b in zip(rates["seqviz"], rates["gensim"], strict=True)
        ],
        "gensim_words_per_cpu_s": round(cpu["gensim"]),
        "seqviz_words_per_cpu_s": round(cpu["seqviz"]),
        "ratio_vs_gensim_cpu": round(cpu["seqviz"] / cpu["gensim"], 3),
    }


def quality(planted, epochs: int, seeds: int) -> dict:
    """Mean precision@5 of both on the planted corpus over ``seeds`` seeds."""
    sentences = [list(s) for s in planted.sentences]
    corpus = build_corpus(sentences, min_count=SETTINGS["min_count"])
    cluster_of = planted.cluster_of()
    scores = {"gensim": [], "seqviz": []}
    for seed in range(seeds):
        _, g = time_gensim(sentences, epochs, seed)
        _, s = time_seqviz(corpus, epochs, seed)
        scores["gensim"].append(
            neighbour_precision(gensim_matrix(g, corpus), corpus.vocab, cluster_of)
        )
        scores["seqviz"].append(neighbour_precision(s.model.W, corpus.vocab, cluster_of))
    return {
        "corpus_words": planted.n_words,
        "clusters": len(planted.clusters),
        "words_per_cluster": len(planted.clusters[0]),
        "epochs": epochs,
        "seeds": seeds,
        "gensim_precision_at_5": round(statistics.mean(scores["gensim"]), 4),
        "seqviz_precision_at_5": round(statistics.mean(scores["seqviz"]), 4),
        "per_seed": {k: [round(v, 4) for v in vs] for k, vs in scores.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    import gensim

    big = planted_corpus(n_clusters=20, words_per_cluster=25, n_sentences=40_000, seed=0)
    # small corpora, where learning is not yet saturated and the two can differ
    small = planted_corpus(n_clusters=10, words_per_cluster=10, n_sentences=600, seed=0)
    tiny = planted_corpus(n_clusters=10, words_per_cluster=10, n_sentences=300, seed=0)
    words = load_time_machine().split()
    time_machine = chunks(words)

    print("speed: planted corpus")
    planted_speed = speed("planted", [list(s) for s in big.sentences], 3, args.rounds)
    print("speed: The Time Machine")
    tm_speed = speed("time_machine", time_machine, 10, args.rounds)
    print("quality: planted corpus")
    planted_quality = quality(big, 3, 1)
    small_quality = quality(small, 5, args.seeds)
    tiny_quality = quality(tiny, 5, args.seeds)

    result = {
        "what": "skip-gram negative sampling, seqviz (1 thread) vs gensim with 1 worker and "
        f"with its default {GENSIM_DEFAULT_WORKERS} workers, same settings",
        "command": f"python benchmarks/word2vec.py --rounds {args.rounds} --seeds {args.seeds}",
        "load_average": os.getloadavg()[0],
        "settings": SETTINGS,
        "ratio_vs_gensim": planted_speed["ratio_vs_gensim"],  # wall-clock words/s, medians
        "ratio_vs_gensim_default_workers": planted_speed["ratio_vs_gensim_default_workers"],
        "ratio_vs_gensim_cpu": planted_speed["ratio_vs_gensim_cpu"],  # words per CPU-second
        "speed": [planted_speed, tm_speed],
        "quality": {
            "planted_large": planted_quality,
            "planted_small": small_quality,
            "planted_tiny": tiny_quality,
        },
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "gensim": gensim.__version__,
        },
        "machine": {"cpus": os.cpu_count(), "torch_threads": 1},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    keys = ("ratio_vs_gensim", "ratio_vs_gensim_default_workers", "ratio_vs_gensim_cpu")
    print(json.dumps({k: result[k] for k in keys}, indent=2))
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
