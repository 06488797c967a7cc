"""``routecli check``: limits held against real simulate and replay reports, as CI meets them.

The simulate report is ``routecli simulate scenarios/example.yaml --format json``. Its figures, by hand
(docs/json-report.md, prices from pricing/): 1,000,000 requests a month; all-heavy on claude-opus-4-6
($5/$25 per Mtok) costs 0.9 × 0.0225 + 0.1 × 0.035 = $0.02375 a request, $23,750 a month, quality
0.7 × 0.99 + 0.2 × 0.97 + 0.1 × 0.93 = 0.98; routed costs 197.48 + 327.40 + 4,030 (tiers) + 20 (router)
= $4,574.88, saving 19,175.12 / 23,750 = 80.7373…%; cascade costs 317 (light on every request) +
6,575 (heavy on the 0.07 + 0.09 + 0.085 = 0.245 escalated) = $6,892, saving 70.98…%. routed's and
cascade's quality are unknown (gpt-5-nano and gpt-5-mini have none in the scenario).
"""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from routecli.cli import app
from tests.helpers.cli import fails, ok, refused
from tests.helpers.files import write
from tests.helpers.paths import EXAMPLE, REPO, SCENARIOS
from tests.helpers.scenarios import LEVERS

PROMPTS = SCENARIOS / "replay" / "prompts.jsonl"
RULES = SCENARIOS / "replay" / "rules.yaml"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The reports every test reads, made once by the real commands."""
    folder = tmp_path_factory.mktemp("reports")
    simulation = json.loads(ok("simulate", str(EXAMPLE), "--format", "json"))
    monte_carlo = json.loads(ok("simulate", str(EXAMPLE), "--format", "json", "--samples", "2000", "--seed", "3"))
    replay = json.loads(
        ok(
            "replay",
            str(PROMPTS),
            "-c",
            str(RULES),
            "--dry-run",
            "--format",
            "json",
            "--log",
            str(folder / "decisions.jsonl"),
        )
    )
    return {"simulation": simulation, "monte_carlo": monte_carlo, "replay": replay}


def save(document: Any, name: str) -> str:
    """Write a report into the test's folder (the working directory) and return its path."""
    Path(name).write_text(json.dumps(document), encoding="utf-8")
    return name


@pytest.fixture
def sim(reports: dict[str, Any]) -> str:
    return save(reports["simulation"], "report.json")


@pytest.fixture
def replay(reports: dict[str, Any]) -> str:
    return save(reports["replay"], "replay.json")


def problems(output: str) -> list[str]:
    """The FAIL and WARN lines."""
    unwrapped = output.replace("\n      ", " ")  # a long line continues, indented, on the next
    return [line for line in unwrapped.splitlines() if line.startswith(("FAIL  ", "WARN  "))]


# ----------------------------------------------------------------- each flag at its boundary


def test_max_monthly_at_the_budget_passes_and_a_cent_under_fails(sim: str) -> None:
    out = ok("check", sim, "--max-monthly", "23750")
    assert out.splitlines()[-1] == "PASSED: 3 of 3 checks passed"
    out = fails("check", sim, "--max-monthly", "23749.99")
    assert problems(out) == ["FAIL  all-heavy: monthly cost $23,750.00 is over the $23,749.99 budget (--max-monthly)"]
    assert out.splitlines()[-1] == "FAILED: 1 of 3 checks failed"


def test_max_monthly_lists_every_failing_strategy(sim: str) -> None:
    out = fails("check", sim, "--max-monthly", "$5,000")
    assert problems(out) == [
        "FAIL  all-heavy: monthly cost $23,750.00 is over the $5,000.00 budget (--max-monthly)",
        "FAIL  cascade: monthly cost $6,892.00 is over the $5,000.00 budget (--max-monthly)",
    ]


def test_strategy_restricts_the_flags(sim: str) -> None:
    ok("check", sim, "--max-monthly", "4574.88", "--strategy", "routed")
    out = fails("check", sim, "--max-monthly", "4574.87", "--strategy", "routed")
    assert problems(out) == ["FAIL  routed: monthly cost $4,574.88 is over the $4,574.87 budget (--max-monthly)"]


