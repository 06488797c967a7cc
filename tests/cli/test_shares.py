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


# ----------------------------------------------- savings and drift: 30%, 0.3 and (as before) 30 alike

EXAMPLE = str(REPO / "scenarios" / "example.yaml")


def _savings_check(*args: str) -> tuple[int, list[tuple[str, str, str]], str]:
    """check's exit code, each outcome's strategy, status and limit (JSON), and its table, on the example scenario."""
    runner = CliRunner()
    document = runner.invoke(app, ["check", EXAMPLE, *args, "-f", "json"])
    table = runner.invoke(app, ["check", EXAMPLE, *args, "-v"])
    assert document.exit_code in (0, 1), document.output
    outcomes = [(item["strategy"], item["status"], item["limit"]) for item in json.loads(document.stdout)["outcomes"]]
    return document.exit_code, outcomes, table.stdout


@pytest.mark.parametrize("value", ["75%", "0.75", "75"])
def test_min_savings_reads_a_share_and_a_percentage_alike(value: str) -> None:
    # example.yaml: routed saves 19,175.12 / 23,750 = 80.7% against all-heavy, cascade 16,858 / 23,750 = 71.0%
    code, outcomes, table = _savings_check("--min-savings", value)
    assert code == 1
    assert outcomes == [("routed", "passed", "75"), ("cascade", "failed", "75")]
    assert "FAIL  cascade: saves 71.0% against all-heavy, under the 75.0% minimum (--min-savings)" in table


def test_a_percent_sign_keeps_a_min_savings_below_one_percent() -> None:
    code, outcomes, _ = _savings_check("--min-savings", "0.75%")  # 0.75%, not 75%: every strategy saves more
    assert (code, outcomes) == (0, [("routed", "passed", "0.75"), ("cascade", "passed", "0.75")])


def _savings_policy(value: str) -> str:
    return str(write(Path("policy.yaml"), f"rules:\n  - name: saves\n    min_savings: {value}\n"))


def test_policy_min_savings_reads_a_share_and_a_percentage_alike() -> None:
    runs = {value: _savings_check("--policy", _savings_policy(value)) for value in ("0.75", "75%", "75")}
    assert runs["0.75"] == runs["75%"] == runs["75"]
    assert runs["75"][:2] == (1, [("routed", "passed", "75"), ("cascade", "failed", "75")])


@pytest.mark.parametrize(("value", "shown"), [("101%", "'101%'"), ("150", "'150'"), ("100.5", "'100.5'")])
def test_min_savings_above_100_percent_is_refused(value: str, shown: str) -> None:
    assert refused("check", EXAMPLE, "--min-savings", value) == (
        f"--min-savings: expected a percentage of at most 100%, like 30% (or the share 0.3), got the text {shown}"
    )


def test_policy_min_savings_above_100_percent_names_file_line_and_key() -> None:
    assert refused("check", EXAMPLE, "--policy", _savings_policy("150")) == (
        "policy.yaml:3: rules[0].min_savings: expected a percentage of at most 100%, like 30% (or the share 0.3), "
        "got the number 150"
    )


# ----------------------------------------------- sweep and breakeven: a percentage where the parameter is a share


def _sweep(*vary: str) -> object:
    args = [arg for spec in vary for arg in ("--vary", spec)]
    return json.loads(ok("sweep", EXAMPLE, *args, "-f", "json"))


@pytest.mark.parametrize(
    ("percent", "number"),
    [
        ("traffic.segments.simple.share=40%,60%", "traffic.segments.simple.share=0.4,0.6"),
        ("strategies.routed.router.accuracy=60%:100%:20%", "strategies.routed.router.accuracy=0.6:1:0.2"),
        ("strategies.cascade.accept.light=50%,0.9", "strategies.cascade.accept.light=0.5,0.9"),
    ],
)
def test_sweep_reads_a_share_as_a_percentage_too(percent: str, number: str) -> None:
    assert _sweep(percent) == _sweep(number)


def test_sweep_tables_agree_on_percentages_and_shares() -> None:
    assert ok("sweep", EXAMPLE, "--vary", "traffic.segments.simple.share=40%,60%") == ok(
        "sweep", EXAMPLE, "--vary", "traffic.segments.simple.share=0.4,0.6"
    )


def test_sweep_grid_reads_percentages_on_either_axis() -> None:
    share, accuracy = "traffic.segments.simple.share", "strategies.routed.router.accuracy"
    assert _sweep(f"{share}=0.5,0.8", f"{accuracy}=70%,90%") == _sweep(f"{share}=50%,80%", f"{accuracy}=0.7,0.9")


@pytest.mark.parametrize(
    ("vary", "path"),
    [
        ("models.light.price.input_per_mtok=50%", "models.light.price.input_per_mtok"),
        ("traffic.growth.monthly_pct=1:10%:1", "traffic.growth.monthly_pct"),
        ("traffic.input_tokens=10%,20%", "traffic.input_tokens"),
    ],
)
def test_sweep_refuses_a_percentage_for_a_number_that_is_not_a_share(vary: str, path: str) -> None:
    message = refused("sweep", EXAMPLE, "--vary", vary)
    assert message.startswith(f"--vary {vary}: {path} is not a share, so it takes no percentage (")
    assert message.endswith("): write its value as in the scenario file")


def test_sweep_refuses_a_percentage_that_is_not_a_number() -> None:
    assert refused("sweep", EXAMPLE, "--vary", "traffic.segments.simple.share=4O%") == (
        "--vary traffic.segments.simple.share=4O%: value '4O%' is not a number"
    )


def _breakeven(param: str, value_range: str) -> object:
    args = ["-s", "cascade", "-a", "all-heavy", "-p", param, "--range", value_range, "-f", "json"]
    return json.loads(ok("breakeven", EXAMPLE, *args))


@pytest.mark.parametrize(("percent", "number"), [("0%:100%", "0:1"), ("20%:60%", "0.2:0.6"), ("0.5:90%", "0.5:0.9")])
def test_breakeven_range_reads_a_share_as_a_percentage_too(percent: str, number: str) -> None:
    param = "strategies.cascade.accept.light"
    assert _breakeven(param, percent) == _breakeven(param, number)


@pytest.mark.parametrize(("value_range", "percent"), [("0%:50%", "0%"), ("0:50%", "50%")])  # 50% of a price?
def test_breakeven_refuses_a_percentage_range_for_a_number_that_is_not_a_share(value_range: str, percent: str) -> None:
    args = ["-s", "cascade", "-a", "all-heavy", "-p", "models.heavy.price.input_per_mtok", "--range", value_range]
    assert refused("breakeven", EXAMPLE, *args) == (
        f"--range: models.heavy.price.input_per_mtok is not a share, so it takes no percentage ({percent}): "
        "write its value as in the scenario file"
    )
