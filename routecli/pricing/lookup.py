"""What a config file names, looked up: price-table models (inline prices laid over them), the price
files it lists itself, other files beside it, and names it defines elsewhere.

One implementation for every file that prices models — scenario files and router configs — so that
both say the same thing about the same mistake.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from routecli.errors import InvalidValueError, KeyPath
from routecli.pricing.price_files import add_price_file, inline_price
from routecli.pricing.prices import UNKNOWN_MODEL_HINT, ModelPrice, PriceSource, PriceTable, deprecation_warning
from routecli.spec import List, Str, did_you_mean

if TYPE_CHECKING:
    from routecli.loading import YamlDocument

__all__ = [
    "OWN_PRICE_FILES",
    "TODAY_VARIABLE",
    "add_own_price_files",
    "deprecation_warnings",
    "known_name",
    "lookup_price",
    "model_price",
    "side_file",
    "today",
    "unknown_name",
]

OWN_PRICE_FILES = List(Str(), doc="Extra price-table files, relative to this file.")
"""The spec of a file's own ``pricing:`` key."""
TODAY_VARIABLE = "ROUTECLI_TODAY"
"""An ISO date that stands in for today's when deprecation dates are checked (reproducible output, tests)."""


def today() -> dt.date:
    """The date deprecation dates are checked against: ``$ROUTECLI_TODAY`` if set, else the system's."""
    given = os.environ.get(TODAY_VARIABLE)
    if not given:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(given)
    except ValueError:
        raise InvalidValueError(f"expected a date (YYYY-MM-DD), got {given!r}", source=TODAY_VARIABLE) from None


def deprecation_warnings(uses: Iterable[tuple[str, ModelPrice]], when: dt.date | None = None) -> list[str]:
    """A warning for each (tier name, price) whose model is retired or retires within 30 days of ``when``
    (default: ``today()``), in the order given."""
    date = today() if when is None else when
    notes = (deprecation_warning(price, date, f"tier {name!r}") for name, price in uses)
    return [note for note in notes if note is not None]


def unknown_name(
    kind: str, name: str, known: Sequence[str], path: KeyPath, listing: str = "defined"
) -> InvalidValueError:
    """``unknown {kind} 'name'; did you mean …?``, else the names there are (after ``listing``), at ``path``."""
    message = f"unknown {kind} {name!r}"
    if hint := did_you_mean(name, known, f"{listing}: " + ", ".join(known) if known else ""):
        message += f"; {hint}"
    return InvalidValueError(message, path=path)


def known_name(kind: str, name: str, known: Collection[str], path: KeyPath, listing: str = "defined") -> str:
    """``name``, once it is one of ``known`` (tiers, providers …): a reference to something defined elsewhere."""
    if name not in known:
        raise unknown_name(kind, name, list(known), path, listing)
    return name


def lookup_price(table: PriceTable, name: str, path: KeyPath, hint: str | None = None) -> ModelPrice:
    """The table's model ``name``; an unknown one is an error at ``path``, ending in ``hint`` (what this file's
    keys offer instead) if given."""
    try:
        return table.lookup(name)
    except InvalidValueError as error:
        error.path = path
        if hint is not None:
            error.message = error.message.replace(UNKNOWN_MODEL_HINT, hint)
        raise


def model_price(
    table: PriceTable,
    model: str | None,
    inline: dict[str, Any] | None,
    path: KeyPath,
    *,
    inline_id: str,
    source: PriceSource,
    strict: bool = True,
    hint: str | None = None,
) -> ModelPrice:
    """A tier's price: the table's entry for ``model`` (key ``model``) with ``inline`` prices (key ``price``,
    checked ``PRICE_FIELDS``) laid over it.

    ``strict``: ``model`` must be in the table even when inline prices are given (a scenario's model is a
    table id); otherwise inline prices alone will do (a router config's model is the provider's name for
    it). Prices given inline alone take ``inline_id`` as their id; inline prices come from ``source``.
    """
    if model is None and inline is None:
        raise InvalidValueError("give model (a price-table id) or price (inline prices)", path=path)
    base = None
    if model is not None:
        base = lookup_price(table, model, (*path, "model"), hint) if strict or inline is None else table.get(model)
    if inline is None:
        assert base is not None  # a tier without inline prices has a model, found or refused above
        return base
    return inline_price(inline_id, base, inline, (*path, "price"), source)


def side_file(document: YamlDocument, name: str, key_path: KeyPath, what: str) -> Path:
    """A file ``document`` names at ``key_path``, relative to the document's folder; missing, an error located there."""
    file = document.path.parent / name
    if not file.is_file():
        error = InvalidValueError(f"{what} {name!r} not found (looked for {file})", path=key_path)
        raise error.located(document.name, document.line_of(key_path))
    return file


def add_own_price_files(table: PriceTable, document: YamlDocument) -> None:
    """Add the price tables ``document`` lists under its own ``pricing:`` key (relative to it), later ones winning."""
    for index, name in enumerate(document.build(_own_price_files)):
        add_price_file(table, side_file(document, name, ("pricing", index), "price table"))


def _own_price_files(data: Any) -> list[str]:
    if not isinstance(data, Mapping) or data.get("pricing") is None:
        return []
    files: list[str] = OWN_PRICE_FILES.check(data["pricing"], ("pricing",))
    return files
