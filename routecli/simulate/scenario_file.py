"""Scenario files: their spec, the builder that turns checked data into a ``Scenario``, and the loader.

Data flows one way: YAML → ``SCENARIO_SPEC.check`` (shape, key paths) →
``build_scenario`` (cross-references, prices resolved) → ``Scenario``
(``routecli.simulate.scenario``, the types the core consumes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, get_args

from routecli.errors import InvalidValueError, KeyPath
from routecli.loading import YamlDocument, read_yaml
from routecli.pricing.lookup import (
    OWN_PRICE_FILES,
    add_own_price_files,
    deprecation_warnings,
    known_name,
    model_price,
    side_file,
    unknown_name,
)
from routecli.pricing.price_files import PRICE_FIELDS, load_price_files
from routecli.pricing.prices import SERVICE_TIERS, PriceTable, ServiceTier
from routecli.simulate.distributions import (
    Z95,
    Empirical,
    Fixed,
    Independent,
    LogNormal,
    Normal,
    Spread,
    TokenProfile,
    lognormal_sigma,
)
from routecli.simulate.scenario import (
    DEFAULT_DAYS_PER_MONTH,
    DEFAULT_JITTER,
    DEFAULT_TOKENS_PER_S,
    DEFAULT_TTFT_MS,
    INLINE_PRICES,
    EvaluatorRates,
    Growth,
    Measured,
    ModifierKind,
    Modifiers,
    PromptCaching,
    RouterAccuracy,
    Scenario,
    Segment,
    SemanticCacheModifier,
    Strategy,
    StrategyType,
    Tier,
)
from routecli.spec import Bool, Choice, Field, Int, List, Map, Num, Obj, OneOf, Share, Spec, Str, Tagged

if TYPE_CHECKING:
    from routecli.simulate.token_logs import TokenLog

__all__ = [
    "MAX_GROWTH_MONTHS",
    "SCENARIO_SPEC",
    "ScenarioSource",
    "build_scenario",
    "load_scenario",
    "read_scenario",
]

MAX_GROWTH_MONTHS = 120
_CLIPPED_WARNING = 0.01  # warn when a normal's draws fall below zero this often
_OVER_WINDOW = Decimal("0.001")  # warn when this share of a segment's prompts cannot fit a model
_SHARE_TOLERANCE = Decimal("0.000001")
ONE = Decimal(1)
ZERO = Decimal(0)

T = TypeVar("T")


# ------------------------------------------------------------------ the spec

# Bounds far above any real use keep every figure within Decimal's 28 significant digits.
_MAX_REQUESTS = Decimal(10) ** 12
_MAX_TOKENS = Decimal(10) ** 8
_MAX_MS = Decimal(10) ** 8
_MAX_DOLLARS = Decimal(10) ** 4


def _fraction(noun: str, doc: str = "") -> Share:
    """A probability or share, from 0 to 1, or a percentage (``0.9`` and ``"90%"`` alike)."""
    return Share(doc=doc, noun=noun)


def _count(doc: str) -> Num:
    return Num(minimum=0, maximum=_MAX_TOKENS, doc=doc)


_TOKEN_DISTRIBUTION = Tagged(
    "distribution",
    {
        "normal": Obj(
            {
                "distribution": Field(Choice(("normal",)), required=True),
                "mean": Field(_count("Mean count (before clipping negative draws to 0)."), required=True),
                "sd": Field(_count("Standard deviation (or give p95).")),
                "p95": Field(_count("95th percentile, instead of sd.")),
            }
        ),
        "lognormal": Obj(
            {
                "distribution": Field(Choice(("lognormal",)), required=True),
                "mean": Field(_count("Mean count."), required=True),
                "p95": Field(_count("95th percentile: above the mean, at most 3.868 times it."), required=True),
            }
        ),
    },
)


def _tokens(doc: str) -> OneOf:
    return OneOf(
        (_count(doc), _TOKEN_DISTRIBUTION),
        doc=doc + " A number (every request the same), or a mapping with distribution: normal or lognormal.",
    )


_TOKENS_FROM = Str(
    doc="A JSONL or CSV log of observed input/output token counts (relative to this file); "
    "rows with a segment column go to that segment."
)


_PROBABILITY = _fraction("a probability")
_DOLLARS = Num(minimum=0, maximum=_MAX_DOLLARS, noun="an amount in USD")
_MILLISECONDS = Num(minimum=0, maximum=_MAX_MS, noun="a duration in ms")


class _MeasuredRate(Obj):
    """A rate as measured: a mapping with ``measured`` (never taken for a mapping of segment names)."""

    def accepts_type(self, value: Any) -> bool:
        return isinstance(value, Mapping) and MEASURED_KEY in value


MEASURED_KEY = "measured"
_MEASURED = _MeasuredRate(
    {
        MEASURED_KEY: Field(_fraction("a probability", "The measured rate: successes / n."), required=True),
        "n": Field(Int(minimum=1, doc="Requests it was measured on."), required=True),
        "successes": Field(
            Int(minimum=0, doc="Of those, how many succeeded (accepted, good, hit, routed there)."), required=True
        ),
    },
    doc="A measured rate with its counts (routecli calibrate writes these): simulate uses the rate, "
    "simulate --samples draws it from its Beta(successes + 1/2, n - successes + 1/2) posterior.",
)
_RATE = OneOf((_MEASURED, _PROBABILITY), doc="A probability, or a measured rate {measured, n, successes}.")


def _per_segment(doc: str) -> OneOf:
    return OneOf(
        (_MEASURED, _PROBABILITY, Map(_RATE)),
        doc=doc + " One number for every segment, or a mapping of segment name to number; "
        "any number may be a measured rate {measured, n, successes}.",
    )


_SEGMENT = Obj(
    {
        "name": Field(Str(), required=True),
        "share": Field(_fraction("a share", "Share of all requests; shares sum to 1."), required=True),
        "input_tokens": Field(_tokens("Prompt tokens; overrides traffic.input_tokens.")),
        "output_tokens": Field(_tokens("Output tokens; overrides traffic.output_tokens.")),
        "tokens_from": Field(_TOKENS_FROM),
        "description": Field(Str()),
    }
)

_TRAFFIC = Obj(
    {
        "requests_per_month": Field(
            Num(minimum=0, maximum=_MAX_REQUESTS, doc="Requests in a month (or give requests_per_day).")
        ),
        "requests_per_day": Field(
            Num(minimum=0, maximum=_MAX_REQUESTS, doc="Requests in a day; a month is days_per_month days.")
        ),
        "days_per_month": Field(
            Num(minimum=0, maximum=31, exclusive_minimum=True, doc="Days in a month (default 30)."),
            default=DEFAULT_DAYS_PER_MONTH,
        ),
        "input_tokens": Field(_tokens("Prompt tokens per request.")),
        "output_tokens": Field(_tokens("Output tokens per request.")),
        "tokens_from": Field(_TOKENS_FROM),
        "segments": Field(List(_SEGMENT, min_items=1, doc="The traffic mix (default: one segment, 'all').")),
        "growth": Field(
            Obj(
                {
                    "monthly_pct": Field(
                        Num(minimum=-99, maximum=1000, noun="a percentage", doc="Growth per month, in percent."),
                        required=True,
                    ),
                    "months": Field(Int(minimum=1, doc="Months to forecast (at most 120)."), required=True),
                },
                doc="Volume growing month by month: adds a forecast per strategy.",
            )
        ),
        "volume_sd_pct": Field(
            Num(
                minimum=0,
                maximum=100,
                noun="a percentage",
                doc="Month-to-month standard deviation of the volume, in percent (Monte Carlo only).",
            ),
            default=ZERO,
        ),
    },
    doc="How many requests, how long, and in what mix.",
)

_LATENCY = Obj(
    {
        "ttft_ms": Field(Num(minimum=0, maximum=_MAX_MS, doc="Time to first token in ms (default 500).")),
        "tokens_per_s": Field(
            Num(minimum=Decimal("0.01"), maximum=_MAX_MS, doc="Output tokens per second (default 50).")
        ),
        "jitter": Field(
            Num(
                minimum=0,
                maximum=10,
                noun="a coefficient of variation",
                doc="Spread of each call's latency around its mean, as sd/mean (Monte Carlo; default 0.25).",
            )
        ),
    }
)


class _PerSegmentTokens(OneOf):
    """A count for every segment (a number or a distribution), or a mapping of segment name to one."""

    def check(self, value: Any, path: KeyPath) -> Any:
        if isinstance(value, Mapping) and "distribution" not in value:
            return self.options[-1].check(value, path)
        return super().check(value, path)


_REASONING = _PerSegmentTokens(
    (
        _count("Reasoning tokens per call."),
        _TOKEN_DISTRIBUTION,
        Map(_tokens("Reasoning tokens per call in this segment.")),
    ),
    doc="Hidden reasoning (thinking) tokens per call, billed on top of the output at the model's reasoning "
    "price (else its output price) and generated at its output speed: a number, a distribution, or a mapping "
    "of segment name to either.",
)
_SERVICE_TIER = Choice(
    SERVICE_TIERS,
    doc="How calls are served and billed: standard (list price), flex, priority or batch; "
    "the model needs prices for it.",
)

_PROMPT_CACHING = Obj(
    {
        "cached_share": Field(_fraction("a share", "Share of input tokens read from the cache."), required=True),
        "write_share": Field(_fraction("a share", "Share of input tokens written to the cache."), default=ZERO),
        "warm_on_escalation": Field(
            Bool(
                doc="Requests escalated to a tier they did not start on find their prefix cached there too "
                "(default false: they read nothing from the cache and write what they would have read)."
            ),
            default=False,
        ),
    },
    doc="Provider prompt caching; false turns a scenario-wide one off.",
)

_MODEL = Obj(
    {
        "model": Field(Str(doc="A price-table id or alias.")),
        "price": Field(Obj(PRICE_FIELDS, doc="Inline prices; override the table's where both are given.")),
        "quality": Field(_per_segment("Probability that this model's answer is good.")),
        "latency": Field(_LATENCY),
        "service_tier": Field(_SERVICE_TIER),
        "reasoning_tokens": Field(_REASONING),
        "prompt_caching": Field(
            OneOf(
                (_PROMPT_CACHING, Bool()),
                doc="This tier's prompt caching, in every strategy (wins over the strategy's); false: none.",
            )
        ),
        "warm": Field(
            Bool(doc="Requests escalated to this tier find their prefix in its prompt cache (default false).")
        ),
        "tokens": Field(
            Map(
                Obj(
                    {
                        "input_tokens": Field(_count("Mean prompt tokens of a call on this tier."), required=True),
                        "output_tokens": Field(_count("Mean output tokens of a call on this tier."), required=True),
                    }
                ),
                doc="Segment name to the mean token counts of a call on this tier, where they differ from the "
                "segment's (routecli calibrate measures them); segments not named use the segment's counts.",
            )
        ),
        "description": Field(Str()),
    }
)

_SEMANTIC_CACHE = Obj(
    {
        "hit_rate": Field(_per_segment("Share of requests answered from the cache."), required=True),
        "lookup_cost_per_request": Field(_DOLLARS, default=ZERO),
        "lookup_latency_ms": Field(_MILLISECONDS, default=ZERO),
        "hit_quality": Field(_PROBABILITY),
    },
    doc="Semantic cache in front of the strategy; false turns a scenario-wide one off.",
)

_MODIFIER_FIELDS: dict[str, Field] = {
    "semantic_cache": Field(OneOf((_SEMANTIC_CACHE, Bool()))),
    "prompt_caching": Field(OneOf((_PROMPT_CACHING, Bool()))),
    "batch": Field(Bool(doc="Bill at batch prices (the same as service_tier: batch).")),
    "service_tier": Field(_SERVICE_TIER),
}

_ROUTER = Obj(
    {
        "accuracy": Field(_fraction("a probability", "P(a request goes to its segment's route).")),
        "confusion": Field(Map(Map(_RATE), doc="P(tier | segment) per segment, instead of accuracy.")),
        "cost_per_request": Field(_DOLLARS, default=ZERO),
        "latency_ms": Field(_MILLISECONDS, default=ZERO),
    }
)

_EVALUATOR = Obj(
    {
        "cost_per_request": Field(_DOLLARS, default=ZERO),
        "latency_ms": Field(_MILLISECONDS, default=ZERO),
        "tpr": Field(OneOf((_MEASURED, _fraction("a probability")), doc="P(accept | answer good).")),
        "fpr": Field(OneOf((_MEASURED, _fraction("a probability")), doc="P(accept | answer bad).")),
    }
)


def _strategy(kind: str, fields: dict[str, Field], doc: str, aliases: dict[str, str] | None = None) -> Obj:
    return Obj(
        {
            "name": Field(Str(), required=True),
            "type": Field(Choice((kind,)), required=True),
            "description": Field(Str()),
            **fields,
            **_MODIFIER_FIELDS,
        },
        doc=doc,
        aliases=aliases,
        synonyms=_ROUTER_CONFIG_WORDS,
    )


_ROUTER_CONFIG_WORDS = {"routing": "routes", "rules": "routes", "cascade": "chain"}
"""A router config's words for what a scenario spells differently, for "unknown key … did you mean"."""


