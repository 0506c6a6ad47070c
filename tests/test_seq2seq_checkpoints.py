"""The shipped encoder–decoder checkpoints: small, loadable, and better than a constant answer."""

import pooltools
import pytest
import torch

from seqviz import checkpoints
from seqviz import seq2seq_training as s2s
from seqviz import translation_data as data
from seqviz.seq2seq import ATTENTIONS

NAMES = [s2s.checkpoint_name(t, a) for t in data.TASKS for a in ATTENTIONS]


@pytest.mark.parametrize("name", NAMES)
def test_checkpoint_is_small_loads_and_beats_the_baseline(name):
    if name not in checkpoints.available():
        pytest.skip(f"{name} not built")
    weights, _ = checkpoints.paths(name)
    assert weights.stat().st_size <= 2_100_000
    record = checkpoints.info(name)
    m = record["metrics"]
    assert m["margin"] == pytest.approx(m["heldout"] - m["baseline"], abs=2e-4)
    assert m["margin"] > 0.05
    assert record["command"] == f"python -m seqviz.checkpoints build {name}"
    translator = checkpoints.load(name)
    assert not any(p.requires_grad for p in translator.model.parameters())


def test_recorded_heldout_score_is_what_the_model_scores_now():
    name = "s2s-copy-dot"  # (by length: tests/test_claims_seq2seq.py, every copy model)
    if name not in checkpoints.available():
        pytest.skip(f"{name} not built")
    translator = checkpoints.load(name)
    recorded = checkpoints.info(name)["metrics"]["heldout"]
    assert s2s.score(translator, translator.pairs.heldout) == pytest.approx(recorded, abs=1e-4)


def test_fit_continues_where_it_stopped():
    config = s2s.FitConfig(task="copy", attention="dot", steps=6, batch_size=8, hidden_size=16)
    whole = s2s.fit(config, None, max_seconds=float("inf"))
    first = s2s.fit(
        config, None, max_seconds=float("inf"), stop=lambda: False, callback=lambda p: p.step >= 3
    )
    assert first["step"] == 3 and not first["done"]
    rest = s2s.fit(config, first, max_seconds=float("inf"))
    assert rest["done"] and rest["step"] == 6
    assert rest["history"]["losses"] == pytest.approx(whole["history"]["losses"])
    for k, v in whole["model"].items():
        assert (rest["model"][k] == v).all(), k
    import pickle

    pickle.dumps(rest)  # picklable: state dicts and numbers only


def test_fit_as_a_pool_job_in_many_chunks_ends_with_the_weights_of_one_call():
    config = s2s.FitConfig(task="copy", attention="additive", steps=6, batch_size=8, hidden_size=16)
    torch.set_num_threads(1)  # the workers' setting
    whole = s2s.fit(config, None, max_seconds=float("inf"))
    pooled = pooltools.in_chunks(s2s.fit, config)
    pooltools.assert_same_weights(whole["model"], pooled["model"])
    assert pooled["history"]["losses"] == whole["history"]["losses"]