def test_a_miss_rounding_would_hide_is_shown_exactly(sim: str) -> None:
    out = fails("check", sim, "--max-monthly", "4574.879", "--strategy", "routed")
    assert "monthly cost $4574.88 is over the $4574.879 budget" in out


def test_min_savings_at_the_boundary(reports: dict[str, Any], sim: str) -> None:
    reported = reports["simulation"]["strategies"][1]["savings_vs_baseline_pct"]  # routed: 80.7373…% as a float
    assert abs(reported - 19175.12 / 23750 * 100) < 1e-9
    ok("check", sim, "--min-savings", repr(reported), "--strategy", "routed")
    fails("check", sim, "--min-savings", str(Decimal(repr(reported)) + Decimal("1e-12")), "--strategy", "routed")
    # Every strategy but the baseline (which saves 0% against itself): cascade saves 16,858 / 23,750 = 70.98…%.
    out = fails("check", sim, "--min-savings", "75%")
    assert problems(out) == ["FAIL  cascade: saves 71.0% against all-heavy, under the 75.0% minimum (--min-savings)"]
    out = ok("check", sim, "--min-savings", "70", "-v")
    assert [line.split(":")[0] for line in out.splitlines()[1:-1]] == ["PASS  routed", "PASS  cascade"]


def test_min_quality_at_the_boundary_and_unknown_quality(sim: str) -> None:
    ok("check", sim, "--min-quality", "0.98", "--strategy", "all-heavy")
    ok("check", sim, "--min-quality", "98%", "--strategy", "all-heavy")
    out = fails("check", sim, "--min-quality", "0.9801", "--strategy", "all-heavy")
    assert problems(out) == ["FAIL  all-heavy: quality 0.98 is under the 0.9801 minimum (--min-quality)"]
    out = fails("check", sim, "--min-quality", "0.5")
    assert problems(out) == [
        f"FAIL  {name}: no quality to check: the scenario gives no quality for a model answering part of the "
        "traffic (--min-quality)"
        for name in ("routed", "cascade")
    ]


def test_max_escalation_rate_at_the_boundary(sim: str) -> None:
    ok("check", sim, "--max-escalation-rate", "0.245")
    ok("check", sim, "--max-escalation-rate", "24.5%")
    out = fails("check", sim, "--max-escalation-rate", "0.2")
    assert problems(out) == ["FAIL  cascade: escalation rate 24.5% is over the 20.0% maximum (--max-escalation-rate)"]


def test_max_p95_latency_reads_the_monte_carlo_percentiles(reports: dict[str, Any]) -> None:
    report = save(reports["monte_carlo"], "mc.json")
    p95 = {s["name"]: s["latency_p95_ms"] for s in reports["monte_carlo"]["monte_carlo"]["strategies"]}
    slowest = max(p95, key=p95.__getitem__)
    ok("check", report, "--max-p95-latency-ms", repr(p95[slowest]))
    out = fails("check", report, "--max-p95-latency-ms", repr(p95[slowest] - 0.5))
    assert [line.split(":")[0] for line in problems(out)] == [f"FAIL  {slowest}"]
    assert "p95 latency" in out


def test_max_p95_latency_without_monte_carlo_fails_saying_why(sim: str) -> None:
    out = fails("check", sim, "--max-p95-latency-ms", "100000", "--strategy", "routed")
    assert problems(out) == [
        "FAIL  routed: no p95 latency to check: only a Monte Carlo run (--samples) estimates latency percentiles "
        "(--max-p95-latency-ms)"
    ]


# ----------------------------------------------------------------- baselines


def _with_costs(report: dict[str, Any], costs: dict[str, str]) -> dict[str, Any]:
    changed = copy.deepcopy(report)
    changed["strategies"] = [
        {**strategy, "monthly_cost": costs[strategy["name"]]}
        for strategy in changed["strategies"]
        if strategy["name"] in costs
    ]
    return changed


