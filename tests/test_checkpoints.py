"""seqviz.checkpoints: the registry, the checked loader, and bit-for-bit rebuilds."""

import dataclasses
import json

import pytest
import torch
from safetensors.torch import load_file, save_file

from seqviz import bridge, checkpoints, lm
from seqviz.charlm import CharModel
from seqviz.text import heldout_split, load_time_machine
from seqviz.transformer_lm import CharLM

AVAILABLE = checkpoints.available()
SMALLEST = "transformer-bridge-copy"  # the cheapest to rebuild (a few seconds)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """The records promise bits on one thread; small models run fastest on one anyway."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_every_shipped_checkpoint_is_in_the_registry_and_built():
    shipped = {p.stem for p in checkpoints.MODELS_DIR.glob("*.safetensors")}
    assert shipped == set(checkpoints.REGISTRY) == set(AVAILABLE)
    assert list(checkpoints.char_models()) == [
        "rnn",
        "gru",
        "lstm",
        "rnn-2layer",
        "rnn-3layer",
        "birnn",
    ]


@pytest.mark.parametrize("name", AVAILABLE)
def test_load_gives_a_frozen_model_that_fits_its_record(name):
    entry = checkpoints.REGISTRY[name]
    record = checkpoints.info(name)
    model = checkpoints.load(name)
    module = entry.family.module(model)
    assert not module.training
    assert not any(p.requires_grad for p in module.parameters())
    assert record["name"] == name and record["description"] == entry.description
    assert record["command"] == f"python -m seqviz.checkpoints build {name}"
    assert record["config"] == json.loads(json.dumps(dataclasses.asdict(entry.config)))
    assert record["seed"] == entry.config.seed
    assert record["parameters"] == sum(p.numel() for p in module.parameters())
    assert record["num_threads"] == 1 and record["torch_version"] == torch.__version__
    tensors = load_file(str(checkpoints.paths(name)[0]))
    for k, v in module.state_dict().items():
        assert torch.equal(tensors[k], v), k
    if entry.family.corpus:
        assert model.vocab.idx_to_token == record["vocab"] and len(model.vocab) == 28
        assert record["metrics"]["heldout_perplexity"] < 8
        assert record["metrics"]["untrained_heldout_perplexity"] > 20
    elif entry.family is checkpoints.SEQ2SEQ:  # better than a constant answer
        assert record["metrics"]["margin"] > 0.05
    elif entry.family is checkpoints.SENTIMENT:  # better than the majority class
        assert record["metrics"]["margin"] >= record["metrics"]["min_margin"] >= 0.15
    elif entry.family is checkpoints.BRIDGE_PAIR:
        assert record["metrics"]["transformer_accuracy"] > 0.95
    elif "heldout_entity_f1" in record["metrics"]:  # the taggers: tests/test_tagger_checkpoints.py
        assert record["metrics"]["margin_entity_f1_over_word_baseline"] > 0
    else:  # the Siamese encoder: tests/test_siamese_training.py checks its record's margin
        assert record["metrics"]["margin_over_baseline"] > 0.1


@pytest.mark.parametrize("name", ["lstm", "birnn"])
def test_a_char_model_scores_the_perplexity_its_record_states(name):
    model = checkpoints.load(name)
    assert isinstance(model, CharModel) and model.config == checkpoints.REGISTRY[name].config
    _, heldout = heldout_split(load_time_machine())
    trained = lm.perplexity(model, heldout)
    fresh = lm.perplexity(checkpoints.untrained(name), heldout)
    assert trained < fresh / 3
    assert trained == pytest.approx(
        checkpoints.info(name)["metrics"]["heldout_perplexity"], rel=1e-3
    )


def test_each_family_loads_its_own_kind_of_model():
    assert isinstance(checkpoints.load("transformer"), CharLM)
    pair = checkpoints.load(SMALLEST)
    assert isinstance(pair, bridge.Pair) and pair.config.task == "copy"
    record = checkpoints.info(SMALLEST)["metrics"]
    assert pair.transformer_accuracy == pytest.approx(record["transformer_accuracy"], abs=1e-4)
    assert pair.lstm_accuracy == pytest.approx(record["lstm_accuracy"], abs=1e-4)


