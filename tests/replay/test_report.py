"""The replay report from hand-built decisions: every figure worked out by hand in tests/helpers/decisions.py.

Prices per 1M tokens (input / output / cached input):
light $1 / $2 / $0.5, mid $3 / $15 / none, heavy $10 / $30 / $2.5.
An attempt's cost is (uncached input × input + cached × cached price + output × output) / 1M.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from routecli.ci.documents import report_document
from routecli.ci.drift import entry_shares
from routecli.provenance import hash_inputs
from routecli.render.replay_json import replay_document
from routecli.replay.records import RunInfo
from routecli.replay.report import ReplayReport, build_report, entry_counts
from routecli.replay.stats import Percentiles
from tests.helpers.decisions import (
    CASCADE_RUN,
    HEAVY,
    LIGHT,
    MID,
    ROUTE_RUN,
    answer,
    cascade_decisions,
    decision,
    failure,
    route_decisions,
)

D = Decimal


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
    assert (report.quality.checked, report.quality.correct, report.quality.unanswered) == (2, 1, 1)
    assert report.tiers[0].quality is not None
    assert (report.tiers[0].quality.checked, report.tiers[0].quality.correct) == (1, 1)  # per tier: answers it served


def test_a_dry_run_reports_no_escalation_at_all() -> None:
    run = RunInfo(tiers=(LIGHT, HEAVY), setup="cascade", chain=("light", "heavy"), dry_run=True)
    report = build_report(run, [decision("1", [answer("light", (10, 1, 0), "0.000012", 0)], "light", 0)])
    assert report.escalation_rate is None
    assert report.hops == ()


@pytest.mark.parametrize("hashed", [False, True], ids=["prompts-path", "prompts-sha256"])
@pytest.mark.parametrize("kind", ["route", "cascade"])
def test_entry_counts_are_what_drift_reads_from_the_reports_json(kind: str, hashed: bool, tmp_path: Path) -> None:
    """``replay --dry-run --baseline`` counts this run's entry tiers from the report itself, as from its JSON."""
    run, decisions = (ROUTE_RUN, route_decisions()) if kind == "route" else (CASCADE_RUN, cascade_decisions())
    if hashed:
        prompts = tmp_path / "prompts.jsonl"
        prompts.write_text('{"id": "a", "prompt": "hi"}\n', encoding="utf-8")
        run = dataclasses.replace(run, prompts=str(prompts), inputs=hash_inputs([("prompts", prompts)]))
    built = build_report(run, decisions)
    shares = entry_shares(report_document(replay_document(built), "this run"))
    assert tuple(entry_counts(built)) == (shares.counts, shares.tiers, shares.prompts)
