"""``routecli analyze --write-scenario`` and ``--write-prompts`` end to end: files ``simulate`` and ``replay`` read."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from routecli.replay.prompt_file import read_prompts
from tests.helpers.analyze import FIXTURES
from tests.helpers.cli import ok_json, ok_noting, refused
from tests.helpers.files import write

T0 = 1_741_564_800  # 2025-03-10T00:00:00Z
DAY = 86_400
MAPPED = [
    "--map", "model=m", "--map", "start=t", "--map", "input_tokens=i", "--map", "output_tokens=o",
    "--map", "cached_tokens=c", "--map", "cache_write_tokens=w", "--map", "metadata=meta", "--map", "prompt=q",
]  # fmt: skip
ASSUMED = "# assumed — measure with routecli replay"


def _row(model: str, day: float, tokens_in: int, out: int, cached: int = 0, written: int = 0, **meta: str) -> Any:
    return {
        "m": model,
        "t": T0 + day * DAY,
        "i": tokens_in,
        "o": out,
        "c": cached,
        "w": written,
        "meta": meta,
        "q": "x",
    }


SEVERAL_MODELS = [
    # priced by hand (USD per 1M: gpt-4o 2.5 in, 1.25 cached, 10 out; gpt-4o-mini 0.15, 0.075, 0.6;
    # claude-sonnet-4-5 3 in, 0.3 cached, 3.75 written, 15 out):
    _row("gpt-4o-2024-08-06", 0, 100_000, 10_000, cached=40_000),  # 0.15 + 0.05 + 0.1 = 0.30
    _row("gpt-4o", 1, 100_000, 0),  # 0.25
    _row("gpt-4o-mini", 2, 100_000, 100_000, cached=100_000),  # 0.0075 + 0.06 = 0.0675
    _row("gpt-4o-mini", 3, 100_000, 0),  # 0.015
    _row("claude-sonnet-4-5", 4, 100_000, 10_000, cached=20_000, written=50_000),  # 0.09+0.006+0.1875+0.15 = 0.4335
    _row("claude-sonnet-4-5", 10, 100_000, 0),  # 0.3
]
SEVERAL_MODELS_MONTHLY = Decimal("1.366") * 30 / 12  # 10 days first to last, plus one mean gap (2 days)
MIXED_SEGMENTS = [  # each feature served by both models: a confusion row per segment
    _row("gpt-4o", 0, 4_000, 500, cached=2_000, feature="chat"),
    _row("gpt-4o", 1, 6_000, 700, cached=3_000, feature="chat"),
    _row("gpt-4o-mini", 2, 3_000, 300, cached=1_000, feature="chat"),
    _row("gpt-4o-mini", 3, 9_000, 100, cached=4_000, feature="search"),
    _row("gpt-4o-mini", 4, 8_000, 200, cached=4_000, feature="search"),
    _row("gpt-4o", 5, 7_000, 150, cached=3_000, feature="search"),
]
SPLIT_SEGMENTS = [  # gpt-4o-mini is no feature's most-used model: chat is split by model
    _row("gpt-4o", 0, 4_000, 500, cached=2_000, feature="chat"),
    _row("gpt-4o", 1, 6_000, 700, cached=3_000, feature="chat"),
    _row("gpt-4o-mini", 2, 3_000, 300, cached=1_000, feature="chat"),
    _row("gpt-4o", 3, 9_000, 100, cached=4_000, feature="search"),
    _row("gpt-4o", 4, 8_000, 200, feature="search"),
]


def _log(tmp_path: Path, rows: list[Any], name: str = "log.jsonl") -> Path:
    return write(tmp_path / name, "".join(json.dumps(row) + "\n" for row in rows))


def _analyze(*args: str) -> tuple[dict[str, Any], str]:
    stdout, stderr = ok_noting("analyze", *args, "--format", "json")
    document: dict[str, Any] = json.loads(stdout)
    return document, stderr


def _baseline_cost(scenario: Path) -> Decimal:
    report = ok_json("simulate", str(scenario))
    (baseline,) = [item for item in report["strategies"] if item["name"] == report["baseline"]]
    return Decimal(baseline["monthly_cost"])


@pytest.mark.parametrize(
    ("rows", "segment_by"),
    [(SEVERAL_MODELS, "model"), (MIXED_SEGMENTS, "metadata.feature"), (SPLIT_SEGMENTS, "metadata.feature")],
    ids=["several-models", "metadata-mixed", "metadata-split"],
)
def test_the_baseline_costs_the_logs_priced_spend_scaled_to_a_month(
    tmp_path: Path, rows: list[Any], segment_by: str
) -> None:
    scenario = tmp_path / "scenario.yaml"
    log = _log(tmp_path, rows)
    analysis, stderr = _analyze(str(log), *MAPPED, "--segment-by", segment_by, "--write-scenario", str(scenario))
    priced = Decimal(analysis["monthly_spend_priced"])
    assert f"Wrote {scenario} (and scenario.tokens.jsonl beside it)" in stderr
    assert abs(_baseline_cost(scenario) - priced) <= priced * Decimal("0.005")


def test_the_priced_spend_the_baseline_matches_is_the_hand_computed_one(tmp_path: Path) -> None:
    analysis, _ = _analyze(str(_log(tmp_path, SEVERAL_MODELS)), *MAPPED, "--write-scenario", str(tmp_path / "s.yaml"))
    assert Decimal(analysis["monthly_spend_priced"]) == SEVERAL_MODELS_MONTHLY
    assert abs(_baseline_cost(tmp_path / "s.yaml") - SEVERAL_MODELS_MONTHLY) <= SEVERAL_MODELS_MONTHLY / 200


def test_the_scenario_holds_the_observed_traffic_and_solved_cache_shares(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    _analyze(str(_log(tmp_path, SEVERAL_MODELS)), *MAPPED, "--write-scenario", str(scenario))
    data = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    assert data["traffic"]["requests_per_month"] == 15  # 6 requests in 12 days
    assert {item["name"]: item["share"] for item in data["traffic"]["segments"]} == {
        "claude-sonnet-4-5": pytest.approx(1 / 3),
        "gpt-4o-mini": pytest.approx(1 / 3),
        "gpt-4o": pytest.approx(1 / 6),
        "gpt-4o-2024-08-06": pytest.approx(1 / 6),
    }
    today = data["strategies"][0]
    assert today["routes"] == {
        "claude-sonnet-4-5": "claude-sonnet-4-5",
        "gpt-4o-mini": "gpt-4o-mini",
        "gpt-4o": "gpt-4o",
        "gpt-4o-2024-08-06": "gpt-4o",
    }
    # written tokens cost 0.75 per 1M above input on claude only: 50,000 of its 200,000 input tokens
    assert today["prompt_caching"]["write_share"] == 0.25
    tokens = [json.loads(line) for line in (tmp_path / "s.tokens.jsonl").read_text(encoding="utf-8").splitlines()]
    assert tokens[4] == {"segment": "claude-sonnet-4-5", "input_tokens": 100_000, "output_tokens": 10_000}
    assert len(tokens) == 6


def test_a_segment_served_by_several_models_routes_to_its_most_used_with_the_observed_mix(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    _analyze(
        str(_log(tmp_path, MIXED_SEGMENTS)),
        *MAPPED,
        "--segment-by",
        "metadata.feature",
        "--write-scenario",
        str(scenario),
    )
    today = yaml.safe_load(scenario.read_text(encoding="utf-8"))["strategies"][0]
    assert today["routes"] == {"chat": "gpt-4o", "search": "gpt-4o-mini"}
    confusion = today["router"]["confusion"]
    assert confusion["chat"] == {"gpt-4o": pytest.approx(2 / 3), "gpt-4o-mini": pytest.approx(1 / 3)}
    assert confusion["search"] == {"gpt-4o": pytest.approx(1 / 3), "gpt-4o-mini": pytest.approx(2 / 3)}


def test_a_model_no_segment_routes_to_splits_its_segment_by_model(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    _analyze(
        str(_log(tmp_path, SPLIT_SEGMENTS)),
        *MAPPED,
        "--segment-by",
        "metadata.feature",
        "--write-scenario",
        str(scenario),
    )
    data = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    shares = {item["name"]: item["share"] for item in data["traffic"]["segments"]}
    assert shares == {"chat · gpt-4o": 0.4, "search": 0.4, "chat · gpt-4o-mini": 0.2}
    assert "router" not in data["strategies"][0]


def _pair(model: str, text: str, tokens_in: int, out: int, hour: int) -> Any:
    """An OpenAI request/response pair: the complexity segments read its prompt text."""
    return {
        "request": {"model": model, "messages": [{"role": "user", "content": text}]},
        "response": {
            "id": f"c{hour}",
            "object": "chat.completion",
            "created": T0 + hour * 3_600,
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": tokens_in, "completion_tokens": out, "total_tokens": tokens_in + out},
        },
    }


LONG = "Explain, step by step, why the proof fails when the function is not continuous; compare two approaches. " * 3
BY_COMPLEXITY = [  # both segments served by both models, each model with prompts of its own length
    _pair("gpt-4o", "Hi there.", 100, 20, 0),  # simple; USD per 1M in, out: gpt-4o 2.5, 10 → 450
    _pair("gpt-4o-mini", "Hello.", 40, 10, 1),  # simple; gpt-4o-mini 0.15, 0.6 → 12
    _pair("gpt-4o-mini", "Hey.", 60, 30, 2),  # simple → 27
    _pair("gpt-4o", LONG, 900, 700, 3),  # medium → 9,250
    _pair("gpt-4o", LONG + "Why?", 1_300, 500, 4),  # medium → 8,250
    _pair("gpt-4o-mini", LONG, 500, 100, 5),  # medium → 135
]
BY_COMPLEXITY_MONTHLY = Decimal("0.018124") * 30  # 18,124 per 1M over a day (the shortest period)


def test_each_model_of_a_mixed_segment_is_priced_at_its_own_tokens_to_the_logs_spend(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    log = _log(tmp_path, BY_COMPLEXITY)
    analysis, stderr = _analyze(str(log), "--segment-by", "complexity", "--write-scenario", str(scenario))
    assert Decimal(analysis["monthly_spend_priced"]) == BY_COMPLEXITY_MONTHLY
    data = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    assert data["models"]["gpt-4o"]["tokens"] == {
        "medium": {"input_tokens": 1_100, "output_tokens": 600},
        "simple": {"input_tokens": 100, "output_tokens": 20},
    }
    assert data["models"]["gpt-4o-mini"]["tokens"] == {
        "medium": {"input_tokens": 500, "output_tokens": 100},
        "simple": {"input_tokens": 50, "output_tokens": 20},
    }
    today = data["strategies"][0]
    assert today["routes"] == {"medium": "gpt-4o", "simple": "gpt-4o-mini"}
    assert today["router"]["confusion"]["medium"] == {
        "gpt-4o": pytest.approx(2 / 3),
        "gpt-4o-mini": pytest.approx(1 / 3),
    }
    # exact but for the confusion's nine decimals
    assert abs(_baseline_cost(scenario) - BY_COMPLEXITY_MONTHLY) <= BY_COMPLEXITY_MONTHLY * Decimal("0.000005")
    assert "warning" not in stderr


def test_a_mixed_segments_models_carry_their_own_mean_tokens(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    _analyze(
        str(_log(tmp_path, MIXED_SEGMENTS)),
        *MAPPED,
        "--segment-by",
        "metadata.feature",
        "--write-scenario",
        str(scenario),
    )
    models = yaml.safe_load(scenario.read_text(encoding="utf-8"))["models"]
    assert models["gpt-4o"]["tokens"] == {
        "chat": {"input_tokens": 5_000, "output_tokens": 600},
        "search": {"input_tokens": 7_000, "output_tokens": 150},
    }
    assert models["gpt-4o-mini"]["tokens"] == {
        "chat": {"input_tokens": 3_000, "output_tokens": 300},
        "search": {"input_tokens": 8_500, "output_tokens": 150},
    }


def test_litellm_payloads_by_model_group_cost_the_logs_spend(tmp_path: Path) -> None:
    scenario = tmp_path / "lg.yaml"
    log = str(FIXTURES / "litellm_payloads.jsonl")
    _, stderr = _analyze(log, "--segment-by", "metadata.model_group", "--write-scenario", str(scenario))
    # only gpt-4o-mini is priced: 176 input, 1,024 cached, 300 output at 0.15, 0.075, 0.6 per 1M, over a day
    priced = Decimal("0.0002832") * 30
    assert abs(_baseline_cost(scenario) - priced) <= priced * Decimal("0.00001")
    assert "warning" not in stderr


def test_a_baseline_one_caching_share_cannot_match_is_told_on_stderr_and_in_the_header(tmp_path: Path) -> None:
    rows = [  # claude writes all its input to the cache (3.75 per 1M), gpt-4o reads all its input from it (1.25)
        _row("claude-sonnet-4-5", 0, 100_000, 0, written=100_000),  # 0.375
        _row("gpt-4o", 1, 100_000, 0, cached=100_000),  # 0.125
    ]
    scenario = tmp_path / "s.yaml"
    _, stderr = _analyze(str(_log(tmp_path, rows)), *MAPPED, "--write-scenario", str(scenario))
    # write_share 1 pays claude's writes; gpt-4o then writes too, at its input price: 0.375 + 0.25 for the two
    # requests, which span two days (a day apart, plus the one gap the period adds): 15 requests a 30-day month each
    assert _baseline_cost(scenario) == Decimal("0.625") / 2 * 30
    told = "the baseline 'today' misses the log's priced spend (+25.0%)"
    assert f"warning: {told}" in stderr
    assert f"# {told}" in scenario.read_text(encoding="utf-8")


ACME = """\
provider: acme
as_of: 2026-11-01
source: test prices
models:
  - {id: acme-large, input_per_mtok: 10, output_per_mtok: 40, cached_input_per_mtok: 1}
  - {id: acme-small, input_per_mtok: 1, output_per_mtok: 4, cached_input_per_mtok: 0.1}
  - {id: acme-tiny, input_per_mtok: 0.5, output_per_mtok: 2}
  - {id: acme-embed, input_per_mtok: 0.01, output_per_mtok: 0}
