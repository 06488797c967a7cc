"""A hand-built cascade run's decision log for ``routecli calibrate``, its figures worked out by hand.

Tiers light ($1 / $2 per 1M tokens) and heavy ($10 / $30); the chain light → heavy, its evaluators judging light.

- 30 prompts labelled easy: light answers (1000 in, 100 out: 1000 + 200 → $0.0012, 1050 ms); 24 accepted, 22 of
  them correct; 6 rejected (1 of them correct) go to heavy (1000 in, 200 out: 10000 + 6000 → $0.016, 4200 ms),
  always correct.
- 10 prompts labelled hard: light (2000 in, 100 out → $0.0022, 1050 ms); 2 accepted, both correct; 8 rejected,
  none correct, go to heavy (2000 in, 400 out: 20000 + 12000 → $0.032, 8200 ms), always correct.

Spend: easy 30 × 0.0012 + 6 × 0.016 = 0.132; hard 10 × 0.0022 + 8 × 0.032 = 0.278; total $0.41 for 40 prompts.
Escalation 14 of 40 = 35%; light serves 26, heavy 14.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from routecli.pricing.prices import ModelPrice, TokenRates
from routecli.replay.log import DecisionLog
from routecli.replay.records import Attempt, Decision, Escalation, RunInfo, TierInfo
from routecli.replay.routing import RouteDecision

__all__ = ["CASCADE_SPEND", "ROUTE_SPEND", "write_cascade_log", "write_route_log"]

CASCADE_SPEND = Decimal("0.41")
ROUTE_SPEND = Decimal("0.0732")
"""The route run (``route_decisions``): 12 light calls × 0.0006 + 8 heavy × 0.008 + 20 judge calls × 0.0001."""


def _tier(name: str, input_rate: str, output_rate: str) -> TierInfo:
    return TierInfo(
        name,
        "test",
        name + "-1",
        ModelPrice(name + "-1", "test", TokenRates(Decimal(input_rate), Decimal(output_rate))),
    )


def _answer(
    tier: str, tokens: tuple[int, int], cost: str, latency_ms: float, accepted: bool | None, correct: bool
) -> Attempt:
    return Attempt(
        role="answer",
        tier=tier,
        model=tier + "-1",
        status=200,
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        cached_tokens=0,
        estimated=False,
        cost=Decimal(cost),
        latency_ms=latency_ms,
        accepted=accepted,
        correct=correct,
    )


RUN = RunInfo(
    tiers=(_tier("light", "1", "2"), _tier("heavy", "10", "30")),
    setup="cascade",
    chain=("light", "heavy"),
    config="router.yaml",
    prompts="prompts.jsonl",
    started="2026-11-24T10:15:00+00:00",
    prompt_count=40,
)


def _decision(number: int, label: str, light: Attempt, heavy: Attempt | None) -> Decision:
    attempts = (light,) if heavy is None else (light, heavy)
    final = attempts[-1]
    return Decision(
        id=str(number),
        line=number,
        route=None,
        attempts=attempts,
        final_tier=final.tier,
        escalations=() if heavy is None else (Escalation("light", "heavy", ("logprob",)),),
        latency_ms=sum(attempt.latency_ms for attempt in attempts),
        label=label,
        expected="42",
        match="exact",
        correct=final.correct,
    )


def cascade_decisions() -> list[Decision]:
    decisions = []
    for index in range(30):
        accepted = index < 24
        correct = index < 22 or index == 24
        light = _answer("light", (1000, 100), "0.0012", 1050, accepted, correct)
        heavy = None if accepted else _answer("heavy", (1000, 200), "0.016", 4200, None, True)
        decisions.append(_decision(index + 1, "easy", light, heavy))
    for index in range(10):
        accepted = index < 2
        light = _answer("light", (2000, 100), "0.0022", 1050, accepted, accepted)
        heavy = None if accepted else _answer("heavy", (2000, 400), "0.032", 8200, None, True)
        decisions.append(_decision(31 + index, "hard", light, heavy))
    return decisions


def write_cascade_log(path: Path) -> Path:
    with DecisionLog(path, RUN) as log:
        for decision in cascade_decisions():
            log.write(decision)
    return path


ROUTE_RUN = RunInfo(
    tiers=RUN.tiers, setup="route", router="judge", config="router.yaml", started="2026-11-25T08:00:00+00:00"
)


def route_decisions() -> list[Decision]:
    """20 prompts, a judge on light routing each (its call: $0.0001).

    12 labelled easy: 10 routed to light (500 in, 50 out: 500 + 100 → $0.0006), 2 to heavy (500, 100: 5000 + 3000
    → $0.008); 8 labelled hard: 2 to light, 6 to heavy.
    """
    judge = Attempt("route_judge", "light", "light-1", 200, 90, 5, 0, False, Decimal("0.0001"), 30.0)
    plan = [("easy", "light")] * 10 + [("easy", "heavy")] * 2 + [("hard", "light")] * 2 + [("hard", "heavy")] * 6
    decisions = []
    for number, (label, tier) in enumerate(plan, start=1):
        answer = (
            _answer("light", (500, 50), "0.0006", 600, None, True)
            if tier == "light"
            else _answer("heavy", (500, 100), "0.008", 2200, None, True)
        )
        decisions.append(
            Decision(
                id=str(number),
                line=number,
                route=RouteDecision(tier, "judge"),
                attempts=(judge, answer),
                final_tier=tier,
                escalations=(),
                latency_ms=answer.latency_ms + 30,
                label=label,
            )
        )
    return decisions


def write_route_log(path: Path) -> Path:
    with DecisionLog(path, ROUTE_RUN) as log:
        for decision in route_decisions():
            log.write(decision)
    return path
