"""What a log of LLM requests says: volume, spend by model, segments, caching, repeats, latency. Pure: no I/O.

``Accumulator`` is fed ``LogRecord``s one by one (``add``) or many at once (``feed``,
the fast path) and finished into an ``Analysis``: the one result every renderer and
writer reads. Records are buffered (their counts, not their text) and folded into
totals with numpy every ``CHUNK`` rows, so memory stays flat as a log grows: token
counts and latencies are kept as exact integer histograms (value → count) per segment
and per model, never as one value per row. Only the text measures keep something per row — a
hash for exact repeats and prefixes — and near repeats look at a seeded
uniform sample of at most ``NEAR_SAMPLE`` prompts (``duplicates.near_repeats``).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from routecli.analyze.duplicates import NEAR_SAMPLE, NearMethod, near_repeats, repeat_count
from routecli.analyze.records import LogRecord, prompt_text
from routecli.pricing.prices import ModelPrice, PriceTable, ServiceTier, usage_cost

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "CACHE_HIT",
    "CHUNK",
    "DAY",
    "MONTH_DAYS",
    "NO_MODEL",
    "NO_TEXT",
    "PREFIX_CHARS",
    "Accumulator",
    "Analysis",
    "Duplicates",
    "Latency",
    "ModelDay",
    "ModelSummary",
    "PeakHour",
    "Period",
    "Segment",
    "Segmenter",
    "TokenStats",
    "analyze",
    "histogram_stats",
    "long_above",
    "resolve_price",
]

CHUNK = 65_536
"""Rows buffered before they are folded into the totals."""
DAY = 86_400.0
MONTH_DAYS = 30
"""A month is 30 days, as in ``simulate``."""
PREFIX_CHARS = 4_096
"""A shared prefix is this many characters of prompt text (~1,024 tokens at ~4 characters a token): the
shortest prompt OpenAI's and Anthropic's prompt caches take."""
NO_MODEL = "(no model)"
"""The model name of rows whose log names none."""
NO_TEXT = "(no text)"
"""The segment of requests without prompt text, where segmenting needs it (``complexity``, ``router:``)."""
CACHE_HIT = "cache hit"
"""How a request served from LiteLLM's response cache was billed: not at all."""
_PRICED_TIERS: dict[str, ServiceTier] = {"batch": "batch", "flex": "flex", "priority": "priority"}
_MILLION = Decimal(1_000_000)
_DATED = re.compile(r"(-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8}|-\d{4})$")


class Period(NamedTuple):
    """The time the log covers: first and last request start (epoch seconds, UTC).

    ``days`` is the span in days plus one mean gap between requests (N timed requests cover N intervals), at
    least 1 (a log of one busy hour is read as one day's traffic, not extrapolated 24-fold); None when no row has a
    time.
    """

    start: float | None
    end: float | None
    days: float | None


class PeakHour(NamedTuple):
    """The clock hour (its start, epoch seconds UTC) with the most requests."""

    start: float
    requests: int


class TokenStats(NamedTuple):
    """Mean and percentiles of a token count over requests (percentiles interpolate between ranks, as numpy's)."""

    mean: float
    p50: float
    p95: float
    p99: float


class Latency(NamedTuple):
    """Latency percentiles in milliseconds, over the requests whose log has one (whole milliseconds)."""

    p50: float
    p95: float
    requests: int


