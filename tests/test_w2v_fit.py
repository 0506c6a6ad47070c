"""Word2Vec training as a job (seqviz.w2v_fit): picklable, resumable, stoppable."""

import math
import pickle

import pytest
import torch

from seqviz import jobs
from seqviz.w2v_fit import FitConfig, corpus_for, fit, trainer_of
from seqviz.w2v_training import TrainConfig, Trainer

TEXT = " ".join(
    ["the cat sat on the mat and the dog sat on the log"] * 30
    + ["a bird flew over the tree and a bee flew over the flower"] * 30
)


@pytest.fixture(autouse=True)
def one_thread():
    """As in a training worker: one thread (tiny tensors on two busy threads crawl)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def config(architecture: str = "skipgram", **train) -> FitConfig:
    settings = dict(embedding_size=8, epochs=3, batch_size=32, seed=4) | train
    return FitConfig(TrainConfig(architecture=architecture, **settings), TEXT, 1, (1, 2, 3))


def test_fit_in_pieces_ends_with_the_weights_of_one_run():
    for architecture in ("skipgram", "cbow"):
        c = config(architecture)
        whole = Trainer(corpus_for(TEXT, 1), c.train, track=c.track)
        whole.run()
        state, calls = None, 0
        while state is None or not state["done"]:
            state = fit(c, state, max_seconds=math.inf, callback=lambda p: True)  # one report
            state = pickle.loads(pickle.dumps(state))  # as it comes back from a worker
            calls += 1
        assert calls > 5
        assert torch.equal(state["W"], whole.model.W)
        assert torch.equal(state["W_out"], whole.model.W_out)
        assert state["losses"] == whole.losses and state["words"] == whole.total_words
        assert len(state["snapshots"]) == len(whole.snapshots) == 51 + 1  # + the start
        again = trainer_of(c, state)
        assert again.done and again.history.step == whole.history.step


def test_a_stop_or_no_time_ends_a_call_and_the_state_says_how_far_it_got():
    c = config()
    state = fit(c, None, max_seconds=0.0)
    assert state["words"] == 0 and not state["done"] and state["history"]["steps"] == []
    steps = []
    state = fit(c, state, max_seconds=9e9, stop=lambda: len(steps) >= 1, callback=steps.append)
    assert 0 < state["words"] < 3 * corpus_for(TEXT, 1).n_words and not state["done"]
    assert steps[0].tokens == state["loss_words"][0] and steps[0].loss == state["losses"][0]


def test_the_pool_runs_a_word2vec_job_to_the_same_weights():
    c = config(epochs=2)
    pool = jobs.Pool(workers=1, mode="inline", chunk_seconds=math.inf)
    job = pool.submit("me", fit, c, None, max_seconds=60)
    status = pool.status(job)
    assert status.phase == "finished" and status.state["done"]
    direct = fit(c, None, max_seconds=math.inf)
    assert torch.equal(status.state["W"], direct["W"])
    assert [p.tokens for p in status.records] == direct["loss_words"]
