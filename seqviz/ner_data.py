"""Named-entity data: Universal NER English-EWT sentences with PER / LOC / ORG tags in BIO.

Each sentence is a list of words x_1 … x_T and a list of tags y_1 … y_T, one per word:
``B-PER`` begins a person's name, ``I-PER`` continues it, ``O`` is outside every name
(the same for LOC and ORG). The shipped files (``assets/ner/train.tsv``,
``assets/ner/heldout.tsv``) hold one ``word<TAB>tag`` line per word and a blank line
between sentences; ``assets/ner/README.md`` says where they come from and how the split
was made. Rebuild them from the two UNER files with::

    python -m seqviz.ner_data en_ewt-ud-dev.iob2 en_ewt-ud-test.iob2

Dimension letters: ``T`` words in a sentence, ``K`` tags.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from seqviz.text import ASSETS

NER_DIR = ASSETS / "ner"
TAGS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG")  # the K = 7 tags
TYPES = ("PER", "LOC", "ORG")
HELDOUT_EVERY = 5  # every 5th document (1st, 6th, ...) is held out; the rest is training


@dataclass(frozen=True)
class Sentence:
    words: tuple[str, ...]  # x_1 … x_T as written
    tags: tuple[str, ...]  # y_1 … y_T, one of TAGS each


def parse_iob2(text: str) -> list[list[Sentence]]:
    """The documents of a UNER ``.iob2`` file, each a list of sentences.

    Lines are ``index<TAB>word<TAB>tag<TAB>...``; ``# newdoc`` starts a document, a
    blank line ends a sentence.
    """
    documents: list[list[Sentence]] = []
    words: list[str] = []
    tags: list[str] = []

    def end_sentence() -> None:
        if words:
            if not documents:
                documents.append([])
            documents[-1].append(Sentence(tuple(words), tuple(tags)))
            words.clear()
            tags.clear()

    for line in text.splitlines():
        if line.startswith("# newdoc"):
            end_sentence()
            documents.append([])
        elif line.startswith("#"):
            continue
        elif not line.strip():
            end_sentence()
        else:
            fields = line.split("\t")
            tag = fields[2]
            if tag not in TAGS:
                raise ValueError(f"unknown tag {tag!r} in line {line!r}")
            words.append(fields[1])
            tags.append(tag)
    end_sentence()
    return [d for d in documents if d]


def split_documents(documents: list[list[Sentence]]) -> tuple[list[Sentence], list[Sentence]]:
    """(training, held-out) sentences: every HELDOUT_EVERY-th document is held out whole."""
    train, heldout = [], []
    for i, document in enumerate(documents):
        (heldout if i % HELDOUT_EVERY == 0 else train).extend(document)
    return train, heldout


def to_tsv(sentences: list[Sentence]) -> str:
    return "".join(
        "".join(f"{w}\t{t}\n" for w, t in zip(s.words, s.tags, strict=True)) + "\n"
        for s in sentences
    )


def from_tsv(text: str) -> list[Sentence]:
    sentences, words, tags = [], [], []
    for line in text.splitlines() + [""]:
        if line:
            word, tag = line.split("\t")
            words.append(word)
            tags.append(tag)
        elif words:
            sentences.append(Sentence(tuple(words), tuple(tags)))
            words, tags = [], []
    return sentences


@cache
def load(split: str) -> tuple[Sentence, ...]:
    """The shipped sentences of ``split`` ("train" or "heldout"); read once per process."""
    if split not in ("train", "heldout"):
        raise ValueError(f"split must be 'train' or 'heldout', not {split!r}")
    return tuple(from_tsv((NER_DIR / f"{split}.tsv").read_text(encoding="utf-8")))


def counts(sentences) -> dict[str, int]:
    """Sentences, words and entities of each type (a B- tag starts one)."""
    tags = Counter(t for s in sentences for t in s.tags)
    return {
        "sentences": len(sentences),
        "words": sum(tags.values()),
        **{kind: tags[f"B-{kind}"] for kind in TYPES},
    }


def main(paths: list[str]) -> None:
    documents = [d for p in paths for d in parse_iob2(Path(p).read_text(encoding="utf-8"))]
    train, heldout = split_documents(documents)
    NER_DIR.mkdir(parents=True, exist_ok=True)
    for name, sentences in (("train", train), ("heldout", heldout)):
        (NER_DIR / f"{name}.tsv").write_text(to_tsv(sentences), encoding="utf-8")
        print(name, counts(sentences))


if __name__ == "__main__":
    main(sys.argv[1:])
