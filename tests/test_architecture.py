"""The core library stands without the app: importing seqviz never imports Streamlit."""

import subprocess
import sys

CHECK = """
import importlib, pkgutil, sys
import seqviz
for info in pkgutil.walk_packages(seqviz.__path__, "seqviz."):
    if info.name.endswith("__main__"):
        continue
    importlib.import_module(info.name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("streamlit", "app"))
print(",".join(loaded))
"""


def test_importing_every_seqviz_module_does_not_import_streamlit_or_app():
    done = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"seqviz imported {done.stdout.strip()}"
