"""``routecli calibrate``'s measurements, and the loop: the scenario it writes simulates to what the replay spent.

The logs are hand-built (tests/helpers/calibration_logs.py), their figures worked out there.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from routecli.calibrate.files import calibrate_files
from routecli.calibrate.measure import Calibration, Run, measure
from routecli.calibrate.rates import Mean, Rate
from routecli.errors import InvalidValueError
from routecli.replay.log import read_log
from routecli.simulate.costmodel import simulate
from routecli.simulate.scenario_file import load_scenario
from tests.helpers.calibration_logs import CASCADE_SPEND, ROUTE_SPEND, write_cascade_log, write_route_log


def _calibration(path: Path) -> Calibration:
    contents = read_log(path)
    return measure([Run(str(path), contents.run, contents.decisions)])


def test_wilson_interval_of_five_in_ten() -> None:
    low, high = Rate(5, 10).interval()
    # the textbook value: 0.5 ± 1.96·√(0.025 + 0.0096)/1.384 around a centre of 0.5
    assert low == pytest.approx(0.2366, abs=1e-4)
    assert high == pytest.approx(0.7634, abs=1e-4)


def test_wilson_interval_stays_inside_zero_and_one() -> None:
    low, high = Rate(0, 12).interval()
    assert low == pytest.approx(0.0, abs=1e-12)
    # z² / (n + z²) = 3.8415 / 15.8415
    assert high == pytest.approx(3.8415 / 15.8415, abs=1e-4)


def test_a_mean_is_exact_and_its_interval_normal() -> None:
    mean = Mean.of([100, 200, 300])
    assert mean.value == Decimal(200)
    low, high = mean.interval()
    assert high - 200 == pytest.approx(1.959964 * 100 / 3**0.5, rel=1e-6)
    assert low == pytest.approx(200 - 1.959964 * 100 / 3**0.5, rel=1e-6)


def test_the_cascade_log_s_rates(tmp_path: Path) -> None:
    calibration = _calibration(write_cascade_log(tmp_path / "log.jsonl"))
    light, heavy = calibration.tiers
    assert light.accept == {"easy": Rate(24, 30), "hard": Rate(2, 10)}
    assert light.quality == {"easy": Rate(23, 30), "hard": Rate(2, 10)}
    assert heavy.quality == {"easy": Rate(6, 6), "hard": Rate(8, 8)}
    # correct answers judged: 22 + 1 on easy, 2 on hard, 24 of them accepted; wrong: 7 + 8, 2 accepted
    assert calibration.tpr == Rate(24, 25)
    assert calibration.fpr == Rate(2, 15)
    assert heavy.output_tokens["hard"].value == 400
    # heavy's latency is 200 + 20 ms per output token: 50 tokens/s after 200 ms
    assert heavy.latency is not None
    assert heavy.latency.ttft_ms == 200
    assert heavy.latency.tokens_per_s == 50


def test_the_cascade_scenario_simulates_to_the_replay_s_spend(tmp_path: Path) -> None:
    out = tmp_path / "calibrated.yaml"
    calibrate_files([write_cascade_log(tmp_path / "log.jsonl")], out)
    result = simulate(load_scenario(out))
    replayed = result.strategy("replayed")
    assert replayed.monthly_cost == CASCADE_SPEND
    assert replayed.escalation_rate == Decimal("0.35")
    # light serves 26 of 40 and is paid on all 40: 30 × 0.0012 + 10 × 0.0022; heavy 6 × 0.016 + 8 × 0.032
    assert replayed.spend_by_model == {"light": Decimal("0.058"), "heavy": Decimal("0.352")}
    assert result.strategy("top-tier").monthly_cost == Decimal("0.8")  # 30 × 0.016 + 10 × 0.032
    # tpr/fpr: light's good answers are accepted at 24/25, bad ones at 2/15; heavy answers the rest, always well
    easy_accept = 23 / 30 * 0.96 + 7 / 30 * 2 / 15
    hard_accept = 0.2 * 0.96 + 0.8 * 2 / 15
    expected = 0.75 * (23 / 30 * 0.96 + 1 - easy_accept) + 0.25 * (0.2 * 0.96 + 1 - hard_accept)
    quality = result.strategy("replayed-tpr-fpr").quality
    assert quality is not None
    assert float(quality) == pytest.approx(expected, rel=1e-9)


def test_a_given_volume_scales_the_spend_per_prompt(tmp_path: Path) -> None:
    out = tmp_path / "calibrated.yaml"
    calibrate_files([write_cascade_log(tmp_path / "log.jsonl")], out, requests_per_month=Decimal(3_000_000))
    # $0.41 for 40 prompts: $0.01025 a prompt
    assert simulate(load_scenario(out)).strategy("replayed").monthly_cost == Decimal("30750")


def test_the_route_scenario_simulates_to_the_replay_s_spend(tmp_path: Path) -> None:
    out = tmp_path / "calibrated.yaml"
    calibrate_files([write_route_log(tmp_path / "log.jsonl")], out)
    replayed = simulate(load_scenario(out)).strategy("replayed")
    # the confusion's thirds are written to 12 places: exact to far below a cent
    assert abs(replayed.monthly_cost - ROUTE_SPEND) < Decimal("1e-9")
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    strategy = data["strategies"][0]
    assert strategy["routes"] == {"easy": "light", "hard": "heavy"}
    assert strategy["router"]["confusion"]["hard"]["light"] == {"measured": 0.25, "n": 8, "successes": 2}


def test_every_measured_value_has_its_comment_and_the_few_are_warned(tmp_path: Path) -> None:
    out = tmp_path / "calibrated.yaml"
    result = calibrate_files([write_cascade_log(tmp_path / "log.jsonl")], out, min_prompts=30)
    text = out.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if '"easy": {measured: 0.8, n: 30' in line)
    # Wilson for 24 of 30
    assert line.endswith("# measured: 30 prompts, 95% CI 0.63–0.90, run 20261124T101500Z")
    assert "models.heavy.quality.easy (6)" in result.warnings
    assert not any(warning.startswith("models.light.quality.easy") for warning in result.warnings)


def test_segments_by_the_router_s_decision(tmp_path: Path) -> None:
    out = tmp_path / "calibrated.yaml"
    calibrate_files([write_route_log(tmp_path / "log.jsonl")], out, segment_by="router")
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    # 12 prompts routed to light, 8 to heavy
    assert [(s["name"], s["share"]) for s in data["traffic"]["segments"]] == [("heavy", 0.4), ("light", 0.6)]
    assert abs(simulate(load_scenario(out)).strategy("replayed").monthly_cost - ROUTE_SPEND) < Decimal("1e-9")


def test_logs_of_different_setups_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match="calibrate one setup at a time"):
        calibrate_files(
            [write_cascade_log(tmp_path / "a.jsonl"), write_route_log(tmp_path / "b.jsonl")], tmp_path / "out.yaml"
        )
    assert not (tmp_path / "out.yaml").exists()


def test_segments_by_a_metadata_key_of_the_prompt_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = write_cascade_log(tmp_path / "log.jsonl")
    monkeypatch.chdir(tmp_path)  # the log names prompts.jsonl, relative to where the replay ran
    rows = [{"id": str(n), "prompt": "q", "metadata": {"team": "a" if n <= 10 else "b"}} for n in range(1, 40)]
    (tmp_path / "prompts.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    out = tmp_path / "calibrated.yaml"
    calibrate_files([log], out, segment_by="metadata.team")
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    # ids 1–10 are team a, 11–39 team b; prompt 40 has no line, so no team
    assert [(s["name"], s["share"]) for s in data["traffic"]["segments"]] == [
        ("a", 0.25),
        ("b", 0.725),
        ("other", 0.025),
    ]
    # mixed segments make rates like 9/29, written to 12 places: exact to far below a cent
    assert abs(simulate(load_scenario(out)).strategy("replayed").monthly_cost - CASCADE_SPEND) < Decimal("1e-9")