"""


def _acme_scenario(tmp_path: Path, *rows: Any, prompts: bool = True) -> dict[str, Any]:
    prices = write(tmp_path / "acme.yaml", ACME)
    log = _log(tmp_path, list(rows))
    (tmp_path / "out").mkdir()
    scenario = tmp_path / "out" / "s.yaml"
    _analyze(str(log), *MAPPED, "--pricing", str(prices), "--write-scenario", str(scenario))
    text = scenario.read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    data["text"] = text
    return data


def test_candidates_route_to_the_cheapest_model_of_the_provider_cascade_from_it_and_cache(tmp_path: Path) -> None:
    data = _acme_scenario(
        tmp_path,
        _row("acme-large", 0, 1_000, 100, cached=500),
        _row("acme-large", 1, 1_000, 100),
        _row("acme-small", 2, 2_000, 50),
    )
    assert data["pricing"] == ["../acme.yaml"]
    strategies = {item["name"]: item for item in data["strategies"]}
    assert list(strategies) == ["today", "cheaper-same-provider", "cascade", "today-semantic-cache"]
    # acme-tiny costs less than both at their means; acme-embed writes nothing (output price 0)
    assert strategies["cheaper-same-provider"]["routes"] == {"acme-large": "acme-tiny", "acme-small": "acme-tiny"}
    assert strategies["cascade"]["chain"] == ["acme-tiny", "acme-large"]
    # the same prompt text "x" three times: two of three repeat an earlier one
    assert strategies["today-semantic-cache"]["semantic_cache"]["hit_rate"] == pytest.approx(2 / 3, abs=0.0001)
    # measured: 500 of 4,000 input tokens cached
    assert strategies["cascade"]["prompt_caching"] == {"cached_share": 0.125, "write_share": 0}


def test_every_guess_is_marked_assumed_and_no_measured_number_is(tmp_path: Path) -> None:
    text = _acme_scenario(tmp_path, _row("acme-large", 0, 1_000, 100, cached=500), _row("acme-small", 2, 2_000, 50))[
        "text"
    ]
    lines = text.splitlines()
    guessed = [
        line
        for line in lines
        if re.match(r"\s*(quality|accuracy|acme-tiny|cost_per_request|lookup_cost_per_request): [\d.]+", line)
    ]
    assert guessed
    assert all(line.endswith(ASSUMED) for line in guessed)
    measured = [
        line for line in lines if re.match(r"\s*(share|requests_per_month|hit_rate|cached_share|write_share):", line)
    ]
    assert measured
    assert not any(ASSUMED in line for line in measured)
    assert "reasoning tokens included (billed as output)" in text
    assert "solved so that this strategy costs the log's priced spend" in text


def _candidates(tmp_path: Path, prices: str, *rows: Any) -> tuple[dict[str, Any], str, str]:
    """The scenario data, its text and stderr of a log priced by ``prices`` alone."""
    table = write(tmp_path / "prices.yaml", prices)
    scenario = tmp_path / "s.yaml"
    _, stderr = _analyze(
        str(_log(tmp_path, list(rows))), *MAPPED, "--pricing", str(table), "--write-scenario", str(scenario)
    )
    text = scenario.read_text(encoding="utf-8")
    return yaml.safe_load(text), text, stderr


RETIRING = ACME.replace("output_per_mtok: 2}", "output_per_mtok: 2, deprecation_date: 2026-12-11}")


@pytest.mark.parametrize(
    ("today", "candidate"),
    [("2026-11-10", "acme-tiny"), ("2026-11-11", "acme-small"), ("2026-12-20", "acme-small")],
    ids=["31-days-before", "30-days-before", "retired"],
)
def test_a_candidate_is_never_a_model_retiring_within_30_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, today: str, candidate: str
) -> None:
    monkeypatch.setenv("ROUTECLI_TODAY", today)
    data, _, _ = _candidates(tmp_path, RETIRING, _row("acme-large", 0, 1_000, 100), _row("acme-large", 1, 1_000, 100))
    assert data["strategies"][1]["routes"] == {"acme-large": candidate}
    assert candidate in data["models"]


THINKING = """\
provider: acme
as_of: 2026-11-01
source: test prices
models:
  - {id: acme-large, input_per_mtok: 10, output_per_mtok: 40}
  - {id: acme-tiny, input_per_mtok: 0.5, output_per_mtok: 2}
  - {id: acme-think, input_per_mtok: 0.3, output_per_mtok: 2.5, reasoning: true}
