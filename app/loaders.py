"""Cached, read-only models and traces shared by every session.

Models come from ``seqviz.checkpoints`` (eval mode, gradients off) and are never
modified. A :class:`Reading` — one model reading one text, with every number the
pages show — is computed once per (model, weights, text) and shared: a step
click only slices it.
"""

from dataclasses import dataclass

import streamlit as st
import torch

from seqviz import checkpoints, projection, recurrent
from seqviz.charlm import CharModel, Encoded


@st.cache_resource(max_entries=16, show_spinner="Loading the trained model…")
def trained_model(name: str) -> CharModel:
    """The pretrained checkpoint ``name`` (shared by every user: never modify it)."""
    return checkpoints.load(name)


@st.cache_resource(max_entries=32, ttl=1800, show_spinner=False)
def untrained_model(name: str, seed: int = 0) -> CharModel:
    """Same architecture and vocabulary as ``name``, freshly initialised from ``seed``."""
    return checkpoints.untrained(name, seed=seed)  # needs no checkpoint files


def has_checkpoint(name: str) -> bool:
    return name in checkpoints.available()


@dataclass(frozen=True)
class Reading:
    """One model reading one text: everything the pages draw, computed once."""

    name: str  # pretrained model name, e.g. "rnn", "birnn"
    trained: bool  # False if untrained weights were asked for, or the checkpoint is missing
    model: CharModel  # shared, read-only
    encoded: Encoded  # tokens (T) with <unk> marked, ids (T,)
    trace: recurrent.Trace  # every intermediate value, unbatched: (T, H * dirs)
    probs: torch.Tensor  # (T, V) next-character probabilities; fill-in-the-blank for "birnn"
    pca: projection.PCA  # top-layer hidden states projected to 2-D, fitted on this text


@st.cache_resource(max_entries=32, ttl=1800, show_spinner="Running the model over your text…")
def read(name: str, trained: bool, text: str) -> Reading:
    """Run model ``name`` over ``text`` once; cached for every session and step."""
    trained = trained and has_checkpoint(name)
    model = trained_model(name) if trained else untrained_model(name)
    encoded = model.encode(text)
    x = model.one_hot(encoded.ids)  # (T, V) one-hot characters
    tr = recurrent.trace(model.rnn, x)
    if model.config.objective == "blank":
        probs = torch.softmax(model.blank_logits(tr.hidden), dim=-1)  # (T, V)
    else:
        probs = model.probs(tr.hidden)  # (T, V): P(x_{t+1} | x_1..x_t)
    return Reading(
        name=name,
        trained=trained,
        model=model,
        encoded=encoded,
        trace=tr,
        probs=probs,
        pca=projection.pca(tr.hidden, k=2),
    )
