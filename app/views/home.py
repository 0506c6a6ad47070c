"""Course map: what each lab shows, which lecture it serves, one click to open it."""

import streamlit as st

from app import lesson, urlstate
from app.labs import LABS

st.title("seqviz — watch small sequence models think")
st.markdown(lesson.prose("home_intro"))

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
