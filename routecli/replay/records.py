"""What a replay records: one ``Decision`` per prompt, made of ``Attempt``s, under a ``RunInfo``.

These are the decision log's contract (docs/router.md, "Decision log"): every
field here is written as JSON and read back by ``routecli report``, so the
report from a log equals the report of the run that wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from routecli.pricing.prices import ModelPrice, decimal_text, price_from_json, price_to_json
from routecli.provenance import Inputs, inputs_from_json, inputs_to_json
from routecli.replay.evaluators import LogprobStats, Verdict
from routecli.replay.routing import RouteDecision

if TYPE_CHECKING:
    from routecli.replay.prompts import Prompt

__all__ = [
    "EMBEDDING_ROLES",
    "LOG_SCHEMA_VERSION",
    "Attempt",
    "CacheHit",
    "Decision",
    "Escalation",
    "RunInfo",
    "TierInfo",
    "attempt_from_json",
    "attempt_to_json",
    "decision_for",
    "decision_from_json",
    "decision_to_json",
    "run_from_json",
    "run_to_json",
]

LOG_SCHEMA_VERSION = 1


EMBEDDING_ROLES = frozenset({"embed", "exemplars"})
"""Roles of requests to an embeddings endpoint: a prompt's vector, and the router's exemplars before the run."""


class Attempt(NamedTuple):
    """One API call: an answer from a tier, a judge's call (``role`` route_judge or accept_judge), or a request
    to an embeddings endpoint (``EMBEDDING_ROLES``; its ``tier`` is ``embedder``).

    Records are NamedTuples: a dry run makes 100,000 of them, and they build several times faster than dataclasses.
    """

    role: str
    tier: str
    model: str
    status: int | None
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    estimated: bool
    cost: Decimal
    latency_ms: float
    logprob: LogprobStats | None = None
    verdicts: tuple[Verdict, ...] = ()
    accepted: bool | None = None
    error: str | None = None
    error_kind: str | None = None
    response: str | None = None
    cache_write_tokens: int = 0
    retry: int = 0
    fallback_for: str | None = None
    """The tier this one answered for when it stepped in as a fallback."""
    correct: bool | None = None
    """Whether this answer matched the prompt's expected one (None: no expected answer, or not an answer): set on
    every answer, so a cascade's rejected answers show whether they were in fact right."""
    reasoning_tokens: int = 0
    """Hidden reasoning tokens, part of ``output_tokens`` (OpenAI's ``completion_tokens_details.reasoning_tokens``;
    0 where an API reports none, Anthropic's thinking included)."""


class Escalation(NamedTuple):
    """A request moving up the chain, and which evaluators (or ``error``) sent it."""

    from_tier: str
    to_tier: str
    reasons: tuple[str, ...]


class CacheHit(NamedTuple):
    """A prompt answered from the semantic cache: the prompt whose answer it got, and how similar they were."""

    source: str
    similarity: float


class Decision(NamedTuple):
    """Everything that happened to one prompt; ``final_tier`` is None when it got no answer.

    In an ``--all-tiers`` run the attempts hold every tier's answer, ``final_tier`` is the top tier (the last in
    the config) and ``correct`` its answer's, and the prompt counts as failed when any tier gave no answer.
    """

    id: str
    line: int
    route: RouteDecision | None
    attempts: tuple[Attempt, ...]
    final_tier: str | None
    escalations: tuple[Escalation, ...]
    latency_ms: float
    label: str | None = None
    expected: str | None = None
    match: str | None = None
    correct: bool | None = None
    error: str | None = None
    prompt: tuple[Mapping[str, Any], ...] | None = None
    answer: str | None = None
    cache: CacheHit | None = None
    """Set when the semantic cache answered: then ``final_tier`` is the source's, and the only attempts are the
    prompt's embedding by an endpoint (none for the lexical vectorizer or an exact repeat)."""

    @property
    def failed(self) -> bool:
        return self.final_tier is None

    @property
    def escalated(self) -> bool:
        return bool(self.escalations)

    @property
    def decided_tier(self) -> str | None:
        """The tier the router chose, else where the request ended: what a ``label`` is compared with."""
        return self.route.tier if self.route is not None else self.final_tier

    def final_answer(self) -> Attempt | None:
        """The attempt whose answer was served."""
        if self.final_tier is None:
            return None
        for attempt in reversed(self.attempts):
            stands_for = attempt.fallback_for or attempt.tier
            if attempt.role == "answer" and stands_for == self.final_tier and attempt.error is None:
                return attempt
        return None


@dataclass(frozen=True, slots=True)
class TierInfo:
    name: str
    provider: str
    model: str
    price: ModelPrice


