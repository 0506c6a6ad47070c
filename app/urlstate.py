"""View state in the URL, so a shared link reproduces what the sender saw.

Every widget that defines a view (text, model, step, unit, toggles) is created
with ``**urlstate.BOUND`` and a stable ``key``: Streamlit then mirrors its value
into the query parameter of the same name (dropping it while it equals the
default) and initialises the widget from the URL on page load. The page itself
is the URL path (``/rnn``, ``/gates``).

Changing page through the sidebar drops the query parameters, so the shared
part of the view (text and weights) is also remembered in the session
(:func:`remember`) and put back after a page switch (:func:`restore_on_page_switch`);
links between pages carry it explicitly (:func:`carry`).
"""

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException

from seqviz.checkpoints import char_models
from seqviz.exercises import SET_IDS

APP_DIR = Path(__file__).resolve().parent

BOUND = {"bind": "query-params"}
"""Keyword arguments that bind a keyed widget to the query parameter named after its key."""

SHARED = {
    "text": "the text the character models read",
    "model": "trained or untrained weights of the character models",
    "step": "the step t on screen (the shared step control)",
    "stepping": "a step-through steps in the browser or by a server rerun (app/stepview.py)",
    "unit": "the hidden unit j on screen",
    "lecture": "lecture mode (projector layout)",
    "read": 'lecture mode: show the prose (the "Read the explanations" toggle)',
    "hide": "controls a tutor's link hides",
    "seed": "the exercise seed (every quiz box and the exercises page)",
    "set": "the exercise set",
    "ex": "the exercise number within the set",
    "tour": "the guided tour's box",
    "check": "the check-yourself box",
    "share": "the share box",
    "exit_lecture": "the button that leaves lecture mode",
    "lecture_bar": "lecture mode's bar at the top (exit, read)",
    "use_untrained": "the button that switches to untrained weights",
}
"""Widget keys that mean the same thing on every page. Every other key a lab names
starts with its ``Lab.key_prefix`` and an underscore (``grad_radius``, ``w2v_window``);
keys the shared modules build start with theirs (``share_…``, ``check_<lab>_…``,
``tour_<lab>_…``, ``try_<lab>…``). tests/test_widget_keys.py holds every page to this."""

SHARED_KEYS = ("text", "model")
"""View state carried by links between pages (a subset of :data:`SHARED`)."""

URL_LABELS = {"model": str.capitalize}
"""Bound widgets with a ``format_func`` hold their *label* in the URL (``?model=Untrained``)."""


def start_value(key: str, default) -> None:
    """Give a bound widget its starting value without passing ``value=`` / ``default=``.

    The URL wins (the binding reads it when the widget is created); otherwise the
    session's value, otherwise ``default``. Setting it here rather than through the
    widget's default keeps programmatic changes (example buttons, page switches)
    from clashing with a widget default.
    """
    if key not in st.session_state and key not in st.query_params:
        st.session_state[key] = default


def remember(key: str, value) -> None:
    """Note the current value of a shared widget (call right after creating it)."""
    st.session_state.setdefault("_shared_view", {})[key] = value


def restore_on_page_switch(page) -> None:
    """In the frame, before the page runs: after a page switch, put the shared view back.

    Only on a switch: on an ordinary rerun the widgets already hold their values, and
    restoring then would undo a user's change back to a default. The values go back
    into the URL (one cheap rerun before the page draws anything), so the address bar
    stays a shareable link of what is on screen.
    """
    switched = st.session_state.get("_page") not in (None, page.url_path)
    st.session_state["_page"] = page.url_path
    if not switched:
        return
    saved = st.session_state.get("_shared_view", {})
    missing = {
        k: v for k, v in saved.items() if k not in st.query_params and v not in (None, False, "")
    }
    if not missing:
        return
    for key, value in missing.items():
        st.session_state[key] = value
    params = {**st.query_params.to_dict(), **carry(tuple(missing))}
    try:
        st.switch_page(page, query_params=params)
    except StreamlitAPIException:
        pass  # a widget still bound to one of these keys: the restored values show anyway


