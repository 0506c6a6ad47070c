"""seqviz.siamese_training: fit continues where it stopped; the checkpoint's score and margin."""

import math
import pickle

import pooltools
import pytest
import torch

from seqviz import checkpoints, pairs_data
from seqviz.siamese import cosine_matrix
from seqviz.siamese_training import (
    SiameseConfig,
    batch_at,
    batch_loss,
    best_threshold,
    encoder_from,
    fit,
    roc_auc,
    score,
    untrained,
)
from seqviz.triplet import triplet_terms

TINY = SiameseConfig(embedding_size=4, hidden_size=3, batch_size=4, steps=6, eval_every=3)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_roc_auc_and_threshold_by_hand():
    scores = torch.tensor([0.9, 0.4, 0.6, 0.1])
    labels = torch.tensor([True, True, False, False])
    # positive/negative comparisons: 0.9>0.6, 0.9>0.1, 0.4<0.6, 0.4>0.1 -> 3 of 4
    assert roc_auc(scores, labels) == pytest.approx(0.75)
    assert roc_auc(torch.tensor([0.5, 0.5]), torch.tensor([True, False])) == 0.5
    assert math.isnan(roc_auc(scores, torch.ones(4, dtype=torch.bool)))
    # τ between 0.6 and 0.9 gets 3 of 4 right, as does τ between 0.1 and 0.4; ties -> larger τ
    assert best_threshold(scores, labels) == pytest.approx(0.75)


def test_batches_are_fixed_by_seed_and_step():
    a1, p1 = batch_at(TINY, 5)
    assert (a1, p1) == batch_at(TINY, 5) and len(a1) == 4
    pairs = {(p.a, p.b) for p in pairs_data.training_pairs()}
    assert all((a, p) in pairs for a, p in zip(a1, p1, strict=True))
    assert batch_at(TINY, 0) != batch_at(SiameseConfig(seed=1, batch_size=4), 0)


def test_the_batch_loss_is_the_triplet_loss_of_the_shared_encoder():
    enc = untrained(TINY)
    anchors, positives = batch_at(TINY, 0)
    ids_a, len_a = pairs_data.batch_ids(anchors, pairs_data.vocab())
    ids_p, len_p = pairs_data.batch_ids(positives, pairs_data.vocab())
    S = cosine_matrix(enc(ids_a, len_a), enc(ids_p, len_p))
    want = triplet_terms(S, TINY.margin, TINY.variant).loss.detach()
    assert float(batch_loss(enc, (anchors, positives), TINY).detach()) == pytest.approx(float(want))


def test_fit_stopped_and_continued_ends_where_one_run_ends():
    whole = fit(TINY, None, max_seconds=math.inf)
    assert whole["step"] == 6 and whole["outcome"] == "finished"
    calls = []
    first = fit(
        TINY,
        None,
        max_seconds=math.inf,
        stop=lambda: len(calls) >= 4,
        callback=lambda p: calls.append(p.step),
    )
    assert first["step"] == 4 and first["outcome"] == "stopped"
    state = pickle.loads(pickle.dumps(first))  # what a worker process would send back
    rest = fit(TINY, state, max_seconds=math.inf)
    assert rest["step"] == 6
    for k, t in whole["model"].items():
        assert torch.equal(t, rest["model"][k]), k
    assert rest["history"]["losses"] == pytest.approx(whole["history"]["losses"])
    assert rest["history"]["eval_steps"] == [3, 6]


def test_the_shipped_checkpoint_beats_always_not_duplicate_by_its_recorded_margin():
    record = checkpoints.info("siamese-lstm")["metrics"]
    encoder = checkpoints.load("siamese-lstm")
    s = score(encoder)
    assert s.baseline == record["baseline_accuracy"] == 0.5
    assert s.accuracy == pytest.approx(record["heldout_accuracy"], abs=1e-4)
    assert s.auc == pytest.approx(record["heldout_auc"], abs=1e-4)
    assert record["margin_over_baseline"] == pytest.approx(s.accuracy - s.baseline, abs=1e-4)
    assert record["margin_over_baseline"] > 0.15 and s.auc > 0.7
    assert record["heldout_auc"] > record["untrained_heldout_auc"] + 0.05


def test_encoder_from_a_state_loads_its_weights():
    state = fit(TINY, None, max_seconds=math.inf)
    enc = encoder_from(TINY, state)
    assert torch.equal(enc.lstm.weight_hh_l0, state["model"]["lstm.weight_hh_l0"])
    with pytest.raises(ValueError, match="variant"):
        SiameseConfig(variant="hardest")


def test_fit_as_a_pool_job_in_many_chunks_ends_with_the_weights_of_one_call():
    torch.set_num_threads(1)  # the workers' setting
    whole = fit(TINY, None, max_seconds=math.inf)
    assert whole["done"]
    pooled = pooltools.in_chunks(fit, TINY)
    pooltools.assert_same_weights(whole["model"], pooled["model"])
    assert pooled["history"]["losses"] == whole["history"]["losses"]
