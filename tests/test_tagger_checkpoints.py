"""The shipped taggers score what their records state, above both trivial baselines.

(Rebuilding one bit for bit takes minutes: ``python -m seqviz.checkpoints build ner-bilstm``
on one thread writes the same file.)"""

import pytest
import torch

from seqviz import checkpoints, tagger_training
from seqviz.tagger import Tagger


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("name", ["ner-bilstm", "ner-lstm"])
def test_recorded_scores_are_the_models_own_and_beat_the_baselines(name):
    model = checkpoints.load(name)
    assert isinstance(model, Tagger) and model.config == checkpoints.entry(name).config
    assert model.lstm.bidirectional == (name == "ner-bilstm")
    recorded = checkpoints.info(name)["metrics"]
    measured = tagger_training.metrics(model)
    for key, value in measured.items():
        assert recorded[key] == value, key
    assert recorded["heldout_entity_f1"] > recorded["baseline_word_entity_f1"]
    assert recorded["baseline_majority_entity_f1"] == 0.0
    assert recorded["heldout_token_accuracy"] > recorded["baseline_majority_token_accuracy"]
    assert checkpoints.headline(checkpoints.info(name)).startswith("held-out entity F1 0.")


def test_the_bilstm_beats_the_forward_lstm_on_heldout_entities():
    bi, fwd = (
        checkpoints.info(n)["metrics"]["heldout_entity_f1"] for n in ("ner-bilstm", "ner-lstm")
    )
    assert bi > fwd
