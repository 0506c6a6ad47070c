"""seqviz.notation: one glossary, used by every configuration and by the README's table."""

import dataclasses
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import seqviz
from seqviz import notation

README = Path(__file__).resolve().parents[1] / "README.md"


def config_classes() -> list[type]:
    """Every dataclass named *Config defined in a seqviz module."""
    found = {}
    for info in pkgutil.walk_packages(seqviz.__path__, "seqviz."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                isinstance(obj, type)
                and dataclasses.is_dataclass(obj)
                and name.endswith("Config")
                and obj.__module__ == module.__name__
            ):
                found[f"{obj.__module__}.{name}"] = obj
    return list(found.values())


def test_the_configs_are_found():
    names = {f"{c.__module__}.{c.__name__}" for c in config_classes()}
    assert {
        "seqviz.charlm.CharConfig",
        "seqviz.lm_training.LMConfig",
        "seqviz.transformer.TransformerConfig",
        "seqviz.transformer_training.TrainConfig",
        "seqviz.bridge.BridgeConfig",
        "seqviz.memory_task.MemoryConfig",
        "seqviz.w2v_training.TrainConfig",
    } <= names


@pytest.mark.parametrize("config", config_classes(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_config_field_is_a_glossary_name(config):
    glossary = {t.name for t in notation.HYPERPARAMETERS}
    strays = [f.name for f in dataclasses.fields(config) if f.name not in glossary]
    assert not strays, f"{config.__name__} fields not in seqviz/notation.py: {strays}"


def test_one_entry_per_hyperparameter_and_each_is_used():
    names = [t.name for t in notation.HYPERPARAMETERS]
    assert len(names) == len(set(names))
    used = {f.name for c in config_classes() for f in dataclasses.fields(c)}
    assert set(names) == used  # no entry for a name nothing uses


def test_every_symbol_of_the_readme_notation_table_is_in_the_glossary():
    text = README.read_text(encoding="utf-8")
    table = text.split("## Notation", 1)[1].split("\n\n", 2)[1]
    rows = [line for line in table.splitlines() if line.startswith("| $")]
    assert len(rows) > 10
    glossary = " ".join(t.symbol for t in notation.SYMBOLS)
    for row in rows:
        first = row.split("|")[1]
        # $W_{xh}$ -> W_xh, $\sigma$ -> σ: the symbols as the glossary writes them
        symbols = re.findall(r"\$([^$]+)\$", first)
        for symbol in symbols:
            plain = (
                symbol.replace("{", "")
                .replace("}", "")
                .replace("\\sigma", "σ")
                .replace("\\odot", "⊙")
                .replace("\\ast", "∗")
                .replace("\\tilde C_t", "")
                .replace("\\tilde h_t", "")
                .replace("\\mathrm", "")
                .replace("\\hat", "")
                .replace(" ", "")
            )
            head = re.split(r"[=(]", plain)[0]
            if head:
                assert head.replace(",", "") in glossary.replace(" ", "").replace(",", ""), row


def test_term_lookup():
    assert notation.term("num_steps").symbol == "T"
    assert notation.term("hidden_size").symbol == "H"
    with pytest.raises(KeyError, match="glossary"):
        notation.term("seq_len")
    assert set(notation.DIMENSIONS) >= {"T", "B", "D", "H", "V", "E", "nh", "dh"}
