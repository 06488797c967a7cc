"""LiteLLM's price list as routecli price tables. Pure: a parsed JSON document in, models and YAML text out.

LiteLLM (``model_prices_and_context_window.json``) prices per token and keys
every model by the name its users write; routecli prices per 1M tokens, one
table per provider. The conversion is exact: ``Decimal(repr(price)) * 1e6``.
Entries routecli cannot represent are skipped and counted by reason, so a
user sees what was left out rather than finding it missing later.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from routecli.errors import InputFileError, InvalidValueError, KeyPath
from routecli.loading import decode_text
from routecli.pricing.price_files import PerMillion
from routecli.pricing.prices import (
    PER_MILLION,
    LongContext,
    ModelPrice,
    PriceSource,
    ServiceTier,
    TokenRates,
    decimal_text,
)
from routecli.spec import did_you_mean

__all__ = [
    "IMPORT_MODES",
    "ImportResult",
    "import_litellm",
    "per_million",
    "price_table_yaml",
    "read_litellm_file",
]

IMPORT_MODES = ("chat", "completion", "embedding", "responses")
"""LiteLLM modes priced by the token, which routecli can represent."""

_NOT_A_MODEL = "not a model (LiteLLM's sample_spec, or no litellm_provider)"
_RETIRED = "retired: deprecation_date on or before --as-of"
_OUT_OF_RANGE = "a price outside routecli's range ($0.001 to $1,000 per 1M tokens, per_request up to $1,000)"
_DUPLICATE = "id differs only in case from another entry's"
_NO_BATCH_OUTPUT = "batch prices left out: input_cost_per_token_batches without output_cost_per_token_batches"
_PARTIAL_LONG = "long-context prices left out: no input and output price above the same threshold"
_SEVERAL_TIERS = "several long-context tiers: only the lowest kept"
_LONG_TIER = "long-context {tier} prices differ from those routecli derives (long-context prices x the {tier} discount)"
_NO_TIER_OUTPUT = "{tier} prices left out: input_cost_per_token_{tier} without output_cost_per_token_{tier}"
_TIER_SUFFIXES: dict[ServiceTier, str] = {"batch": "_batches", "flex": "_flex", "priority": "_priority"}
"""LiteLLM's key suffix of each service tier's prices."""
_CACHE_WRITE_1H = "cache_creation_input_token_cost_above_1hr"
_REASONING = "output_cost_per_reasoning_token"

_RATE_KEYS = {
    "input": "input_cost_per_token",
    "output": "output_cost_per_token",
    "cached_input": "cache_read_input_token_cost",
    "cache_write": "cache_creation_input_token_cost",
}
_LONG_KEY = re.compile(
    r"(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost)"
    r"_above_(\d+)k_tokens"
)
_PRICE_CHECK = PerMillion("")
_DIGITS_HELD = 15
"""Significant digits a YAML number keeps exactly (it is read as a float)."""


class _Skip(Exception):
    """An entry routecli cannot represent; the message is the reason, as counted."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The models imported, by provider (each sorted by id), and the entries skipped or approximated, by reason."""

    tables: Mapping[str, tuple[ModelPrice, ...]]
    skipped: Mapping[str, int]
    approximated: Mapping[str, int]


