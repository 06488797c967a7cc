"""``analyze --write-scenario``: the decisions behind the scenario a log suggests. Pure: data and comments, no I/O.

``MixSums`` counts, during the read, each segment's requests and tokens per model
(the only thing the ``Analysis`` does not keep). ``plan_scenario`` turns them and the
``Analysis`` into the scenario's data, with a comment on every number that is a guess
(``ASSUMED``) and on those that are measured; ``analyze.write`` writes it as YAML,
solves the baseline's prompt-caching shares with the simulator and checks the file
through the scenario spec.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from routecli.analyze.analysis import NO_MODEL, Analysis, resolve_price
from routecli.analyze.records import LogRecord
from routecli.pricing.prices import ModelPrice, PriceTable, deprecation_warning

__all__ = [
    "ASSUMED",
    "BASELINE",
    "SEMANTIC_CACHE",
    "SOLVED",
    "MixSums",
    "Note",
    "ScenarioPlan",
    "plan_scenario",
    "solve_share",
    "without_dearer",
]

ASSUMED = "assumed — measure with routecli replay"
"""The comment on every number that is a guess."""
BASELINE = "today"
"""The baseline strategy's name: the models the log used, as it used them."""
SEMANTIC_CACHE = "today-semantic-cache"
SOLVED = (BASELINE, SEMANTIC_CACHE)
"""The strategies whose prompt-caching shares are solved for the log's priced spend (today's models)."""
_QUALITY_TODAY = Decimal("0.95")
_QUALITY_CHEAPER = Decimal("0.9")
_ROUTER_ACCURACY = Decimal("0.95")
_ACCEPT = Decimal("0.7")
_SHARE_PLACES = Decimal("0.000000001")
_MILLION = Decimal(1_000_000)


class Note(NamedTuple):
    """A value with its comment: trailing a scalar, or the line above a mapping or list."""

    value: Any
    comment: str


class MixSums:
    """Requests and token sums per (segment, model) as read: [requests, input, cached, cache-written, output]."""

    def __init__(self) -> None:
        self.sums: dict[tuple[str, str], list[int]] = {}
        self.billed: dict[str, dict[str, int]] = {}
        """Per model as logged, its requests billed at another tier than standard (batch, flex, priority)."""

    def add(self, segment: str, record: LogRecord) -> None:
        key = (segment, record.model or NO_MODEL)
        sums = self.sums.get(key)
        if sums is None:
            sums = self.sums[key] = [0, 0, 0, 0, 0]
        sums[0] += 1
        sums[1] += record.input_tokens
        sums[2] += record.cached_tokens
        sums[3] += record.cache_write_tokens
        sums[4] += record.output_tokens
        if record.service_tier is not None:
            billed = self.billed.setdefault(key[1], {})
            billed[record.service_tier] = billed.get(record.service_tier, 0) + 1


class ScenarioPlan(NamedTuple):
    """The scenario's data (values may be ``Note``s), its header comment and how token rows are named."""

    header: tuple[str, ...]
    data: dict[str, Any]
    segment_names: Mapping[tuple[str, str], str]
    """(segment, model) as read → the scenario's segment name (a mixed segment may be split by model)."""
    caching_target: Decimal | None
    """The baseline's monthly cost the prompt-caching shares are solved for: the log's priced monthly spend."""
    write_premium: Decimal
    """What the log's cache writes cost over the input price, per month: ``write_share`` is solved for it."""


def solve_share(base: Decimal, slope: Decimal, target: Decimal, fallback: Decimal) -> Decimal:
    """The share ``s`` with ``base + s·slope = target``, clamped to 0–1; ``fallback`` when cost does not move."""
    if slope == 0:
        return fallback
    return min(max((target - base) / slope, Decimal(0)), Decimal(1))


