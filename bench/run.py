"""routecli's speed targets, as ratios against baselines measured in the same run.

Run: python bench/run.py [--runs N] [--only startup|tune]

- `routecli --help`           ≤ 1.25 × `python -c "import typer, rich"`
- `routecli simulate` example ≤ 1.5 × `routecli --help` (whole process)
- the core alone, 1,000 segments × 20 strategies, ≤ 40 ms
- Monte Carlo, 1,000,000 requests × 5 strategies, ≤ 2 s (bench/montecarlo.py)
- `routecli sweep`, 21 values, ≤ 3 × `routecli simulate` (whole process)
- `replay` at concurrency 64 ≥ 0.8 × the requests/s of a bare httpx loop, both
  against an instant local endpoint (bench/replay.py, bench/instant_server.py)
- the rules router ≤ 50 µs per decision, tokens precomputed (bench/replay.py)
- `routecli replay --dry-run`, 100,000 prompts, ≤ 4 s (whole process; bench/replay.py); the same
  with every prompt's text distinct is reported, with no target
- `routecli tune`'s work over 1,000,000 outcome rows at every distinct threshold ≤ 2 s (bench/tune.py)
- `routecli evaluate` on RouteLLM's full MMLU set ≤ 2 s (whole process; needs ../shared; bench/tune.py)
- `routecli tune --tiers`' work over 100,000 prompts of three tiers, every pair of thresholds (equal ones too), ≤ 2 s
  (bench/tune.py)
- reading a 1,000,000-line outcomes JSONL file end to end ≤ 2 s (bench/tune.py)
- `routecli analyze`, 1,000,000 OpenAI response rows with messages, end to end ≤ 1 × a bare
  `json.loads` loop over the same file; near repeats among 100,000 prompts ≤ 10 s; 1M and 10M
  Parquet rows: time and peak memory, 10M's peak ≤ 1.2 × 1M's (bench/analyze.py)

Process timings interleave the commands and take the median, since this
machine is shared and noisy. The package's bytecode is compiled first, as
`pip install` does, so that start-up is measured and not compilation, and
each command runs once untimed, which also fills routecli's cache of parsed
price tables as any second run finds it. `--only startup` times just the
whole-process rows (the first two targets and the sweep's); `--only tune` the
rows of bench/tune.py; `--only analyze` those of bench/analyze.py.
Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import compileall
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
EXAMPLE = REPO / "scenarios" / "example.yaml"
SWEEP = "strategies.cascade.accept.light=0:1:0.05"


def _time_process(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def _interleaved(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # warm the file cache
        _time_process(command)
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(_time_process(command))
    return {name: statistics.median(values) for name, values in samples.items()}


def _core(runs: int) -> tuple[float, float]:
    sys.path.insert(0, str(HERE))
    import core_scenario

    from routecli.pricing.price_files import load_price_files
    from routecli.simulate.costmodel import simulate
    from routecli.simulate.scenario_file import build_scenario

    scenario = build_scenario(core_scenario.build(), load_price_files())
    assert len(scenario.segments) == 1000
    assert len(scenario.strategies) == 20
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        simulate(scenario)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), min(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="timed runs per command (default 21)")
    parser.add_argument(
        "--only",
        choices=["startup", "tune", "analyze"],
        help="measure only the whole-process (start-up) rows, or tune's, or analyze's",
    )
    args = parser.parse_args()
    if args.only == "analyze":
        return _analyze_rows()

    # The script installed beside this interpreter: a shim found on PATH (pyenv's) would add its own start-up.
    beside = Path(sys.executable).with_name("routecli")
    routecli = str(beside) if beside.exists() else shutil.which("routecli") or "routecli"
    compileall.compile_dir(str(REPO / "routecli"), quiet=1)
    if args.only == "tune":
        checks, notes = _tune_rows(routecli)
        for note in notes:
            print(note)
        return _verdict(checks)
    times = _interleaved(
        {
            "import typer, rich": [sys.executable, "-c", "import typer, rich"],
            "routecli --help": [routecli, "--help"],
            "routecli simulate example": [routecli, "simulate", str(EXAMPLE)],
            "routecli sweep (21 values)": [routecli, "sweep", str(EXAMPLE), "--vary", SWEEP],
        },
        args.runs,
    )
    help_ratio = times["routecli --help"] / times["import typer, rich"]
    simulate_ratio = times["routecli simulate example"] / times["routecli --help"]
    sweep_ratio = times["routecli sweep (21 values)"] / times["routecli simulate example"]
    startup = [
        ("routecli --help / import typer, rich", help_ratio, "≤", 1.25, "×"),
        ("routecli simulate / routecli --help", simulate_ratio, "≤", 1.5, "×"),
    ]
    sweep_check = ("routecli sweep (21 values) / routecli simulate", sweep_ratio, "≤", 3.0, "×")
    if args.only == "startup":
        _print_times(times, args.runs)
        return _verdict([*startup, sweep_check])
    core_median, core_best = _core(args.runs)
    sys.path.insert(0, str(HERE))
    import montecarlo

    monte_carlo = montecarlo.measure()
    import replay

    throughput = replay.measure_throughput()
    at_default = replay.measure_throughput(replay.DEFAULT_CONCURRENCY_REQUESTS, 3, replay.DEFAULT_CONCURRENCY)
    router = replay.measure_router()
    dry_run_s, dry_run_chars = replay.measure_dry_run([routecli])
    long_dry_run_s, long_chars = replay.measure_dry_run([routecli], pieces=replay.LONG_TAIL)
    distinct_dry_run_s, _ = replay.measure_dry_run([routecli], distinct=True)
    tune_checks, tune_notes = _tune_rows(routecli)
    import analyze

    analyzed = analyze.measure_end_to_end()
    near = analyze.measure_near()
    parquet = [analyze.measure_parquet(rows) for rows in analyze.PARQUET_ROWS]

    checks = [
        *startup,
        ("core: 1,000 segments × 20 strategies (ms)", core_median * 1000, "≤", 40.0, " ms"),
        ("monte carlo: 1,000,000 requests × 5 strategies (s)", monte_carlo, "≤", 2.0, " s"),
        sweep_check,
        ("replay / bare httpx requests/s, concurrency 64", throughput.ratio, "≥", replay.THROUGHPUT_TARGET, "×"),
        ("rules router decision (µs)", router.decide_us, "≤", replay.ROUTER_TARGET_US, " µs"),
        ("replay --dry-run, 100,000 prompts (s)", dry_run_s, "≤", replay.DRY_RUN_TARGET_S, " s"),
        *tune_checks,
    ]
    checks += [check[:5] for check in analyze.checks(analyzed, near, parquet)]
    _print_times(times, args.runs)
    print(f"  {'core simulate (best)':<28} {core_best * 1000:7.1f} ms")
    for result in (throughput, at_default):
        print(f"  replay throughput, {replay.describe_throughput(result)}")
    print(
        f"  rules router: {router.decide_us:.1f} µs/decision over {router.prompts:,} prompts, "
        f"{router.with_count_us:.1f} µs with the tiktoken count"
    )
    print(f"  replay --dry-run: {dry_run_s:.2f} s, median of {replay.DRY_RUN_RUNS} ({dry_run_chars:,.0f} chars/prompt)")
    print(f"  replay --dry-run, longer prompts: {long_dry_run_s:.2f} s ({long_chars:,.0f} chars/prompt; no target)")
    print(f"  replay --dry-run, every prompt's text distinct: {distinct_dry_run_s:.2f} s (no target)")
    for note in tune_notes:
        print(note)
    analyze.describe(analyzed, parquet)
    return _verdict(checks)


def _tune_rows(routecli: str) -> tuple[list[tuple[str, float, str, float, str]], list[str]]:
    """bench/tune.py's rows with their targets, and notes without one."""
    sys.path.insert(0, str(HERE))
    import tune as tuning

    tune_s, swept = tuning.measure_tune()
    held_s, _ = tuning.measure_tune(holdout=0.3)
    tiers_s, pairs = tuning.measure_tiers()
    read_s = tuning.measure_read()
    evaluate_s = tuning.measure_evaluate(routecli)
    checks = [
        ("tune: 1,000,000 outcome rows, every threshold (s)", tune_s, "≤", tuning.TUNE_TARGET_S, " s"),
        ("tune --tiers: 100,000 prompts × 3 tiers, every pair (s)", tiers_s, "≤", tuning.TIERS_TARGET_S, " s"),
        ("read: 1,000,000-line outcomes JSONL (s)", read_s, "≤", tuning.READ_TARGET_S, " s"),
    ]
    if evaluate_s is not None:
        checks.append(("evaluate: MMLU, 14,042 prompts (s)", evaluate_s, "≤", tuning.EVALUATE_TARGET_S, " s"))
    notes = [
        f"  tune: {swept:,} thresholds; with a 30% holdout and intervals {held_s:.2f} s (no target)",
        f"  tune --tiers: {pairs:,} pairs of thresholds",
    ]
    if evaluate_s is None:
        notes.append("  evaluate: ../shared is absent, MMLU not measured")
    return checks, notes


def _analyze_rows() -> int:
    """The analyze rows (bench/analyze.py), measured and judged."""
    sys.path.insert(0, str(HERE))
    import analyze

    end = analyze.measure_end_to_end()
    near = analyze.measure_near()
    parquet = [analyze.measure_parquet(rows) for rows in analyze.PARQUET_ROWS]
    analyze.report(end, near, parquet)
    return 1 if not all(ok for *_, ok in analyze.checks(end, near, parquet)) else 0


def _print_times(times: dict[str, float], runs: int) -> None:
    print(f"median of {runs} runs, interleaved")
    for name, seconds in times.items():
        print(f"  {name:<28} {seconds * 1000:7.1f} ms")


def _verdict(checks: list[tuple[str, float, str, float, str]]) -> int:
    """Print PASS or FAIL for each check; 1 if any failed."""
    failed = False
    for name, value, relation, limit, unit in checks:
        ok = value <= limit if relation == "≤" else value >= limit
        failed |= not ok
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value:.2f}{unit} (target {relation} {limit:g}{unit})")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
