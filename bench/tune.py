"""Tuning and evaluation speed: every distinct threshold of 1,000,000 outcome rows, and the full MMLU set.

Run: python bench/tune.py

- ``routecli tune``'s work over 1,000,000 outcome rows of two models, a distinct
  score per row (so a million thresholds), at most 2 s: the threshold curve and the
  choice for a quality floor. Outcomes are built in memory: what is timed is the
  tuning, not reading a 100 MB file. The same with a 30% holdout (interval
  estimates included) is reported alongside, for information.
- ``routecli evaluate`` on RouteLLM's full MMLU set (57 files, 14,042 prompts),
  whole process, at most 2 s, scoring every prompt with the complexity router.
  Needs ``../shared``; skipped without it.
- ``routecli tune --tiers`` over 100,000 prompts of three tiers, a distinct score
  each (so 5 billion pairs of thresholds), at most 2 s: the exact choice for a
  floor and the Pareto curve (routecli/tune/tiers.py). Built in memory, as above.
- Reading a 1,000,000-line outcomes JSONL file (two models, a score and a
  confidence per line; about 250 MB, written to a temporary folder first) end to
  end with ``read_outcomes``, at most 2 s.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from routecli.tune.threshold import Pair, tune
from routecli.tune.tiers import tune_tiers

HERE = Path(__file__).resolve().parent
MMLU = HERE.parent.parent / "shared" / "data" / "routellm" / "mmlu"
ROWS = 1_000_000
TUNE_TARGET_S = 2.0
EVALUATE_TARGET_S = 2.0
TIERS_ROWS = 100_000
TIERS_TARGET_S = 2.0
READ_ROWS = 1_000_000
READ_TARGET_S = 2.0
RUNS = 5
MMLU_COSTS = ("gpt-4-1106-preview=0.005", "mistralai/Mixtral-8x7B-Instruct-v0.1=0.0003")


def _pair(rows: int = ROWS, seed: int = 0) -> Pair:
    """A router whose score tracks which prompts the weak model gets wrong, as a useful one does."""
    rng = np.random.default_rng(seed)
    hard = rng.random(rows)
    weak_right = (rng.random(rows) > hard).astype(np.float64)
    strong_right = (rng.random(rows) > hard * 0.4).astype(np.float64)
    score = hard + rng.normal(0, 0.2, rows)
    return Pair(score, weak_right, rng.uniform(1e-5, 4e-4, rows), strong_right, rng.uniform(2e-3, 8e-3, rows))


def measure_tune(runs: int = RUNS, holdout: float | None = None) -> tuple[float, int]:
    """Median seconds to tune for a floor of 90% of the strong model's quality, and the thresholds swept."""
    pair = _pair()
    timings = []
    swept = 0
    for _ in range(runs):
        start = time.perf_counter()
        result = tune(
            "route", pair, weak="w", strong="s", score="data", floor=0.9, floor_relative=True, holdout=holdout, seed=1
        )
        timings.append(time.perf_counter() - start)
        swept = len(result.curve)
        assert result.chosen is not None
    return statistics.median(timings), swept


def measure_tiers(runs: int = RUNS) -> tuple[float, int]:
    """Median seconds to tune three tiers over ``TIERS_ROWS`` prompts for 90% of the last tier's quality, and the
    pairs of thresholds weighed."""
    rng = np.random.default_rng(2)
    hard = rng.random(TIERS_ROWS)
    quality = (rng.random((TIERS_ROWS, 3)) > hard[:, None] * np.array([1.0, 0.6, 0.3])).astype(np.float64)
    cost = rng.uniform(1, 4, (TIERS_ROWS, 3)) * np.array([1e-4, 1e-3, 5e-3])
    score = hard + rng.normal(0, 0.2, TIERS_ROWS)
    timings = []
    pairs = 0
    for _ in range(runs):
        start = time.perf_counter()
        result = tune_tiers(
            score, quality, cost, tiers=("s", "m", "l"), score="data", floor=0.9, floor_relative=True, seed=1
        )
        timings.append(time.perf_counter() - start)
        pairs = result.choices
        assert result.chosen is not None
    return statistics.median(timings), pairs


def measure_read(runs: int = 3) -> float:
    """Median seconds to read a ``READ_ROWS``-line outcomes JSONL file end to end (written once, then read)."""
    import tempfile

    from routecli.tune.readers import read_outcomes

    rng = np.random.default_rng(3)
    score, weak, strong = rng.random(READ_ROWS).tolist(), rng.random(READ_ROWS), rng.random(READ_ROWS)
    weak_cost, strong_cost = rng.uniform(1e-5, 4e-4, READ_ROWS).tolist(), rng.uniform(2e-3, 8e-3, READ_ROWS).tolist()
    sure = (-rng.random(READ_ROWS)).tolist()
    lines = (
        f'{{"id": "p{i}", "score": {score[i]!r}, "outcomes": {{"weak": {{"quality": {int(weak[i] > score[i])}, '
        f'"cost": {weak_cost[i]!r}, "confidence": {sure[i]!r}}}, "strong": {{"quality": '
        f'{int(strong[i] > score[i] * 0.4)}, "cost": {strong_cost[i]!r}}}}}}}\n'
        for i in range(READ_ROWS)
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "outcomes.jsonl"
        path.write_text("".join(lines), encoding="utf-8")
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            outcomes = read_outcomes([path])
            timings.append(time.perf_counter() - start)
            assert outcomes.prompts == READ_ROWS
    return statistics.median(timings)


def measure_evaluate(routecli: str, runs: int = 3) -> float | None:
    """Median whole-process seconds of ``routecli evaluate`` on the MMLU folder; None without ``../shared``."""
    if not MMLU.is_dir():
        return None
    command = [routecli, "evaluate", str(MMLU), *(f"--cost={cost}" for cost in MMLU_COSTS), "--format", "json"]
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)  # warm the file cache
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def routecli_command() -> str:
    beside = Path(sys.executable).with_name("routecli")
    return str(beside) if beside.exists() else shutil.which("routecli") or "routecli"


def main() -> int:
    tune_s, swept = measure_tune()
    held_s, _ = measure_tune(holdout=0.3)
    tiers_s, pairs = measure_tiers()
    read_s = measure_read()
    evaluate_s = measure_evaluate(routecli_command())
    print(f"tune: {ROWS:,} rows, {swept:,} thresholds: {tune_s:.2f} s (target <= {TUNE_TARGET_S:g} s)")
    print(f"tune with a 30% holdout and intervals: {held_s:.2f} s (no target)")
    print(f"tune --tiers: {TIERS_ROWS:,} prompts, {pairs:,} pairs: {tiers_s:.2f} s (target <= {TIERS_TARGET_S:g} s)")
    print(f"read: {READ_ROWS:,} outcome lines: {read_s:.2f} s (target <= {READ_TARGET_S:g} s)")
    passed = tune_s <= TUNE_TARGET_S and tiers_s <= TIERS_TARGET_S and read_s <= READ_TARGET_S
    if evaluate_s is None:
        print("evaluate: ../shared is absent, MMLU not measured")
        return 0 if passed else 1
    print(f"evaluate: MMLU, 14,042 prompts, whole process: {evaluate_s:.2f} s (target <= {EVALUATE_TARGET_S:g} s)")
    return 0 if passed and evaluate_s <= EVALUATE_TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