def test_max_increase_in_percent(reports: dict[str, Any], sim: str) -> None:
    # routed was $4,000: now $4,574.88 is 574.88 / 4,000 = 14.372% more; the others are unchanged.
    base = save(
        _with_costs(reports["simulation"], {"all-heavy": "23750", "routed": "4000", "cascade": "6892"}), "b.json"
    )
    ok("check", sim, "--baseline", base, "--max-increase", "14.372%")
    out = fails("check", sim, "--baseline", base, "--max-increase", "14.371%")
    assert problems(out) == [
        "FAIL  routed: monthly cost rose 14.372% against the baseline ($4,000.00 → $4,574.88), over the 14.371% "
        "allowed (--max-increase)"
    ]


def test_max_increase_in_usd_and_a_fall(reports: dict[str, Any], sim: str) -> None:
    # routed rose $574.88; cascade fell from $7,000 by $108.
    base = save(
        _with_costs(reports["simulation"], {"all-heavy": "23750", "routed": "4000", "cascade": "7000"}), "b.json"
    )
    out = ok("check", sim, "--baseline", base, "--max-increase", "574.88", "-v")
    assert "PASS  cascade: monthly cost fell $108.00 against the baseline ($7,000.00 → $6,892.00)" in out
    assert "PASS  all-heavy: monthly cost is unchanged against the baseline" in out
    out = fails("check", sim, "--baseline", base, "--max-increase", "574.87")
    assert problems(out) == [
        "FAIL  routed: monthly cost rose $574.88 against the baseline ($4,000.00 → $4,574.88), over the $574.87 "
        "allowed (--max-increase)"
    ]


def test_a_strategy_missing_from_the_baseline_warns(reports: dict[str, Any], sim: str) -> None:
    base = save(_with_costs(reports["simulation"], {"all-heavy": "23750", "routed": "4574.88"}), "b.json")
    out = ok("check", sim, "--baseline", base, "--max-increase", "0%")
    assert problems(out) == [
        "WARN  cascade: not in the baseline report, so its monthly cost has nothing to compare with (--max-increase)"
    ]
    assert out.splitlines()[-1] == "PASSED: 2 of 3 checks passed, 1 warned"


def test_max_increase_of_a_replay_compares_total_spend(reports: dict[str, Any], replay: str) -> None:
    spend = Decimal(reports["replay"]["total_spend"])
    earlier = copy.deepcopy(reports["replay"])
    earlier["total_spend"] = str(spend / 2)  # the spend doubled: +100%, +spend / 2 in USD
    base = save(earlier, "base.json")
    ok("check", replay, "--baseline", base, "--max-increase", "100%")
    out = fails("check", replay, "--baseline", base, "--max-increase", "99.9%")
    assert "FAIL  route: total spend rose 100.0% against the baseline" in out
    ok("check", replay, "--baseline", base, "--max-increase", str(spend / 2))
    fails("check", replay, "--baseline", base, "--max-increase", str(spend / 2 - Decimal("0.00000001")))


def test_max_increase_needs_a_baseline_of_the_same_kind(sim: str, replay: str) -> None:
    assert refused("check", sim, "--max-increase", "10%") == (
        "--max-increase: max_increase compares with a baseline report: give one with --baseline BASE.json"
    )
    assert refused("check", replay, "--baseline", sim, "--max-increase", "10%") == (
        "--baseline is a simulation report and REPORT a replay report: compare a report with one of its own kind"
    )


# ----------------------------------------------------------------- replay reports


def test_replay_report_figures(reports: dict[str, Any], replay: str) -> None:
    savings = reports["replay"]["counterfactual"]["top"]["savings_pct"]
    ok("check", replay, "--min-savings", repr(savings))
    out = fails("check", replay, "--min-savings", "100")
    assert f"FAIL  route: saves {Decimal(repr(savings)):.1f}% against all on large, under the 100.0% minimum" in out
    out = fails("check", replay, "--min-savings", str(Decimal(repr(savings)) + Decimal("0.0001")))
    assert f"FAIL  route: saves {savings!r}% against all on large" in out  # exact: rounded, both would read alike
    assert out.splitlines()[0] == "routecli check: replay of prompts.jsonl (route, dry run)"
    out = fails("check", replay, "--max-p95-latency-ms", "1000", "--max-escalation-rate", "1")
    assert problems(out) == [
        "FAIL  route: no escalation rate to check: a dry run does not escalate (--max-escalation-rate)",
        "FAIL  route: no p95 latency to check: a dry run measures no latency (--max-p95-latency-ms)",
    ]


