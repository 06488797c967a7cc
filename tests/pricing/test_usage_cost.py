"""What one replayed request cost, from the usage the API reported: exact Decimals worked out by hand."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from routecli.pricing.prices import LongContext, ModelPrice, TokenRates, usage_cost, usage_pricer, usage_total

D = Decimal
STANDARD = TokenRates(input=D("3"), output=D("15"), cached_input=D("0.3"))
NO_FEE = D(0)
LONG = LongContext(above_tokens=200_000, rates=TokenRates(input=D("6"), output=D("22.5"), cached_input=D("0.6")))


def model(
    standard: TokenRates = STANDARD, long_context: LongContext | None = None, per_request: Decimal = NO_FEE
) -> ModelPrice:
    return ModelPrice(id="m", provider="p", standard=standard, long_context=long_context, per_request=per_request)


def test_plain_input_and_output() -> None:
    # 1000 × $3/M + 500 × $15/M = 0.003 + 0.0075
    cost = usage_cost(model(), 1000, 500)
    assert isinstance(cost, Decimal)
    assert cost == D("0.0105")


def test_cached_tokens_cost_the_cache_price() -> None:
    # 600 × 3 + 400 × 0.3 + 200 × 15 = 1800 + 120 + 3000 = 4920 per million
    assert usage_cost(model(), 1000, 200, cached_tokens=400) == D("0.00492")


def test_cached_tokens_without_a_cache_price_cost_the_input_price() -> None:
    # (1000 × 3 + 200 × 15) / 1M, the 400 cached tokens billed as plain input
    uncached = model(TokenRates(input=D("3"), output=D("15")))
    assert usage_cost(uncached, 1000, 200, cached_tokens=400) == D("0.006")
    assert usage_cost(uncached, 1000, 200, cached_tokens=400) == usage_cost(uncached, 1000, 200)


def test_all_cached() -> None:
    # 1000 × 0.3 / 1M
    assert usage_cost(model(), 1000, 0, cached_tokens=1000) == D("0.0003")


def test_exact_with_no_float_rounding() -> None:
    # 7 × $0.15/M + 3 × $0.6/M = 1.05 + 1.8 = 2.85 per million
    cheap = model(TokenRates(input=D("0.15"), output=D("0.6")))
    assert usage_cost(cheap, 7, 3) == D("0.00000285")


def test_a_prompt_at_the_threshold_keeps_standard_rates() -> None:
    # 200000 × 3 + 1000 × 15 = 615000 per million
    assert usage_cost(model(long_context=LONG), 200_000, 1000) == D("0.615")


def test_a_prompt_above_the_threshold_pays_long_rates_on_every_token() -> None:
    # 200001 × 6 + 1000 × 22.5 = 1200006 + 22500 = 1222506 per million
    assert usage_cost(model(long_context=LONG), 200_001, 1000) == D("1.222506")


def test_long_rates_apply_to_cached_tokens_too() -> None:
    # 100001 × 6 + 100000 × 0.6 + 1000 × 22.5 = 600006 + 60000 + 22500 = 682506 per million
    assert usage_cost(model(long_context=LONG), 200_001, 1000, cached_tokens=100_000) == D("0.682506")


def test_long_rates_without_a_cache_price_bill_cached_at_the_long_input_rate() -> None:
    # above 1000 tokens: 2000 × 6 (500 of them cached, no long cache price) + 10 × 22.5 = 12000 + 225
    long_uncached = LongContext(above_tokens=1000, rates=TokenRates(input=D("6"), output=D("22.5")))
    assert usage_cost(model(long_context=long_uncached), 2000, 10, cached_tokens=500) == D("0.012225")


def test_the_output_count_does_not_decide_long_context() -> None:
    # 100 input tokens are below the threshold however long the answer: 100 × 3 + 300000 × 15
    assert usage_cost(model(long_context=LONG), 100, 300_000) == D("4.5003")


def test_per_request_fee_is_added() -> None:
    with_fee = model(per_request=D("0.01"))
    assert usage_cost(with_fee, 1000, 500) == D("0.0205")  # 0.0105 + 0.01
    assert usage_cost(with_fee, 0, 0) == D("0.01")


def test_batch_rates_are_not_used_for_replayed_requests() -> None:
    price = ModelPrice(id="m", provider="p", standard=STANDARD, batch=TokenRates(input=D("1.5"), output=D("7.5")))
    assert usage_cost(price, 1000, 500) == D("0.0105")


def test_no_tokens_cost_nothing() -> None:
    assert usage_cost(model(), 0, 0) == 0


@given(
    tokens_in=st.integers(0, 3_000_000),
    tokens_out=st.integers(0, 100_000),
    cached_share=st.floats(0, 1),
    long=st.booleans(),
    cache_price=st.booleans(),
)
def test_a_pricer_costs_exactly_what_usage_cost_does(
    tokens_in: int, tokens_out: int, cached_share: float, long: bool, cache_price: bool
) -> None:
    rates = TokenRates(Decimal("1.25"), Decimal("10"), Decimal("0.125") if cache_price else None)
    price = ModelPrice(
        id="m",
        provider="p",
        standard=rates,
        long_context=LongContext(200_000, TokenRates(Decimal("2.5"), Decimal("15"))) if long else None,
        per_request=Decimal("0.001"),
    )
    cached = int(tokens_in * cached_share)
    assert usage_pricer(price)(tokens_in, tokens_out, cached, 0) == usage_cost(price, tokens_in, tokens_out, cached)


def test_a_total_of_requests_prices_their_summed_tokens_and_one_fee_each() -> None:
    # 4000 input tokens, 400 of them cached: 3600 × 3 + 400 × 0.3 + (500 + 100) output × 15 = 10800 + 120 + 9000
    # = 19920 per million = $0.01992, plus two $0.001 fees
    priced = model(per_request=D("0.001"))
    usages = [(1000, 500, 0, 0), (3000, 100, 400, 0)]
    assert usage_total(priced, usages) == D("0.02192")
    assert usage_total(priced, usages) == sum((usage_cost(priced, *usage) for usage in usages), D(0))


def test_a_total_with_long_context_rates_prices_each_request_by_its_own_prompt() -> None:
    # 100,000 input tokens at $3/M + 10 output at $15/M = 0.3 + 0.00015;
    # 250,000 input tokens at $6/M + 10 output at $22.5/M = 1.5 + 0.000225
    priced = model(long_context=LONG)
    assert usage_total(priced, [(100_000, 10, 0, 0), (250_000, 10, 0, 0)]) == D("1.800375")


def test_no_requests_cost_nothing_even_with_a_fee() -> None:
    assert usage_total(model(per_request=D("0.5")), []) == 0


@given(
    st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 10**5), st.integers(0, 10**6), st.integers(0, 10**6)),
        max_size=20,
    )
)
def test_a_total_equals_the_sum_of_each_requests_cost(raw: list[tuple[int, int, int, int]]) -> None:
    usages = [(i + c + w, o, c, w) for i, o, c, w in raw]  # cached and written are parts of the input
    rates = TokenRates(input=D("1.25"), output=D("10"), cached_input=D("0.125"), cache_write=D("1.5625"))
    priced = model(rates, per_request=D("0.0003"))
    assert usage_total(priced, usages) == sum((usage_cost(priced, *usage) for usage in usages), D(0))
