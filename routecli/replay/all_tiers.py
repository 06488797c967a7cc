"""The outcomes file of ``replay --all-tiers``: per prompt, each tier's quality, cost and confidence, as JSON Lines.

What ``routecli tune`` and ``routecli evaluate`` read (docs/outcomes.md). It is
built from the decisions alone, so a resumed run writes it again from its whole
log, and it holds no answer text: only each prompt's id and text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from routecli.errors import InputFileError
from routecli.pricing.prices import decimal_text
from routecli.replay.records import Attempt, Decision

__all__ = ["OutcomesWritten", "TierOutcome", "outcome_line", "tier_outcomes", "write_outcomes"]

_JUDGING_ROLES = ("answer", "accept_judge")


class TierOutcome(NamedTuple):
    """One tier's judged answer to one prompt."""

    quality: int
    """1 when the answer was correct (or, without an expected answer, accepted by the evaluators), else 0."""
    cost: Decimal
    """Every call made for the answer: its retries (billed ones are rare). Not its judges: a route never judges,
    and a cascade judges only the answers it may escalate, so judging is no part of a model's cost."""
    confidence: float | None
    """The answer's mean token logprob; None when the provider returned no logprobs."""
    judge_cost: Decimal = Decimal(0)
    """What the judge calls that judged the answer cost (no expected answer: the evaluators' judges)."""


class OutcomesWritten(NamedTuple):
    """What went into an outcomes file: a line per prompt with any judged answer; how many had every tier's."""

    lines: int
    complete: int


def tier_outcomes(decision: Decision) -> dict[str, TierOutcome]:
    """Each tier's judged answer in an ``--all-tiers`` decision, by tier name.

    A tier that gave no answer, or whose answer could not be judged (no
    expected answer and no evaluators, or a judge call that failed), is left out.
    The attempts come a tier at a time: its answer's tries, then its judge calls.
    """
    made: dict[str, list[Attempt]] = {}
    asked: str | None = None
    for attempt in decision.attempts:
        if attempt.role == "answer":
            asked = attempt.tier
        if asked is not None and attempt.role in _JUDGING_ROLES:
            made.setdefault(asked, []).append(attempt)
    outcomes: dict[str, TierOutcome] = {}
    for tier, attempts in made.items():
        answer = next((a for a in attempts if a.role == "answer" and a.error is None), None)
        if answer is None:
            continue
        quality = answer.correct if answer.correct is not None else answer.accepted
        if quality is None:
            continue
        cost = sum((attempt.cost for attempt in attempts if attempt.role == "answer"), Decimal(0))
        judging = sum((attempt.cost for attempt in attempts if attempt.role != "answer"), Decimal(0))
        confidence = None if answer.logprob is None else answer.logprob.mean
        outcomes[tier] = TierOutcome(int(quality), cost, confidence, judging)
    return outcomes


def outcome_line(decision: Decision, tiers: Sequence[str], prompt_text: str | None) -> dict[str, Any] | None:
    """The JSON object of one prompt, its tiers in ``tiers``' order; None when no tier's answer was judged."""
    outcomes = tier_outcomes(decision)
    if not outcomes:
        return None
    line: dict[str, Any] = {"id": decision.id}
    if prompt_text is not None:
        line["prompt"] = prompt_text
    line["outcomes"] = {name: _outcome_json(outcomes[name]) for name in tiers if name in outcomes}
    return line


def write_outcomes(
    path: Path, decisions: Iterable[Decision], tiers: Sequence[str], texts: Mapping[str, str]
) -> OutcomesWritten:
    """Write (replacing) the outcomes file: a line per prompt in prompt-file order, ``texts`` giving prompts' text."""
    lines = []
    complete = 0
    for decision in sorted(decisions, key=lambda decision: decision.line):
        line = outcome_line(decision, tiers, texts.get(decision.id))
        if line is None:
            continue
        lines.append(json.dumps(line, ensure_ascii=False) + "\n")
        complete += len(line["outcomes"]) == len(tiers)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(lines), encoding="utf-8")
    except OSError as error:
        raise InputFileError(f"cannot write the outcomes file: {error.strerror or error}", source=str(path)) from None
    return OutcomesWritten(len(lines), complete)


def _outcome_json(outcome: TierOutcome) -> dict[str, Any]:
    document: dict[str, Any] = {"quality": outcome.quality, "cost": decimal_text(outcome.cost)}
    if outcome.judge_cost:
        document["judge_cost"] = decimal_text(outcome.judge_cost)
    if outcome.confidence is not None:
        document["confidence"] = outcome.confidence
    return document
