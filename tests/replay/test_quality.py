"""Whether an answer matches its reference: every match mode, and GSM8K-style numbers."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routecli.errors import InvalidValueError
from routecli.replay.quality import MATCH_MODES, Expected, check_match_mode, extract_number, is_correct
from tests.helpers.paths import SHARED

D = Decimal
GSM8K = SHARED / "data" / "routellm" / "gsm8k_test.jsonl"


# ----------------------------------------------------------------- exact


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        ("New York City", True),
        ("  New York City\n", True),
        ("New  York\n\tCity", True),
        ("new york city", False),
        ("New York City.", False),
        ("New York", False),
    ],
)
def test_exact_trims_and_collapses_whitespace_but_keeps_case(answer: str, correct: bool) -> None:
    assert is_correct(Expected("New York City", "exact"), answer) is correct


def test_exact_collapses_whitespace_in_the_reference_too() -> None:
    assert is_correct(Expected(" a \n b ", "exact"), "a b")


# ----------------------------------------------------------------- contains


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        ("I think it is NEW\nYORK, finally.", True),
        ("new york", True),
        ("Newark", False),
        ("New-York", False),
    ],
)
def test_contains_ignores_case_and_whitespace_runs(answer: str, correct: bool) -> None:
    assert is_correct(Expected("new  york", "contains"), answer) is correct


def test_contains_folds_case_beyond_lower() -> None:
    # casefold turns ß into ss; lower() would not.
    assert is_correct(Expected("STRASSE", "contains"), "Die Hauptstraße")


# ----------------------------------------------------------------- regex


@pytest.mark.parametrize(
    ("pattern", "answer", "correct"),
    [
        (r"\b(A|B)\b", "The answer is B.", True),
        (r"\b(A|B)\b", "ABBA", False),
        ("paris", "Paris", False),
        ("(?i)paris", "Paris", True),
        ("a.b", "a\nb", False),
        ("(?s)a.b", "a\nb", True),
        ("^42$", "the answer: 42", False),
        ("42$", "the answer: 42", True),
    ],
)
def test_regex_searches_without_flags(pattern: str, answer: str, correct: bool) -> None:
    assert is_correct(Expected(pattern, "regex"), answer) is correct


def test_an_invalid_regex_names_the_pattern() -> None:
    with pytest.raises(InvalidValueError) as caught:
        Expected("total: (\\d+", "regex")
    assert str(caught.value) == (
        "the regular expression 'total: (\\\\d+' is invalid: missing ), unterminated subpattern (at position 7)"
    )


# ----------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("18", D(18)),
        ("so the answer is 18.", D(18)),
        ("It costs $1,234.50 in total", D("1234.5")),
        ("1,000,000 people", D(1000000)),
        ("1, 2, 3", D(3)),
        ("1,23", D(23)),  # a comma before two digits separates numbers
        ("The temperature is -7 degrees", D(-7)),
        ("It fell to −7 degrees", D(-7)),  # U+2212 minus
        ("a loss of -$5", D(-5)),
        ("a loss of $-5", D(-5)),
        ("€20 or £30", D(30)),
        ("16-3-4=9", D(9)),
        ("10-3", D(3)),  # subtraction, not -3
        ("x = -3", D(-3)),
        ("a 50% raise", D(50)),
        ("about .5 of it", D("0.5")),
        ("18.00.", D(18)),
        ("version 1.2.3", D("1.2")),
        ("breathe CO2", None),
        ("no digits here", None),
        ("", None),
        ("#### 18\nI hope 20 helps", D(18)),
        ("#### 5, wait: #### 7 and 9", D(7)),
        ("18 ####", None),
        ("####18", D(18)),
    ],
)
def test_extract_number(text: str, number: Decimal | None) -> None:
    assert extract_number(text) == number


@pytest.mark.parametrize("answer", ["18", "18.0", "$18", "18.00", "The answer is 18.", "#### 18"])
def test_number_compares_values(answer: str) -> None:
    assert is_correct(Expected("18", "number"), answer)


@pytest.mark.parametrize("answer", ["17", "18 or maybe 19", "-18", "eighteen", "", "#### none"])
def test_number_wrong_or_missing(answer: str) -> None:
    assert not is_correct(Expected("18", "number"), answer)


def test_number_with_thousands_and_cents() -> None:
    assert is_correct(Expected("1234.5", "number"), "The total is $1,234.50.")
    assert is_correct(Expected("$1,234.50", "number"), "1234.5")
    assert not is_correct(Expected("1234.5", "number"), "The total is $1,234.")


def test_number_reference_uses_the_last_marker_or_the_last_number() -> None:
    assert is_correct(Expected("3 apples and 4 pears: #### 7", "number"), "7")
    assert is_correct(Expected("1, 2, 3", "number"), "3")
    assert not is_correct(Expected("1, 2, 3", "number"), "1")


def test_number_negative() -> None:
    assert is_correct(Expected("-10", "number"), "The average is -10 degrees.")
    assert not is_correct(Expected("-10", "number"), "The average is 10 degrees.")


def test_number_reference_without_a_number_is_an_error() -> None:
    with pytest.raises(
        InvalidValueError, match=r"^expected a number in the reference answer, got the text 'eighteen'$"
    ):
        Expected("eighteen", "number")


def test_long_references_are_shortened_in_errors() -> None:
    with pytest.raises(InvalidValueError) as caught:
        Expected("x" * 100, "number")
    assert str(caught.value).endswith("got the text '" + "x" * 57 + "...'")


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_any_integer_with_thousands_separators(number: int) -> None:
    assert extract_number(f"The answer is {number:,}.") == number


@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_any_amount_in_dollars(amount: Decimal) -> None:
    assert extract_number(f"You pay ${amount:,.2f} in all") == amount


# ----------------------------------------------------------------- GSM8K


def _gsm8k_answer(line: int) -> str:
    if not GSM8K.exists():
        pytest.skip(f"{GSM8K} is not here")
    with GSM8K.open(encoding="utf-8") as file:
        for number, text in enumerate(file, start=1):
            if number == line:
                answer: str = json.loads(text)["answer"]
                return answer
    raise AssertionError(f"GSM8K has no line {line}")


@pytest.mark.parametrize(
    ("line", "number", "right", "wrong"),
    [
        # Janet's ducks: the solution's body holds 16, 3, 4, 9, 2 and 18 before "#### 18".
        (1, D(18), "She sells 9 eggs at $2 each, so she makes $18 every day.", "She makes 9 * 2 = 18 - 2 = $16."),
        # Josh's house: the body writes $130,000 and 200,000-130,000 before "#### 70000".
        (3, D(70000), "The profit is $200,000 - $130,000 = $70,000.", "He made a profit of 70."),
        # Southlandia's temperatures: "#### -10".
        (490, D(-10), "(-48 + 21 - 3) / 3 = -10 degrees", "The average is 10 degrees."),
    ],
)
def test_gsm8k_references(line: int, number: Decimal, right: str, wrong: str) -> None:
    reference = _gsm8k_answer(line)
    assert extract_number(reference) == number
    expected = Expected(reference, "number")
    assert is_correct(expected, right)
    assert is_correct(expected, f"Some working.\n#### {number}")
    assert not is_correct(expected, wrong)


# ----------------------------------------------------------------- modes


def test_match_modes() -> None:
    assert MATCH_MODES == ("exact", "contains", "regex", "number")
    for mode in MATCH_MODES:
        assert check_match_mode(mode) == mode


def test_unknown_match_mode_suggests_the_closest() -> None:
    with pytest.raises(InvalidValueError) as caught:
        check_match_mode("regx")
    assert (
        str(caught.value)
        == "expected one of exact, contains, regex, number, got the text 'regx'; did you mean 'regex'?"
    )


def test_expected_checks_its_mode() -> None:
    with pytest.raises(InvalidValueError, match="expected one of exact, contains, regex, number, got the text 'fuzzy'"):
        Expected("18", "fuzzy")  # type: ignore[arg-type]