def carry(keys: tuple[str, ...] = SHARED_KEYS) -> dict[str, str]:
    """The current values of ``keys`` as query parameters for ``st.page_link``."""
    params = {}
    for key in keys:
        value = st.session_state.get(key)
        if value is None or value is False:
            continue
        params[key] = "true" if value is True else URL_LABELS.get(key, str)(value)
    return params


def clamp(key: str, low: float, high: float) -> None:
    """Keep a number widget's value within [low, high] before the widget is created.

    A link made for a longer text (or a bigger model) may carry a step or unit
    the current view does not have; clamping beats an exception. Integer bounds
    give an integer, float bounds a float (a slider keeps its type). A value that
    came with the link is clamped the same way (``?grad_radius=7`` gives the largest
    radius, not the widget's first value) and the page's link note says so.
    """
    value = st.session_state.get(key)
    link = st.session_state.get("_link", {})
    from_link = value is None and key in link
    if from_link:
        value = _number(link[key])
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    if low <= value <= high:
        return
    kind = float if isinstance(low, float) or isinstance(high, float) else int
    fixed = kind(min(max(value, low), high))
    st.session_state[key] = fixed
    if not from_link:
        return  # the view changed under a value of this session (a shorter text)
    link[key] = str(fixed)  # (so the check after the page run does not note it twice)
    try:
        st.query_params[key] = str(fixed)
        _reseed_widgets_from_url()
    except StreamlitAPIException:
        pass  # bound already: the session's value stands
    note(f"**{key}**: out of range {low}–{high} — set to {fixed}.")


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def note(text: str) -> None:
    """Add a line to this run's link note (shown above the page once it has run)."""
    st.session_state.setdefault("_link_more_notes", []).append(text)


def more_notes() -> list[str]:
    """The lines :func:`note` added during this run (once)."""
    return st.session_state.pop("_link_more_notes", [])


# --- links from outside: sanitising, hide flags --------------------------------------
#
# A link can carry anything: unknown keys, wrong types, out-of-range numbers, 10 kB
# strings, script tags. Before any widget reads the URL, :func:`sanitise_query_params`
# checks every parameter: a fixable value is clamped (and written back), anything else
# is dropped, and the page shows one note naming the settings concerned. Raw values
# are never echoed: the note names only keys that passed the key check.

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,40}$")
MAX_VALUE_CHARS = 2000  # any parameter longer than this is cut (text) or dropped
MAX_HIDDEN = 30  # hide flags per link
MAX_UNIT = max(c.hidden_size for c in char_models().values()) - 1  # unit j of one direction
MAX_SEED = 2**31 - 1
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


@dataclass(frozen=True)
class Param:
    """What a query parameter may hold; anything else is clamped or dropped."""

    kind: str  # "int" | "bool" | "choice" | "text" | "keys" (a comma list of widget keys)
    low: int = 0  # int: smallest allowed
    high: int = 0  # int: largest allowed (larger values are clamped)
    choices: tuple[str, ...] = ()  # choice: allowed spellings, compared lower-case