def test_max_monthly_is_refused_for_a_replay(replay: str) -> None:
    message = refused("check", replay, "--max-monthly", "5000")
    assert message.startswith(
        "--max-monthly: a replay report's total_spend is for the prompts it replayed, not a month"
    )


# ----------------------------------------------------------------- a scenario checked directly


def test_a_scenario_is_simulated_and_checked(tmp_path: Path) -> None:
    # LEVERS: cascade pays light (1000 × $1 + 100 × $5 per Mtok = $0.0015) and the evaluator ($0.0003) on every
    # request and heavy ($0.006) on the 20% light does not accept: (0.0018 + 0.2 × 0.006) × 100,000 = $300.
    scenario = str(write(tmp_path / "levers.yaml", LEVERS))
    ok("check", scenario, "--max-monthly", "300", "--strategy", "cascade")
    out = fails("check", scenario, "--max-monthly", "299.99", "--strategy", "cascade")
    assert problems(out) == ["FAIL  cascade: monthly cost $300.00 is over the $299.99 budget (--max-monthly)"]
    assert out.splitlines()[0] == "routecli check: simulation 'levers' (3 strategies)"
    out = ok("check", scenario, "--max-p95-latency-ms", "1000000", "--samples", "1000", "-v")
    assert out.count("PASS  ") == 3


def test_a_report_on_stdin(runner: CliRunner, reports: dict[str, Any]) -> None:
    result = runner.invoke(app, ["check", "-", "--max-monthly", "5000"], input=json.dumps(reports["simulation"]))
    assert result.exit_code == 1
    assert len(problems(result.stdout)) == 2


# ----------------------------------------------------------------- policy files

POLICY = """\
rules:
  - name: monthly budget
    max_monthly: 5000
  - name: keep quality
    min_quality: 0.85
    strategy: all-heavy
  - name: no surprise jumps
    max_escalation_rate: 10%
    severity: warning
"""


def test_policy_file_with_a_warning_and_a_per_strategy_rule(sim: str) -> None:
    policy = str(write(Path("policy.yaml"), POLICY))
    out = fails("check", sim, "--policy", policy)
    assert problems(out) == [
        "FAIL  all-heavy: monthly cost $23,750.00 is over the $5,000.00 budget (max_monthly, rule 'monthly budget')",
        "FAIL  cascade: monthly cost $6,892.00 is over the $5,000.00 budget (max_monthly, rule 'monthly budget')",
        "WARN  cascade: escalation rate 24.5% is over the 10.0% maximum (max_escalation_rate, rule 'no surprise "
        "jumps')",
    ]
    # 3 budget checks, 1 quality check (all-heavy only: 0.98 ≥ 0.85), 3 escalation checks.
    assert out.splitlines()[-1] == "FAILED: 2 of 7 checks failed, 1 warned"


def test_a_warning_alone_never_fails(sim: str) -> None:
    policy = write(Path("policy.yaml"), "rules:\n  - {name: budget, max_monthly: 1, severity: warning}\n")
    out = ok("check", sim, "--policy", str(policy))
    assert len(problems(out)) == 3
    assert out.splitlines()[-1] == "PASSED: 0 of 3 checks passed, 3 warned"


def test_flags_and_policy_together(sim: str) -> None:
    policy = write(Path("policy.yaml"), "rules:\n  - {name: cheap routed, strategy: routed, max_monthly: 4574.88}\n")
    out = ok("check", sim, "--policy", str(policy), "--min-quality", "0.98", "--strategy", "all-heavy", "-v")
    assert out.count("PASS  ") == 2


