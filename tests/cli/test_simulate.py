"""The command line as a user meets it: formats, files, exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from routecli import __version__
from routecli.cli import app
from tests.helpers.cli import ok, wrote
from tests.helpers.files import write
from tests.helpers.paths import EXAMPLE, REPO, SCENARIOS


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"routecli {__version__}\n")


def test_python_dash_m() -> None:
    result = subprocess.run([sys.executable, "-m", "routecli", "--version"], capture_output=True, text=True, check=True)
    assert result.stdout == f"routecli {__version__}\n"


def test_no_arguments_shows_help(runner: CliRunner) -> None:
    result = runner.invoke(app, [])
    assert "simulate" in result.output
    assert "pricing" in result.output


def test_simulate_json_is_the_documented_contract(runner: CliRunner) -> None:
    result = runner.invoke(app, ["simulate", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["schema_version"] == 1
    assert report["currency"] == "USD"
    assert report["period"] == {"unit": "month", "days": 30.0, "requests": "1000000"}
    assert report["baseline"] == "all-heavy"
    names = [strategy["name"] for strategy in report["strategies"]]
    assert names == ["all-heavy", "routed", "cascade"]
    heavy = report["strategies"][0]
    # claude-opus-4-6 at $5/$25 per 1M: 0.9 × (2000×5 + 500×25) + 0.1 × (3000×5 + 800×25) = 23750 per 1M requests
    assert heavy["monthly_cost"] == "23750"
    assert heavy["cost_per_request"] == "0.02375"
    assert heavy["savings_vs_baseline_pct"] == 0.0
    assert heavy["spend_by_model"] == {"heavy": "23750"}
    for strategy in report["strategies"]:
        for key in (
            "name",
            "type",
            "monthly_cost",
            "cost_per_request",
            "savings_vs_baseline_pct",
            "quality",
            "mean_latency_ms",
            "escalation_rate",
            "spend_by_model",
        ):
            assert key in strategy
        assert isinstance(strategy["monthly_cost"], str)
    assert report["strategies"][2]["escalation_rate"] == pytest.approx(0.245)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_report_matches_the_report_schema(runner: CliRunner, path: Path) -> None:
    report = json.loads(runner.invoke(app, ["simulate", str(path), "-f", "json"]).stdout)
    jsonschema.validate(report, _schema("report"))


def test_output_file(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    result = runner.invoke(app, ["simulate", str(EXAMPLE), "-f", "markdown", "-o", str(out)])
    assert (result.exit_code, result.stdout) == (0, "")
    text = out.read_text()
    assert text.startswith("## Support assistant, three tiers")
    assert "| **all-heavy** | $23,750.00 | baseline |" in text


def test_table_output_to_file_is_plain_text(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    assert runner.invoke(app, ["simulate", str(EXAMPLE), "-o", str(out)]).exit_code == 0
    text = out.read_text()
    assert "\x1b[" not in text
    assert "all-heavy ★" in text


def test_csv_has_exact_money(runner: CliRunner) -> None:
    result = runner.invoke(app, ["simulate", str(EXAMPLE), "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["name"] for row in rows] == ["all-heavy", "routed", "cascade"]
    assert rows[0]["monthly_cost"] == "23750"
    assert rows[1]["overhead:router"] == "20"  # 1,000,000 × $0.00002
    assert rows[0]["overhead:router"] == "0"
    spend = [key for key in rows[1] if key.startswith(("spend:", "overhead:"))]
    assert sum(Decimal(rows[1][key]) for key in spend) == Decimal(rows[1]["monthly_cost"])


def test_unwritable_output_is_input_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", str(EXAMPLE), "-f", "json", "-o", str(tmp_path / "no" / "x.json")])
    assert result.exit_code == 2
    assert "cannot write output" in result.stderr


def test_pricing_option_overrides(runner: CliRunner, tmp_path: Path) -> None:
    prices = write(
        tmp_path / "negotiated.yaml",
        "provider: anthropic\nas_of: 2026-11-01\nsource: our contract\nmodels:\n"
        "  - {id: claude-opus-4-6, input_per_mtok: 2.5, output_per_mtok: 12.5}\n",
    )
    result = runner.invoke(app, ["simulate", str(EXAMPLE), "-f", "json", "--pricing", str(prices)])
    assert json.loads(result.stdout)["strategies"][0]["monthly_cost"] == "11875"


def test_init_writes_a_runnable_scenario(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0
    written = tmp_path / "scenario.yaml"
    assert written.read_text().startswith("# A starter routecli scenario")
    assert runner.invoke(app, ["simulate", str(written)]).exit_code == 0
    again = runner.invoke(app, ["init"])
    assert again.exit_code == 2
    assert "already exists; pass --force to overwrite" in again.stderr
    assert runner.invoke(app, ["init", "--force"]).exit_code == 0


def test_init_names_its_own_file_and_says_it_wrote_it(tmp_path: Path) -> None:
    assert wrote(["mine.yaml"], "init", "mine.yaml") == "Next: routecli simulate mine.yaml\n"
    assert Path("mine.yaml").read_text().splitlines()[0].endswith("Run it with:  routecli simulate mine.yaml")


def test_init_writes_a_router_config_that_prices_the_bundled_prompts(tmp_path: Path) -> None:
    from routecli.replay.config_file import load_router_config

    assert wrote(["router.yaml"], "init", "--router", "router.yaml").endswith("--config router.yaml --dry-run\n")
    assert not Path("scenario.yaml").exists()  # only the router config, when no PATH is given
    assert "--config router.yaml --dry-run" in Path("router.yaml").read_text().splitlines()[1]
    assert list(load_router_config(Path("router.yaml")).tiers) == ["small", "medium", "large"]
    report = ok("replay", str(SCENARIOS / "replay" / "prompts.jsonl"), "-c", "router.yaml", "--dry-run")
    assert "Routed:" in report
    assert wrote(["both.yaml", "r.yaml"], "init", "both.yaml", "--router", "r.yaml").count("Next:") == 2


def _schema(name: str) -> dict[str, object]:
    """The JSON Schema ``routecli schema NAME`` prints, checked as a schema."""
    schema: dict[str, object] = json.loads(ok("schema", name))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.mark.parametrize("path", [*sorted(SCENARIOS.glob("*.yaml")), REPO / "routecli" / "starter.yaml"], ids=str)
def test_schema_accepts_every_shipped_scenario(path: Path) -> None:
    jsonschema.validate(yaml.safe_load(path.read_text()), _schema("scenario"))


def test_schema_rejects_what_the_loader_rejects() -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["traffic"]["input_tokns"] = 5
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, _schema("scenario"))
    data = yaml.safe_load(EXAMPLE.read_text())
    data["strategies"][1]["type"] = "routing"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, _schema("scenario"))


def test_schemas_accept_the_other_files_word_but_not_both() -> None:
    """A scenario may say tiers: and a single strategy tier:; a router config models: (docs/scenario.md)."""
    data = yaml.safe_load(EXAMPLE.read_text())
    data["tiers"] = data.pop("models")
    single = next(item for item in data["strategies"] if item["type"] == "single")
    single["tier"] = single.pop("model")
    jsonschema.validate(data, _schema("scenario"))
    data["models"] = data["tiers"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, _schema("scenario"))
    router = yaml.safe_load((SCENARIOS / "replay" / "rules.yaml").read_text())
    router["models"] = router.pop("tiers")
    jsonschema.validate(router, _schema("router"))
    del router["models"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(router, _schema("router"))


def test_pricing_schema_accepts_shipped_tables() -> None:
    schema = _schema("pricing")
    for path in sorted((REPO / "pricing").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        data["as_of"] = str(data["as_of"])
        for model in data["models"]:  # YAML reads dates as dates; an editor validating the text sees strings
            if "deprecation_date" in model:
                model["deprecation_date"] = str(model["deprecation_date"])
        jsonschema.validate(data, schema)


def test_pricing_list_filters(runner: CliRunner) -> None:
    result = runner.invoke(app, ["pricing", "list", "--provider", "anthropic", "--format", "json"])
    models = json.loads(result.stdout)["models"]
    assert models
    assert {model["provider"] for model in models} == {"anthropic"}
    result = runner.invoke(app, ["pricing", "list", "--search", "opus-4-6", "--format", "json"])
    assert [model["id"] for model in json.loads(result.stdout)["models"]] == ["claude-opus-4-6"]


def test_pricing_list_unknown_provider(runner: CliRunner) -> None:
    result = runner.invoke(app, ["pricing", "list", "--provider", "opneai"])
    assert result.exit_code == 2
    assert result.stderr == "Error: --provider: unknown provider 'opneai'; did you mean 'openai'?\n"


def test_pricing_list_table(runner: CliRunner) -> None:
    result = runner.invoke(app, ["pricing", "list", "--provider", "openai"])
    assert result.exit_code == 0
    assert "gpt-5-nano" in result.stdout
    assert "USD per 1M tokens" in result.stdout


def test_pricing_show(runner: CliRunner) -> None:
    result = runner.invoke(app, ["pricing", "show", "gpt-5-mini", "--format", "json"])
    model = json.loads(result.stdout)
    assert (model["id"], model["input_per_mtok"], model["output_per_mtok"]) == ("gpt-5-mini", "0.25", "2")
    table = runner.invoke(app, ["pricing", "show", "gpt-5-mini"])
    assert "$0.25" in table.stdout
    csv_text = runner.invoke(app, ["pricing", "show", "claude-opus-4-6", "-f", "csv"]).stdout
    (row,) = csv.DictReader(io.StringIO(csv_text))
    assert (row["id"], row["input_per_mtok"], row["cache_write_per_mtok"]) == ("claude-opus-4-6", "5", "6.25")


def test_pricing_show_unknown_model(runner: CliRunner) -> None:
    result = runner.invoke(app, ["pricing", "show", "gpt-5-minni"])
    assert result.exit_code == 2
    assert "unknown model 'gpt-5-minni'" in result.stderr
    assert "gpt-5-mini" in result.stderr


def test_usage_error_exits_2(runner: CliRunner) -> None:
    result = runner.invoke(app, ["simulate", str(EXAMPLE), "--format", "yaml"])
    assert result.exit_code == 2


def test_simulate_reads_a_scenario_on_stdin(runner: CliRunner) -> None:
    piped = runner.invoke(app, ["simulate", "-", "--format", "json"], input=EXAMPLE.read_text())
    assert piped.exit_code == 0, piped.output
    from_file = json.loads(ok("simulate", str(EXAMPLE), "--format", "json"))
    document = json.loads(piped.stdout)
    assert document["strategies"] == from_file["strategies"]
    broken = runner.invoke(app, ["simulate", "-"], input="traffic: [")
    assert broken.exit_code == 2
    assert broken.stderr.startswith("Error: <stdin>:")
