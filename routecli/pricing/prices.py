"""Model prices and what one request costs. Pure: no files, no I/O.

All prices are USD per 1M tokens (``per_request`` is USD per request) and are
kept as exact ``Decimal`` values; nothing here rounds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, NamedTuple, Protocol

from routecli.errors import InputError, UnknownModelError
from routecli.spec import closest, did_you_mean

__all__ = [
    "DEPRECATION_NOTICE_DAYS",
    "PER_MILLION",
    "SERVICE_TIERS",
    "UNKNOWN_MODEL_HINT",
    "LongContext",
    "ModelPrice",
    "PriceSource",
    "PriceTable",
    "ServiceTier",
    "TokenMeans",
    "TokenRates",
    "TokenTail",
    "blended_input_rate",
    "decimal_text",
    "deprecation_warning",
    "expected_request_cost",
    "price_from_json",
    "price_to_json",
    "reasoning_rate",
    "request_cost",
    "request_costs",
    "select_models",
    "token_rates",
    "usage_cost",
    "usage_pricer",
    "usage_total",
]

PER_MILLION = Decimal(1_000_000)
UNKNOWN_MODEL_HINT = "(see `routecli pricing list`, or give an inline price)"
"""How an unknown model's error ends; a file whose keys offer other ways replaces it (``pricing.lookup``)."""
ZERO = Decimal(0)
ONE = Decimal(1)
DEPRECATION_NOTICE_DAYS = 30
"""A model retiring within this many days is warned about, as is one already retired."""

ServiceTier = Literal["standard", "flex", "priority", "batch"]
SERVICE_TIERS: tuple[ServiceTier, ...] = ("standard", "flex", "priority", "batch")
"""How a request is served and billed: list price, OpenAI's slower flex and faster priority tiers, or a batch API."""


class TokenRates(NamedTuple):
    """Prices per 1M tokens; a missing cache price means no discount is offered."""

    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    cache_write: Decimal | None = None

    @property
    def cache_read_rate(self) -> Decimal:
        """What a token read from the prompt cache costs: the input price where there is no cache price."""
        return self.input if self.cached_input is None else self.cached_input

    @property
    def cache_write_rate(self) -> Decimal:
        """What a token written to the prompt cache costs: the input price where there is no cache price."""
        return self.input if self.cache_write is None else self.cache_write


class LongContext(NamedTuple):
    """Higher rates for the whole request once its prompt exceeds ``above_tokens``."""

    above_tokens: int
    rates: TokenRates


class PriceSource(NamedTuple):
    """Where a set of prices came from: a shipped table, a user file or a scenario."""

    provider: str
    as_of: str | None
    source: str
    file: str


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """Everything routecli knows about one model's price."""

    id: str
    provider: str
    standard: TokenRates
    aliases: tuple[str, ...] = ()
    batch: TokenRates | None = None
    long_context: LongContext | None = None
    per_request: Decimal = ZERO
    context_window: int | None = None
    max_output_tokens: int | None = None
    source: PriceSource | None = None
    flex: TokenRates | None = None
    priority: TokenRates | None = None
    cache_write_1h: Decimal | None = None
    """USD per 1M input tokens written to a cache kept for an hour (Anthropic), at standard rates."""
    reasoning_per_mtok: Decimal | None = None
    """USD per 1M reasoning tokens, for the few models that bill them apart from output (else the output price)."""
    deprecation_date: str | None = None
    """When the provider retires the model (ISO date), as LiteLLM lists it."""
    reasoning: bool | None = None
    """Whether the model reasons before it answers (LiteLLM's ``supports_reasoning``); None when the table does not
    say. A capability, not a price: replay sends reasoning models their own request parameters (docs/router.md)."""

    def tier_rates(self, tier: ServiceTier) -> TokenRates | None:
        """The rates of a service tier (None: the model is not sold in it)."""
        if tier == "standard":
            return self.standard
        rates: TokenRates | None = getattr(self, tier)
        return rates

    def rates(self, *, long: bool, tier: ServiceTier = "standard") -> TokenRates:
        """Standard, flex, priority or batch rates, short or long-context.

        Long-context rates (``long``, for models that have them) apply to the whole
        request; in another service tier they get that tier's discount (or
        surcharge), field by field, as the providers bill long prompts there.
        A tier the model lacks falls back to standard rates (scenarios refuse it first).
        """
        tier_rates = None if tier == "standard" else self.tier_rates(tier)
        if not long or self.long_context is None:
            return tier_rates or self.standard
        extended = self.long_context.rates
        if tier_rates is None:
            return extended
        ratio = _ratio(tier_rates.input, self.standard.input)
        return TokenRates(
            input=extended.input * ratio,
            output=extended.output * _ratio(tier_rates.output, self.standard.output, ratio),
            cached_input=_scaled(extended.cached_input, tier_rates.cached_input, self.standard.cached_input, ratio),
            cache_write=_scaled(extended.cache_write, tier_rates.cache_write, self.standard.cache_write, ratio),
        )

    def reasoning_rate(self, rates: TokenRates) -> Decimal:
        """USD per 1M reasoning tokens at ``rates`` (from ``self.rates``): the output price, or the model's own
        reasoning price moved as that tier moves the output price."""
        if self.reasoning_per_mtok is None:
            return rates.output
        return self.reasoning_per_mtok * _ratio(rates.output, self.standard.output)


