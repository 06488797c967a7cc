"""A calibration as a scenario file: YAML text with every measured value's sample and interval beside it. Pure.

Written by hand rather than by a YAML library, for the comments. Names are
written as JSON strings (valid YAML whatever they hold); numbers as exact
decimals. A rate is ``{measured: 0.85, n: 412, successes: 350}`` — what the
scenario format reads as a measured rate (docs/scenario.md) — with the comment
``# measured: 412 prompts, 95% CI 0.81–0.88, run 20261124T101500Z``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal

from routecli.calibrate.measure import Calibration, TierMeasure
from routecli.calibrate.rates import Mean, Rate, exact
from routecli.pricing.prices import ModelPrice, TokenRates, decimal_text

__all__ = ["EVALUATOR_RATES", "REPLAYED", "TOP_TIER", "replayed_type", "scenario_text"]

REPLAYED = "replayed"
TOP_TIER = "top-tier"
EVALUATOR_RATES = "replayed-tpr-fpr"
_STRATEGY_TYPES = {"single": "single", "route": "route", "cascade": "cascade", "route+cascade": "hybrid"}


def _name(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _number(value: Decimal) -> str:
    return decimal_text(value)


class _Writer:
    """Lines of YAML, the measured values' comments, and a warning for each measured on too few prompts."""

    def __init__(self, calibration: Calibration, min_prompts: int) -> None:
        self.lines: list[str] = []
        self.warnings: list[str] = []
        self.run = "+".join(calibration.runs)
        self.min_prompts = min_prompts

    def add(self, depth: int, text: str, comment: str | None = None) -> None:
        self.lines.append("  " * depth + text + ("" if comment is None else f"  # {comment}"))

    def note(self, n: int, noun: str, low: float, high: float, where: str, places: int = 2) -> str:
        """The comment beside a measured value; a value measured on fewer than ``min_prompts`` is warned about."""
        noun = noun.removesuffix("s") if n == 1 else noun  # 1 prompt, 1 call; nouns here are plain plurals
        note = f"measured: {n} {noun}, 95% CI {low:.{places}f}–{high:.{places}f}, run {self.run}"
        if n < self.min_prompts:
            note += f"; fewer than {self.min_prompts}"
            self.warnings.append(f"{where} ({n})")
        return note

    def rate(self, depth: int, key: str, rate: Rate, where: str, pooled: bool = False) -> None:
        low, high = rate.interval()
        note = self.note(rate.n, "prompts", low, high, where)
        if pooled:
            note += " (pooled over segments: none measured on this one)"
        self.add(depth, f"{key}: {{measured: {_number(rate.value)}, n: {rate.n}, successes: {rate.successes}}}", note)

    def mean(self, depth: int, key: str, mean: Mean, noun: str, where: str, places: int = 1) -> None:
        low, high = mean.interval()
        self.add(depth, f"{key}: {_number(mean.value)}", self.note(mean.n, noun, low, high, where, places))


def _rates(price: TokenRates) -> str:
    parts = [f"input_per_mtok: {_number(price.input)}", f"output_per_mtok: {_number(price.output)}"]
    if price.cached_input is not None:
        parts.append(f"cached_input_per_mtok: {_number(price.cached_input)}")
    if price.cache_write is not None:
        parts.append(f"cache_write_per_mtok: {_number(price.cache_write)}")
    return ", ".join(parts)


def _price(price: ModelPrice) -> str:
    parts = [_rates(price.standard)]
    if price.per_request:
        parts.append(f"per_request: {_number(price.per_request)}")
    if price.batch is not None:
        parts.append(f"batch: {{{_rates(price.batch)}}}")
    if price.long_context is not None:
        parts.append(
            f"long_context: {{above_tokens: {price.long_context.above_tokens}, {_rates(price.long_context.rates)}}}"
        )
    return "{" + ", ".join(parts) + "}"


