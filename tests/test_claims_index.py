"""tests/CLAIMS.md is the current list of claims, and every test it names exists."""

import ast

import claims_index


def test_claims_list_is_current():
    assert claims_index.OUT.read_text(encoding="utf-8") == claims_index.render(), (
        "tests/CLAIMS.md is stale: run `python tests/claims_index.py`"
    )


def test_every_lab_with_claims_is_listed_and_every_named_test_exists():
    modules = claims_index.claim_modules()
    assert {p.stem for p in modules} >= {f"test_claims_{lab}" for lab in claims_index.ORDER}
    for path in modules:
        refs = claims_index.references(path)
        assert refs, f"{path.name} pairs no claim with a test"
        for file, name in refs:
            tree = ast.parse((claims_index.TESTS / file).read_text(encoding="utf-8"))
            defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            assert name in defined, f"{path.name} names {file}::{name}, which does not exist"