_ROUTES = Map(Str(), doc="segment name to tier name")
_CHAIN = List(Str(), min_items=1, doc="tier names in escalation order; the last always answers")
_ACCEPT = Map(_per_segment("Share of requests reaching this step that it accepts."))

_STRATEGY = Tagged(
    "type",
    {
        "single": _strategy(
            "single",
            {
                "model": Field(
                    Str(doc="A tier under models:, or a price-table model that is none (it becomes a tier)."),
                    required=True,
                )
            },
            "Every request on one model.",
            aliases={"tier": "model"},
        ),
        "route": _strategy(
            "route",
            {"routes": Field(_ROUTES, required=True), "router": Field(_ROUTER, default={})},
            "A router sends each segment to a tier.",
        ),
        "cascade": _strategy(
            "cascade",
            {
                "chain": Field(_CHAIN, required=True),
                "accept": Field(_ACCEPT),
                "evaluator": Field(_EVALUATOR, default={}),
            },
            "Try the cheap model first; escalate when its answer is not accepted.",
        ),
        "hybrid": _strategy(
            "hybrid",
            {
                "routes": Field(_ROUTES, required=True),
                "router": Field(_ROUTER, default={}),
                "chain": Field(_CHAIN, required=True),
                "accept": Field(_ACCEPT),
                "evaluator": Field(_EVALUATOR, default={}),
            },
            "Route first, then cascade upward along the chain from the routed tier.",
        ),
    },
)

