"""request_cost and PriceTable, against hand-computed figures."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from routecli.errors import UnknownModelError
from routecli.pricing.prices import LongContext, ModelPrice, PriceTable, TokenRates, request_cost, usage_cost

MODEL = ModelPrice(
    id="m",
    provider="test",
    aliases=("m-2026",),
    standard=TokenRates(D("2"), D("8"), cached_input=D("0.5"), cache_write=D("2.5")),
    batch=TokenRates(D("1"), D("4"), cached_input=D("0.25")),
    long_context=LongContext(100_000, TokenRates(D("4"), D("12"), cached_input=D("1"))),
)


def test_plain_request() -> None:
    # 1000 × $2/1M + 200 × $8/1M = 0.002 + 0.0016
    assert request_cost(MODEL, D(1000), D(200)) == D("0.0036")


def test_cached_and_written_shares() -> None:
    # input 1000: 300 uncached × 2 + 600 cached × 0.5 + 100 written × 2.5 = 600 + 300 + 250 = 1150
    # output 200 × 8 = 1600 → 2750 / 1M
    assert request_cost(MODEL, D(1000), D(200), cached_share=D("0.6"), write_share=D("0.1")) == D("0.00275")


def test_no_cache_price_bills_input_rate() -> None:
    bare = ModelPrice(id="b", provider="t", standard=TokenRates(D("2"), D("8")))
    assert request_cost(bare, D(1000), D(0), cached_share=D("0.5")) == D("0.002")


def test_batch_prices() -> None:
    # 1000 × 1 + 200 × 4 = 1800 / 1M
    assert request_cost(MODEL, D(1000), D(200), tier="batch") == D("0.0018")


def test_long_context_applies_to_whole_request_above_threshold() -> None:
    # 150k × 4 + 1000 × 12 = 600000 + 12000 = 612000 / 1M
    assert request_cost(MODEL, D(150_000), D(1000)) == D("0.612")
    # at the threshold itself the standard rates apply: 100k × 2 + 1000 × 8
    assert request_cost(MODEL, D(100_000), D(1000)) == D("0.208")


def test_batch_discounts_long_context_rates_too() -> None:
    # batch halves input (2 → 1) and output (8 → 4), so long rates 4/12 become 2/6:
    # 150k × 2 + 1000 × 6 = 306000 / 1M
    assert request_cost(MODEL, D(150_000), D(1000), tier="batch") == D("0.306")


def test_flat_per_request_is_added() -> None:
    flat = ModelPrice(id="f", provider="t", standard=TokenRates(D(0), D(0)), per_request=D("0.0005"))
    assert request_cost(flat, D(5000), D(5000)) == D("0.0005")


def test_money_is_exact() -> None:
    tiny = ModelPrice(id="t", provider="t", standard=TokenRates(D("0.1"), D("0.3")))
    # 3 × 0.1 + 3 × 0.3 = 1.2 per 1M: float arithmetic would give 1.2000000000000002
    assert request_cost(tiny, D(3), D(3)) == D("0.0000012")


def test_lookup_by_id_and_alias_any_case() -> None:
    table = PriceTable([MODEL])
    assert table.lookup("M") is MODEL
    assert table.lookup("m-2026") is MODEL


def test_unknown_model_names_closest() -> None:
    table = PriceTable([MODEL, ModelPrice(id="gpt-5-mini", provider="t", standard=TokenRates(D(1), D(1)))])
    with pytest.raises(UnknownModelError, match="closest: gpt-5-mini"):
        table.lookup("gpt-5-minni")


def test_overlay_overrides_base_under_every_name() -> None:
    base = PriceTable([MODEL])
    cheaper = ModelPrice(id="m", provider="mine", standard=TokenRates(D(1), D(1)))
    table = PriceTable([cheaper], base=base)
    assert table.lookup("m") is cheaper
    assert table.lookup("m-2026") is cheaper  # the base's alias now leads to the override
    assert list(table) == [cheaper]
    assert base.lookup("m") is MODEL


def test_reasoning_tokens_cost_the_models_own_reasoning_price_where_it_has_one() -> None:
    own = ModelPrice(
        id="thinker", provider="acme", standard=TokenRates(input=D(1), output=D(4)), reasoning_per_mtok=D(10)
    )
    # 1,000 input at $1/M; 600 output, 500 of them reasoning: 100 at $4/M and 500 at $10/M.
    assert usage_cost(own, 1000, 600, reasoning_tokens=500) == D("0.0064")
    assert usage_cost(own, 1000, 600) == D("0.0034")  # no count reported: every output token at the output price
    plain = ModelPrice(id="plain", provider="acme", standard=TokenRates(input=D(1), output=D(4)))
    assert usage_cost(plain, 1000, 600, reasoning_tokens=500) == D("0.0034")  # no own price: output price
