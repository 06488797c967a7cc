"""The declarative specs: validation with key paths, and JSON Schema from the same shape."""

from __future__ import annotations

from decimal import Decimal

import jsonschema
import pytest

from routecli.errors import InvalidValueError
from routecli.spec import (
    Bool,
    Choice,
    Date,
    Field,
    Int,
    List,
    Map,
    Num,
    Obj,
    OneOf,
    Str,
    Tagged,
    percent_from_text,
    to_decimal,
)

SPEC = Obj(
    {
        "name": Field(Str(), required=True),
        "rate": Field(Num(minimum=0, maximum=1, noun="a probability"), default=Decimal("0.5")),
        "count": Field(Int(minimum=1)),
        "flag": Field(Bool()),
        "when": Field(Date()),
        "color": Field(Choice(("red", "green"))),
        "tags": Field(List(Str(), min_items=1)),
        "weights": Field(Map(Num(minimum=0))),
        "either": Field(OneOf((Num(), Map(Num())))),
        "nested": Field(Obj({"inner": Field(Num(), default=Decimal(3))}), default={}),
        "kind": Field(Tagged("type", {"a": Obj({"type": Field(Choice(("a",))), "x": Field(Num(), required=True)})})),
    }
)


def _error(value: object) -> str:
    with pytest.raises(InvalidValueError) as caught:
        SPEC.check(value, ())
    return str(caught.value)


def test_defaults_and_normalisation() -> None:
    checked = SPEC.check({"name": "n", "either": 2.5, "when": "2026-01-02"}, ())
    assert checked["rate"] == Decimal("0.5")
    assert checked["either"] == Decimal("2.5")
    assert checked["when"] == "2026-01-02"
    assert checked["nested"] == {"inner": Decimal(3)}


def test_floats_become_exact_decimals() -> None:
    assert to_decimal(0.1) == Decimal("0.1")
    assert to_decimal(3) == Decimal(3)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"nmae": "x"}, "nmae: unknown key 'nmae'; did you mean 'name'?"),
        ({"zzz": 1, "name": "x"}, "unknown key 'zzz'; allowed keys: name, rate"),
        ({}, "missing required key 'name' (text)"),
        ({"name": ""}, "name: expected non-empty text"),
        ({"name": "x", "rate": 2}, "rate: expected a probability from 0 to 1, got 2"),
        ({"name": "x", "rate": True}, "rate: expected a probability from 0 to 1, got a boolean (true)"),
        ({"name": "x", "rate": "0.5"}, "rate: expected a probability from 0 to 1, got the text '0.5'"),
        ({"name": "x", "count": 0}, "count: expected a whole number of at least 1"),
        ({"name": "x", "flag": "yes"}, "flag: expected true or false"),
        ({"name": "x", "when": "soon"}, "when: expected a date (YYYY-MM-DD)"),
        (
            {"name": "x", "color": "gren"},
            "color: expected one of red, green, got the text 'gren'; did you mean 'green'?",
        ),
        ({"name": "x", "tags": []}, "tags: expected a non-empty list"),
        ({"name": "x", "tags": ["a", 5]}, "tags[1]: expected text, got the number 5"),
        ({"name": "x", "weights": {"a": -1}}, "weights.a: expected a number at least 0, got -1"),
        ({"name": "x", "either": "x"}, "either: expected a number or a mapping of names to values"),
        ({"name": "x", "kind": {"x": 1}}, "kind: missing required key 'type'"),
        ({"name": "x", "kind": {"type": "b"}}, "kind.type: expected one of a"),
        ({"name": "x", "nested": {"inner": "no"}}, "nested.inner: expected a number"),
        ([], "expected a mapping with keys name"),
    ],
)
def test_errors_name_the_key_path(value: object, message: str) -> None:
    assert message in _error(value)


def test_json_schema_matches_validation() -> None:
    schema = SPEC.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    good = {"name": "n", "rate": 0.2, "tags": ["t"], "either": {"a": 1}, "kind": {"type": "a", "x": 1}}
    SPEC.check(good, ())
    jsonschema.validate(good, schema)
    for bad in ({"nmae": "x"}, {"name": "x", "rate": 2}, {"name": "x", "kind": {"type": "b", "x": 1}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
        with pytest.raises(InvalidValueError):
            SPEC.check(bad, ())


@pytest.mark.parametrize(
    ("value", "percent"),
    [
        ("30%", Decimal(30)),
        ("0.3", Decimal(30)),
        ("30", Decimal(30)),
        (0.3, Decimal(30)),  # a YAML number
        (30, Decimal(30)),
        ("0.5%", Decimal("0.5")),  # the sign keeps a percentage below 1
        ("1", Decimal(1)),  # 1 or more: percent, as before shares were read
        ("0.999", Decimal("99.9")),
        ("-0.1", Decimal(-10)),
        (" 12.5 % ", Decimal("12.5")),
    ],
)
def test_percent_from_text_reads_shares_and_percentages_alike(value: object, percent: Decimal) -> None:
    assert percent_from_text(value) == percent


@pytest.mark.parametrize("value", ["", "%", "abc", "nan", "inf%", "5%%", True, None, [30]])
def test_percent_from_text_finds_no_number(value: object) -> None:
    assert percent_from_text(value) is None
