"""The Sentiment lab's exercises: each answer agrees with an independent computation."""

import re

import pytest

from seqviz import exercises
from seqviz.classifiers import Classifier, ClassifierConfig, num_parameters

SEEDS = range(6)


def test_the_set_is_registered_and_reproducible():
    s = exercises.get_set("sentiment")
    assert s.lab == "sentiment" and exercises.sets_for_lab("sentiment") == (s,)
    for ex_id in s.exercises:
        assert exercises.make(ex_id, 3) == exercises.make(ex_id, 3)
        ex = exercises.make(ex_id, 3)
        assert exercises.check(ex, ex.answer).correct


@pytest.mark.parametrize("seed", SEEDS)
def test_pooling_is_the_mean_of_the_numbers_shown(seed):
    ex = exercises.make("sent.pool", seed)
    shown = [float(v) for v in re.findall(r"= (-?\d+\.\d{4}) \(", ex.prompt)]
    assert ex.answer == pytest.approx(sum(shown) / len(shown), abs=2e-4)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_convolution_window_is_relu_of_the_sum(seed):
    ex = exercises.make("sent.conv", seed)
    numbers = [float(v) for v in re.findall(r"-?\d+\.\d{4}", ex.prompt)]
    assert ex.answer == pytest.approx(max(0.0, sum(numbers)), abs=3e-4)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_parameter_count_is_the_formula(seed):
    ex = exercises.make("sent.params", seed)
    kind = re.search(r"many-to-one (\w+)", ex.prompt).group(1).lower()
    V, E, H = (int(re.search(rf"{n} = (\d+)", ex.prompt).group(1)) for n in ("V", "E", "H"))
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[kind]
    assert ex.answer == V * E + gates * (H * E + H * H + 2 * H) + H + 1
    assert ex.answer == num_parameters(
        Classifier(ClassifierConfig(kind=kind, vocab_size=V, embedding_size=E, hidden_size=H))
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_the_masked_length_counts_the_non_pads(seed):
    ex = exercises.make("sent.masked", seed)
    row = int(re.search(r"does row (\d)", ex.prompt).group(1))
    ids = re.findall(r"row \d: \[([^\]]*)\]", ex.prompt)[row - 1].split(", ")
    assert ex.answer == sum(1 for v in ids if v != "1")
