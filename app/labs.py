"""The labs that exist, in course order: one entry each feeds the navigation
(app/main.py), the course map (app/views/home.py) and every page's previous / next
links (:func:`app.lesson.lab_links`). Adding a lab = adding a `Lab`, its page
``app/views/<lab>.py`` and at most one ``app/views/<lab>_parts.py``.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Lab:
    path: str  # page file, relative to app/main.py
    title: str  # navigation and course-map title
    icon: str  # Material icon
    url_path: str  # /<url_path> in the address bar
    lecture: str  # the lecture topic it serves
    summary: str  # what the student sees and does (markdown)
    key_prefix: str  # every widget key of the lab starts with "<key_prefix>_" (see urlstate.SHARED)
    main_chart: str  # key of the chart (or keyed box) a lecture shows first: in lecture mode
    # its top is on the first 1280 x 720 screen (tests/test_browser_lecture.py)


LABS = (
    Lab(
        path="views/text.py",
        title="Text & tokens",
        icon=":material/text_fields:",
        url_path="text",
        lecture="Text preprocessing — tokens, vocabulary and <unk>, Zipf's law, minibatches.",
        summary="Characters, words and byte-pair-encoding subwords side by side; the "
        "vocabulary with a min_freq slider and its <unk> rate; the Zipf plot of unigrams, "
        "bigrams and trigrams with fitted exponents; sequential vs random minibatches drawn "
        "slice by slice.",
        key_prefix="text",
        main_chart="text_bpe_curve",
    ),
    Lab(
        path="views/lm.py",
        title="Language models",
        icon=":material/model_training:",
        url_path="lm",
        lecture="Language models — n-grams vs RNNs, perplexity, teacher forcing, sampling.",
        summary="n-gram vs LSTM perplexity and memory, the Markov window with its counts; "
        "train an RNN / GRU / LSTM live with curves and samples; generate with temperature "
        "and top-k; teacher forcing vs free running, step by step.",
        key_prefix="lm",
        main_chart="lm_ppl_bars",
    ),
    Lab(
        path="views/rnn.py",
        title="RNN step-through",
        icon=":material/replay:",
        url_path="rnn",
        lecture="Recurrent neural networks — hidden state, shared weights, unrolling; "
        "stacked and bidirectional RNNs.",
        summary="Step through a sentence one character at a time: the unrolled network, "
        r"$h_t = \tanh(W_{xh} x_t + W_{hh} h_{t-1} + b_h)$ with the real numbers, the hidden "
        "state as a heatmap and a 2-D trajectory, and the next-character prediction.",
        key_prefix="rnn",
        main_chart="rnn_unrolled",
    ),
    Lab(
        path="views/gates.py",
        title="Gates: LSTM & GRU",
        icon=":material/tune:",
        url_path="gates",
        lecture="Gated recurrent units and long short-term memory — reset / update, "
        "forget / input / output gates, the cell state.",
        summary="Every gate of every unit over your text, each gate equation with its "
        "numbers, cell vs hidden state, gate saturation, and a helper that finds units that "
        "track spaces, vowels or word position — side by side with the plain RNN.",
        key_prefix="gates",
        main_chart="gates_diagram",
    ),
    Lab(
        path="views/gradients.py",
        title="Gradient flow",
        icon=":material/trending_down:",
        url_path="gradients",
        lecture="Backpropagation through time — vanishing and exploding gradients, "
        "eigenvalues of W_hh, clipping, truncated BPTT, gating as a remedy.",
        summary="‖∂L/∂h_t‖ through time for an RNN, a GRU and an LSTM on the same input, computed "
        "by autograd; W_hh's eigenvalues against the unit circle with the Pascanu bound; the BPTT "
        "recursion with its numbers; clipping and truncation; a long-memory task trained live.",
        key_prefix="grad",
        main_chart="grad_curves",
    ),
    Lab(
        path="views/attention.py",
        title="Self-attention",
        icon=":material/center_focus_strong:",
        url_path="attention",
        lecture="Attention — queries, keys and values, scaled dot product, softmax, masks, "
        "positional encodings.",
        summary="Your sentence through one attention head, step by step: embeddings + positions, "
        r"Q, K, V, $QK^\top$, $/\sqrt{d_k}$, the causal mask, softmax and the weighted values, each "
        "with its equation and numbers; switch the scaling off to watch the softmax saturate; "
        "sinusoidal encodings and a shuffled sentence that attention cannot tell apart.",
        key_prefix="att",
        main_chart="att_fig_weights",
    ),
    Lab(
        path="views/transformer.py",
        title="Transformer",
        icon=":material/hub:",
        url_path="transformer",
        lecture="The Transformer — multi-head self-attention, residuals and layer norm, "
        "causal masking for language modelling; RNNs vs attention.",
        summary="Every head of a tiny Transformer trained on The Time Machine reading your "
        "text (the model view); generation with temperature and top-k, stepping through each "
        "new character's attention; train your own; an LSTM and a Transformer reversing a "
        "sequence, attention next to the LSTM's gradient connectivity.",
        key_prefix="tf",
        main_chart="tf_model_view",
    ),
    Lab(
        path="views/word2vec.py",
        title="Word2Vec",
        icon=":material/scatter_plot:",
        url_path="word2vec",
        lecture="Word embeddings — the skip-gram window, one-hot -> embedding -> context matrix "
        "-> softmax, cross-entropy over the window, negative sampling.",
        summary="Slide the window over a sentence and watch the (centre, context) pairs pile up; "
        "the network for one centre word with every number — $h_j$, $u_j = h_j W'$, "
        r"$\hat y_j = \mathrm{softmax}(u_j)$ and $H = -\sum_{c} \log p(x_c \mid x_j)$ — or with "
        "negative sampling; train on The Time Machine live, full softmax vs negative sampling, "
        "with an animated word map, nearest neighbours and analogies.",
        key_prefix="w2v",
        main_chart="w2v_strip",
    ),
    Lab(
        path="views/exercises.py",
        title="Exercises",
        icon=":material/assignment:",
        url_path="exercises",
        lecture="Practice for every lecture so far — predict, then check against the live model.",
        summary="Step-through exercises in sets that follow the lectures: enter h_t of a unit, "
        "predict a forget gate, a perplexity, a gradient's fate. Every question is generated "
        "from a seed and the live models, with a hint, a worked solution, a session score and "
        "a downloadable summary.",
        key_prefix="ex",
        main_chart="ex_exercise",
    ),
)


def by_url_path(url_path: str) -> Lab:
    """The lab at /<url_path>."""
    return next(lab for lab in LABS if lab.url_path == url_path)


def neighbours(url_path: str) -> tuple[Lab | None, Lab | None]:
    """(previous, next) lab in course order; None at either end."""
    i = [lab.url_path for lab in LABS].index(url_path)
    return (LABS[i - 1] if i > 0 else None), (LABS[i + 1] if i + 1 < len(LABS) else None)
