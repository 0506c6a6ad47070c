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
        main_chart="rnn_step_view",  # the step view (rnn_unrolled with ?stepping=server)
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
        path="views/sentiment.py",
        title="Sentiment: many-to-one",
        icon=":material/sentiment_satisfied:",
        url_path="sentiment",
        lecture="Sequence classification — embeddings and pooling, an RNN's final state, "
        "padding and masking, bidirectional encoders, TextCNN.",
        summary="Type a review and watch seven word-level classifiers trained on 3000 real "
        "review sentences read it: P(positive) after each word, the output unit "
        r"$\sigma(w^\top h_T + b)$ with its numbers, a padded minibatch with its mask, "
        "gradient × input and occlusion, TextCNN's filters with max-over-time pooling; train "
        "them live.",
        key_prefix="sent",
        main_chart="sent_reading",
    ),
    Lab(
        path="views/tagging.py",
        title="Tagging: BiLSTM NER",
        icon=":material/label:",
        url_path="tagging",
        lecture="Sequence labelling — many-to-many recurrent models, bidirectional LSTMs, "
        "named-entity recognition with BIO tags, entity-level F1.",
        summary="Type a sentence and a BiLSTM tags every word (persons, locations, "
        "organisations) with its probabilities; step through it to see the forward and "
        "backward states and each direction's share of the tag's logit; held-out P / R / F1, "
        "the confusion matrix and the errors; train a tagger live.",
        key_prefix="tag",
        main_chart="tag_probs",
    ),
    Lab(
        path="views/siamese.py",
        title="Siamese networks",
        icon=":material/compare_arrows:",
        url_path="siamese",
        lecture="Siamese networks — one encoder with shared weights, cosine similarity, the "
        "triplet loss with mean and closest negatives, duplicate questions, one-shot learning.",
        summary="Type two sentences: one LSTM encodes both (one set of weights), their cosine "
        "with its numbers against the threshold gives the verdict; a batch's similarity matrix "
        "with the mean and closest negatives and every triplet-loss term; the embedding space "
        "before and after training; one-shot comparison against a set; live training.",
        key_prefix="sia",
        main_chart="sia_cosine",
    ),
    Lab(
        path="views/seq2seq.py",
        title="Seq2seq & attention",
        icon=":material/translate:",
        url_path="seq2seq",
        lecture="Encoder–decoder models and attention — the fixed-size context, additive and "
        "dot-product attention, alignment, greedy and beam search, BLEU.",
        summary="Why attention was invented: a GRU encoder–decoder without attention falls off "
        "with source length while additive and dot-product attention hold; decode step by step "
        r"with $\alpha_{t,i} = \mathrm{softmax}_i(e_{t,i})$, $c_t = \sum_i \alpha_{t,i} h_i$ "
        "and their numbers, the alignment heatmap, and greedy vs beam search with its tree.",
        key_prefix="s2s",
        main_chart="s2s_bottleneck",
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
        path="views/block.py",
        title="Inside a Transformer block",
        icon=":material/layers:",
        url_path="block",
        lecture="The Transformer block — the residual stream, LayerNorm (pre-LN vs post-LN), "
        "multi-head attention, the feed-forward layer; what each layer predicts.",
        summary="Follow one character through the tiny Transformer: the residual stream "
        r"stage by stage ($x \leftarrow x + \mathrm{MHA}(\mathrm{LN}_1(x))$, "
        r"$x \leftarrow x + \mathrm{FFN}(\mathrm{LN}_2(x))$) with norms and the numbers of one "
        "dimension, the feed-forward's GELU units, one head's Q, K and V, a bertviz-style head "
        "view, and the logit lens: the prediction after every layer.",
        key_prefix="blk",
        main_chart="blk_stream",
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