def _tier(out: _Writer, tier: TierMeasure, segments: list[str]) -> None:
    name = tier.info.name
    out.add(1, f"{_name(name)}:")
    model = f"{tier.info.model} ({tier.info.provider}); prices as the replay's log recorded them"
    out.add(2, f"description: {_name(model)}")
    out.add(2, f"price: {_price(tier.info.price)}")
    pooled = tier.quality_all
    if pooled is not None:
        out.add(2, "quality:")
        for segment in segments:
            rate = tier.quality.get(segment)
            where = f"models.{name}.quality.{segment}"
            out.rate(3, _name(segment), rate or pooled, where, pooled=rate is None)
    if tier.latency is not None:
        latency = tier.latency
        low, high = latency.calls.interval()
        note = out.note(latency.calls.n, "calls", low, high, f"models.{name}.latency", places=0)
        note = note.replace("measured:", f"fitted to mean latency {float(latency.calls.value):.0f} ms:", 1)
        out.add(
            2, f"latency: {{ttft_ms: {_number(latency.ttft_ms)}, tokens_per_s: {_number(latency.tokens_per_s)}}}", note
        )
    if tier.input_tokens:
        out.add(2, "tokens:", "mean tokens of a call on this tier, per segment (an escalated prompt's own)")
        for segment in segments:
            if segment not in tier.input_tokens:
                continue
            inputs, outputs = tier.input_tokens[segment], tier.output_tokens[segment]
            low, high = outputs.interval()
            note = out.note(outputs.n, "calls", low, high, f"models.{name}.tokens.{segment}", places=1)
            note = note.replace("95% CI", "output 95% CI", 1)
            counts = f"{{input_tokens: {_number(inputs.value)}, output_tokens: {_number(outputs.value)}}}"
            out.add(3, f"{_name(segment)}: {counts}", note)


def _routes(calibration: Calibration, segments: list[str]) -> tuple[dict[str, str], dict[str, Mapping[str, int]]]:
    """Each segment's most frequent tier, and the confusion rows (a segment the router never saw: all rows pooled)."""
    confusion = dict(calibration.confusion or {})
    pooled: Counter[str] = Counter()
    for row in confusion.values():
        pooled.update(row)
    rows = {segment: confusion.get(segment, pooled) for segment in segments}
    routes = {segment: max(row, key=lambda tier: (row[tier], tier)) for segment, row in rows.items()}
    return routes, rows


def _router(out: _Writer, calibration: Calibration, segments: list[str], name: str) -> None:
    routes, rows = _routes(calibration, segments)
    out.add(
        2,
        "routes: {" + ", ".join(f"{_name(s)}: {_name(routes[s])}" for s in segments) + "}",
        "each segment's most frequent tier",
    )
    out.add(2, "router:")
    out.add(3, "confusion:", "P(decided tier | segment), as the router decided")
    for segment in segments:
        row = rows[segment]
        total = sum(row.values())
        out.add(4, f"{_name(segment)}:")
        for tier in sorted(row):
            out.rate(5, _name(tier), Rate(row[tier], total), f"strategies.{name}.router.confusion.{segment}.{tier}")
    if calibration.router_cost is not None:
        out.mean(
            3, "cost_per_request", calibration.router_cost, "routed prompts", f"strategies.{name}.router", places=6
        )


def _chain(out: _Writer, calibration: Calibration, segments: list[str], name: str, rates: bool) -> None:
    tiers = {tier.info.name: tier for tier in calibration.tiers}
    if calibration.all_tiers:  # what the run did: every tier asked, the top tier's answer served
        out.add(2, "chain: [" + ", ".join(_name(tier) for tier in tiers) + "]", "--all-tiers: every tier answered")
        accept = ", ".join(f"{_name(tier)}: 0" for tier in list(tiers)[:-1])
        out.add(2, f"accept: {{{accept}}}", "every prompt went on to the next tier")
        return
    chain = calibration.chain
    out.add(2, "chain: [" + ", ".join(_name(tier) for tier in chain) + "]")
    if not rates:
        out.add(2, "accept:", "share of the prompts reaching a step that its evaluators accepted")
        for step in chain[:-1]:
            tier = tiers[step]
            pooled = tier.accept_all
            if pooled is None:
                out.add(3, f"{_name(step)}: 0", "not measured: no prompt was judged at this step")
                continue
            out.add(3, f"{_name(step)}:")
            for segment in segments:
                rate = tier.accept.get(segment)
                where = f"strategies.{name}.accept.{step}.{segment}"
                out.rate(4, _name(segment), rate or pooled, where, pooled=rate is None)
    out.add(2, "evaluator:")
    if calibration.evaluator_cost is not None:
        out.add(
            3,
            f"cost_per_request: {_number(exact(calibration.evaluator_cost.value))}",
            f"judge calls per judged answer: {calibration.evaluator_cost.n} judged answers",
        )
    if calibration.evaluator_latency is not None:
        out.add(3, f"latency_ms: {_number(calibration.evaluator_latency.value)}")
    if rates and calibration.tpr is not None and calibration.fpr is not None:
        out.rate(3, "tpr", calibration.tpr, f"strategies.{name}.evaluator.tpr")
        out.rate(3, "fpr", calibration.fpr, f"strategies.{name}.evaluator.fpr")


