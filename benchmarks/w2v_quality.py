"""Skip-gram neighbour quality, seqviz against gensim, from ~2k to ~500k words.

Both train skip-gram with negative sampling with the same settings (gensim's
defaults: E = 100, window 5 with the dynamic window, K = 5, subsampling
t = 1e-3, min_count 5, alpha 0.025 falling linearly to 0.025e-4, 5 epochs), one
thread / one worker each, on the same sentences, with seeds 0, 1, 2, ...

Planted corpora (``benchmarks/planted.py``): sentences drawn from word clusters,
in four designs (Zipf or uniform frequencies within a cluster, words shared by two
clusters, many filler words). Score: precision@5, the share of each clustered
word's 5 nearest neighbours (cosine) in its own cluster; mean and standard
deviation over seeds. The number of clusters grows with the corpus so that the
large corpora are not all trivially solved.

Real text (The Time Machine, 27k words; the Lee news corpus, 60k words, and 330k
words of stemmed Wikipedia, both shipped with gensim's test data): no right
answer is known, so the score is agreement: for the most frequent words (count
>= 20, at most 500), the mean overlap of their top-10 neighbour lists. seqviz
seed s against gensim seed s + 1 is compared with gensim seed s against gensim
seed s + 1: seqviz agrees with gensim as much as gensim agrees with itself when
the two numbers are equal.

    pip install gensim                 # benchmark-only
    python benchmarks/w2v_quality.py   # writes benchmarks/results/w2v_quality.json
    python benchmarks/w2v_quality.py --quick   # 3 seeds, sizes up to 120k
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.planted import planted_corpus  # noqa: E402
from benchmarks.word2vec import gensim_matrix, time_gensim, time_seqviz  # noqa: E402
from seqviz.embeddings import neighbour_precision, unit_rows  # noqa: E402
from seqviz.text import load_time_machine  # noqa: E402
from seqviz.w2v_training import build_corpus, chunks  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "w2v_quality.json"
SIZES = (2_000, 4_000, 8_000, 30_000, 120_000, 500_000)
DESIGNS = ("zipf", "uniform", "shared", "filler")
EPOCHS = 5


def planted(design: str, words: int, seed: int = 0):
    """A planted corpus of about ``words`` words (sentences of 12 words)."""
    n_clusters = 10 if words <= 8_000 else min(100, words // 3_000)
    return planted_corpus(
        n_clusters=n_clusters,
        words_per_cluster=10,
        n_sentences=words // 12,
        seed=seed,
        design=design,
    )


def summary(values: list[float]) -> dict:
    """Mean, standard deviation, standard error of the mean (sd / sqrt(n)) and the values."""
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return {
        "mean": round(statistics.mean(values), 4),
        "sd": round(sd, 4),
        "se": round(sd / len(values) ** 0.5, 4),
        "per_seed": [round(v, 4) for v in values],
    }


def planted_quality(design: str, words: int, seeds: int) -> dict:
    p = planted(design, words)
    sentences = [list(s) for s in p.sentences]
    corpus = build_corpus(sentences, min_count=5)
    cluster_of = p.cluster_of()
    scores: dict[str, list[float]] = {"gensim": [], "seqviz": []}
    for seed in range(seeds):
        _, g = time_gensim(sentences, EPOCHS, seed)
        _, s = time_seqviz(corpus, EPOCHS, seed)
        scores["gensim"].append(
            neighbour_precision(gensim_matrix(g, corpus), corpus.vocab, cluster_of)
        )
        scores["seqviz"].append(neighbour_precision(s.model.W, corpus.vocab, cluster_of))
    diff = [a - b for a, b in zip(scores["seqviz"], scores["gensim"], strict=True)]
    out = {
        "design": design,
        "words": p.n_words,
        "clusters": len(p.clusters),
        "vocabulary": len(corpus.vocab) - 1,
        "seeds": seeds,
        "gensim": summary(scores["gensim"]),
        "seqviz": summary(scores["seqviz"]),
        "seqviz_minus_gensim": summary(diff),
    }
    print(
        f"  {design:8s} {p.n_words:8,d} words: gensim {out['gensim']['mean']:.3f} "
        f"± {out['gensim']['sd']:.3f}   seqviz {out['seqviz']['mean']:.3f} "
        f"± {out['seqviz']['sd']:.3f}",
        flush=True,
    )
    return out


def top10(W: torch.Tensor, ids: list[int]) -> list[set[int]]:
    """Top-10 neighbour ids (cosine, among all rows but <unk>) of each row in ``ids``."""
    U = unit_rows(W)
    sims = U[ids] @ U.T  # (n, V)
    sims[:, 0] = -float("inf")  # <unk>
    sims[torch.arange(len(ids)), torch.tensor(ids)] = -float("inf")
    return [set(r.tolist()) for r in sims.topk(10, dim=1).indices]


def agreement(a: torch.Tensor, b: torch.Tensor, ids: list[int]) -> float:
    """Mean share of the top-10 lists of ``ids`` that two embeddings have in common."""
    return statistics.mean(
        len(x & y) / 10 for x, y in zip(top10(a, ids), top10(b, ids), strict=True)
    )


def real_quality(name: str, sentences: list[list[str]], seeds: int) -> dict:
    corpus = build_corpus(sentences, min_count=5)
    counts = corpus.counts.tolist()
    frequent = sorted((i for i, c in enumerate(counts) if c >= 20), key=lambda i: -counts[i])
    ids = frequent[:500]
    g = [gensim_matrix(time_gensim(sentences, EPOCHS, s)[1], corpus) for s in range(seeds + 1)]
    s = [time_seqviz(corpus, EPOCHS, seed)[1].model.W for seed in range(seeds)]
    gg = [agreement(g[i], g[i + 1], ids) for i in range(seeds)]
    sg = [agreement(s[i], g[i + 1], ids) for i in range(seeds)]
    out = {
        "corpus": name,
        "words": corpus.n_words,
        "vocabulary": len(corpus.vocab) - 1,
        "words_scored": len(ids),
        "gensim_vs_gensim": summary(gg),
        "seqviz_vs_gensim": summary(sg),
    }
    print(
        f"  {name:14s} {corpus.n_words:8,d} words: top-10 agreement gensim–gensim "
        f"{out['gensim_vs_gensim']['mean']:.3f}, seqviz–gensim {out['seqviz_vs_gensim']['mean']:.3f}",
        flush=True,
    )
    return out


def gensim_text(name: str) -> list[list[str]]:
    """A corpus from gensim's test data: lower-case word tokens, one line per sentence
    (long lines cut into sentences of 1,000 words, as gensim does)."""
    from gensim.test.utils import datapath

    lines = Path(datapath(name)).read_text(encoding="utf8").splitlines()
    words = [re.findall(r"[a-z][a-z'\-]*", line.lower()) for line in lines]
    return [c for w in words for c in chunks(w) if c]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds, sizes up to 120k")
    parser.add_argument(
        "--seeds",
        type=int,
        default=20,
        help="seeds per corpus up to 8k words (paired: the "
        "same seed for both; small corpora differ by seed more than by trainer)",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    import gensim

    start = time.perf_counter()
    sizes = [n for n in SIZES if n <= 120_000] if args.quick else SIZES
    small_seeds = 3 if args.quick else args.seeds
    result: dict = {
        "what": "skip-gram negative sampling, seqviz vs gensim, same settings, 1 thread each",
        "settings": dict(
            E=100, window=5, negatives=5, sample=1e-3, min_count=5, lr=0.025, epochs=EPOCHS
        ),
        "command": "python benchmarks/w2v_quality.py" + (" --quick" if args.quick else ""),
        "complete": False,
        "planted": [],
        "real_text": [],
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "gensim": gensim.__version__,
        },
    }

    def save() -> None:  # after every row, so a long run that is cut short keeps its rows
        planted_rows = result["planted"]
        if planted_rows:
            worst = min(planted_rows, key=lambda r: r["seqviz_minus_gensim"]["mean"])
            diff = worst["seqviz_minus_gensim"]
            result["worst_planted_seqviz_minus_gensim"] = diff["mean"]
            # below zero by more than two standard errors: a real gap, not the seeds' spread
            result["worst_planted_in_standard_errors"] = round(
                diff["mean"] / max(diff["se"], 1e-9), 2
            )
        result["seconds"] = round(time.perf_counter() - start)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2) + "\n")

    # the small sizes and the short real texts first: they are where the two can differ
    print("planted corpora: precision@5; real text: top-10 neighbour agreement")
    for n in [n for n in sizes if n <= 8_000]:
        for d in DESIGNS:
            result["planted"].append(planted_quality(d, n, small_seeds))
            save()
    result["real_text"].append(real_quality("time_machine", chunks(load_time_machine().split()), 3))
    save()
    result["real_text"].append(real_quality("lee_news", gensim_text("lee_background.cor"), 3))
    save()
    for n in [n for n in sizes if n > 8_000]:
        for d in DESIGNS:
            result["planted"].append(planted_quality(d, n, 3))
            save()
    if not args.quick:
        result["real_text"].append(
            real_quality("wiki_stemmed", gensim_text("head500.noblanks.cor"), 3)
        )
    result["complete"] = True
    save()
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
