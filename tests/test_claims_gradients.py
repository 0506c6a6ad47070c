"""Every sentence of the gradient-flow lab that tells the student what the view shows, tested.

Each test computes the claim from the same core calls the page makes, on the page's
defaults (the default text, H = 32, tanh, PyTorch's W_hh, the default starting point),
and asserts the sentence is still in the page's source or prose — so changing a
default without the sentence, or the sentence without the claim, fails here.
``test_the_page_draws_these_defaults`` ties the defaults below to the page.

Claim sentence (where) -> test:

- "The GRU and the LSTM keep their gradient far longer than the RNN" (headline, default
  starting point "Keep-gate bias +3") -> test_gated_models_keep_their_gradient_far_longer
- "All three lose their gradient alike" (headline, "Untrained (PyTorch init)")
  -> test_untrained_models_lose_their_gradient_alike
- "Untrained gates sit near σ(0) = ½ … vanish about as fast as the RNN; a keep-gate bias b
  starts them near σ(b) (σ(3) ≈ 0.95) … and the gradient survives" (main chart caption)
  -> test_why_untrained_gates_vanish_too
- "σ(1) ≈ 0.73", "σ(3) ≈ 0.95" (starting points) -> test_keep_gate_bias_sits_where_the_preset_says
- "z_t multiplies the old state, so keeping it means z_t near 1 and the bias is added to b_z
  with a plus sign" -> test_gru_keep_bias_has_a_plus_sign
- "The norm bounds the factor, it is not the factor: the solid line stays at or below the
  dashed one, often well below" (Inside BPTT) -> test_the_jacobian_norm_bounds_the_factor
- "the RNN's line tilts from falling steeply to falling slowly to rising" (Try this)
  -> test_orthogonal_r_tilts_the_rnn_line
- "the gradient grows to about 10²⁵ at h_0 and its float32 norm overflows to inf"
  (Try this, Make it explode) -> test_make_it_explode_overflows_float32
- "the RNN's line ends in ▼ marks (exactly 0 in float32) … numbers like 10⁻¹²⁵" (Try this)
  -> test_float64_shows_what_float32_rounds_to_zero
- "so that its norm is at most θ, which keeps its direction" (Clipping)
  -> test_clipping_caps_the_norm_at_theta
- "the shaded steps get no gradient from truncated BPTT (exactly 0" (Truncated BPTT)
  -> test_truncated_bptt_gives_the_shaded_steps_nothing
- "so that on average it equals the full gradient" (Truncated BPTT)
  -> test_randomized_truncation_is_unbiased
- "start biased towards *keep* (+3" (Long memory) -> test_memory_models_start_keeping
- "σ_max > 1/γ is **necessary** for exploding, but not sufficient … a large W_hh can still
  give vanishing gradients" (W_hh & the bound) -> test_sigma_above_one_can_still_vanish
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import torch
from apptools import latex

from app.controls import DEFAULT_TEXT
from seqviz import (
    checkpoints,
    clipping,
    gradients,
    initialisation,
    memory_task,
    truncation,
)
from seqviz import gradients_presets as gp
from seqviz.latex import sci

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    ROOT / "app/views/gradients.py",
    ROOT / "app/views/gradients_parts.py",
    ROOT / "seqviz/gradients_presets.py",
    *sorted((ROOT / "assets/text").glob("grad_*.md")),
]
KINDS = ("rnn", "gru", "lstm")
V, H = 28, 32  # one-hot characters of the char models; the page's default hidden size


def said(sentence: str) -> None:
    """The sentence (whitespace-insensitive) is in the lab's page, parts, core text or prose."""
    text = " ".join(" ".join(p.read_text().split()) for p in SOURCES)
    text = re.sub(r'"\s*"', "", text)  # Python's implicit concatenation of string pieces
    assert " ".join(sentence.split()) in text, f"no longer on the page: {sentence!r}"


def default_x() -> torch.Tensor:
    chars = checkpoints.untrained("rnn")
    return torch.nn.functional.one_hot(chars.encode(DEFAULT_TEXT).ids, V).double()


def models(preset: str = gp.DEFAULT, init="default", radius=1.0, act="tanh") -> dict:
    """kind -> module as the page builds it for a starting point (float32, as by default)."""
    if gp.PRESETS[preset].trained:
        return {k: checkpoints.load(k).rnn.float() for k in KINDS}
    fresh = gp.fresh_models(V, H, act, init, radius, 0, gp.PRESETS[preset].gate_bias)
    return {k: m.float() for k, m in fresh.items()}