"""


def test_a_reasoning_candidate_is_priced_with_the_reasoning_it_would_add(tmp_path: Path) -> None:
    # means 1,000 in, 200 out; per 1M: tiny 500 + 400 = 900; think 300 + 500 = 800, and 500 more reasoning: 1,300
    rows = (_row("acme-large", 0, 1_000, 100), _row("acme-large", 1, 1_000, 300))
    data, _, _ = _candidates(tmp_path, THINKING, *rows)
    assert data["strategies"][1]["routes"] == {"acme-large": "acme-tiny"}


def test_a_reasoning_candidate_gets_assumed_reasoning_tokens(tmp_path: Path) -> None:
    # think at 0.1 in, 1 out: 100 + 200 + 200 reasoning = 500, below tiny's 900
    prices = THINKING.replace("input_per_mtok: 0.3, output_per_mtok: 2.5", "input_per_mtok: 0.1, output_per_mtok: 1")
    rows = (_row("acme-large", 0, 1_000, 100), _row("acme-large", 1, 1_000, 300))
    data, text, _ = _candidates(tmp_path, prices, *rows)
    assert data["strategies"][1]["routes"] == {"acme-large": "acme-think"}
    assert data["models"]["acme-think"]["reasoning_tokens"] == {"acme-large": 200}  # the segment's mean output
    assert f"{ASSUMED}: a reasoning model; guessed as many as each segment's mean output tokens" in text
    assert "reasoning_tokens" not in data["models"]["acme-large"]


def test_a_candidate_dearer_than_today_is_left_out(tmp_path: Path) -> None:
    scenario = tmp_path / "h.yaml"
    _, stderr = _analyze(str(FIXTURES / "helicone_requests.json"), "--write-scenario", str(scenario))
    text = scenario.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert [item["name"] for item in data["strategies"]] == ["today"]
    assert set(data["models"]) == {"claude-3-5-sonnet-20241022", "gpt-4o", "gpt-4o-mini"}
    for name in ("cheaper-same-provider", "cascade"):
        assert f"left out '{name}': it simulates dearer than today at these token counts" in stderr
        assert f"# Left out '{name}': it simulates dearer than today" in text


def test_prompts_keep_messages_ids_segment_model_and_are_read_back_by_replay(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.jsonl"
    _, stderr = _analyze(str(FIXTURES / "openai_responses.jsonl"), "--write-prompts", str(prompts))
    assert f"Wrote 2 prompts with their text to {prompts}" in stderr
    read = read_prompts(prompts).prompts
    assert [prompt.id for prompt in read] == ["chatcmpl-C2xQ7", f"{FIXTURES / 'openai_responses.jsonl'}:4"]
    assert read[0].messages == (
        {"role": "developer", "content": "Answer with a number."},
        {"role": "user", "content": "What is 17 * 23?"},
    )
    assert read[0].metadata == {"segment": "o3-mini-2025-01-31", "model": "o3-mini-2025-01-31"}


ROUTER = """\
providers:
  local: {base_url: "http://127.0.0.1:9/v1"}
