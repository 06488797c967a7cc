"""Token-count distributions: their moments against closed-form math, and the scenario keys that make them.

Closed forms used below, for a threshold T:

    normal N(μ, s²), clipped at 0:  P(X > T) = 1 − Φ(z),  E[X·1{X > T}] = μ(1 − Φ(z)) + s·φ(z),  z = (T − μ)/s
                                    mean = E[X·1{X > 0}] = μΦ(μ/s) + s·φ(μ/s)
    lognormal, mean m, p95 p:       ln(p/m) = zσ − σ²/2 (z = Φ⁻¹(0.95)), so σ = z − √(z² − 2·ln(p/m)),
                                    μ = ln m − σ²/2,
                                    P(X > T) = 1 − Φ((ln T − μ)/σ),  E[X·1{X > T}] = m(1 − Φ((ln T − μ − σ²)/σ))
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest

from routecli.errors import InvalidValueError
from routecli.pricing.prices import (
    LongContext,
    ModelPrice,
    PriceTable,
    TokenRates,
    TokenTail,
    expected_request_cost,
    request_cost,
    token_rates,
)
from routecli.simulate.costmodel import simulate
from routecli.simulate.distributions import Empirical, Fixed, Independent, LogNormal, Normal, lognormal_sigma
from routecli.simulate.scenario_file import build_scenario, load_scenario
from tests.helpers.cli import refused
from tests.helpers.files import write

D = Decimal
STD = NormalDist()
Z95 = STD.inv_cdf(0.95)


def lognormal_closed_form(mean: float, p95: float, threshold: float) -> tuple[float, float, float]:
    """σ, P(X > T) and E[X·1{X > T}] of the lognormal with this mean and p95, worked out independently."""
    sigma = Z95 - math.sqrt(Z95 * Z95 - 2 * math.log(p95 / mean))
    mu = math.log(mean) - sigma * sigma / 2
    share = 1 - STD.cdf((math.log(threshold) - mu) / sigma)
    partial = mean * (1 - STD.cdf((math.log(threshold) - mu - sigma * sigma) / sigma))
    return sigma, share, partial


# ------------------------------------------------------------------ fixed


def test_fixed_has_its_value_as_mean_and_all_or_nothing_tail() -> None:
    fixed = Fixed(D(1200))
    assert fixed.mean == D(1200)
    assert fixed.tail(D(1000)) == (D(1), D(1200))
    assert fixed.tail(D(1200)) == (D(0), D(0))  # billed at long rates only *above* the threshold
    assert fixed.tail(D(5000)) == (D(0), D(0))


# ------------------------------------------------------------------ normal


def test_normal_far_from_zero_has_its_center_as_mean() -> None:
    # 1000 ± 100: P(X < 0) = Φ(−10) ≈ 7.6e−24, below the 1e−17 the mean ignores
    assert Normal(D(1000), D(100)).mean == D(1000)
    assert Normal(D(1000), D(0)).mean == D(1000)


def test_normal_tail_matches_the_closed_form() -> None:
    mu, sd, threshold = 1000.0, 300.0, 1400.0
    share, partial = Normal(D(1000), D(300)).tail(D(1400))
    z = (threshold - mu) / sd
    assert float(share) == pytest.approx(1 - STD.cdf(z), rel=1e-12)
    assert float(partial) == pytest.approx(mu * (1 - STD.cdf(z)) + sd * STD.pdf(z), rel=1e-12)


def test_normal_clipped_at_zero_has_the_clipped_mean() -> None:
    # N(100, 150²) reaches far below 0: mean = 100·Φ(2/3) + 150·φ(2/3) ≈ 137.55, not 100
    normal = Normal(D(100), D(150))
    expected = 100 * STD.cdf(100 / 150) + 150 * STD.pdf(100 / 150)
    assert float(normal.mean) == pytest.approx(expected, rel=1e-12)
    assert normal.negative_share == pytest.approx(STD.cdf(-100 / 150), rel=1e-12)
    draws = normal.sample(np.random.default_rng(1), 400_000)
    assert draws.min() == 0.0
    assert draws.mean() == pytest.approx(expected, rel=0.01)


# --------------------------------------------------------------- lognormal


def test_lognormal_sigma_solves_mean_and_p95() -> None:
    sigma = lognormal_sigma(D(4000), D(10000))
    assert sigma is not None
    assert sigma == pytest.approx(lognormal_closed_form(4000, 10000, 1)[0], rel=1e-12)
    mu = math.log(4000) - sigma**2 / 2
    assert math.exp(mu + sigma**2 / 2) == pytest.approx(4000, rel=1e-12)  # the mean
    assert math.exp(mu + Z95 * sigma) == pytest.approx(10000, rel=1e-12)  # the 95th percentile


@pytest.mark.parametrize(
    ("mean", "p95"),
    [
        pytest.param("1000", "1000", id="p95-equals-mean"),
        pytest.param("1000", "900", id="p95-below-mean"),
        pytest.param("1000", "3870", id="p95-above-the-limit"),  # the limit is e^(z²/2) ≈ 3.8680 × mean
        pytest.param("0", "100", id="zero-mean"),
    ],
)
def test_lognormal_sigma_is_none_where_no_lognormal_fits(mean: str, p95: str) -> None:
    assert lognormal_sigma(D(mean), D(p95)) is None


def test_lognormal_sigma_at_the_limit() -> None:
    # p95/mean = e^(z²/2) makes the discriminant 0: σ = z exactly
    limit = math.exp(Z95 * Z95 / 2)
    assert lognormal_sigma(D(1000), D(repr(1000 * limit * (1 - 1e-12)))) == pytest.approx(Z95, abs=1e-5)
    assert lognormal_sigma(D(1000), D(repr(1000 * limit * (1 + 1e-9)))) is None


def test_lognormal_tail_matches_the_closed_form() -> None:
    sigma, share, partial = lognormal_closed_form(4000, 10000, 8000)
    tail = LogNormal(D(4000), D(10000), sigma).tail(D(8000))
    assert float(tail[0]) == pytest.approx(share, rel=1e-12)
    assert float(tail[1]) == pytest.approx(partial, rel=1e-12)
    assert LogNormal(D(4000), D(10000), sigma).tail(D(0)) == (D(1), D(4000))


def test_lognormal_tail_agrees_with_monte_carlo() -> None:
    sigma, share, partial = lognormal_closed_form(4000, 10000, 8000)
    draws = LogNormal(D(4000), D(10000), sigma).sample(np.random.default_rng(7), 1_000_000)
    above = draws > 8000
    assert draws.mean() == pytest.approx(4000, rel=0.01)
    assert np.quantile(draws, 0.95) == pytest.approx(10000, rel=0.01)
    assert above.mean() == pytest.approx(share, rel=0.02)
    assert (draws * above).mean() == pytest.approx(partial, rel=0.02)


# ------------------------------------------------------------- independent


def test_independent_tail_pairs_the_share_with_the_mean_output() -> None:
    # input 1000 for everyone > 800: share 1, input 1000; output drawn independently, mean 250 → 1 × 250
    profile = Independent(Fixed(D(1000)), Fixed(D(250)))
    assert (profile.input_mean, profile.output_mean) == (D(1000), D(250))
    assert profile.long_tail(D(800)) == TokenTail(D(1), D(1000), D(250))
    assert profile.long_tail(D(1000)) == TokenTail(D(0), D(0), D(0))
    sigma, share, _ = lognormal_closed_form(4000, 10000, 8000)
    tail = Independent(LogNormal(D(4000), D(10000), sigma), Fixed(D(500))).long_tail(D(8000))
    assert float(tail.output) == pytest.approx(share * 500, rel=1e-12)


# --------------------------------------------------------------- empirical


PAIRS = [(400, 45), (100, 10), (300, 30), (200, 20)]


def test_empirical_means_are_exact_sums() -> None:
    observed = Empirical(PAIRS, "log.jsonl")
    # (100 + 200 + 300 + 400) / 4 = 250;  (10 + 20 + 30 + 45) / 4 = 26.25
    assert observed.input_mean == D(250)
    assert observed.output_mean == D("26.25")
    assert len(observed) == 4


def test_empirical_tail_counts_only_prompts_above_the_threshold() -> None:
    observed = Empirical(PAIRS, "log.jsonl")
    # above 200: (300, 30) and (400, 45) → share 2/4, input 700/4 = 175, output 75/4 = 18.75
    assert observed.long_tail(D(200)) == TokenTail(D("0.5"), D(175), D("18.75"))
    assert observed.long_tail(D(199)) == TokenTail(D("0.75"), D("225"), D("23.75"))
    assert observed.long_tail(D(400)) == TokenTail(D(0), D(0), D(0))
    assert observed.long_tail(D(0)) == TokenTail(D(1), D(250), D("26.25"))


def test_empirical_samples_keep_pairs_together() -> None:
    inputs, outputs = Empirical(PAIRS, "log").sample(np.random.default_rng(0), 1000)
    assert set(zip(inputs.tolist(), outputs.tolist(), strict=True)) <= {(float(a), float(b)) for a, b in PAIRS}


def test_empirical_needs_an_observation() -> None:
    with pytest.raises(ValueError, match="at least one observation"):
        Empirical([], "empty.jsonl")


# ---------------------------------------------------- expected request cost

LONG = ModelPrice(
    id="long-1",
    provider="test",
    standard=TokenRates(D(2), D(8)),
    long_context=LongContext(8000, TokenRates(D(4), D(12))),
    per_request=D("0.001"),
)


def test_expected_cost_of_a_lognormal_prompt_splits_at_the_threshold() -> None:
    # E[cost] = (m − A)·2e−6 + (500 − 500s)·8e−6 + A·4e−6 + 500s·12e−6 + 0.001,
    # with s = P(in > 8000) and A = E[in·1{in > 8000}] of the lognormal (mean 4000, p95 10000)
    sigma, s, tail_in = lognormal_closed_form(4000, 10000, 8000)
    hand = (4000 - tail_in) * 2e-6 + (500 - 500 * s) * 8e-6 + tail_in * 4e-6 + 500 * s * 12e-6 + 0.001
    profile = Independent(LogNormal(D(4000), D(10000), sigma), Fixed(D(500)))
    assert float(expected_request_cost(LONG, profile)) == pytest.approx(hand, rel=1e-12)
    # more than the cost at the mean prompt, which sits below the threshold: 4000×2 + 500×8 = 12000 → 0.012 + 0.001
    assert expected_request_cost(LONG, profile) > request_cost(LONG, D(4000), D(500)) == D("0.013")


def test_expected_cost_of_observed_pairs_is_exact() -> None:
    # pairs (9000, 900) long, (1000, 100) and (3000, 300) short; each with probability 1/3:
    # long:  9000×4 + 900×12 = 46800;  short: 1000×2 + 100×8 = 2800 and 3000×2 + 300×8 = 8400
    # mean = (46800 + 2800 + 8400) / 3 / 1e6 + 0.001 = 58000 / 3e6 + 0.001
    observed = Empirical([(9000, 900), (1000, 100), (3000, 300)], "log")
    expected = D(58000) / 3 / D(1_000_000) + D("0.001")
    assert expected_request_cost(LONG, observed) == pytest.approx(expected, abs=D("1e-25"))


def test_token_rates_per_token() -> None:
    price = ModelPrice(
        id="rates",
        provider="test",
        standard=TokenRates(D(2), D(8), cached_input=D("0.2")),
        batch=TokenRates(D(1), D(4)),
        long_context=LongContext(8000, TokenRates(D(4), D(12), cached_input=D("0.4"))),
    )
    # per 1M: standard 2 / 8; long 4 / 12
    assert token_rates(price, long=False) == (D("0.000002"), D("0.000008"))
    assert token_rates(price, long=True) == (D("0.000004"), D("0.000012"))
    # half the input read from the cache: 0.5 × 2 + 0.5 × 0.2 = 1.1 per 1M
    assert token_rates(price, long=False, cached_share=D("0.5")) == (D("0.0000011"), D("0.000008"))
    # long and batch: the batch discount (1/2 on input, 4/8 on output) applied to the long rates: 2 / 6;
    # its cached rate 0.4 × 1/2 = 0.2 (no batch cache price: the input ratio) → 0.5 × 2 + 0.5 × 0.2 = 1.1
    assert token_rates(price, long=True, tier="batch") == (D("0.000002"), D("0.000006"))
    assert token_rates(price, long=True, tier="batch", cached_share=D("0.5")) == (D("0.0000011"), D("0.000006"))


def test_expected_cost_without_long_context_uses_only_the_means() -> None:
    plain = ModelPrice(id="plain", provider="test", standard=TokenRates(D(2), D(8)))
    sigma = lognormal_sigma(D(4000), D(10000))
    assert sigma is not None
    profile = Independent(LogNormal(D(4000), D(10000), sigma), Fixed(D(500)))
    assert expected_request_cost(plain, profile) == request_cost(plain, D(4000), D(500)) == D("0.012")


# ------------------------------------------------------ scenario keys

SCENARIO = """\
name: spread
traffic:
  requests_per_month: 1000
  input_tokens: {distribution: lognormal, mean: 4000, p95: 10000}
  output_tokens: 500
