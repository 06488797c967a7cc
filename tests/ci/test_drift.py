"""Tier drift between two replay reports, worked out by hand: shares, the tolerance's edge, tiers added or removed."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from routecli.ci.documents import report_document
from routecli.ci.drift import TierShares, TierShift, entry_shares, tier_drift
from routecli.errors import InputError

F = Fraction
D = Decimal


def shares(source: str, counts: dict[str, int], tiers: tuple[str, ...] | None = None, prompts: str = "p") -> TierShares:
    return TierShares(source, counts, tuple(counts) if tiers is None else tiers, prompts)


def replay_report(tiers: list[dict[str, Any]], routing: Any = None, **extra: Any) -> dict[str, Any]:
    """The parts of a ``replay --format json`` report that drift reads."""
    head = {"kind": "replay", "schema_version": 1, "prompts": "prompts.jsonl"}
    return {**head, "tiers": tiers, "routing": routing, **extra}


# ------------------------------------------------------------------ shares


def test_a_share_is_exact_percent_of_the_prompts() -> None:
    counted = shares("r.json", {"small": 1, "large": 2})
    # 1 of 3 prompts: 100/3 %, kept as a fraction (33.333… would round)
    assert (counted.total, counted.share("small"), counted.share("large")) == (3, F(100, 3), F(200, 3))
    assert counted.share("medium") == 0  # a tier no prompt entered


def test_no_prompts_is_no_share() -> None:
    assert shares("r.json", {}, ("small",)).share("small") == 0


# ---------------------------------------------------------------- tolerance


@pytest.mark.parametrize(("tolerance", "drifted"), [("25", False), ("25.0", False), ("24.9", True), ("0", True)])
def test_a_move_equal_to_the_tolerance_is_not_drift(tolerance: str, drifted: bool) -> None:
    # small 3 of 4 = 75% → 2 of 4 = 50% (−25 points); large 25% → 50% (+25 points)
    drift = tier_drift(shares("b", {"small": 3, "large": 1}), shares("h", {"small": 2, "large": 2}), D(tolerance))
    assert drift.shifts == (TierShift("small", F(75), F(50)), TierShift("large", F(25), F(50)))
    assert [shift.change for shift in drift.shifts] == [-25, 25]
    assert [shift.tier for shift in drift.drifted] == (["small", "large"] if drifted else [])
    assert drift.passed is not drifted
    assert drift.notes == ()


def test_the_tolerance_compares_exact_thirds() -> None:
    # 1 of 3 → 2 of 3: +100/3 points, a hair above 33.3333333333 and below 33.3333333334
    base, head = shares("b", {"a": 1, "b": 2}), shares("h", {"a": 2, "b": 1})
    assert not tier_drift(base, head, D("33.3333333334")).drifted
    assert [s.tier for s in tier_drift(base, head, D("33.3333333333")).drifted] == ["a", "b"]


def test_the_same_shares_of_other_totals_do_not_drift_and_are_noted() -> None:
    # 1 of 2 and 50 of 100 are both 50%
    drift = tier_drift(shares("b.json", {"a": 1, "b": 1}), shares("h.json", {"a": 50, "b": 50}), D(0))
    assert drift.passed
    assert drift.notes == ("b.json routed 2 prompts, h.json 100.",)


def test_another_prompt_file_is_noted_instead_of_the_totals() -> None:
    base = shares("b.json", {"a": 1}, prompts="sha-1")
    head = shares("h.json", {"a": 1_000}, prompts="sha-2")
    assert tier_drift(base, head, D(10)).notes == (
        "b.json replayed another prompt file: the shares compare different prompts.",
    )


# ---------------------------------------------------------- tiers that change


def test_a_tier_added_counts_as_zero_in_the_baseline() -> None:
    # base: small 2, large 2 of 4 (50%, 50%); head: small 2, medium 1, large 1 of 4 (50%, 25%, 25%)
    base = shares("b.json", {"small": 2, "large": 2})
    head = shares("h.json", {"small": 2, "medium": 1, "large": 1})
    drift = tier_drift(base, head, D(20))
    assert drift.shifts == (
        TierShift("small", F(50), F(50)),
        TierShift("medium", F(0), F(25)),
        TierShift("large", F(50), F(25)),
    )
    assert [shift.tier for shift in drift.drifted] == ["medium", "large"]  # 25 points each, above 20
    assert drift.notes == (
        "The tiers differ (b.json: small, large; h.json: small, medium, large): "
        "a tier only one has counts as 0% in the other.",
    )


def test_a_tier_removed_counts_as_zero_now_and_comes_after_the_heads_tiers() -> None:
    # base: small 1, medium 1, large 2 of 4 (25%, 25%, 50%); head: small 2, large 2 of 4 (50%, 50%)
    base = shares("b.json", {"small": 1, "medium": 1, "large": 2})
    head = shares("h.json", {"small": 2, "large": 2})
    drift = tier_drift(base, head, D(25))
    assert drift.shifts == (
        TierShift("small", F(25), F(50)),
        TierShift("large", F(50), F(50)),
        TierShift("medium", F(25), F(0)),
    )
    assert drift.passed  # every move is exactly 25 points
    assert drift.notes[0].startswith("The tiers differ (b.json: small, medium, large; h.json: small, large)")


def test_a_configured_tier_no_prompt_entered_is_still_compared() -> None:
    base = shares("b", {"small": 4}, ("small", "large"))
    head = shares("h", {"small": 2, "large": 2}, ("small", "large"))
    drift = tier_drift(base, head, D(10))
    assert drift.shifts == (TierShift("small", F(100), F(50)), TierShift("large", F(0), F(50)))
    assert drift.notes == ()


# -------------------------------------------------------- reading a report


def test_entry_shares_are_the_routers_picks() -> None:
    data = replay_report(
        [{"name": "small", "answered": 9}, {"name": "large", "answered": 1}],
        routing={"distribution": {"small": 6, "large": 4}},
    )
    counted = entry_shares(report_document(data, "r.json"))
    # the router's picks (6, 4), not where the prompts were answered (9, 1: escalations moved some)
    assert counted == TierShares("r.json", {"small": 6, "large": 4}, ("small", "large"), "prompts.jsonl")


@pytest.mark.parametrize("routing", [None, {"distribution": {}}], ids=["no-router", "no-picks"])
def test_without_a_router_prompts_enter_where_they_were_answered(routing: Any) -> None:
    data = replay_report([{"name": "small", "answered": 7}, {"name": "large", "answered": 3}], routing=routing)
    assert entry_shares(report_document(data, "r.json")).counts == {"small": 7, "large": 3}


def test_the_prompt_file_is_its_recorded_hash_else_its_path() -> None:
    tiers = [{"name": "small", "answered": 1}]
    hashed = {"files": [{"role": "config", "sha256": "c0"}, {"role": "prompts", "sha256": "ab12"}]}
    assert entry_shares(report_document(replay_report(tiers, inputs=hashed), "r.json")).prompts == "ab12"
    assert entry_shares(report_document(replay_report(tiers), "r.json")).prompts == "prompts.jsonl"


def test_a_simulation_report_is_refused() -> None:
    document = report_document({"kind": "simulation", "schema_version": 1}, "sim.json")
    with pytest.raises(InputError) as caught:
        entry_shares(document)
    assert str(caught.value) == (
        "sim.json: kind: is a simulation report; compare against a replay report (replay --format json)"
    )


def test_a_bad_count_names_its_key_path() -> None:
    data = replay_report([{"name": "small", "answered": 1}], routing={"distribution": {"small": -1}})
    with pytest.raises(InputError) as caught:
        entry_shares(report_document(data, "r.json"))
    assert str(caught.value) == "r.json: routing.distribution.small: expected a whole number ≥ 0, got -1"
