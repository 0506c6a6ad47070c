"""Course map: what each lab shows, which lecture it serves, one click to open it."""

import streamlit as st

from app import lesson, urlstate

st.title("seqviz — watch small sequence models think")
lesson.intro("home_intro")

LABS = [
    (
        "views/rnn.py",
        "RNN step-through",
        ":material/replay:",
        "Lecture: recurrent neural networks — hidden state, shared weights, unrolling; "
        "stacked and bidirectional RNNs.",
        "Step through a sentence one character at a time: the unrolled network, "
        r"$h_t = \tanh(W_{xh} x_t + W_{hh} h_{t-1} + b_h)$ with the real numbers, the hidden "
        "state as a heatmap and a 2-D trajectory, and the next-character prediction.",
    ),
    (
        "views/gates.py",
        "Gates: LSTM & GRU",
        ":material/tune:",
        "Lecture: gated recurrent units and long short-term memory — reset / update, "
        "forget / input / output gates, the cell state.",
        "Every gate of every unit over your text, each gate equation with its numbers, "
        "cell vs hidden state, gate saturation, and a helper that finds units that "
        "track spaces, vowels or word position — side by side with the plain RNN.",
    ),
]

for path, title, icon, lecture, what in LABS:
    slug = path.removeprefix("views/").removesuffix(".py")
    with st.container(border=True, key=f"lab_{slug}"):
        st.subheader(f"{icon} {title}")
        st.markdown(f"**{lecture}**")
        st.markdown(what)
        st.page_link(
            path,
            label=f"Open {title}",
            icon=":material/arrow_forward:",
            query_params=urlstate.carry(),
        )

st.subheader("Using seqviz")
st.markdown(lesson.prose("home_howto"))
