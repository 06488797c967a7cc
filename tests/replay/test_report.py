"""The replay report from hand-built decisions: every figure worked out by hand below.

Prices per 1M tokens (input / output / cached input):
light $1 / $2 / $0.5, mid $3 / $15 / none, heavy $10 / $30 / $2.5.
An attempt's cost is (uncached input × input + cached × cached price + output × output) / 1M.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from routecli.pricing.prices import ModelPrice, TokenRates
from routecli.replay.records import Attempt, Decision, Escalation, RunInfo, TierInfo
from routecli.replay.report import ReplayReport, build_report
from routecli.replay.routing import RouteDecision
from routecli.stats import Percentiles

D = Decimal


def price(model: str, input_rate: str, output_rate: str, cached: str | None = None) -> ModelPrice:
    return ModelPrice(
        id=model,
        provider="test",
        standard=TokenRates(D(input_rate), D(output_rate), None if cached is None else D(cached)),
    )


LIGHT = TierInfo("light", "test", "small-1", price("small-1", "1", "2", "0.5"))
MID = TierInfo("mid", "test", "mid-1", price("mid-1", "3", "15"))
HEAVY = TierInfo("heavy", "test", "big-1", price("big-1", "10", "30", "2.5"))


def answer(
    tier: str,
    tokens: tuple[int, int, int],
    cost: str,
    latency_ms: float,
    *,
    estimated: bool = False,
) -> Attempt:
    input_tokens, output_tokens, cached = tokens
    return Attempt(
        role="answer",
        tier=tier,
        model=tier + "-model",
        status=200,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_tokens=cached,
        estimated=estimated,
        cost=D(cost),
        latency_ms=latency_ms,
    )


def judge(role: str, tier: str, tokens: tuple[int, int], cost: str, latency_ms: float) -> Attempt:
    return Attempt(
        role=role,
        tier=tier,
        model=tier + "-model",
        status=200,
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        cached_tokens=0,
        estimated=False,
        cost=D(cost),
        latency_ms=latency_ms,
    )


def failure(tier: str, kind: str, latency_ms: float, role: str = "answer") -> Attempt:
    return Attempt(
        role=role,
        tier=tier,
        model=tier + "-model",
        status=None,
        input_tokens=0,
        output_tokens=0,
        cached_tokens=0,
        estimated=False,
        cost=D(0),
        latency_ms=latency_ms,
        error=f"{kind} happened",
        error_kind=kind,
    )


def decision(
    id: str,
    attempts: list[Attempt],
    final: str | None,
    latency_ms: float,
    *,
    escalations: tuple[tuple[str, str, tuple[str, ...]], ...] = (),
    correct: bool | None = None,
    route: str | None = None,
    label: str | None = None,
) -> Decision:
    return Decision(
        id=id,
        line=int(id) if id.isdigit() else 99,
        route=None if route is None else RouteDecision(route, "test"),
        attempts=tuple(attempts),
        final_tier=final,
        escalations=tuple(Escalation(*step) for step in escalations),
        latency_ms=latency_ms,
        label=label,
        expected=None if correct is None else "42",
        correct=correct,
    )


CASCADE_RUN = RunInfo(
    tiers=(LIGHT, MID, HEAVY),
    setup="cascade",
    chain=("light", "mid", "heavy"),
    config="router.yaml",
    prompts="prompts.jsonl",
    started="2026-01-02T03:04:05Z",
    prompt_count=6,
    invalid_lines=((7, "not JSON"),),
)


def cascade_decisions() -> list[Decision]:
    """Six prompts through light → mid → heavy, with an accept judge on mid.

    1  light answers (1000 in, 200 out): 0.0014. Correct.
    2  light (2000 in, 1000 of them cached, 100 out): 1000×1 + 1000×0.5 + 100×2 = 1700 → 0.0017;
       mid's judge (500, 10): 1500 + 150 → 0.00165; rejected (judge, logprob);
       mid answers (2000, 300): 6000 + 4500 → 0.0105. Wrong.
    3  light times out; mid (800, 50): 2400 + 750 → 0.00315, rejected (length);
       heavy (800 in, 600 cached, 400 out): 200×10 + 600×2.5 + 400×30 = 15500 → 0.0155. Correct.
    10 light (100, 10): 0.00012; mid's judge (300, 5): 900 + 75 → 0.000975, rejected (judge);
       mid rate-limited, heavy times out: no answer.
    x7 light (400, 40, estimated): 0.00048. Nothing expected.
    9  server errors on all three tiers: no answer.
    """
    return [
        decision("1", [answer("light", (1000, 200, 0), "0.0014", 100)], "light", 100, correct=True),
        decision(
            "2",
            [
                answer("light", (2000, 100, 1000), "0.0017", 120),
                judge("accept_judge", "mid", (500, 10), "0.00165", 40),
                answer("mid", (2000, 300, 0), "0.0105", 300),
            ],
            "mid",
            470,
            escalations=(("light", "mid", ("judge", "logprob")),),
            correct=False,
        ),
        decision(
            "3",
            [
                failure("light", "timeout", 5000),
                answer("mid", (800, 50, 0), "0.00315", 200),
                answer("heavy", (800, 400, 600), "0.0155", 900),
            ],
            "heavy",
            6100,
            escalations=(("light", "mid", ("error",)), ("mid", "heavy", ("length",))),
            correct=True,
        ),
        decision(
            "10",
            [
                answer("light", (100, 10, 0), "0.00012", 50),
                judge("accept_judge", "mid", (300, 5), "0.000975", 30),
                failure("mid", "rate_limit", 10),
                failure("heavy", "timeout", 30000),
            ],
            None,
            30090,
            escalations=(("light", "mid", ("judge",)), ("mid", "heavy", ("error",))),
        ),
        decision("x7", [answer("light", (400, 40, 0), "0.00048", 80, estimated=True)], "light", 80),
        decision(
            "9",
            [failure("light", "server", 1), failure("mid", "server", 2), failure("heavy", "server", 3)],
            None,
            6,
            escalations=(("light", "mid", ("error",)), ("mid", "heavy", ("error",))),
        ),
    ]


@pytest.fixture
def cascade() -> ReplayReport:
    return build_report(CASCADE_RUN, cascade_decisions())


def test_counts_prompts_answers_and_failures(cascade: ReplayReport) -> None:
    assert (cascade.requests, cascade.answered, cascade.failed, cascade.invalid) == (6, 4, 2, 1)
    assert cascade.failed_ids == ("9", "10")  # as numbers, not as text


def test_decisions_in_any_order_give_the_same_report(cascade: ReplayReport) -> None:
    assert build_report(CASCADE_RUN, cascade_decisions()[::-1]) == cascade


def test_tied_counts_come_out_in_the_same_order_whatever_the_decision_order() -> None:
    """Workers finish in any order, so a report's lists must not depend on it (light → mid: judge 2, error 2)."""
    forward, backward = (
        build_report(CASCADE_RUN, cascade_decisions()),
        build_report(CASCADE_RUN, cascade_decisions()[::-1]),
    )
    assert list(forward.hops[0].reasons) == list(backward.hops[0].reasons)
    tied = [
        decision("1", [failure("light", "timeout", 1)], None, 1, route="light"),
        decision("2", [failure("heavy", "server", 1)], None, 1, route="heavy"),
    ]
    one, other = build_report(ROUTE_RUN, tied), build_report(ROUTE_RUN, tied[::-1])
    assert list(one.errors) == list(other.errors)
    assert one.routing is not None
    assert other.routing is not None
    assert list(one.routing.distribution) == list(other.routing.distribution)


