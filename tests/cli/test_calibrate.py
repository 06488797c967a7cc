"""``routecli calibrate`` on the command line: what it prints, writes and refuses.

The log is tests/helpers/calibration_logs.py's cascade run: 40 prompts, 30 labelled easy and 10 hard.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.helpers.calibration_logs import write_cascade_log
from tests.helpers.cli import ok, refused
from tests.helpers.files import write
from tests.helpers.paths import REPO


def test_it_says_what_it_wrote_and_what_rests_on_few_prompts(tmp_path: Path) -> None:
    log = write_cascade_log(tmp_path / "log.jsonl")
    out = tmp_path / "calibrated.yaml"
    printed = ok("calibrate", str(log), "--write-scenario", str(out), "--min-prompts", "10")
    lines = printed.splitlines()
    assert lines[0] == f"Wrote {out}: measured from 1 decision log (run 20261124T101500Z), 40 prompts answered."
    assert lines[1] == "Strategies: replayed (cascade, as type cascade); top-tier (heavy), the baseline."
    assert lines[2] == "Segments by label: easy 30, hard 10."
    # under 10: heavy's 6 easy and 8 hard answers, each measured for quality and tokens
    assert lines[3].startswith("warning: 4 values measured on fewer than 10 prompts or calls")
    assert "models.heavy.quality.easy (6)" in lines[3]
    assert len(lines) == 4


def test_the_volume_given_is_the_scenario_s(tmp_path: Path) -> None:
    log = write_cascade_log(tmp_path / "log.jsonl")
    out = tmp_path / "calibrated.yaml"
    ok("calibrate", str(log), "--write-scenario", str(out), "--requests-per-month", "3000000")
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["traffic"]["requests_per_month"] == 3_000_000
    document = json.loads(ok("simulate", str(out), "--format", "json"))
    # $0.41 over 40 prompts, 3M times a month
    assert document["strategies"][0]["monthly_cost"] == "30750"


def test_a_bad_volume_is_refused(tmp_path: Path) -> None:
    log = write_cascade_log(tmp_path / "log.jsonl")
    message = refused(
        "calibrate", str(log), "--write-scenario", str(tmp_path / "o.yaml"), "--requests-per-month", "lots"
    )
    assert message == (
        "--requests-per-month: expected requests per month such as 3000000, 3M, 100k/day or 2.5M/month, got 'lots'"
    )


def test_the_volume_is_read_as_replay_project_reads_it(tmp_path: Path) -> None:
    log = write_cascade_log(tmp_path / "log.jsonl")
    for text in ("3M", "100k/day"):
        ok("calibrate", str(log), "--write-scenario", str(tmp_path / "o.yaml"), "--requests-per-month", text)
        assert "requests_per_month: 3000000" in (tmp_path / "o.yaml").read_text()


def test_an_unknown_segmentation_is_refused(tmp_path: Path) -> None:
    log = write_cascade_log(tmp_path / "log.jsonl")
    message = refused("calibrate", str(log), "--write-scenario", str(tmp_path / "o.yaml"), "--segment-by", "colour")
    assert message == "--segment-by: expected label, router or metadata.KEY, got 'colour'"


def test_a_metadata_key_needs_the_prompt_file_the_log_names(tmp_path: Path) -> None:
    log = write_cascade_log(tmp_path / "log.jsonl")
    message = refused(
        "calibrate", str(log), "--write-scenario", str(tmp_path / "o.yaml"), "--segment-by", "metadata.team"
    )
    assert message.startswith(f"{log}: --segment-by metadata.team reads the prompt file the log names (prompts.jsonl)")


def test_a_file_that_is_no_decision_log_is_refused_with_its_line(tmp_path: Path) -> None:
    bad = write(tmp_path / "log.jsonl", '{"kind": "decision"}\n')
    message = refused("calibrate", str(bad), "--write-scenario", str(tmp_path / "o.yaml"))
    assert message.startswith(f"{bad}:1: not a decision log line")
    assert not (tmp_path / "o.yaml").exists()


def test_the_scenario_may_not_overwrite_a_log(tmp_path: Path) -> None:
    log = write_cascade_log(tmp_path / "log.jsonl")
    message = refused("calibrate", str(log), "--write-scenario", str(log))
    assert message == f"{log}: is an input of this run; write the output elsewhere"


def test_a_value_measured_on_one_prompt_says_one_prompt(tmp_path: Path) -> None:
    out = tmp_path / "calibrated.yaml"
    ok("calibrate", str(REPO / "scenarios" / "replay" / "example-run.jsonl"), "--write-scenario", str(out))
    text = out.read_text()
    assert "measured: 1 prompt, 95% CI" in text
    assert "measured: 1 prompts" not in text