SCENARIO_SPEC: Spec = Obj(
    {
        "name": Field(Str(doc="What the scenario models (default: the file's name, without extension).")),
        "description": Field(Str()),
        "pricing": Field(OWN_PRICE_FILES),
        "traffic": Field(_TRAFFIC, required=True),
        "models": Field(Map(_MODEL, min_items=1, doc="Tier name to model (or write tiers:)."), required=True),
        "strategies": Field(List(_STRATEGY, min_items=1), required=True),
        "baseline": Field(Str(doc="The strategy savings are measured against (default: the first).")),
        **_MODIFIER_FIELDS,
    },
    title="routecli scenario",
    doc="Traffic, candidate models and strategies for `routecli simulate`.",
    aliases={"tiers": "models"},
    synonyms={"routing": "strategies", "cascade": "strategies", "providers": "models"},
)


# --------------------------------------------------------------- the builder


def _by_segment(mapping: Mapping[str, T], segments: Sequence[str], path: KeyPath, what: str) -> dict[str, T]:
    """``mapping`` in segment order, once it names every segment and nothing else."""
    for name in mapping:
        if name not in segments:
            raise unknown_name("segment", name, segments, (*path, name))
    missing = [name for name in segments if name not in mapping]
    if missing:
        raise InvalidValueError(f"no {what} for segment(s): {', '.join(missing)}", path=path)
    return {name: mapping[name] for name in segments}


def _per_segment_values(
    value: Decimal | Mapping[str, Decimal], segments: Sequence[str], path: KeyPath, what: str
) -> dict[str, Decimal]:
    """One number for every segment, or a mapping that covers each segment once."""
    if isinstance(value, Decimal):
        return dict.fromkeys(segments, value)
    return _by_segment(value, segments, path, what)


def _spread(value: Decimal | dict[str, Any], path: KeyPath) -> Spread:
    """A token count's distribution from its checked spec value."""
    if isinstance(value, Decimal):
        return Fixed(value)
    mean = value["mean"]
    if value["distribution"] == "normal":
        if (value["sd"] is None) == (value["p95"] is None):
            raise InvalidValueError("give sd or p95 (one of them)", path=path)
        if value["sd"] is not None:
            return Normal(mean, value["sd"])
        if value["p95"] < mean:
            raise InvalidValueError(f"p95 {value['p95']} is below the mean {mean}", path=(*path, "p95"))
        return Normal(mean, (value["p95"] - mean) / Decimal(repr(Z95)))
    sigma = lognormal_sigma(mean, value["p95"])
    if sigma is None:
        raise InvalidValueError(
            f"no lognormal has mean {mean} and p95 {value['p95']}: p95 must be above the mean "
            "and at most 3.868 times it (for a heavier tail, give observed counts with tokens_from)",
            path=(*path, "p95"),
        )
    return LogNormal(mean, value["p95"], sigma)


