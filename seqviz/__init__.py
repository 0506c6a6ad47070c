"""seqviz: watch small live sequence models think.

The core library behind the app: text processing (:mod:`seqviz.text`), small
character-level language models (:mod:`seqviz.charlm`, :mod:`seqviz.checkpoints`)
and recorders that trace every step of a recurrent network. It depends on torch
and numpy only; import submodules directly, e.g. ``from seqviz.text import Vocab``.
"""

__version__ = "0.1.0"