def _cache(out: _Writer, calibration: Calibration, segments: list[str], name: str) -> None:
    hits = calibration.cache_hits
    if hits is None:
        return
    out.add(2, "semantic_cache:")
    out.add(3, "hit_rate:")
    for segment in segments:
        out.rate(4, _name(segment), hits[segment], f"strategies.{name}.semantic_cache.hit_rate.{segment}")
    if calibration.cache_lookup_cost is not None:
        out.add(
            3,
            f"lookup_cost_per_request: {_number(calibration.cache_lookup_cost.value)}",
            "the prompt's embedding, per prompt",
        )


def _strategy(
    out: _Writer, calibration: Calibration, segments: list[str], name: str, kind: str, rates: bool = False
) -> None:
    out.add(1, f"- name: {_name(name)}")
    out.add(2, f"type: {kind}")
    if kind == "single":
        out.add(2, f"model: {_name(calibration.single or calibration.top)}")
    if kind in ("route", "hybrid"):
        _router(out, calibration, segments, name)
    if kind in ("cascade", "hybrid"):
        _chain(out, calibration, segments, name, rates)
    _cache(out, calibration, segments, name)


def replayed_type(calibration: Calibration) -> str:
    if calibration.all_tiers:
        return "cascade" if len(calibration.tiers) >= 2 else "single"
    return _STRATEGY_TYPES.get(calibration.setup, "single")


def scenario_text(
    calibration: Calibration, requests_per_month: Decimal | None = None, min_prompts: int = 30
) -> tuple[str, list[str]]:
    """The scenario's YAML text, and the key paths (with their sample sizes) of the values measured on fewer than
    ``min_prompts``."""
    out = _Writer(calibration, min_prompts)
    segments = [segment.name for segment in calibration.segments]
    sources = ", ".join(calibration.sources)
    out.add(
        0,
        f"# Calibrated by `routecli calibrate` from {sources} (run {out.run}): "
        f"{calibration.prompts} prompts answered"
        + (f", {calibration.failed} failed" if calibration.failed else "")
        + ".",
    )
    out.add(
        0, "# A measured rate is {measured, n, successes}: simulate uses the rate, simulate --samples draws it from its"
    )
    out.add(
        0, "# Beta(successes + 1/2, n - successes + 1/2) posterior. Intervals: Wilson's for rates, normal for means."
    )
    out.add(0, f"name: {_name('calibrated from ' + sources)}")
    out.add(0, "traffic:")
    if requests_per_month is None:
        out.add(1, f"requests_per_month: {calibration.prompts}", "the replay's own volume")
    else:
        out.add(1, f"requests_per_month: {_number(requests_per_month)}")
    by = {"none": "one segment", "label": "the prompts' labels", "router": "the router's decisions"}
    out.add(1, "segments:", "by " + by.get(calibration.segment_by, calibration.segment_by))
    for segment in calibration.segments:
        out.add(2, f"- name: {_name(segment.name)}")
        out.add(3, f"share: {_number(segment.share)}", f"{segment.prompts} of {calibration.prompts} prompts")
        for key, mean in (("input_tokens", segment.input_tokens), ("output_tokens", segment.output_tokens)):
            if mean is None:
                out.add(3, f"{key}: 0", "no prompt of this segment reached a model")
            else:
                out.mean(3, key, mean, "prompts", f"traffic.segments.{segment.name}.{key}")
    out.add(0, "models:")
    for tier in calibration.tiers:
        _tier(out, tier, segments)
    out.add(0, "strategies:")
    kind = replayed_type(calibration)
    _strategy(out, calibration, segments, REPLAYED, kind)
    tiers = {tier.info.name: tier for tier in calibration.tiers}
    if (
        kind in ("cascade", "hybrid")
        and calibration.tpr is not None
        and calibration.fpr is not None
        and all(tiers[step].quality_all is not None for step in calibration.chain[:-1])
    ):
        _strategy(out, calibration, segments, EVALUATOR_RATES, kind, rates=True)
    if calibration.all_tiers:
        for tier in calibration.tiers:
            out.add(1, f"- {{name: {_name('only-' + tier.info.name)}, type: single, model: {_name(tier.info.name)}}}")
    out.add(1, f"- {{name: {TOP_TIER}, type: single, model: {_name(calibration.top)}}}")
    out.add(0, f"baseline: {TOP_TIER}")
    return "\n".join(out.lines) + "\n", out.warnings