def kept(preset: str = gp.DEFAULT, x=None, **kw) -> dict[str, float]:
    x = default_x() if x is None else x
    return {k: gradients.backprop(m, x).kept for k, m in models(preset, **kw).items()}


def test_the_page_draws_these_defaults(open_page):
    """The page's first view shows exactly the ratios computed here (same defaults)."""
    at = open_page("views/gradients.py")
    assert not at.exception
    eq = latex(at)
    for value in kept().values():
        assert sci(value) in eq
    assert gp.comparison(kept()) in " ".join(m.value for m in at.markdown)


def test_gated_models_keep_their_gradient_far_longer():
    said(gp.FAR_LONGER)
    k = kept()
    assert gp.DEFAULT == "keep3"
    # "far longer": both gated models keep at least 10^20 times the RNN's share here
    assert min(k["gru"], k["lstm"]) > 1e20 * k["rnn"]
    assert gp.comparison(k).startswith(gp.FAR_LONGER)
    # and the trained checkpoints too, by fewer orders of magnitude
    trained = kept("trained")
    assert gp.comparison(trained).startswith(gp.FAR_LONGER)


def test_untrained_models_lose_their_gradient_alike():
    said(gp.ALIKE)
    k = kept("default")
    assert all(v < 1e-10 for v in k.values())
    assert gp.comparison(k).startswith(gp.ALIKE)


def test_why_untrained_gates_vanish_too():
    said("Untrained gates sit near σ(0) = ½")
    said("the gated models vanish about as fast as the RNN")
    said(
        "a keep-gate bias b starts them near σ(b) (σ(3) ≈ 0.95), close to 1, and the gradient survives"
    )
    x = default_x()
    untrained = models("default")
    for kind in ("gru", "lstm"):
        assert gp.keep_gate_mean(untrained[kind], x.float()) == pytest.approx(0.5, abs=0.05)
    T = x.shape[0]
    k = kept("default")
    per_step = {kind: gp.mean_factor(v, T) for kind, v in k.items()}
    # "about as fast": the average factor per step is within 0.05 of the RNN's
    for kind in ("gru", "lstm"):
        assert abs(per_step[kind] - per_step["rnn"]) < 0.05
    # with b = +3 the gradient survives: at least 1 % of it reaches h_0
    assert min(kept("keep3")[kind] for kind in ("gru", "lstm")) > 1e-2


@pytest.mark.parametrize("preset,value", [("keep1", 0.73), ("keep3", 0.95)])
def test_keep_gate_bias_sits_where_the_preset_says(preset, value):
    said(f"σ({int(gp.PRESETS[preset].gate_bias)}) ≈ {value}")
    assert 1 / (1 + math.exp(-gp.PRESETS[preset].gate_bias)) == pytest.approx(value, abs=0.005)
    x = default_x().float()
    for kind, module in models(preset).items():
        if kind != "rnn":
            assert gp.keep_gate_mean(module, x) == pytest.approx(value, abs=0.03)


def test_gru_keep_bias_has_a_plus_sign():
    said("z_t multiplies the old state, so keeping it means z_t near 1")
    gru = initialisation.build("gru", 3, 4, gate_bias=3.0).double()
    plain = initialisation.build("gru", 3, 4).double()
    h_prev = torch.randn(1, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    x = torch.zeros(1, 3, dtype=torch.float64)
    # with z_t near 1, h_t stays close to h_{t-1}: PyTorch's own GRU says so
    kept_state = gru(x, h_prev)[1]
    moved_state = plain(x, h_prev)[1]
    assert (kept_state - h_prev).norm() < 0.25 * (moved_state - h_prev).norm()


def test_the_jacobian_norm_bounds_the_factor():
    said(
        "The norm bounds the factor, it is not the factor: the solid line stays at or below the dashed one, often well below"
    )
    x = default_x()
    for kind, module in models().items():
        flow, J = gradients.backprop(module, x), gradients.jacobians(module, x)
        assert (flow.factors <= J.step_norms * (1 + 1e-6)).all(), kind
        if kind == "rnn":  # "well below": the RNN's typical factor is under 0.8 of its bound
            assert float((flow.factors / J.step_norms).median()) < 0.8


def test_orthogonal_r_tilts_the_rnn_line():
    said("the RNN's line tilts from falling steeply to falling slowly to rising")
    rnn = {r: kept(init="orthogonal", radius=r)["rnn"] for r in (0.5, 1.0, 1.5)}
    assert rnn[0.5] < 1e-20  # steeply
    assert 1e-6 < rnn[1.0] < 1  # slowly
    assert rnn[1.5] > 1  # rising: more gradient at h_0 than at h_T


def test_make_it_explode_overflows_float32():
    from app.views.gradients_parts import EXPLODE, EXPLODE_RADIUS

    said("the gradient grows to about 10²⁵ at h_0 and its float32 norm overflows to inf")
    T = EXPLODE["grad_len"]
    ids = torch.randint(1, V, (T,), generator=torch.Generator().manual_seed(0))  # as the page
    x = torch.nn.functional.one_hot(ids, V).double()
    rnn = initialisation.build("rnn", V, H, "relu", "orthogonal", EXPLODE_RADIUS).float()
    flow = gradients.backprop(rnn, x, params=True)
    assert 1e24 < float(flow.state_norms[0]) < 1e26
    clipped = clipping.clip_global_norm(list(flow.param_grads.values()), 1.0)
    assert math.isinf(clipped.norm_before) and clipped.overflow == "norm"
    # PyTorch's own clip_grad_norm_ on the module overflows the same way
    module = rnn.requires_grad_(True)
    module(x.float())[0][-1].sum().backward()
    assert math.isinf(float(torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)))