class ModelSummary(NamedTuple):
    """One model's traffic, tokens and spend."""

    model: str
    requests: int
    input_tokens: int
    cached_tokens: int
    cache_write_tokens: int
    output_tokens: int
    reasoning_tokens: int
    spend_logged: Decimal | None
    """Sum of the costs the log recorded; None when no row of this model had one."""
    rows_without_cost: int
    spend_priced: Decimal | None
    """What routecli's price tables say these requests cost; None when no table prices the model."""
    priced_as: str | None
    """The price-table entry that priced it (``gpt-4o-mini`` for ``openai/gpt-4o-mini-2024-07-18``)."""
    note: str | None
    """Why logged and priced spend differ, or why there is no priced spend."""
    errors: int
    latency: Latency | None

    @property
    def error_share(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    @property
    def spend_difference(self) -> Decimal | None:
        """Logged minus priced spend, over the same requests; None unless both are known for every row."""
        if self.spend_logged is None or self.spend_priced is None or self.rows_without_cost:
            return None
        return self.spend_logged - self.spend_priced


class Segment(NamedTuple):
    """A kind of request (``--segment-by``): its share of requests and its token distributions."""

    name: str
    requests: int
    share: float
    input_tokens: TokenStats
    output_tokens: TokenStats


class Duplicates(NamedTuple):
    """How much of the traffic repeats (over the requests with prompt text); every share None without text."""

    requests_with_text: int
    exact_share: float | None
    """Requests whose prompt text appeared earlier in the log, word for word."""
    near_share: float | None
    """Requests whose prompt nearly repeats an earlier one (exact repeats included), estimated by MinHash."""
    prefix_share: float | None
    """Requests whose first ``PREFIX_CHARS`` characters equal an earlier request's: the prompt-caching opportunity."""
    near_method: NearMethod | None


class ModelDay(NamedTuple):
    """One model's requests and priced spend on one UTC day (``day`` = epoch seconds of its midnight)."""

    day: float
    model: str
    requests: int
    spend_priced: Decimal | None


class Analysis(NamedTuple):
    """Everything ``routecli analyze`` reports; renderers and writers read only this."""

    requests: int
    period: Period
    requests_per_day: float | None
    requests_per_month: float | None
    peak_hour: PeakHour | None
    models: tuple[ModelSummary, ...]
    segment_by: str
    segments: tuple[Segment, ...]
    segments_note: str | None
    """Why segments are missing or coarse (``complexity`` on a log without text)."""
    input_tokens: int
    cached_tokens: int
    cached_share: float | None
    """Share of input tokens read from a prompt cache."""
    spend_logged: Decimal | None
    spend_priced: Decimal | None
    """Priced spend of the models routecli prices; None when it prices none of them."""
    unpriced_requests: int
    monthly_spend_priced: Decimal | None
    errors: int
    duplicates: Duplicates
    by_day: tuple[ModelDay, ...]
    formats: tuple[tuple[str, str], ...] = ()
    """Each file read and the format it was read as (set by the reading side)."""
    skipped: tuple[tuple[str, int], ...] = ()
    """Rows skipped with ``--skip-invalid``, by reason (set by the reading side)."""

    @property
    def error_share(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


Segmenter = Callable[[LogRecord], str]
"""The segment of a request (``--segment-by``); built by the caller (``analyze.segments``)."""


def resolve_price(table: PriceTable, model: str) -> ModelPrice | None:
    """The price-table entry for a model name as logs write it, or None.

    Tried in turn: the name as it is; without a provider prefix (``openai/gpt-4o-mini``,
    ``bedrock/…``, the last part); then each of those without a date or version suffix
    (``-2024-07-18``, ``-20241022``, ``@20241022``, ``-0613``).
    """
    names = [model]
    if "/" in model:
        names.append(model.rsplit("/", 1)[1])
    names += [_DATED.sub("", name) for name in names if _DATED.search(name)]
    for name in names:
        found = table.get(name)
        if found is not None:
            return found
    return None


class _Sums:
    """Token sums of one model (long-context requests apart), per UTC day."""

    __slots__ = ("cost", "days", "errors", "latency", "special", "without_cost")

    def __init__(self) -> None:
        self.days: dict[
            tuple[int, bool], list[int]
        ] = {}  # (day, long) -> [requests, in, cached, written, out, reasoning]
        self.cost = Decimal(0)
        self.without_cost = 0
        self.errors = 0
        self.latency: dict[int, int] = {}
        self.special: dict[tuple[int, bool, str], list[int]] = {}
        """Rows billed otherwise than ``days`` prices them: (day, long, batch/flex/priority/cache hit/standard with
        1-hour cache writes) -> [requests, in, cached, written, out, reasoning, written for an hour]. Also in ``days``:
        their price is ``days``' standard one corrected (``_repriced``)."""


class Accumulator:
    """Folds records into totals; ``finish`` makes the ``Analysis``.

    ``segmenter`` names each record's segment (default: its model); ``long_above`` gives, per model name,
    the prompt size above which long-context rates apply (so priced spend stays exact without keeping rows).
    """

    def __init__(
        self,
        segment_by: str = "model",
        segmenter: Segmenter | None = None,
        *,
        long_above: Callable[[str], int | None] = lambda model: None,
        near_sample: int = NEAR_SAMPLE,
        seed: int = 0,
    ) -> None:
        self.segment_by = segment_by
        self._segmenter = segmenter
        self._long_above = long_above
        self._models: dict[str, int] = {}
        self._thresholds: list[int] = []
        self._segments: dict[str, int] = {}
        self._sums: list[_Sums] = []
        self._requests = 0
        self._histograms: dict[tuple[int, bool], dict[int, int]] = {}  # (segment, output?) -> value -> count
        self._hours: dict[int, int] = {}
        self._start: float | None = None
        self._end: float | None = None
        self._text_hashes: list[int] = []
        self._prefix_hashes: list[int] = []
        self._near_sample = near_sample
        self._sample: list[tuple[int, str]] = []
        self._random = random.Random(seed)
        self._raw_models: dict[str | None, int] = {}
        """Each model name as logged (None and "" too) to its index in ``_models``."""
        self._buffer: list[tuple[object, ...]] = []
        """The records not folded yet, each cut to its first 13 fields (no text, ids or metadata kept)."""
        self._segment_col: list[int] = []

    def add(self, record: LogRecord) -> None:
        """Count one record."""
        self.feed((record,))

    def feed(self, records: Iterable[LogRecord]) -> None:
        """Count many records: the hot loop of a large log. Records are buffered (their first 13 fields) and folded
        into the totals a chunk at a time (columns by ``zip``, sums by numpy): per record only its segment and its
        prompt text are looked at."""
        buffer = self._buffer
        append = buffer.append
        segmenter, segment_col = self._segmenter, self._segment_col
        text_hashes, prefix_hashes = self._text_hashes, self._prefix_hashes
        sample, limit, rand = self._sample, self._near_sample, self._random.random
        prefix_chars = PREFIX_CHARS
        for record in records:
            append(record[:13])
            if record.service_tier is not None or record.cache_hit or record.cache_write_1h_tokens:
                index = self._model_codes([record.model])[0]
                self._special(self._sums[index], index, record)
            if segmenter is not None:
                segment_col.append(self._segment_code(segmenter(record)))
            messages = record[14]
            if messages:
                try:  # plain text messages, the common case: what prompt_text gives, without its checks
                    text = "\n".join([message["role"] + ": " + message["content"] for message in messages])
                except (KeyError, TypeError):
                    text = prompt_text(messages)
                text_hashes.append(hash(text))
                if len(text) >= prefix_chars:
                    prefix_hashes.append(hash(text[:prefix_chars]))
                seen = len(text_hashes)
                if seen <= limit:
                    sample.append((seen, text))
                elif rand() * seen < limit:
                    sample[int(rand() * limit)] = (seen, text)
            if len(buffer) >= CHUNK:
                self._fold()

    def _model_codes(self, names: Sequence[str | None]) -> list[int]:
        """Each row's model index, models first seen here added (a name the log leaves out is ``NO_MODEL``)."""
        raw = self._raw_models
        for name in dict.fromkeys(names):  # in order of first appearance
            if name not in raw:
                model = name or NO_MODEL
                index = self._models.get(model)
                if index is None:
                    index = self._models[model] = len(self._models)
                    self._sums.append(_Sums())
                    self._thresholds.append(self._long_above(model) or -1)
                raw[name] = index
        return list(map(raw.__getitem__, names))

    def _segment_code(self, segment: str) -> int:
        position = self._segments.get(segment)
        if position is None:
            position = self._segments[segment] = len(self._segments)
        return position

    def _special(self, model_sums: _Sums, index: int, record: LogRecord) -> None:
        """A row billed otherwise than at standard rates, kept apart by day, long context and how it was billed."""
        threshold = self._thresholds[index]
        long = threshold >= 0 and record.input_tokens > threshold
        day = -1 if record.start is None else math.floor(record.start / DAY)
        kind = CACHE_HIT if record.cache_hit else (record.service_tier or "standard")
        found = model_sums.special.setdefault((day, long, kind), [0] * 7)
        for position, value in enumerate(
            (
                1,
                record.input_tokens,
                record.cached_tokens,
                record.cache_write_tokens,
                record.output_tokens,
                record.reasoning_tokens,
                record.cache_write_1h_tokens,
            )
        ):
            found[position] += value

    def _fold(self) -> None:
        """The buffered records into the totals, with numpy, then the buffer emptied."""
        import numpy as np

        buffer = self._buffer
        rows = len(buffer)
        if not rows:
            return
        self._requests += rows
        _, _, names, starts, _, tokens_in, cached, written, tokens_out, reasoning, costs, latencies, errors = zip(
            *buffer, strict=True
        )
        codes = self._model_codes(names)
        sums = self._sums
        if costs.count(None) != rows:
            for code, cost in zip(codes, costs, strict=True):
                if cost is None:
                    sums[code].without_cost += 1
                else:
                    sums[code].cost += cost
        else:
            for code, without in enumerate(np.bincount(codes, minlength=len(sums)).tolist()):
                sums[code].without_cost += without
        if errors.count(None) != rows:
            for code, error in zip(codes, errors, strict=True):
                if error is not None:
                    sums[code].errors += 1
        if latencies.count(None) != rows:
            for code, latency in zip(codes, latencies, strict=True):
                if latency is not None:
                    histogram = sums[code].latency
                    key = round(latency)
                    histogram[key] = histogram.get(key, 0) + 1
        model = np.asarray(codes, dtype=np.int64)
        if self._segmenter is None:
            segment = model
            self._segments = dict(self._models)
        else:
            segment = np.asarray(self._segment_col, dtype=np.int64)
            self._segment_col.clear()
        if starts.count(None):
            starts = tuple(math.nan if start is None else start for start in starts)
        start = np.asarray(starts, dtype=np.float64)
        tokens = np.array([tokens_in, cached, written, tokens_out, reasoning], dtype=np.int64)
        timed = ~np.isnan(start)
        if timed.any():
            first, last = float(start[timed].min()), float(start[timed].max())
            self._start = first if self._start is None else min(self._start, first)
            self._end = last if self._end is None else max(self._end, last)
        day = np.where(timed, np.floor(np.nan_to_num(start) / DAY), -1).astype(np.int64)
        hour = np.floor(start[timed] / 3600).astype(np.int64)
        _merge(self._hours, *np.unique(hour, return_counts=True))
        long = tokens[0] > np.asarray(self._thresholds, dtype=np.int64)[model]
        long &= np.asarray(self._thresholds, dtype=np.int64)[model] >= 0
        # one group per (model, day, long): request counts and token sums
        key = (model * (1 << 40) + (day + 1)) * 2 + long
        groups, inverse = np.unique(key, return_inverse=True)
        counts = np.bincount(inverse, minlength=len(groups))
        totals = [np.bincount(inverse, weights=column, minlength=len(groups)) for column in tokens]
        for position, group in enumerate(groups.tolist()):
            group_long = bool(group & 1)
            model_index, day_index = divmod(group >> 1, 1 << 40)
            day_sums = self._sums[model_index].days.setdefault((day_index - 1, group_long), [0] * 6)
            day_sums[0] += int(counts[position])
            for column, total in enumerate(totals, start=1):
                day_sums[column] += int(total[position])
        for output, column in ((False, tokens[0]), (True, tokens[3])):
            pairs = segment * (1 << 40) + column
            values, value_counts = np.unique(pairs, return_counts=True)
            seg_of, value_of = np.divmod(values, 1 << 40)
            for index, value, count in zip(seg_of.tolist(), value_of.tolist(), value_counts.tolist(), strict=True):
                histogram = self._histograms.setdefault((index, output), {})
                histogram[value] = histogram.get(value, 0) + count
        buffer.clear()  # emptied in place: ``feed`` holds it as a local

    def finish(self, table: PriceTable) -> Analysis:
        """The analysis of every record fed so far, priced by ``table``."""
        self._fold()
        requests = self._requests
        period = _period(self._start, self._end, sum(self._hours.values()))
        per_day = requests / period.days if period.days else None
        models = tuple(
            sorted(
                (self._model_summary(name, self._sums[index], table) for name, index in self._models.items()),
                key=lambda summary: (-summary.requests, summary.model),
            )
        )
        segments = self._segment_list(requests)
        segments_note = None
        without_text = sum(segment.requests for segment in segments if segment.name == NO_TEXT)
        if without_text:
            segments_note = (
                f"{without_text} of {requests} requests have no prompt text: --segment-by {self.segment_by} reads it"
            )
        input_tokens = sum(model.input_tokens for model in models)
        cached = sum(model.cached_tokens for model in models)
        logged = [model.spend_logged for model in models if model.spend_logged is not None]
        priced = [model.spend_priced for model in models if model.spend_priced is not None]
        spend_priced = sum(priced, Decimal(0)) if priced else None
        monthly = None
        if spend_priced is not None and period.days:
            monthly = spend_priced * MONTH_DAYS / Decimal(repr(period.days))
        peak = None
        if self._hours:
            hour, count = max(self._hours.items(), key=lambda item: (item[1], -item[0]))
            peak = PeakHour(hour * 3600.0, count)
        return Analysis(
            requests=requests,
            period=period,
            requests_per_day=per_day,
            requests_per_month=per_day * MONTH_DAYS if per_day is not None else None,
            peak_hour=peak,
            models=models,
            segment_by=self.segment_by,
            segments=segments,
            segments_note=segments_note,
            input_tokens=input_tokens,
            cached_tokens=cached,
            cached_share=cached / input_tokens if input_tokens else None,
            spend_logged=sum(logged, Decimal(0)) if logged else None,
            spend_priced=spend_priced,
            unpriced_requests=sum(model.requests for model in models if model.spend_priced is None),
            monthly_spend_priced=monthly,
            errors=sum(model.errors for model in models),
            duplicates=self._duplicates(),
            by_day=self._by_day(table),
        )

    def _model_summary(self, name: str, sums: _Sums, table: PriceTable) -> ModelSummary:
        columns = [sum(day[column] for day in sums.days.values()) for column in range(6)]
        requests, tokens_in, cached, written, tokens_out, reasoning = columns
        price = resolve_price(table, name) if name != NO_MODEL else None
        priced = (
            None if price is None else sum((_priced(price, key[1], day) for key, day in sums.days.items()), Decimal(0))
        )
        if price is not None and priced is not None:
            priced += sum(
                (_repriced(price, long, kind, rows) for (_, long, kind), rows in sums.special.items()), Decimal(0)
            )
        logged = sums.cost if sums.without_cost < requests else None
        note = _spend_note(name, price, logged, priced, sums.without_cost, requests, _billing_notes(price, sums))
        return ModelSummary(
            model=name,
            requests=requests,
            input_tokens=tokens_in,
            cached_tokens=cached,
            cache_write_tokens=written,
            output_tokens=tokens_out,
            reasoning_tokens=reasoning,
            spend_logged=logged,
            rows_without_cost=sums.without_cost,
            spend_priced=priced,
            priced_as=None if price is None else price.id,
            note=note,
            errors=sums.errors,
            latency=_latency(sums.latency),
        )

    def _segment_list(self, requests: int) -> tuple[Segment, ...]:
        found = []
        for name, index in self._segments.items():
            inputs = self._histograms.get((index, False))
            outputs = self._histograms.get((index, True))
            if not inputs or not outputs:
                continue
            count = sum(inputs.values())
            found.append(Segment(name, count, count / requests, histogram_stats(inputs), histogram_stats(outputs)))
        return tuple(sorted(found, key=lambda segment: (-segment.requests, segment.name)))

    def _duplicates(self) -> Duplicates:
        with_text = len(self._text_hashes)
        if not with_text:
            return Duplicates(0, None, None, None, None)
        sample = [text for _, text in sorted(self._sample)]
        near_count, method = near_repeats(sample)
        return Duplicates(
            requests_with_text=with_text,
            exact_share=repeat_count(self._text_hashes) / with_text,
            near_share=near_count / len(sample) if sample else None,
            prefix_share=repeat_count(self._prefix_hashes) / with_text,
            near_method=method._replace(sampled=len(sample)),
        )

    def _by_day(self, table: PriceTable) -> tuple[ModelDay, ...]:
        rows: dict[tuple[int, str], tuple[int, Decimal | None]] = {}
        for name, index in self._models.items():
            price = resolve_price(table, name) if name != NO_MODEL else None
            for (day, long), sums in self._sums[index].days.items():
                if day < 0:
                    continue
                count, spend = rows.get((day, name), (0, None if price is None else Decimal(0)))
                if spend is not None and price is not None:
                    spend += _priced(price, long, sums)
                rows[(day, name)] = (count + sums[0], spend)
            for (day, long, kind), special in self._sums[index].special.items():
                count, spend = rows[(day, name)] if day >= 0 else (0, None)
                if spend is not None and price is not None:
                    rows[(day, name)] = (count, spend + _repriced(price, long, kind, special))
        return tuple(ModelDay(day * DAY, name, count, spend) for (day, name), (count, spend) in sorted(rows.items()))


def analyze(
    records: Iterable[LogRecord],
    table: PriceTable,
    *,
    segment_by: str = "model",
    segmenter: Segmenter | None = None,
) -> Analysis:
    """The analysis of ``records``, priced by ``table``: the one call a command makes."""
    accumulator = Accumulator(segment_by, segmenter, long_above=long_above(table))
    accumulator.feed(records)
    return accumulator.finish(table)


def long_above(table: PriceTable) -> Callable[[str], int | None]:
    """Per model name, the prompt size above which ``table``'s long-context rates apply (None: no such rates)."""

    def above(model: str) -> int | None:
        price = resolve_price(table, model)
        return None if price is None or price.long_context is None else price.long_context.above_tokens

    return above


def _merge(histogram: dict[int, int], values: NDArray[np.int64], counts: NDArray[np.int64]) -> None:
    for value, count in zip(values.tolist(), counts.tolist(), strict=True):
        histogram[value] = histogram.get(value, 0) + count


def _priced(price: ModelPrice, long: bool, sums: Sequence[int]) -> Decimal:
    """Exact spend of ``sums[0]`` requests whose tokens add up to ``sums[1:5]``: cost is linear in tokens once
    the rates (standard or long-context) are fixed, plus the per-request fee per request."""
    requests, tokens_in, cached, written, tokens_out = sums[:5]
    if not requests:
        return Decimal(0)
    rates = price.rates(long=True) if long else price.standard
    flat = replace(price, standard=rates, long_context=None)
    return usage_cost(flat, tokens_in, tokens_out, cached, written) + flat.per_request * (requests - 1)


def _repriced(price: ModelPrice, long: bool, kind: str, sums: Sequence[int]) -> Decimal:
    """What rows ``_priced`` priced at standard rates cost more (negative: less) as they were billed: nothing for
    LiteLLM cache hits, their tier's rates (standard where the table has none), 1-hour cache writes at
    ``cache_write_1h`` where the table has it."""
    standard = _priced(price, long, sums)
    if kind == CACHE_HIT:
        return -standard
    tier = _PRICED_TIERS.get(kind, "standard")
    if price.tier_rates(tier) is None:
        tier = "standard"
    rates = price.rates(long=long, tier=tier)
    flat = replace(price, standard=rates, long_context=None)
    requests, tokens_in, cached, written, tokens_out = sums[:5]
    cost = usage_cost(flat, tokens_in, tokens_out, cached, written) + flat.per_request * (requests - 1)
    if price.cache_write_1h is not None and sums[6]:
        cost += sums[6] * (price.cache_write_1h - rates.cache_write_rate) / _MILLION
    return cost - standard


def _billing_notes(price: ModelPrice | None, sums: _Sums) -> list[str]:
    """How many of a model's requests were billed otherwise than at standard rates, and how they were priced."""
    counts: dict[str, int] = {}
    hour_tokens = 0
    for (_, _, kind), rows in sums.special.items():
        counts[kind] = counts.get(kind, 0) + rows[0]
        hour_tokens += rows[6]
    notes = []
    for kind, tier in _PRICED_TIERS.items():
        if counts.get(kind):
            if price is not None and price.tier_rates(tier) is None:
                notes.append(f"{_requests(counts[kind], kind)} priced at standard rates: no {kind} prices in the table")
            else:
                notes.append(f"{_requests(counts[kind])} at {kind} prices")
    if counts.get(CACHE_HIT):
        notes.append(f"{_requests(counts[CACHE_HIT])} served from LiteLLM's cache (no provider call: priced at 0)")
    if hour_tokens and price is not None and price.cache_write_1h is None:
        notes.append("1-hour cache writes priced at the cache-write price: no 1-hour price in the table")
    return notes


def _requests(count: int, kind: str = "") -> str:
    return f"{count} {kind + ' ' if kind else ''}request{'' if count == 1 else 's'}"


def _spend_note(
    name: str,
    price: ModelPrice | None,
    logged: Decimal | None,
    priced: Decimal | None,
    without: int,
    requests: int,
    billing: Sequence[str] = (),
) -> str | None:
    if price is None:
        return "unknown model: no price table has it" if name != NO_MODEL else "the log names no model"
    notes = list(billing)
    if price.id.lower() != name.lower():
        notes.append(f"priced as {price.id}")
    if logged is not None and without:
        notes.append(f"{without} of {requests} rows have no logged cost")
    elif logged is not None and priced is not None and logged != priced:
        base = logged if logged else priced
        gap = abs(logged - priced) / base
        if gap > Decimal("0.01"):
            as_of = f" (table as of {price.source.as_of})" if price.source and price.source.as_of else ""
            direction = "above" if logged > priced else "below"
            notes.append(f"logged spend {gap:.0%} {direction} routecli's price{as_of}: stale price or other rates")
    return "; ".join(notes) or None


def _period(start: float | None, end: float | None, timed: int) -> Period:
    """First to last request plus one mean gap between requests (``span / (timed - 1)``): ``timed`` requests
    cover ``timed`` intervals, not ``timed - 1`` (48 hourly requests are 48 hours of traffic, not 47)."""
    if start is None or end is None:
        return Period(None, None, None)
    span = end - start
    if timed > 1:
        span = span * timed / (timed - 1)
    return Period(start, end, max(span / DAY, 1.0))


def _latency(histogram: Mapping[int, int]) -> Latency | None:
    if not histogram:
        return None
    _, (p50, p95) = _quantiles(histogram, (50, 95))
    return Latency(p50, p95, sum(histogram.values()))


def histogram_stats(histogram: Mapping[int, int]) -> TokenStats:
    """Mean, p50, p95 and p99 of the values a histogram (value → count) counts."""
    mean, (p50, p95, p99) = _quantiles(histogram, (50, 95, 99))
    return TokenStats(mean, p50, p95, p99)


def _quantiles(histogram: Mapping[int, int], quantiles: Sequence[float]) -> tuple[float, list[float]]:
    """The mean and percentiles of the values a histogram counts, exactly what numpy's default (linear)
    percentile of the values listed one by one gives."""
    values = sorted(histogram)
    counts = [histogram[value] for value in values]
    total = sum(counts)
    mean = sum(value * count for value, count in zip(values, counts, strict=True)) / total
    ends = []  # the last rank (0-based) each value holds
    rank = -1
    for count in counts:
        rank += count
        ends.append(rank)

    def at(rank: int) -> int:
        low, high = 0, len(ends) - 1
        while low < high:
            middle = (low + high) // 2
            if ends[middle] >= rank:
                high = middle
            else:
                low = middle + 1
        return values[low]

    found = []
    for q in quantiles:
        position = (total - 1) * q / 100
        low = math.floor(position)
        high = min(low + 1, total - 1)
        found.append(at(low) + (at(high) - at(low)) * (position - low))
    return mean, found
