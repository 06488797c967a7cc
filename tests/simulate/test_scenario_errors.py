"""Bad scenario input: one clear message naming file, line and key path; exit 2; no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from routecli.cli import app
from tests.helpers.cli import ok, ok_json, refused
from tests.helpers.files import write

VALID = """\
name: errors
traffic:
  requests_per_month: 1000
  input_tokens: 100
  output_tokens: 10
  segments:
    - {name: easy, share: 0.6}
    - {name: hard, share: 0.4}
models:
  small: {model: gpt-5-mini}
  large: {model: claude-opus-4-6}
strategies:
  - {name: big, type: single, model: large}
  - name: routed
    type: route
    routes: {easy: small, hard: large}
    router: {accuracy: 0.9}
  - name: cascade
    type: cascade
    chain: [small, large]
    accept: {small: 0.7}
baseline: big
"""


def _scenario(tmp_path: Path, text: str) -> str:
    """The path of a scenario file with ``text``, as an argument."""
    return str(write(tmp_path / "scenario.yaml", text))


def test_valid_scenario_runs(tmp_path: Path) -> None:
    ok("simulate", _scenario(tmp_path, VALID))


@pytest.mark.parametrize(
    ("old", "new", "line", "expected"),
    [
        pytest.param(
            "  input_tokens: 100",
            "  input_tokns: 100",
            4,
            "traffic.input_tokns: unknown key 'input_tokns'; did you mean 'input_tokens'?",
            id="unknown-key",
        ),
        pytest.param(
            "{model: gpt-5-mini}",
            "{model: gpt-5-minni}",
            10,
            "models.small.model: unknown model 'gpt-5-minni': no price table has it; closest: gpt-5-mini",
            id="unknown-model",
        ),
        pytest.param(
            "share: 0.4}",
            "share: 0.3}",
            6,
            "traffic.segments: segment shares sum to 0.9, expected 1",
            id="shares-do-not-sum",
        ),
        pytest.param(
            "accuracy: 0.9",
            "accuracy: 1.5",
            17,
            "strategies[1].router.accuracy: expected a probability from 0 to 1 or a percentage like 95%, got 1.5",
            id="probability-out-of-range",
        ),
        pytest.param(
            "chain: [small, large]",
            "chain: [small]",
            20,
            "strategies[2].chain: a cascade needs at least two models in its chain",
            id="cascade-of-one",
        ),
        pytest.param(
            "hard: large}",
            "hard: larg}",
            16,
            "strategies[1].routes.hard: unknown model tier 'larg'; did you mean 'large'?",
            id="route-to-undefined-tier",
        ),
        pytest.param(
            "baseline: big",
            "baseline: bigg",
            22,
            "baseline: unknown baseline strategy 'bigg'; did you mean 'big'?",
            id="unknown-baseline",
        ),
        pytest.param(
            "requests_per_month: 1000",
            "requests_per_month: -5",
            3,
            "traffic.requests_per_month: expected a number at least 0, got -5",
            id="negative-volume",
        ),
        pytest.param(
            "  output_tokens: 10",
            "  output_tokens: -1",
            5,
            "traffic.output_tokens: expected a number at least 0, got -1",
            id="negative-tokens",
        ),
        pytest.param(
            "accept: {small: 0.7}",
            "accept: {small: 0.7, large: 0.5}",
            21,
            "strategies[2].accept.large: 'large' is the last step of the chain and always answers",
            id="accept-on-last-step",
        ),
        pytest.param(
            "type: route",
            "type: routing",
            15,
            "strategies[1].type: expected one of single, route, cascade, hybrid, got the text 'routing'; "
            "did you mean 'route'?",
            id="unknown-strategy-type",
        ),
    ],
)
def test_bad_input_is_one_clear_message(tmp_path: Path, old: str, new: str, line: int, expected: str) -> None:
    assert old in VALID
    err = refused("simulate", _scenario(tmp_path, VALID.replace(old, new, 1)))
    assert err.startswith(f"{tmp_path / 'scenario.yaml'}:{line}: ")
    assert expected in err
    assert "Traceback" not in err
    assert "\n" not in err  # one line


def test_missing_file(tmp_path: Path) -> None:
    err = refused("simulate", str(tmp_path / "nope.yaml"))
    assert err == f"{tmp_path / 'nope.yaml'}: scenario file not found"


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    err = refused("simulate", _scenario(tmp_path, VALID.replace("  output_tokens: 10", "  output_tokens: [10")))
    assert err.startswith(f"{tmp_path / 'scenario.yaml'}:6: YAML syntax error: ")


def test_not_a_mapping(tmp_path: Path) -> None:
    err = refused("simulate", _scenario(tmp_path, "- just\n- a list\n"))
    assert "expected a mapping with keys name, description" in err


def test_missing_required_key(tmp_path: Path) -> None:
    err = refused("simulate", _scenario(tmp_path, VALID.split("strategies:")[0]))
    assert "missing required key 'strategies'" in err


def test_a_scenario_without_name_takes_its_file_name(tmp_path: Path) -> None:
    path = write(tmp_path / "support-bot.yaml", VALID.replace("name: errors\n", ""))
    assert ok_json("simulate", str(path), "--format", "json")["scenario"] == "support-bot"


def test_debug_shows_the_traceback(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "scenario.yaml", VALID.replace("baseline: big", "baseline: bigg"))
    result = runner.invoke(app, ["--debug", "simulate", str(path)])
    assert result.exit_code == 2  # the same exit code as without --debug
    assert "Traceback (most recent call last)" in result.stderr
    assert "InvalidValueError" in result.stderr
    assert result.stderr.rstrip().endswith("unknown baseline strategy 'bigg'; did you mean 'big'?")


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    err = refused(
        "simulate", _scenario(tmp_path, VALID.replace("  large: {model: claude-opus-4-6}", "  small: {model: gpt-5}"))
    )
    assert ":11: YAML syntax error: duplicate key 'small' (first given on line 10)" in err


def test_tab_indentation_is_explained(tmp_path: Path) -> None:
    err = refused("simulate", _scenario(tmp_path, VALID.replace("  input_tokens: 100", "\tinput_tokens: 100")))
    assert "YAML indents with spaces, not tabs" in err


def test_empty_file(tmp_path: Path) -> None:
    err = refused("simulate", _scenario(tmp_path, "# nothing yet\n"))
    assert err == f"{tmp_path / 'scenario.yaml'}: the file is empty (or only comments)"


def test_exponent_without_dot_is_explained(tmp_path: Path) -> None:
    err = refused("simulate", _scenario(tmp_path, VALID.replace("requests_per_month: 1000", "requests_per_month: 1e6")))
    assert "got the text '1e6' (YAML reads a number with an exponent as text unless it has a dot" in err


def test_absurd_volume_is_refused(tmp_path: Path) -> None:
    err = refused(
        "simulate", _scenario(tmp_path, VALID.replace("requests_per_month: 1000", "requests_per_month: 1.0e+30"))
    )
    assert "traffic.requests_per_month: expected a number of at most 1,000,000,000,000, got 1e+30" in err


def test_scenario_pricing_file_missing(tmp_path: Path) -> None:
    err = refused("simulate", _scenario(tmp_path, VALID + "pricing: [negotiated.yaml]\n"))
    assert ":23: pricing[0]: price table 'negotiated.yaml' not found" in err


# ------------------------------------------------------------------ one vocabulary with router configs


def test_tiers_is_accepted_for_models_as_in_a_router_config(tmp_path: Path) -> None:
    report = ok_json("simulate", _scenario(tmp_path, VALID.replace("models:", "tiers:")), "--format", "json")
    assert [row["name"] for row in report["strategies"]] == ["big", "routed", "cascade"]
    err = refused("simulate", _scenario(tmp_path, VALID.replace("claude-opus-4-6}", "claude-opus-4-66}")))
    assert err.startswith(f"{tmp_path / 'scenario.yaml'}:11: models.large.model: unknown model")
    err = refused("simulate", _scenario(tmp_path, VALID.replace("models:", "tiers:").replace("4-6}", "4-66}")))
    assert err.startswith(f"{tmp_path / 'scenario.yaml'}:11: tiers.large.model: unknown model")


def test_models_and_tiers_together_are_refused(tmp_path: Path) -> None:
    text = VALID.replace("baseline: big", "tiers:\n  other: {model: gpt-5-mini}")
    err = refused("simulate", _scenario(tmp_path, text))
    assert err == f"{tmp_path / 'scenario.yaml'}:22: tiers: give 'models' or 'tiers' (the same thing), not both"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("models:", "model:", "9: model: unknown key 'model'; did you mean 'models'?"),
        ("models:", "tier:", "9: tier: unknown key 'tier'; did you mean 'models'?"),
        ("baseline: big", "routing: {type: fixed}", "22: routing: unknown key 'routing'; did you mean 'strategies'?"),
        (
            "    routes: {easy",
            "    routing: {easy",
            "16: strategies[1].routing: unknown key 'routing'; did you mean 'routes'?",
        ),
        (
            "    chain: [small",
            "    cascade: [small",
            "20: strategies[2].cascade: unknown key 'cascade'; did you mean 'chain'?",
        ),
        (
            "type: single, model: large",
            "type: single, tiers: large",
            "13: strategies[0].tiers: unknown key 'tiers'; did you mean 'model'?",
        ),
    ],
)
def test_a_router_configs_word_suggests_the_scenarios(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert (
        refused("simulate", _scenario(tmp_path, VALID.replace(old, new))) == f"{tmp_path / 'scenario.yaml'}:{message}"
    )


def test_a_single_strategy_takes_tier_or_a_price_table_model(tmp_path: Path) -> None:
    """``tier:`` is ``model:``'s alias; a price-table model that is no tier becomes one, priced from the table."""
    text = VALID.replace("type: single, model: large", "type: single, tier: large").replace(
        "baseline: big",
        "  - {name: by-tier, type: single, model: small}\n  - {name: by-model, type: single, model: gpt-5-mini}\n"
        "baseline: big",
    )
    report = ok_json("simulate", _scenario(tmp_path, text), "--format", "json")
    rows = {row["name"]: row for row in report["strategies"]}
    assert set(rows) == {"big", "routed", "cascade", "by-tier", "by-model"}
    assert rows["by-model"]["monthly_cost"] == rows["by-tier"]["monthly_cost"]


def test_a_single_strategy_naming_neither_a_tier_nor_a_model_is_refused(tmp_path: Path) -> None:
    err = refused("simulate", _scenario(tmp_path, VALID.replace("model: large}", "model: lage}")))
    assert err == (
        f"{tmp_path / 'scenario.yaml'}:13: strategies[0].model: unknown model tier (or price-table model) 'lage'; "
        "did you mean 'large'?"
    )


def test_traffic_without_token_counts_names_traffic(tmp_path: Path) -> None:
    """Not ``traffic.segments[0]``: the file has no segments."""
    text = """\
traffic:
  requests_per_month: 1000
models:
  small: {model: gpt-5-mini}
strategies:
  - {name: mini, type: single, model: small}
"""
    err = refused("simulate", _scenario(tmp_path, text))
    assert err == f"{tmp_path / 'scenario.yaml'}:1: traffic: give input_tokens and output_tokens (or per segment)"


def test_a_binary_scenario_is_not_a_text_file(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert refused("simulate", str(path)) == f"{path}: not a text file (UTF-8): byte 0x89 at offset 0 is not UTF-8"
