"""``routecli replay`` and ``routecli report`` from the command line: options, files written, exit codes."""

from __future__ import annotations

import json
import socket
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from routecli.cli import app
from routecli.replay.config_file import load_router_config
from routecli.replay.log import DecisionLog, read_log
from routecli.replay.prompt_file import read_prompts
from routecli.replay.run import replay_prompts, run_info
from tests.helpers.cli import ok, ok_json, refused
from tests.helpers.decisions import CASCADE_RUN, cascade_decisions
from tests.helpers.fault_server import Fault, FaultServer
from tests.helpers.files import write
from tests.helpers.paths import SCENARIOS

pytest_plugins = ["tests.helpers.fault_server"]


def closed_port() -> int:
    """A port nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def failing(server: FaultServer) -> int:
    """The fault server's port, every request to either tier's model answered 503: each prompt fails, is logged,
    and the run goes on (a provider that cannot be reached at all stops it instead)."""
    for model in ("s", "l"):
        server.always(model, Fault("status", status=503))
    return server.port


def router(tmp_path: Path, port: int = 9) -> Path:
    return write(
        tmp_path / "router.yaml",
        f"""\
providers:
  local: {{base_url: "http://127.0.0.1:{port}/v1", timeout_s: 5, retry: {{max_attempts: 1}}}}
tiers:
  small: {{provider: local, model: s, price: {{input_per_mtok: 1, output_per_mtok: 2}}, params: {{max_tokens: 100}}}}
  large: {{provider: local, model: l, price: {{input_per_mtok: 10, output_per_mtok: 20}}}}
routing:
  type: rules
  default: small
  rules:
    - {{tier: large, when: {{keywords: [prove, derive]}}, name: maths}}
