"""--segment-by: its parsing, metadata keys, complexity bands and an offline router's tiers."""

from __future__ import annotations

import pytest

from routecli.analyze.analysis import NO_TEXT, analyze
from routecli.analyze.records import LogRecord
from routecli.analyze.segments import NO_VALUE, SegmentSpec, parse_segment_by, segmenter
from routecli.errors import InvalidValueError
from routecli.pricing.prices import PriceTable
from routecli.replay.routing.rules import Rule, RulesRouter, conditions_from


def _record(text: str | None = None, metadata: dict[str, object] | None = None, tokens: int = 10) -> LogRecord:
    messages = None if text is None else [{"role": "user", "content": text}]
    return LogRecord("log", 1, "m", input_tokens=tokens, messages=messages, metadata=metadata)


@pytest.mark.parametrize(
    ("value", "spec"),
    [
        ("model", SegmentSpec("model")),
        ("complexity", SegmentSpec("complexity")),
        ("metadata.team.name", SegmentSpec("metadata", "team.name")),
        ("router:configs/router.yaml", SegmentSpec("router", "configs/router.yaml")),
    ],
)
def test_parsing(value: str, spec: SegmentSpec) -> None:
    assert parse_segment_by(value) == spec


@pytest.mark.parametrize("value", ["models", "metadata", "metadata.", "router:", "tier"])
def test_a_bad_value_is_named(value: str) -> None:
    with pytest.raises(InvalidValueError, match=f"--segment-by {value}: expected model, metadata.KEY"):
        parse_segment_by(value)


def test_metadata_by_a_dotted_key() -> None:
    segment = segmenter(SegmentSpec("metadata", "team.name"))
    assert segment is not None
    assert segment(_record(metadata={"team": {"name": "search"}})) == "search"
    assert segment(_record(metadata={"team": {"id": 3}})) == NO_VALUE
    assert segment(_record(metadata={"team": "flat"})) == NO_VALUE
    assert segment(_record()) == NO_VALUE


def test_complexity_bands_and_no_text() -> None:
    segment = segmenter(SegmentSpec("complexity"))
    assert segment is not None
    assert segment(_record("hi")) == "simple"
    # length 1 (2,000 tokens), reasoning and multi-step markers, 3 questions: well past 0.5
    hard = "Why? Explain step by step, then compare and prove it. First this, then that, finally those? And why?"
    assert segment(_record(hard, tokens=2000)) == "complex"
    assert segment(_record(None)) == NO_TEXT


def test_a_log_without_text_says_so_under_complexity() -> None:
    records = [_record(None), _record("hello")]
    result = analyze(records, PriceTable(), segment_by="complexity", segmenter=segmenter(SegmentSpec("complexity")))
    assert {s.name for s in result.segments} == {NO_TEXT, "simple"}
    assert result.segments_note == "1 of 2 requests have no prompt text: --segment-by complexity reads it"


def test_an_offline_routers_tier() -> None:
    router = RulesRouter([Rule("strong", conditions_from({"keywords": ["integral"]}))], default="light")
    segment = segmenter(SegmentSpec("router", "r.yaml"), router)
    assert segment is not None
    assert segment(_record("an integral please")) == "strong"
    assert segment(_record("a poem")) == "light"
    assert segment(_record(None)) == NO_TEXT
