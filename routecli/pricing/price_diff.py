"""What changed between two sets of model prices. Pure: models in, a ``PriceDiff`` out.

Models are matched by name: a new model pairs with the old one whose id or
alias it shares (its id first), so a table that keeps a model's old id as an
alias, or lists a dated snapshot on its own, compares like with like. Ids,
aliases and providers are names, not prices, and are not compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from routecli.pricing.prices import ModelPrice, TokenRates

__all__ = ["FieldChange", "ModelChange", "PriceDiff", "diff_prices", "price_fields"]

FieldValue = Decimal | int | str | None
"""Money as Decimal, token counts as int, a deprecation date as ISO text."""

_RATES = ("input_per_mtok", "output_per_mtok", "cached_input_per_mtok", "cache_write_per_mtok")


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field's old and new value (None where the table has none)."""

    field: str
    old: FieldValue
    new: FieldValue

    @property
    def percent(self) -> Decimal | None:
        """The change relative to the old value, in percent; None when there is no nonzero old value to compare."""
        if self.old is None or self.new is None or not self.old or isinstance(self.old, str):
            return None
        return (Decimal(self.new) - Decimal(self.old)) / Decimal(self.old) * 100


@dataclass(frozen=True, slots=True)
class ModelChange:
    """A model in both sets whose prices or limits differ."""

    old: ModelPrice
    new: ModelPrice
    changes: tuple[FieldChange, ...]

    @property
    def name(self) -> str:
        """The model's id, or ``old → new`` when the two sets know it by different ids."""
        return self.old.id if self.old.id == self.new.id else f"{self.old.id} → {self.new.id}"


@dataclass(frozen=True, slots=True)
class PriceDiff:
    """Models changed, added and removed between an old and a new set of prices."""

    changed: tuple[ModelChange, ...]
    added: tuple[ModelPrice, ...]
    removed: tuple[ModelPrice, ...]
    unchanged: int


def _rate_values(prefix: str, rates: TokenRates | None) -> dict[str, FieldValue]:
    values = (None,) * 4 if rates is None else rates
    return {prefix + name: value for name, value in zip(_RATES, values, strict=True)}


def price_fields(price: ModelPrice) -> dict[str, FieldValue]:
    """Every compared field of ``price``, named as in a price-table file; absent ones are None."""
    long = price.long_context
    return {
        **_rate_values("", price.standard),
        "cache_write_1h_per_mtok": price.cache_write_1h,
        "reasoning_per_mtok": price.reasoning_per_mtok,
        "per_request": price.per_request,
        **_rate_values("batch.", price.batch),
        **_rate_values("flex.", price.flex),
        **_rate_values("priority.", price.priority),
        "long_context.above_tokens": None if long is None else long.above_tokens,
        **_rate_values("long_context.", None if long is None else long.rates),
        "context_window": price.context_window,
        "max_output_tokens": price.max_output_tokens,
        "deprecation_date": price.deprecation_date,
    }


def _changes(old: ModelPrice, new: ModelPrice) -> tuple[FieldChange, ...]:
    before, after = price_fields(old), price_fields(new)
    return tuple(FieldChange(name, before[name], after[name]) for name in before if before[name] != after[name])


def _by_id(model: ModelPrice) -> str:
    return model.id.lower()


def diff_prices(old: Iterable[ModelPrice], new: Iterable[ModelPrice]) -> PriceDiff:
    """How ``new`` differs from ``old``: field by field for models in both, and which models came or went."""
    old_models = list(old)
    old_by_name: dict[str, ModelPrice] = {}
    for model in old_models:
        for name in (model.id, *model.aliases):
            old_by_name.setdefault(name.lower(), model)
    changed, added, unchanged = [], [], 0
    matched: set[str] = set()
    for model in new:
        partner = next((old_by_name[n.lower()] for n in (model.id, *model.aliases) if n.lower() in old_by_name), None)
        if partner is None:
            added.append(model)
            continue
        matched.add(partner.id.lower())
        changes = _changes(partner, model)
        if changes:
            changed.append(ModelChange(partner, model, changes))
        else:
            unchanged += 1
    return PriceDiff(
        changed=tuple(sorted(changed, key=lambda change: (change.old.id.lower(), change.new.id.lower()))),
        added=tuple(sorted(added, key=_by_id)),
        removed=tuple(sorted((m for m in old_models if m.id.lower() not in matched), key=_by_id)),
        unchanged=unchanged,
    )
