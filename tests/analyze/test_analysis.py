"""The analysis of a small log whose every figure is computed by hand in the comments."""

from __future__ import annotations

import random
from decimal import Decimal

import numpy as np
import pytest

from routecli.analyze import analysis
from routecli.analyze.analysis import Accumulator, Analysis, analyze, histogram_stats, resolve_price
from routecli.analyze.records import LogRecord
from routecli.pricing.price_files import load_price_files
from routecli.pricing.prices import ModelPrice, PriceTable, TokenRates

T0 = 1_699_920_000.0  # 2023-11-14T00:00:00Z, a UTC midnight
DAY = 86_400.0
TABLE = PriceTable(
    [
        # per 1M tokens: input 1, output 2, cache read 0.5, cache write 1.25
        ModelPrice("alpha", "acme", TokenRates(Decimal(1), Decimal(2), Decimal("0.5"), Decimal("1.25"))),
        ModelPrice("beta", "acme", TokenRates(Decimal(10), Decimal(20))),
    ]
)


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


LOG = [
    LogRecord("log", 1, "alpha", start=T0, input_tokens=1000, cached_tokens=400, output_tokens=100,
              cost=Decimal("0.0015"), latency_ms=200, messages=_user("hello world how are you")),
    LogRecord("log", 2, "alpha", start=T0 + 3600, input_tokens=2000, cache_write_tokens=500, output_tokens=300,
              reasoning_tokens=120, cost=Decimal("0.003"), latency_ms=400, messages=_user("hello world how are you")),
    LogRecord("log", 3, "alpha", start=T0 + 3700, input_tokens=3000, output_tokens=200, latency_ms=300,
              error="http 500", messages=_user("something else entirely, with more words in it")),
    LogRecord("log", 4, "beta", start=T0 + 2 * DAY, input_tokens=500, output_tokens=50, cost=Decimal("0.01")),
    LogRecord("log", 5, "mystery-model", start=T0 + 2 * DAY, input_tokens=100, output_tokens=10,
              cost=Decimal("0.002")),
]  # fmt: skip


@pytest.fixture(scope="module")
def result() -> Analysis:
    return analyze(LOG, TABLE)


def test_period_volume_and_peak_hour(result: Analysis) -> None:
    assert result.requests == 5
    assert result.period.start == T0
    assert result.period.end == T0 + 2 * DAY
    assert result.period.days == 2.5  # 2 days first to last, plus one mean gap: 2 days / 4 gaps
    assert result.requests_per_day == 2.0
    assert result.requests_per_month == 60.0  # a month is 30 days
    # hours 0, 1 (two requests), 48 (two): the earliest of the busiest
    assert result.peak_hour == analysis.PeakHour(T0 + 3600, 2)


def test_tokens_and_spend_per_model(result: Analysis) -> None:
    alpha, beta, mystery = (
        next(m for m in result.models if m.model == name) for name in ("alpha", "beta", "mystery-model")
    )
    assert [m.model for m in result.models] == ["alpha", "beta", "mystery-model"]  # most requests first, then by name
    assert (alpha.requests, alpha.input_tokens, alpha.cached_tokens, alpha.cache_write_tokens) == (3, 6000, 400, 500)
    assert (alpha.output_tokens, alpha.reasoning_tokens) == (600, 120)
    # 600·1 + 400·0.5 + 100·2 = 1000; 1500·1 + 500·1.25 + 300·2 = 2725; 3000·1 + 200·2 = 3400 (µ$)
    assert alpha.spend_priced == Decimal("0.007125")
    assert alpha.spend_logged == Decimal("0.0045")
    assert alpha.rows_without_cost == 1
    assert alpha.spend_difference is None
    assert alpha.note == "1 of 3 rows have no logged cost"
    assert alpha.errors == 1
    assert alpha.error_share == pytest.approx(1 / 3)
    # latencies 200, 300, 400: p50 300; p95 at rank 1.9 = 300 + 0.9·100
    assert alpha.latency == analysis.Latency(300.0, 390.0, 3)
    # 500·10 + 50·20 = 6000 µ$; logged 0.01, 40 % above
    assert beta.spend_priced == Decimal("0.006")
    assert beta.spend_difference == Decimal("0.004")
    assert beta.note is not None
    assert "40% above" in beta.note
    assert beta.latency is None
    assert mystery.spend_priced is None
    assert mystery.priced_as is None
    assert mystery.note == "unknown model: no price table has it"


def test_totals(result: Analysis) -> None:
    assert result.spend_priced == Decimal("0.013125")
    assert result.spend_logged == Decimal("0.0165")
    assert result.unpriced_requests == 1
    assert result.monthly_spend_priced == Decimal("0.1575")  # 0.013125 · 30 / 2.5 days
    assert result.input_tokens == 6600
    assert result.cached_share == pytest.approx(400 / 6600)
    assert result.errors == 1
    assert result.error_share == 0.2