def _ratio(discounted: Decimal | None, full: Decimal | None, fallback: Decimal = ONE) -> Decimal:
    """How much of the full price the discounted one is (``fallback`` where that cannot be told)."""
    return discounted / full if discounted is not None and full else fallback


def _scaled(
    rate: Decimal | None, discounted: Decimal | None, full: Decimal | None, fallback: Decimal
) -> Decimal | None:
    return None if rate is None else rate * _ratio(discounted, full, fallback)


def blended_input_rate(rates: TokenRates, cached_share: Decimal, write_share: Decimal) -> Decimal:
    """Mean price per 1M input tokens when shares of them are read from and written to the cache.

    Models without a cache price bill those tokens at the plain input rate.
    """
    return (
        (ONE - cached_share - write_share) * rates.input
        + cached_share * rates.cache_read_rate
        + write_share * rates.cache_write_rate
    )


def token_rates(
    price: ModelPrice,
    *,
    long: bool,
    cached_share: Decimal = ZERO,
    write_share: Decimal = ZERO,
    tier: ServiceTier = "standard",
) -> tuple[Decimal, Decimal]:
    """USD per input token (prompt-cache shares blended in) and per output token."""
    rates = price.rates(long=long, tier=tier)
    return blended_input_rate(rates, cached_share, write_share).scaleb(-6), rates.output.scaleb(-6)


def reasoning_rate(price: ModelPrice, *, long: bool, tier: ServiceTier = "standard") -> Decimal:
    """USD per reasoning token: the model's own reasoning price where it has one, else its output price."""
    return price.reasoning_rate(price.rates(long=long, tier=tier)).scaleb(-6)


def request_costs(
    price: ModelPrice,
    inputs: Sequence[Decimal],
    outputs: Sequence[Decimal],
    *,
    cached_share: Decimal = ZERO,
    write_share: Decimal = ZERO,
    tier: ServiceTier = "standard",
    reasoning: Sequence[Decimal] | None = None,
) -> list[Decimal]:
    """USD for each request (input and output tokens pairwise): input, cache reads and writes, output,
    reasoning, flat fee.

    ``cached_share`` of the input is read from the provider's prompt cache and
    ``write_share`` is written to it; ``reasoning`` holds each request's reasoning
    tokens (billed on top of its output). Rates are worked out once, not per request.
    """

    def per_token(long: bool) -> tuple[Decimal, Decimal]:
        return token_rates(price, long=long, cached_share=cached_share, write_share=write_share, tier=tier)

    fee = price.per_request
    short_in, short_out = per_token(long=False)
    if price.long_context is None:
        costs = [
            tokens_in * short_in + tokens_out * short_out + fee
            for tokens_in, tokens_out in zip(inputs, outputs, strict=True)
        ]
    else:
        threshold = price.long_context.above_tokens
        long_in, long_out = per_token(long=True)
        costs = [
            tokens_in * long_in + tokens_out * long_out + fee
            if tokens_in > threshold
            else tokens_in * short_in + tokens_out * short_out + fee
            for tokens_in, tokens_out in zip(inputs, outputs, strict=True)
        ]
    if reasoning is None or not any(reasoning):
        return costs
    short_r = reasoning_rate(price, long=False, tier=tier)
    long_r = short_r if price.long_context is None else reasoning_rate(price, long=True, tier=tier)
    above = price.long_context.above_tokens if price.long_context is not None else None
    return [
        cost + tokens_r * (long_r if above is not None and tokens_in > above else short_r)
        for cost, tokens_in, tokens_r in zip(costs, inputs, reasoning, strict=True)
    ]