def _empirical(log: TokenLog, segment: str | None, name: str, path: KeyPath) -> Empirical:
    """Observed pairs of ``segment`` (all rows for None: a scenario without segments)."""
    profile = log.profile(segment, name)
    if profile is None:
        raise InvalidValueError(f"{name} has no rows for segment {segment!r}", path=path)
    return profile


def _segment_tokens(
    item: dict[str, Any], traffic: dict[str, Any], logs: Mapping[str, TokenLog], path: KeyPath
) -> TokenProfile:
    """Own tokens_from, else own counts falling back to traffic's, else traffic's tokens_from."""
    own_counts = item.get("input_tokens") is not None or item.get("output_tokens") is not None
    if item.get("tokens_from") is not None:
        if own_counts:
            raise InvalidValueError("give tokens_from or input_tokens/output_tokens, not both", path=path)
        return _empirical(logs[item["tokens_from"]], item["name"], item["tokens_from"], (*path, "tokens_from"))
    if traffic["tokens_from"] is not None and not own_counts:
        name = traffic["tokens_from"]
        segment = item["name"] if traffic["segments"] else None
        return _empirical(logs[name], segment, name, ("traffic", "tokens_from"))
    spreads = []
    for key in ("input_tokens", "output_tokens"):
        if item.get(key) is not None:
            spreads.append(_spread(item[key], (*path, key)))
        elif traffic[key] is not None:
            spreads.append(_spread(traffic[key], ("traffic", key)))
        elif not traffic["segments"]:  # no segments written: the one implied one has no key path of its own
            raise InvalidValueError("give input_tokens and output_tokens (or per segment)", path=("traffic",))
        else:
            raise InvalidValueError(
                f"missing {key}: give it here or once for all segments under traffic (or tokens_from)",
                path=path,
            )
    return Independent(*spreads)


def _build_segments(traffic: dict[str, Any], logs: Mapping[str, TokenLog]) -> tuple[Segment, ...]:
    counts = traffic["input_tokens"] is not None or traffic["output_tokens"] is not None
    if traffic["tokens_from"] is not None and counts:
        raise InvalidValueError("give tokens_from or input_tokens/output_tokens, not both", path=("traffic",))
    raw = traffic["segments"] or [{"name": "all", "share": ONE}]
    names: set[str] = set()
    segments = []
    for index, item in enumerate(raw):
        path: KeyPath = ("traffic", "segments", index)
        if item["name"] in names:
            raise InvalidValueError(f"duplicate segment name {item['name']!r}", path=(*path, "name"))
        names.add(item["name"])
        tokens = _segment_tokens(item, traffic, logs, path)
        fixed = isinstance(tokens, Independent) and isinstance(tokens.input, Fixed) and isinstance(tokens.output, Fixed)
        segments.append(
            Segment(item["name"], item["share"], tokens.input_mean, tokens.output_mean, None if fixed else tokens)
        )
    total = sum((segment.share for segment in segments), ZERO)
    if abs(total - ONE) > _SHARE_TOLERANCE:
        raise InvalidValueError(f"segment shares sum to {total}, expected 1", path=("traffic", "segments"))
    if total != ONE:
        segments = [segment._replace(share=segment.share / total) for segment in segments]
    return tuple(segments)


def _requests_per_month(traffic: dict[str, Any]) -> Decimal:
    per_month, per_day = traffic["requests_per_month"], traffic["requests_per_day"]
    if (per_month is None) == (per_day is None):
        raise InvalidValueError("give exactly one of requests_per_month and requests_per_day", path=("traffic",))
    volume: Decimal = per_month if per_month is not None else per_day * traffic["days_per_month"]
    return volume


def _build_tiers(
    models: dict[str, dict[str, Any]], table: PriceTable, segments: Sequence[str], key: str
) -> dict[str, Tier]:
    """The tiers under ``models:`` (``key``: the word the file uses, models or tiers)."""
    tiers = {}
    for name, item in models.items():
        path: KeyPath = (key, name)
        price = model_price(table, item["model"], item["price"], path, inline_id=name, source=INLINE_PRICES)
        quality = item["quality"]
        latency = item["latency"] or {}
        caching = item["prompt_caching"]
        tiers[name] = Tier(
            name=name,
            price=price,
            quality=None if quality is None else _per_segment_values(quality, segments, (*path, "quality"), "quality"),
            ttft_ms=DEFAULT_TTFT_MS if latency.get("ttft_ms") is None else latency["ttft_ms"],
            tokens_per_s=latency.get("tokens_per_s") or DEFAULT_TOKENS_PER_S,
            latency_jitter=DEFAULT_JITTER if latency.get("jitter") is None else latency["jitter"],
            service_tier=item["service_tier"],
            reasoning=_reasoning(item["reasoning_tokens"], segments, (*path, "reasoning_tokens")),
            prompt_caching=None
            if caching is None
            else _build_prompt_caching(caching, (*path, "prompt_caching")) or PromptCaching(ZERO),
            warm=bool(item["warm"]),
            tokens=_tier_tokens(item["tokens"], segments, (*path, "tokens")),
        )
        service = item["service_tier"]
        has_tokens = price.standard.input or price.standard.output
        if service not in (None, "standard") and price.tier_rates(service) is None and has_tokens:
            raise InvalidValueError(
                f"service_tier is {service}, but model {price.id!r} (tier {name!r}) has no {service} prices; "
                f"add {key}.{name}.price.{service} or choose another service_tier",
                path=(*path, "service_tier"),
            )
    return tiers