def test_segments_by_model(result: Analysis) -> None:
    alpha = result.segments[0]
    assert (alpha.name, alpha.requests, alpha.share) == ("alpha", 3, 0.6)
    # inputs 1000, 2000, 3000: p95 at rank 1.9 = 2000 + 0.9·1000, p99 at 1.98
    assert alpha.input_tokens == analysis.TokenStats(2000.0, 2000.0, 2900.0, 2980.0)
    assert alpha.output_tokens == analysis.TokenStats(200.0, 200.0, 290.0, 298.0)
    assert [segment.name for segment in result.segments] == ["alpha", "beta", "mystery-model"]


def test_repeats_over_the_requests_with_text(result: Analysis) -> None:
    duplicates = result.duplicates
    assert duplicates.requests_with_text == 3
    assert duplicates.exact_share == pytest.approx(1 / 3)  # the second "hello world…"
    assert duplicates.near_share == pytest.approx(1 / 3)
    assert duplicates.prefix_share == 0.0  # no prompt is 4,096 characters long


def test_requests_and_spend_per_day(result: Analysis) -> None:
    assert result.by_day == (
        analysis.ModelDay(T0, "alpha", 3, Decimal("0.007125")),
        analysis.ModelDay(T0 + 2 * DAY, "beta", 1, Decimal("0.006")),
        analysis.ModelDay(T0 + 2 * DAY, "mystery-model", 1, None),
    )


def test_a_shared_long_prefix_counts_once_it_was_seen_before() -> None:
    base = "x" * analysis.PREFIX_CHARS
    log = [
        LogRecord("log", 1, "alpha", start=T0, messages=_user(base + " first")),
        LogRecord("log", 2, "alpha", start=T0, messages=_user(base + " second")),
        LogRecord("log", 3, "alpha", start=T0, messages=_user("short")),
    ]
    # "user: " comes first in the prompt text, so both long prompts share their first 4,096 characters
    assert analyze(log, TABLE).duplicates.prefix_share == pytest.approx(1 / 3)


def test_a_log_without_text_has_no_repeat_figures() -> None:
    duplicates = analyze(LOG[3:], TABLE).duplicates
    assert duplicates == analysis.Duplicates(0, None, None, None, None)


def test_an_empty_log() -> None:
    empty = analyze([], TABLE)
    assert empty.requests == 0
    assert empty.period == analysis.Period(None, None, None)
    assert (empty.requests_per_day, empty.requests_per_month, empty.peak_hour) == (None, None, None)
    assert empty.models == empty.segments == ()
    assert empty.spend_priced is None


def test_a_log_of_one_hour_counts_as_one_day() -> None:
    result = analyze(LOG[:3], TABLE)
    assert result.period.days == 1.0
    assert result.requests_per_month == 90.0  # 3 a day


def test_hourly_requests_cover_whole_hours() -> None:
    """48 requests an hour apart are 48 hours of traffic (47 from first to last, plus one gap): 720 a month."""
    hourly = [LOG[3]._replace(line=hour + 1, start=T0 + hour * 3600) for hour in range(48)]
    result = analyze(hourly, TABLE)
    assert result.period.days == 2.0
    assert result.requests_per_month == 720.0


def test_rows_without_time_count_but_set_no_period() -> None:
    result = analyze([LOG[3]._replace(start=None)], TABLE)
    assert result.requests == 1
    assert result.period.days is None
    assert result.monthly_spend_priced is None
    assert result.by_day == ()
    assert result.spend_priced == Decimal("0.006")


def test_chunks_fold_to_the_same_totals(monkeypatch: pytest.MonkeyPatch, result: Analysis) -> None:
    monkeypatch.setattr(analysis, "CHUNK", 2)  # folded every two rows instead of once at the end
    assert analyze(LOG, TABLE) == result
    accumulator = Accumulator()
    for record in LOG:
        accumulator.add(record)
    assert accumulator.finish(TABLE) == result


def test_segments_by_a_metadata_key_and_a_segmenter() -> None:
    log = [
        LOG[0]._replace(metadata={"feature": "chat"}),
        LOG[1]._replace(metadata={"feature": "search"}),
        LOG[2]._replace(metadata={"feature": "chat"}),
    ]

    def by_feature(record: LogRecord) -> str:
        return str((record.metadata or {})["feature"])

    segments = analyze(log, TABLE, segment_by="metadata.feature", segmenter=by_feature).segments
    assert [(s.name, s.requests) for s in segments] == [("chat", 2), ("search", 1)]
    assert segments[0].input_tokens.mean == 2000.0  # (1000 + 3000) / 2


@pytest.mark.parametrize("size", [1, 2, 7, 100, 1001])
def test_histogram_percentiles_are_numpys(size: int) -> None:
    rng = random.Random(size)
    values = [rng.choice([rng.randint(0, 50), rng.randint(0, 5000)]) for _ in range(size)]
    histogram: dict[int, int] = {}
    for value in values:
        histogram[value] = histogram.get(value, 0) + 1
    stats = histogram_stats(histogram)
    assert stats.mean == pytest.approx(float(np.mean(values)))
    assert [stats.p50, stats.p95, stats.p99] == pytest.approx(list(np.percentile(values, [50, 95, 99])))