def plan_scenario(
    analysis: Analysis,
    mix: MixSums,
    table: PriceTable,
    *,
    logs: Sequence[str],
    tokens_from: str,
    pricing: Sequence[str] = (),
    today: dt.date,
) -> ScenarioPlan:
    """The scenario of the traffic ``analysis`` describes: today's models as baseline, and cheaper candidates.

    A candidate is never a model retired or retiring within 30 days of ``today``.
    """
    tiers, price_of = _tiers(mix, table)
    by_segment: dict[str, dict[str, int]] = {}
    for (segment, model), sums in mix.sums.items():
        row = by_segment.setdefault(segment, {})
        tier = tiers[model]
        row[tier] = row.get(tier, 0) + sums[0]
    top = {segment: max(row, key=lambda tier: (row[tier], tier)) for segment, row in by_segment.items()}
    routed = set(top.values())
    split = any(tier not in routed for row in by_segment.values() for tier in row)
    segment_names = {
        (segment, model): f"{segment} · {tiers[model]}" if split and len(by_segment[segment]) > 1 else segment
        for segment, model in mix.sums
    }
    counts: dict[str, list[int]] = {}
    mixes: dict[str, dict[str, int]] = {}
    for (segment, model), sums in mix.sums.items():
        name = segment_names[(segment, model)]
        total = counts.setdefault(name, [0, 0, 0])
        total[0] += sums[0]
        total[1] += sums[1]
        total[2] += sums[4]
        row = mixes.setdefault(name, {})
        row[tiers[model]] = row.get(tiers[model], 0) + sums[0]
    names = sorted(counts, key=lambda name: (-counts[name][0], name))
    requests = sum(count[0] for count in counts.values())
    days = analysis.period.days
    header = _header(analysis, logs, tokens_from, split)
    traffic: dict[str, Any] = {}
    if analysis.requests_per_month is not None:
        traffic["requests_per_month"] = Note(
            _decimal(analysis.requests_per_month, "0.0001"),
            f"{analysis.requests} requests over {days:g} day(s), per 30-day month",
        )
    else:
        traffic["requests_per_month"] = Note(
            requests, f"the log has no times: its {requests} requests as a month; {ASSUMED}"
        )
    traffic["tokens_from"] = tokens_from
    traffic["segments"] = [
        {"name": name, "share": Note(_share(counts[name][0], requests), f"{counts[name][0]} of {requests} requests")}
        for name in names
    ]
    route_of = {name: max(row, key=lambda tier: (row[tier], tier)) for name, row in mixes.items()}
    used = sorted(set(route_of.values()) | {tier for row in mixes.values() for tier in row})
    means = {
        name: (Decimal(counts[name][1]) / counts[name][0], Decimal(counts[name][2]) / counts[name][0]) for name in names
    }
    cheaper = {
        name: found
        for name in names
        if (price := price_of.get(route_of[name])) is not None
        and (found := _cheaper(price, table, *means[name], today)) is not None
    }
    own_tokens = _own_tokens(mix, tiers, segment_names, mixes)
    models: dict[str, Any] = {}
    for tier in used:
        models[tier] = _tier(tier, price_of.get(tier), _QUALITY_TODAY, "used today", own_tokens.get(tier))
        service = _service_tier(mix, tiers, tier, price_of.get(tier))
        if service is not None:
            models[tier].value["service_tier"] = Note(
                service, f"measured: the log billed every request to it as {service}"
            )
    for price in sorted({price.id: price for price in cheaper.values()}.values(), key=lambda price: price.id):
        if price.id not in models:
            models[price.id] = _tier(price.id, price, _QUALITY_CHEAPER, "a cheaper model of the same provider")
            if price.reasoning:
                models[price.id].value["reasoning_tokens"] = Note(
                    {name: means[name][1].quantize(Decimal(1)) for name in names},
                    f"{ASSUMED}: a reasoning model; guessed as many as each segment's mean output tokens",
                )
    caching = _measured_caching(analysis)
    baseline = _baseline(names, route_of, mixes, used)
    baseline["prompt_caching"] = Note(
        {"cached_share": analysis.cached_share or 0, "write_share": 0},
        "solved so that this strategy costs the log's priced spend (cost is linear in each share); "
        "the log's cached tokens differ per model, a scenario has one share per strategy",
    )
    strategies: list[Any] = [baseline]
    if cheaper:
        strategies.append(_cheaper_route(names, route_of, cheaper, caching))
    cascade = _cascade(models, price_of, cheaper, route_of, names, means, counts, caching)
    if cascade is not None:
        strategies.append(cascade)
    exact = analysis.duplicates.exact_share
    if exact:
        cached = {key: value for key, value in baseline.items() if key not in ("name", "description")}
        strategies.append(
            {
                "name": SEMANTIC_CACHE,
                "description": "today's models behind a cache of earlier answers",
                **cached,
                "semantic_cache": {
                    "hit_rate": Note(
                        _decimal(exact, "0.0001"), "measured: the share of prompts repeating word for word"
                    ),
                    "lookup_cost_per_request": Note(0, ASSUMED),
                },
            }
        )
    data: dict[str, Any] = {
        "name": f"Traffic of {', '.join(logs) if len(logs) <= 3 else f'{len(logs)} logs'}",
        "description": "Written by routecli analyze --write-scenario",
    }
    if pricing:
        data["pricing"] = list(pricing)
    data.update(traffic=traffic, models=models, strategies=strategies, baseline=BASELINE)
    target = analysis.monthly_spend_priced
    if target is None and analysis.spend_priced is not None:
        target = analysis.spend_priced
    premium = _write_premium(analysis, table)
    if days:
        premium = premium * 30 / Decimal(repr(days))
    return ScenarioPlan(tuple(header), data, segment_names, target, premium)