def _reasoning(value: Any, segments: Sequence[str], path: KeyPath) -> dict[str, Spread] | None:
    """A tier's reasoning tokens per segment, from one count or distribution or a mapping by segment."""
    if value is None:
        return None
    if isinstance(value, Decimal) or "distribution" in value:
        return dict.fromkeys(segments, _spread(value, path))
    by_segment = _by_segment(value, segments, path, "reasoning_tokens")
    return {name: _spread(count, (*path, name)) for name, count in by_segment.items()}


def _tier_tokens(
    given: Mapping[str, Mapping[str, Decimal]] | None, segments: Sequence[str], path: KeyPath
) -> dict[str, tuple[Decimal, Decimal]] | None:
    """A tier's own mean token counts per segment, for the segments it names."""
    if given is None:
        return None
    for name in given:
        if name not in segments:
            raise unknown_name("segment", name, segments, (*path, name))
    return {name: (counts["input_tokens"], counts["output_tokens"]) for name, counts in given.items()}


def _measured_values(data: Any, path: KeyPath, found: list[tuple[KeyPath, int, int]]) -> Any:
    """``data`` with every measured rate replaced by its rate; each one's path and counts added to ``found``."""
    if isinstance(data, dict):
        if MEASURED_KEY in data and set(data) == {MEASURED_KEY, "n", "successes"}:
            if data["successes"] > data["n"]:
                raise InvalidValueError(
                    f"successes ({data['successes']}) exceed n ({data['n']})", path=(*path, "successes")
                )
            found.append((path, data["successes"], data["n"]))
            return data[MEASURED_KEY]
        return {key: _measured_values(value, (*path, key), found) for key, value in data.items()}
    if isinstance(data, list):
        return [_measured_values(value, (*path, index), found) for index, value in enumerate(data)]
    return data


def _measurement(path: KeyPath, successes: int, n: int, strategies: Sequence[dict[str, Any]], key: str) -> Measured:
    """What a measured rate at ``path`` (in the checked data) is a rate of."""

    def part(index: int) -> str | None:
        return str(path[index]) if len(path) > index else None

    if path[0] == key:  # models.TIER.quality[.SEGMENT]
        return Measured(("quality", part(1), part(3)), successes, n)
    if path[0] == "semantic_cache":
        return Measured(("hit_rate", None, part(2)), successes, n)
    strategy = str(strategies[int(path[1])]["name"])
    if path[2] == "accept":
        return Measured(("accept", strategy, part(3), part(4)), successes, n)
    if path[2] == "evaluator":
        return Measured((str(path[3]), strategy), successes, n)
    if path[2] == "router":
        return Measured(("confusion", strategy, part(4), part(5)), successes, n)
    return Measured(("hit_rate", strategy, part(4)), successes, n)


def _build_modifiers(
    own: dict[str, Any], scenario_wide: Modifiers, segments: Sequence[str], path: KeyPath
) -> Modifiers:
    """A strategy's modifiers: its own where given (false turns one off), else the scenario's."""
    cache = scenario_wide.semantic_cache
    if own.get("semantic_cache") is not None:
        cache = _build_cache(own["semantic_cache"], segments, (*path, "semantic_cache"))
    caching = scenario_wide.prompt_caching
    if own.get("prompt_caching") is not None:
        caching = _build_prompt_caching(own["prompt_caching"], (*path, "prompt_caching"))
    service: ServiceTier = scenario_wide.service_tier
    if own.get("service_tier") is not None:
        if own.get("batch") is not None:
            raise InvalidValueError(
                "give service_tier or batch, not both (batch: true is service_tier: batch)", path=path
            )
        service = own["service_tier"]
    elif own.get("batch") is not None:
        service = "batch" if own["batch"] else "standard"
    given = frozenset(kind for kind in get_args(ModifierKind) if own.get(kind) is not None)
    return Modifiers(semantic_cache=cache, prompt_caching=caching, service_tier=service, own=given)


def _build_cache(value: dict[str, Any] | bool, segments: Sequence[str], path: KeyPath) -> SemanticCacheModifier | None:
    if value is False:
        return None
    if value is True:
        raise InvalidValueError("expected a mapping with hit_rate (or false to turn it off)", path=path)
    return SemanticCacheModifier(
        hit_rate=_per_segment_values(value["hit_rate"], segments, (*path, "hit_rate"), "hit_rate"),
        lookup_cost=value["lookup_cost_per_request"],
        lookup_latency_ms=value["lookup_latency_ms"],
        hit_quality=value["hit_quality"],
    )


def _build_prompt_caching(value: dict[str, Any] | bool, path: KeyPath) -> PromptCaching | None:
    if value is False:
        return None
    if value is True:
        raise InvalidValueError("expected a mapping with cached_share (or false to turn it off)", path=path)
    if value["cached_share"] + value["write_share"] > ONE:
        raise InvalidValueError("cached_share + write_share must not exceed 1", path=path)
    return PromptCaching(value["cached_share"], value["write_share"], bool(value["warm_on_escalation"]))


def _build_router(
    data: dict[str, Any], routes: Mapping[str, str], tiers: Mapping[str, Tier], segments: Sequence[str], path: KeyPath
) -> RouterAccuracy:
    """P(tier | segment): from a confusion matrix, or accuracy with misroutes spread evenly."""
    if data.get("accuracy") is not None and data.get("confusion") is not None:
        raise InvalidValueError("give accuracy or confusion, not both", path=path)
    if data.get("confusion") is not None:
        confusion = _per_segment_rows(data["confusion"], tiers, segments, (*path, "confusion"))
        accuracy = None
    else:
        accuracy = data.get("accuracy")
        accuracy = ONE if accuracy is None else accuracy
        targets = list(dict.fromkeys(routes[name] for name in segments))
        confusion = {}
        for name in segments:
            correct = routes[name]
            others = [tier for tier in targets if tier != correct]
            row = {correct: accuracy if others else ONE}
            for tier in others:
                row[tier] = (ONE - accuracy) / len(others)
            confusion[name] = row
    return RouterAccuracy(
        confusion=confusion,
        cost_per_request=data.get("cost_per_request") or ZERO,
        latency_ms=data.get("latency_ms") or ZERO,
        accuracy=accuracy,
    )