tiers:
  small: {provider: local, model: s, price: {input_per_mtok: 1, output_per_mtok: 2}}
  large: {provider: local, model: l, price: {input_per_mtok: 10, output_per_mtok: 20}}
routing: {type: rules, default: small, rules: [{tier: large, when: {keywords: [dollars]}}]}
"""


def test_the_issues_gsm8k_example_makes_a_prompt_file_replay_dry_runs(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.jsonl"
    dataset = FIXTURES / "gsm8k_test.jsonl"
    args = ("--map", "prompt=question", "--map", "expected=answer", "--write-prompts", str(prompts))
    _analyze(str(dataset), *args)
    rows = [json.loads(line) for line in dataset.read_text(encoding="utf-8").splitlines() if line.strip()]
    read = read_prompts(prompts).prompts
    assert [prompt.messages for prompt in read] == [({"role": "user", "content": row["question"]},) for row in rows]
    assert [prompt.expected.value if prompt.expected else None for prompt in read] == [row["answer"] for row in rows]
    report = ok_json("replay", str(prompts), "--dry-run", "-c", str(write(tmp_path / "router.yaml", ROUTER)))
    assert (report["prompts_selected"], report["invalid_lines"]) == (len(rows), 0)


def _texts(count: int, feature: str, start: int = 0) -> list[Any]:
    return [
        {"m": "gpt-4o", "t": T0 + index, "i": 10, "o": 1, "q": f"{feature} question {index}", "meta": {"f": feature}}
        for index in range(start, start + count)
    ]


SAMPLED = ["--map", "model=m", "--map", "start=t", "--map", "input_tokens=i", "--map", "output_tokens=o",
           "--map", "prompt=q", "--map", "metadata=meta", "--segment-by", "metadata.f"]  # fmt: skip


def _sample(tmp_path: Path, log: Path, *options: str, name: str = "p.jsonl") -> list[str]:
    prompts = tmp_path / name
    _analyze(str(log), *SAMPLED, "--write-prompts", str(prompts), *options)
    return [prompt.id for prompt in read_prompts(prompts).prompts]


def test_a_sample_has_n_prompts_in_log_order_the_same_for_the_same_seed(tmp_path: Path) -> None:
    log = _log(tmp_path, _texts(200, "a"))
    first = _sample(tmp_path, log, "--sample", "20", "--seed", "3")
    assert len(first) == 20
    assert len(set(first)) == 20
    assert first == sorted(first, key=lambda item: int(item.rsplit(":", 1)[1]))
    assert _sample(tmp_path, log, "--sample", "20", "--seed", "3", name="again.jsonl") == first
    assert _sample(tmp_path, log, "--sample", "20", "--seed", "4", name="other.jsonl") != first


def test_a_stratified_sample_gives_each_segment_its_proportional_part(tmp_path: Path) -> None:
    # 50, 30 and 20 prompts, a sample of 4: 2, 1.2 and 0.8 → 2, 1, 0 and the prompt left to the largest remainder
    log = _log(tmp_path, _texts(50, "a") + _texts(30, "b", 50) + _texts(20, "c", 80))
    prompts = tmp_path / "s.jsonl"
    _analyze(str(log), *SAMPLED, "--write-prompts", str(prompts), "--sample", "4", "--stratify")
    segments = [prompt.metadata["segment"] for prompt in read_prompts(prompts).prompts]
    assert sorted(segments) == ["a", "a", "b", "c"]


def test_a_log_without_prompt_text_writes_no_prompt_file(tmp_path: Path) -> None:
    log = write(
        tmp_path / "r.jsonl", (FIXTURES / "openai_responses.jsonl").read_text(encoding="utf-8").splitlines()[0] + "\n"
    )
    prompts = tmp_path / "p.jsonl"
    message = refused("analyze", str(log), "--write-prompts", str(prompts))
    assert message == f"{log} has no prompt text (format openai keeps none); nothing written"
    assert not prompts.exists()


def test_sample_and_stratify_need_what_they_modify(tmp_path: Path) -> None:
    log = str(FIXTURES / "openai_responses.jsonl")
    assert "give it too" in refused("analyze", log, "--sample", "3")
    assert "give --sample N too" in refused("analyze", log, "--write-prompts", str(tmp_path / "p.jsonl"), "--stratify")


def test_the_scenario_and_its_token_counts_hold_no_prompt_text(tmp_path: Path) -> None:
    secret = "Summarise the merger memo for Project Nightjar"
    rows = [{**_row("gpt-4o", day, 1_000, 100, feature="chat"), "q": secret} for day in (0, 1, 2)]
    scenario = tmp_path / "s.yaml"
    _analyze(str(_log(tmp_path, rows)), *MAPPED, "--segment-by", "metadata.feature", "--write-scenario", str(scenario))
    assert "Nightjar" not in scenario.read_text(encoding="utf-8")
    assert "Nightjar" not in (tmp_path / "s.tokens.jsonl").read_text(encoding="utf-8")


def test_files_to_write_need_a_folder_and_names_of_their_own(tmp_path: Path) -> None:
    log = str(FIXTURES / "openai_responses.jsonl")
    missing = tmp_path / "no" / "s.yaml"
    assert refused("analyze", log, "--write-scenario", str(missing)) == (
        f"{missing}: cannot write output: no folder {missing.parent}"
    )
    same = str(tmp_path / "x.jsonl")
    assert "two outputs" in refused("analyze", log, "--write-scenario", same, "--write-prompts", same)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("options", [(), ("--sample", "1")], ids=["every-prompt", "a-sample"])
def test_the_prompt_file_is_readable_by_its_owner_only(tmp_path: Path, options: tuple[str, ...]) -> None:
    prompts = tmp_path / "p.jsonl"
    _analyze(str(FIXTURES / "openai_responses.jsonl"), "--write-prompts", str(prompts), *options)
    assert prompts.stat().st_mode & 0o777 == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["p.jsonl"]


def test_an_empty_log_writes_no_scenario(tmp_path: Path) -> None:
    log = write(tmp_path / "empty.jsonl", "")
    scenario = tmp_path / "s.yaml"
    message = refused("analyze", str(log), *MAPPED, "--write-scenario", str(scenario))
    assert message == "the logs hold no requests: no scenario to write; nothing written"
    assert [path.name for path in tmp_path.iterdir()] == ["empty.jsonl"]


def test_a_batch_log_writes_its_models_at_batch_prices(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    batch = [str(FIXTURES / "openai_batch_output.jsonl"), str(FIXTURES / "openai_batch_input.jsonl")]
    analysis, _ = _analyze(*batch, "--write-scenario", str(scenario))
    data = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    assert data["models"]["gpt-4o-mini"]["service_tier"] == "batch"  # both its requests were batch results
    assert "service_tier" not in data["models"]["gpt-4o"]  # its one request failed: nothing billed
    priced = Decimal(analysis["monthly_spend_priced"])
    assert abs(_baseline_cost(scenario) - priced) <= priced * Decimal("0.005")
