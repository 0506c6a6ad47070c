"""Controls shared by the labs: the text the model reads and which weights it uses."""

import re

import streamlit as st
from streamlit.errors import StreamlitAPIException

from app.urlstate import BOUND, remember, start_value

DEFAULT_TEXT = (
    "The concert was boring for the first 20 minutes while the band warmed up "
    "but then was terribly exciting."
)
MAX_CHARS = 300  # longer texts are cut here (the heatmaps get one column per character)

MODELS = ("trained", "untrained")


def text_input(
    key: str = "text",
    default: str = DEFAULT_TEXT,
    limit: int = MAX_CHARS,
    help: str = "Type anything and press Ctrl+Enter (or click outside the box). The models "
    "know 26 lower-case letters and the space; everything else becomes <unk>.",
    prompt: str = "Type a sentence above — even a single letter works — and press Ctrl+Enter "
    "to watch the model read it.",
) -> str | None:
    """The text box the model reads; returns the text (cut at ``limit``), or None if empty.

    An empty box gets ``prompt`` instead of charts; a longer text a note saying where
    it was cut.
    """
    start_value(key, default)
    text = st.text_area("Text for the model to read", key=key, height=80, help=help, **BOUND)
    remember(key, text)
    if not text or not text.strip():
        st.info(prompt, icon=":material/edit:")
        return None
    if len(text) > limit:
        st.warning(
            f"Your text has {len(text):,} characters; the model reads only the first {limit}.",
            icon=":material/content_cut:",
        )
        text = text[:limit]
    return text


def choose(where, widget: str, label: str, options, *, key: str, default, **kwargs):
    """A choice widget bound to the URL; a value the options do not hold falls back to default.

    ``where`` is ``st`` or a container, ``widget`` the name of its method
    (``"selectbox"``, ``"segmented_control"``, ``"radio"``, ``"select_slider"``).
    """
    _refuse_unknown_choice(key, options, kwargs.get("format_func", str), default)
    start_value(key, default)
    if widget == "segmented_control":
        kwargs["required"] = True
    value = getattr(where, widget)(label, options, key=key, **BOUND, **kwargs)
    return default if value is None else value


def _refuse_unknown_choice(key: str, options, format_func, default) -> None:
    """Settle a link's value before the widget reads it. The URL of a bound choice holds
    its label; a value or label spelled otherwise (``?tf_weights=untrained``, ``CHAR``) is
    that option, set directly. A value that is none of them gives way to the default,
    instead of a control with nothing selected (the frame's link note then names it)."""
    asked = st.query_params.get(key)
    if asked is None or key in st.session_state:
        return  # no link value, or the widget already holds its own
    spelled = {str(o).lower(): o for o in options} | {
        str(format_func(o)).lower(): o for o in options
    }
    option = spelled.get(asked.strip().lower(), default)
    if option in options and asked == str(format_func(option)):
        return  # the label itself: the widget takes it from the URL
    try:
        del st.query_params[key]
    except StreamlitAPIException:
        return  # bound already: the widget keeps its value
    st.session_state[key] = option  # the option asked for, or the default (then noted)


def _set(key: str, value) -> None:
    st.session_state[key] = value


def set_text(text: str, key: str = "text") -> None:
    """Callback for example buttons: put ``text`` in the text box."""
    st.session_state[key] = text


def model_choice(key: str = "model") -> bool:
    """Trained or untrained weights; returns True for the trained ones."""
    choice = choose(
        st,
        "segmented_control",
        "Weights",
        MODELS,
        key=key,
        default="trained",
        format_func=str.capitalize,  # the URL holds the label: ?model=Untrained
        help="Trained: weights learned from The Time Machine. Untrained: the same network with "
        "random initial weights. Compare them on the same text.",
    )
    remember(key, choice)
    return choice == "trained"


def missing_checkpoint(name: str, label: str, key: str = "model") -> None:
    """Say clearly that a trained checkpoint is missing, and offer the untrained model.

    The page already falls back to untrained weights (no dead end); the button makes
    that the explicit choice, so the weights switch and the link agree.
    """
    st.warning(
        f"The trained **{label}** checkpoint is not installed "
        f"(`assets/models/{name}.safetensors`), so this page shows the **untrained** {label} "
        f"instead. To add it, run `python -m seqviz.checkpoints build {name}` (a few minutes).",
        icon=":material/cloud_off:",
    )
    st.button(
        "Use the untrained model",
        key="use_untrained",
        icon=":material/casino:",
        on_click=st.session_state.__setitem__,
        args=(key, "untrained"),
    )


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


def md_escape(s: str) -> str:
    """Text safe to put inside st.markdown (every markdown-special character escaped)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", s)


def show_encoded(tokens: list[str], unknown: list[bool]) -> None:
    """The text as the model reads it: lower-cased, with <unk> highlighted."""
    n_unk = sum(unknown)
    parts = []
    for token, unk in zip(tokens, unknown, strict=True):
        if unk:
            parts.append(r":red-background[**\<unk\>**]")
        elif token == " ":
            parts.append("␣")
        else:
            parts.append(md_escape(token))
    st.markdown("**The model reads:** " + "".join(parts))
    if n_unk:
        st.caption(
            f"{n_unk} character{'s' if n_unk > 1 else ''} outside the 27-symbol alphabet "
            "(a–z and space) became <unk>: the model never saw that input in training."
        )


def token_md(token: str) -> str:
    """One token for a markdown sentence: quoted character, ␣ for space, <unk> spelled out."""
    if token == "<unk>":
        return r"\<unk\>"
    if token == " ":
        return "␣ (space)"
    return f"‘{md_escape(token)}’"