def _per_segment_rows(
    rows: Mapping[str, Mapping[str, Decimal]], tiers: Mapping[str, Tier], segments: Sequence[str], path: KeyPath
) -> dict[str, Mapping[str, Decimal]]:
    checked = _by_segment(rows, segments, path, "row")
    for segment, row in checked.items():
        for tier in row:
            known_name("model tier", tier, tiers, (*path, segment, tier))
        total = sum(row.values(), ZERO)
        if abs(total - ONE) > _SHARE_TOLERANCE:
            raise InvalidValueError(f"row sums to {total}, expected 1", path=(*path, segment))
        if total != ONE:  # within tolerance: rescaled to exactly 1, as segment shares are
            checked[segment] = {tier: probability / total for tier, probability in row.items()}
    return checked


def _build_routes(
    routes: Mapping[str, str], tiers: Mapping[str, Tier], segments: Sequence[str], path: KeyPath
) -> dict[str, str]:
    checked = _by_segment(routes, segments, path, "route")
    for segment, tier in checked.items():
        known_name("model tier", tier, tiers, (*path, segment))
    return checked


def _build_chain(chain: Sequence[str], tiers: Mapping[str, Tier], path: KeyPath) -> tuple[str, ...]:
    if len(chain) < 2:
        raise InvalidValueError(
            "a cascade needs at least two models in its chain (for one model use type: single)",
            path=path,
        )
    for index, name in enumerate(chain):
        known_name("model tier", name, tiers, (*path, index))
        if name in chain[:index]:
            raise InvalidValueError(f"tier {name!r} appears twice in the chain", path=(*path, index))
    return tuple(chain)


def _build_acceptance(
    item: dict[str, Any], chain: tuple[str, ...], tiers: Mapping[str, Tier], segments: Sequence[str], path: KeyPath
) -> tuple[dict[str, dict[str, Decimal]] | None, EvaluatorRates]:
    """Explicit acceptance per judged step, or an evaluator whose tpr/fpr derive it from quality."""
    data = item["evaluator"]
    evaluator = EvaluatorRates(data["cost_per_request"], data["latency_ms"], data["tpr"], data["fpr"])
    derived = evaluator.tpr is not None or evaluator.fpr is not None
    if derived and (evaluator.tpr is None or evaluator.fpr is None):
        raise InvalidValueError("give both tpr and fpr", path=(*path, "evaluator"))
    accept = item["accept"]
    judged = chain[:-1]
    if derived:
        if accept is not None:
            raise InvalidValueError(
                "give accept or evaluator tpr/fpr, not both: tpr/fpr derive acceptance from quality",
                path=(*path, "accept"),
            )
        for name in judged:
            if tiers[name].quality is None:
                raise InvalidValueError(
                    f"evaluator tpr/fpr derive acceptance from quality, but tier {name!r} has none "
                    f"(add models.{name}.quality)",
                    path=(*path, "evaluator"),
                )
        return None, evaluator
    if accept is None:
        raise InvalidValueError(
            "missing accept (share accepted at each step but the last) or evaluator tpr/fpr", path=path
        )
    for name in accept:
        if name == chain[-1]:
            raise InvalidValueError(
                f"{name!r} is the last step of the chain and always answers; remove it from accept",
                path=(*path, "accept", name),
            )
        if name not in judged:
            raise unknown_name("chain step", name, judged, (*path, "accept", name))
    missing = [name for name in judged if name not in accept]
    if missing:
        raise InvalidValueError(f"no acceptance given for step(s): {', '.join(missing)}", path=(*path, "accept"))
    rates = {
        name: _per_segment_values(accept[name], segments, (*path, "accept", name), "acceptance") for name in judged
    }
    return rates, evaluator


def _build_strategy(
    item: dict[str, Any], index: int, tiers: Mapping[str, Tier], segments: Sequence[str], scenario_wide: Modifiers
) -> Strategy:
    path: KeyPath = ("strategies", index)
    kind: StrategyType = item["type"]
    modifiers = _build_modifiers(item, scenario_wide, segments, path)
    common = {"name": item["name"], "type": kind, "modifiers": modifiers, "description": item["description"]}
    if kind == "single":
        model = known_name("model tier (or price-table model)", item["model"], tiers, (*path, "model"))
        return Strategy(chain=(model,), **common)
    routes = router = accept = evaluator = None
    if kind in ("route", "hybrid"):
        routes = _build_routes(item["routes"], tiers, segments, (*path, "routes"))
    if kind in ("cascade", "hybrid"):
        chain = _build_chain(item["chain"], tiers, (*path, "chain"))
        accept, evaluator = _build_acceptance(item, chain, tiers, segments, path)
    else:
        assert routes is not None
        chain = tuple(dict.fromkeys(routes[name] for name in segments))
    if routes is not None:
        for segment, tier in routes.items():
            if tier not in chain:
                raise InvalidValueError(
                    f"routes to {tier!r}, which is not in the chain {list(chain)}", path=(*path, "routes", segment)
                )
        router = _build_router(item["router"], routes, tiers, segments, (*path, "router"))
        if kind == "route":  # a measured router may send a segment where no route does: the tier answers too
            sent = (tier for row in router.confusion.values() for tier, share in row.items() if share)
            chain = tuple(dict.fromkeys((*chain, *sent)))
        for segment, row in router.confusion.items():
            for tier, probability in row.items():
                if probability and tier not in chain:  # only a hybrid's chain is given
                    raise InvalidValueError(
                        f"the router sends {segment!r} to {tier!r}, which is not in the chain",
                        path=(*path, "router", "confusion", segment, tier),
                    )
    return Strategy(chain=chain, routes=routes, router=router, accept=accept, evaluator=evaluator, **common)


