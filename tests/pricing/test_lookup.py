"""The lookups scenario files and router configs share: names defined elsewhere, table models with inline prices."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from routecli.errors import InvalidValueError, UnknownModelError
from routecli.loading import read_yaml
from routecli.pricing.lookup import add_own_price_files, known_name, lookup_price, model_price, unknown_name
from routecli.pricing.prices import ModelPrice, PriceSource, PriceTable, TokenRates
from tests.helpers.files import write

D = Decimal
SOURCE = PriceSource("inline", None, "prices given here", "config")
TABLE = PriceTable([ModelPrice(id="small-1", provider="test", standard=TokenRates(D(1), D(2)))])
OTHER_HINT = "(see `routecli pricing list`, or set price: a price-table id or inline prices)"


def test_a_near_name_is_suggested_else_the_names_are_listed() -> None:
    assert unknown_name("tier", "haevy", ["light", "heavy"], ("x",), "tiers").message == (
        "unknown tier 'haevy'; did you mean 'heavy'?"
    )
    assert unknown_name("provider", "zzz", ["openai", "local"], ("x",), "providers").message == (
        "unknown provider 'zzz'; providers: openai, local"
    )
    assert unknown_name("model tier", "zzz", ["a"], ("x",)).message == "unknown model tier 'zzz'; defined: a"
    assert unknown_name("segment", "zzz", [], ("x",)).message == "unknown segment 'zzz'"


def test_known_name_returns_the_name_or_raises_at_the_path() -> None:
    assert known_name("tier", "light", {"light": 1}, ("routing", "tier")) == "light"
    with pytest.raises(InvalidValueError) as caught:
        known_name("tier", "lihgt", {"light": 1}, ("routing", "tier"), "tiers")
    assert caught.value.path == ("routing", "tier")


def test_lookup_price_places_the_error_and_swaps_the_hint() -> None:
    assert lookup_price(TABLE, "SMALL-1", ("p",)).id == "small-1"
    with pytest.raises(UnknownModelError) as caught:
        lookup_price(TABLE, "smal-1", ("tiers", "a", "price"), OTHER_HINT)
    assert caught.value.path == ("tiers", "a", "price")
    assert caught.value.message.endswith(OTHER_HINT)


def test_model_price_lays_inline_prices_over_the_table() -> None:
    assert model_price(TABLE, "small-1", None, ("m",), inline_id="t", source=SOURCE) is TABLE.get("small-1")
    over = model_price(TABLE, "small-1", {"output_per_mtok": D(3)}, ("m",), inline_id="t", source=SOURCE)
    assert (over.id, over.standard.input, over.standard.output, over.source) == ("small-1", 1, 3, SOURCE)
    alone = {"input_per_mtok": D(5), "output_per_mtok": D(6)}
    with pytest.raises(UnknownModelError) as caught:  # strict: the model must be a table id
        model_price(TABLE, "own-model", alone, ("models", "t"), inline_id="t", source=SOURCE)
    assert caught.value.path == ("models", "t", "model")
    loose = model_price(TABLE, "own-model", alone, ("tiers", "t"), inline_id="own-model", source=SOURCE, strict=False)
    assert (loose.id, loose.standard.input) == ("own-model", 5)
    with pytest.raises(InvalidValueError, match="give model"):
        model_price(TABLE, None, None, ("models", "t"), inline_id="t", source=SOURCE)


def test_own_price_files_are_relative_to_the_file_and_a_missing_one_is_located(tmp_path: Path) -> None:
    write(
        tmp_path / "extra.yaml",
        "provider: test\nas_of: 2026-01-01\nsource: test\nmodels:\n"
        "  - {id: extra-1, input_per_mtok: 1, output_per_mtok: 2}\n",
    )
    config = write(tmp_path / "config.yaml", "pricing: [extra.yaml]\n")
    table = PriceTable()
    add_own_price_files(table, read_yaml(config))
    assert table.lookup("extra-1").standard.output == 2
    missing = write(tmp_path / "missing.yaml", "name: x\npricing:\n  - nowhere.yaml\n")
    with pytest.raises(InvalidValueError, match=r"price table 'nowhere.yaml' not found") as caught:
        add_own_price_files(PriceTable(), read_yaml(missing))
    assert caught.value.line == 3
