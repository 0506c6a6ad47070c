"""The encoder–decoder against PyTorch and hand computations."""

import math

import pytest
import torch
import torch.nn.functional as F

from seqviz import seq2seq_training as training
from seqviz import translation_data as data
from seqviz.seq2seq import ModelConfig, Seq2Seq, greedy, greedy_batch


def small(attention: str, seed: int = 0) -> Seq2Seq:
    return Seq2Seq(ModelConfig(attention, embedding_size=3, hidden_size=4), 7, 6, seed=seed).eval()


def batch():
    X = torch.tensor([[3, 4, 5, 2], [4, 6, 2, 1]])  # second row padded (pad id 1)
    return X, torch.tensor([4, 3])


@pytest.mark.parametrize("attention", ["none", "additive", "dot"])
def test_encoder_equals_nn_gru_on_each_unpadded_sentence(attention):
    model = small(attention)
    X, X_len = batch()
    h, h_S, mask = model.encode(X, X_len)
    for b in range(2):
        x = X[b, : X_len[b]]
        ref, ref_last = model.encoder(model.embed_src(x)[None])  # nn.GRU on the bare sentence
        torch.testing.assert_close(h[b, : X_len[b]], ref[0])
        torch.testing.assert_close(h_S[b], ref_last[0, 0])
        assert mask[b].tolist() == [i < X_len[b] for i in range(4)]
        assert (h[b, X_len[b] :] == 0).all()


@pytest.mark.parametrize("attention", ["additive", "dot"])
def test_attention_weights_sum_to_one_and_ignore_padding(attention):
    model = small(attention)
    X, X_len = batch()
    h, h_S, mask = model.encode(X, X_len)
    read = model.attend(torch.randn(2, 4, generator=torch.Generator().manual_seed(1)), h, h_S, mask)
    torch.testing.assert_close(read.alpha.sum(-1), torch.ones(2))
    assert read.alpha[1, 3] == 0
    assert (read.alpha[:, :3] > 0).all()


def test_additive_attention_equals_a_hand_computation():
    model = small("additive")
    h = torch.tensor([[[1.0, 0.0, -1.0, 0.5], [0.0, 2.0, 0.0, -0.5]]])  # (1, S=2, H=4)
    s = torch.tensor([[0.5, -0.5, 1.0, 0.0]])
    read = model.attend(s, h, h[:, -1], torch.tensor([[True, True]]))
    Wq, Wk, v = model.W_q.weight.tolist(), model.W_k.weight.tolist(), model.v.weight[0].tolist()
    e = []
    for i in range(2):
        hi = h[0, i].tolist()
        pre = [
            sum(Wq[r][j] * s[0, j].item() for j in range(4))
            + sum(Wk[r][j] * hi[j] for j in range(4))
            for r in range(4)
        ]
        e.append(sum(v[r] * math.tanh(pre[r]) for r in range(4)))
    alpha = [math.exp(x) / sum(math.exp(y) for y in e) for x in e]
    c = [alpha[0] * h[0, 0, j].item() + alpha[1] * h[0, 1, j].item() for j in range(4)]
    torch.testing.assert_close(read.e[0], torch.tensor(e))
    torch.testing.assert_close(read.alpha[0], torch.tensor(alpha))
    torch.testing.assert_close(read.c[0], torch.tensor(c))


def test_dot_attention_by_hand_and_equals_torch_sdpa_unscaled():
    model = small("dot")
    h = torch.tensor([[[1.0, 0.0, -1.0, 0.5], [0.0, 2.0, 0.0, -0.5]]])
    s = torch.tensor([[0.5, -0.5, 1.0, 0.0]])
    read = model.attend(s, h, h[:, -1], torch.tensor([[True, True]]))
    # s·h_1 = 0.5 - 1 = -0.5; s·h_2 = -1
    torch.testing.assert_close(read.e[0], torch.tensor([-0.5, -1.0]))
    a1 = 1 / (1 + math.exp(-0.5))
    torch.testing.assert_close(read.alpha[0], torch.tensor([a1, 1 - a1]))
    ref = F.scaled_dot_product_attention(s[:, None], h, h, scale=1.0)[:, 0]
    torch.testing.assert_close(read.c, ref)


def test_no_attention_context_is_the_last_encoder_state():
    model = small("none")
    X, X_len = batch()
    h, h_S, mask = model.encode(X, X_len)
    read = model.attend(torch.zeros(2, 4), h, h_S, mask)
    torch.testing.assert_close(read.c, h_S)
    assert read.alpha.argmax(-1).tolist() == [3, 2]