def _implicit_tiers(
    strategies: Sequence[dict[str, Any]], tiers: Mapping[str, Tier], table: PriceTable
) -> dict[str, Tier]:
    """A tier for each price-table model a single strategy names that is no tier: ``model: gpt-5-mini`` just works.

    It has the table's price, no quality and the default latency, as a tier under models: with only ``model``.
    A name that is neither a tier nor a table model is left to the strategy's "unknown model tier" error.
    """
    implicit = {}
    for item in strategies:
        name = item["model"] if item["type"] == "single" else None
        if name is None or name in tiers or name in implicit or (price := table.get(name)) is None:
            continue
        implicit[name] = Tier(name, price, None, DEFAULT_TTFT_MS, DEFAULT_TOKENS_PER_S)
    return implicit


def _check_service_tiers(strategy: Strategy, tiers: Mapping[str, Tier], index: int) -> None:
    """Each tier the strategy calls has prices for the service tier it is called in."""
    for name in strategy.chain:
        tier = tiers[name]
        service = tier.service_tier or strategy.modifiers.service_tier
        price = tier.price
        has_tokens = price.standard.input or price.standard.output
        if service == "standard" or price.tier_rates(service) is not None or not has_tokens:
            continue  # a tier's own service_tier was checked with the tier
        if service == "batch":
            raise InvalidValueError(
                f"batch is on, but model {price.id!r} (tier {name!r}) has no batch prices; "
                f"add models.{name}.price.batch or turn batch off",
                path=("strategies", index),
            )
        raise InvalidValueError(
            f"service_tier is {service}, but model {price.id!r} (tier {name!r}) has no {service} prices; "
            f"add models.{name}.price.{service}, or give the tier its own service_tier",
            path=("strategies", index),
        )


def _warnings(
    segments: Sequence[Segment], tiers: Mapping[str, Tier], strategies: Sequence[Strategy], timed: set[str]
) -> list[str]:
    notes = []
    used = {name for strategy in strategies for name in strategy.chain}
    for name in tiers:
        if name not in used:
            notes.append(f"model tier {name!r} is used by no strategy")
    untimed = [name for name in tiers if name in used and name not in timed]
    if untimed:
        notes.append(
            f"no latency given for {', '.join(untimed)}: assuming {DEFAULT_TTFT_MS} ms to first token and "
            f"{DEFAULT_TOKENS_PER_S} tokens/s (set models.<tier>.latency)"
        )
    for name in sorted(used):
        tier = tiers[name]
        window = tier.price.context_window
        for segment in segments:
            if window is None:
                continue
            if segment.tokens is None and segment.input_tokens > window:
                notes.append(
                    f"segment {segment.name!r} sends {segment.input_tokens} input tokens, "
                    f"more than {tier.price.id}'s context window of {window}"
                )
            elif (
                segment.tokens is not None and (over := segment.tokens.long_tail(Decimal(window)).share) > _OVER_WINDOW
            ):
                notes.append(
                    f"{float(over):.1%} of segment {segment.name!r}'s prompts are longer than "
                    f"{tier.price.id}'s context window of {window} tokens"
                )
    for segment in segments:
        if isinstance(segment.tokens, Independent):
            for what, spread in (("input", segment.tokens.input), ("output", segment.tokens.output)):
                if isinstance(spread, Normal) and spread.negative_share > _CLIPPED_WARNING:
                    notes.append(
                        f"segment {segment.name!r}: {spread.negative_share:.1%} of {what} token draws fall below 0 "
                        f"and count as 0 (mean {spread.mean:.1f}, not {spread.center}); a lognormal fits skewed counts"
                    )
    cached = {
        name
        for s in strategies
        for name in s.chain
        if (tiers[name].prompt_caching or s.modifiers.prompt_caching or PromptCaching(ZERO)).cached_share
    }
    for name in sorted(cached):
        rates = tiers[name].price.standard
        if rates.cached_input is None and rates.input:
            notes.append(
                f"{tiers[name].price.id} (tier {name!r}) has no cached-input price: "
                "cached tokens are billed at the full input price"
            )
    return notes


def _used_tiers(strategies: Sequence[Strategy]) -> list[str]:
    """The tiers some strategy uses, in the order strategies first name them."""
    return list(dict.fromkeys(name for strategy in strategies for name in strategy.chain))


def _unused_log_rows(logs: Mapping[str, TokenLog], segments: Sequence[Segment], traffic: dict[str, Any]) -> list[str]:
    """Rows of a segmented token log that no segment of the scenario takes."""
    if not traffic["segments"]:
        return []  # one default segment: it takes every row
    known = {segment.name for segment in segments}
    notes = []
    for name, log in logs.items():
        if not log.has_segments:
            continue
        left = [row[0] for row in log.rows if row[0] not in known]
        if left:
            labels = sorted({"(no segment)" if label is None else label for label in left})
            notes.append(
                f"{name}: {len(left):,} rows name no segment of this scenario and are left out: {', '.join(labels)}"
            )
    return notes


def _growth(traffic: dict[str, Any], volume: Decimal) -> Growth | None:
    growth = traffic["growth"]
    if growth is None:
        return None
    months = growth["months"]
    if months > MAX_GROWTH_MONTHS:
        raise InvalidValueError(
            f"expected at most {MAX_GROWTH_MONTHS} months, got {months}", path=("traffic", "growth", "months")
        )
    last = volume * (ONE + growth["monthly_pct"] / 100) ** (months - 1)
    if last > _MAX_REQUESTS:
        raise InvalidValueError(
            f"the forecast reaches {last:.3g} requests a month by month {months}, more than {_MAX_REQUESTS:.0e}; "
            "forecast fewer months",
            path=("traffic", "growth"),
        )
    return Growth(growth["monthly_pct"], months)


