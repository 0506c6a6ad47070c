"""seqviz.latex: numbers and user text as KaTeX reads them."""

import math
import re

from hypothesis import given
from hypothesis import strategies as st

from seqviz import latex

SPECIAL = "{}\\^_$%&#~"


def unescaped(tex: str) -> str:
    """``tex`` with every escape sequence and known text command removed."""
    tex = re.sub(r"\\text(backslash|asciicircum|asciitilde|visiblespace)\{\}", "", tex)
    tex = re.sub(r"\\[{}$%&#_]", "", tex)
    return tex


def test_numbers_are_written_as_the_lecture_writes_them():
    assert latex.num(0.12345) == "0.123"
    assert latex.num(-2.5) == "-2.500"
    assert latex.num(1e-5) == "0.000"
    assert latex.pnum(-0.5) == "(-0.500)"
    assert latex.pnum(0.5) == "0.500"
    assert latex.sci(3.2e-5) == r"3.20 \times 10^{-5}"
    assert latex.sci(0.25) == "0.25"
    assert latex.sci(0) == "0"


def test_non_finite_numbers_are_spelled_out():
    for f in (latex.num, latex.sci):
        assert f(math.nan) == r"\text{NaN}"
        assert f(math.inf) == r"\infty"
        assert f(-math.inf) == r"-\infty"


def test_every_tex_special_character_is_escaped():
    tex = latex.text("{ } \\ ^ _ $ % & # ~")
    body = tex.removeprefix(r"\text{``").removesuffix("''}")
    assert not set(unescaped(body)) & set(SPECIAL), body
    assert r"\textbackslash{}" in body and r"\{" in body and r"\#" in body


@given(st.text(max_size=80))
def test_any_user_text_leaves_no_live_tex_character(s):
    tex = latex.text(s)
    body = tex.removeprefix(r"\text{``").removesuffix("''}")
    assert not set(unescaped(body)) & set(SPECIAL)
    assert all(c.isprintable() for c in body)


def test_long_text_is_cut_with_an_ellipsis():
    tex = latex.text("a" * 500, limit=20)
    assert "…" in tex and tex.count("a") == 19


def test_tokens():
    assert latex.char(" ") == r"\text{␣}"
    assert latex.char("<unk>") == latex.word("<unk>") == r"\langle\text{unk}\rangle"
    assert latex.char("a") == r"\text{``a''}"
    assert latex.word("#tag") == r"\text{``\#tag''}"
