"""seqviz.ner_data: the IOB2 reader, the document split, and the shipped files' counts."""

import pytest

from seqviz import ner_data
from seqviz.ner_data import TAGS, Sentence, counts, from_tsv, parse_iob2, split_documents, to_tsv
from seqviz.spans import spans

IOB2 = """# newdoc id = a
# sent_id = a-1
1\tTeddy\tB-PER\t-\t-
2\tRoosevelt\tI-PER\t-\t-

# sent_id = a-2
1\tHi\tO\t-\t-

# newdoc id = b
1\tin\tO\t-\t-
2\tParis\tB-LOC\t-\t-
"""


def test_parse_keeps_documents_and_sentences():
    docs = parse_iob2(IOB2)
    assert [len(d) for d in docs] == [2, 1]
    assert docs[0][0] == Sentence(("Teddy", "Roosevelt"), ("B-PER", "I-PER"))
    assert docs[1][0].tags == ("O", "B-LOC")
    with pytest.raises(ValueError, match="unknown tag"):
        parse_iob2("1\tx\tB-MISC\t-\t-\n")


def test_split_holds_out_whole_documents_and_tsv_round_trips():
    docs = parse_iob2(IOB2)
    train, heldout = split_documents(docs)
    assert heldout == docs[0] and train == docs[1]  # document 1 of every 5 is held out
    assert from_tsv(to_tsv(train + heldout)) == train + heldout


def test_the_shipped_files_match_their_readme():
    train, heldout = ner_data.load("train"), ner_data.load("heldout")
    assert counts(train) == {"sentences": 3291, "words": 40232, "PER": 663, "LOC": 534, "ORG": 451}
    assert counts(heldout) == {"sentences": 787, "words": 10014, "PER": 129, "LOC": 182, "ORG": 95}
    readme = (ner_data.NER_DIR / "README.md").read_text()
    assert "| train.tsv | 3,291 | 40,232 | 663 | 534 | 451 |" in readme
    assert "CC BY-SA 4.0" in readme
    for s in train + heldout:
        assert len(s.words) == len(s.tags) and set(s.tags) <= set(TAGS)
    # every held-out span is counted once by its first tag
    assert sum(len(spans(s.tags)) for s in heldout) >= sum(
        counts(heldout)[k] for k in ner_data.TYPES
    )
    with pytest.raises(ValueError):
        ner_data.load("dev")
