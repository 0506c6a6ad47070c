"""The one list of every claim the labs make about their default view, beside its test.

    python tests/claims_index.py      # rewrites tests/CLAIMS.md

Each lab's claims live in ``tests/test_claims_<lab>.py``, whose module docstring pairs
every sentence the student reads ("the gated models keep their gradient far longer", …)
with the test that computes it. This gathers those docstrings, lab by lab in course
order, into tests/CLAIMS.md, so a reviewer reads them side by side;
``tests/test_claims_index.py`` fails when the file is stale or names a test that does
not exist.
"""

import ast
import re
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
OUT = TESTS / "CLAIMS.md"
ORDER = ("text", "lm", "rnn", "gates", "gradients", "attention", "block", "word2vec")
# "-> test_name" or "-> test_file.py::test_name" in a claims docstring
REFERENCE = re.compile(r"->\s*(?:(test_\w+\.py)::)?(test_\w+)")


def claim_modules() -> list[Path]:
    found = sorted(TESTS.glob("test_claims_*.py"))
    rank = {lab: i for i, lab in enumerate(ORDER)}
    found = [p for p in found if p.stem != "test_claims_index"]
    return sorted(found, key=lambda p: (rank.get(p.stem.removeprefix("test_claims_"), 99), p.stem))


def docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


def references(path: Path) -> list[tuple[str, str]]:
    """(file, test name) for every "-> test" in the module's docstring."""
    return [(file or path.name, name) for file, name in REFERENCE.findall(docstring(path))]


def render() -> str:
    parts = [
        "# Claims and their tests",
        "",
        "Every sentence a lab shows about what the student will see on its default view, "
        "with the test that computes it from the same core calls and checks the sentence "
        "is still on the page. Generated from the docstrings of `tests/test_claims_*.py` "
        "by `python tests/claims_index.py`; do not edit by hand.",
    ]
    for path in claim_modules():
        parts += ["", f"## {path.stem.removeprefix('test_claims_')} (`tests/{path.name}`)", ""]
        parts += ["```text", docstring(path), "```"]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(TESTS.parent)} ({len(claim_modules())} labs)", file=sys.stderr)