@dataclass(frozen=True, slots=True)
class RunInfo:
    """The run a log belongs to: its tiers (cheapest first) with their prices, so a report needs no config."""

    tiers: tuple[TierInfo, ...]
    setup: str
    chain: tuple[str, ...] = ()
    router: str | None = None
    dry_run: bool = False
    config: str = ""
    prompts: str = ""
    started: str = ""
    prompt_count: int = 0
    invalid_lines: tuple[tuple[int, str], ...] = ()
    output_tokens_assumed: int | None = None
    sample: int | None = None
    seed: int = 0
    limit: int | None = None
    """How the prompts were chosen (``--sample``, ``--seed``, ``--limit``): a resumed run chooses the same."""
    cache_similarity: float | None = None
    """The semantic cache's threshold; None when the run had no cache."""
    cache_embedder: str | None = None
    """How the cache embedded prompts (``router_config.embedder_label``); None without a cache."""
    inputs: Inputs | None = None
    """The router config, prompt file and price tables, hashed; None in logs written before they were."""
    all_tiers: bool = False
    """``--all-tiers``: every prompt was asked of every tier, with no routing, escalation or cache."""
    batch: bool = False
    """``--batch``: prompts went through the providers' batch APIs, billed at the tiers' batch prices."""


# ------------------------------------------------------------------ to JSON


def decision_for(
    prompt: Prompt,
    *,
    route: RouteDecision | None = None,
    attempts: tuple[Attempt, ...] = (),
    final_tier: str | None = None,
    escalations: tuple[Escalation, ...] = (),
    latency_ms: float = 0.0,
    correct: bool | None = None,
    error: str | None = None,
    messages: tuple[Mapping[str, Any], ...] | None = None,
    answer: str | None = None,
    cache: CacheHit | None = None,
) -> Decision:
    """What happened to ``prompt``, with what the prompt file said of it (id, line, label, expected answer)."""
    expected = prompt.expected
    return Decision(
        id=prompt.id,
        line=prompt.line,
        route=route,
        attempts=attempts,
        final_tier=final_tier,
        escalations=escalations,
        latency_ms=latency_ms,
        label=prompt.label,
        expected=None if expected is None else expected.value,
        match=None if expected is None else expected.match,
        correct=correct,
        error=error,
        prompt=messages,
        answer=answer,
        cache=cache,
    )


