"""seqviz.transformer_training: the Transformer LM's training recipe."""

import dataclasses

import pytest
import torch
import torch.nn.functional as F

from seqviz import lm, training, transformer_training
from seqviz.text import Vocab, heldout_split, load_time_machine, tokenize

SMALL = dataclasses.replace(
    transformer_training.TrainConfig(),
    d_model=32,
    d_ff=64,
    num_steps=32,
    context=32,
    steps=30,
    warmup=5,
)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_training_lowers_the_loss_and_is_reproducible():
    text = load_time_machine()[:20_000]
    seen = []
    lm1, h1 = transformer_training.train(SMALL, text, callback=seen.append, eval_every=10)
    lm2, h2 = transformer_training.train(SMALL, text)
    assert h1.losses == h2.losses
    assert h1.losses[-1] < h1.losses[0]
    assert not lm1.model.training
    assert not any(p.requires_grad for p in lm1.model.parameters())
    assert h1.eval_steps == [10, 20, 30]
    assert h1.heldout[-1] == pytest.approx(lm.perplexity(lm1, heldout_split(text)[1]))
    assert [p.step for p in seen] == list(range(1, 31)) and seen[-1].label == "transformer"
    assert seen[-1].tokens == 30 * SMALL.batch_size * SMALL.num_steps


def test_training_is_adamw_with_warmup_and_decay_on_the_matrices_only():
    """The first steps equal a hand-written loop on the same windows."""
    text = load_time_machine()[:20_000]
    config = dataclasses.replace(SMALL, steps=4, warmup=2)
    _, history = transformer_training.train(config, text)
    fresh = transformer_training.untrained(config, Vocab(tokenize(text, "char")))
    model = fresh.model.requires_grad_(True).train()
    ids = fresh.encode(heldout_split(text)[0]).ids
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    others = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": matrices, "weight_decay": 0.1}, {"params": others, "weight_decay": 0.0}],
        lr=config.lr,
    )
    schedule = training.cosine_schedule(config.lr, config.steps, config.warmup)
    gen = torch.Generator().manual_seed(config.seed + 1)
    W = config.num_steps + 1
    plain = []
    for s in range(1, 5):
        for group in opt.param_groups:
            group["lr"] = schedule(s)
        starts = torch.randint(0, len(ids) - W + 1, (config.batch_size,), generator=gen)
        windows = ids[starts[:, None] + torch.arange(W)[None, :]]
        logits = model(windows[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        opt.step()
        plain.append(loss.item())
    assert history.losses == plain


def test_training_in_pieces_is_training_at_once():
    """A run stopped and continued (the lab's Stop / Train) gives the same model."""
    text = load_time_machine()[:20_000]
    whole, _ = transformer_training.train(SMALL, text)
    lm, run = transformer_training.trainer(SMALL, text)
    while not run.done:
        run.run(max_steps=7)
    assert run.history.step == SMALL.steps
    for name, value in whole.model.state_dict().items():
        assert torch.equal(value, lm.model.state_dict()[name]), name