def test_tier_calls_tokens_and_spend(cascade: ReplayReport) -> None:
    light, mid, heavy = cascade.tiers
    assert (light.requests, light.input_tokens, light.output_tokens, light.cached_tokens) == (6, 3500, 350, 1000)
    assert light.spend == D("0.0037")  # 0.0014 + 0.0017 + 0.00012 + 0.00048
    assert (mid.requests, mid.input_tokens, mid.output_tokens, mid.cached_tokens) == (6, 3600, 365, 0)
    assert mid.spend == D("0.016275")  # 0.00165 + 0.0105 + 0.00315 + 0.000975
    assert (heavy.requests, heavy.input_tokens, heavy.output_tokens, heavy.cached_tokens) == (3, 800, 400, 600)
    assert heavy.spend == D("0.0155")
    assert cascade.total_spend == D("0.035475")
    assert light.spend_share == pytest.approx(0.0037 / 0.035475)
    assert heavy.spend_share == pytest.approx(0.0155 / 0.035475)


def test_judge_calls_cost_but_do_not_answer(cascade: ReplayReport) -> None:
    mid = cascade.tiers[1]
    assert mid.requests == 6  # 2 judge calls + 4 answer attempts
    assert mid.answered == 1
    assert [tier.answered for tier in cascade.tiers] == [2, 1, 1]
    assert [tier.answer_share for tier in cascade.tiers] == [0.5, 0.25, 0.25]


