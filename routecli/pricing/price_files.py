"""Price-table files: their spec, the shipped tables, and user overrides."""

from __future__ import annotations

import functools
import hashlib
import marshal
from collections.abc import Iterator, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from routecli import __version__
from routecli.errors import InputFileError, InvalidValueError, KeyPath
from routecli.loading import YamlDocument, parse_yaml, read_yaml
from routecli.pricing.prices import LongContext, ModelPrice, PriceSource, PriceTable, TokenRates, decimal_text
from routecli.spec import Bool, Choice, Date, Field, Int, List, Num, Obj, Spec, Str
from routecli.user_cache import read_entry, user_cache_dir, write_entry

__all__ = [
    "PRICE_FIELDS",
    "PRICE_TABLE_SPEC",
    "PerMillion",
    "ShippedPrices",
    "add_price_file",
    "build_rates",
    "inline_price",
    "load_price_files",
    "load_price_table",
    "load_price_tables",
    "price_table_path",
    "shipped_pricing_dir",
]

ZERO = Decimal(0)
_PLAUSIBLE_MIN = Decimal("0.001")
_PLAUSIBLE_MAX = Decimal(1000)


class PerMillion(Num):
    """A price per 1M tokens, refusing values that are plainly in the wrong unit."""

    def __init__(self, doc: str) -> None:
        super().__init__(minimum=0, doc=doc, noun="a price in USD per 1M tokens")

    def check(self, value: Any, path: KeyPath) -> Decimal:
        price = super().check(value, path)
        if 0 < price < _PLAUSIBLE_MIN:
            given, per_million = decimal_text(price), decimal_text(price * 1_000_000)
            raise InvalidValueError(
                f"{given} looks like a price per token; prices here are per 1M tokens "
                f"(write {per_million} for {given} per token)",
                path=path,
            )
        if price > _PLAUSIBLE_MAX:
            raise InvalidValueError(
                f"{decimal_text(price)} is implausibly high for a price per 1M tokens "
                "(was it multiplied by 1,000,000 twice?)",
                path=path,
            )
        return price


def _rate_fields(required: bool) -> dict[str, Field]:
    return {
        "input_per_mtok": Field(PerMillion("USD per 1M input tokens"), required=required),
        "output_per_mtok": Field(PerMillion("USD per 1M output tokens"), required=required),
        "cached_input_per_mtok": Field(PerMillion("USD per 1M input tokens read from the prompt cache")),
        "cache_write_per_mtok": Field(PerMillion("USD per 1M input tokens written to the prompt cache")),
    }


_BATCH = Obj(_rate_fields(required=True), doc="Batch-API prices (asynchronous, usually half price).")
_FLEX = Obj(_rate_fields(required=True), doc="Flex service-tier prices (slower, may be queued; OpenAI).")
_PRIORITY = Obj(_rate_fields(required=True), doc="Priority service-tier prices (faster, dearer; OpenAI).")
_LONG_CONTEXT = Obj(
    {
        "above_tokens": Field(
            Int(minimum=1, doc="Prompt length above which these rates apply to the whole request."),
            required=True,
        ),
        **_rate_fields(required=True),
    },
    doc="Higher rates for requests whose prompt exceeds above_tokens.",
)

PRICE_FIELDS: dict[str, Field] = {
    **_rate_fields(required=False),
    "per_request": Field(
        Num(minimum=0, maximum=1000, doc="Flat USD per request, added to any token prices (default 0).")
    ),
    "cache_write_1h_per_mtok": Field(
        PerMillion("USD per 1M input tokens written to a prompt cache kept for 1 hour (Anthropic)")
    ),
    "reasoning_per_mtok": Field(
        PerMillion("USD per 1M reasoning tokens, where the model bills them apart from output (else output price)")
    ),
    "batch": Field(_BATCH),
    "flex": Field(_FLEX),
    "priority": Field(_PRIORITY),
    "long_context": Field(_LONG_CONTEXT),
}
"""Price keys shared by table entries and inline scenario prices."""

