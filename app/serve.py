"""Start the app warm: every lab's default view computed before the server answers.

    python app/serve.py [streamlit options, e.g. --server.port 8501]

``streamlit run app/main.py`` answers its health check at once but imports torch and
runs the models only when the first student opens a page (about 4–5 s on 2 cores), and
a class opening the link together queues behind that. This launcher first runs every
page once in this process, with its default settings (``streamlit.testing``'s AppTest,
which shares ``st.cache_resource`` with the server it then starts: the models, the
traces and the frozen figures of each default view), then starts the same server as
``streamlit run app/main.py`` would. The health check answers only once the caches are
warm, so a load balancer sends no student to a cold replica.

After the warm-up, everything it left in memory (torch, the models, the cached traces and
figures) is moved out of the garbage collector's sight (``gc.freeze``): those objects live
as long as the server, and a collection that walked them again on every script run was the
largest part of a first page's CPU. The project's ``.streamlit/config.toml`` turns off
Streamlit's full collection after every run (``runner.postScriptGC``); this launcher turns
it off too when started from another directory.

``SEQVIZ_WARM=0`` skips the warm-up (then this is just ``streamlit run``).
"""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAIN = ROOT / "app" / "main.py"


def warm(pages: list[str] | None = None, timeout: float = 300) -> dict[str, float]:
    """Run each page once (default view); returns seconds per page."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from streamlit.testing.v1 import AppTest

    from app.labs import LABS

    views = pages or ["views/home.py"] + [lab.path for lab in LABS]
    # the RNN page's client-side step view has its own cached data (?stepping=browser)
    runs = [(v, {}) for v in views] + [("views/rnn.py", {"stepping": "browser"})]
    took = {}
    for view, query in runs:
        start = time.perf_counter()
        at = AppTest.from_file(str(MAIN), default_timeout=timeout)
        for key, value in query.items():
            at.query_params[key] = value
        at.switch_page(view)
        at.run()
        took[view + "".join(f"?{k}={v}" for k, v in query.items())] = round(
            time.perf_counter() - start, 2
        )
    return took


def main() -> None:
    if os.environ.get("SEQVIZ_WARM", "1") != "0":
        start = time.perf_counter()
        took = warm()
        print(f"seqviz: caches warm in {time.perf_counter() - start:.1f} s {took}", flush=True)
    gc.collect()
    gc.freeze()  # what is alive now stays alive: no collection walks it again
    from streamlit.web import cli

    options = sys.argv[1:]
    if not any(o.startswith("--runner.postScriptGC") for o in options):
        options = ["--runner.postScriptGC", "false", *options]
    sys.argv = ["streamlit", "run", str(MAIN), *options]
    cli.main()


if __name__ == "__main__":
    main()
