"""``routecli analyze``'s speed: a million logged responses, near repeats, ten million Parquet rows.

Run: python bench/analyze.py [--rows N] [--parquet-rows N …]

- 1,000,000 OpenAI chat-completion rows (``{"request", "response"}`` pairs with
  messages: a shared system prompt of a few hundred to a few thousand characters,
  a user message of tens to hundreds, one row in eight an exact repeat) read and
  analysed end to end, exact repeats and the near-repeat sample included, in at most
  the time of a bare ``for line in f: json.loads(line)`` loop over the same file,
  both timed in this process (ratio ≤ 1).
- Near repeats among 100,000 prompts: at most 10 s.
- 1,000,000 and 10,000,000 Parquet rows without text (model, time, tokens, cost),
  each analysed in a subprocess: its time and peak memory (``VmHWM``, the process's own; ``ru_maxrss``
  would count the parent's memory at the fork); memory
  stays flat: 10M rows' peak at most 1.2 × 1M rows'. Needs DuckDB (the ``parquet``
  extra) to write and read the files.

Files are written to a temporary folder and removed after.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ROWS = 1_000_000
NEAR_PROMPTS = 100_000
PARQUET_ROWS = (1_000_000, 10_000_000)
RATIO_TARGET = 1.0
NEAR_TARGET_S = 10.0
MEMORY_TARGET = 1.2
_T0 = 1_764_547_200  # 2025-12-01T00:00:00Z
_MODELS = ("gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06", "o3-mini-2025-01-31")
_TEXT = (
    "the a of to and in is for on with that this it as be by are from at or an your you we can will not please "
    "customer order account refund payment delivery password login error issue ticket report summary table query "
    "explain write translate classify draft reply compare list steps reason because however therefore example"
)
_WORDS = _TEXT.split(" ")


class EndToEnd(NamedTuple):
    rows: int
    megabytes: float
    bare_s: float
    analyze_s: float

    @property
    def ratio(self) -> float:
        return self.analyze_s / self.bare_s


class ParquetRun(NamedTuple):
    rows: int
    seconds: float
    peak_mb: float


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words))


def write_responses(path: Path, rows: int = ROWS, seed: int = 15) -> None:
    """``rows`` request/response pairs as OpenAI's SDK returns them, one JSON object a line."""
    rng = random.Random(seed)
    systems = [_sentence(rng, rng.choice([60, 150, 400])) for _ in range(20)]
    recent: list[str] = []
    with path.open("w", encoding="utf-8") as out:
        for index in range(rows):
            if recent and rng.random() < 0.125:
                user = rng.choice(recent)  # an exact repeat
            else:
                user = _sentence(rng, rng.randint(8, 80))
                recent.append(user)
                if len(recent) > 1000:
                    recent.pop(0)
            model = _MODELS[index % 7 % 3]
            prompt = 50 + rng.randrange(1500)
            completion = 10 + rng.randrange(600)
            row = {
                "request": {
                    "model": model,
                    "messages": [
                        {"role": "system", "content": systems[index % 20]},
                        {"role": "user", "content": user},
                    ],
                },
                "response": {
                    "id": f"chatcmpl-{index}",
                    "object": "chat.completion",
                    "created": _T0 + index * 3,
                    "model": model,
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
                    ],
                    "usage": {
                        "prompt_tokens": prompt,
                        "completion_tokens": completion,
                        "total_tokens": prompt + completion,
                        "prompt_tokens_details": {"cached_tokens": prompt // 2 if index % 3 == 0 else 0},
                        "completion_tokens_details": {"reasoning_tokens": completion // 2 if model[0] == "o" else 0},
                    },
                },
            }
            out.write(json.dumps(row, separators=(",", ":")) + "\n")


def _bare(path: Path) -> float:
    start = time.perf_counter()
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            json.loads(line)
    return time.perf_counter() - start


def _analyze(path: Path) -> float:
    from routecli.analyze.read import ReadOptions
    from routecli.analyze.run import analyze_logs

    start = time.perf_counter()
    analysis = analyze_logs([str(path)], ReadOptions())
    seconds = time.perf_counter() - start
    assert analysis.duplicates.exact_share is not None
    return seconds


def measure_end_to_end(rows: int = ROWS, runs: int = 3) -> EndToEnd:
    """The bare loop and the analysis, taking turns, best of ``runs`` each (the machine is shared)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "responses.jsonl"
        write_responses(path, rows)
        bare, analysed = [], []
        for _ in range(runs):
            bare.append(_bare(path))
            analysed.append(_analyze(path))
        return EndToEnd(rows, path.stat().st_size / 1e6, min(bare), min(analysed))


def measure_near(prompts: int = NEAR_PROMPTS, seed: int = 3) -> float:
    """Seconds to count near repeats among ``prompts`` texts, one in ten an edited copy of an earlier one."""
    from routecli.analyze.duplicates import near_repeats

    rng = random.Random(seed)
    texts: list[str] = []
    for _ in range(prompts):
        if texts and rng.random() < 0.1:
            words = rng.choice(texts).split()
            words[rng.randrange(len(words))] = "edited"
            texts.append(" ".join(words))
        else:
            texts.append(_sentence(rng, rng.randint(20, 200)))
    start = time.perf_counter()
    found, _ = near_repeats(texts)
    seconds = time.perf_counter() - start
    assert found >= prompts * 0.09
    return seconds


_CHILD = """
import resource, sys, time
from routecli.analyze.read import ReadOptions
from routecli.analyze.run import analyze_logs
mapping = {"model": "model", "start": "created", "input_tokens": "prompt_tokens",
           "output_tokens": "completion_tokens", "cached_tokens": "cached_tokens", "cost": "cost"}
start = time.perf_counter()
analysis = analyze_logs([sys.argv[1]], ReadOptions(mapping=mapping))
seconds = time.perf_counter() - start
assert analysis.requests == int(sys.argv[2]), analysis.requests
try:  # this process's own peak: ru_maxrss would count the parent's memory at the fork
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(seconds, peak)
"""


def write_parquet(path: Path, rows: int) -> None:
    import duckdb

    duckdb.sql(
        f"""COPY (SELECT
            CASE i % 3 WHEN 0 THEN 'gpt-4o-mini' WHEN 1 THEN 'gpt-4o' ELSE 'claude-haiku-4-5' END AS model,
            {_T0} + i * 3 AS created,
            50 + (i * 7919) % 1500 AS prompt_tokens,
            10 + (i * 104729) % 600 AS completion_tokens,
            CASE WHEN i % 3 = 0 THEN 32 ELSE 0 END AS cached_tokens,
            ((i % 1000) / 1000000.0)::DECIMAL(12, 9) AS cost
        FROM range({rows}) t(i)) TO '{path}' (FORMAT parquet)"""
    )


def measure_parquet(rows: int) -> ParquetRun:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.parquet"
        write_parquet(path, rows)
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path), str(rows)],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        seconds, peak_kb = done.stdout.splitlines()[-1].split()  # DuckDB may draw a progress bar above
        return ParquetRun(rows, float(seconds), int(peak_kb) / 1024)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--parquet-rows", type=int, nargs="*", default=list(PARQUET_ROWS))
    args = parser.parse_args()
    end = measure_end_to_end(args.rows)
    near = measure_near()
    parquet = [measure_parquet(rows) for rows in args.parquet_rows]
    report(end, near, parquet)
    return 0 if all(ok for *_, ok in checks(end, near, parquet)) else 1


def checks(end: EndToEnd, near: float, parquet: list[ParquetRun]) -> list[tuple[str, float, str, float, str, bool]]:
    found = [
        (f"analyze {end.rows:,} OpenAI rows / bare json.loads loop", end.ratio, "≤", RATIO_TARGET, "×"),
        (f"near repeats among {NEAR_PROMPTS:,} prompts (s)", near, "≤", NEAR_TARGET_S, " s"),
    ]
    if len(parquet) >= 2:
        growth = parquet[-1].peak_mb / parquet[0].peak_mb
        name = f"analyze Parquet peak memory, {parquet[-1].rows:,} / {parquet[0].rows:,} rows"
        found.append((name, growth, "≤", MEMORY_TARGET, "×"))
    return [(name, value, rel, limit, unit, value <= limit) for name, value, rel, limit, unit in found]


def report(end: EndToEnd, near: float, parquet: list[ParquetRun]) -> None:
    describe(end, parquet)
    for name, value, relation, limit, unit, ok in checks(end, near, parquet):
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value:.2f}{unit} (target {relation} {limit:g}{unit})")


def describe(end: EndToEnd, parquet: list[ParquetRun]) -> None:
    """The figures behind the checks."""
    print(
        f"  analyze: {end.rows:,} rows ({end.megabytes:,.0f} MB): {end.analyze_s:.2f} s, bare json.loads loop "
        f"{end.bare_s:.2f} s"
    )
    for run in parquet:
        print(f"  analyze Parquet: {run.rows:,} rows in {run.seconds:.2f} s, peak memory {run.peak_mb:,.0f} MB")


if __name__ == "__main__":
    raise SystemExit(main())