def without_dearer(plan: ScenarioPlan, monthly: Mapping[str, Decimal]) -> tuple[ScenarioPlan, list[str]]:
    """The plan without the candidates that simulate dearer than today (``monthly``: each strategy's cost), and
    the lines saying so: a candidate is chosen at mean token counts, the simulator prices the whole traffic."""
    today = monthly[BASELINE]
    dearer = [
        item["name"] for item in plan.data["strategies"] if item["name"] not in SOLVED and monthly[item["name"]] > today
    ]
    if not dearer:
        return plan, []
    strategies = [item for item in plan.data["strategies"] if item["name"] not in dearer]
    used = {tier for item in strategies for tier in _strategy_tiers(item)}
    models = {tier: item for tier, item in plan.data["models"].items() if tier in used}
    told = [
        f"left out '{name}': it simulates dearer than today at these token counts "
        f"(${monthly[name]:.6f} a month against ${today:.6f})"
        for name in dearer
    ]
    data = {**plan.data, "models": models, "strategies": strategies}
    return plan._replace(header=(*plan.header, *(line[0].upper() + line[1:] + "." for line in told)), data=data), told


def _strategy_tiers(strategy: Mapping[str, Any]) -> set[str]:
    tiers = set(strategy.get("routes", {}).values()) | set(strategy.get("chain", ()))
    if "model" in strategy:
        tiers.add(strategy["model"])
    return tiers


def _tiers(mix: MixSums, table: PriceTable) -> tuple[dict[str, str], dict[str, ModelPrice]]:
    """Each logged model's tier (its price-table id, else its name as logged) and each tier's price."""
    tiers: dict[str, str] = {}
    prices: dict[str, ModelPrice] = {}
    for _, model in mix.sums:
        if model in tiers:
            continue
        price = resolve_price(table, model) if model != NO_MODEL else None
        tiers[model] = model if price is None else price.id
        if price is not None:
            prices[price.id] = price
    return tiers, prices


def _service_tier(mix: MixSums, tiers: Mapping[str, str], tier: str, price: ModelPrice | None) -> str | None:
    """The tier's service tier where every request of the models it stands for was billed at it (and the table
    prices it), so that the baseline costs what the analysis priced; None otherwise."""
    logged = [model for model, name in tiers.items() if name == tier]
    requests = sum(sums[0] for (_, model), sums in mix.sums.items() if model in logged)
    billed: dict[str, int] = {}
    for model in logged:
        for service, count in mix.billed.get(model, {}).items():
            billed[service] = billed.get(service, 0) + count
    for service, count in billed.items():
        if count == requests and price is not None and price.tier_rates(service) is not None:  # type: ignore[arg-type]
            return service
    return None


