"""Reports record what they were computed from: each input's SHA-256, and one digest for prices, one for the setup."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from routecli.cli import app
from routecli.provenance import PRICE_TABLE, InputFile, Inputs, hash_inputs, inputs_from_json, inputs_to_json
from tests.helpers.paths import REPO

EXAMPLE = REPO / "scenarios" / "example.yaml"
REPLAY = REPO / "scenarios" / "replay"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_each_file_is_hashed_once_and_an_unreadable_one_is_none(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("a: 1\n")
    inputs = hash_inputs(
        [("scenario", tmp_path / "a.yaml"), (PRICE_TABLE, tmp_path / "a.yaml"), ("prompts", tmp_path / "none")]
    )
    assert inputs.files == (
        InputFile("scenario", str(tmp_path / "a.yaml"), hashlib.sha256(b"a: 1\n").hexdigest()),
        InputFile("prompts", str(tmp_path / "none"), None),
    )
    assert inputs_from_json(json.loads(json.dumps(inputs_to_json(inputs)))) == inputs


def test_the_digests_part_prices_from_the_setup_and_ignore_where_files_are() -> None:
    setup = InputFile("scenario", "s.yaml", "1" * 64)
    prices = InputFile(PRICE_TABLE, "openai.yaml", "2" * 64)
    inputs = Inputs((setup, prices))
    moved = Inputs((setup._replace(path="elsewhere/s.yaml"), prices))
    assert (moved.prices_sha256, moved.setup_sha256) == (inputs.prices_sha256, inputs.setup_sha256)
    repriced = Inputs((setup, prices._replace(sha256="3" * 64)))
    assert repriced.setup_sha256 == inputs.setup_sha256
    assert repriced.prices_sha256 != inputs.prices_sha256
    expected = hashlib.sha256(f"{PRICE_TABLE}\t{'2' * 64}".encode()).hexdigest()
    assert inputs.prices_sha256 == expected


def test_a_simulation_report_records_its_scenario_and_price_tables(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    shutil.copy(EXAMPLE, scenario)
    result = CliRunner().invoke(app, ["simulate", str(scenario), "--format", "json"])
    assert result.exit_code == 0, result.output
    inputs = json.loads(result.stdout)["inputs"]
    files = {(item["role"], Path(item["path"]).name): item["sha256"] for item in inputs["files"]}
    assert files[("scenario", "scenario.yaml")] == sha(scenario)
    providers = {item["provider"] for item in json.loads(result.stdout)["pricing"] if item["provider"] != "inline"}
    tables = {name for role, name in files if role == PRICE_TABLE}
    assert tables == {f"{provider}.yaml" for provider in providers}
    assert all(files[(PRICE_TABLE, name)] == sha(REPO / "pricing" / name) for name in tables)
    # a changed volume changes the setup's digest, not the prices'
    scenario.write_text(scenario.read_text() + "\n# edited\n")
    again = json.loads(CliRunner().invoke(app, ["simulate", str(scenario), "--format", "json"]).stdout)["inputs"]
    assert again["prices_sha256"] == inputs["prices_sha256"]
    assert again["setup_sha256"] != inputs["setup_sha256"]


def test_a_replay_report_and_log_record_the_config_prompts_and_price_tables(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    arguments = ["replay", str(REPLAY / "prompts.jsonl"), "-c", str(REPLAY / "rules.yaml"), "--dry-run"]
    result = CliRunner().invoke(app, [*arguments, "--format", "json", "--log", str(log)])
    assert result.exit_code == 0, result.output
    inputs = json.loads(result.stdout)["inputs"]
    roles = {item["role"]: item["sha256"] for item in inputs["files"] if item["role"] != PRICE_TABLE}
    assert roles == {"router config": sha(REPLAY / "rules.yaml"), "prompts": sha(REPLAY / "prompts.jsonl")}
    tables = {Path(item["path"]).name for item in inputs["files"] if item["role"] == PRICE_TABLE}
    assert tables == {"openai.yaml"}  # rules.yaml prices its tiers as OpenAI models (one inline)
    assert json.loads(log.read_text().splitlines()[0])["inputs"] == inputs
