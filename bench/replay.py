"""Replay speed: HTTP throughput against an instant endpoint, the rules router's decision, a 100,000-prompt dry run.

Run: python bench/replay.py

- replay at concurrency 64 sends ≥ 0.8 × the requests/s of a bare ``httpx.AsyncClient``
  loop sending the same bodies to the same instant server (bench/instant_server.py,
  in its own process). The replay side is the real path, ``replay_prompts`` with the
  decision log written and flushed per result, through a two-tier cascade whose
  length evaluator (min_chars 1) accepts every answer at the first tier: the common
  case of a cascade, and it runs the evaluator and verdict bookkeeping a ``fixed``
  single tier would skip. The rate counts HTTP requests sent (attempts), not prompts.
  At 64 connections httpcore's pool (O(connections²) bookkeeping per request) caps
  both sides at a few hundred requests/s, so 1,500 requests already run for seconds;
  the same comparison at concurrency 8, where the pool costs little, is reported too.
- a rules router (six rules: metadata, has_code, min_tokens, keywords, regex, max_chars;
  then a default) decides in ≤ 50 µs per prompt, tokens precomputed as the engine
  counts them once; the cost with the tiktoken count is reported alongside.
- ``routecli replay --dry-run --format json`` of 100,000 prompts takes ≤ 4 s, whole
  process. Prompts are GSM8K questions as they are (one each, ~240 characters; a few
  with code), a sixth of them chat messages with a system prompt, some labelled,
  scored or with metadata; the rules router's min_tokens rule makes the dry run
  count every prompt's tokens. The same run with prompts of one to twelve questions
  (~640 characters) is reported alongside: tiktoken's counting grows with length.
  So is the same run with every prompt's text distinct: drawn from 1,319 questions,
  the prompts repeat (about 5,300 distinct texts), and the dry run counts each
  distinct text once.

Prompts are GSM8K test questions (../shared/data/routellm/gsm8k_test.jsonl) when that
file exists, else synthesized ones of mixed length, some with code blocks.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import yaml

from routecli.pricing.price_files import load_price_files
from routecli.replay import DEFAULT_CONCURRENCY
from routecli.replay.config import RouterConfig
from routecli.replay.config_file import build_router_config
from routecli.replay.prompt_file import read_prompts
from routecli.replay.prompts import Prompt, PromptFile
from routecli.replay.routing import PromptView
from routecli.replay.routing.rules import RulesRouter
from routecli.replay.run import replay_prompts, run_info
from routecli.replay.tokens import count_text

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GSM8K = REPO.parent / "shared" / "data" / "routellm" / "gsm8k_test.jsonl"

sys.path.insert(0, str(HERE))
import instant_server  # noqa: E402  (a sibling script, not a package)

__all__ = [
    "CONCURRENCY",
    "DEFAULT_CONCURRENCY",
    "DRY_RUN_PROMPTS",
    "DRY_RUN_TARGET_S",
    "ROUTER_TARGET_US",
    "THROUGHPUT_TARGET",
    "RouterTiming",
    "Throughput",
    "cascade_config",
    "describe_throughput",
    "measure_dry_run",
    "measure_router",
    "measure_throughput",
    "questions",
    "routecli_command",
    "rules_config",
]

CONCURRENCY = 64
REQUESTS = 1500
THROUGHPUT_RUNS = 5
DEFAULT_CONCURRENCY_REQUESTS = 2000
THROUGHPUT_TARGET = 0.8
ROUTER_PASSES = 21
ROUTER_TARGET_US = 50.0
DRY_RUN_PROMPTS = 100_000
DRY_RUN_RUNS = 3
DRY_RUN_TARGET_S = 4.0

PARAMS = {"temperature": 0, "max_tokens": 16}
_PRICES = {
    "small": {"input_per_mtok": 0.15, "output_per_mtok": 0.6},
    "mid": {"input_per_mtok": 1.25, "output_per_mtok": 10},
    "large": {"input_per_mtok": 5, "output_per_mtok": 25},
}
RULES = {
    "type": "rules",
    "rules": [
        {"name": "legal", "tier": "large", "when": {"metadata": {"team": ["legal", "compliance"]}}},
        {"name": "code", "tier": "mid", "when": {"has_code": True}},
        {"name": "long", "tier": "large", "when": {"min_tokens": 120}},
        {
            "name": "reasoning",
            "tier": "mid",
            "when": {"keywords": ["prove", "derive", "explain why", "step by step", "optimize", "probability"]},
        },
        {"name": "percentages", "tier": "mid", "when": {"regex": r"\d+(?:\.\d+)?\s*(?:%|percent)"}},
        {"name": "short", "tier": "small", "when": {"max_chars": 200}},
    ],
    "default": "mid",
}


# ------------------------------------------------------------------- inputs


def _tiers(names: Sequence[str]) -> dict[str, Any]:
    return {
        name: {"provider": "local", "model": f"bench-{name}", "price": _PRICES[name], "params": PARAMS}
        for name in names
    }


def cascade_config(base_url: str) -> dict[str, Any]:
    """Two tiers, a cascade whose length evaluator accepts every non-empty answer at the first."""
    return {
        "providers": {"local": {"base_url": base_url}},
        "tiers": _tiers(("small", "large")),
        "cascade": {"chain": ["small", "large"], "accept": {"all": [{"type": "length", "min_chars": 1}]}},
    }


def rules_config() -> dict[str, Any]:
    """Three tiers and the six-rule router: what a hand-tuned router config looks like."""
    return {
        "providers": {"local": {"base_url": "http://127.0.0.1:9/v1"}},
        "tiers": _tiers(("small", "mid", "large")),
        "routing": RULES,
    }


def _build(data: dict[str, Any]) -> RouterConfig:
    return build_router_config(data, load_price_files(()), source="bench")


_WORDS = ("the", "each", "how", "many", "total", "price", "cost", "buys", "sells", "apples", "hours", "miles", "left")
_CODE_SNIPPETS = (
    "```python\ndef total(items):\n    return sum(item.price for item in items)\n```",
    "```js\nconst rows = data.filter(r => r.active);\nconsole.log(rows.length);\n```",
    "SELECT name, SUM(amount) FROM orders\nGROUP BY name;",
)


def questions() -> list[str]:
    """GSM8K test questions, or (without the file) 1,000 synthesized prompts, some with code blocks."""
    if GSM8K.is_file():
        with GSM8K.open(encoding="utf-8") as lines:
            return [json.loads(line)["question"] for line in lines if line.strip()]
    chance = random.Random(8)
    made = []
    for index in range(1000):
        text = " ".join(chance.choices(_WORDS, k=int(chance.lognormvariate(3.6, 0.7)) + 5)).capitalize() + "?"
        if index % 10 == 0:
            text += "\n\n" + _CODE_SNIPPETS[index % len(_CODE_SNIPPETS)]
        made.append(text)
    return made


def _read(directory: Path, records: Sequence[dict[str, Any]]) -> PromptFile:
    """The records through a real prompt file and ``read_prompts``, as the CLI would see them."""
    path = directory / "prompts.jsonl"
    _write_jsonl(path, records)
    return read_prompts(path)


def _write_jsonl(path: Path, records: Sequence[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as file:
        for record in records:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")


# --------------------------------------------------------------- throughput


class Throughput(NamedTuple):
    """Median requests per second of each side, and replay's as a share of the bare loop's."""

    bare_rate: float
    replay_rate: float
    ratio: float
    concurrency: int
    requests: int
    runs: int


async def _bare_loop(base_url: str, bodies: Sequence[dict[str, Any]], concurrency: int) -> None:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url + "/", limits=limits) as client:
        pending = iter(bodies)

        async def worker() -> None:
            for body in pending:
                response = await client.post("chat/completions", json=body)
                response.json()

        await asyncio.gather(*(worker() for _ in range(concurrency)))


def _bare_rate(base_url: str, bodies: Sequence[dict[str, Any]], concurrency: int) -> float:
    start = time.perf_counter()
    asyncio.run(_bare_loop(base_url, bodies, concurrency))
    return len(bodies) / (time.perf_counter() - start)


def _replay_rate(
    config: RouterConfig, prompt_file: PromptFile, prompts: list[Prompt], log: Path, concurrency: int
) -> float:
    run = run_info(config, prompt_file, len(prompts))
    start = time.perf_counter()
    decisions = replay_prompts(config, prompts, run, log, concurrency=concurrency).decisions
    elapsed = time.perf_counter() - start
    failed = [decision for decision in decisions if decision.error is not None]
    if failed:
        raise RuntimeError(f"{len(failed)} replayed prompts failed, the first: {failed[0].error}")
    return sum(len(decision.attempts) for decision in decisions) / elapsed


def measure_throughput(
    requests: int = REQUESTS, runs: int = THROUGHPUT_RUNS, concurrency: int = CONCURRENCY
) -> Throughput:
    """Bare httpx loop and ``replay_prompts``, each ``runs`` times interleaved after a warm-up; medians of req/s."""
    texts = questions()
    records = [{"id": f"q{index}", "prompt": texts[index % len(texts)]} for index in range(requests)]
    with tempfile.TemporaryDirectory() as folder, instant_server.running() as base_url:
        directory = Path(folder)
        prompt_file = _read(directory, records)
        prompts = prompt_file.prompts
        config = _build(cascade_config(base_url))
        entry = config.tiers[config.entry_without_router()]
        bodies = [{**entry.params, "model": entry.model, "messages": list(prompt.messages)} for prompt in prompts]
        log = directory / "decisions.jsonl"
        warm = min(500, requests)
        _bare_rate(base_url, bodies[:warm], concurrency)
        _replay_rate(config, prompt_file, prompts[:warm], log, concurrency)
        bare: list[float] = []
        replayed: list[float] = []
        for run in range(runs):
            if run % 2 == 0:  # alternate which goes first, so neither always gets the fresher machine
                bare.append(_bare_rate(base_url, bodies, concurrency))
                replayed.append(_replay_rate(config, prompt_file, prompts, log, concurrency))
            else:
                replayed.append(_replay_rate(config, prompt_file, prompts, log, concurrency))
                bare.append(_bare_rate(base_url, bodies, concurrency))
    bare_rate, replay_rate = statistics.median(bare), statistics.median(replayed)
    return Throughput(bare_rate, replay_rate, replay_rate / bare_rate, concurrency, requests, runs)


# ------------------------------------------------------------------- router


class RouterTiming(NamedTuple):
    """Median µs per decision over the prompt set: the router alone, and with the tiktoken count first."""

    decide_us: float
    with_count_us: float
    prompts: int
    tiers: dict[str, int]


def _router_prompts(directory: Path) -> list[Prompt]:
    """The question set, one in five with team metadata (one in ten of those legal)."""
    teams = ("support", "legal", "sales", "support", "research")
    records: list[dict[str, Any]] = []
    for index, text in enumerate(questions()):
        record: dict[str, Any] = {"prompt": text}
        if index % 5 == 0:
            record["metadata"] = {"team": teams[(index // 5) % len(teams)] if index % 50 else "legal"}
        records.append(record)
    return _read(directory, records).prompts


def measure_router(passes: int = ROUTER_PASSES) -> RouterTiming:
    """``RulesRouter.route_all`` over views of every prompt, ``passes`` times; the count-included cost over fewer."""
    router = _build(rules_config()).router
    assert isinstance(router, RulesRouter)
    with tempfile.TemporaryDirectory() as folder:
        prompts = _router_prompts(Path(folder))
    tokens = [count_text(prompt.text) for prompt in prompts]  # also loads the encoding before any timing
    views = [PromptView(prompt, tokens=count) for prompt, count in zip(prompts, tokens, strict=True)]
    tiers: dict[str, int] = {}
    for decision in asyncio.run(router.route_all(views)):
        tiers[decision.tier] = tiers.get(decision.tier, 0) + 1
    alone = []
    for _ in range(passes):
        start = time.perf_counter()
        asyncio.run(router.route_all(views))
        alone.append((time.perf_counter() - start) / len(views))
    counted = []
    for _ in range(max(3, passes // 4)):
        start = time.perf_counter()
        asyncio.run(router.route_all([PromptView(prompt, count=count_text) for prompt in prompts]))
        counted.append((time.perf_counter() - start) / len(prompts))
    return RouterTiming(statistics.median(alone) * 1e6, statistics.median(counted) * 1e6, len(prompts), tiers)


# ------------------------------------------------------------------ dry run


SHORT = (1,)
"""One GSM8K question per prompt: the target's workload (a real prompt set's own sizes)."""
LONG_TAIL = (1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 4, 12)
"""One to a dozen questions per prompt, most short: reported alongside, to show how time grows with length."""


def _dry_run_records(count: int, pieces: Sequence[int] = SHORT, distinct: bool = False) -> list[dict[str, Any]]:
    """Prompts of ``pieces`` questions (a few with code), a sixth as chat messages, some labelled or scored;
    with ``distinct``, each text made unlike every other (``_made_distinct``)."""
    texts = questions()
    chance = random.Random(100)
    digits = random.Random(101)  # its own stream: the same questions are drawn with or without it
    seen: set[str] = set()
    records: list[dict[str, Any]] = []
    for index in range(count):
        text = "\n\n".join(chance.choice(texts) for _ in range(chance.choice(pieces)))
        if index % 25 == 0:
            text += "\n\n" + _CODE_SNIPPETS[index % len(_CODE_SNIPPETS)]
        if distinct:
            text = _made_distinct(text, index, seen, digits)
        record: dict[str, Any] = {"id": f"p{index}"} if index % 2 else {}
        if index % 6 == 0:
            record["messages"] = [
                {"role": "system", "content": "You are a careful math tutor. Answer with a number."},
                {"role": "user", "content": text},
            ]
        else:
            record["prompt"] = text
        if index % 3 == 0:
            record["label"] = ("small", "mid", "large")[index % 9 // 3]
        if index % 10 == 0:
            record["expected"] = chance.randint(1, 500)
        if index % 7 == 0:
            record["metadata"] = {"team": ("support", "legal", "sales")[index % 3]}
        records.append(record)
    return records


def _made_distinct(text: str, index: int, seen: set[str], chance: random.Random) -> str:
    """``text`` with its digits drawn again (same length, much the same tokens) until it is unlike those ``seen``;
    a text with too few digits for that (one question in 25 has none or one) gets ``(ref N)`` appended."""
    for _ in range(20):
        redrawn = "".join(chance.choice("0123456789") if char.isdigit() else char for char in text)
        if redrawn not in seen:
            break
    else:
        redrawn = f"{text} (ref {index})"
    seen.add(redrawn)
    return redrawn


def measure_dry_run(
    command: Sequence[str],
    prompts: int = DRY_RUN_PROMPTS,
    runs: int = DRY_RUN_RUNS,
    pieces: Sequence[int] = SHORT,
    distinct: bool = False,
) -> tuple[float, float]:
    """Median seconds of ``command replay PROMPTS -c CONFIG --dry-run --format json -o out.json``, and mean chars.

    The config is the rules router's (its min_tokens rule makes the dry run count every prompt's tokens).
    """
    records = _dry_run_records(prompts, pieces, distinct)
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        prompt_path, config_path = directory / "prompts.jsonl", directory / "router.yaml"
        _write_jsonl(prompt_path, records)
        config_path.write_text(yaml.safe_dump(rules_config(), sort_keys=False), encoding="utf-8")
        mean_chars = statistics.fmean(len(prompt.text) for prompt in read_prompts(prompt_path).prompts)
        arguments = [*command, "replay", str(prompt_path), "-c", str(config_path), "--dry-run"]
        arguments += ["--format", "json", "-o", str(directory / "out.json")]
        timings = []
        for _ in range(runs):  # the file was just written: already in the page cache
            start = time.perf_counter()
            subprocess.run(arguments, cwd=directory, stdout=subprocess.DEVNULL, check=True)
            timings.append(time.perf_counter() - start)
        report = json.loads((directory / "out.json").read_text(encoding="utf-8"))
    if not report:
        raise RuntimeError("the dry run wrote an empty report")
    return statistics.median(timings), mean_chars


def routecli_command() -> list[str]:
    """The ``routecli`` script beside this interpreter (a PATH shim would add its own start-up), else ``-m``."""
    beside = Path(sys.executable).with_name("routecli")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "routecli"]


def describe_throughput(result: Throughput) -> str:
    return (
        f"concurrency {result.concurrency}, {result.requests:,} requests, median of {result.runs}: "
        f"bare httpx {result.bare_rate:,.0f} req/s, replay {result.replay_rate:,.0f} req/s, ratio {result.ratio:.2f}"
    )


def main() -> int:
    throughput = measure_throughput()
    at_default = measure_throughput(DEFAULT_CONCURRENCY_REQUESTS, 3, DEFAULT_CONCURRENCY)
    router = measure_router()
    dry_seconds, mean_chars = measure_dry_run(routecli_command())
    distinct_seconds, _ = measure_dry_run(routecli_command(), distinct=True)
    print(f"replay throughput, {describe_throughput(throughput)} (target >= {THROUGHPUT_TARGET:g})")
    print(f"replay throughput, {describe_throughput(at_default)} (informational)")
    print(
        f"rules router over {router.prompts:,} prompts: {router.decide_us:.1f} us/decision "
        f"(target <= {ROUTER_TARGET_US:g}); with the tiktoken count {router.with_count_us:.1f} us; tiers {router.tiers}"
    )
    print(
        f"dry run of {DRY_RUN_PROMPTS:,} prompts ({mean_chars:,.0f} chars mean), median of {DRY_RUN_RUNS}: "
        f"{dry_seconds:.2f} s (target <= {DRY_RUN_TARGET_S:g} s)"
    )
    print(f"dry run of {DRY_RUN_PROMPTS:,} prompts, every text distinct: {distinct_seconds:.2f} s (informational)")
    met = (
        throughput.ratio >= THROUGHPUT_TARGET
        and router.decide_us <= ROUTER_TARGET_US
        and dry_seconds <= DRY_RUN_TARGET_S
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
