"""seqviz.siamese and seqviz.pairs_data: the shared encoder against nn.LSTM, cosines against loops."""

import math

import pytest
import torch
from torch import nn

from seqviz import pairs_data
from seqviz.siamese import (
    Encoder,
    cosine,
    cosine_matrix,
    encode,
    encode_tensor,
    read,
    word_effects,
)


def test_the_split_is_the_one_the_readme_states():
    assert len(pairs_data.load_pairs()) == 9840
    train, tau, held = (
        pairs_data.training_pairs(),
        pairs_data.threshold_pairs(),
        pairs_data.heldout_pairs(),
    )
    assert len(train) == 606 and all(p.duplicate and p.split == "TRAIN" for p in train)
    assert len(tau) == 168 and sum(p.duplicate for p in tau) == 84
    assert len(held) == 1220 and sum(p.duplicate for p in held) == 610
    assert {p.split for p in tau} == {"TRIAL"} and {p.split for p in held} == {"TEST"}
    assert not {p.pair_id for p in train} & {p.pair_id for p in held}
    v = pairs_data.vocab()
    assert v.to_tokens([0, 1]) == ["<unk>", "<pad>"] and len(v) == 2185


def test_the_encoding_is_nn_lstm_last_hidden_state_on_the_same_weights():
    enc = Encoder(50, 6, 5, seed=1).eval()
    ids, lengths = torch.tensor([[3, 4, 5, 1, 1], [7, 8, 9, 10, 11]]), torch.tensor([3, 5])
    v = enc(ids, lengths)
    ref = nn.LSTM(6, 5)  # time first, unbatched reference, one sentence at a time
    ref.load_state_dict(enc.lstm.state_dict())
    for i in range(2):
        x = enc.embedding(ids[i, : lengths[i]])  # (T, E)
        _, (h_T, _) = ref(x)
        assert torch.allclose(v[i], h_T[0, 0] if h_T.dim() == 3 else h_T[0], atol=1e-6)


def test_both_sentences_go_through_one_set_of_weights():
    enc = Encoder(len(pairs_data.vocab()), 6, 5, seed=1)
    names = [n for n, _ in enc.named_parameters()]
    assert names == [
        "embedding.weight",
        "lstm.weight_ih_l0",
        "lstm.weight_hh_l0",
        "lstm.bias_ih_l0",
        "lstm.bias_hh_l0",
    ]
    # the same sentence typed twice gets the same encoding: cosine 1
    a, b = encode(enc, pairs_data.vocab(), ["a man is cooking", "a man is cooking"])
    assert float(cosine(a.v, b.v)) == pytest.approx(1.0)


def test_cosine_matrix_is_the_direct_loop():
    g = torch.Generator().manual_seed(0)
    v_a, v_b = torch.randn(4, 7, generator=g), torch.randn(5, 7, generator=g)
    S = cosine_matrix(v_a, v_b)
    for i in range(4):
        for j in range(5):
            dot = sum(float(v_a[i, k]) * float(v_b[j, k]) for k in range(7))
            na = math.sqrt(sum(float(x) ** 2 for x in v_a[i]))
            nb = math.sqrt(sum(float(x) ** 2 for x in v_b[j]))
            assert float(S[i, j]) == pytest.approx(dot / (na * nb), abs=1e-6)
            assert float(cosine(v_a[i], v_b[j])) == pytest.approx(dot / (na * nb), abs=1e-6)
    assert torch.allclose(S, nn.functional.cosine_similarity(v_a[:, None], v_b[None], dim=-1))


def test_unknown_and_empty_input_read_as_unk():
    enc = Encoder(len(pairs_data.vocab()), 4, 3, seed=0)
    e = encode(enc, pairs_data.vocab(), ["", "zzyzx 🙂 man"])
    assert e[0].tokens == ["<unk>"] and e[0].v.shape == (3,)
    assert e[1].tokens == ["zzyzx", "🙂", "man"] and e[1].unknown == [True, True, False]
    assert encode_tensor(enc, pairs_data.vocab(), ["a", "b c"]).shape == (2, 3)


def test_reading_word_by_word_ends_in_the_encoding():
    enc = Encoder(len(pairs_data.vocab()), 6, 5, seed=2).eval()
    a, b = encode(enc, pairs_data.vocab(), ["a man is cooking", "a woman is cooking"])
    r = read(enc, pairs_data.vocab(), "a man is cooking", b.v)
    assert r.tokens == ["a", "man", "is", "cooking"] and r.h.shape == (4, 5)
    assert torch.allclose(r.h[-1], a.v, atol=1e-6)  # v = h_T
    out, _ = enc.lstm(enc.embedding(torch.tensor([pairs_data.vocab()[w] for w in r.tokens])))
    assert torch.allclose(r.h, out.detach(), atol=1e-6)  # every h_t is nn.LSTM's
    assert float(r.cos_to_other[-1]) == pytest.approx(float(cosine(a.v, b.v)), abs=1e-6)


def test_word_effects_are_the_cosine_lost_without_each_word():
    enc = Encoder(len(pairs_data.vocab()), 6, 5, seed=2).eval()
    v = pairs_data.vocab()
    other = torch.randn(5, generator=torch.Generator().manual_seed(0))
    sentence = "A man is slicing a tomato"
    words = pairs_data.words(sentence)
    full = float(cosine(encode(enc, v, [sentence])[0].v, other))
    got = word_effects(enc, v, sentence, other)
    assert got.shape == (len(words),)
    for t in range(len(words)):  # the sentence typed again without word t, encoded alone
        without = " ".join(words[:t] + words[t + 1 :])
        expected = full - float(cosine(encode(enc, v, [without])[0].v, other))
        assert float(got[t]) == pytest.approx(expected, abs=1e-6)
    one = word_effects(enc, v, "tomato", other)  # one word: against a lone <unk>
    assert float(one[0]) == pytest.approx(
        float(cosine(encode(enc, v, ["tomato"])[0].v, other))
        - float(cosine(encode(enc, v, [""])[0].v, other)),
        abs=1e-6,
    )
