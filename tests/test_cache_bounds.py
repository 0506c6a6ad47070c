"""Every cache the app keeps for all sessions is bounded (memory stays flat under a crowd):
a cached function that takes arguments names its max_entries."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"


def cache_decorators(tree: ast.Module):
    """(function, decorator call) for every @st.cache_resource(...) / @st.cache_data(...)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                call = dec if isinstance(dec, ast.Call) else None
                target = call.func if call else dec
                if isinstance(target, ast.Attribute) and target.attr in (
                    "cache_resource",
                    "cache_data",
                ):
                    yield node, call


def module_dicts(tree: ast.Module) -> dict[str, set[str]]:
    """Module-level NAME = dict(...) assignments: the keyword names each holds."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if getattr(node.value.func, "id", "") == "dict":
                for target in node.targets:
                    found[getattr(target, "id", "")] = {k.arg for k in node.value.keywords}
    return found


def test_every_cache_with_arguments_is_bounded():
    unbounded = []
    n = 0
    for path in APP.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        dicts = module_dicts(tree)
        for fn, call in cache_decorators(tree):
            n += 1
            args = fn.args.args + fn.args.kwonlyargs
            if not args:
                continue  # one entry at most
            names = set()
            for kw in call.keywords if call else []:
                if kw.arg is not None:
                    names.add(kw.arg)
                else:  # **NAME
                    names |= dicts.get(getattr(kw.value, "id", ""), set())
            if "max_entries" not in names:
                unbounded.append(f"{path.relative_to(APP.parent)}: {fn.name}")
    assert n > 20, "the scan found too few cached functions to be reading the app"
    assert not unbounded, unbounded