def request_cost(
    price: ModelPrice,
    input_tokens: Decimal,
    output_tokens: Decimal,
    *,
    cached_share: Decimal = ZERO,
    write_share: Decimal = ZERO,
    tier: ServiceTier = "standard",
) -> Decimal:
    """USD for one request; see ``request_costs``."""
    (cost,) = request_costs(
        price, [input_tokens], [output_tokens], cached_share=cached_share, write_share=write_share, tier=tier
    )
    return cost


def usage_cost(
    price: ModelPrice,
    input_tokens: int,
    output_tokens: int,
    cached_tokens: int = 0,
    cache_write_tokens: int = 0,
    reasoning_tokens: int = 0,
) -> Decimal:
    """USD for one request as an API reported it, exactly.

    ``cached_tokens`` and ``cache_write_tokens`` (parts of ``input_tokens``) cost
    the cache-read and cache-write prices, or the input price where the model
    has none; ``reasoning_tokens`` (part of ``output_tokens``, as the APIs count
    them) cost the model's own reasoning price where it has one, else the output
    price; long-context rates apply to the whole request once its prompt is
    above the threshold.
    """
    long = price.long_context is not None and input_tokens > price.long_context.above_tokens
    rates = price.rates(long=long)
    fee = price.per_request
    cost = _usage_cost(_per_token(rates), fee, input_tokens, output_tokens, cached_tokens, cache_write_tokens)
    if reasoning_tokens and price.reasoning_per_mtok is not None:
        cost += reasoning_tokens * (price.reasoning_rate(rates) - rates.output) / PER_MILLION
    return cost


def usage_pricer(price: ModelPrice) -> Callable[[int, int, int, int], Decimal]:
    """``usage_cost`` for one model with its rates looked up once: for pricing many requests (dry runs, reports)."""
    if price.long_context is not None:  # which rates apply depends on each request's prompt
        return lambda tokens_in, tokens_out, cached, written: usage_cost(price, tokens_in, tokens_out, cached, written)
    rates, fee = _per_token(price.standard), price.per_request  # scaled once, not per request

    def cost(tokens_in: int, tokens_out: int, cached: int, written: int) -> Decimal:
        return _usage_cost(rates, fee, tokens_in, tokens_out, cached, written)

    return cost


def usage_total(price: ModelPrice, usages: Sequence[tuple[int, int, int, int]]) -> Decimal:
    """``usage_cost`` summed over many requests' (input, output, cached, written) tokens, exactly.

    Cost is linear in tokens, so a price without long-context rates prices the
    summed tokens once, plus its per-request fee once per request; with them,
    which rates apply depends on each request, so each is priced on its own.
    """
    if not usages:
        return Decimal(0)
    if price.long_context is not None:
        return sum((usage_cost(price, *usage) for usage in usages), Decimal(0))
    tokens_in, tokens_out, cached, written = (sum(column) for column in zip(*usages, strict=True))
    fees = price.per_request * len(usages)
    return _usage_cost(_per_token(price.standard), fees, tokens_in, tokens_out, cached, written)


def _per_token(rates: TokenRates) -> TokenRates:
    """``rates`` per single token (not per 1M), with the cache prices filled in."""
    return TokenRates(
        rates.input.scaleb(-6),
        rates.output.scaleb(-6),
        rates.cache_read_rate.scaleb(-6),
        rates.cache_write_rate.scaleb(-6),
    )


def _usage_cost(
    per_token: TokenRates, fee: Decimal, tokens_in: int, tokens_out: int, cached: int, written: int
) -> Decimal:
    """The one formula for reported usage; ``per_token`` comes from ``_per_token``, so its cache prices are set."""
    plain = tokens_in - cached - written
    cache = cached * per_token.cache_read_rate + written * per_token.cache_write_rate
    return plain * per_token.input + cache + tokens_out * per_token.output + fee


class TokenTail(NamedTuple):
    """The part of a segment's requests whose prompt exceeds a threshold.

    ``share`` is P(input > T); ``input`` and ``output`` are E[tokens · 1{input > T}],
    so short requests contribute ``mean − tail`` of each.
    """

    share: Decimal
    input: Decimal
    output: Decimal


