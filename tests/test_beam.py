"""Beam search: width 1 is greedy; the tree is consistent; wider beams never score worse."""

import pytest
import torch

from seqviz import beam
from seqviz import seq2seq_training as training
from seqviz.seq2seq import greedy


@pytest.fixture(scope="module")
def translator():
    return training.untrained(training.FitConfig(task="copy", attention="additive"), seed=3)


def src(translator):
    return translator.source_ids(list("hello"[:4]) + ["x", "y"])


def test_width_one_is_greedy(translator):
    ids = src(translator)
    g = greedy(translator.model, ids, translator.pairs.src_vocab, translator.pairs.tgt_vocab, 10)
    b = beam.search(translator.model, ids, translator.bos, translator.eos, width=1, max_len=10)
    assert list(b.best.tokens) == [s.token for s in g.steps]
    logp = sum(float(torch.log(s.probs[s.token])) for s in g.steps)
    assert b.best.logp == pytest.approx(logp, abs=1e-5)


@pytest.mark.parametrize("width", [2, 3, 5])
def test_tree_is_consistent(translator, width):
    ids = src(translator)
    b = beam.search(translator.model, ids, translator.bos, translator.eos, width=width, max_len=6)
    for t, step in enumerate(b.steps):
        kept = [c for c in step if c.kept]
        assert len(kept) == min(width, len(step))
        assert [c.logp for c in step] == sorted((c.logp for c in step), reverse=True)
        if t:
            parents = b.live(t - 1)
            for c in step:
                assert c.tokens[:-1] == parents[c.parent].tokens
                assert c.logp <= parents[c.parent].logp
    # each candidate's log-probability is the model's, recomputed by teacher forcing
    c = b.best
    X = torch.tensor([ids])
    Y = torch.tensor([list(c.tokens)])
    with torch.no_grad():
        logits = translator.model(X, torch.tensor([len(ids)]), Y, translator.bos)
    logp = torch.log_softmax(logits, -1)[0, torch.arange(len(c.tokens)), Y[0]].sum()
    assert c.logp == pytest.approx(float(logp), abs=1e-4)


def test_bad_width(translator):
    with pytest.raises(ValueError, match="at least 1"):
        beam.search(translator.model, src(translator), translator.bos, translator.eos, width=0)
