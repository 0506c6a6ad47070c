"""Every exercise's wording agrees with its answer: rendered for three seeds, the
solution states the number the checker accepts (and the checker rejects that number
off by one where the answer is a count), and the conventions the prompt states hold
for the answer (the precision it asks for is accepted; a count that includes <unk>
says so in the prompt).

Parametrised over every registered set (``seqviz.exercises.SETS``), so a new set is
covered as soon as it is registered; and every ``seqviz/exercises_*.py`` module's
generators must be registered.
"""

import importlib
import pkgutil
import re

import pytest

import seqviz
from seqviz import exercises
from seqviz.exercises import Exercise, check, make

SEEDS = (0, 1, 2)
CASES = [(s.id, ex_id) for s in exercises.SETS for ex_id in s.exercises]

NUMBER = r"[-−]?\d+(?:\.\d+)?"
# a number a solution states as a result: after "=", "≈", "\approx", "after:" or in bold
RESULT = re.compile(r"(?:=|≈|\\approx|\*\*|after:)\s*\$?\s*(" + NUMBER + r")(?![\d^])")
BOLD = re.compile(r"\*\*(" + NUMBER + r")\*\*")
DECIMALS = re.compile(r"(\d+) decimals?", re.I)
SIGNIFICANT = re.compile(r"(\d+) significant figures?", re.I)
WHOLE = re.compile(r"nearest whole number", re.I)
COUNTS_UNK = re.compile(r"plus `?<unk>`?|\+ ?`?<unk>`?")


def _value(text: str) -> float:
    return float(text.replace("−", "-"))


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def stated_answer(ex: Exercise) -> str:
    """The solution's number for the answer: the first stated result that equals the
    answer to the digits it shows and that the checker accepts. Fails if the solution
    states no such number."""
    for m in RESULT.finditer(ex.solution):
        shown = m.group(1)
        half_unit = 0.5 * 10 ** -_decimals(shown)
        close = abs(_value(shown) - float(ex.answer)) <= half_unit + 1e-9
        if close and check(ex, shown).correct:
            return shown
    raise AssertionError(f"{ex.id}: the solution states no number equal to {ex.answer!r}")


def convention_problems(ex: Exercise) -> list[str]:
    """The conventions the wording states that the answer or the checker breaks."""
    problems = []
    answer = float(ex.answer) if ex.kind == "number" else None
    if answer is not None:
        for m in DECIMALS.finditer(ex.prompt):
            d = int(m.group(1))
            if not check(ex, f"{answer:.{d}f}").correct:
                problems.append(f"asks for {d} decimals but rejects {answer:.{d}f}")
        for m in SIGNIFICANT.finditer(ex.prompt):
            s = int(m.group(1))
            if not check(ex, f"{answer:.{s}g}").correct:
                problems.append(f"asks for {s} significant figures but rejects {answer:.{s}g}")
        if WHOLE.search(ex.prompt) and not check(ex, str(round(answer))).correct:
            problems.append(f"asks for a whole number but rejects {round(answer)}")
    if COUNTS_UNK.search(ex.solution):
        if "<unk>" not in ex.prompt:
            problems.append("the answer counts <unk> but the prompt does not say so")
        if re.search(r"no reserved tokens", ex.prompt, re.I):
            problems.append("says 'no reserved tokens' yet the answer counts <unk>")
    return problems


@pytest.mark.parametrize("set_id,ex_id", CASES, ids=[c[1] for c in CASES])
@pytest.mark.parametrize("seed", SEEDS)
def test_the_solution_states_the_accepted_answer(set_id, ex_id, seed):
    ex = make(ex_id, seed)
    assert ex.set == set_id
    assert ex.prompt and ex.solution
    if ex.kind == "choice":
        assert ex.answer in ex.choices and check(ex, ex.answer).correct
        return
    shown = stated_answer(ex)
    assert check(ex, shown).correct
    for bold in BOLD.findall(ex.solution):  # a bold number is the answer itself
        assert check(ex, bold).correct, (bold, ex.answer)
    if float(ex.answer).is_integer() and ex.tolerance < 1:
        for wrong in (_value(shown) - 1, _value(shown) + 1):
            assert not check(ex, f"{wrong:g}").correct


@pytest.mark.parametrize("set_id,ex_id", CASES, ids=[c[1] for c in CASES])
@pytest.mark.parametrize("seed", SEEDS)
def test_the_prompt_s_conventions_match_the_answer(set_id, ex_id, seed):
    assert convention_problems(make(ex_id, seed)) == []


def test_the_old_vocabulary_wording_is_caught():
    """'no reserved tokens' with an answer of 13 characters + <unk> = 14: what a student
    saw before. The checks above flag it; the current wording passes them."""
    now = make("text.vocab_size", 0)
    old = Exercise(
        title=now.title,
        prompt="Tokenize `x` into characters and build `Vocab(tokens)` (no minimum "
        "frequency, no reserved tokens). How many entries does the vocabulary have?",
        kind="number",
        answer=14.0,
        hint="",
        solution="The distinct characters: … — that is 13, plus `<unk>` = **14**.",
    )
    assert len(convention_problems(old)) == 2
    assert not check(old, "13").correct  # the count the old wording asked for
    assert convention_problems(now) == []
    assert "<unk>` included" in now.prompt


def test_a_solution_stating_another_number_is_caught():
    ex = Exercise("t", "How many? (2 decimals)", "number", 0.5, "", "$x = 0.61$", tolerance=0.006)
    with pytest.raises(AssertionError):
        stated_answer(ex)
    ex = Exercise("t", "How many? (2 decimals)", "number", 0.5, "", "$x = 0.5$", tolerance=0.001)
    assert convention_problems(ex) == []
    ex = Exercise("t", "To 2 decimals?", "number", 0.504, "", "$= 0.504$", tolerance=0.001)
    assert convention_problems(ex) == ["asks for 2 decimals but rejects 0.50"]


def test_every_exercise_module_is_registered_in_a_set():
    """A new seqviz/exercises_*.py module is covered by the tests above once its
    generators are in a set; this fails while they are not."""
    registered = set(exercises.all_exercise_ids())
    names = [
        m.name for m in pkgutil.iter_modules(seqviz.__path__) if m.name.startswith("exercises_")
    ]
    assert len(names) >= 4
    for name in names:
        module = importlib.import_module(f"seqviz.{name}")
        generators = getattr(module, "GENERATORS", {})
        assert generators, name
        assert set(generators) <= registered, (name, set(generators) - registered)
