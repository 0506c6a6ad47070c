"""Course map: what each lab shows, which lecture it serves, one click to open it; and
where each lab sits among the shapes of recurrent models."""

import streamlit as st

from app import lesson, urlstate
from app.labs import LABS, by_url_path
from seqviz import shapes
from seqviz.figures.shapes import shapes_map

st.title("seqviz — watch small sequence models think")
st.markdown(lesson.prose("home_intro"))

# --- the shapes of recurrent models: only the labs this app has --------------------------
st.subheader("Where each lab sits")
present = {lab.url_path for lab in LABS}
placed = [s for s in shapes.lab_shapes() if s.url_path in present]
by_kind = {k: [s for s in placed if s.kind == k] for k in shapes.KINDS}
lesson.chart(
    shapes_map(
        shapes.KINDS,
        {k: [(by_url_path(s.url_path).title, s.shapes) for s in v] for k, v in by_kind.items()},
    ),
    key="home_shapes",
    how="orange boxes are inputs, green the recurrent state, blue the outputs; arrows go up "
    "and forward in time. Under each shape, the labs whose models have it, with their "
    "tensor shapes for one sequence (T inputs, T′ outputs); the links below open them.",
)
for col, kind in zip(st.columns(len(shapes.KINDS), gap=None), shapes.KINDS, strict=True):
    with col:
        for s in by_kind[kind]:
            lab = by_url_path(s.url_path)
            st.page_link(
                lab.path,
                label=lab.title.split(":")[0],  # the column is narrow: "Tagging", not its subtitle
                icon=lab.icon,
                help=f"{lab.title}: {s.what}",
                query_params=urlstate.carry(),
            )

st.subheader("The labs")
for lab in LABS:
    with st.container(border=True, key=f"lab_{lab.url_path}"):
        st.subheader(f"{lab.icon} {lab.title}")
        st.markdown(f"**Lecture: {lab.lecture}**")
        st.markdown(lab.summary)
        st.page_link(
            lab.path,
            label=f"Open {lab.title}",
            icon=":material/arrow_forward:",
            query_params=urlstate.carry(),
        )

st.subheader("Using seqviz")
st.markdown(lesson.prose("home_howto"))
