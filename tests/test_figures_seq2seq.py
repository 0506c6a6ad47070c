"""The encoder–decoder lab's figures: the beam tree collapses what it pruned, and the
held-out panel of the training curves says when it fills."""

import html

import pytest

from seqviz import beam
from seqviz import seq2seq_training as training
from seqviz.figures import seq2seq as sfigs


@pytest.fixture(scope="module")
def searched():
    """An untrained copy model's beam search of width 6 over 16 letters (20 steps)."""
    translator = training.untrained(training.FitConfig(task="copy", attention="dot"))
    ids = translator.source_ids(list("abcdefghijklmnop"))
    return translator, beam.search(translator.model, ids, translator.bos, translator.eos, 6, 20)


def _nodes(fig):
    return [t for t in fig.data if t.mode == "markers+text"][1:]  # after the <bos> root


def test_the_beam_tree_draws_only_the_kept_candidates_and_counts_the_pruned(searched):
    translator, search = searched
    names = translator.pairs.tgt_vocab.idx_to_token
    fig = sfigs.beam_tree(search.steps, names, search.best.tokens)
    kept = [sum(c.kept for c in step) for step in search.steps]
    assert [len(t.y) for t in _nodes(fig)] == kept
    assert max(kept) <= 6 < max(len(step) for step in search.steps)
    (cut,) = [t for t in fig.data if t.mode == "text" and t.hovertemplate]
    pruned = {t: sum(not c.kept for c in s) for t, s in enumerate(search.steps, start=1)}
    assert dict(zip(cut.x, cut.text, strict=True)) == {t: f"−{k}" for t, k in pruned.items() if k}
    # a kept live node's label is its last token; a finished one's its log p
    for t, step in enumerate(search.steps):
        shown = [c for c in step if c.kept]
        assert list(_nodes(fig)[t].text) == [
            "" if c.finished else html.escape(names[c.tokens[-1]]) for c in shown
        ]
    finished = [c for step in search.steps for c in step if c.kept and c.finished]
    logps = [x for t in fig.data if t.mode == "text" and not t.hovertemplate for x in t.text]
    assert logps == [f"{c.logp:.2f}" for c in finished]


def test_the_beam_tree_with_the_pruned_ones_draws_every_candidate(searched):
    translator, search = searched
    names = translator.pairs.tgt_vocab.idx_to_token
    fig = sfigs.beam_tree(search.steps, names, search.best.tokens, pruned=True)
    assert [len(t.y) for t in _nodes(fig)] == [len(s) for s in search.steps]
    assert (
        fig.layout.height > sfigs.beam_tree(search.steps, names, search.best.tokens).layout.height
    )


def test_the_held_out_panel_says_when_it_fills_until_the_first_evaluation():
    empty = sfigs.training_curves(
        [[3.0, 2.9, 2.5]], [[]], [[]], measure="token accuracy", labels=["run"], eval_every=250
    )
    notes = [a.text.replace("<br>", " ") for a in empty.layout.annotations]
    assert "appears after the first evaluation (step 250)" in notes
    filled = sfigs.training_curves(
        [[3.0] * 250], [[250]], [[0.4]], measure="token accuracy", labels=["run"], eval_every=250
    )
    assert not any("appears after" in a.text for a in filled.layout.annotations)
