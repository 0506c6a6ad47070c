"""seqviz.exercises_tagging: every answer recomputed independently (the model's own linear
layer on nn.LSTM's output, torch.softmax, a hand count of spans, the LSTM's parameters)."""

import math
import re

import pytest
import torch

from seqviz import checkpoints, exercises, tagger
from seqviz.exercises import check, make
from seqviz.ner_data import TAGS
from seqviz.spans import score

SEEDS = (0, 1, 7)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def model():
    return checkpoints.load("ner-bilstm")


def logits_by_pytorch(model, words):
    ids, shapes = model.encode(words)
    with torch.no_grad():
        h, _ = model.lstm(model.inputs(ids, shapes).unsqueeze(0))
        return model.out(h[0])  # (T, K)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_logit_is_the_linear_layer_on_nn_lstm(model, seed):
    ex = make("tag.split", seed, text="Teddy Roosevelt was a president")
    i = ex.numbers["t"] - 1
    k = TAGS.index(re.search(r"the tag `([^`]+)`", ex.prompt).group(1))
    z = logits_by_pytorch(model, tagger.words_of("Teddy Roosevelt was a president"))
    assert ex.answer == pytest.approx(float(z[i, k]), abs=1e-5)
    parts = ex.numbers["forward"] + ex.numbers["backward"] + ex.numbers["bias"]
    assert parts == pytest.approx(ex.answer, abs=1e-5)
    assert check(ex, f"{ex.answer:.2f}").correct and not check(ex, f"{ex.answer + 0.5:.2f}").correct


@pytest.mark.parametrize("seed", SEEDS)
def test_the_probability_is_torch_softmax(model, seed):
    ex = make("tag.softmax", seed)
    sentence = re.search(r"“(.*)”", ex.prompt).group(1)
    i = ex.numbers["t"] - 1
    p = torch.softmax(logits_by_pytorch(model, sentence.split(" ")), -1)[i]
    assert ex.answer == pytest.approx(float(p.max()), abs=1e-5)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_f1_is_counted_from_the_tags_shown(seed):
    ex = make("tag.f1", seed)
    pairs = re.findall(r"`([^`]+)`/`([^`]+)`", ex.prompt)
    gold, pred = [g for g, _ in pairs], [p for _, p in pairs]
    s = score([gold], [pred])
    assert ex.answer == pytest.approx(s.f1)
    c, n_p, n_g = (ex.numbers[k] for k in ("correct", "predicted", "gold"))
    p, r = (c / n_p if n_p else 0), (c / n_g if n_g else 0)
    assert ex.answer == pytest.approx(2 * p * r / (p + r) if p + r else 0.0)


def test_the_parameter_count_is_the_lstms(model):
    ex = make("tag.params", 0)
    D, H = model.lstm.input_size, model.lstm.hidden_size
    assert ex.answer == sum(p.numel() for p in model.lstm.parameters())
    assert ex.answer == 2 * 4 * (H * D + H * H + 2 * H)


def test_the_set_is_registered_for_the_lab():
    (s,) = exercises.sets_for_lab("tagging")
    assert s.exercises == ("tag.split", "tag.softmax", "tag.f1", "tag.params")
    assert all(math.isfinite(float(make(e, 5).answer)) for e in s.exercises)
