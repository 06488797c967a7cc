"""Whether an answer matches its expected reference: the correctness check of ``replay``.

Four ways to compare (``match``):

* ``exact``: the answer equals the reference once surrounding whitespace is
  trimmed and every run of whitespace inside is collapsed to one space;
  case-sensitive.
* ``contains``: the reference occurs somewhere in the answer, ignoring case
  (Unicode case folding); whitespace runs are collapsed in both first.
* ``regex``: the reference is a Python regular expression that must match
  somewhere in the answer (``re.search``, no flags: write ``(?i)`` to ignore
  case, ``(?s)`` to let ``.`` match newlines).
* ``number``: the reference and the answer are each reduced to one number by
  the rule of ``extract_number`` (GSM8K style) and compared as values; an
  answer without a number is wrong.

Pure: no I/O.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, assert_never

from routecli.errors import InvalidValueError

__all__ = ["MATCH_MODES", "Expected", "MatchMode", "check_match_mode", "extract_number", "is_correct"]

MatchMode = Literal["exact", "contains", "regex", "number"]
MATCH_MODES: tuple[MatchMode, ...] = ("exact", "contains", "regex", "number")

_GSM8K_MARKER = "####"
_NUMBER = re.compile(
    # Not inside a word or another number: in "16-3" the 3 is not negative, in "x2" there is no number.
    r"(?<![\w.])"
    r"(?P<prefix>[-+−]?[$€£¥₹]?[-+−]?)"
    # A comma separates thousands only before exactly three digits, so "1, 2, 3" stays three numbers.
    r"(?P<body>[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
)


@dataclass(frozen=True, slots=True)
class Expected:
    """The reference answer of a prompt and how an answer is compared with it.

    Checked when made, so a bad reference fails when the prompt file is read,
    not halfway through a paid replay: a ``regex`` value must compile and a
    ``number`` value must contain a number (``InvalidValueError`` otherwise).
    """

    value: str
    match: MatchMode

    def __post_init__(self) -> None:
        check_match_mode(self.match)
        if self.match == "regex":
            _compile(self.value)
        elif self.match == "number" and _number_parts(self.value) is None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            raise InvalidValueError(f"expected a number in the reference answer, got the text {shown!r}")


def check_match_mode(value: object) -> MatchMode:
    """``value`` as a match mode; ``InvalidValueError`` (with a "did you mean") for anything else."""
    if value in MATCH_MODES:
        return value
    from routecli.spec import describe, did_you_mean  # only on the error path

    message = f"expected one of {', '.join(MATCH_MODES)}, got {describe(value)}"
    if isinstance(value, str) and (hint := did_you_mean(value, MATCH_MODES)):
        message += f"; {hint}"
    raise InvalidValueError(message)


def extract_number(text: str) -> Decimal | None:
    """The number ``text`` settles on, GSM8K style; None when it has none.

    After a ``####`` marker (GSM8K's answer line) it is the first number after
    the last marker; without a marker, the last number in the text, since
    models end with "... so the answer is 18.". A number may carry a sign, a
    currency sign (``$ € £ ¥ ₹``), thousands separators (``1,000,000``: a comma
    followed by exactly three digits), decimals, and a trailing ``%`` or full
    stop, which are ignored: ``18``, ``18.0``, ``$18`` and ``18.00`` are all
    the value 18. Digits inside a word are no number (``x2``, ``CO2``), and a
    minus right after a letter or digit is subtraction, not a sign (``16-3``
    holds 16 and 3). Fractions (``1/2``) and exponents are
    not understood: ``1/2`` holds 1 and 2.
    """
    parts = _number_parts(text)
    if parts is None:
        return None
    prefix, body = parts
    sign = "-" if "-" in prefix or "−" in prefix else ""  # U+2212, which some models write, too
    return Decimal(sign + body.replace(",", ""))


def is_correct(expected: Expected, answer: str) -> bool:
    """Whether ``answer`` matches ``expected`` under its match mode (see the module's description)."""
    if expected.match == "exact":
        return _collapse(answer) == _collapse(expected.value)
    if expected.match == "contains":
        return _collapse(expected.value).casefold() in _collapse(answer).casefold()
    if expected.match == "regex":
        return _compile(expected.value).search(answer) is not None
    if expected.match == "number":
        got = extract_number(answer)
        return got is not None and got == extract_number(expected.value)
    assert_never(expected.match)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _number_parts(text: str) -> tuple[str, str] | None:
    """The sign-and-currency prefix and the digits of the number ``extract_number`` picks."""
    marker = text.rfind(_GSM8K_MARKER)
    if marker >= 0:
        found = _NUMBER.search(text, marker + len(_GSM8K_MARKER))
        return (found["prefix"], found["body"]) if found else None
    numbers: list[tuple[str, str]] = _NUMBER.findall(text)
    return numbers[-1] if numbers else None


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise InvalidValueError(
            f"the regular expression {pattern!r} is invalid: {error.msg} (at position {error.pos})"
        ) from None
