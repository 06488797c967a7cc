"""``routecli diff``: two real reports before and after a change, and what the diff says moved."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from routecli.ci.diff import diff_reports
from routecli.ci.documents import report_document
from routecli.cli import app
from routecli.render.diff_report import COMMENT_MARKER, DIFF_REPORT_SCHEMA
from tests.helpers.cli import ok, ok_json, refused
from tests.helpers.files import write
from tests.helpers.paths import EXAMPLE, REPO

REPLAY = REPO / "scenarios" / "replay"


def _simulate(scenario: Path, out: Path, *options: str) -> dict[str, Any]:
    """The JSON report ``routecli simulate`` wrote to ``out``."""
    ok("simulate", str(scenario), "--format", "json", "-o", str(out), *options)
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def _replay(config: Path, out: Path) -> dict[str, Any]:
    """The JSON report of a dry run of the replay prompts with ``config``, which it wrote to ``out``."""
    ok("replay", str(REPLAY / "prompts.jsonl"), "-c", str(config), "--dry-run", "--format", "json", "-o", str(out))
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def _diff(base: Path, head: Path, *options: str) -> dict[str, Any]:
    """The JSON diff of two reports, checked against its schema."""
    document = ok_json("diff", str(base), str(head), *options)
    jsonschema.validate(document, DIFF_REPORT_SCHEMA)
    return document


def _scenario(path: Path, change: Any) -> Path:
    """A copy of the example scenario, changed by ``change(data)``."""
    data = yaml.safe_load(EXAMPLE.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data))
    return path


def _strategy(report: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in report["strategies"] if s["name"] == name)
    return found


def _row(diff: dict[str, Any], group: str, name: str, strategy: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = next(
        r for r in diff["rows"] if (r["group"], r["name"], r["strategy"]) == (group, name, strategy)
    )
    return found


def _expect_money(figure: dict[str, Any], old: str, new: str) -> None:
    """``figure`` holds exactly old → new, their difference, and the change as a percentage of old."""
    change = Decimal(new) - Decimal(old)
    assert (figure["unit"], figure["old"], figure["new"]) == ("usd", old, new)
    assert Decimal(figure["change"]) == change
    assert figure["change_pct"] == pytest.approx(float(change / Decimal(old) * 100))


@pytest.fixture
def base(tmp_path: Path) -> Path:
    _simulate(EXAMPLE, tmp_path / "base.json")
    return tmp_path / "base.json"


def test_traffic_up_ten_percent_raises_every_cost_ten_percent(base: Path, tmp_path: Path) -> None:
    def busier(data: dict[str, Any]) -> None:
        data["traffic"]["requests_per_month"] = 1_100_000

    head_report = _simulate(_scenario(tmp_path / "busier.yaml", busier), tmp_path / "head.json")
    base_report = json.loads(base.read_text())
    diff = _diff(base, tmp_path / "head.json")

    assert diff["compares"] == "simulation"
    assert (diff["base"]["file"], diff["head"]["file"]) == (str(base), str(tmp_path / "head.json"))
    for name in ("all-heavy", "routed", "cascade"):
        old, new = _strategy(base_report, name)["monthly_cost"], _strategy(head_report, name)["monthly_cost"]
        figure = _row(diff, "strategy", name)["metrics"]["monthly_cost"]
        _expect_money(figure, old, new)
        assert figure["change_pct"] == pytest.approx(10.0)  # every cost is linear in traffic
    # all-heavy: 1,000,000 requests at $0.02375 (the example's report), 100,000 more cost $2,375
    assert _row(diff, "strategy", "all-heavy")["metrics"]["monthly_cost"]["change"] == "2375"
    # the baseline heads the verdict: all-heavy, $23,750 → × 1.1
    assert diff["totals"]["strategy"] == {"old": "all-heavy", "new": "all-heavy"}
    assert diff["totals"]["strategy_from"] == "baseline"
    assert (diff["totals"]["old"], diff["totals"]["new"]) == ("23750", "26125")
    assert diff["verdict"] == "Monthly cost of the baseline (all-heavy) rises by $2,375.00 (+10.0%) to $26,125.00."
    # routed stays the cheapest: no line of its own
    assert diff["cheapest"] == {
        "old": "routed",
        "new": "routed",
        "old_cost": "4574.88",
        "new_cost": "5032.368",
        "changed": False,
    }
    assert diff["notes"] == ["Traffic changed: 1,000,000 → 1,100,000 requests a month."]
    assert diff["inputs_changed"] == {"prices": False, "setup": True}
    assert (diff["added"], diff["removed"]) == ([], [])


def test_a_price_change_shows_per_model_and_names_the_new_model(base: Path, tmp_path: Path) -> None:
    def dearer_light(data: dict[str, Any]) -> None:
        data["models"]["light"] = {"price": {"input_per_mtok": 0.10, "output_per_mtok": 0.80}}  # gpt-5-nano's × 2

    _simulate(_scenario(tmp_path / "dearer.yaml", dearer_light), tmp_path / "head.json")
    diff = _diff(base, tmp_path / "head.json")

    light = _row(diff, "model", "light", strategy="routed")
    _expect_money(light["metrics"]["spend"], "197.48", "394.96")  # the example's light spend, doubled
    assert light["metrics"]["spend"]["change_pct"] == pytest.approx(100.0)
    assert light["model"] == {"old": "gpt-5-nano", "new": "light"}  # inline prices take the tier's name
    unchanged = _row(diff, "strategy", "all-heavy")["metrics"]["monthly_cost"]
    assert (unchanged["change"], unchanged["change_pct"]) == ("0", 0.0)
    _expect_money(_row(diff, "strategy", "routed")["metrics"]["monthly_cost"], "4574.88", "4772.36")
    # savings fall by what routed's light tier now costs more
    savings = _row(diff, "strategy", "routed")["metrics"]["savings_vs_baseline"]
    assert (savings["old"], savings["new"], savings["change"]) == ("19175.12", "18977.64", "-197.48")
    # 197.48 / 4574.88 = 4.317%
    assert diff["verdict"] == "Monthly cost of the baseline (all-heavy) is unchanged at $23,750.00."
    routed = _diff(base, tmp_path / "head.json", "--strategy", "routed")
    assert routed["totals"]["strategy_from"] == "option"
    assert routed["verdict"] == "Monthly cost of routed rises by $197.48 (+4.3%) to $4,772.36."

    markdown = CliRunner().invoke(app, ["diff", str(base), str(tmp_path / "head.json"), "-f", "markdown"]).stdout
    assert "| routed | +$197.48 ($4,574.88 → $4,772.36) | +4.3% |" in markdown
    assert "| routed / light (gpt-5-nano → light) | +$197.48 ($197.48 → $394.96) | +100.0% |" in markdown
    assert "all-heavy / heavy" not in markdown  # unchanged model rows stay out of the comment


def test_strategies_and_models_added_and_removed(base: Path, tmp_path: Path) -> None:
    def reshaped(data: dict[str, Any]) -> None:
        data["strategies"][1]["routes"]["medium"] = "light"  # routed no longer uses mid
        data["strategies"] = [s for s in data["strategies"] if s["name"] != "cascade"]
        data["strategies"].append({"name": "all-light", "type": "single", "model": "light"})

    _simulate(_scenario(tmp_path / "reshaped.yaml", reshaped), tmp_path / "head.json")
    diff = _diff(base, tmp_path / "head.json")

    # all-light: 1M requests of 2,100 input and 530 output tokens on average (0.9 × 2,000 + 0.1 × 3,000; 0.9 × 500
    # + 0.1 × 800) at gpt-5-nano's $0.05 and $0.40 per 1M tokens: $105 + $212
    assert diff["added"] == [{"group": "strategy", "name": "all-light", "strategy": None, "model": None, "cost": "317"}]
    assert diff["removed"] == [
        {"group": "strategy", "name": "cascade", "strategy": None, "model": None, "cost": "6892"},
        {"group": "model", "name": "mid", "strategy": "routed", "model": "gpt-5-mini", "cost": "327.4"},
    ]
    assert [row["name"] for row in diff["rows"] if row["group"] == "strategy"] == ["all-heavy", "routed"]
    # the new all-light is the cheapest, but the verdict compares one strategy with itself
    assert diff["totals"]["strategy"] == {"old": "all-heavy", "new": "all-heavy"}
    assert diff["verdict"] == "Monthly cost of the baseline (all-heavy) is unchanged at $23,750.00."
    assert (diff["cheapest"]["old"], diff["cheapest"]["new"], diff["cheapest"]["changed"]) == (
        "routed",
        "all-light",
        True,
    )

    text = CliRunner().invoke(app, ["diff", str(base), str(tmp_path / "head.json")])
    assert text.exit_code == 0  # a diff is not a failure, whichever way costs move
    assert "Cheapest strategy: routed → all-light ($4,574.88 → $317.00)." in text.stdout
    assert "Added strategy all-light: $317.00 a month." in text.stdout
    assert "Removed strategy cascade (was $6,892.00 a month)." in text.stdout
    assert "Removed tier mid (gpt-5-mini) in routed (was $327.40 a month)." in text.stdout


ZERO = """\
name: zero
traffic: {requests_per_month: 1000, input_tokens: 1000, output_tokens: 100}
models:
  free: {price: {input_per_mtok: FREE_IN, output_per_mtok: FREE_OUT}}
  paid: {price: {input_per_mtok: 1, output_per_mtok: 5}}