PARAMS: dict[str, Param] = {
    "text": Param("text"),
    "model": Param("choice", choices=("trained", "untrained")),
    "step": Param("int", 0, 100_000),
    "stepping": Param("choice", choices=("server", "browser")),
    "unit": Param("int", 0, MAX_UNIT),
    "rnn_bidirectional": Param("bool"),
    "rnn_stacked": Param("bool"),
    "rnn_layers": Param("choice", choices=("2", "3")),
    "rnn_units": Param("choice", choices=("32 most active", "all by change", "all as numbered")),
    "gates_cell": Param("choice", choices=("lstm", "gru")),
    "lecture": Param("bool"),
    "read": Param("bool"),
    "hide": Param("keys"),
    "set": Param("choice", choices=SET_IDS),
    "seed": Param("int", 0, MAX_SEED),
    "ex": Param("int", 1, 50),
    # Self-attention (app/views/attention.py)
    "att_dk": Param("choice", choices=("2", "4", "8", "16", "32", "64")),
    "att_seed": Param("int", 0, 9999),
    "att_query": Param("int", 0, 63),  # MAX_WORDS - 1
    "att_n_pos": Param("int", 2, 128),
    "att_pe_dim": Param("choice", choices=("4", "8", "16", "32", "64", "128")),
    "att_perm_seed": Param("int", 0, 9999),
    # Transformer (app/views/transformer.py): every model there has 2 layers x 4 heads
    "tf_weights": Param("choice", choices=("pretrained", "untrained", "my model")),
    "tf_layer": Param("choice", choices=("1", "2")),
    "tf_head": Param("choice", choices=("1", "2", "3", "4")),
    "tf_query": Param("int", 0, 127),  # context - 1
    "tf_n_gen": Param("int", 1, 100),
    "tf_gen_seed": Param("int", 0, 9999),
    "tf_steps": Param("choice", choices=("100", "200", "500", "1000")),
    "tf_d": Param("choice", choices=("32", "64")),
    "tf_pos": Param("choice", choices=("sinusoidal", "learned", "none")),
    "tf_norm": Param("choice", choices=("pre", "post")),
    "tf_seed": Param("int", 0, 9999),
    "tf_task": Param("choice", choices=("reverse", "copy")),
    "tf_bridge_seed": Param("int", 0, 999),
    # Text & tokens (app/views/text.py)
    "text_source": Param("choice", choices=("the time machine", "my own text")),
    "text_level": Param("choice", choices=("char", "word", "bpe")),
    "text_part_mode": Param("choice", choices=("sequential", "random")),
    # Language models (app/views/lm.py, lm_parts.py)
    "lm_method": Param("choice", choices=("backoff", "interpolation")),
    "lm_k": Param("choice", choices=("0.0", "0.01", "0.1", "0.5", "1.0")),
    "lm_init": Param("choice", choices=("scratch", "pretrained")),
    "lm_kind": Param("choice", choices=("rnn", "gru", "lstm")),
    "lm_hidden": Param("choice", choices=("32", "64", "128", "256")),
    "lm_lr": Param("choice", choices=("0.001", "0.003", "0.01", "0.03")),
    "lm_batch": Param("choice", choices=("1", "8", "16", "32", "64")),
    "lm_mode": Param("choice", choices=("sequential", "random")),
}
"""Parameters checked by type; labs add theirs here (others get only the generic checks)."""

EXTRA_KEYS = frozenset({"step", "hide", "lecture"})  # keys no ``key="..."`` literal names


@functools.cache
def known_keys() -> frozenset[str]:
    """Every key a link may set: PARAMS plus every ``key="..."`` literal in app/ (widgets)."""
    found = set(PARAMS) | EXTRA_KEYS
    for path in APP_DIR.rglob("*.py"):
        found.update(re.findall(r"""\bkey=["']([A-Za-z0-9_]+)["']""", path.read_text("utf-8")))
    return frozenset(found)


@dataclass(frozen=True)
class Sanitised:
    """The outcome of checking a link's parameters."""

    keep: dict[str, str]  # parameters to leave in the URL (canonical spelling)
    session: dict[str, object]  # clamped / converted values to put in session_state
    notes: list[str]  # one markdown line per setting that was changed or ignored


_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
_NON_FINITE = re.compile(r"^\s*[+-]?(inf|infinity|nan)\s*$", re.IGNORECASE)


def _sane(value: str) -> bool:
    number = float(value)
    return math.isfinite(number) and abs(number) < 1e15


def _int(value: str) -> int | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if math.isfinite(number) else None