def test_errors_by_tier_and_kind(cascade: ReplayReport) -> None:
    assert [tier.errors for tier in cascade.tiers] == [2, 2, 2]
    assert cascade.errors == {"server": 3, "timeout": 2, "rate_limit": 1}
    assert list(cascade.errors) == ["server", "timeout", "rate_limit"]  # most frequent first


def test_estimated_token_counts(cascade: ReplayReport) -> None:
    assert cascade.estimated_requests == 1
    assert [tier.estimated_requests for tier in cascade.tiers] == [1, 0, 0]


def test_hops_rates_and_reasons(cascade: ReplayReport) -> None:
    first, second = cascade.hops
    assert (first.from_tier, first.to_tier, first.attempted, first.escalated) == ("light", "mid", 6, 4)
    assert first.rate == pytest.approx(4 / 6)
    assert first.reasons == {"judge": 2, "error": 2, "logprob": 1}
    assert (second.from_tier, second.to_tier, second.attempted, second.escalated) == ("mid", "heavy", 4, 3)
    assert second.rate == 0.75
    assert second.reasons == {"error": 2, "length": 1}
    assert list(second.reasons) == ["error", "length"]


def test_escalation_rate_counts_prompts_not_hops(cascade: ReplayReport) -> None:
    assert cascade.escalated == 4  # prompts 2, 3, 10 and 9; 3, 10 and 9 escalated twice
    assert cascade.escalation_rate == pytest.approx(4 / 6)


def test_quality_per_tier_and_overall(cascade: ReplayReport) -> None:
    light, mid, heavy = cascade.tiers
    assert light.quality is not None
    assert (light.quality.checked, light.quality.correct) == (1, 1)  # x7 had nothing expected
    assert mid.quality is not None
    assert (mid.quality.checked, mid.quality.correct, mid.quality.accuracy) == (1, 0, 0.0)
    assert heavy.quality is not None
    assert heavy.quality.accuracy == 1.0
    assert cascade.quality is not None
    assert (cascade.quality.checked, cascade.quality.correct) == (3, 2)
    assert cascade.quality.accuracy == pytest.approx(2 / 3)


def test_counterfactuals_price_the_final_answers_tokens(cascade: ReplayReport) -> None:
    """Answers served: 1 (1000, 200, 0), 2 (2000, 300, 0), 3 (800, 400, 600 cached), x7 (400, 40, 0).

    All on heavy: 16000 + 29000 + (200×10 + 600×2.5 + 400×30 = 15500) + 5200 = 65700 → 0.0657.
    All on light: 1400 + 2600 + (200×1 + 600×0.5 + 400×2 = 1300) + 480 = 5780 → 0.00578.
    This setup on those four prompts (failed 9 and 10 left out of both sides):
    0.0014 + (0.0017 + 0.00165 + 0.0105) + (0 + 0.00315 + 0.0155) + 0.00048 = 0.03438.
    """
    top, bottom = cascade.counterfactual_top, cascade.counterfactual_bottom
    assert top is not None
    assert (top.tier, top.model, top.spend, top.compared_spend) == ("heavy", "big-1", D("0.0657"), D("0.03438"))
    assert top.savings == D("0.03132")
    assert top.savings_pct == pytest.approx(0.03132 / 0.0657 * 100)
    assert bottom is not None
    assert (bottom.tier, bottom.spend, bottom.savings) == ("light", D("0.00578"), D("-0.0286"))
    assert bottom.savings_pct == pytest.approx(-0.0286 / 0.00578 * 100)