def _exact(value: Any, path: KeyPath, noun: str) -> Decimal:
    """A JSON number as the Decimal its text shows (``repr`` of a float is its shortest exact text)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not Decimal(repr(value)).is_finite():
        raise InvalidValueError(f"expected {noun} (a number), got {json.dumps(value)}", path=path)
    if value < 0:
        raise InvalidValueError(f"expected {noun} of at least 0, got {value!r}", path=path)
    return Decimal(repr(value))


def per_million(value: Any, path: KeyPath) -> Decimal:
    """A LiteLLM per-token price as USD per 1M tokens, exactly: 2.5e-06 gives 2.5, not 2.4999999999999998.

    Digits past the 15th are float noise in LiteLLM's file (2.9999900000000002e-06)
    and more than a YAML number holds; they are rounded off (2.99999).
    """
    price = _exact(value, path, "a price per token") * PER_MILLION
    if len(price.normalize().as_tuple().digits) > _DIGITS_HELD:
        price = price.quantize(Decimal(1).scaleb(price.adjusted() - _DIGITS_HELD + 1))
    return price.normalize()


def _token_limit(entry: Mapping[str, Any], key: str, path: KeyPath) -> int | None:
    """A token limit; LiteLLM writes 0 (or nothing) where it does not know one."""
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer():
        raise InvalidValueError(f"expected a whole number of tokens, got {json.dumps(value)}", path=(*path, key))
    return int(value) if value > 0 else None


def _rates(entry: Mapping[str, Any], suffix: str, path: KeyPath) -> dict[str, Decimal]:
    """The token prices present under ``<key><suffix>``, per 1M tokens."""
    found = {}
    for name, key in _RATE_KEYS.items():
        value = entry.get(key + suffix)
        if value is not None:
            found[name] = per_million(value, (*path, key + suffix))
    return found


def _token_rates(rates: Mapping[str, Decimal]) -> TokenRates:
    return TokenRates(rates["input"], rates["output"], rates.get("cached_input"), rates.get("cache_write"))


def _tier(
    entry: Mapping[str, Any], tier: ServiceTier, standard: TokenRates, path: KeyPath, notes: Counter[str]
) -> TokenRates | None:
    """A service tier's prices (``*_batches``, ``*_flex``, ``*_priority``); None where LiteLLM has none."""
    rates = _rates(entry, _TIER_SUFFIXES[tier], path)
    if "input" not in rates:
        return None
    if "output" not in rates:
        if standard.output:
            notes[_NO_BATCH_OUTPUT if tier == "batch" else _NO_TIER_OUTPUT.format(tier=tier)] += 1
            return None
        rates["output"] = standard.output  # embeddings: no output tokens to discount
    return _token_rates(rates)


def _optional_price(entry: Mapping[str, Any], key: str, path: KeyPath) -> Decimal | None:
    value = entry.get(key)
    return None if value is None else per_million(value, (*path, key))


def _long_context(entry: Mapping[str, Any], path: KeyPath, notes: Counter[str]) -> LongContext | None:
    thresholds = sorted({int(match[2]) for key in entry if (match := _LONG_KEY.fullmatch(key))})
    if not thresholds:
        return None
    lowest = thresholds[0]
    rates = _rates(entry, f"_above_{lowest}k_tokens", path)
    if "input" not in rates or "output" not in rates:
        notes[_PARTIAL_LONG] += 1
        return None
    if len(thresholds) > 1:
        notes[_SEVERAL_TIERS] += 1
    return LongContext(lowest * 1000, _token_rates(rates))


def _derives_long_tier(entry: Mapping[str, Any], price: ModelPrice, tier: ServiceTier, path: KeyPath) -> bool:
    """Whether LiteLLM's own long-context prices of a service tier are the ones routecli works out from the others."""
    if price.long_context is None or price.tier_rates(tier) is None:
        return True
    suffix = f"_above_{price.long_context.above_tokens // 1000}k_tokens{_TIER_SUFFIXES[tier]}"
    given = _rates(entry, suffix, path)
    derived = price.rates(long=True, tier=tier)._asdict()
    return all(derived[name] == value for name, value in given.items())


def _check_range(price: ModelPrice) -> None:
    groups = [price.standard, price.batch, price.flex, price.priority]
    groups.append(price.long_context.rates if price.long_context else None)
    singles = [price.cache_write_1h, price.reasoning_per_mtok]
    for value in [value for rates in groups for value in rates or ()] + singles:
        if value is not None:
            try:
                _PRICE_CHECK.check(value, ())
            except InvalidValueError:
                raise _Skip(_OUT_OF_RANGE) from None
    if price.per_request > 1000:
        raise _Skip(_OUT_OF_RANGE)