""",
    )


PROMPTS = [
    {"id": "a", "prompt": "hello there", "label": "small"},
    {"id": "b", "prompt": "Prove that there are infinitely many primes.", "label": "large"},
    {"id": "c", "prompt": "Derive the quadratic formula.", "label": "small"},
    {"id": "d", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]},
]


def prompts_file(tmp_path: Path, rows: list[dict[str, object]] = PROMPTS, extra: str = "") -> Path:
    return write(tmp_path / "prompts.jsonl", "".join(json.dumps(row) + "\n" for row in rows) + extra)


def test_dry_run_routes_and_estimates_without_calling(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["replay", str(prompts_file(tmp_path)), "-c", str(router(tmp_path)), "--dry-run", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dry_run"] is True
    assert report["routing"]["distribution"] == {"small": 2, "large": 2}
    # labelled a, b, c: a and b agree, c (labelled small) went to large
    assert (report["routing"]["labelled"], report["routing"]["agreed"]) == (3, 2)
    assert report["routing"]["confusion"] == {"small": {"small": 1, "large": 1}, "large": {"large": 1}}
    tiers = {tier["name"]: tier for tier in report["tiers"]}
    # the small tier caps answers at its max_tokens (100); the large one takes the assumed 256
    assert tiers["small"]["output_tokens"] == 200
    assert tiers["large"]["output_tokens"] == 512
    assert not list(tmp_path.glob("routecli-runs"))  # a dry run writes no log unless asked


def test_dry_run_writes_a_log_when_asked_and_report_reads_it_back(tmp_path: Path) -> None:
    log = tmp_path / "dry.jsonl"
    args = ["replay", str(prompts_file(tmp_path)), "-c", str(router(tmp_path)), "--dry-run", "--log", str(log)]
    first = CliRunner().invoke(app, [*args, "-f", "json"])
    again = CliRunner().invoke(app, ["report", str(log), "-f", "json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == json.loads(first.stdout)


def test_unreachable_endpoint_stops_the_run_with_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    port = closed_port()
    config = router(tmp_path, port)
    result = CliRunner().invoke(app, ["replay", str(prompts_file(tmp_path)), "-c", str(config), "--limit", "2"])
    assert result.exit_code == 2, result.output
    assert result.stderr.endswith(f"Error: provider 'local' (http://127.0.0.1:{port}/v1): connection refused\n")
    (run_dir,) = (tmp_path / "routecli-runs").iterdir()
    contents = read_log(run_dir / "decisions.jsonl")
    assert (contents.decisions, contents.stopped) == ([], "provider")  # --resume replays both once it answers
    assert f"decision log: {Path('routecli-runs') / run_dir.name / 'decisions.jsonl'}" in result.stderr


def test_failing_calls_fail_the_prompts_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault_server: FaultServer
) -> None:
    monkeypatch.chdir(tmp_path)
    config = router(tmp_path, failing(fault_server))
    result = CliRunner().invoke(app, ["replay", str(prompts_file(tmp_path)), "-c", str(config), "--limit", "2"])
    assert result.exit_code == 1, result.output
    assert "2 of 2 prompts got no answer" in result.stderr
    (run_dir,) = (tmp_path / "routecli-runs").iterdir()
    decisions = read_log(run_dir / "decisions.jsonl").decisions
    assert sorted(d.id for d in decisions) == ["a", "b"]
    assert all(d.failed and d.attempts[0].error_kind == "http" for d in decisions)
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    assert (report["failed"], report["errors"]["by_kind"]) == (2, {"http": 2})


def test_bad_config_exits_2_naming_the_file_line_and_key(tmp_path: Path) -> None:
    config = write(tmp_path / "router.yaml", router(tmp_path).read_text().replace("default: small", "default: smal"))
    result = CliRunner().invoke(app, ["replay", str(prompts_file(tmp_path)), "-c", str(config), "--dry-run"])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {config}:8: routing.default: unknown tier 'smal'; did you mean 'small'?\n"


def test_bad_prompt_line_exits_2_and_skip_invalid_reports_it(tmp_path: Path) -> None:
    prompts = prompts_file(tmp_path, extra='{"id": "e"}\n')
    args = ["replay", str(prompts), "-c", str(router(tmp_path)), "--dry-run", "-f", "json"]
    failed = CliRunner().invoke(app, args)
    assert failed.exit_code == 2
    assert failed.stderr.startswith(f"Error: {prompts}:5: ")
    skipped = CliRunner().invoke(app, [*args, "--skip-invalid"])
    assert skipped.exit_code == 0, skipped.output
    report = json.loads(skipped.stdout)
    assert (report["requests"], report["invalid_lines"]) == (4, 1)


def test_sample_is_seeded_and_limit_takes_the_first(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [{"id": f"p{i}", "prompt": f"question {i}"} for i in range(50)]
    prompts, config = prompts_file(tmp_path, rows), router(tmp_path)

    def ids(*options: str) -> list[str]:
        log = tmp_path / "sample.jsonl"
        result = CliRunner().invoke(
            app, ["replay", str(prompts), "-c", str(config), "--dry-run", "--log", str(log), *options]
        )
        assert result.exit_code == 0, result.output
        return [decision.id for decision in read_log(log).decisions]

    first = ids("--sample", "10", "--seed", "3")
    assert len(first) == 10
    assert first == ids("--sample", "10", "--seed", "3")
    assert first != ids("--sample", "10", "--seed", "4")
    assert first == sorted(first, key=lambda name: int(name[1:]))  # file order kept
    assert ids("--limit", "3") == ["p0", "p1", "p2"]


def test_judge_routing_cannot_dry_run(tmp_path: Path) -> None:
    text = router(tmp_path).read_text()
    text = (
        text[: text.index("routing:")]
        + "routing: {type: judge, tier: small, levels: [small, large], fallback: large}\n"
    )
    config = write(tmp_path / "judge.yaml", text)
    result = CliRunner().invoke(app, ["replay", str(prompts_file(tmp_path)), "-c", str(config), "--dry-run"])
    assert result.exit_code == 2
    assert "routing.type: --dry-run calls no model, but routing type judge asks one" in result.stderr


def test_an_unset_api_key_variable_is_named_before_any_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROUTECLI_TEST_KEY", raising=False)
    text = router(tmp_path).read_text().replace("timeout_s: 5,", "timeout_s: 5, api_key_env: ROUTECLI_TEST_KEY,")
    config = write(tmp_path / "keyed.yaml", text)
    result = CliRunner().invoke(app, ["replay", str(prompts_file(tmp_path)), "-c", str(config)])
    assert result.exit_code == 2
    assert "environment variable ROUTECLI_TEST_KEY is not set" in result.stderr


def test_report_names_the_line_of_a_damaged_log(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    CliRunner().invoke(
        app, ["replay", str(prompts_file(tmp_path)), "-c", str(router(tmp_path)), "--dry-run", "--log", str(log)]
    )
    write(log, log.read_text(encoding="utf-8") + "{not json\n")
    result = CliRunner().invoke(app, ["report", str(log)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {log}:6: not a decision log line: ")


def test_an_interrupted_replay_keeps_every_finished_result(tmp_path: Path, fault_server: FaultServer) -> None:
    """Ctrl-C mid-run: what finished is in the log, flushed, and the interrupt propagates."""
    config = load_router_config(router(tmp_path, failing(fault_server)))
    prompt_file = read_prompts(prompts_file(tmp_path))
    log = tmp_path / "log.jsonl"
    seen: list[str] = []

    def stop_after_two(decision: object) -> None:
        seen.append(getattr(decision, "id", ""))
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        replay_prompts(
            config, prompt_file.prompts, run_info(config, prompt_file, 4), log, concurrency=1, on_result=stop_after_two
        )
    assert [d.id for d in read_log(log).decisions] == seen == ["a", "b"]


def test_run_folders_are_utc_stamped_and_never_shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from routecli.replay.run import default_run_dir

    monkeypatch.chdir(tmp_path)
    now = dt.datetime(2026, 11, 24, 10, 15, 0, tzinfo=dt.UTC)
    first = default_run_dir(Path("data/prompts.jsonl"), now)
    assert first == Path("routecli-runs/20261124T101500Z-prompts")
    first.mkdir(parents=True)
    second = default_run_dir(Path("prompts.jsonl"), now)
    assert second == Path("routecli-runs/20261124T101500Z-prompts-2")


def test_a_provider_no_tier_uses_needs_no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ROUTECLI_UNUSED_KEY", raising=False)
    text = router(tmp_path, closed_port()).read_text()
    text = text.replace(
        "tiers:", "  spare: {base_url: 'https://api.example/v1', api_key_env: ROUTECLI_UNUSED_KEY}\ntiers:"
    )
    config = write(tmp_path / "spare.yaml", text)
    result = CliRunner().invoke(app, ["replay", str(prompts_file(tmp_path)), "-c", str(config), "--limit", "1"])
    assert result.exit_code == 2  # the run stops on the closed port, not on the unused provider's key
    assert "provider 'local'" in result.stderr
    assert "ROUTECLI_UNUSED_KEY" not in result.stderr


def test_logged_costs_are_exact_decimals_without_trailing_zeros(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    CliRunner().invoke(
        app, ["replay", str(prompts_file(tmp_path)), "-c", str(router(tmp_path)), "--dry-run", "--log", str(log)]
    )
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()[1:]]
    first = lines[0]["attempts"][0]  # "hello there" on small: $1 and $2 per 1M tokens
    expected = (Decimal(first["input_tokens"]) * 1 + Decimal(first["output_tokens"]) * 2) / 1_000_000
    assert first["cost"] == format(expected.normalize(), "f")
    assert not first["cost"].endswith("0")


def test_report_leaves_out_a_last_line_cut_off_mid_write(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    CliRunner().invoke(
        app, ["replay", str(prompts_file(tmp_path)), "-c", str(router(tmp_path)), "--dry-run", "--log", str(log)]
    )
    whole = log.read_text(encoding="utf-8")
    write(log, whole + '{"kind":"decision","id":"e","li')  # killed while writing the fifth result
    result = CliRunner().invoke(app, ["report", str(log), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["requests"] == 4
    assert f"{log}:6: left out a line cut off mid-write" in result.stderr


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda text: text.replace('"role":"answer","tier":"small"', '"role":"answer","tier":"tiny"', 1),
            "tier 'tiny' is not in the run header's tiers",
        ),
        (
            lambda text: text.replace('"price":{"id"', '"price":[{"id"', 1),
            "not a decision log line",
        ),
    ],
)
def test_report_names_the_line_of_a_log_with_wrong_contents(tmp_path: Path, damage: Any, message: str) -> None:
    log = tmp_path / "log.jsonl"
    CliRunner().invoke(
        app, ["replay", str(prompts_file(tmp_path)), "-c", str(router(tmp_path)), "--dry-run", "--log", str(log)]
    )
    write(log, damage(log.read_text(encoding="utf-8")))
    result = CliRunner().invoke(app, ["report", str(log)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {log}:")
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_report_of_a_file_that_is_not_text(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"\xff\xfe\x00binary")
    result = CliRunner().invoke(app, ["report", str(log)])
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"Error: {log}: not a decision log: not a text file (UTF-8): byte 0xff at offset 0 is not UTF-8\n"
    )


def test_a_label_that_names_no_tier_is_an_error_on_its_line(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [*PROMPTS, {"id": "e", "prompt": "x", "label": "hugee"}]
    prompts = prompts_file(tmp_path, rows)
    config = router(tmp_path)
    result = CliRunner().invoke(app, ["replay", str(prompts), "-c", str(config), "--dry-run"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {prompts}:5: label: label 'hugee' is not a tier of {config} (tiers: small, large)\n"
    )


def test_outputs_never_overwrite_an_input(tmp_path: Path) -> None:
    prompts, config = prompts_file(tmp_path), router(tmp_path)
    before = prompts.read_text(encoding="utf-8")
    for option in ("--log", "-o"):
        result = CliRunner().invoke(app, ["replay", str(prompts), "-c", str(config), "--dry-run", option, str(prompts)])
        assert result.exit_code == 2
        assert result.stderr == f"Error: {prompts}: is an input of this run; write the output elsewhere\n"
    assert prompts.read_text(encoding="utf-8") == before


def test_an_output_that_cannot_be_written_stops_the_run_before_any_call(tmp_path: Path) -> None:
    config = router(tmp_path, closed_port())
    out = tmp_path / "missing" / "report.json"
    result = CliRunner().invoke(app, ["replay", str(prompts_file(tmp_path)), "-c", str(config), "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {out}: cannot write output: no folder {out.parent}\n"
    assert not (tmp_path / "routecli-runs").exists()
    html = CliRunner().invoke(
        app, ["replay", str(prompts_file(tmp_path)), "-c", str(config), "-o", str(tmp_path / "r.html")]
    )
    assert html.exit_code == 2
    assert "these reports are table, json, markdown or csv; not HTML" in html.stderr


def test_a_report_of_a_stopped_run_says_it_is_incomplete(tmp_path: Path, fault_server: FaultServer) -> None:
    config = load_router_config(router(tmp_path, failing(fault_server)))
    prompt_file = read_prompts(prompts_file(tmp_path))
    log = tmp_path / "log.jsonl"

    def stop_after_one(decision: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        replay_prompts(
            config, prompt_file.prompts, run_info(config, prompt_file, 4), log, concurrency=1, on_result=stop_after_one
        )
    table = CliRunner().invoke(app, ["report", str(log)])
    assert "Incomplete: 1 of 4 prompts have results (the run was stopped); figures cover those only." in " ".join(
        table.stdout.split()
    )
    document = json.loads(CliRunner().invoke(app, ["report", str(log), "-f", "json"]).stdout)
    assert (document["prompts_selected"], document["requests"]) == (4, 1)


def test_the_decision_log_is_named_on_stderr_not_in_the_report(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    args = ["replay", str(prompts_file(tmp_path)), "-c", str(router(tmp_path)), "--dry-run", "--log", str(log)]
    result = CliRunner().invoke(app, args)
    assert f"Decision log: {log}" in result.stderr
    assert "Decision log" not in result.stdout


def test_resuming_cuts_a_torn_line_of_any_length_and_keeps_the_header(tmp_path: Path) -> None:
    from routecli.replay.log import DecisionLog

    log = tmp_path / "log.jsonl"
    CliRunner().invoke(
        app, ["replay", str(prompts_file(tmp_path)), "-c", str(router(tmp_path)), "--dry-run", "--log", str(log)]
    )
    whole = log.read_text(encoding="utf-8")
    write(log, whole + '{"kind":"decision","id":"long","prompt":"' + "x" * 200_000)  # torn, far over 64 KiB
    contents = read_log(log)
    DecisionLog(log, contents.run, resume=True).close()
    assert log.read_text(encoding="utf-8") == whole
    complete = '{"kind":"end","stopped":null,"at":"2026-11-24T00:00:00+00:00"}'
    write(log, whole + complete)  # whole JSON, only its newline missing: kept, as read_log keeps it
    DecisionLog(log, contents.run, resume=True).close()
    assert log.read_text(encoding="utf-8") == whole + complete + "\n"


def test_a_resume_chooses_the_prompts_the_run_chose(tmp_path: Path, fault_server: FaultServer) -> None:
    rows: list[dict[str, object]] = [{"id": f"p{i}", "prompt": f"question {i}"} for i in range(30)]
    prompts, config = prompts_file(tmp_path, rows), router(tmp_path, failing(fault_server))
    log = tmp_path / "run.jsonl"
    first = CliRunner().invoke(
        app, ["replay", str(prompts), "-c", str(config), "--sample", "5", "--seed", "2", "--log", str(log)]
    )
    assert first.exit_code == 1  # every call failed: every prompt failed, and is logged
    chosen = {decision.id for decision in read_log(log).decisions}
    lines = log.read_text(encoding="utf-8").splitlines()
    write(log, "\n".join(lines[:3]) + "\n")  # as if stopped after two prompts
    again = CliRunner().invoke(app, ["replay", str(prompts), "-c", str(config), "--resume", str(log)])
    assert again.exit_code == 1
    assert {decision.id for decision in read_log(log).decisions} == chosen  # the same five, not the whole file


def test_dry_runs_refuse_resume_and_budget(tmp_path: Path) -> None:
    args = ["replay", str(prompts_file(tmp_path)), "-c", str(router(tmp_path)), "--dry-run"]
    result = CliRunner().invoke(app, [*args, "--max-spend", "1"])
    assert result.exit_code == 2
    assert "--dry-run spends nothing" in result.stderr


def test_a_keyboard_interrupt_that_no_signal_handler_caught_exits_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where asyncio cannot install signal handlers (Windows), Ctrl-C arrives as KeyboardInterrupt."""

    def interrupted(*args: object, **options: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("routecli.replay.session.replay_prompts", interrupted)
    log = tmp_path / "log.jsonl"
    args = ["replay", str(prompts_file(tmp_path)), "-c", str(router(tmp_path)), "--log", str(log)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 130
    assert f"continue with --resume {log}" in result.stderr
    assert "Traceback" not in result.output


def test_replay_reads_prompts_on_stdin() -> None:
    repo = SCENARIOS / "replay"
    args = ["replay", "-c", str(repo / "rules.yaml"), "--dry-run", "--format", "json"]
    runner = CliRunner()
    piped = runner.invoke(app, [*args, "-"], input=(repo / "prompts.jsonl").read_text())
    from_file = runner.invoke(app, [*args, str(repo / "prompts.jsonl")])
    assert piped.exit_code == from_file.exit_code == 0, piped.output
    assert json.loads(piped.stdout)["tiers"] == json.loads(from_file.stdout)["tiers"]
    broken = runner.invoke(app, [*args, "-"], input="{bad\n")
    assert broken.exit_code == 2
    assert broken.stderr.startswith("Error: <stdin>:1: not valid JSON")


# ---------------------------------------------------------- --project


def test_report_projects_a_logs_spend_per_prompt_to_a_monthly_volume(tmp_path: Path) -> None:
    """The hand-worked cascade (tests/helpers/decisions.py) spent 0.035475 on 6 prompts; 3k/day is 90,000 a
    month: 0.035475 / 6 × 90,000 = 532.125."""
    log = tmp_path / "decisions.jsonl"
    with DecisionLog(log, CASCADE_RUN) as writing:
        for decision in cascade_decisions():
            writing.write(decision)
    projection = ok_json("report", str(log), "--project", "3k/day")["projection"]
    assert (projection["requests_per_month"], projection["prompts"], projection["monthly_spend"]) == (
        "90000",
        6,
        "532.125",
    )
    assert Decimal(projection["low"]) < Decimal("532.125") < Decimal(projection["high"])
    assert ok_json("report", str(log))["projection"] is None
    assert "Rests on 6 prompts" in ok("report", str(log), "--project", "90000", "-f", "markdown")


def test_a_dry_runs_projection_equals_its_logs(tmp_path: Path) -> None:
    log = tmp_path / "dry.jsonl"
    args = ["replay", str(prompts_file(tmp_path)), "-c", str(router(tmp_path)), "--dry-run", "--log", str(log)]
    first = json.loads(CliRunner().invoke(app, [*args, "--project", "2.5M/month", "-f", "json"]).stdout)
    assert first["projection"] == ok_json("report", str(log), "--project", "2500000")["projection"]
    assert Decimal(first["projection"]["monthly_spend"]) == Decimal(first["total_spend"]) / 4 * 2_500_000  # 4 prompts


@pytest.mark.parametrize("volume", ["3x", "-5", "0", "3M/week"])
def test_a_bad_projection_volume_is_refused_with_the_spellings_it_takes(tmp_path: Path, volume: str) -> None:
    message = refused("report", str(tmp_path / "missing.jsonl"), "--project", volume)
    assert message.startswith("--project: expected ")


def test_a_paid_runs_projection_is_in_its_report_and_its_kept_report_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault_server: FaultServer
) -> None:
    monkeypatch.chdir(tmp_path)
    config = router(tmp_path, fault_server.port)
    args = ["replay", str(prompts_file(tmp_path)), "-c", str(config), "--project", "1M", "-f", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert Decimal(printed["total_spend"]) > 0
    projection = printed["projection"]
    assert (projection["requests_per_month"], projection["prompts"]) == ("1000000", 4)
    assert Decimal(projection["monthly_spend"]) == Decimal(printed["total_spend"]) / 4 * 1_000_000
    (run_dir,) = (tmp_path / "routecli-runs").iterdir()
    kept = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    assert kept["projection"] == projection