class TokenMeans(Protocol):
    """All that pricing a mean request needs of its token counts: their means, and those above a threshold."""

    @property
    def input_mean(self) -> Decimal: ...

    @property
    def output_mean(self) -> Decimal: ...

    def long_tail(self, threshold: Decimal) -> TokenTail:
        """The requests whose prompt exceeds ``threshold``."""
        ...


def expected_request_cost(
    price: ModelPrice,
    tokens: TokenMeans,
    *,
    cached_share: Decimal = ZERO,
    write_share: Decimal = ZERO,
    tier: ServiceTier = "standard",
    reasoning: Decimal = ZERO,
) -> Decimal:
    """Mean USD per request when token counts follow ``tokens``, with ``reasoning`` tokens on average.

    Cost is linear in the counts except where long-context rates start, so the
    mean needs only the means and the part of them above the threshold; reasoning
    counts are taken as independent of the prompt's length, so a share P(long) of
    them bills at the long-context rate.
    """
    rates = {
        long: token_rates(price, long=long, cached_share=cached_share, write_share=write_share, tier=tier)
        for long in (False, True)
    }
    short_in, short_out = rates[False]
    mean_in, mean_out = tokens.input_mean, tokens.output_mean
    fee = price.per_request
    short_r = reasoning_rate(price, long=False, tier=tier) if reasoning else ZERO
    if price.long_context is None:
        return mean_in * short_in + mean_out * short_out + reasoning * short_r + fee
    tail = tokens.long_tail(Decimal(price.long_context.above_tokens))
    long_in, long_out = rates[True]
    thinking = ZERO
    if reasoning:
        long_r = reasoning_rate(price, long=True, tier=tier)
        thinking = reasoning * ((ONE - tail.share) * short_r + tail.share * long_r)
    return (
        (mean_in - tail.input) * short_in
        + (mean_out - tail.output) * short_out
        + tail.input * long_in
        + tail.output * long_out
        + thinking
        + fee
    )


class PriceTable:
    """Models by id and alias (case-insensitive), laid over an optional ``base`` table.

    A model added here overrides the base's model of the same id, under all its names.
    """

    def __init__(self, models: Iterable[ModelPrice] = (), *, base: PriceTable | None = None) -> None:
        self.base = base
        self._models: dict[str, ModelPrice] = {}
        self._names: dict[str, str] = {}
        for model in models:
            self.add(model)

    def add(self, model: ModelPrice) -> None:
        """Add or replace a model; its id and aliases now point at it."""
        key = model.id.lower()
        old = self._models.get(key)
        if old is not None:
            for alias in old.aliases:
                self._names.pop(alias.lower(), None)
        self._models[key] = model
        self._names[key] = key
        for alias in model.aliases:
            self._names[alias.lower()] = key

    def get(self, name: str) -> ModelPrice | None:
        """The model with this id or alias, or None."""
        key = self._names.get(name.lower())
        if key is not None:
            return self._models[key]
        found = None if self.base is None else self.base.get(name)
        return None if found is None else self._models.get(found.id.lower(), found)

    def lookup(self, name: str) -> ModelPrice:
        """The model with this id or alias; ``UnknownModelError`` naming the closest ones."""
        model = self.get(name)
        if model is not None:
            return model
        near = closest(name, [m.id for m in self], n=3)
        hint = f"; closest: {', '.join(near)}" if near else ""
        raise UnknownModelError(f"unknown model {name!r}: no price table has it{hint} {UNKNOWN_MODEL_HINT}")

    def __iter__(self) -> Iterator[ModelPrice]:
        if self.base is not None:
            yield from (model for model in self.base if model.id.lower() not in self._models)
        yield from self._models.values()


def decimal_text(value: Decimal) -> str:
    """The exact value as plain decimal text (no exponent, no trailing zeros): how money is written for machines."""
    if not value:
        return "0"
    return format(value.normalize(), "f")