def _convert(name: str, entry: Mapping[str, Any], source: PriceSource, notes: Counter[str]) -> ModelPrice:
    """One entry as a routecli model; ``_Skip`` when routecli cannot represent it."""
    path: KeyPath = (name,)
    standard = _rates(entry, "", path)
    if "input" not in standard:
        raise _Skip("no input_cost_per_token")
    if "output" not in standard:
        if entry.get("mode") != "embedding":
            raise _Skip("no output_cost_per_token")
        standard["output"] = Decimal(0)  # an embedding has no output tokens
    rates = _token_rates(standard)
    fee = entry.get("input_cost_per_request")
    price = ModelPrice(
        id=name,
        provider=source.provider,
        standard=rates,
        batch=_tier(entry, "batch", rates, path, notes),
        flex=_tier(entry, "flex", rates, path, notes),
        priority=_tier(entry, "priority", rates, path, notes),
        cache_write_1h=_optional_price(entry, _CACHE_WRITE_1H, path),
        reasoning_per_mtok=_optional_price(entry, _REASONING, path),
        long_context=_long_context(entry, path, notes),
        per_request=Decimal(0) if fee is None else _exact(fee, (*path, "input_cost_per_request"), "USD per request"),
        context_window=_token_limit(entry, "max_input_tokens", path),
        max_output_tokens=_token_limit(entry, "max_output_tokens", path),
        deprecation_date=_deprecation(entry, path),
        source=source,
        reasoning=True if entry.get("supports_reasoning") is True else None,
    )
    _check_range(price)
    for tier in _TIER_SUFFIXES:
        if not _derives_long_tier(entry, price, tier, path):
            notes[_LONG_TIER.format(tier=tier)] += 1
    return price


def _deprecation(entry: Mapping[str, Any], path: KeyPath) -> str | None:
    """The entry's ``deprecation_date`` as ISO text (None: LiteLLM gives none)."""
    date = entry.get("deprecation_date")
    if date is None:
        return None
    try:
        return dt.date.fromisoformat(str(date)).isoformat()
    except ValueError:
        raise InvalidValueError(
            f"expected a date (YYYY-MM-DD), got {json.dumps(date)}", path=(*path, "deprecation_date")
        ) from None


def _retired(entry: Mapping[str, Any], as_of: dt.date, path: KeyPath) -> bool:
    date = _deprecation(entry, path)
    return date is not None and dt.date.fromisoformat(date) <= as_of


def _check_providers(chosen: Sequence[str], known: Iterable[str]) -> None:
    names = sorted(set(known))
    for provider in chosen:
        if provider not in names:
            hint = did_you_mean(provider, names, "see the file's litellm_provider values")
            raise InvalidValueError(f"no entry has litellm_provider {provider!r}; {hint}")


def read_litellm_file(path: Path) -> Any:
    """LiteLLM's price map as JSON data; errors name the file (and the line of a syntax error)."""
    try:
        text = decode_text(path.read_bytes(), str(path))
    except FileNotFoundError:
        raise InputFileError("file not found", source=str(path)) from None
    except OSError as error:
        raise InputFileError(f"cannot read the file: {error}", source=str(path)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputFileError(f"not valid JSON: {error.msg}", source=str(path), line=error.lineno) from None


def import_litellm(
    document: Any,
    *,
    as_of: dt.date,
    source: str,
    providers: Sequence[str] = (),
    modes: Sequence[str] = ("chat",),
    include_retired: bool = False,
) -> ImportResult:
    """LiteLLM's entries of ``providers`` (all when empty) and ``modes`` as routecli models.

    Ids are LiteLLM's keys. Models retired by ``as_of`` are skipped unless
    ``include_retired``. Wrong values raise ``InvalidValueError`` with the key path
    (entry, field); the caller adds the file.
    """
    for mode in modes:
        if mode not in IMPORT_MODES:
            raise InvalidValueError(f"mode {mode!r}: routecli prices tokens; choose from {', '.join(IMPORT_MODES)}")
    if not isinstance(document, dict):
        raise InvalidValueError("expected a JSON object of model entries (LiteLLM's model_prices_and_context_window)")
    entries = {}
    for name, entry in document.items():
        if not isinstance(entry, dict):
            raise InvalidValueError("expected an object of prices", path=(name,))
        entries[name] = entry
    _check_providers(providers, (str(e["litellm_provider"]) for e in entries.values() if "litellm_provider" in e))
    skipped: Counter[str] = Counter()
    notes: Counter[str] = Counter()
    tables: dict[str, dict[str, ModelPrice]] = {}
    date = as_of.isoformat()
    for name, entry in entries.items():
        provider = entry.get("litellm_provider")
        if providers and provider not in providers:
            continue
        if name == "sample_spec" or provider is None:
            skipped[_NOT_A_MODEL] += 1
            continue
        entry_mode = entry.get("mode")
        if entry_mode not in modes:
            skipped["no mode" if entry_mode is None else f"mode {entry_mode}"] += 1
            continue
        if not include_retired and _retired(entry, as_of, (name,)):
            skipped[_RETIRED] += 1
            continue
        table = tables.setdefault(str(provider), {})
        if name.lower() in table:
            skipped[_DUPLICATE] += 1
            continue
        entry_notes: Counter[str] = Counter()
        try:
            table[name.lower()] = _convert(name, entry, PriceSource(str(provider), date, source, ""), entry_notes)
        except _Skip as skip:
            skipped[str(skip)] += 1
            continue
        notes += entry_notes
    return ImportResult(
        tables={
            provider: tuple(sorted(models.values(), key=lambda model: model.id.lower()))
            for provider, models in sorted(tables.items())
            if models
        },
        skipped=dict(skipped.most_common()),
        approximated=dict(notes.most_common()),
    )


_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/@+-]*")
_RESOLVER = Resolver()


