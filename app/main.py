"""seqviz — the picture frame: navigation and shared frame UI only.

Run from the repository root:  streamlit run app/main.py
Each lab is a page in app/views/; shared helpers live in app/*.py.
"""

import sys
from pathlib import Path

# `streamlit run app/main.py` puts app/ (this file's folder) on sys.path, not the
# repository root; the pages import `app.*` and `seqviz`, which live there.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import altair  # noqa: E402, F401  (heavy imports first, so the freeze below covers them)
import plotly.graph_objects  # noqa: E402, F401
import streamlit as st  # noqa: E402
import torch  # noqa: E402, F401

from app import frame, urlstate  # noqa: E402
from app.labs import LABS  # noqa: E402

frame.setup_process_once()  # gc.collect(); gc.freeze(); torch.set_num_threads(1)

# The tab icon is a file served by the app itself: a `:material/…` page icon makes the
# browser fetch an SVG from an external font host (a lecture hall may have no internet).
FAVICON = ROOT / "assets" / "favicon.png"
st.set_page_config(layout="wide", page_title="seqviz", page_icon=str(FAVICON))

# Paths are relative to this file (Streamlit resolves them from the entry script).
# The course map is served at / (the default page's address) and, as a hidden second
# entry for the same script, at /home: a default page's own url_path is not served.
home = st.Page(
    "views/home.py", title="Course map", icon=":material/map:", url_path="map", default=True
)
home_alias = st.Page(
    "views/home.py",
    title="Course map",
    icon=":material/map:",
    url_path="home",
    visibility="hidden",
)
pages = [home, home_alias] + [
    st.Page(lab.path, title=lab.title, icon=lab.icon, url_path=lab.url_path) for lab in LABS
]
page = st.navigation(pages, expanded=True)  # every lab listed, no "View more"
urlstate.restore_on_page_switch(page)
frame.lecture_mode_toggle()
page.run()
frame.finish()  # link note, scores kept by the browser (frame.stop() does it on an early end)
