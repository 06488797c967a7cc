"""Hand-built replay decisions and runs whose report figures are worked out by hand.

Prices per 1M tokens (input / output / cached input):
light $1 / $2 / $0.5, mid $3 / $15 / none, heavy $10 / $30 / $2.5.
An attempt's cost is (uncached input × input + cached × cached price + output × output) / 1M.
The report tests (tests/replay/test_report.py) check the figures; the renderer tests show them.
"""

from __future__ import annotations

from decimal import Decimal

from routecli.pricing.prices import ModelPrice, TokenRates
from routecli.replay.records import Attempt, Decision, Escalation, RunInfo, TierInfo
from routecli.replay.routing import RouteDecision

__all__ = [
    "CASCADE_RUN",
    "HEAVY",
    "LIGHT",
    "MID",
    "ROUTE_RUN",
    "answer",
    "cascade_decisions",
    "decision",
    "failure",
    "judge",
    "price",
    "route_decisions",
]

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
