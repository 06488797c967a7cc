"""Parameter paths: finding a number in a scenario, and copies of the scenario with it changed."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from pathlib import Path

import pytest

from routecli.errors import InvalidValueError
from routecli.simulate.params import resolve_param, typed_value, with_values
from routecli.simulate.scenario_file import SCENARIO_SPEC, ScenarioSource, read_scenario
from tests.helpers.files import write
from tests.helpers.paths import EXAMPLE

D = Decimal


@pytest.fixture
def example() -> ScenarioSource:
    return read_scenario(EXAMPLE)


def set_to(source: ScenarioSource, path: str, value: str) -> object:
    return with_values(source.data, [(resolve_param(source.data, path, SCENARIO_SPEC), D(value))])


# ----------------------------------------------------------------- resolving


@pytest.mark.parametrize(
    ("path", "key_path", "current", "bounds"),
    [
        pytest.param(
            "strategies.cascade.accept.light.simple",
            ("strategies", 2, "accept", "light", "simple"),
            D("0.9"),
            (D(0), D(1)),
            id="per-segment-key",
        ),
        pytest.param(
            "strategies.routed.router.accuracy",
            ("strategies", 1, "router", "accuracy"),
            D("0.92"),
            (D(0), D(1)),
            id="router-accuracy",
        ),
        pytest.param(
            "traffic.segments.complex.input_tokens",
            ("traffic", "segments", 2, "input_tokens"),
            D(3000),
            (D(0), D(10) ** 8),
            id="segment-tokens",
        ),
        pytest.param(
            "traffic.requests_per_month",
            ("traffic", "requests_per_month"),
            D(1000000),
            (D(0), D(10) ** 12),
            id="volume",
        ),
        pytest.param(
            "strategies.2.accept.light.medium",
            ("strategies", 2, "accept", "light", "medium"),
            D("0.55"),
            (D(0), D(1)),
            id="item-by-index",
        ),
        pytest.param(
            "models.heavy.quality.complex",
            ("models", "heavy", "quality", "complex"),
            D("0.93"),
            (D(0), D(1)),
            id="quality",
        ),
    ],
)
def test_resolve_finds_the_number(
    example: ScenarioSource, path: str, key_path: tuple[object, ...], current: Decimal, bounds: tuple[Decimal, Decimal]
) -> None:
    param = resolve_param(example.data, path, SCENARIO_SPEC)
    assert (param.text, param.key_path, param.current) == (path, key_path, current)
    assert (param.minimum, param.maximum) == bounds
    assert param.per_segment is None
    assert not param.rescales_shares


def test_a_value_the_file_leaves_to_its_default_can_be_varied(example: ScenarioSource) -> None:
    param = resolve_param(example.data, "strategies.cascade.evaluator.tpr", SCENARIO_SPEC)
    assert (param.key_path, param.current, param.minimum, param.maximum) == (
        ("strategies", 2, "evaluator", "tpr"),
        None,
        D(0),
        D(1),
    )
    price = resolve_param(example.data, "models.light.price.input_per_mtok", SCENARIO_SPEC)
    assert (price.current, price.minimum, price.maximum) == (None, D(0), None)


def test_a_per_segment_mapping_becomes_one_number(example: ScenarioSource) -> None:
    param = resolve_param(example.data, "strategies.cascade.accept.light", SCENARIO_SPEC)
    assert param.key_path == ("strategies", 2, "accept", "light")
    assert param.current is None
    assert param.per_segment == {"simple": 0.9, "medium": 0.55, "complex": 0.15}
    built = example.build(with_values(example.data, [(param, D("0.4"))]))
    cascade = next(strategy for strategy in built.strategies if strategy.name == "cascade")
    assert cascade.accept == {"light": {"simple": D("0.4"), "medium": D("0.4"), "complex": D("0.4")}}


def test_a_segment_share_rescales_the_others(example: ScenarioSource) -> None:
    param = resolve_param(example.data, "traffic.segments.simple.share", SCENARIO_SPEC)
    assert param.rescales_shares
    assert (param.key_path, param.current) == (("traffic", "segments", 0, "share"), D("0.7"))
    built = example.build(with_values(example.data, [(param, D("0.4"))]))
    # the others held 0.2 + 0.1 = 0.3 and now share 1 − 0.4 = 0.6 in proportion: × 2 → 0.4 and 0.2
    assert {segment.name: segment.share for segment in built.segments} == {
        "simple": D("0.4"),
        "medium": D("0.4"),
        "complex": D("0.2"),
    }
    assert sum(segment.share for segment in built.segments) == 1


def test_a_share_of_one_leaves_the_others_nothing(example: ScenarioSource) -> None:
    built = example.build(set_to(example, "traffic.segments.complex.share", "1"))
    assert [segment.share for segment in built.segments] == [D(0), D(0), D(1)]


def test_share_of_the_only_segment(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace(
        "    - {name: simple,  share: 0.70}\n    - {name: medium,  share: 0.20}\n"
        "    - {name: complex, share: 0.10, input_tokens: 3000, output_tokens: 800}\n",
        "    - {name: simple,  share: 1}\n",
    )
    text = text.replace("{simple: 0.99, medium: 0.97, complex: 0.93}", "0.99")
    text = text.replace("routes: {simple: light, medium: mid, complex: heavy}", "routes: {simple: light}")
    text = text.replace("{light: {simple: 0.9, medium: 0.55, complex: 0.15}}", "{light: 0.9}")
    source = read_scenario(write(tmp_path / "one.yaml", text))
    param = resolve_param(source.data, "traffic.segments.simple.share", SCENARIO_SPEC)
    assert source.build(with_values(source.data, [(param, D(1))])).segments[0].share == 1
    with pytest.raises(InvalidValueError) as caught:
        with_values(source.data, [(param, D("0.5"))])
    assert (
        str(caught.value) == "parameter 'traffic.segments.simple.share': the shares set add up to 0.5, not 1, "
        "and there is no other segment to make up the rest"
    )


def test_shares_cannot_be_made_up_by_segments_of_share_zero(example: ScenarioSource) -> None:
    data = set_to(example, "traffic.segments.complex.share", "1")  # simple and medium now 0
    param = resolve_param(data, "traffic.segments.complex.share", SCENARIO_SPEC)
    with pytest.raises(InvalidValueError, match="the other segments' shares are all 0"):
        with_values(data, [(param, D("0.5"))])


def test_with_values_leaves_the_data_alone(example: ScenarioSource) -> None:
    before = copy.deepcopy(example.data)
    set_to(example, "traffic.segments.simple.share", "0.4")
    set_to(example, "strategies.cascade.accept.light", "0.4")
    set_to(example, "strategies.cascade.evaluator.tpr", "0.4")
    assert example.data == before


def test_with_values_fills_in_a_missing_mapping(example: ScenarioSource) -> None:
    data = set_to(example, "models.light.latency.ttft_ms", "250")
    assert data["models"]["light"] == {"model": "gpt-5-nano", "latency": {"ttft_ms": D(250)}}
    assert example.build(data).tiers["light"].ttft_ms == D(250)


def test_two_values_at_once(example: ScenarioSource) -> None:
    data = example.data
    pairs = [
        (resolve_param(data, "traffic.segments.simple.share", SCENARIO_SPEC), D("0.5")),
        (resolve_param(data, "strategies.routed.router.accuracy", SCENARIO_SPEC), D("0.8")),
    ]
    built = example.build(with_values(data, pairs))
    assert built.segments[0].share == D("0.5")
    routed = next(strategy for strategy in built.strategies if strategy.name == "routed")
    assert routed.router is not None
    assert routed.router.accuracy == D("0.8")


def test_two_shares_set_together_rescale_only_the_rest(example: ScenarioSource) -> None:
    simple = resolve_param(example.data, "traffic.segments.simple.share", SCENARIO_SPEC)
    medium = resolve_param(example.data, "traffic.segments.medium.share", SCENARIO_SPEC)
    built = example.build(with_values(example.data, [(simple, D("0.5")), (medium, D("0.3"))]))
    # complex alone makes up 1 − 0.5 − 0.3 = 0.2; neither share set is touched by the other
    assert [segment.share for segment in built.segments] == [D("0.5"), D("0.3"), D("0.2")]
    with pytest.raises(InvalidValueError, match=r"add up to 1\.2, more than 1"):
        with_values(example.data, [(simple, D("0.7")), (medium, D("0.5"))])


def test_a_name_made_of_digits_is_a_name_before_an_index(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace("name: cascade", "name: '0'")
    source = read_scenario(write(tmp_path / "digits.yaml", text))
    assert resolve_param(source.data, "strategies.0.accept.light", SCENARIO_SPEC).key_path[:2] == ("strategies", 2)
    assert resolve_param(source.data, "strategies.1.router.accuracy", SCENARIO_SPEC).key_path[:2] == ("strategies", 1)


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("path", "message"),
    [
        pytest.param(
            "strategies.nope.x",
            "strategies has no item named 'nope'; names: all-heavy, routed, cascade",
            id="unknown-strategy",
        ),
        pytest.param(
            "strategies.cascad.accept.light",
            "strategies has no item named 'cascad'; did you mean 'cascade'?",
            id="strategy-typo",
        ),
        pytest.param(
            "strategies.cascade.acept.light",
            "strategies.cascade has no key 'acept'; did you mean 'accept'?",
            id="key-typo",
        ),
        pytest.param(
            "traffic.segments.simpel.share",
            "traffic.segments has no item named 'simpel'; did you mean 'simple'?",
            id="segment-typo",
        ),
        pytest.param("strategies.7.accept", "strategies has 3 items and none named '7'", id="index-out-of-range"),
        pytest.param(
            "strategies.cascade.accept",
            "is not a number but a mapping; vary one of its keys (light)",
            id="mapping",
        ),
        pytest.param(
            "traffic.segments.simple",
            "is not a number but a mapping; vary one of its keys (name, share)",
            id="segment-mapping",
        ),
        pytest.param(
            "traffic.requests_per_month.x",
            "traffic.requests_per_month is a single value; it has no key 'x'",
            id="past-a-number",
        ),
        pytest.param("baseline", "does not name a number", id="text"),
        pytest.param("traffic.growth.months", "does not name a number", id="whole-number"),
        pytest.param("strategies.routed.routes.simple", "does not name a number", id="tier-name"),
        pytest.param("", "expected a dotted key path like strategies.cascade.accept.light", id="empty"),
        pytest.param("traffic..share", "expected a dotted key path", id="empty-part"),
    ],
)
def test_bad_path_says_what_is_wrong(example: ScenarioSource, path: str, message: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        resolve_param(example.data, path, SCENARIO_SPEC)
    assert str(caught.value).startswith(f"parameter {path!r}: ")
    assert message in str(caught.value)


def test_list_items_of_an_absent_list(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().split("  segments:")[0] + EXAMPLE.read_text().split("output_tokens: 800}\n")[1]
    text = text.replace("{simple: 0.99, medium: 0.97, complex: 0.93}", "0.99")
    text = text.replace("routes: {simple: light, medium: mid, complex: heavy}", "routes: {all: light}")
    text = text.replace("{light: {simple: 0.9, medium: 0.55, complex: 0.15}}", "{light: 0.9}")
    source = read_scenario(write(tmp_path / "flat.yaml", text))
    with pytest.raises(
        InvalidValueError, match=re.escape("traffic.segments is not set in the file, so it has no item 'all'")
    ):
        resolve_param(source.data, "traffic.segments.all.share", SCENARIO_SPEC)


def test_a_list_path_is_not_called_a_mapping(example: ScenarioSource) -> None:
    with pytest.raises(InvalidValueError) as caught:
        resolve_param(example.data, "strategies.cascade.chain", SCENARIO_SPEC)
    assert "not a number" in str(caught.value)
    assert "mapping" not in str(caught.value)  # chain is a list: "vary one of its keys (items)" misleads


def test_an_unknown_model_tier_is_an_error(example: ScenarioSource) -> None:
    # models maps names the user picks; a typo must not quietly create a new, unused tier "heavvy"
    with pytest.raises(InvalidValueError, match=r"'heavvy'.*did you mean 'heavy'"):
        resolve_param(example.data, "models.heavvy.price.input_per_mtok", SCENARIO_SPEC)


@pytest.mark.parametrize(
    ("path", "share"),
    [
        ("traffic.segments.simple.share", True),
        ("strategies.routed.router.accuracy", True),
        ("strategies.cascade.accept.light", True),
        ("strategies.cascade.evaluator.tpr", True),
        ("models.light.price.input_per_mtok", False),
        ("traffic.input_tokens", False),
        ("traffic.growth.monthly_pct", False),
    ],
)
def test_a_param_knows_whether_it_is_a_share(example: ScenarioSource, path: str, share: bool) -> None:
    assert resolve_param(example.data, path, SCENARIO_SPEC).share is share


def test_typed_values() -> None:
    assert typed_value("40%", True, "x", "--opt") == D("0.4")
    assert typed_value(" 0.4 ", True, "x", "--opt") == D("0.4")
    assert typed_value("2.5", False, "x", "--opt") == D("2.5")
    assert typed_value("4O%", True, "x", "--opt") is None
    assert typed_value("inf", False, "x", "--opt") is None
    with pytest.raises(InvalidValueError, match=r"^--opt: x is not a share, so it takes no percentage \(5%\)"):
        typed_value("5%", False, "x", "--opt")