@pytest.mark.parametrize(
    ("logged", "entry"),
    [
        ("gpt-4o-mini", "gpt-4o-mini"),
        ("openai/gpt-4o-mini", "gpt-4o-mini"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("openai/gpt-4o-2024-08-06", "gpt-4o"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("anthropic/claude-sonnet-4-6-20260101", "claude-sonnet-4-6"),  # a date no table lists
        ("vertex_ai/claude-haiku-4-5@20251001", "claude-haiku-4-5"),
    ],
)
def test_logged_model_names_resolve_to_price_entries(logged: str, entry: str) -> None:
    found = resolve_price(load_price_files(), logged)
    assert found is not None
    assert found.id == entry


def test_an_unknown_model_resolves_to_nothing() -> None:
    assert resolve_price(load_price_files(), "claude-3-5-sonnet-20241022-not-a-model") is None


def test_repeats_compare_the_prompt_text_whatever_the_content_shape() -> None:
    parts = [{"role": "user", "content": [{"type": "text", "text": "hi "}, {"type": "text", "text": "there"}]}]
    log = [
        LogRecord("log", 1, "alpha", messages=_user("hi there")),
        LogRecord("log", 2, "alpha", messages=parts),  # the same text, as content parts
        LogRecord("log", 3, "alpha", messages=[{"content": "hi there"}]),  # no role: another text
    ]
    assert analyze(log, TABLE).duplicates.exact_share == pytest.approx(1 / 3)


TIERED = PriceTable(
    [
        # per 1M tokens: input 2, output 8, cache read 1, cache write 2.5; batch half; flex a quarter;
        # a 1-hour cache write 4
        ModelPrice(
            "tiered",
            "acme",
            TokenRates(Decimal(2), Decimal(8), Decimal(1), Decimal("2.5")),
            batch=TokenRates(Decimal(1), Decimal(4), Decimal("0.5"), Decimal("1.25")),
            flex=TokenRates(Decimal("0.5"), Decimal(2)),
            cache_write_1h=Decimal(4),
        ),
        ModelPrice("plain", "acme", TokenRates(Decimal(2), Decimal(8))),
    ]
)


def test_each_request_is_priced_at_its_service_tier() -> None:
    rows = [
        LogRecord("log", 1, "tiered", start=T0, input_tokens=1_000_000, output_tokens=1_000_000),
        LogRecord("log", 2, "tiered", start=T0, input_tokens=1_000_000, output_tokens=1_000_000, service_tier="batch"),
        LogRecord("log", 3, "tiered", start=T0, input_tokens=1_000_000, output_tokens=1_000_000, service_tier="flex"),
        LogRecord("log", 4, "plain", start=T0, input_tokens=1_000_000, output_tokens=1_000_000, service_tier="batch"),
    ]
    result = analyze(rows, TIERED)
    tiered, plain = result.models
    assert tiered.spend_priced == Decimal(10) + Decimal(5) + Decimal("2.5")  # standard 2+8, batch 1+4, flex 0.5+2
    assert tiered.note == "1 request at batch prices; 1 request at flex prices"
    assert plain.spend_priced == Decimal(10)  # no batch prices: standard
    assert plain.note == "1 batch request priced at standard rates: no batch prices in the table"
    assert [(day.model, day.spend_priced) for day in result.by_day] == [("plain", 10), ("tiered", Decimal("17.5"))]


def test_one_hour_cache_writes_are_priced_at_the_one_hour_price() -> None:
    # 1M input of which 1M written, 400k of it for an hour: 600k at 2.5 + 400k at 4 = 1.5 + 1.6
    row = LogRecord(
        "log", 1, "tiered", input_tokens=1_000_000, cache_write_tokens=1_000_000, cache_write_1h_tokens=400_000
    )
    (tiered,) = analyze([row], TIERED).models
    assert tiered.spend_priced == Decimal("3.1")
    (plain,) = analyze([row._replace(model="plain")], TIERED).models
    assert plain.spend_priced == Decimal(2)  # no cache-write prices at all: the input price
    assert plain.note == "1-hour cache writes priced at the cache-write price: no 1-hour price in the table"


def test_litellm_cache_hits_cost_nothing_and_are_counted_apart() -> None:
    rows = [
        LogRecord("log", 1, "tiered", input_tokens=1_000_000, output_tokens=1_000_000, cost=Decimal(10)),
        LogRecord("log", 2, "tiered", input_tokens=1_000_000, output_tokens=1_000_000, cost=Decimal(0), cache_hit=True),
    ]
    (tiered,) = analyze(rows, TIERED).models
    assert (tiered.spend_logged, tiered.spend_priced) == (Decimal(10), Decimal(10))
    assert tiered.note == "1 request served from LiteLLM's cache (no provider call: priced at 0)"