def _text_or_none(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def _rates_to_json(rates: TokenRates) -> dict[str, str | None]:
    return {
        "input_per_mtok": decimal_text(rates.input),
        "output_per_mtok": decimal_text(rates.output),
        "cached_input_per_mtok": _text_or_none(rates.cached_input),
        "cache_write_per_mtok": _text_or_none(rates.cache_write),
    }


def price_to_json(price: ModelPrice) -> dict[str, Any]:
    """One model's prices as JSON-ready data (money as exact decimal strings), as reports and logs carry them."""
    return {
        "id": price.id,
        "provider": price.provider,
        "aliases": list(price.aliases),
        **_rates_to_json(price.standard),
        "per_request": decimal_text(price.per_request),
        "cache_write_1h_per_mtok": _text_or_none(price.cache_write_1h),
        "reasoning_per_mtok": _text_or_none(price.reasoning_per_mtok),
        "batch": None if price.batch is None else _rates_to_json(price.batch),
        "flex": None if price.flex is None else _rates_to_json(price.flex),
        "priority": None if price.priority is None else _rates_to_json(price.priority),
        "long_context": (
            None
            if price.long_context is None
            else {"above_tokens": price.long_context.above_tokens, **_rates_to_json(price.long_context.rates)}
        ),
        "context_window": price.context_window,
        "max_output_tokens": price.max_output_tokens,
        "deprecation_date": price.deprecation_date,
        "source": None if price.source is None else price.source.file,
        "as_of": None if price.source is None else price.source.as_of,
    }


def _optional(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _rates_from_json(document: Any) -> TokenRates:
    return TokenRates(
        Decimal(document["input_per_mtok"]),
        Decimal(document["output_per_mtok"]),
        _optional(document.get("cached_input_per_mtok")),
        _optional(document.get("cache_write_per_mtok")),
    )


def price_from_json(document: Any) -> ModelPrice:
    """A price written by ``price_to_json`` (KeyError, TypeError or ValueError when it is damaged)."""
    long_context = document.get("long_context")
    tiers = {tier: document.get(tier) for tier in ("batch", "flex", "priority")}
    return ModelPrice(
        id=document["id"],
        provider=document["provider"],
        standard=_rates_from_json(document),
        aliases=tuple(document.get("aliases") or ()),
        batch=None if tiers["batch"] is None else _rates_from_json(tiers["batch"]),
        flex=None if tiers["flex"] is None else _rates_from_json(tiers["flex"]),
        priority=None if tiers["priority"] is None else _rates_from_json(tiers["priority"]),
        cache_write_1h=_optional(document.get("cache_write_1h_per_mtok")),
        reasoning_per_mtok=_optional(document.get("reasoning_per_mtok")),
        deprecation_date=document.get("deprecation_date"),
        long_context=None
        if long_context is None
        else LongContext(int(long_context["above_tokens"]), _rates_from_json(long_context)),
        per_request=Decimal(document.get("per_request") or 0),
        context_window=document.get("context_window"),
        max_output_tokens=document.get("max_output_tokens"),
        source=PriceSource(document["provider"], document.get("as_of"), "as recorded", document.get("source") or ""),
    )


def deprecation_warning(price: ModelPrice, today: dt.date, used_as: str) -> str | None:
    """A warning when ``price``'s model is retired, or retires within ``DEPRECATION_NOTICE_DAYS`` of ``today``.

    ``used_as`` says where the file uses it (``tier 'cheap'``). Retired models still price as listed:
    a forecast of a model about to go is worth a word, not a refusal.
    """
    if price.deprecation_date is None:
        return None
    retires = dt.date.fromisoformat(price.deprecation_date)
    days = (retires - today).days
    if days > DEPRECATION_NOTICE_DAYS:
        return None
    if days <= 0:
        when = f"was retired on {retires.isoformat()}" if days < 0 else f"retires today ({retires.isoformat()})"
    else:
        when = f"retires on {retires.isoformat()}, in {days} day{'s' if days != 1 else ''}"
    return f"model {price.id!r} ({used_as}) {when} (its deprecation_date in the price table)"


def select_models(table: Iterable[ModelPrice], *, provider: str | None, search: str | None) -> list[ModelPrice]:
    """``pricing list``'s models: of one provider (any case), with ``search`` in an id or alias; sorted."""
    models = list(table)
    if provider:
        providers = sorted({m.provider for m in models})
        if provider.lower() not in {name.lower() for name in providers}:
            hint = did_you_mean(provider, providers, "known: " + ", ".join(providers))
            raise InputError(f"unknown provider {provider!r}; {hint}", path=("--provider",))
        models = [m for m in models if m.provider.lower() == provider.lower()]
    if search:
        needle = search.lower()
        models = [m for m in models if any(needle in name.lower() for name in (m.id, *m.aliases))]
    return sorted(models, key=lambda m: (m.provider, m.id))