def _own_tokens(
    mix: MixSums,
    tiers: Mapping[str, str],
    segment_names: Mapping[tuple[str, str], str],
    mixes: Mapping[str, Mapping[str, int]],
) -> dict[str, dict[str, dict[str, Decimal]]]:
    """Each tier's own mean tokens in each segment several tiers served: the baseline prices each at its own sizes.

    A segment's mean priced at every model's rates misses the log's spend when the models' prompts differ in length.
    """
    sums: dict[tuple[str, str], list[int]] = {}
    for (segment, model), counts in mix.sums.items():
        name = segment_names[(segment, model)]
        if len(mixes[name]) < 2:
            continue
        total = sums.setdefault((tiers[model], name), [0, 0, 0])
        total[0] += counts[0]
        total[1] += counts[1]
        total[2] += counts[4]
    own: dict[str, dict[str, dict[str, Decimal]]] = {}
    for (tier, name), (requests, tokens_in, tokens_out) in sorted(sums.items()):
        own.setdefault(tier, {})[name] = {
            "input_tokens": Decimal(tokens_in) / requests,
            "output_tokens": Decimal(tokens_out) / requests,
        }
    return own


def _tier(
    name: str,
    price: ModelPrice | None,
    quality: Decimal,
    why: str,
    tokens: Mapping[str, Mapping[str, Decimal]] | None = None,
) -> Any:
    tier: dict[str, Any] = {}
    if price is None:
        tier["price"] = Note(
            {"input_per_mtok": 0, "output_per_mtok": 0},
            "no price table has this model: priced 0, as in the analysis; give its price",
        )
    else:
        tier["model"] = price.id
    tier["quality"] = Note(quality, ASSUMED)
    if tokens:
        tier["tokens"] = Note(
            {segment: dict(counts) for segment, counts in tokens.items()},
            "measured: this model's own mean tokens in the segments several models served",
        )
    return Note(tier, why)


def _baseline(
    names: Sequence[str], route_of: Mapping[str, str], mixes: Mapping[str, Mapping[str, int]], used: Sequence[str]
) -> dict[str, Any]:
    if len(used) == 1:
        return {"name": BASELINE, "description": "the model the log used", "type": "single", "model": used[0]}
    strategy: dict[str, Any] = {
        "name": BASELINE,
        "description": "the models the log used, each segment to its most-used one",
        "type": "route",
        "routes": {name: route_of[name] for name in names},
    }
    if any(len(mixes[name]) > 1 for name in names):
        strategy["router"] = Note(
            {
                "confusion": {
                    name: {
                        tier: _share(count, sum(mixes[name].values())) for tier, count in sorted(mixes[name].items())
                    }
                    for name in names
                }
            },
            "measured: the share of each segment's requests each model served",
        )
    return strategy


def _guessed_cost(model: ModelPrice, tokens_in: Decimal, tokens_out: Decimal, *, candidate: bool) -> Decimal:
    """A request's cost at these mean sizes; a reasoning ``candidate`` also reasons as many tokens as it outputs.

    (The log's output of a model used today already counts its reasoning.)
    """
    rates = model.standard
    per_mtok = tokens_in * rates.input + tokens_out * rates.output
    if candidate and model.reasoning:
        per_mtok += tokens_out * model.reasoning_rate(rates)
    return per_mtok / _MILLION + model.per_request


def _cheaper(
    price: ModelPrice, table: PriceTable, tokens_in: Decimal, tokens_out: Decimal, today: dt.date
) -> ModelPrice | None:
    """The cheapest chat model of ``price``'s provider for requests of these mean sizes, if cheaper than it.

    Models retired or retiring within 30 days of ``today`` are none.
    """

    def cost(model: ModelPrice) -> Decimal:
        return _guessed_cost(model, tokens_in, tokens_out, candidate=model.id != price.id)

    best = None
    for candidate in table:
        if candidate.provider.lower() != price.provider.lower() or candidate.standard.output <= 0:
            continue
        if deprecation_warning(candidate, today, "a candidate") is not None:
            continue
        if candidate.context_window is not None and candidate.context_window < tokens_in:
            continue
        if cost(candidate) < cost(price) and (best is None or (cost(candidate), candidate.id) < (cost(best), best.id)):
            best = candidate
    return best


def _measured_caching(analysis: Analysis) -> Note | None:
    """The log's cached and cache-written shares of input tokens, as candidates' prompt caching."""
    if not analysis.input_tokens or not (analysis.cached_tokens or _written(analysis)):
        return None
    return Note(
        {
            "cached_share": _decimal(analysis.cached_share or 0, "0.0001"),
            "write_share": _decimal(_written(analysis) / analysis.input_tokens, "0.0001"),
        },
        "measured: the log's shares of input tokens read from and written to a prompt cache",
    )


