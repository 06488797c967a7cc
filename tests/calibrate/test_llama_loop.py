"""The loop on a real server: replay → calibrate at the replay's own volume → simulate gives back what the replay spent.

llama.cpp serves SmolLM2 under two tier names and prices; GSM8K questions go
through a rules router and a logprob cascade (and each alone, and ``--all-tiers``).
The calibrated scenario's ``replayed`` strategy must cost what the run spent
(within 1%), escalate as often, and let each tier answer the same share.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from routecli.calibrate.files import calibrate_files
from routecli.cli import app
from routecli.simulate.costmodel import StrategyResult, simulate
from routecli.simulate.scenario_file import load_scenario
from tests.helpers.files import write
from tests.helpers.llama_server import LlamaServer
from tests.helpers.paths import SHARED

pytestmark = pytest.mark.llama

GSM8K = SHARED / "data" / "routellm" / "gsm8k_test.jsonl"
QUESTIONS = 10
ROUTING = """\
routing:
  type: rules
  rules: [{tier: large, when: {min_chars: 260}}]
  default: small
"""
CASCADE = """\
cascade:
  chain: [small, large]
  accept:
    all:
      - {type: logprob, min_mean: -0.6}
"""


def _config(server: LlamaServer, folder: Path, setup: str) -> Path:
    return write(
        folder / "router.yaml",
        f"""\
providers:
  local:
    base_url: {server.base_url}
    timeout_s: 120
tiers:
  small:
    provider: local
    model: {server.model}
    price: {{input_per_mtok: 0.1, output_per_mtok: 0.4}}
    params: {{temperature: 0, max_tokens: 16}}
  large:
    provider: local
    model: smollm2-as-large
    price: {{input_per_mtok: 2, output_per_mtok: 8}}
    params: {{temperature: 0, max_tokens: 16}}
{ROUTING if "route" in setup else ""}{CASCADE if "cascade" in setup else ""}quality:
  match: number
""",
    )


@pytest.fixture(scope="module")
def prompts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not GSM8K.is_file():
        pytest.skip("../shared (GSM8K questions) is absent")
    path = tmp_path_factory.mktemp("gsm8k") / "prompts.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for index, line in enumerate(GSM8K.read_text(encoding="utf-8").splitlines()[:QUESTIONS]):
            row = json.loads(line)
            label = "small" if index % 2 == 0 else "large"  # labels name tiers: two segments
            prompt = row["question"] + "\nGive only the final number after ####."
            out.write(json.dumps({"id": f"q{index}", "prompt": prompt, "expected": row["answer"], "label": label}))
            out.write("\n")
    return path


def _loop(
    server: LlamaServer, prompts: Path, folder: Path, setup: str, *extra: str
) -> tuple[dict[str, Any], StrategyResult]:
    """Replay, calibrate at the replay's volume, simulate: the replay's JSON report and the ``replayed`` result."""
    folder.mkdir(parents=True, exist_ok=True)
    config = _config(server, folder, setup)
    log, report = folder / "log.jsonl", folder / "report.json"
    args = ["replay", str(prompts), "-c", str(config), "--log", str(log), "--no-progress", "-o", str(report)]
    result = CliRunner().invoke(app, [*args, "--format", "json", *extra])
    assert result.exit_code == 0, result.output  # every prompt answered
    scenario = folder / "calibrated.yaml"
    calibrate_files([log], scenario)
    replayed = simulate(load_scenario(scenario)).strategy("replayed")
    return json.loads(report.read_text(encoding="utf-8")), replayed


def _served(replayed: StrategyResult) -> dict[str, float]:
    return {usage.tier: float(usage.answered_share) for usage in replayed.tiers if usage.answered_share}


def _check(report: dict[str, Any], replayed: StrategyResult) -> None:
    spend = Decimal(report["total_spend"])
    assert spend > 0
    assert abs(replayed.monthly_cost - spend) <= spend / 100
    assert float(replayed.escalation_rate) == pytest.approx(report["escalation_rate"] or 0.0, abs=1e-9)
    served = {tier["name"]: tier["answer_share"] for tier in report["tiers"] if tier["answer_share"]}
    assert _served(replayed) == pytest.approx(served, abs=1e-9)


@pytest.mark.parametrize("setup", ["route+cascade", "route", "cascade"])
def test_the_replayed_strategy_costs_what_the_replay_spent(
    llama_server: LlamaServer, prompts: Path, tmp_path: Path, setup: str
) -> None:
    report, replayed = _loop(llama_server, prompts, tmp_path, setup)
    assert replayed.type == {"route+cascade": "hybrid", "route": "route", "cascade": "cascade"}[setup]
    _check(report, replayed)


def test_an_all_tiers_run_is_priced_from_its_outcomes(llama_server: LlamaServer, prompts: Path, tmp_path: Path) -> None:
    report, replayed = _loop(llama_server, prompts, tmp_path, "route+cascade", "--all-tiers")
    spend = Decimal(report["total_spend"])
    assert abs(replayed.monthly_cost - spend) <= spend / 100
    # every prompt asked of every tier, the top tier's answer served
    assert _served(replayed) == {"large": 1.0}
    only_small = simulate(load_scenario(tmp_path / "calibrated.yaml")).strategy("only-small")
    small = next(tier for tier in report["tiers"] if tier["name"] == "small")
    assert abs(only_small.monthly_cost - Decimal(small["spend"])) <= Decimal(small["spend"]) / 100