@pytest.mark.parametrize("attention", ["none", "additive", "dot"])
def test_decoder_step_equals_nn_gru_cell_and_the_loss_has_autograd_gradients(attention):
    model = small(attention)
    X, X_len = batch()
    Y = torch.tensor([[3, 4, 2], [5, 2, 1]])
    logits = model(X, X_len, Y, bos=0)
    h, h_S, mask = model.encode(X, X_len)
    read = model.attend(h_S, h, h_S, mask)
    cell = torch.nn.GRUCell(3 + 4, 4)
    cell.load_state_dict(model.decoder.state_dict())
    s_1 = cell(torch.cat([model.embed_tgt(torch.tensor([0, 0])), read.c], -1), h_S)
    torch.testing.assert_close(logits[:, 0], model.out(s_1))
    model.train()
    loss = F.cross_entropy(model(X, X_len, Y, 0).flatten(0, 1), Y.flatten(), ignore_index=1)
    loss.backward()
    assert all(p.grad is not None and p.grad.isfinite().all() for p in model.parameters())


@pytest.mark.parametrize("attention", ["none", "additive", "dot"])
def test_greedy_trace_matches_batched_greedy_and_weights_sum_to_one(attention):
    translator = training.untrained(training.FitConfig(task="copy", attention=attention))
    src = translator.source_ids(list("abcdef"))
    d = greedy(translator.model, src, translator.pairs.src_vocab, translator.pairs.tgt_vocab, 8)
    ids = greedy_batch(
        translator.model,
        torch.tensor([src]),
        torch.tensor([len(src)]),
        translator.bos,
        translator.eos,
        8,
    )[0]
    assert [s.token for s in d.steps if s.token != translator.eos] == ids
    torch.testing.assert_close(d.alignment.sum(-1), torch.ones(len(d.steps)))
    assert d.source == tuple("abcdef") + ("<eos>",)
    for s in d.steps:
        torch.testing.assert_close(s.c, s.alpha @ d.h)


def test_teacher_forcing_zero_reads_the_model_guesses():
    model = small("dot")
    X, X_len = batch()
    Y = torch.tensor([[3, 4, 2], [5, 2, 1]])
    free = model(X, X_len, Y, 0, forcing=0.0, generator=torch.Generator().manual_seed(0))
    guesses = greedy_batch(model, X, X_len, 0, eos=99, max_len=3)
    assert free.argmax(-1).tolist() == guesses


def test_data_split_and_preprocessing():
    assert data.tokens("Go.") == ["go", "."]
    assert data.tokens("Ça alors\u202f!") == ["ça", "alors", "!"]
    pairs = data.load("fra-eng")
    assert (len(pairs.train), len(pairs.heldout)) == (16258, 1807)
    X, X_len, Y = data.train_batch(pairs, 5, torch.Generator().manual_seed(0))
    assert (
        X.shape[0] == Y.shape[0] == 5
        and (X[torch.arange(5), X_len - 1] == pairs.src_vocab["<eos>"]).all()
    )
    copy = data.load("copy")
    assert {len(s) for s, _ in copy.heldout} == set(range(3, 17))
    assert all(s == t and len(set(s)) == len(s) for s, t in copy.heldout)


def test_figures_have_one_trace_per_model_and_node_per_candidate():
    from seqviz import beam
    from seqviz.figures import seq2seq as sfigs

    fig = sfigs.by_length(
        {"none": {3: 0.9, 4: 0.5}, "additive": {3: 1.0, 4: 1.0}},
        {"none": "no attention", "additive": "additive"},
        measure="token accuracy",
        baseline=0.04,
    )
    assert [t.name for t in fig.data] == ["no attention", "additive"]
    assert list(fig.data[0].y) == [0.9, 0.5]
    translator = training.untrained(training.FitConfig(task="copy", attention="dot"))
    search = beam.search(
        translator.model, translator.source_ids(list("abc")), translator.bos, translator.eos, 2, 3
    )
    tree = sfigs.beam_tree(
        search.steps, translator.pairs.tgt_vocab.idx_to_token, search.best.tokens, pruned=True
    )
    nodes = [t for t in tree.data if t.mode == "markers+text"]
    assert [len(t.y) for t in nodes[1:]] == [len(s) for s in search.steps]
