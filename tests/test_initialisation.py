"""Initialisations of W_hh: each scheme does what its name says, seeded, per gate block."""

import pytest
import torch
from torch import nn

from seqviz import initialisation as I


@pytest.mark.parametrize("kind,gates", [("rnn", 1), ("gru", 3), ("lstm", 4)])
@pytest.mark.parametrize("radius", [0.5, 1.0, 1.7])
def test_orthogonal_scaled_identity_set_every_gate_block(kind, gates, radius):
    H = 6
    for scheme in ("orthogonal", "scaled", "identity"):
        m = I.build(kind, 3, H, scheme=scheme, radius=radius, seed=1)
        blocks = m.weight_hh_l0.detach().double().split(H)
        assert len(blocks) == gates
        for W in blocks:
            assert I.spectral_radius(W) == pytest.approx(radius, rel=1e-5)
            if scheme == "orthogonal":
                # W^T W = r^2 I
                torch.testing.assert_close(
                    W.T @ W, radius**2 * torch.eye(H, dtype=W.dtype), atol=1e-5, rtol=0
                )
            if scheme == "identity":
                torch.testing.assert_close(W, radius * torch.eye(H, dtype=W.dtype))
        if scheme == "identity":
            assert all((p == 0).all() for n, p in m.named_parameters() if n.startswith("bias"))


def test_default_is_pytorch_uniform_and_seeded():
    a = I.build("lstm", 3, 8, seed=4)
    b = I.build("lstm", 3, 8, seed=4)
    c = I.build("lstm", 3, 8, seed=5)
    for (name, p), q, r in zip(a.named_parameters(), b.parameters(), c.parameters(), strict=True):
        assert torch.equal(p, q), name
        assert not torch.equal(p, r), name
        assert p.abs().max() <= 8**-0.5


def test_no_global_random_state_is_used():
    state = torch.random.get_rng_state()
    for scheme in I.SCHEMES:
        I.build("gru", 3, 5, scheme=scheme, radius=1.2, seed=0)
    assert torch.equal(state, torch.random.get_rng_state())


def test_relu_rnn_and_unknown_names():
    m = I.build("rnn", 2, 4, nonlinearity="relu", scheme="identity")
    assert isinstance(m, nn.RNN) and m.nonlinearity == "relu"
    with pytest.raises(ValueError, match="scheme"):
        I.build("rnn", 2, 4, scheme="xavier")
    with pytest.raises(ValueError, match="kind"):
        I.build("transformer", 2, 4)


def test_keep_gate_bias_goes_into_the_forget_and_update_rows():
    """b_f (LSTM) and b_z (GRU) move by exactly the bias, nothing else does; a plain RNN
    has no keep gate to bias."""
    import pytest
    import torch

    from seqviz import initialisation

    for kind, gate in (("lstm", "forget"), ("gru", "update")):
        plain = initialisation.build(kind, 3, 4, seed=5)
        biased = initialisation.build(kind, 3, 4, seed=5, gate_bias=2.5)
        diff = biased.bias_hh_l0.detach() - plain.bias_hh_l0.detach()
        block = initialisation.KEEP_GATE[kind][1]
        assert initialisation.KEEP_GATE[kind][0] == gate
        expected = torch.zeros_like(diff)
        expected[block * 4 : (block + 1) * 4] = 2.5
        torch.testing.assert_close(diff, expected)
        torch.testing.assert_close(biased.weight_hh_l0, plain.weight_hh_l0)
    with pytest.raises(ValueError, match="no keep gate"):
        initialisation.bias_keep_gate_(initialisation.build("rnn", 3, 4), 1.0)
    rnn = initialisation.build("rnn", 3, 4, gate_bias=3.0)  # ignored: nothing to bias
    torch.testing.assert_close(rnn.bias_hh_l0, initialisation.build("rnn", 3, 4).bias_hh_l0)