strategies:
  - {name: all-paid, type: single, model: paid}
  - {name: all-free, type: single, model: free}
baseline: all-paid
"""


def test_from_zero_there_is_no_percentage(tmp_path: Path) -> None:
    free = write(tmp_path / "free.yaml", ZERO.replace("FREE_IN", "0").replace("FREE_OUT", "0"))
    priced = write(tmp_path / "priced.yaml", ZERO.replace("FREE_IN", "2").replace("FREE_OUT", "10"))
    _simulate(free, tmp_path / "base.json")
    _simulate(priced, tmp_path / "head.json")
    diff = _diff(tmp_path / "base.json", tmp_path / "head.json")

    # 1,000 requests × (1,000 × $2 + 100 × $10) / 1M = $3; all-paid: 1,000 × (1,000 × $1 + 100 × $5) / 1M = $1.50
    cost = _row(diff, "strategy", "all-free")["metrics"]["monthly_cost"]
    assert (cost["old"], cost["new"], cost["change"], cost["change_pct"]) == ("0", "3", "3", None)
    free = _diff(tmp_path / "base.json", tmp_path / "head.json", "--strategy", "all-free")
    assert (free["totals"]["old"], free["totals"]["new"], free["totals"]["change_pct"]) == ("0", "3", None)
    verdict = "Monthly cost of all-free rises from $0.00 to $3.00."
    assert free["verdict"] == verdict

    markdown = ok("diff", "base.json", "head.json", "-s", "all-free", "--format", "markdown")
    assert "| all-free | +$3.00 ($0.00 → $3.00) | — |" in markdown
    assert verdict in markdown


def test_markdown_comment_has_one_marker_a_heading_and_the_verdict(base: Path, tmp_path: Path) -> None:
    def renamed(data: dict[str, Any]) -> None:
        data["name"] = f"tricky {COMMENT_MARKER} name"  # a name cannot forge the marker
        data["traffic"]["requests_per_month"] = 900_000

    _simulate(_scenario(tmp_path / "renamed.yaml", renamed), tmp_path / "head.json")
    result = CliRunner().invoke(app, ["diff", str(base), str(tmp_path / "head.json"), "-o", "comment.md"])
    assert result.exit_code == 0, result.output
    comment = (tmp_path / "comment.md").read_text()  # .md implies --format markdown

    assert comment.count(COMMENT_MARKER) == 1
    assert comment.startswith(COMMENT_MARKER + "\n## Cost diff: ")
    # 10% fewer requests: routed's $4,574.88 falls by $457.488
    verdict = "Monthly cost of the baseline (all-heavy) falls by $2,375.00 (-10.0%) to $21,375.00."
    assert f"**{verdict}**" in comment
    assert "| Strategy | Monthly cost | % | Savings vs baseline | Quality |" in comment
    assert "Latency P95" not in comment  # neither report has Monte Carlo percentiles


def test_monte_carlo_latency_p95_is_compared(tmp_path: Path) -> None:
    def busier(data: dict[str, Any]) -> None:
        data["traffic"]["requests_per_month"] = 2_000_000

    base_report = _simulate(EXAMPLE, tmp_path / "base.json", "--samples", "2000", "--seed", "1")
    head_report = _simulate(
        _scenario(tmp_path / "busier.yaml", busier), tmp_path / "head.json", "--samples", "2000", "--seed", "2"
    )
    diff = _diff(tmp_path / "base.json", tmp_path / "head.json")
    for index, strategy in enumerate(base_report["monte_carlo"]["strategies"]):
        old = Decimal(repr(strategy["latency_p95_ms"]))
        new = Decimal(repr(head_report["monte_carlo"]["strategies"][index]["latency_p95_ms"]))
        figure = _row(diff, "strategy", strategy["name"])["metrics"]["latency_p95_ms"]
        assert figure["unit"] == "ms"
        assert (figure["old"], figure["new"]) == (float(old), float(new))
        assert figure["change"] == pytest.approx(float(new - old))
    markdown = CliRunner().invoke(app, ["diff", "base.json", "head.json", "-f", "markdown"]).stdout
    assert "| Latency P95 |" in markdown


def test_replay_reports_compare_tier_by_tier(tmp_path: Path) -> None:
    base_report = _replay(REPLAY / "rules.yaml", tmp_path / "rules.json")
    head_report = _replay(REPLAY / "complexity.yaml", tmp_path / "complexity.json")
    diff = _diff(tmp_path / "rules.json", tmp_path / "complexity.json")

    assert diff["compares"] == "replay"
    assert diff["totals"]["metric"] == "spend"
    assert diff["totals"]["strategy"] is None
    old_total, new_total = base_report["total_spend"], head_report["total_spend"]
    assert (diff["totals"]["old"], diff["totals"]["new"]) == (old_total, new_total)
    assert Decimal(diff["totals"]["change"]) == Decimal(new_total) - Decimal(old_total)
    _expect_money(_row(diff, "total", "total")["metrics"]["spend"], old_total, new_total)
    names = [tier["name"] for tier in head_report["tiers"]]
    assert [row["name"] for row in diff["rows"] if row["group"] == "tier"] == names
    for old, new in zip(base_report["tiers"], head_report["tiers"], strict=True):
        row = _row(diff, "tier", new["name"])
        _expect_money(row["metrics"]["spend"], old["spend"], new["spend"])
        requests = row["metrics"]["requests"]
        assert (requests["old"], requests["new"], requests["change"]) == (
            old["requests"],
            new["requests"],
            new["requests"] - old["requests"],
        )
        assert row["metrics"]["quality"]["old"] is None  # a dry run checks no answers
        assert row["model"] == {"old": old["model"], "new": new["model"]}
    # the two configs route the same prompts differently: the same 12 prompts, all answered (estimated)
    assert _row(diff, "total", "total")["metrics"]["requests"]["change"] == 0
    assert "Both runs are dry runs: their costs are estimates." in diff["notes"]
    assert diff["inputs_changed"] == {"prices": False, "setup": True}
    direction = "falls" if Decimal(new_total) < Decimal(old_total) else "rises"
    assert diff["verdict"].startswith(f"Replay spend {direction} by $")


def test_mismatched_kinds_are_bad_input(base: Path, tmp_path: Path) -> None:
    _replay(REPLAY / "rules.yaml", tmp_path / "replay.json")
    result = CliRunner().invoke(app, ["diff", str(base), str(tmp_path / "replay.json")])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {tmp_path / 'replay.json'}: kind: is a replay report but {base} is a simulation report; "
        "diff two reports of the same kind\n"
    )


def _broken(base: Path, tmp_path: Path, change: Any) -> str:
    document = json.loads(base.read_text())
    change(document)
    (tmp_path / "head.json").write_text(json.dumps(document))
    result = CliRunner().invoke(app, ["diff", "base.json", "head.json"])
    assert result.exit_code == 2
    return result.stderr


def test_malformed_reports_name_the_file_and_the_key(base: Path, tmp_path: Path) -> None:
    def money_as_float(document: dict[str, Any]) -> None:
        document["strategies"][1]["monthly_cost"] = 4574.88

    def no_spend_by_model(document: dict[str, Any]) -> None:
        del document["strategies"][0]["spend_by_model"]

    def newer(document: dict[str, Any]) -> None:
        document["schema_version"] = 2

    assert _broken(base, tmp_path, money_as_float) == (
        'Error: head.json: strategies[1].monthly_cost: expected an amount as a decimal string such as "12.5", '
        "got 4574.88\n"
    )
    assert _broken(base, tmp_path, no_spend_by_model) == "Error: head.json: strategies[0].spend_by_model: missing\n"
    assert _broken(base, tmp_path, newer).startswith(
        "Error: head.json: schema_version: this routecli reads simulation reports of version 1, got 2"
    )


def test_unreadable_files_and_a_diff_of_a_diff(base: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    write(tmp_path / "cut.json", '{"kind": "simulation",\n')
    assert runner.invoke(app, ["diff", "base.json", "cut.json"]).stderr.startswith("Error: cut.json:2: not valid JSON")
    missing = runner.invoke(app, ["diff", "base.json", "gone.json"])
    assert (missing.exit_code, missing.stderr) == (2, "Error: gone.json: report not found\n")
    write(tmp_path / "list.json", "[]")
    assert runner.invoke(app, ["diff", "list.json", "base.json"]).stderr.startswith("Error: list.json: expected")

    (tmp_path / "diff.json").write_text(runner.invoke(app, ["diff", "base.json", "base.json", "-f", "json"]).stdout)
    result = runner.invoke(app, ["diff", "diff.json", "base.json"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: diff.json: kind: is the output of routecli diff")


def test_same_report_changes_nothing(base: Path) -> None:
    diff = _diff(base, base)
    assert diff["verdict"] == "Monthly cost of the baseline (all-heavy) is unchanged at $23,750.00."
    assert diff["inputs_changed"] == {"prices": False, "setup": False}
    assert all(figure["change"] in ("0", 0, None) for row in diff["rows"] for figure in row["metrics"].values())


def test_strategy_picks_the_headline(base: Path, tmp_path: Path) -> None:
    diff = _diff(base, base, "--strategy", "cascade")
    assert diff["totals"]["strategy"] == {"old": "cascade", "new": "cascade"}
    assert diff["verdict"] == "Monthly cost of cascade is unchanged at $6,892.00."
    assert refused("diff", "base.json", "base.json", "-s", "nope") == (
        "no strategy 'nope' in either report (both have all-heavy, routed, cascade)"
    )
    assert refused("diff", "base.json", "base.json", "-s", "cascde") == (
        "no strategy 'cascde' in either report; did you mean 'cascade'? (both have all-heavy, routed, cascade)"
    )


def test_csv_is_not_a_diff_format(base: Path) -> None:
    result = CliRunner().invoke(app, ["diff", "base.json", "base.json", "-o", "diff.csv"])
    assert result.exit_code == 2
    assert "a diff is written as table, json or markdown" in result.stderr


def test_money_stays_exact_through_the_core() -> None:
    """Decimal strings in, exact differences out: 0.1 + 0.2 style float error cannot appear."""

    def report(cost: str) -> dict[str, Any]:
        strategy = {"name": "s", "monthly_cost": cost, "savings_vs_baseline": "0", "quality": 0.9, "spend_by_model": {}}
        return {
            "kind": "simulation",
            "schema_version": 1,
            "scenario": "x",
            "baseline": "s",
            "period": {"requests": "10"},
            "strategies": [strategy],
            "models": {},
        }

    result = diff_reports(report_document(report("0.1"), "BASE"), report_document(report("0.3"), "HEAD"))
    figure = result.headline.figure
    assert (figure.change, figure.change_pct) == (Decimal("0.2"), Decimal(200))
    assert result.inputs_changed is None  # neither recorded its inputs


def test_scenario_files_are_simulated_and_stdin_is_read_as_check_does(tmp_path: Path) -> None:
    def busier(data: dict[str, Any]) -> None:
        data["traffic"]["requests_per_month"] = 1_100_000

    base, head = _scenario(tmp_path / "base.yaml", lambda data: None), _scenario(tmp_path / "head.yaml", busier)
    _simulate(base, tmp_path / "base.json")
    _simulate(head, tmp_path / "head.json")
    from_reports = _diff(tmp_path / "base.json", tmp_path / "head.json")
    from_scenarios = _diff(base, head)
    for document in (from_reports, from_scenarios):
        del document["base"], document["head"]  # the file names
    assert from_scenarios == from_reports

    piped = CliRunner().invoke(
        app, ["diff", str(base), "-", "--format", "json"], input=(tmp_path / "head.json").read_text()
    )
    assert piped.exit_code == 0, piped.output
    document = json.loads(piped.stdout)
    assert document["head"]["file"] == "<stdin>"
    del document["base"], document["head"]
    assert document == from_reports
    assert refused("diff", "-", "-") == "BASE and HEAD are both '-': stdin holds one report; give the other as a file"


SMALL = """\
name: small
traffic: {requests_per_month: 1000, input_tokens: 1000, output_tokens: 100}
models:
  big: {price: {input_per_mtok: 10, output_per_mtok: 40}}
  mini: {price: {input_per_mtok: MINI_IN, output_per_mtok: MINI_OUT}}
  nano: {price: {input_per_mtok: 2, output_per_mtok: 8}}