_MODEL = Obj(
    {
        "id": Field(Str(doc="The id users write, e.g. gpt-5-mini."), required=True),
        "aliases": Field(List(Str()), default=[]),
        **PRICE_FIELDS,
        "input_per_mtok": Field(PerMillion("USD per 1M input tokens"), required=True),
        "output_per_mtok": Field(PerMillion("USD per 1M output tokens"), required=True),
        "context_window": Field(Int(minimum=1, doc="Maximum prompt tokens.")),
        "max_output_tokens": Field(Int(minimum=1, doc="Maximum output tokens.")),
        "deprecation_date": Field(
            Date(doc="When the provider retires the model; scenarios and router configs warn 30 days ahead.")
        ),
        "reasoning": Field(
            Bool(doc="A reasoning model (replay sends it max_completion_tokens, no temperature, no logprobs).")
        ),
    },
    title="model price",
)

PRICE_TABLE_SPEC: Spec = Obj(
    {
        "provider": Field(Str(doc="Who sells these models, e.g. openai."), required=True),
        "as_of": Field(Date(doc="The date the prices were taken."), required=True),
        "source": Field(Str(doc="Where the prices were taken from."), required=True),
        "currency": Field(Choice(("USD",)), default="USD"),
        "models": Field(List(_MODEL, min_items=1), required=True),
    },
    title="routecli price table",
    doc="Model prices for one provider; all token prices are USD per 1M tokens.",
)


def build_rates(data: dict[str, Any]) -> TokenRates:
    """TokenRates from checked price keys (missing token prices count as 0)."""
    return TokenRates(
        input=data.get("input_per_mtok") or Decimal(0),
        output=data.get("output_per_mtok") or Decimal(0),
        cached_input=data.get("cached_input_per_mtok"),
        cache_write=data.get("cache_write_per_mtok"),
    )


def _build_model(entry: dict[str, Any], provider: str, source: PriceSource) -> ModelPrice:
    long_context = entry["long_context"]
    return ModelPrice(
        id=entry["id"],
        provider=provider,
        aliases=tuple(entry["aliases"]),
        standard=build_rates(entry),
        batch=build_rates(entry["batch"]) if entry["batch"] else None,
        flex=build_rates(entry["flex"]) if entry["flex"] else None,
        priority=build_rates(entry["priority"]) if entry["priority"] else None,
        cache_write_1h=entry["cache_write_1h_per_mtok"],
        reasoning_per_mtok=entry["reasoning_per_mtok"],
        long_context=(LongContext(long_context["above_tokens"], build_rates(long_context)) if long_context else None),
        per_request=entry["per_request"] or Decimal(0),
        context_window=entry["context_window"],
        max_output_tokens=entry["max_output_tokens"],
        deprecation_date=entry["deprecation_date"],
        source=source,
        reasoning=entry["reasoning"],
    )


def _build_table_file(data: Any, file: str) -> list[ModelPrice]:
    checked = PRICE_TABLE_SPEC.check(data, ())
    source = PriceSource(checked["provider"], checked["as_of"], checked["source"], file)
    models = []
    first_use: dict[str, int] = {}
    for index, entry in enumerate(checked["models"]):
        for position, name in enumerate([entry["id"], *entry["aliases"]]):
            path: KeyPath = ("models", index, "id") if position == 0 else ("models", index, "aliases", position - 1)
            if name.lower() in first_use:
                raise InvalidValueError(
                    f"duplicate model id or alias {name!r}: models[{first_use[name.lower()]}] has it too",
                    path=path,
                )
            first_use[name.lower()] = index
        models.append(_build_model(entry, checked["provider"], source))
    return models


def load_price_table(path: Path) -> list[ModelPrice]:
    """The models of one price-table file, validated."""
    return _parse_price_table(read_yaml(path, "price table"))


def _parse_price_table(document: YamlDocument) -> list[ModelPrice]:
    return document.build(lambda data: _build_table_file(data, document.path.name))


def shipped_pricing_dir() -> Path:
    """The price tables that ship with routecli: inside the wheel, or the repo's ``pricing/``."""
    package = Path(__file__).resolve().parents[1]
    installed = package / "_pricing"
    return installed if installed.is_dir() else package.parent / "pricing"