def sanitise(params: dict[str, str], known: frozenset[str] | None = None) -> Sanitised:
    """Check a link's query parameters (pure: no Streamlit; see module notes).

    Args:
        params: the query parameters as given (last value per key).
        known: keys allowed at all (default :func:`known_keys`).
    """
    known = known_keys() if known is None else known
    keep: dict[str, str] = {}
    session: dict[str, object] = {}
    notes: list[str] = []
    n_bad_keys = 0
    for key, raw in params.items():
        if not KEY_PATTERN.match(key):
            n_bad_keys += 1
            continue
        if key not in known:
            notes.append(f"**{key}**: not a setting of this app — ignored.")
            continue
        value = _CONTROL_CHARS.sub("", str(raw))
        spec = PARAMS.get(key)
        if spec is not None and spec.kind == "text":
            if len(value) > MAX_VALUE_CHARS:  # the text box shows it; the labs cut it
                notes.append(f"**{key}**: {len(value):,} characters — only the start is read.")
            keep[key] = value
            continue
        if len(value) > MAX_VALUE_CHARS:
            notes.append(f"**{key}**: far too long a value — ignored.")
            continue
        if not value.strip():  # a control given nothing would show nothing selected
            notes.append(f"**{key}**: empty — ignored.")
            continue
        if spec is None:
            # a lab's own widget: Streamlit checks the value against the widget, except
            # numbers a number_input cannot hold (int("1e400") raises inside Streamlit)
            if _NON_FINITE.match(value) or (_NUMBER.match(value) and not _sane(value)):
                notes.append(f"**{key}**: not a usable number — ignored.")
                continue
            keep[key] = value
            continue
        if spec.kind == "int":
            number = _int(value)
            if number is None:
                notes.append(f"**{key}**: not a whole number — ignored.")
                continue
            clamped = min(max(number, spec.low), spec.high)
            if clamped != number or str(clamped) != value:
                if clamped != number:
                    notes.append(
                        f"**{key}**: out of range {spec.low}–{spec.high} — set to {clamped}."
                    )
                session[key] = clamped
            keep[key] = str(clamped)
        elif spec.kind == "bool":
            low = value.strip().lower()
            if low not in _TRUE + _FALSE:
                notes.append(f"**{key}**: must be true or false — ignored.")
                continue
            if low not in ("true", "false"):
                session[key] = low in _TRUE
            keep[key] = "true" if low in _TRUE else "false"
        elif spec.kind == "choice":
            if value.strip().lower() not in spec.choices:
                notes.append(f"**{key}**: not one of {', '.join(spec.choices)} — ignored.")
                continue
            keep[key] = value.strip()
        elif spec.kind == "keys":
            names = [k.strip() for k in value.split(",") if k.strip()]
            good = [k for k in names if KEY_PATTERN.match(k)][:MAX_HIDDEN]
            if len(good) != len(names):
                notes.append(f"**{key}**: some names were not control names — ignored those.")
            keep[key] = ",".join(dict.fromkeys(good))
    if n_bad_keys:
        notes.append(
            f"{n_bad_keys} malformed setting name{'s' if n_bad_keys > 1 else ''} — ignored."
        )
    return Sanitised(keep=keep, session=session, notes=notes)


def sanitise_query_params() -> list[str]:
    """Check this run's query parameters before any widget reads them; returns the notes.

    Fixed values go into session_state (the widget takes them from there) and the URL
    is rewritten to what was kept, so the same link does not trip twice.
    """
    params = {key: st.query_params.get(key) for key in st.query_params}
    # A widget of this session already holds these values and mirrors them into the URL:
    # they came from the app, not from a link, and Streamlit forbids rewriting a bound
    # parameter (a control character typed into a text box would crash the page).
    mirrored = {key: value for key, value in params.items() if key in st.session_state}
    result = sanitise({key: value for key, value in params.items() if key not in mirrored})
    for key, value in result.session.items():
        st.session_state[key] = value
    keep = {**result.keep, **mirrored}
    if keep != params:
        st.query_params.from_dict(keep)
        _reseed_widgets_from_url()
    st.session_state["_link"] = dict(result.keep)  # what this link asked for, checked
    return result.notes