def test_policy_unknown_key_names_file_line_and_key(sim: str) -> None:
    write(Path("policy.yaml"), "rules:\n  - name: budget\n    max_montly: 5000\n")
    assert refused("check", sim, "--policy", "policy.yaml") == (
        "policy.yaml:3: rules[0].max_montly: unknown key 'max_montly'; did you mean 'max_monthly'?"
    )


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (
            "rules:\n  - name: x\n",
            "policy.yaml:2: rules[0]: a rule needs a limit: one of max_monthly, max_increase, "
            "min_savings, min_quality, max_escalation_rate, max_p95_latency_ms",
        ),
        (
            "rules:\n  - name: x\n    min_quality: 1.5\n",
            "policy.yaml:3: rules[0].min_quality: expected a quality from 0 to 1 or a percentage like 95%, got 1.5",
        ),
        (
            "rules:\n  - name: x\n    max_monthly: 10%\n",
            "policy.yaml:3: rules[0].max_monthly: expected an amount in "
            "USD of at least 0, like 5000, got the text '10%'",
        ),
        (
            "rules:\n  - name: x\n    max_monthly: 1\n    severity: fatal\n",
            "policy.yaml:4: rules[0].severity: expected one of error, warning, got the text 'fatal'",
        ),
        (
            "rules:\n  - max_monthly: 1\n",
            "policy.yaml:2: rules[0]: missing required key 'name' (What the rule is called in messages.)",
        ),
        ("rules: []\n", "policy.yaml:1: rules: expected a non-empty list, got a list"),
    ],
)
def test_policy_errors(sim: str, policy: str, message: str) -> None:
    write(Path("policy.yaml"), policy)
    assert refused("check", sim, "--policy", "policy.yaml") == message


def test_a_rule_for_a_strategy_the_report_lacks(sim: str) -> None:
    write(Path("policy.yaml"), "rules:\n  - name: r\n    max_monthly: 1\n    strategy: route\n")
    assert refused("check", sim, "--policy", "policy.yaml") == (
        "policy.yaml:4: rules[0].strategy: no strategy 'route' in the simulation report; it has all-heavy, routed, "
        "cascade; did you mean 'routed'?"
    )
    assert refused("check", sim, "--max-monthly", "1", "--strategy", "route").startswith(
        "--strategy: no strategy 'route'"
    )


# ----------------------------------------------------------------- bad input


def test_wrong_kind_of_report(runner: CliRunner, sim: str) -> None:
    result = runner.invoke(app, ["check", sim, "--max-monthly", "5000", "-o", "check.json"])
    assert result.exit_code == 1
    assert json.loads(Path("check.json").read_text())["kind"] == "check"
    assert refused("check", "check.json", "--max-monthly", "1") == (
        "check.json: kind: expected a simulate or replay report (kind 'simulation' or 'replay'), got a 'check' report"
    )
    write(Path("other.json"), '{"strategies": []}')
    assert refused("check", "other.json", "--max-monthly", "1") == (
        "other.json: kind: expected a simulate or replay report (kind 'simulation' or 'replay'), got no report kind"
    )


def test_broken_report_values_name_the_key(reports: dict[str, Any]) -> None:
    broken = copy.deepcopy(reports["simulation"])
    broken["strategies"][1]["monthly_cost"] = 4574.88
    save(broken, "broken.json")
    assert refused("check", "broken.json", "--max-monthly", "1") == (
        'broken.json: strategies[1].monthly_cost: expected an amount as a decimal string such as "12.5", got 4574.88'
    )
    write(Path("bad.json"), '{"kind": \n')
    assert refused("check", "bad.json", "--max-monthly", "1").startswith("bad.json:2: not valid JSON")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "nothing to check: give a limit such as --max-monthly 5000, or --policy FILE"),
        (["--strategy", "routed"], "--strategy picks the strategy the limit flags apply to; give a limit flag too"),
        (
            ["--min-quality", "high"],
            "--min-quality: expected a quality from 0 to 1 or a percentage like 95%, got the text 'high'",
        ),
        (
            ["--max-increase", "-5%", "--baseline", "report.json"],
            "--max-increase: expected a percentage like 10% or an amount in USD like 500, got the text '-5%'",
        ),
        (
            ["--max-monthly", "1", "--samples", "1000"],
            "--samples simulates a scenario; REPORT and --baseline are reports already run",
        ),
        (
            ["--max-monthly", "1", "-o", "report.json"],
            "report.json: is an input of this run; write the output elsewhere",
        ),
    ],
)
def test_bad_flags(sim: str, args: list[str], message: str) -> None:
    assert refused("check", sim, *args) == message