class ShippedPrices(PriceTable):
    """The shipped tables, each parsed only once a name it may hold is asked for.

    Parsing every table costs more than the rest of a ``simulate`` run; a
    scenario usually names models of two or three providers. A table is parsed
    when its text contains the name asked for, and all are parsed to list them;
    a table parsed before, with the same content, comes from the user's cache.
    No id or alias may appear in two shipped tables.
    """

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self._unparsed = {path: path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.yaml"))}
        self._searchable = {path: text.lower() for path, text in self._unparsed.items()}
        self._owners: dict[str, str] = {}

    def get(self, name: str) -> ModelPrice | None:
        found = super().get(name)
        if found is None:
            needle = name.lower()
            for path in [path for path in self._unparsed if needle in self._searchable[path]]:
                self._parse(path)
            found = super().get(name)
        return found

    def __iter__(self) -> Iterator[ModelPrice]:
        for path in list(self._unparsed):
            self._parse(path)
        return super().__iter__()

    def _parse(self, path: Path) -> None:
        models = _cached_table(path, self._unparsed.pop(path))
        for model in models:
            for name in (model.id, *model.aliases):
                owner = self._owners.setdefault(name.lower(), path.name)
                if owner != path.name:
                    raise InvalidValueError(
                        f"model id or alias {name!r} is defined in both {owner} and {path.name}",
                        source=str(path),
                    )
            self.add(model)


_CACHE_FORMAT = 3
"""Raise when the stored form of a table changes."""
_PARSER_SOURCES = (Path(__file__), Path(__file__).with_name("prices.py"), Path(__file__).parents[1] / "spec.py")
"""The code that turns a table's YAML into prices: a cached table is only as good as it was."""


@functools.cache
def _parser_digest() -> bytes | None:
    """One hash of routecli's version and the code that parses tables (None: that code cannot be read)."""
    digest = hashlib.sha256(f"{_CACHE_FORMAT}\0{__version__}\0".encode())
    try:
        for source in _PARSER_SOURCES:
            digest.update(source.read_bytes())
    except OSError:
        return None
    return digest.digest()


def _cache_entry(name: str, text: str) -> Path | None:
    """The cache file of the table ``text`` named ``name``, keyed by both and by the code that parses tables."""
    parser = _parser_digest()
    if parser is None:
        return None
    key = hashlib.sha256(parser + f"\0{name}\0{text}".encode()).hexdigest()
    return user_cache_dir() / "price-tables" / f"{key}.marshal"


_RatesRow = tuple[str, str, str | None, str | None]


def _rates_row(rates: TokenRates) -> _RatesRow:
    cached, written = rates.cached_input, rates.cache_write
    return (
        str(rates.input),
        str(rates.output),
        None if cached is None else str(cached),
        None if written is None else str(written),
    )


def _row_rates(row: _RatesRow) -> TokenRates:
    given, taken, cached, written = row
    return TokenRates(
        Decimal(given),
        Decimal(taken),
        None if cached is None else Decimal(cached),
        None if written is None else Decimal(written),
    )


def _price_row(model: ModelPrice) -> tuple[Any, ...]:
    """``model`` as plain values for ``marshal``, money as exact decimal text."""
    long_context = model.long_context
    return (
        model.id,
        model.provider,
        model.aliases,
        _rates_row(model.standard),
        None if model.batch is None else _rates_row(model.batch),
        None if long_context is None else (long_context.above_tokens, _rates_row(long_context.rates)),
        str(model.per_request),
        model.context_window,
        model.max_output_tokens,
        None if model.source is None else tuple(model.source),
        None if model.flex is None else _rates_row(model.flex),
        None if model.priority is None else _rates_row(model.priority),
        None if model.cache_write_1h is None else str(model.cache_write_1h),
        None if model.reasoning_per_mtok is None else str(model.reasoning_per_mtok),
        model.deprecation_date,
        model.reasoning,
    )


def _row_price(row: Sequence[Any]) -> ModelPrice:
    identifier, provider, aliases, standard, batch, long_context, per_request, window, max_output, source = row[:10]
    flex, priority, written_1h, reasoning_price, deprecation, reasoning = row[10:]
    return ModelPrice(
        id=identifier,
        provider=provider,
        standard=_row_rates(standard),
        aliases=aliases,
        batch=None if batch is None else _row_rates(batch),
        long_context=None if long_context is None else LongContext(long_context[0], _row_rates(long_context[1])),
        per_request=Decimal(per_request),
        context_window=window,
        max_output_tokens=max_output,
        source=None if source is None else PriceSource(*source),
        flex=None if flex is None else _row_rates(flex),
        priority=None if priority is None else _row_rates(priority),
        cache_write_1h=None if written_1h is None else Decimal(written_1h),
        reasoning_per_mtok=None if reasoning_price is None else Decimal(reasoning_price),
        deprecation_date=deprecation,
        reasoning=reasoning,
    )


def _read_cached(entry: Path) -> list[ModelPrice] | None:
    """The models stored in ``entry``; None when it is missing, unreadable or damaged."""
    payload = read_entry(entry)
    if payload is None:
        return None
    try:
        return [_row_price(row) for row in marshal.loads(payload)]
    except (EOFError, ValueError, TypeError):
        return None


def _write_cached(entry: Path, models: list[ModelPrice]) -> None:
    """Store ``models`` in ``entry``; a cache that cannot be written is no cache, not an error."""
    write_entry(entry, marshal.dumps([_price_row(model) for model in models]))


def _cached_table(path: Path, text: str) -> list[ModelPrice]:
    """The models of the price table ``text`` read from ``path``: from the cache of parsed tables, else parsed.

    Parsing a table from YAML costs more than simulating a scenario; the cache
    is keyed by the table's content, so an edited table is parsed again.
    """
    entry = _cache_entry(path.name, text)
    models = None if entry is None else _read_cached(entry)
    if models is None:
        models = _parse_price_table(parse_yaml(text, path))
        if entry is not None:
            _write_cached(entry, models)
    return models


def load_price_files(extra: Sequence[Path] = (), *, shipped: bool = True) -> PriceTable:
    """The shipped tables, overridden by each extra file in order (later files win by id)."""
    table = PriceTable(base=ShippedPrices(shipped_pricing_dir()) if shipped else None)
    for path in extra:
        add_price_file(table, path)
    return table


def price_table_path(source: PriceSource) -> Path | None:
    """The file ``source``'s prices were read from: a user's table as given, a shipped one in the package;
    None for prices given inline (in a scenario or router config)."""
    for candidate in (Path(source.file), shipped_pricing_dir() / source.file):
        if source.file and candidate.is_file() and candidate.suffix in (".yaml", ".yml"):
            return candidate
    return None


def add_price_file(table: PriceTable, path: Path) -> None:
    """Add one user price file to ``table``, overriding models with the same id."""
    for model in load_price_table(path):
        table.add(model)


def inline_price(
    name: str, base: ModelPrice | None, data: dict[str, Any], path: KeyPath, source: PriceSource
) -> ModelPrice:
    """A tier's price: the table's entry with the inline keys laid over it, or inline alone (from ``source``)."""
    given = {key: value for key, value in data.items() if value is not None}
    if base is not None and not given:
        return base
    if base is None:
        if not given.keys() & {"input_per_mtok", "output_per_mtok", "per_request"}:
            raise InvalidValueError("give input_per_mtok and output_per_mtok, or per_request", path=path)
        base = ModelPrice(
            id=name,
            provider=source.provider,
            standard=TokenRates(ZERO, ZERO),
        )
    standard = base.standard
    merged = {
        "input_per_mtok": standard.input,
        "output_per_mtok": standard.output,
        "cached_input_per_mtok": standard.cached_input,
        "cache_write_per_mtok": standard.cache_write,
    }
    merged.update({key: value for key, value in given.items() if key in merged})
    long_context = given.get("long_context")
    return replace(
        base,
        standard=build_rates(merged),
        batch=build_rates(given["batch"]) if "batch" in given else base.batch,
        flex=build_rates(given["flex"]) if "flex" in given else base.flex,
        priority=build_rates(given["priority"]) if "priority" in given else base.priority,
        cache_write_1h=given.get("cache_write_1h_per_mtok", base.cache_write_1h),
        reasoning_per_mtok=given.get("reasoning_per_mtok", base.reasoning_per_mtok),
        long_context=(
            LongContext(long_context["above_tokens"], build_rates(long_context)) if long_context else base.long_context
        ),
        per_request=given.get("per_request", base.per_request),
        source=source,
    )


def load_price_tables(path: Path) -> list[ModelPrice]:
    """The models of one price table, or of every ``*.yaml`` table in a folder (no id in two of them)."""
    if not path.is_dir():
        return load_price_table(path)
    models = list(ShippedPrices(path))
    if not models:
        raise InputFileError("no price tables (*.yaml) in this folder", source=str(path))
    return models