def test_cached_tokens_cost_the_input_price_without_a_cache_price() -> None:
    """Bottom tier mid has no cache price: 1000 in (800 cached) and 100 out cost 1000×3 + 100×15 → 0.0045."""
    run = RunInfo(tiers=(MID, HEAVY), setup="cascade", chain=("mid", "heavy"))
    served = answer("heavy", (1000, 100, 800), "0.007", 10)  # 200×10 + 800×2.5 + 100×30 = 7000 → 0.007
    report = build_report(run, [decision("1", [served], "heavy", 10)])
    assert report.counterfactual_bottom is not None
    assert (report.counterfactual_bottom.spend, report.counterfactual_bottom.savings) == (D("0.0045"), D("-0.0025"))
    assert report.counterfactual_top is not None
    assert (report.counterfactual_top.spend, report.counterfactual_top.savings) == (D("0.007"), D(0))
    assert report.counterfactual_top.savings_pct == 0


def test_latency_percentiles_interpolate_like_numpy(cascade: ReplayReport) -> None:
    """Per prompt: 6, 80, 100, 470, 6100, 30090 → p50 at rank 2.5, p95 at 4.75, p99 at 4.95."""
    assert cascade.latency_ms == pytest.approx(
        Percentiles(p50=285, p95=6100 + 23990 * 0.75, p99=6100 + 23990 * 0.95, mean=36846 / 6)
    )
    light, mid, heavy = cascade.tiers
    assert light.latency_ms is not None  # calls 1, 50, 80, 100, 120, 5000
    assert (light.latency_ms.p50, light.latency_ms.p95) == pytest.approx((90, 120 + 4880 * 0.75))
    assert mid.latency_ms is not None  # calls 2, 10, 30, 40, 200, 300
    assert mid.latency_ms.p50 == pytest.approx(35)
    assert heavy.latency_ms == pytest.approx(Percentiles(900, 900 + 29100 * 0.9, 900 + 29100 * 0.98, 30903 / 3))


def test_even_count_median_is_the_midpoint() -> None:
    run = RunInfo(tiers=(LIGHT,), setup="single")
    report = build_report(
        run,
        [decision(str(i), [answer("light", (1, 1, 0), "0", ms)], "light", ms) for i, ms in enumerate((40, 10, 30, 20))],
    )
    assert report.latency_ms is not None
    assert report.latency_ms.p50 == 25
    assert report.latency_ms.mean == 25


def test_no_router_and_no_labels_means_no_routing(cascade: ReplayReport) -> None:
    assert cascade.routing is None


ROUTE_RUN = RunInfo(tiers=(LIGHT, HEAVY), setup="route", router="judge")


def route_decisions() -> list[Decision]:
    """A judge on light routes each prompt (200 in, 1 out: 200 + 2 → 0.000202); no cascade.

    1 → heavy (100, 50): 1000 + 1500 → 0.0025; labelled heavy.
    2 → light (100, 20): 100 + 40 → 0.00014; labelled heavy.
    3 → light, the same; labelled light.
    4 judge fails, fallback heavy: 0.0025; no label.
    5 → light (no judge call: say a rule routed it), light fails; labelled light.
    """
    route_judge = judge("route_judge", "light", (200, 1), "0.000202", 20)
    return [
        decision(
            "1", [route_judge, answer("heavy", (100, 50, 0), "0.0025", 500)], "heavy", 520, route="heavy", label="heavy"
        ),
        decision(
            "2", [route_judge, answer("light", (100, 20, 0), "0.00014", 50)], "light", 70, route="light", label="heavy"
        ),
        decision(
            "3", [route_judge, answer("light", (100, 20, 0), "0.00014", 50)], "light", 70, route="light", label="light"
        ),
        decision(
            "4",
            [failure("light", "timeout", 1000, role="route_judge"), answer("heavy", (100, 50, 0), "0.0025", 500)],
            "heavy",
            1500,
            route="heavy",
        ),
        decision("5", [failure("light", "server", 5)], None, 5, route="light", label="light"),
    ]


@pytest.fixture
def routed() -> ReplayReport:
    return build_report(ROUTE_RUN, route_decisions())


def test_route_judge_calls_count_in_their_tier(routed: ReplayReport) -> None:
    light, heavy = routed.tiers
    assert (light.requests, light.answered, light.errors) == (7, 2, 2)  # 4 judge calls, 3 answer attempts
    assert light.spend == D("0.000886")  # 3 × 0.000202 + 2 × 0.00014
    assert (heavy.requests, heavy.answered, heavy.spend) == (2, 2, D("0.005"))
    assert routed.total_spend == D("0.005886")
    assert light.answer_share == heavy.answer_share == 0.5


