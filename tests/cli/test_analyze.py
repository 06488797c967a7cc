"""``routecli analyze`` end to end: formats, outputs, stderr notes, errors, and that no prompt text ever leaks."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from routecli.render.analysis_report import ANALYSIS_SCHEMA
from tests.helpers.analyze import FIXTURES
from tests.helpers.cli import ok, ok_noting, refused

SECRET_PROMPT = "Summarise the merger memo for Project Nightjar"
SECRET_ANSWER = "Nightjar closes on the fourth"
T0 = 1_741_564_800  # 2025-03-10T00:00:00Z


def _response(model: str, created: int, prompt: int, completion: int, cached: int = 0) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{created}",
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": SECRET_ANSWER}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached},
            "completion_tokens_details": {"reasoning_tokens": 0},
        },
    }


def _pair(model: str, created: int, prompt: int, completion: int, text: str, cached: int = 0) -> dict[str, Any]:
    request = {"model": model, "messages": [{"role": "user", "content": text}]}
    return {"request": request, "response": _response(model, created, prompt, completion, cached)}


@pytest.fixture
def log(tmp_path: Path) -> Path:
    """Four requests over two days: gpt-4o-mini three times (one an exact repeat), gpt-4o once."""
    rows = [
        _pair("gpt-4o-mini-2024-07-18", T0, 1_000_000, 100_000, SECRET_PROMPT, cached=200_000),
        _pair("gpt-4o-mini-2024-07-18", T0 + 60, 1_000_000, 100_000, SECRET_PROMPT),
        _pair("gpt-4o-mini-2024-07-18", T0 + 120, 2_000_000, 0, "Another prompt, quite unlike the first one"),
        _pair("gpt-4o-2024-08-06", T0 + 2 * 86_400, 1_000_000, 1_000_000, "A third kind of question"),
    ]
    path = tmp_path / "responses.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _document(*args: str) -> dict[str, Any]:
    stdout, _ = ok_noting("analyze", *args, "--format", "json")
    document: dict[str, Any] = json.loads(stdout)
    jsonschema.validate(document, ANALYSIS_SCHEMA)
    return document


def _price(model: str) -> tuple[Decimal, Decimal, Decimal]:
    """The shipped input, output and cached-input prices per 1M tokens."""
    from routecli.pricing.price_files import load_price_files

    rates = load_price_files().lookup(model).standard
    return rates.input, rates.output, rates.cache_read_rate


def test_json_has_the_contracts_figures(log: Path) -> None:
    document = _document(str(log))
    assert (document["kind"], document["schema_version"], document["requests"]) == ("analysis", 1, 4)
    assert document["files"] == [{"path": str(log), "format": "openai"}]
    assert document["period"] == {"start": "2025-03-10T00:00:00Z", "end": "2025-03-12T00:00:00Z", "days": 8 / 3}
    # 4 requests, 2 days first to last plus one mean gap (2/3 day): 4 over 8/3 days, 30 days a month
    assert document["requests_per_month"] == pytest.approx(45.0, rel=1e-12)
    mini, big = document["models"]
    assert (mini["model"], mini["priced_as"], mini["requests"]) == ("gpt-4o-mini-2024-07-18", "gpt-4o-mini", 3)
    assert (mini["input_tokens"], mini["cached_tokens"], mini["output_tokens"]) == (4_000_000, 200_000, 200_000)
    inp, out, cached = _price("gpt-4o-mini")  # per 1M tokens: 3.8M plain input, 0.2M cached, 0.2M output
    assert Decimal(mini["spend_priced"]) == inp * Decimal("3.8") + cached * Decimal("0.2") + out * Decimal("0.2")
    assert mini["spend_logged"] is None
    inp_big, out_big, _ = _price("gpt-4o")
    assert Decimal(big["spend_priced"]) == inp_big + out_big
    total = Decimal(mini["spend_priced"]) + Decimal(big["spend_priced"])
    assert Decimal(document["spend_priced"]) == total
    monthly = Decimal(document["monthly_spend_priced"])
    assert abs(monthly - total * Decimal("11.25")) <= total * Decimal("1e-12")  # 30 days / (8/3)
    assert document["cached_share"] == 200_000 / 5_000_000
    assert document["duplicates"]["exact_share"] == 0.25
    assert [s["name"] for s in document["segments"]] == ["gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06"]
    assert document["segments"][0]["share"] == 0.75
    assert document["segments"][0]["input_tokens"]["p50"] == 1_000_000
    assert [(d["date"], d["requests"]) for d in document["daily"]] == [("2025-03-10", 3), ("2025-03-12", 1)]


def test_stderr_names_each_files_format(log: Path) -> None:
    stdout, stderr = ok_noting("analyze", str(log), str(FIXTURES / "anthropic_messages.jsonl"))
    assert stderr.splitlines() == [
        f"Read {log} as openai",
        f"Read {FIXTURES / 'anthropic_messages.jsonl'} as anthropic",
    ]
    assert "By model" in stdout


@pytest.mark.parametrize("format", ["table", "json", "markdown"])
def test_no_prompt_or_answer_text_in_any_output(log: Path, format: str, tmp_path: Path) -> None:
    stdout, stderr = ok_noting("analyze", str(log), "--format", format, "--segment-by", "complexity")
    for text in (SECRET_PROMPT, "Nightjar", SECRET_ANSWER, "Another prompt"):
        assert text not in stdout
        assert text not in stderr


def test_markdown_and_table(log: Path) -> None:
    markdown, _ = ok_noting("analyze", str(log), "--format", "markdown")
    assert markdown.startswith("## routecli analyze\n")
    assert "| gpt-4o-mini-2024-07-18 | 3 | 4,000,000 | 200,000 | 200,000 |" in markdown
    table, _ = ok_noting("analyze", str(log))
    assert (
        "4 requests from 2025-03-10T00:00:00Z to 2025-03-12T00:00:00Z (2.7 days): 2 a day, 45 a 30-day month" in table
    )
    assert "25.0% exact" in table


def test_output_file_by_suffix(log: Path, tmp_path: Path) -> None:
    target = tmp_path / "analysis.json"
    _, stderr = ok_noting("analyze", str(log), "-o", str(target))
    assert f"Wrote {target}" in stderr
    assert json.loads(target.read_text(encoding="utf-8"))["kind"] == "analysis"


def test_chart(log: Path, tmp_path: Path) -> None:
    chart = tmp_path / "daily.svg"
    _, stderr = ok_noting("analyze", str(log), "--chart", str(chart))
    assert f"Wrote {chart}" in stderr
    assert chart.read_text(encoding="utf-8").startswith("<?xml")


@pytest.mark.parametrize("format", ["table", "markdown", "json"])
def test_an_empty_log(tmp_path: Path, format: str) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    stdout, _ = ok_noting("analyze", str(empty), "--format", format)
    if format == "json":
        document = json.loads(stdout)
        assert (document["requests"], document["models"], document["period"]["days"]) == (0, [], None)
    else:
        assert "No requests: the log holds none, so there is nothing to measure" in stdout
        assert "errors:" not in stdout
        assert "keeps no prompt text" not in stdout
        assert "By model" not in stdout


def test_a_dataset_without_usage_says_so(tmp_path: Path) -> None:
    path = tmp_path / "dataset.jsonl"
    path.write_text(json.dumps({"question": "What is 2 + 2?", "answer": "4"}) + "\n", encoding="utf-8")
    stdout, _ = ok_noting("analyze", str(path), "--map", "prompt=question", "--map", "expected=answer")
    assert "No token usage: no request in the log has input or output tokens, so spend is not measured" in stdout


def test_schema_analysis() -> None:
    assert json.loads(ok("schema", "analysis")) == ANALYSIS_SCHEMA


def test_a_bad_row_names_file_line_and_field(log: Path) -> None:
    broken = log.read_text(encoding="utf-8").replace('"prompt_tokens": 2000000', '"prompt_tokens": "many"')
    log.write_text(broken, encoding="utf-8")
    message = refused("analyze", str(log))
    assert message == f"{log}:3: response.usage.prompt_tokens: expected a whole number ≥ 0, got text"


def test_skip_invalid_counts_by_reason(log: Path) -> None:
    broken = log.read_text(encoding="utf-8").replace('"prompt_tokens": 2000000', '"prompt_tokens": "many"')
    log.write_text(broken, encoding="utf-8")
    stdout, stderr = ok_noting("analyze", str(log), "--skip-invalid", "--format", "json")
    assert json.loads(stdout)["requests"] == 3
    skipped = [line for line in stderr.splitlines() if line.startswith("Skipped 1 row: ")]
    assert len(skipped) == 1
    assert "prompt_tokens" in skipped[0]
    assert json.loads(stdout)["skipped_rows"][0]["rows"] == 1


def test_segment_by_metadata_and_complexity_without_text(tmp_path: Path) -> None:
    rows = [
        {"model": "gpt-4o-mini", "in": 10, "out": 5, "meta": {"team": "a"}},
        {"model": "gpt-4o-mini", "in": 30, "out": 5, "meta": {"team": "b"}},
        {"model": "gpt-4o-mini", "in": 20, "out": 5, "meta": {"team": "a"}},
    ]
    path = tmp_path / "custom.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    maps = ["--map", "model=model", "--map", "input_tokens=in", "--map", "output_tokens=out"]
    document = _document(str(path), *maps, "--map", "metadata=meta", "--segment-by", "complexity")
    assert document["segments"][0]["name"] == "(no text)"
    assert document["segments_note"] == "3 of 3 requests have no prompt text: --segment-by complexity reads it"
    assert document["duplicates"]["exact_share"] is None
    teams = _document(str(path), *maps, "--map", "metadata=meta", "--segment-by", "metadata.team")["segments"]
    assert [(s["name"], s["share"], s["input_tokens"]["mean"]) for s in teams] == [
        ("a", 2 / 3, 15.0),
        ("b", 1 / 3, 30.0),
    ]


def test_segment_by_a_metadata_key_no_request_has_says_so(tmp_path: Path) -> None:
    path = tmp_path / "custom.jsonl"
    path.write_text(json.dumps({"model": "gpt-4o-mini", "in": 10, "out": 5, "meta": {"team": "a"}}) + "\n")
    maps = ["--map", "model=model", "--map", "input_tokens=in", "--map", "output_tokens=out", "--map", "metadata=meta"]
    stdout, stderr = ok_noting("analyze", str(path), *maps, "--segment-by", "metadata.feature", "--format", "json")
    assert json.loads(stdout)["segments_note"] == "no request has metadata.feature: one segment"
    assert "Note: no request has metadata.feature: one segment" in stderr.splitlines()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--segment-by", "tier"], "--segment-by tier: expected model, metadata.KEY, complexity or router:ROUTER.yaml"),
        (["--map", "model"], "--map model: expected FIELD=PATH, e.g. model=meta.engine"),
        (["--input-format", "nope"], "--input-format nope: unknown format"),
    ],
)
def test_bad_options_are_refused(log: Path, args: list[str], expected: str) -> None:
    assert refused("analyze", str(log), *args).startswith(expected)


def test_a_missing_router_config_is_named(log: Path, tmp_path: Path) -> None:
    message = refused("analyze", str(log), "--segment-by", f"router:{tmp_path / 'missing.yaml'}")
    assert "missing.yaml" in message


def test_a_named_format_that_reads_the_log_as_zeros_is_refused(log: Path) -> None:
    message = refused("analyze", str(log), "--input-format", "anthropic")
    assert message == (
        f"{log}:1: no usage.input_tokens or usage.output_tokens: is this an anthropic log? (detected: openai)"
    )


def test_litellm_cache_hits_are_no_stale_price(tmp_path: Path) -> None:
    payload = json.loads((FIXTURES / "litellm_payloads.jsonl").read_text(encoding="utf-8").splitlines()[0])
    hit = {**payload, "id": "chatcmpl-hit", "cache_hit": True, "response_cost": 0.0}
    path = tmp_path / "litellm.jsonl"
    path.write_text(json.dumps(payload) + "\n" + json.dumps(hit) + "\n", encoding="utf-8")
    (model,) = _document(str(path))["models"]
    alone = tmp_path / "alone.jsonl"
    alone.write_text(json.dumps(payload) + "\n", encoding="utf-8")
    (call,) = _document(str(alone))["models"]
    assert model["spend_priced"] == call["spend_priced"]  # the hit adds nothing
    assert Decimal(model["spend_logged"]) == Decimal("0.00036")  # the one call made
    assert model["note"].startswith("1 request served from LiteLLM's cache (no provider call: priced at 0); ")
    assert model["note"].endswith(call["note"])  # any gap is the call's own, as without the hit