def _money(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def run_to_json(run: RunInfo) -> dict[str, Any]:
    return {
        "kind": "run",
        "schema_version": LOG_SCHEMA_VERSION,
        "started": run.started,
        "config": run.config,
        "prompts": run.prompts,
        "prompt_count": run.prompt_count,
        "dry_run": run.dry_run,
        "all_tiers": run.all_tiers,
        "batch": run.batch,
        "setup": run.setup,
        "router": run.router,
        "chain": list(run.chain),
        "output_tokens_assumed": run.output_tokens_assumed,
        "selection": {"sample": run.sample, "seed": run.seed, "limit": run.limit},
        "cache": None
        if run.cache_similarity is None
        else {"similarity": run.cache_similarity, "embedder": run.cache_embedder},
        "inputs": None if run.inputs is None else inputs_to_json(run.inputs),
        "invalid_lines": [{"line": line, "error": error} for line, error in run.invalid_lines],
        "tiers": [
            {"name": t.name, "provider": t.provider, "model": t.model, "price": price_to_json(t.price)}
            for t in run.tiers
        ],
    }


def attempt_to_json(attempt: Attempt) -> dict[str, Any]:
    document: dict[str, Any] = {
        "role": attempt.role,
        "tier": attempt.tier,
        "model": attempt.model,
        "status": attempt.status,
        "input_tokens": attempt.input_tokens,
        "output_tokens": attempt.output_tokens,
        "reasoning_tokens": attempt.reasoning_tokens,
        "cached_tokens": attempt.cached_tokens,
        "cache_write_tokens": attempt.cache_write_tokens,
        "retry": attempt.retry,
        "fallback_for": attempt.fallback_for,
        "estimated": attempt.estimated,
        "cost": _money(attempt.cost),
        "latency_ms": attempt.latency_ms,
        "logprob": None if attempt.logprob is None else attempt.logprob._asdict(),
        "verdicts": [verdict._asdict() for verdict in attempt.verdicts],
        "accepted": attempt.accepted,
        "correct": attempt.correct,
        "error": attempt.error,
        "error_kind": attempt.error_kind,
    }
    if attempt.response is not None:
        document["response"] = attempt.response
    return document


def decision_to_json(decision: Decision) -> dict[str, Any]:
    route = decision.route
    document: dict[str, Any] = {
        "kind": "decision",
        "id": decision.id,
        "line": decision.line,
        "route": None if route is None else route._asdict(),
        "attempts": [attempt_to_json(attempt) for attempt in decision.attempts],
        "final_tier": decision.final_tier,
        "escalated": decision.escalated,
        "escalations": [
            {"from": e.from_tier, "to": e.to_tier, "reasons": list(e.reasons)} for e in decision.escalations
        ],
        "latency_ms": decision.latency_ms,
        "label": decision.label,
        "expected": decision.expected,
        "match": decision.match,
        "correct": decision.correct,
        "error": decision.error,
        "cache": None if decision.cache is None else decision.cache._asdict(),
    }
    if decision.prompt is not None:
        document["prompt"] = list(decision.prompt)
    if decision.answer is not None:
        document["answer"] = decision.answer
    return document


# ---------------------------------------------------------------- from JSON
# The log is routecli's own output: these raise KeyError/TypeError/ValueError on
# a damaged line, and the reader turns that into an error naming the line.


def run_from_json(document: Mapping[str, Any]) -> RunInfo:
    return RunInfo(
        tiers=tuple(
            TierInfo(t["name"], t["provider"], t["model"], price_from_json(t["price"])) for t in document["tiers"]
        ),
        setup=document["setup"],
        chain=tuple(document.get("chain") or ()),
        router=document.get("router"),
        dry_run=bool(document.get("dry_run")),
        all_tiers=bool(document.get("all_tiers")),  # absent from logs written before --all-tiers existed
        batch=bool(document.get("batch")),  # absent from logs written before --batch existed
        config=document.get("config") or "",
        prompts=document.get("prompts") or "",
        started=document.get("started") or "",
        prompt_count=int(document.get("prompt_count") or 0),
        invalid_lines=tuple((int(item["line"]), str(item["error"])) for item in document.get("invalid_lines") or ()),
        output_tokens_assumed=document.get("output_tokens_assumed"),
        sample=(document.get("selection") or {}).get("sample"),
        seed=int((document.get("selection") or {}).get("seed") or 0),
        limit=(document.get("selection") or {}).get("limit"),
        cache_similarity=None if document.get("cache") is None else float(document["cache"]["similarity"]),
        cache_embedder=None if document.get("cache") is None else document["cache"].get("embedder"),
        inputs=None if document.get("inputs") is None else inputs_from_json(document["inputs"]),
    )


def attempt_from_json(document: Mapping[str, Any]) -> Attempt:
    logprob = document.get("logprob")
    return Attempt(
        role=document["role"],
        tier=document["tier"],
        model=document["model"],
        status=document.get("status"),
        input_tokens=int(document["input_tokens"]),
        output_tokens=int(document["output_tokens"]),
        reasoning_tokens=int(document.get("reasoning_tokens") or 0),  # absent from logs before reasoning models
        cached_tokens=int(document.get("cached_tokens") or 0),
        cache_write_tokens=int(document.get("cache_write_tokens") or 0),
        retry=int(document.get("retry") or 0),
        fallback_for=document.get("fallback_for"),
        estimated=bool(document.get("estimated")),
        cost=Decimal(document["cost"]),
        latency_ms=float(document["latency_ms"]),
        logprob=None if logprob is None else LogprobStats(float(logprob["mean"]), float(logprob["min_prob"])),
        verdicts=tuple(
            Verdict(str(v["evaluator"]), bool(v["passed"]), str(v["detail"])) for v in document.get("verdicts") or ()
        ),
        accepted=document.get("accepted"),
        correct=document.get("correct"),  # absent from logs written before answers were each checked
        error=document.get("error"),
        error_kind=document.get("error_kind"),
        response=document.get("response"),
    )


def decision_from_json(document: Mapping[str, Any]) -> Decision:
    route = document.get("route")
    prompt = document.get("prompt")
    cache = document.get("cache")  # absent from logs written before the cache existed
    return Decision(
        id=str(document["id"]),
        line=int(document["line"]),
        route=None
        if route is None
        else RouteDecision(route["tier"], route["reason"], route.get("score"), route.get("features")),
        attempts=tuple(attempt_from_json(item) for item in document["attempts"]),
        final_tier=document.get("final_tier"),
        escalations=tuple(
            Escalation(item["from"], item["to"], tuple(item["reasons"])) for item in document.get("escalations") or ()
        ),
        latency_ms=float(document["latency_ms"]),
        label=document.get("label"),
        expected=document.get("expected"),
        match=document.get("match"),
        correct=document.get("correct"),
        error=document.get("error"),
        prompt=None if prompt is None else tuple(prompt),
        answer=document.get("answer"),
        cache=None if cache is None else CacheHit(str(cache["source"]), float(cache["similarity"])),
    )