def test_missing_report() -> None:
    assert refused("check", "nowhere.json", "--max-monthly", "1") == "nowhere.json: report not found"


# ----------------------------------------------------------------- outputs


def test_json_output(runner: CliRunner, sim: str) -> None:
    result = runner.invoke(app, ["check", sim, "--max-monthly", "5000", "--format", "json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["kind"] == "check"
    assert document["passed"] is False
    assert document["counts"] == {"checks": 3, "passed": 1, "failed": 2, "warned": 0}
    routed = document["outcomes"][1]
    assert routed == {
        "strategy": "routed",
        "status": "passed",
        "check": "max_monthly",
        "rule": None,
        "flag": "--max-monthly",
        "severity": "error",
        "unit": "USD",
        "limit": "5000",
        "actual": "4574.88",
        "message": "routed: monthly cost $4,574.88 is within the $5,000.00 budget (--max-monthly)",
    }


def test_output_file_keeps_the_failures_on_the_terminal(runner: CliRunner, sim: str) -> None:
    result = runner.invoke(app, ["check", sim, "--max-monthly", "5000", "-o", "summary.md"])
    assert result.exit_code == 1
    assert len(problems(result.stdout)) == 2
    markdown = Path("summary.md").read_text()
    assert markdown.startswith("### ❌ routecli check failed\n")
    assert "| ❌ failed | cascade | `--max-monthly` | $6,892.00 | $5,000.00 |" in markdown
    assert "| ✅ passed | routed | `--max-monthly` | $4,574.88 | $5,000.00 |" in markdown


# ----------------------------------------------------------------- GitHub Actions


def test_github_actions_annotations_and_step_summary(sim: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    summary = write(tmp_path / "summary.md", "# Earlier step\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    write(Path("policy.yaml"), POLICY)
    out = fails("check", sim, "--policy", "policy.yaml")
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    assert annotations == [
        "::error title=routecli check%3A monthly budget::all-heavy: monthly cost $23,750.00 is over the $5,000.00 "
        "budget (max_monthly, rule 'monthly budget')",
        "::error title=routecli check%3A monthly budget::cascade: monthly cost $6,892.00 is over the $5,000.00 "
        "budget (max_monthly, rule 'monthly budget')",
        "::warning title=routecli check%3A no surprise jumps::cascade: escalation rate 24.5%25 is over the 10.0%25 "
        "maximum (max_escalation_rate, rule 'no surprise jumps')",
    ]
    text = summary.read_text()
    assert text.startswith("# Earlier step\n")
    assert "### ❌ routecli check failed" in text
    ok("check", sim, "--max-monthly", "23750")
    text = summary.read_text()
    assert text.startswith("# Earlier step\n")
    assert text.index("### ❌ routecli check failed") < text.index("### ✅ routecli check passed")


def test_no_annotations_outside_github_actions(sim: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", "summary.md")
    out = fails("check", sim, "--max-monthly", "5000")
    assert "::" not in out
    assert not Path("summary.md").exists()


def test_annotations_keep_a_json_report_on_stdout_clean(
    runner: CliRunner, sim: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = runner.invoke(app, ["check", sim, "--max-monthly", "5000", "-f", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["counts"]["failed"] == 2
    assert result.stderr.count("::error title=") == 2


def test_the_documented_policy_file_is_valid(sim: str) -> None:
    text = (REPO / "docs" / "ci.md").read_text()
    (policy,) = [block for block in re.findall(r"```yaml\n(.*?)```", text, re.S) if block.startswith("rules:")]
    write(Path("policy.yaml"), policy)
    out = fails("check", sim, "--policy", "policy.yaml", "--baseline", sim)
    assert out.splitlines()[-1] == "FAILED: 2 of 7 checks failed"  # 3 budgets, 1 quality, 3 unchanged costs