def build_scenario(
    data: Any,
    table: PriceTable,
    token_logs: Mapping[str, TokenLog] | None = None,
    default_name: str = "scenario",
    today: dt.date | None = None,
) -> Scenario:
    """A ``Scenario`` from loaded YAML data, with models priced from ``table``.

    ``token_logs`` holds the logs the data's ``tokens_from`` keys name, already read; ``default_name`` names a
    scenario without ``name`` (its file's name); ``today`` is the date models' deprecation dates are checked
    against (default: ``pricing.lookup.today()``).
    """
    found: list[tuple[KeyPath, int, int]] = []
    checked = _measured_values(SCENARIO_SPEC.check(data, ()), (), found)
    traffic = checked["traffic"]
    segments = _build_segments(traffic, token_logs or {})
    volume = _requests_per_month(traffic)
    segment_names = [segment.name for segment in segments]
    assert isinstance(SCENARIO_SPEC, Obj)
    tiers = _build_tiers(checked["models"], table, segment_names, SCENARIO_SPEC.written_key(data, "models"))
    tiers.update(_implicit_tiers(checked["strategies"], tiers, table))
    scenario_wide = _build_modifiers(checked, Modifiers(), segment_names, ())
    names: dict[str, int] = {}
    strategies = []
    for index, item in enumerate(checked["strategies"]):
        if item["name"] in names:
            raise InvalidValueError(f"duplicate strategy name {item['name']!r}", path=("strategies", index, "name"))
        names[item["name"]] = index
        strategy = _build_strategy(item, index, tiers, segment_names, scenario_wide)
        _check_service_tiers(strategy, tiers, index)
        strategies.append(strategy)
    baseline = checked["baseline"] or strategies[0].name
    if baseline not in names:
        raise unknown_name("baseline strategy", baseline, list(names), ("baseline",))
    sources = {tier.price.source: None for tier in tiers.values() if tier.price.source}
    return Scenario(
        name=checked["name"] or default_name,
        description=checked["description"],
        requests_per_month=volume,
        days_per_month=traffic["days_per_month"],
        segments=segments,
        tiers=tiers,
        strategies=tuple(strategies),
        baseline=baseline,
        price_sources=tuple(sources),
        growth=_growth(traffic, volume),
        volume_sd_pct=traffic["volume_sd_pct"],
        measured=tuple(
            _measurement(path, successes, n, checked["strategies"], "models") for path, successes, n in found
        ),
        warnings=tuple(
            _warnings(
                segments, tiers, strategies, {name for name, item in checked["models"].items() if item["latency"]}
            )
            + _unused_log_rows(token_logs or {}, segments, traffic)
            + deprecation_warnings(((name, tiers[name].price) for name in _used_tiers(strategies)), today)
        ),
    )


class ScenarioSource(NamedTuple):
    """A scenario file read and its side files loaded, ready to build — as written or varied.

    Sweeps and break-even searches build many variations of one file: each is
    the file's data with some values replaced, validated afresh.
    """

    document: YamlDocument
    table: PriceTable
    token_logs: Mapping[str, TokenLog]

    @property
    def data(self) -> Any:
        return self.document.data

    @property
    def name(self) -> str:
        """The scenario's name: its ``name:``, else its file's name without extension."""
        own = self.data.get("name") if isinstance(self.data, Mapping) else None
        return own if isinstance(own, str) and own.strip() else self.document.path.stem

    @property
    def spec(self) -> Spec:
        """What the data's key paths follow: parameters of a sweep or break-even are resolved against it."""
        return SCENARIO_SPEC

    def build(self, data: Any = None) -> Scenario:
        """The scenario from the file's data, or from ``data`` (a variation of it); errors located in the file."""
        return self.document.build(
            lambda own: build_scenario(
                own if data is None else data, self.table, self.token_logs, default_name=self.name
            )
        )


def read_scenario(path: Path, pricing: Sequence[Path] = ()) -> ScenarioSource:
    """Read a scenario file with the price tables and token logs it needs.

    Price layers, later winning: shipped tables, ``pricing`` (``--pricing``), the
    scenario's own ``pricing:`` files (relative to it), then inline prices.
    """
    document = read_yaml(path, "scenario file")
    table = load_price_files(pricing)
    add_own_price_files(table, document)
    logs = {}
    for name, key_path in document.build(_token_log_names).items():
        from routecli.simulate.token_logs import read_token_log  # csv and json, only for scenarios that use logs

        logs[name] = read_token_log(side_file(document, name, key_path, "token log"))
    return ScenarioSource(document, table, logs)


def load_scenario(path: Path, pricing: Sequence[Path] = ()) -> Scenario:
    """Read, validate and price a scenario file (see ``read_scenario``)."""
    return read_scenario(path, pricing).build()


def _token_log_names(data: Any) -> dict[str, KeyPath]:
    """Each token log the scenario names, with the key path of its first mention."""
    names: dict[str, KeyPath] = {}
    traffic = data.get("traffic") if isinstance(data, Mapping) else None
    if not isinstance(traffic, Mapping):
        return names
    places: list[tuple[Any, KeyPath]] = [(traffic.get("tokens_from"), ("traffic", "tokens_from"))]
    segments = traffic.get("segments")
    if isinstance(segments, list):
        for index, item in enumerate(segments):
            if isinstance(item, Mapping):
                places.append((item.get("tokens_from"), ("traffic", "segments", index, "tokens_from")))
    for value, key_path in places:
        if value is not None:
            names.setdefault(_TOKENS_FROM.check(value, key_path), key_path)
    return names