def test_float64_shows_what_float32_rounds_to_zero():
    said("the RNN's line ends in ▼ marks (exactly 0 in float32)")
    said("they turn into numbers like 10⁻¹²⁵")
    ids = torch.randint(1, V, (400,), generator=torch.Generator().manual_seed(0))
    x = torch.nn.functional.one_hot(ids, V).double()
    rnn = initialisation.build("rnn", V, H, "tanh", "orthogonal", 0.5)
    n32 = gradients.backprop(rnn.float(), x).state_norms
    n64 = gradients.backprop(rnn.double(), x).state_norms
    assert n32[0] == 0 and (n32 == 0).sum() > 100
    assert 1e-130 < float(n64[0]) < 1e-120


def test_clipping_caps_the_norm_at_theta():
    said("so that its norm is at most θ, which keeps its direction")
    rnn = models()["rnn"]
    grads = list(gradients.backprop(rnn, default_x(), params=True).param_grads.values())
    for theta in (0.01, 0.1, 1.0):
        c = clipping.clip_global_norm(grads, theta)
        assert c.norm_before > theta  # the default view's gradient is clipped at these θ
        assert c.norm_after == pytest.approx(theta, rel=1e-5)
        for g, a in zip(grads, c.grads, strict=True):
            cos = torch.nn.functional.cosine_similarity(g.flatten(), a.flatten(), dim=0)
            assert float(cos) == pytest.approx(1.0, abs=1e-6)


def test_truncated_bptt_gives_the_shaded_steps_nothing():
    said("the shaded steps get no gradient from truncated BPTT (exactly 0")
    x, k = default_x(), 10  # the page's default k
    tr = truncation.truncated_bptt(models()["rnn"], x, k, 0.9, 0)
    T = x.shape[0]
    n = tr.hidden_norms["truncated"]  # row i: h_{i+1}
    assert (n[: T - k] == 0).all() and (n[T - k :] > 0).all()


def test_randomized_truncation_is_unbiased():
    said("so that on average it equals the full gradient")
    module = initialisation.build("rnn", 3, 4, seed=1).double()
    x = torch.randn(6, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    runs = [truncation.truncated_bptt(module, x, 6, 0.5, seed) for seed in range(400)]
    mean = {n: sum(r.randomized[n] for r in runs) / len(runs) for n in runs[0].full}
    full = runs[0].full
    # the Monte Carlo mean is close to the full gradient (cos near 1, norm within 10 %)
    assert truncation.cosine(mean, full) > 0.98
    assert truncation.global_norm(mean) == pytest.approx(truncation.global_norm(full), rel=0.1)


def test_memory_models_start_keeping():
    said("start biased towards *keep* (+3")
    config = memory_task.MemoryConfig()
    assert config.gate_bias == 3.0
    x, _ = memory_task.example(config)
    for kind in ("gru", "lstm"):
        model = memory_task.MemoryModel(kind, config)
        assert gp.keep_gate_mean(model.rnn, x) > 0.9


def test_sigma_above_one_can_still_vanish():
    said("σ_max > 1/γ is **necessary** for exploding, but not sufficient")
    said("a large W_hh can still give vanishing gradients")
    rnn = models()["rnn"]
    verdict = gradients.pascanu_verdict(rnn.weight_hh_l0, "tanh")
    assert verdict.outcome == "may explode"  # σ_max > 1 on the default view …
    assert kept()["rnn"] < 1e-20  # … and yet its gradient vanishes