def _scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain where YAML reads it back as this very text, else double-quoted."""
    if _PLAIN.fullmatch(text):
        tag: str = _RESOLVER.resolve(ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
        if tag == Resolver.DEFAULT_SCALAR_TAG:
            return text
    return json.dumps(text)


def _flow(fields: Iterable[tuple[str, Decimal | int | None]]) -> str:
    return "{" + ", ".join(f"{key}: {_number(value)}" for key, value in fields if value is not None) + "}"


def _number(value: Decimal | int) -> str:
    return decimal_text(value) if isinstance(value, Decimal) else str(value)


def _rate_fields(rates: TokenRates) -> list[tuple[str, Decimal | None]]:
    return [
        ("input_per_mtok", rates.input),
        ("output_per_mtok", rates.output),
        ("cached_input_per_mtok", rates.cached_input),
        ("cache_write_per_mtok", rates.cache_write),
    ]


def _model_yaml(model: ModelPrice) -> list[str]:
    lines = [f"  - id: {_scalar(model.id)}"]
    if model.aliases:
        lines.append("    aliases: [" + ", ".join(_scalar(alias) for alias in model.aliases) + "]")
    singles = [("cache_write_1h_per_mtok", model.cache_write_1h), ("reasoning_per_mtok", model.reasoning_per_mtok)]
    lines += [
        f"    {key}: {_number(value)}" for key, value in _rate_fields(model.standard) + singles if value is not None
    ]
    if model.per_request:
        lines.append(f"    per_request: {_number(model.per_request)}")
    for tier, rates in (("batch", model.batch), ("flex", model.flex), ("priority", model.priority)):
        if rates is not None:
            lines.append(f"    {tier}: {_flow(_rate_fields(rates))}")
    if model.long_context is not None:
        above: list[tuple[str, Decimal | int | None]] = [("above_tokens", model.long_context.above_tokens)]
        lines.append(f"    long_context: {_flow(above + list(_rate_fields(model.long_context.rates)))}")
    for key, limit in (("context_window", model.context_window), ("max_output_tokens", model.max_output_tokens)):
        if limit is not None:
            lines.append(f"    {key}: {limit}")
    if model.deprecation_date is not None:
        lines.append(f"    deprecation_date: {model.deprecation_date}")
    if model.reasoning:
        lines.append("    reasoning: true")
    return lines


def price_table_yaml(provider: str, models: Sequence[ModelPrice], *, as_of: str, source: str) -> str:
    """A routecli price-table file holding ``models``, in the shipped tables' layout."""
    lines = [
        f"# {provider} models for routecli, imported from LiteLLM's price list by `routecli pricing import litellm`.",
        "# Prices in USD per 1M tokens (LiteLLM's per-token prices x 1,000,000, exact). batch = Batch API",
        "# prices; flex and priority = those service tiers' prices; long_context = prices for the whole",
        "# request once the prompt exceeds above_tokens.",
        f"provider: {_scalar(provider)}",
        f"as_of: {as_of}",
        f"source: {json.dumps(source)}",
        "currency: USD",
        "models:",
    ]
    for model in models:
        lines += _model_yaml(model)
    return "\n".join(lines) + "\n"