def matches(asked: str, value) -> bool:
    """Whether a widget's value is what the link asked for (pure; see :func:`unapplied`)."""
    if value is None:
        return False
    asked = asked.strip().lower()
    if isinstance(value, bool):
        return asked in (_TRUE if value else _FALSE)
    if isinstance(value, int | float):
        try:
            return float(asked) == float(value)
        except ValueError:
            return False
    if isinstance(value, list | tuple):
        return True  # multiselect-style values: Streamlit checks each option itself
    return asked == str(value).strip().lower()


def unapplied(asked: dict[str, str], state: dict, url: dict[str, str]) -> list[str]:
    """Notes for the link's values a control did not take (pure, for tests).

    ``asked`` is what the checked link set, ``state`` the widgets' values after the page
    ran, ``url`` the query parameters after it ran. A control may drop a value it cannot
    hold (a choice it does not offer), or a page may clamp it to what the view has (a
    step past the end of a shorter text): either way the student is told, naming the
    control and its new value, never the raw link value.
    """
    notes = []
    for key, value in asked.items():
        if key not in state or PARAMS.get(key, Param("")).kind in ("keys", "text"):
            continue  # not a control of this page (a carried text), or free text
        now = state[key]
        if url.get(key) == value or matches(value, now):
            continue
        shown = str(now)[:40].replace("`", "'")
        notes.append(f"**{key}**: this control cannot take the link's value — set to `{shown}`.")
    return notes


def unapplied_notes() -> list[str]:
    """After the page ran: :func:`unapplied` for this run's link (once per link)."""
    asked = st.session_state.pop("_link", {})
    if not asked:
        return []
    state = {key: st.session_state[key] for key in asked if key in st.session_state}
    return unapplied(asked, state, st.query_params.to_dict())


def _reseed_widgets_from_url() -> None:
    """Make bound widgets start from the checked URL rather than the link as it came.

    Streamlit seeds bound widgets from a snapshot of the query string taken before
    the script ran; some values crash its parsers (a number_input given "1e400").
    This refreshes the snapshot from the checked parameters, the way Streamlit itself
    does after a page switch. Internal API: if it moves, links are still checked and
    noted, only the crash guard is lost (tests/test_urlstate.py catches that).
    """
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    try:
        with ctx.session_state.query_params() as qp:
            qp.set_initial_query_params_from_current()
    except AttributeError:
        pass


def hidden() -> frozenset[str]:
    """The controls this link hides (``?hide=unit,model``), remembered across page switches."""
    raw = st.query_params.get("hide")
    if raw is None:
        raw = st.session_state.get("_shared_view", {}).get("hide", "")
    names = frozenset(k for k in str(raw).split(",") if KEY_PATTERN.match(k))
    if names:
        remember("hide", ",".join(sorted(names)))
    return names


def is_hidden(key: str) -> bool:
    """True if the link asked to hide the control (or box) with this key."""
    return key in hidden()


def from_url(param: str, widget_key: str, options: list, default) -> None:
    """Before an *unbound* widget: take its value from the link when the link changes.

    For widgets that cannot be bound because their ``format_func`` labels would end up
    in the URL (``?set=gates`` must stay short). The URL wins when it differs from what
    :func:`to_url` last wrote (a new link, the browser's back button); otherwise the
    widget keeps its own value, or the last one this session used on the page.
    """
    by_text = {str(o): o for o in options}
    url = st.query_params.get(param)
    if url is not None and url in by_text and url != st.session_state.get(f"_url_{param}"):
        st.session_state[widget_key] = by_text[url]
    elif st.session_state.get(widget_key) not in options:
        last = st.session_state.get(f"_last_{param}")
        st.session_state[widget_key] = last if last in options else default


def to_url(param: str, value) -> None:
    """After the widget: mirror its value into the URL (see :func:`from_url`)."""
    st.session_state[f"_url_{param}"] = str(value)
    st.session_state[f"_last_{param}"] = value
    if st.query_params.get(param) != str(value):
        st.query_params[param] = str(value)
