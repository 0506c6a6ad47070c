"""seqviz.pretrained: the shipped checkpoints load safely and are good models."""

import json

import pytest
import torch
from safetensors.torch import save_file

from seqviz import pretrained
from seqviz.charlm import CharModel, perplexity
from seqviz.text import load_time_machine

AVAILABLE = pretrained.available()
NEXT_CHAR = [n for n in AVAILABLE if pretrained.MODELS[n].objective == "next"]


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Small models run fastest on one thread, and the machine is shared."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def heldout() -> str:
    text = load_time_machine()
    return text[int(len(text) * 0.9) :]


def test_the_main_checkpoints_are_shipped():
    assert {"rnn", "gru", "lstm"} <= set(AVAILABLE)


@pytest.mark.parametrize("name", AVAILABLE)
def test_load_checkpoint(name):
    model = pretrained.load(name)
    meta = pretrained.info(name)
    config = pretrained.MODELS[name]
    assert isinstance(model, CharModel) and model.config == config
    assert meta["config"]["seed"] == config.seed
    assert model.vocab.idx_to_token == meta["vocab"] and len(model.vocab) == 28
    assert not model.training
    assert not any(p.requires_grad for p in model.parameters())
    V, H, dirs = 28, config.hidden_size, 2 if config.bidirectional else 1
    assert model.rnn.weight_hh_l0.shape[1] == H and model.rnn.input_size == V
    assert model.rnn.num_layers == config.num_layers
    assert model.head.weight.shape == (V, H * dirs)
    assert meta["heldout_perplexity"] < 8
    assert meta["command"].startswith("python -m seqviz.pretrained")


def test_lstm_is_a_good_language_model(heldout):
    if "lstm" not in AVAILABLE:
        pytest.skip("lstm checkpoint not built")
    trained = perplexity(pretrained.load("lstm"), heldout)
    fresh = perplexity(pretrained.untrained("lstm"), heldout)
    assert trained < 8
    assert trained < fresh / 3
    assert trained == pytest.approx(pretrained.info("lstm")["heldout_perplexity"], rel=1e-3)


def test_untrained_is_seeded_fresh_and_frozen():
    name = AVAILABLE[0]
    a, b, c = pretrained.untrained(name), pretrained.untrained(name), pretrained.untrained(name, 1)
    for pa, pb, pc in zip(a.parameters(), b.parameters(), c.parameters(), strict=True):
        assert torch.equal(pa, pb)
        assert not torch.equal(pa, pc)
        assert not pa.requires_grad
    assert not a.training
    loaded = pretrained.load(name)
    assert not torch.equal(a.head.weight, loaded.head.weight)


@pytest.mark.parametrize("name", NEXT_CHAR[:1])
def test_trained_sample_reads_like_english(name):
    from seqviz.charlm import sample

    text = sample(pretrained.load(name), "the time traveller ", 200, temperature=0.5, seed=0)
    words = text.split()
    assert sum(w in {"the", "and", "of", "a", "to", "i", "was", "in"} for w in words) >= 5


def test_unknown_name_and_bad_checkpoint(tmp_path):
    with pytest.raises(KeyError):
        pretrained.load("transformer-xl")
    meta = pretrained.info(AVAILABLE[0])
    bad = tmp_path / "bad.safetensors"
    save_file({"head.weight": torch.zeros(3, 3)}, str(bad))
    with pytest.raises(ValueError, match="does not fit"):
        pretrained.load_checkpoint(bad, meta)
    model = pretrained.load(AVAILABLE[0])
    tensors = {k: v.clone() for k, v in model.state_dict().items()}
    tensors["head.bias"][0] = float("nan")
    save_file(tensors, str(bad))
    with pytest.raises(ValueError, match="NaN"):
        pretrained.load_checkpoint(bad, meta)
    not_safetensors = tmp_path / "pickle.safetensors"
    not_safetensors.write_bytes(b"\x80\x04not a safetensors file")
    with pytest.raises(ValueError, match="cannot read"):
        pretrained.load_checkpoint(not_safetensors, meta)


def test_json_records_how_it_was_made():
    for name in AVAILABLE:
        meta = json.loads((pretrained.MODELS_DIR / f"{name}.json").read_text())
        for key in ("config", "vocab", "train_perplexity", "heldout_perplexity", "command"):
            assert key in meta
        assert "torch_version" in meta and "training_seconds" in meta