models:
  long:
    price:
      input_per_mtok: 2
      output_per_mtok: 8
      per_request: 0.001
      long_context: {above_tokens: 8000, input_per_mtok: 4, output_per_mtok: 12}
strategies:
  - {name: only, type: single, model: long}
"""


def test_scenario_lognormal_prompt_is_priced_over_its_tail(tmp_path: Path) -> None:
    built = load_scenario(write(tmp_path / "s.yaml", SCENARIO))
    (segment,) = built.segments
    assert (segment.input_tokens, segment.output_tokens) == (D(4000), D(500))
    assert isinstance(segment.tokens, Independent)
    assert isinstance(segment.tokens.input, LogNormal)
    _, s, tail_in = lognormal_closed_form(4000, 10000, 8000)
    hand = (4000 - tail_in) * 2e-6 + (500 - 500 * s) * 8e-6 + tail_in * 4e-6 + 500 * s * 12e-6 + 0.001
    result = simulate(built).strategies[0]
    assert float(result.cost_per_request) == pytest.approx(hand, rel=1e-12)
    assert float(result.monthly_cost) == pytest.approx(1000 * hand, rel=1e-12)


def test_scenario_fixed_counts_carry_no_distribution(tmp_path: Path) -> None:
    text = SCENARIO.replace("{distribution: lognormal, mean: 4000, p95: 10000}", "4000")
    (segment,) = load_scenario(write(tmp_path / "s.yaml", text)).segments
    assert segment.tokens is None
    assert simulate(load_scenario(tmp_path / "s.yaml")).strategies[0].cost_per_request == D("0.013")


def test_scenario_normal_from_p95_gets_its_sd(tmp_path: Path) -> None:
    # sd = (p95 − mean) / 1.6448536269514722 = 329 / 1.6448536269514722 ≈ 200.017
    text = SCENARIO.replace("output_tokens: 500", "output_tokens: {distribution: normal, mean: 500, p95: 829}").replace(
        "{distribution: lognormal, mean: 4000, p95: 10000}", "4000"
    )
    (segment,) = load_scenario(write(tmp_path / "s.yaml", text)).segments
    assert isinstance(segment.tokens, Independent)
    output = segment.tokens.output
    assert isinstance(output, Normal)
    sd = 329 / Z95
    assert float(output.sd) == pytest.approx(sd, rel=1e-12)
    # P(X < 0) = Φ(−500/sd) ≈ 0.6%, so the mean is the clipped one: 500·Φ(500/sd) + sd·φ(500/sd) ≈ 500.40
    clipped = 500 * STD.cdf(500 / sd) + sd * STD.pdf(500 / sd)
    assert float(segment.output_tokens) == pytest.approx(clipped, rel=1e-12)
    assert segment.output_tokens > D(500)


def test_segment_distribution_overrides_traffic(tmp_path: Path) -> None:
    text = SCENARIO.replace(
        "  output_tokens: 500\n",
        "  output_tokens: 500\n  segments:\n    - {name: a, share: 0.5}\n"
        "    - {name: b, share: 0.5, input_tokens: {distribution: normal, mean: 300, sd: 30}}\n",
    )
    first, second = load_scenario(write(tmp_path / "s.yaml", text)).segments
    assert isinstance(first.tokens, Independent)
    assert isinstance(first.tokens.input, LogNormal)
    assert isinstance(second.tokens, Independent)
    assert second.tokens.input == Normal(D(300), D(30))
    assert second.input_tokens == D(300)


def test_heavily_clipped_normal_warns(tmp_path: Path) -> None:
    text = SCENARIO.replace(
        "{distribution: lognormal, mean: 4000, p95: 10000}", "{distribution: normal, mean: 100, sd: 150}"
    )
    built = load_scenario(write(tmp_path / "s.yaml", text))
    assert any("fall below 0" in warning for warning in built.warnings)


def test_latency_jitter_defaults_and_can_be_set(tmp_path: Path) -> None:
    text = SCENARIO + "  - {name: other, type: single, model: quick}\n"
    text = text.replace(
        "strategies:", "  quick: {price: {input_per_mtok: 1, output_per_mtok: 1}, latency: {jitter: 0.5}}\nstrategies:"
    )
    tiers = load_scenario(write(tmp_path / "s.yaml", text)).tiers
    assert tiers["long"].latency_jitter == D("0.25")
    assert tiers["quick"].latency_jitter == D("0.5")


# ------------------------------------------------------ scenario errors


def _refused_scenario(tmp_path: Path, text: str) -> str:
    """``refused`` for ``routecli simulate`` of a scenario file with ``text``."""
    return refused("simulate", str(write(tmp_path / "scenario.yaml", text)))


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        pytest.param(
            "{distribution: lognormal, mean: 4000, p95: 4000}",
            "traffic.input_tokens.p95: no lognormal has mean 4000 and p95 4000: p95 must be above the mean",
            id="lognormal-p95-equals-mean",
        ),
        pytest.param(
            "{distribution: lognormal, mean: 4000, p95: 3000}",
            "traffic.input_tokens.p95: no lognormal has mean 4000 and p95 3000",
            id="lognormal-p95-below-mean",
        ),
        pytest.param(
            "{distribution: lognormal, mean: 4000, p95: 16000}",
            "at most 3.868 times it (for a heavier tail, give observed counts with tokens_from)",
            id="lognormal-p95-over-3.87x",
        ),
        pytest.param(
            "{distribution: normal, mean: 4000, sd: 100, p95: 4200}",
            "traffic.input_tokens: give sd or p95 (one of them)",
            id="normal-both-sd-and-p95",
        ),
        pytest.param(
            "{distribution: normal, mean: 4000}",
            "traffic.input_tokens: give sd or p95 (one of them)",
            id="normal-neither-sd-nor-p95",
        ),
        pytest.param(
            "{distribution: normal, mean: 4000, p95: 3000}",
            "traffic.input_tokens.p95: p95 3000 is below the mean 4000",
            id="normal-p95-below-mean",
        ),
        pytest.param(
            "{distribution: gamma, mean: 4000}",
            "traffic.input_tokens.distribution: expected one of normal, lognormal, got the text 'gamma'",
            id="unknown-distribution",
        ),
        pytest.param(
            "{distribution: lognormal, mean: 4000}",
            "traffic.input_tokens: missing required key 'p95'",
            id="lognormal-without-p95",
        ),
        pytest.param(
            "{distribution: lognormal, mean: 4000, p95: 9000, sd: 10}",
            "traffic.input_tokens.sd: unknown key 'sd'",
            id="lognormal-with-sd",
        ),
    ],
)
def test_bad_distribution_is_one_clear_message(tmp_path: Path, tokens: str, expected: str) -> None:
    err = _refused_scenario(tmp_path, SCENARIO.replace("{distribution: lognormal, mean: 4000, p95: 10000}", tokens))
    assert err.startswith(f"{tmp_path / 'scenario.yaml'}:4: ")
    assert expected in err


def test_jitter_out_of_range_is_refused(tmp_path: Path) -> None:
    text = SCENARIO.replace("    price:\n", "    latency: {jitter: 11}\n    price:\n")
    err = _refused_scenario(tmp_path, text)
    assert ":8: models.long.latency.jitter: expected a coefficient of variation from 0 to 10, got 11" in err


def test_build_scenario_refuses_a_lognormal_without_a_solution() -> None:
    data = {
        "name": "x",
        "traffic": {
            "requests_per_month": 1,
            "input_tokens": {"distribution": "lognormal", "mean": 100, "p95": 387},
            "output_tokens": 1,
        },
        "models": {"m": {"price": {"input_per_mtok": 1, "output_per_mtok": 1}}},
        "strategies": [{"name": "s", "type": "single", "model": "m"}],
    }
    with pytest.raises(InvalidValueError, match="no lognormal has mean 100 and p95 387"):
        build_scenario(data, PriceTable())
