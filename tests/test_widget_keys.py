"""Widget keys: one meaning per key across the app (a shared key means the same on every
page; every other key belongs to one lab and carries its prefix)."""

import re
from pathlib import Path

import pytest
from browsertools import ENTRY
from streamlit.testing.v1.element_tree import Widget

from app.labs import LABS
from app.urlstate import SHARED

APP = Path(__file__).resolve().parents[1] / "app"
MODULE_PREFIXES = ("share_", "check_", "tour_", "try_", "step_", "FormSubmitter:")
KEY_LITERAL = re.compile(r"""\bkey=(f?)["']([^"']+)["']""")


def lab_files(lab) -> list[Path]:
    page = APP / lab.path
    parts = page.with_name(page.stem + "_parts.py")
    return [page] + ([parts] if parts.exists() else [])


def allowed(key: str, prefix: str) -> bool:
    return key in SHARED or key.startswith((f"{prefix}_", *MODULE_PREFIXES))


def test_prefixes_are_distinct_and_no_prefix_is_a_shared_key():
    prefixes = [lab.key_prefix for lab in LABS]
    assert len(set(prefixes)) == len(prefixes)
    for a in prefixes:
        assert not any(b != a and b.startswith(a + "_") for b in prefixes)


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.url_path)
def test_every_key_a_lab_names_carries_its_prefix(lab):
    bad = []
    for path in lab_files(lab):
        for is_f, key in KEY_LITERAL.findall(path.read_text("utf-8")):
            head = key.split("{")[0] if is_f else key
            if is_f and not head:
                continue  # built from a variable that the page check below sees
            if not (allowed(key, lab.key_prefix) or (is_f and head.startswith(lab.key_prefix))):
                bad.append(f"{path.name}: {key}")
    assert not bad, f"keys without the {lab.key_prefix}_ prefix or a shared name: {bad}"


def widget_keys(at) -> set[str]:
    keys = set()

    def walk(node):
        key = getattr(node, "key", None)
        if isinstance(node, Widget) and key and not key.startswith("$$"):
            keys.add(key)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return keys


@pytest.fixture(scope="module")
def keys_by_page(app_caches):
    """Every page as a sidebar click opens it: its widgets' keys."""
    from streamlit.testing.v1 import AppTest

    keys = {}
    for lab in LABS:
        at = AppTest.from_file(str(ENTRY), default_timeout=120)
        at.switch_page(lab.path)
        at.run()
        assert not at.exception, (lab.path, [e.value for e in at.exception])
        keys[lab.url_path] = widget_keys(at)
    return keys


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.url_path)
def test_every_widget_on_a_page_has_a_shared_or_prefixed_key(keys_by_page, lab):
    bad = sorted(k for k in keys_by_page[lab.url_path] if not allowed(k, lab.key_prefix))
    assert not bad, f"{lab.path}: {bad}"


def test_no_two_pages_share_a_key_unless_it_is_shared(keys_by_page):
    seen: dict[str, str] = {}
    clashes = []
    for page, keys in keys_by_page.items():
        for key in keys - SHARED.keys():
            if key.startswith(MODULE_PREFIXES):
                continue
            if key in seen:
                clashes.append(f"{key}: {seen[key]} and {page}")
            seen[key] = page
    assert not clashes
