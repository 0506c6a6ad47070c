"""Numbers and text for the live equations (KaTeX), written one way in every lab.

Pure formatting: nothing here computes a model value. Anything a student typed goes
through :func:`text` (or :func:`char` / :func:`word`) before it enters an equation, so
``{ } \\ ^ _ $ % & #`` show as themselves instead of breaking the formula.
"""

import math

# KaTeX reads these as commands or groups inside \text{...}: each gets its text-mode
# spelling. A backslash first, so the later replacements are not escaped twice.
_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
MAX_TEXT = 60  # characters of user text written into one equation; longer is cut with …


def num(v: float) -> str:
    """A number: 3 decimals, explicit minus sign; NaN and ±inf spelled out."""
    v = float(v)
    if math.isnan(v):
        return r"\text{NaN}"
    if math.isinf(v):
        return r"\infty" if v > 0 else r"-\infty"
    return f"{v:.3f}" if abs(v) >= 5e-4 else "0.000"


def pnum(v: float) -> str:
    """A factor in a product: negative numbers in parentheses."""
    s = num(v)
    return f"({s})" if s.startswith("-") else s


def sci(v: float, digits: int = 3) -> str:
    """A number of any size: 0.25, or 3.2 \\times 10^{-5}; NaN and ±inf spelled out."""
    v = float(v)
    if math.isnan(v):
        return r"\text{NaN}"
    if math.isinf(v):
        return r"\infty" if v > 0 else r"-\infty"
    if v == 0 or 1e-3 <= abs(v) < 1e4:
        return f"{v:.{digits}g}"
    mantissa, exponent = f"{v:.{digits - 1}e}".split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def escape(s: str) -> str:
    """Text for inside ``\\text{...}``: every TeX-special character as itself, space as ␣
    only where the caller wants it (here spaces stay spaces). Control characters go."""
    s = "".join(c for c in s if c.isprintable())
    return "".join(_TEXT_ESCAPES.get(c, c) for c in s)


def text(s: str, limit: int = MAX_TEXT) -> str:
    """User text as a LaTeX text box, quoted, cut to ``limit`` characters with an ellipsis."""
    cut = s if len(s) <= limit else s[: limit - 1] + "…"
    return r"\text{``" + escape(cut) + "''}"


def char(token: str) -> str:
    """One character token: quoted, space shown as ␣, <unk> spelled out."""
    if token == "<unk>":
        return r"\langle\text{unk}\rangle"
    if token == " ":
        return r"\text{␣}"  # KaTeX has no \textvisiblespace
    return text(token)


def word(token: str) -> str:
    """One word token: quoted and escaped; <unk> spelled out."""
    if token == "<unk>":
        return r"\langle\text{unk}\rangle"
    return text(token) if token.strip() else r"\text{space}"