def test_routing_distribution_accuracy_and_confusion(routed: ReplayReport) -> None:
    routing = routed.routing
    assert routing is not None
    assert routing.distribution == {"light": 3, "heavy": 2}
    assert (routing.labelled, routing.agreed, routing.accuracy) == (4, 3, 0.75)
    assert routing.confusion == {"heavy": {"heavy": 1, "light": 1}, "light": {"light": 2}}


def test_no_chain_means_no_hops_and_no_escalation(routed: ReplayReport) -> None:
    assert routed.hops == ()
    assert (routed.escalated, routed.escalation_rate) == (0, 0.0)
    assert routed.failed_ids == ("5",)


def test_counterfactual_ignores_judge_calls(routed: ReplayReport) -> None:
    """Answers only: 2500 + 1600 + 1600 + 2500 on heavy → 0.0082; the judge calls are this setup's own cost."""
    top = routed.counterfactual_top
    assert top is not None
    assert (top.spend, top.savings) == (D("0.0082"), D("0.002314"))


def test_labels_without_a_router_compare_with_the_final_tier() -> None:
    run = RunInfo(tiers=(LIGHT, HEAVY), setup="cascade", chain=("light", "heavy"))
    decisions = [
        decision("1", [answer("light", (1, 1, 0), "0", 1)], "light", 1, label="light"),
        decision("2", [answer("light", (1, 1, 0), "0", 1)], "light", 1, label="heavy"),
        decision("3", [failure("light", "server", 1), failure("heavy", "server", 1)], None, 1, label="heavy"),
    ]
    routing = build_report(run, decisions).routing
    assert routing is not None
    assert routing.distribution == {}
    assert (routing.labelled, routing.agreed) == (2, 1)  # a prompt with no answer was decided nowhere
    assert routing.confusion == {"light": {"light": 1}, "heavy": {"light": 1}}


def test_nothing_replayed() -> None:
    report = build_report(CASCADE_RUN, [])
    assert (report.requests, report.answered, report.failed, report.total_spend) == (0, 0, 0, D(0))
    assert report.latency_ms is None
    assert report.escalation_rate is None
    assert report.quality is None
    assert report.routing is None
    assert report.counterfactual_top is None
    assert report.counterfactual_bottom is None
    assert [hop.rate for hop in report.hops] == [None, None]
    for tier in report.tiers:
        assert (tier.answer_share, tier.spend_share, tier.latency_ms, tier.quality) == (None, None, None, None)


def test_nothing_answered_has_no_counterfactual() -> None:
    report = build_report(CASCADE_RUN, [cascade_decisions()[-1]])
    assert (report.answered, report.failed, report.failed_ids) == (0, 1, ("9",))
    assert report.counterfactual_top is None
    assert report.tiers[0].answer_share is None
    assert report.latency_ms == Percentiles(6, 6, 6, 6)


def test_a_prompt_with_no_answer_counts_as_wrong_in_overall_quality() -> None:
    """Two expected answers: one right, one never answered → 1 of 2, not 1 of 1."""
    run = RunInfo(tiers=(LIGHT,), setup="single")
    failed = decision("2", [failure("light", "timeout", 10)], None, 10)
    failed = failed._replace(expected="42")
    report = build_report(
        run, [decision("1", [answer("light", (10, 1, 0), "0.000012", 5)], "light", 5, correct=True), failed]
    )
    assert report.quality is not None
    assert (report.quality.checked, report.quality.correct) == (2, 1)
    assert report.tiers[0].quality is not None
    assert (report.tiers[0].quality.checked, report.tiers[0].quality.correct) == (1, 1)  # per tier: answers it served


def test_a_dry_run_reports_no_escalation_at_all() -> None:
    run = RunInfo(tiers=(LIGHT, HEAVY), setup="cascade", chain=("light", "heavy"), dry_run=True)
    report = build_report(run, [decision("1", [answer("light", (10, 1, 0), "0.000012", 0)], "light", 0)])
    assert report.escalation_rate is None
    assert report.hops == ()