def test_untrained_is_seeded_fresh_and_frozen(tmp_path):
    name = "gru"
    a, b, c = (
        checkpoints.untrained(name),
        checkpoints.untrained(name),
        checkpoints.untrained(name, 1),
    )
    for pa, pb, pc in zip(a.parameters(), b.parameters(), c.parameters(), strict=True):
        assert torch.equal(pa, pb)
        assert not torch.equal(pa, pc)
        assert not pa.requires_grad
    assert not a.training
    assert not torch.equal(a.head.weight, checkpoints.load(name).head.weight)
    # without any checkpoint files the vocabulary is rebuilt from the corpus, the same one
    bare = checkpoints.untrained(name, directory=tmp_path)
    assert bare.vocab.idx_to_token == a.vocab.idx_to_token
    assert all(torch.equal(p, q) for p, q in zip(bare.parameters(), a.parameters(), strict=True))


def test_the_loader_names_every_problem_of_a_bad_file(tmp_path):
    with pytest.raises(KeyError, match="unknown checkpoint"):
        checkpoints.load("transformer-xl")
    name = "rnn"
    good = checkpoints.entry(name).family.module(checkpoints.load(name)).state_dict()
    tensors = {k: v.clone() for k, v in good.items()}
    tensors["head.bias"][0] = float("nan")
    tensors["head.weight"] = tensors["head.weight"][:, :5].contiguous()
    tensors["rnn.bias_hh_l0"] = tensors["rnn.bias_hh_l0"].double()
    del tensors["rnn.bias_ih_l0"]
    tensors["extra"] = torch.zeros(2)
    bad = tmp_path / "bad.safetensors"
    save_file(tensors, str(bad))
    with pytest.raises(ValueError, match="does not fit") as error:
        checkpoints.load_file(name, bad)
    message = str(error.value)
    for problem in (
        "head.bias holds NaN or inf",
        "head.weight: expected shape (28, 128), found (28, 5)",
        "rnn.bias_hh_l0: expected dtype torch.float32, found torch.float64",
        "missing rnn.bias_ih_l0 (128,)",
        "unexpected extra (2,)",
    ):
        assert problem in message
    not_safetensors = tmp_path / "pickle.safetensors"
    not_safetensors.write_bytes(b"\x80\x04not a safetensors file")
    with pytest.raises(ValueError, match="cannot read"):
        checkpoints.load_file(name, not_safetensors)
    pickled = tmp_path / "model.pt"
    torch.save(good, pickled)
    with pytest.raises(ValueError, match="only .safetensors"):
        checkpoints.load_file(name, pickled)


def test_a_record_for_another_configuration_is_refused():
    record = checkpoints.info("lstm")
    record["config"] = {**record["config"], "hidden_size": 64}
    with pytest.raises(ValueError, match="another configuration"):
        checkpoints.load_file("lstm", checkpoints.paths("lstm")[0], record)


def test_the_smallest_checkpoint_rebuilds_bit_for_bit(tmp_path):
    """What every record promises: its command writes the same bits (same torch, one thread)."""
    record = checkpoints.build(SMALLEST, tmp_path)
    rebuilt = load_file(str(checkpoints.paths(SMALLEST, tmp_path)[0]))
    shipped = load_file(str(checkpoints.paths(SMALLEST)[0]))
    assert rebuilt.keys() == shipped.keys()
    for k in shipped:
        assert rebuilt[k].dtype == shipped[k].dtype and torch.equal(rebuilt[k], shipped[k]), k
    stated = checkpoints.info(SMALLEST)
    assert record["metrics"] == stated["metrics"] and record["config"] == stated["config"]
    assert checkpoints.available(tmp_path) == [SMALLEST]


def test_the_command_line(capsys):
    checkpoints.main(["list"])
    out = capsys.readouterr().out
    for name in checkpoints.REGISTRY:
        assert name in out
    assert "held-out perplexity" in out and "accuracy 100.0%" in out
    with pytest.raises(SystemExit):
        checkpoints.main(["build", "transformer-xl"])
    assert "unknown checkpoint" in capsys.readouterr().err
