"""A scenario as the cost model consumes it: segments, priced tiers, strategies and their modifiers.

Pure types, no files: ``routecli.simulate.scenario_file`` holds the spec of a
scenario file and builds these from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, NamedTuple

from routecli.pricing.prices import ModelPrice, PriceSource, ServiceTier
from routecli.simulate.distributions import Spread, TokenProfile

__all__ = [
    "DEFAULT_DAYS_PER_MONTH",
    "DEFAULT_JITTER",
    "DEFAULT_TOKENS_PER_S",
    "DEFAULT_TTFT_MS",
    "INLINE_PRICES",
    "EvaluatorRates",
    "Growth",
    "Measured",
    "ModifierKind",
    "Modifiers",
    "PromptCaching",
    "RouterAccuracy",
    "Scenario",
    "Segment",
    "SemanticCacheModifier",
    "Strategy",
    "StrategyType",
    "Tier",
]

DEFAULT_DAYS_PER_MONTH = Decimal(30)
DEFAULT_TTFT_MS = Decimal(500)
DEFAULT_TOKENS_PER_S = Decimal(50)
DEFAULT_JITTER = Decimal("0.25")
INLINE_PRICES = PriceSource("inline", None, "prices given in the scenario", "scenario")
"""The source of every price given (or overridden) inline in a scenario."""
ZERO = Decimal(0)

StrategyType = Literal["single", "route", "cascade", "hybrid"]


# ----------------------------------------------------------------- the model


class Segment(NamedTuple):
    """A slice of the traffic with its share and mean token counts.

    ``tokens`` is the distribution of the counts, or None when every request has
    exactly the mean counts.
    """

    name: str
    share: Decimal
    input_tokens: Decimal
    output_tokens: Decimal
    tokens: TokenProfile | None = None


class Tier(NamedTuple):
    """A model slot of the scenario: its price, quality per segment and speed.

    ``service_tier`` and ``prompt_caching``, where given, win over the strategy's; ``reasoning`` is the
    reasoning tokens of a call per segment (None: the model does not reason, or they are in the output
    counts); ``warm``: requests escalated here find their prefix in the prompt cache.
    """

    name: str
    price: ModelPrice
    quality: Mapping[str, Decimal] | None
    ttft_ms: Decimal
    tokens_per_s: Decimal
    latency_jitter: Decimal = DEFAULT_JITTER
    service_tier: ServiceTier | None = None
    reasoning: Mapping[str, Spread] | None = None
    prompt_caching: PromptCaching | None = None
    warm: bool = False
    tokens: Mapping[str, tuple[Decimal, Decimal]] | None = None
    """Mean (input, output) tokens of a call on this tier per segment, where they differ from the segment's:
    measured by ``routecli calibrate`` (an escalated prompt's answer at the upper tier is its own length)."""


class SemanticCacheModifier(NamedTuple):
    """What a semantic cache in front of a strategy does to it: hit rates per segment, lookup cost and latency.

    A hit costs only the lookup. (The cache replay runs is ``routecli.replay.cache``.)
    """

    hit_rate: Mapping[str, Decimal]
    lookup_cost: Decimal = ZERO
    lookup_latency_ms: Decimal = ZERO
    hit_quality: Decimal | None = None


class PromptCaching(NamedTuple):
    """The provider's prompt cache: shares of input tokens read from and written to it.

    A request escalated to a tier it did not start on finds no prefix of its own there: it reads nothing
    from the cache and writes what it would have read, unless ``warm_on_escalation`` says the prefix is
    cached there too (a prompt every tier has seen, a provider-side shared cache).
    """

    cached_share: Decimal
    write_share: Decimal = ZERO
    warm_on_escalation: bool = False


ModifierKind = Literal["semantic_cache", "prompt_caching", "batch", "service_tier"]


class Modifiers(NamedTuple):
    """What changes the price of every call a strategy makes.

    ``own`` names the modifiers the strategy set itself; the others it has come from the
    scenario's top level, and reports say which (a cost is easier to trust when you see
    what was assumed where).
    """

    semantic_cache: SemanticCacheModifier | None = None
    prompt_caching: PromptCaching | None = None
    service_tier: ServiceTier = "standard"
    own: frozenset[ModifierKind] = frozenset()

    @property
    def batch(self) -> bool:
        """Whether calls are billed at batch prices (``batch: true`` is ``service_tier: batch``)."""
        return self.service_tier == "batch"


class RouterAccuracy(NamedTuple):
    """How well a strategy's router routes: ``confusion[segment][tier]`` is P(tier | segment); its cost and latency."""

    confusion: Mapping[str, Mapping[str, Decimal]]
    cost_per_request: Decimal = ZERO
    latency_ms: Decimal = ZERO
    accuracy: Decimal | None = None


class EvaluatorRates(NamedTuple):
    """A cascade step's answer check as figures: cost, latency, and tpr/fpr that make acceptance follow quality.

    (The evaluators replay runs are ``routecli.replay.evaluators``.)
    """

    cost_per_request: Decimal = ZERO
    latency_ms: Decimal = ZERO
    tpr: Decimal | None = None
    fpr: Decimal | None = None


class Strategy(NamedTuple):
    """How requests reach models: entry by router (or the chain's head), then escalation.

    ``chain`` lists the tiers in escalation order (for ``route``, the routed tiers,
    none of which escalates). ``accept[tier][segment]`` is the share of requests
    reaching a judged step whose answer is accepted there.
    """

    name: str
    type: StrategyType
    chain: tuple[str, ...]
    modifiers: Modifiers
    routes: Mapping[str, str] | None = None
    router: RouterAccuracy | None = None
    accept: Mapping[str, Mapping[str, Decimal]] | None = None
    evaluator: EvaluatorRates | None = None
    description: str | None = None

    @property
    def escalates(self) -> bool:
        return self.type in ("cascade", "hybrid")


class Growth(NamedTuple):
    """Traffic growing by ``monthly_pct`` percent a month, forecast over ``months`` months."""

    monthly_pct: Decimal
    months: int


class Measured(NamedTuple):
    """A rate the scenario gives as measured: ``successes`` of ``n``, so ``simulate --samples`` can draw it.

    ``target`` says which value: ``("quality", tier, segment)``, ``("accept", strategy, tier, segment)``,
    ``("tpr", strategy)``, ``("fpr", strategy)``, ``("hit_rate", strategy, segment)`` or
    ``("confusion", strategy, segment, tier)``; a segment of None stands for every segment (one value given
    for all). ``strategy`` None in ``hit_rate``: the scenario-wide cache.
    """

    target: tuple[str | None, ...]
    successes: int
    n: int


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario: everything the cost model needs and nothing else."""

    name: str
    requests_per_month: Decimal
    days_per_month: Decimal
    segments: tuple[Segment, ...]
    tiers: Mapping[str, Tier]
    strategies: tuple[Strategy, ...]
    baseline: str
    description: str | None = None
    price_sources: tuple[PriceSource, ...] = ()
    warnings: tuple[str, ...] = ()
    growth: Growth | None = None
    volume_sd_pct: Decimal = ZERO
    measured: tuple[Measured, ...] = ()
    """The rates given with their counts, in file order (Monte Carlo draws them from their posteriors)."""
