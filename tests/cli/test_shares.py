"""One meaning for "N%" (docs/cli.md, Conventions): wherever a share, rate, probability or quality is read, 0.9 and
"90%" give identical results, and a percentage outside 0%–100% is refused, naming the option or key."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from routecli.cli import app
from routecli.replay.config_file import load_router_config
from tests.helpers.cli import ok, refused
from tests.helpers.files import write
from tests.helpers.paths import REPO

SCENARIO = (REPO / "scenarios" / "example.yaml").read_text()
ROUTER = (REPO / "scenarios" / "replay" / "cascade.yaml").read_text()
OUTCOMES = str(REPO / "scenarios" / "outcomes" / "example.jsonl")
CHATBOT = str(REPO / "scenarios" / "support-chatbot.yaml")

# Each place a share is read: what is replaced in the example scenario, the same with V for the value, two values
SCENARIO_KEYS = {
    "traffic.segments[0].share": ("{name: simple,  share: 0.70}", "{name: simple,  share: V}", "0.7", "70%"),
    "router.accuracy": ("accuracy: 0.92", "accuracy: V", "0.92", "92%"),
    "cascade.accept.light.simple": ("simple: 0.9, medium: 0.55", "simple: V, medium: 0.55", "0.9", "90%"),
    "models.heavy.quality.simple": ("simple: 0.99, medium: 0.97", "simple: V, medium: 0.97", "0.99", "99%"),
    "models.house.quality": ("quality: 0.8}", "quality: V}", "0.8", "80%"),
}


def _simulated(text: str) -> dict[str, object]:
    document: dict[str, object] = json.loads(ok("simulate", str(write(Path("scenario.yaml"), text)), "-f", "json"))
    document.pop("inputs", None)  # the file's hash differs with its bytes
    return document


@pytest.mark.parametrize("key", list(SCENARIO_KEYS))
def test_scenario_shares_read_alike(key: str) -> None:
    old, template, number, percent = SCENARIO_KEYS[key]
    assert old in SCENARIO
    assert _simulated(SCENARIO.replace(old, template.replace("V", number))) == _simulated(
        SCENARIO.replace(old, template.replace("V", percent))
    )


@pytest.mark.parametrize(
    ("key", "where"),
    [("router.accuracy", "strategies[1].router.accuracy"), ("models.house.quality", "models.house.quality")],
)
def test_scenario_percentages_out_of_range_are_refused_naming_the_key(key: str, where: str) -> None:
    old, template, _, _ = SCENARIO_KEYS[key]
    text = SCENARIO.replace(old, template.replace("V", "120%"))
    line = next(number for number, row in enumerate(text.splitlines(), 1) if "120%" in row)
    path = write(Path("scenario.yaml"), text)
    assert refused("simulate", str(path)) == (
        f"{path}:{line}: {where}: expected a percentage from 0% to 100%, got 120%"
    )


def test_router_config_probability_reads_alike(tmp_path: Path) -> None:
    def config(value: str) -> str:
        folder = tmp_path / value.replace("%", "pct")
        folder.mkdir()
        text = ROUTER.replace(
            "{type: logprob, min_mean: -0.6}", f"{{type: logprob, min_mean: -0.6, min_token_prob: {value}}}"
        )
        loaded = load_router_config(write(folder / "router.yaml", text))
        return repr(loaded).replace(str(folder), "DIR")

    assert config("0.05") == config("5%")


def test_router_config_percentage_out_of_range_is_refused() -> None:
    text = ROUTER.replace("{type: logprob, min_mean: -0.6}", "{type: logprob, min_token_prob: -5%}")
    message = refused("replay", "prompts.jsonl", "-c", str(write(Path("router.yaml"), text)), "--dry-run")
    assert "cascade.accept.all[2].min_token_prob: expected a percentage from 0% to 100%, got -5%" in message


def _policy(value: str) -> str:
    return str(write(Path("policy.yaml"), f"rules:\n  - name: floor\n    min_quality: {value}\n"))


def _check(*args: str) -> str:
    """check's JSON report; a rule may fail (exit 1): the two runs must agree on that too."""
    result = CliRunner().invoke(app, ["check", str(REPO / "scenarios" / "example.yaml"), *args, "-f", "json"])
    assert result.exit_code in (0, 1), result.output
    return f"{result.exit_code} {result.stdout}"


# Each command-line place: the command's arguments around a share, and how to compare two runs
OPTIONS: dict[str, Callable[[str], str]] = {
    "tune --quality-floor": lambda v: ok("tune", OUTCOMES, "--quality-floor", v, "-f", "json"),
    "tune --relative-floor": lambda v: ok("tune", OUTCOMES, "--relative-floor", v, "-f", "json"),
    "tune --target-strong-share": lambda v: ok("tune", OUTCOMES, "--target-strong-share", v, "-f", "json"),
    "tune --holdout": lambda v: ok("tune", OUTCOMES, "--quality-floor", "0.7", "--holdout", v, "-f", "json"),
    "evaluate --judge-error": lambda v: ok("evaluate", OUTCOMES, "--judge-error", v, "-f", "json"),
    "breakeven --quality-floor": lambda v: ok(
        "breakeven", CHATBOT, "-s", "routed", "-p", "strategies.routed.router.accuracy", "-q", v, "-f", "json"
    ),
    "check --min-quality": lambda v: _check("--min-quality", v),
    "check --max-escalation-rate": lambda v: _check("--max-escalation-rate", v),
    "policy min_quality": lambda v: _check("--policy", _policy(v)),
}
VALUES = {"tune --holdout": ("0.3", "30%"), "tune --target-strong-share": ("0.3", "30%")}


@pytest.mark.parametrize("place", list(OPTIONS))
def test_options_read_shares_alike(place: str) -> None:
    number, percent = VALUES.get(place, ("0.8", "80%"))
    assert OPTIONS[place](number) == OPTIONS[place](percent)


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["tune", OUTCOMES, "--quality-floor", "101%"], "--quality-floor"),
        (["tune", OUTCOMES, "--relative-floor", "-1%"], "--relative-floor"),
        (["tune", OUTCOMES, "--target-strong-share", "101%"], "--target-strong-share"),
        (["tune", OUTCOMES, "--quality-floor", "0.8", "--holdout", "-1%"], "--holdout"),
        (["evaluate", OUTCOMES, "--judge-error", "101%"], "--judge-error"),
        (
            ["breakeven", CHATBOT, "-s", "routed", "-p", "strategies.routed.router.accuracy", "-q", "101%"],
            "--quality-floor",
        ),
        (["check", CHATBOT, "--min-quality", "101%"], "--min-quality"),
        (["check", CHATBOT, "--max-escalation-rate", "-1%"], "--max-escalation-rate"),
    ],
)
def test_options_refuse_percentages_out_of_range_naming_the_option(args: list[str], where: str) -> None:
    got = args[args.index(where) + 1] if where in args else args[-1]
    assert refused(*args) == f"{where}: expected a percentage from 0% to 100%, got {got}"


def test_policy_percentage_out_of_range_names_file_line_and_key() -> None:
    assert refused("check", CHATBOT, "--policy", _policy("120%")) == (
        "policy.yaml:3: rules[0].min_quality: expected a percentage from 0% to 100%, got 120%"
    )