strategies:
  - {name: all-big, type: single, model: big}
  - {name: all-mini, type: single, model: mini}
  - {name: all-nano, type: single, model: nano}
baseline: all-big
"""


def _small(tmp_path: Path, name: str, mini: tuple[str, str], text: str = SMALL) -> Path:
    """The report of ``text`` simulated with mini priced at ``mini`` (input, output per 1M tokens)."""
    scenario = write(tmp_path / f"{name}.yaml", text.replace("MINI_IN", mini[0]).replace("MINI_OUT", mini[1]))
    _simulate(scenario, tmp_path / f"{name}.json")
    return tmp_path / f"{name}.json"


def test_when_the_cheapest_strategy_changes_the_verdict_still_compares_one_strategy(tmp_path: Path) -> None:
    # 1,000 requests of 1,000 input and 100 output tokens: all-big $14, all-nano $2.80, all-mini $1.40 at $1/$4
    # per 1M tokens and $4.20 at $3/$12, so the cheapest strategy becomes all-nano
    base, head = _small(tmp_path, "base", ("1", "4")), _small(tmp_path, "head", ("3", "12"))
    diff = _diff(base, head)

    # not "the cheapest strategy (all-mini → all-nano) rises by $1.40 (+100.0%)": two strategies compared
    assert diff["verdict"] == "Monthly cost of the baseline (all-big) is unchanged at $14.00."
    assert diff["totals"]["strategy"] == {"old": "all-big", "new": "all-big"}
    assert diff["totals"]["strategy_from"] == "baseline"
    assert diff["cheapest"] == {
        "old": "all-mini",
        "new": "all-nano",
        "old_cost": "1.4",
        "new_cost": "2.8",
        "changed": True,
    }
    line = "Cheapest strategy: all-mini → all-nano ($1.40 → $2.80)."
    table = ok("diff", str(base), str(head))
    assert table.splitlines()[:2] == [diff["verdict"], line]
    markdown = ok("diff", str(base), str(head), "--format", "markdown")
    assert f"**{diff['verdict']}**\n\n**{line}**\n" in markdown

    mini = _diff(base, head, "--strategy", "all-mini")
    assert mini["verdict"] == "Monthly cost of all-mini rises by $2.80 (+200.0%) to $4.20."
    assert mini["cheapest"]["changed"] is True
    assert line in ok("diff", str(base), str(head), "-s", "all-mini")


def test_when_the_cheapest_strategy_stays_no_line_says_it_changed(tmp_path: Path) -> None:
    base, head = _small(tmp_path, "base", ("1", "4")), _small(tmp_path, "head", ("1.5", "6"))
    diff = _diff(base, head)
    assert diff["verdict"] == "Monthly cost of the baseline (all-big) is unchanged at $14.00."
    assert diff["cheapest"] == {
        "old": "all-mini",
        "new": "all-mini",
        "old_cost": "1.4",
        "new_cost": "2.1",
        "changed": False,
    }
    assert "Cheapest strategy" not in ok("diff", str(base), str(head))
    assert "Cheapest strategy" not in ok("diff", str(base), str(head), "-f", "markdown")


def test_without_a_shared_baseline_the_cheapest_shared_strategy_heads_the_verdict(tmp_path: Path) -> None:
    base = _small(tmp_path, "base", ("1", "4"))
    renamed = SMALL.replace("all-big", "everything-big")
    head = _small(tmp_path, "head", ("3", "12"), renamed)
    diff = _diff(base, head)
    assert diff["totals"]["strategy_from"] == "cheapest-shared"
    assert diff["verdict"] == (
        "Monthly cost of all-nano, the cheapest strategy both reports have, is unchanged at $2.80."
    )
    assert refused("diff", str(base), str(head), "-s", "all-big") == (
        f"strategy 'all-big' is in {base} but not in {head}, so it has no change to head the diff; "
        "both have all-mini, all-nano"
    )

    apart = _small(tmp_path, "apart", ("3", "12"), SMALL.replace("all-", "only-"))
    diff = _diff(base, apart)
    assert diff["totals"]["strategy_from"] == "cheapest"
    assert diff["verdict"] == (
        "Monthly cost of the cheapest strategy (all-mini → only-nano; no strategy is in both reports) "
        "rises by $1.40 (+100.0%) to $2.80."
    )
    assert "Cheapest strategy:" not in ok("diff", str(base), str(apart))  # the verdict said it
