"""The copy / reverse bridge: task, both solvers, attention vs LSTM connectivity by autograd."""

import dataclasses

import pytest
import torch

from seqviz import bridge, checkpoints, gradients


def test_batches_hold_the_task():
    config = bridge.BridgeConfig(num_symbols=5)
    inputs, y = bridge.make_batch(config, 8, torch.Generator().manual_seed(0))
    assert inputs.shape == (8, 10) and y.shape == (8, 5)
    assert (inputs[:, 5] == 0).all()  # the separator
    assert torch.equal(y, inputs[:, :5].flip(-1))
    assert torch.equal(inputs[:, 6:], y[:, :-1])  # teacher forcing
    with pytest.raises(ValueError):
        bridge.encode("abz")


def test_connectivity_is_the_autograd_gradient_of_the_log_probability():
    config = bridge.BridgeConfig(num_symbols=4, steps=1)
    pair = bridge.untrained_pair(config)
    x = bridge.encode("abca")
    a = bridge.align(pair, x)
    y = bridge.answer(x, "reverse")
    inputs = torch.cat([x, torch.zeros(1, dtype=torch.long), y[:-1]])
    e = pair.lstm.emb(inputs).detach().requires_grad_(True)
    out, _ = pair.lstm.lstm(e)  # an independent path: the module's own forward
    for k in range(4):
        pos = 3 + k
        (g,) = torch.autograd.grad(
            pair.lstm.head(out[pos]).log_softmax(-1)[y[k]], e, retain_graph=True
        )
        torch.testing.assert_close(a.connectivity[k], g.norm(dim=-1), rtol=1e-4, atol=1e-6)
        assert (a.connectivity[k, pos + 1 :] == 0).all()  # the future never matters
    torch.testing.assert_close(a.attention.sum(-1), torch.ones(1, 2, 4))
    assert gradients.backprop  # the shared autograd routine is the one used


@pytest.mark.parametrize("task", bridge.TASKS)
def test_the_pretrained_pair_solves_the_task_and_attention_finds_the_source(task):
    pair = checkpoints.load(f"transformer-bridge-{task}")
    assert pair.transformer_accuracy > 0.95 and pair.lstm_accuracy > 0.9
    assert bridge.accuracy(pair.transformer, pair.config) == pytest.approx(
        pair.transformer_accuracy
    )
    a = bridge.align(pair, bridge.encode("hgabcf"))
    assert a.transformer_pred == a.targets
    source = a.attention[0].mean(0).argmax(-1).tolist()  # where the answer was looked up
    n = pair.config.num_symbols
    assert source == (list(range(n - 1, -1, -1)) if task == "reverse" else list(range(n)))


def test_training_is_deterministic_per_seed():
    config = dataclasses.replace(bridge.BridgeConfig(), steps=5, num_symbols=3)
    seen = []
    a, b = bridge.train_pair(config, seen.append), bridge.train_pair(config)
    for pa, pb in zip(a.modules().parameters(), b.modules().parameters(), strict=True):
        assert torch.equal(pa, pb)
        assert not pa.requires_grad
    assert [(p.label, p.step) for p in seen] == [("LSTM", s) for s in range(1, 6)] + [
        ("Transformer", s) for s in range(1, 6)
    ]
    c = bridge.train_pair(dataclasses.replace(config, seed=1))
    assert not torch.equal(a.lstm.head.weight, c.lstm.head.weight)


def test_train_model_is_adam_with_clipping_on_the_answer_loss():
    """The same steps as a hand-written loop on the same problems."""
    config = bridge.BridgeConfig(num_symbols=3, steps=4)
    ours = bridge.LSTMSolver(config)
    history = bridge.train_model(ours, config)
    model = bridge.LSTMSolver(config)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    gen = torch.Generator().manual_seed(config.seed + 1)
    plain = []
    for _ in range(4):
        inputs, y = bridge.make_batch(config, config.batch_size, gen)
        logits = model(inputs)[:, 2:5]  # the positions that predict y_1..y_3
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, len(bridge.VOCAB)), y.reshape(-1)
        )
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        opt.step()
        plain.append(loss.item())
    assert history.losses == plain
    for p, q in zip(ours.parameters(), model.parameters(), strict=True):
        assert torch.equal(p, q)


def test_training_in_pieces_is_training_at_once():
    config = bridge.BridgeConfig(steps=12, seed=3)
    whole = bridge.untrained_pair(config).lstm
    bridge.train_model(whole, config)
    pieces = bridge.untrained_pair(config).lstm
    run = bridge.trainer(pieces, config)
    while not run.done:
        run.run(max_steps=5)
    for name, value in whole.state_dict().items():
        assert torch.equal(value, pieces.state_dict()[name]), name