def _written(analysis: Analysis) -> int:
    return sum(model.cache_write_tokens for model in analysis.models)


def _cheaper_route(
    names: Sequence[str], route_of: Mapping[str, str], cheaper: Mapping[str, ModelPrice], caching: Note | None
) -> dict[str, Any]:
    strategy: dict[str, Any] = {
        "name": "cheaper-same-provider",
        "description": "each segment to the cheapest model of its provider that costs less",
        "type": "route",
        "routes": {name: cheaper[name].id if name in cheaper else route_of[name] for name in names},
        "router": {"accuracy": Note(_ROUTER_ACCURACY, ASSUMED)},
    }
    if caching is not None:
        strategy["prompt_caching"] = caching
    return strategy


def _cascade(
    models: Mapping[str, Any],
    price_of: Mapping[str, ModelPrice],
    cheaper: Mapping[str, ModelPrice],
    route_of: Mapping[str, str],
    names: Sequence[str],
    means: Mapping[str, tuple[Decimal, Decimal]],
    counts: Mapping[str, Sequence[int]],
    caching: Note | None,
) -> dict[str, Any] | None:
    """From the cheapest model to the dearest used today, at the traffic's mean request."""
    requests = sum(counts[name][0] for name in names)
    tokens_in = sum((means[name][0] * counts[name][0] for name in names), Decimal(0)) / requests
    tokens_out = sum((means[name][1] * counts[name][0] for name in names), Decimal(0)) / requests
    prices = {**price_of, **{price.id: price for price in cheaper.values()}}

    def cost(tier: str) -> Decimal:
        return _guessed_cost(prices[tier], tokens_in, tokens_out, candidate=tier not in price_of)

    priced = [tier for tier in models if tier in prices]
    today = [tier for tier in set(route_of.values()) if tier in prices]
    if not priced or not today:
        return None
    first = min(priced, key=lambda tier: (cost(tier), tier))
    last = max(today, key=lambda tier: (cost(tier), tier))
    if first == last:
        return None
    strategy: dict[str, Any] = {
        "name": "cascade",
        "description": f"every request to {first} first; what its check rejects to {last}",
        "type": "cascade",
        "chain": [first, last],
        "accept": {first: Note(_ACCEPT, ASSUMED)},
        "evaluator": {"cost_per_request": Note(0, ASSUMED)},
    }
    if caching is not None:
        strategy["prompt_caching"] = caching
    return strategy


def _write_premium(analysis: Analysis, table: PriceTable) -> Decimal:
    """What the log's cache-written tokens cost above the input price (over the log's period)."""
    premium = Decimal(0)
    for model in analysis.models:
        price = None if model.priced_as is None else table.get(model.priced_as)
        if price is None or not model.cache_write_tokens:
            continue
        rates = price.standard
        write = rates.cache_write if rates.cache_write is not None else rates.input
        premium += model.cache_write_tokens * (write - rates.input) / _MILLION
    return premium


def _header(analysis: Analysis, logs: Sequence[str], tokens_from: str, split: bool) -> list[str]:
    period = analysis.period
    lines = [
        f"Written by routecli analyze --write-scenario from {', '.join(logs)}: {analysis.requests} requests"
        + (f" over {period.days:g} day(s)." if period.days else " (no times in the log)."),
        f"Segments by {analysis.segment_by}; {tokens_from} holds each request's observed input_tokens and",
        "output_tokens with its segment: input counts the whole prompt, cached and cache-written tokens",
        "included; output counts every billed output token, reasoning tokens included (billed as output).",
        "Measured numbers say so; every guess is marked '" + ASSUMED + "'.",
    ]
    if split:
        lines.append("Segments served by several models are split by model ('segment · model'): a route's")
        lines.append("confusion row may only name tiers some segment routes to.")
    if analysis.unpriced_requests:
        lines.append(
            f"{analysis.unpriced_requests} requests are of models no price table has: priced 0, as in the analysis."
        )
    return lines


def _share(count: int, total: int) -> Decimal:
    return (Decimal(count) / Decimal(total)).quantize(_SHARE_PLACES)


def _decimal(value: float, places: str) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(places))
