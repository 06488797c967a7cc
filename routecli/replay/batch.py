"""``replay --batch``: prompts sent round by round through the providers' batch APIs, at batch prices.

A round asks each waiting prompt its next tier, one batch per tier: a route or a single tier is one round; a
cascade asks every prompt at its entry tier, then the rejected at the next tier, and so on; ``--all-tiers``
is one round per tier. A prompt's decision is written as soon as the round that settles it ends; every
batch is logged when it is submitted (its id, tier and prompts) and when it ends (each prompt's attempt), so
``--resume`` polls a batch still in flight instead of submitting it again, and goes on from the rounds that
ended.

Batch APIs answer once, without retries or fallbacks: a request that failed, expired or was cancelled is an
attempt with its error (``error_kind`` the provider's code, or ``expired``/``canceled``), and a cascade
escalates it as it would an error. What decides a route or a cascade must need no call: routers that ask a
model or an embeddings endpoint, judge evaluators and the semantic cache are refused up front, as is a tier
without batch prices.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from routecli.errors import InvalidValueError, ProviderUnusableError
from routecli.pricing.prices import LongContext, ModelPrice, usage_cost
from routecli.providers import BatchPoll, BatchRequest, Completion, ProviderError, Usage
from routecli.replay.config import RouterConfig, TierConfig
from routecli.replay.evaluators import AcceptPolicy, Answer, logprob_stats
from routecli.replay.prompts import Prompt
from routecli.replay.quality import is_correct
from routecli.replay.records import (
    Attempt,
    Decision,
    Escalation,
    attempt_from_json,
    attempt_to_json,
    decision_for,
)
from routecli.replay.routing import ROUTER_ENCODING, PromptView, RouteDecision
from routecli.replay.tokens import count_messages, count_text

__all__ = [
    "DEFAULT_POLL_S",
    "NO_PROGRESS",
    "BatchClient",
    "BatchProgress",
    "BatchReplayer",
    "BatchSink",
    "Pending",
    "batch_price",
    "check_batchable",
    "progress_from_log",
    "with_batch_prices",
]

DEFAULT_POLL_S = 30.0
"""Seconds between two looks at a batch in flight."""
_POLL_FAILURES = 5
"""Looks in a row that may fail (the provider unreachable) before the run stops, its batches left in flight."""


class BatchClient(Protocol):
    """A provider's batch API (``routecli.providers.batch_openai.OpenAIBatches``, ``batch_anthropic``'s)."""

    async def submit(self, model: str, requests: Sequence[BatchRequest]) -> str: ...
    async def poll(self, batch_id: str) -> BatchPoll: ...
    async def results(self, poll: BatchPoll) -> Mapping[str, Completion | ProviderError]: ...


class BatchSink(Protocol):
    """Where a batch run's lines go as they happen: the decision log."""

    def batch(self, document: dict[str, Any]) -> None: ...
    def decision(self, decision: Decision) -> None: ...


def check_batchable(config: RouterConfig, all_tiers: bool) -> None:
    """Refuse, before anything is called, what a batch run cannot do: a tier it asks without batch prices, a
    router that calls something to decide, judge evaluators, the semantic cache."""
    where = config.source or "the router config"
    for name in _asked_tiers(config, all_tiers):
        tier = config.tiers[name]
        if tier.price.batch is None:
            raise InvalidValueError(
                f"--batch bills at batch prices, and tier {name!r} ({tier.model}) has none; give its price a "
                "batch: entry, or run without --batch",
                path=("tiers", name),
            ).located(config.source, None)
    router = None if all_tiers else config.router
    if router is not None and router.calls is not None:
        raise InvalidValueError(
            f"--batch routes without calling anything, but {where}'s router calls "
            f"{'a model' if router.calls == 'model' else 'an embeddings endpoint'} to decide",
            path=("routing", "type"),
        ).located(config.source, None)
    if config.cache is not None and not all_tiers:
        raise InvalidValueError(
            "--batch answers a round's prompts together, so the semantic cache cannot serve one from another; "
            "remove cache: or run without --batch",
            path=("cache",),
        ).located(config.source, None)
    policy = config.accept
    if all_tiers and policy is not None:
        policy = policy.judging_correctness()
    if policy is not None and policy.judges:
        raise InvalidValueError(
            f"--batch evaluates answers without calling a model, but judge evaluator {policy.judges[0].name!r} "
            "calls one; run without --batch",
            path=("cascade", "accept"),
        ).located(config.source, None)


def _asked_tiers(config: RouterConfig, all_tiers: bool) -> list[str]:
    """The tiers a batch run may ask, in the config's order."""
    if all_tiers:
        return list(config.tiers)
    entries = config.router.tiers if config.router is not None else (config.entry_without_router(),)
    asked = {name for entry in entries for name in config.path_from(entry)}
    return [name for name in config.tiers if name in asked]


def batch_price(price: ModelPrice) -> ModelPrice:
    """``price`` with its batch rates as its rates (long-context ones discounted alike): what a batch bills."""
    if price.batch is None:
        return price
    long = price.long_context
    discounted = None if long is None else LongContext(long.above_tokens, price.rates(long=True, tier="batch"))
    return replace(price, standard=price.batch, long_context=discounted)


def with_batch_prices(config: RouterConfig) -> RouterConfig:
    """``config`` with every tier priced at its batch rates, so logs, reports and ``--resume`` see what was billed."""
    tiers = {name: replace(tier, price=batch_price(tier.price)) for name, tier in config.tiers.items()}
    return replace(config, tiers=tiers)


class Pending(NamedTuple):
    """A batch submitted and not yet ended: its id, tier, and its prompts' ids in custom-id order."""

    id: str
    tier: str
    prompts: tuple[str, ...]
    submitted_at: float
    """Seconds since the epoch: a resumed run times the batch from its submission."""


class BatchProgress(NamedTuple):
    """What a stopped batch run's log says: batches in flight, and the attempts of ended ones by prompt id."""

    in_flight: tuple[Pending, ...] = ()
    attempts: Mapping[str, tuple[Attempt, ...]] = {}

    def spent(self, prompts: Sequence[Prompt]) -> Decimal:
        """What the ended batches billed for ``prompts`` (whose decisions are not logged yet)."""
        return sum((a.cost for p in prompts for a in self.attempts.get(p.id, ())), Decimal(0))


NO_PROGRESS = BatchProgress()
"""A new run's: nothing submitted yet."""


def progress_from_log(batches: Sequence[Mapping[str, Any]]) -> BatchProgress:
    """The ``batch`` lines of a decision log, read back; ``ValueError``/``KeyError`` for one of the wrong shape."""
    pending: dict[str, Pending] = {}
    attempts: dict[str, list[Attempt]] = {}
    for document in batches:
        if document["event"] == "submitted":
            prompts = tuple(str(item) for item in document["prompts"])
            pending[document["id"]] = Pending(document["id"], document["tier"], prompts, float(document["at"]))
        elif document["event"] == "ended":
            pending.pop(document["id"], None)
            for prompt_id, attempt in document["attempts"].items():
                attempts.setdefault(prompt_id, []).append(attempt_from_json(attempt))
        else:
            raise ValueError(f"unknown batch event {document['event']!r}")
    return BatchProgress(tuple(pending.values()), {key: tuple(value) for key, value in attempts.items()})


@dataclass
class _Journey:
    """One prompt's way through the rounds: the tiers it may be asked, in order, and what each answered."""

    prompt: Prompt
    route: RouteDecision | None
    path: tuple[str, ...]
    every_tier: bool
    attempts: list[Attempt] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    step: int = 0
    final: str | None = None
    error: str | None = None
    problems: list[str] = field(default_factory=list)
    done: bool = False

    @property
    def next_tier(self) -> str:
        return self.path[self.step]

    @property
    def last(self) -> bool:
        return self.step == len(self.path) - 1

    def advance(self, attempt: Attempt) -> None:
        """The answer (or error) of the tier asked this round: settle the prompt, or move it to its next tier."""
        tier, last = self.next_tier, self.last
        self.attempts.append(attempt)
        self.step += 1
        if self.every_tier:
            if attempt.error is not None:
                self.problems.append(f"{tier}: {attempt.error}")
            if last:
                self.done = True
                self.final = None if self.problems else tier
                self.error = "; ".join(self.problems) or None
            return
        if attempt.error is not None:
            if last:
                self.done, self.error = True, attempt.error
            else:
                self.escalations.append(Escalation(tier, self.path[self.step], ("error",)))
            return
        if attempt.accepted is False and not last:
            failed = tuple(verdict.evaluator for verdict in attempt.verdicts if not verdict.passed)
            self.escalations.append(Escalation(tier, self.path[self.step], failed))
            return
        self.done, self.final = True, tier

    def decision(self, log_content: bool) -> Decision:
        answered = None
        if self.final is not None:
            answered = next(a for a in reversed(self.attempts) if a.tier == self.final and a.error is None)
        return decision_for(
            self.prompt,
            route=self.route,
            attempts=tuple(self.attempts),
            final_tier=self.final,
            escalations=tuple(self.escalations),
            latency_ms=round(sum(attempt.latency_ms for attempt in self.attempts), 3),
            correct=None if answered is None else answered.correct,
            error=self.error,
            messages=self.prompt.messages if log_content else None,
            answer=None if answered is None or not log_content else answered.response,
        )


class BatchReplayer:
    """Replays prompts through ``config`` in rounds of batches, one ``BatchClient`` per provider name."""

    def __init__(
        self,
        config: RouterConfig,
        clients: Mapping[str, BatchClient],
        *,
        poll_s: float = DEFAULT_POLL_S,
        log_content: bool = False,
        max_spend: Decimal | None = None,
        spent: Decimal = Decimal(0),
        all_tiers: bool = False,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.config = config.without_routing() if all_tiers else config
        self.clients = clients
        self.poll_s = poll_s
        self.log_content = log_content
        self.max_spend = max_spend
        self.spent = spent
        self.all_tiers = all_tiers
        self.now = now
        self.stopped: str | None = None
        """Why the run stopped early: ``budget``, ``interrupted``, ``terminated`` or ``provider``."""
        self.unusable: ProviderUnusableError | None = None
        """What stopped the run as ``provider``: a batch that could not be submitted, looked at or read."""
        self._stop = asyncio.Event()

    def stop(self, reason: str) -> None:
        """Submit nothing more and stop waiting: batches in flight are left to the provider (``--resume`` polls)."""
        if not self._stop.is_set():
            self.stopped = reason
            self._stop.set()

    async def run(self, prompts: Sequence[Prompt], sink: BatchSink, progress: BatchProgress = NO_PROGRESS) -> None:
        """Round after round until every prompt is settled or the run stops; ``sink`` gets each line as it happens."""
        journeys = await self._journeys(prompts)
        for journey in journeys:
            for attempt in progress.attempts.get(journey.prompt.id, ()):
                journey.advance(attempt)
            if journey.done:  # its last batch ended, but the run stopped before its decision was written
                sink.decision(journey.decision(self.log_content))
        in_flight = list(progress.in_flight)
        while not self._stop.is_set():
            waiting = [journey for journey in journeys if not journey.done]
            if not waiting:
                break
            if self.max_spend is not None and self.spent >= self.max_spend:
                self.stop("budget")
                break
            batches = await self._submit_round(waiting, in_flight, sink)
            in_flight = []
            await asyncio.gather(*(self._await_batch(pending, members, sink) for pending, members in batches))

    async def _journeys(self, prompts: Sequence[Prompt]) -> list[_Journey]:
        """Each prompt routed (offline) to its entry tier, with the tiers it may then be asked."""
        if self.all_tiers:
            return [_Journey(prompt, None, tuple(self.config.tiers), True) for prompt in prompts]
        router = self.config.router
        routes: list[RouteDecision | None] = [None] * len(prompts)
        if router is not None:

            async def refuse(embedder: Any, texts: list[str]) -> Any:
                raise RuntimeError("a batch run's router embeds nothing by endpoint")

            router = await router.ready(refuse)
            views = [PromptView(prompt, count=_count_router_tokens) for prompt in prompts]
            routes = list(await router.route_all(views))
        entry = self.config.entry_without_router()
        return [
            _Journey(prompt, route, self.config.path_from(entry if route is None else route.tier), False)
            for prompt, route in zip(prompts, routes, strict=True)
        ]

    async def _submit_round(
        self, waiting: list[_Journey], in_flight: list[Pending], sink: BatchSink
    ) -> list[tuple[Pending, list[_Journey]]]:
        """One batch per tier of the round's prompts; a batch still in flight from a stopped run is not sent again."""
        by_tier: dict[str, list[_Journey]] = {}
        for journey in waiting:
            by_tier.setdefault(journey.next_tier, []).append(journey)
        batches: list[tuple[Pending, list[_Journey]]] = []
        for tier_name, group in by_tier.items():
            by_id = {journey.prompt.id: journey for journey in group}
            for pending in in_flight:
                if pending.tier == tier_name and all(prompt_id in by_id for prompt_id in pending.prompts):
                    batches.append((pending, [by_id.pop(prompt_id) for prompt_id in pending.prompts]))
            if by_id and not self._stop.is_set():
                members = list(by_id.values())
                submitted = await self._submit(self.config.tiers[tier_name], members, sink)
                if submitted is not None:
                    batches.append((submitted, members))
        return batches

    async def _submit(self, tier: TierConfig, members: list[_Journey], sink: BatchSink) -> Pending | None:
        """Send one tier's batch and log it; when the provider will not take it, each prompt gets the error."""
        requests = [
            BatchRequest(f"r{index}", journey.prompt.messages, self._params(tier, journey), self._logprobs(journey))
            for index, journey in enumerate(members)
        ]
        started = self.now()
        try:
            batch_id = await self.clients[tier.provider].submit(tier.model, requests)
        except ProviderError as error:
            if error.unreachable is not None:
                self.unusable = ProviderUnusableError(f"tier {tier.name!r}: cannot submit a batch: {error}")
                self.stop("provider")
                return None
            self._ended(tier, None, "not submitted", members, {}, error, 0.0, sink)
            return None
        pending = Pending(batch_id, tier.name, tuple(journey.prompt.id for journey in members), started)
        sink.batch(
            {
                "kind": "batch",
                "event": "submitted",
                "id": batch_id,
                "tier": tier.name,
                "provider": tier.provider,
                "prompts": list(pending.prompts),
                "at": started,
            }
        )
        return pending

    def _params(self, tier: TierConfig, journey: _Journey) -> dict[str, Any]:
        limit = journey.prompt.max_tokens
        return {**tier.params, **({} if limit is None else {"max_tokens": limit})}

    def _logprobs(self, journey: _Journey) -> bool:
        """Logprobs for every answer of an --all-tiers run (tuning reads them), and where an evaluator reads them."""
        if self.all_tiers:
            return True
        policy = self.config.accept
        return not journey.last and policy is not None and policy.needs_logprobs

    async def _await_batch(self, pending: Pending, members: list[_Journey], sink: BatchSink) -> None:
        """Poll until the batch ends (or the run stops), then read its results and settle its prompts."""
        tier = self.config.tiers[pending.tier]
        client = self.clients[tier.provider]
        failures = 0
        while not self._stop.is_set():
            try:
                poll = await client.poll(pending.id)
                if poll.ended:
                    results = await client.results(poll)
                    break
                failures = 0
            except ProviderError as error:
                failures += 1
                if failures >= _POLL_FAILURES:
                    self.unusable = ProviderUnusableError(
                        f"batch {pending.id} (tier {tier.name!r}): cannot read it: {error}"
                    )
                    self.stop("provider")
                    return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.poll_s)
        else:
            return  # stopped: the batch stays in flight, and its submitted line lets --resume poll it
        latency_ms = round((self.now() - pending.submitted_at) * 1000, 3)
        self._ended(tier, pending.id, poll.status, members, results, _batch_error(poll), latency_ms, sink)

    def _ended(
        self,
        tier: TierConfig,
        batch_id: str | None,
        status: str,
        members: list[_Journey],
        results: Mapping[str, Completion | ProviderError],
        missing: ProviderError,
        latency_ms: float,
        sink: BatchSink,
    ) -> None:
        """Each prompt's attempt (``missing`` for one the results leave out), logged, then the settled decisions."""
        made: dict[str, Attempt] = {}
        for index, journey in enumerate(members):
            result = results.get(f"r{index}", missing)
            made[journey.prompt.id] = self._attempt(tier, journey, result, latency_ms)
        sink.batch(
            {
                "kind": "batch",
                "event": "ended",
                "id": batch_id,
                "tier": tier.name,
                "status": status,
                "attempts": {prompt_id: attempt_to_json(attempt) for prompt_id, attempt in made.items()},
            }
        )
        for journey in members:
            journey.advance(made[journey.prompt.id])
            if journey.done:
                sink.decision(journey.decision(self.log_content))

    def _attempt(
        self, tier: TierConfig, journey: _Journey, result: Completion | ProviderError, latency_ms: float
    ) -> Attempt:
        """One request's record, priced at the tier's (batch) price; an answer marked and evaluated."""
        if isinstance(result, ProviderError):
            usage = result.usage
            cost = Decimal(0) if usage is None else usage_cost(tier.price, *usage)
            self.spent += cost
            return Attempt(
                role="answer",
                tier=tier.name,
                model=tier.model,
                status=result.status,
                input_tokens=0 if usage is None else usage.input_tokens,
                output_tokens=0 if usage is None else usage.output_tokens,
                cached_tokens=0 if usage is None else usage.cached_tokens,
                estimated=False,
                cost=cost,
                latency_ms=latency_ms,
                error=str(result),
                error_kind=result.kind,
                cache_write_tokens=0 if usage is None else usage.cache_write_tokens,
            )
        prompt = journey.prompt
        usage = result.usage
        if usage is None:
            tokens = Usage(count_messages(prompt.messages, tier.tokenizer), count_text(result.text, tier.tokenizer))
        else:
            tokens = usage
        cost = usage_cost(tier.price, *tokens)
        self.spent += cost
        attempt = Attempt(
            role="answer",
            tier=tier.name,
            model=tier.model,
            status=result.status,
            input_tokens=tokens[0],
            output_tokens=tokens[1],
            cached_tokens=tokens[2],
            estimated=usage is None,
            cost=cost,
            latency_ms=latency_ms,
            logprob=logprob_stats(result.logprobs),
            response=result.text if self.log_content else None,
            cache_write_tokens=tokens[3],
            reasoning_tokens=tokens[4],
            correct=None if prompt.expected is None else is_correct(prompt.expected, result.text),
        )
        policy = self._policy(journey)
        if policy is None:
            return attempt
        verdicts = policy.check(Answer(result.text, result.logprobs))
        return attempt._replace(verdicts=tuple(verdicts), accepted=bool(policy.settled(verdicts)))

    def _policy(self, journey: _Journey) -> AcceptPolicy | None:
        """What judges this answer: the cascade's evaluators below the last tier; with --all-tiers, those that
        judge correctness, for prompts without an expected answer."""
        accept = self.config.accept
        if accept is None:
            return None
        if self.all_tiers:
            return None if journey.prompt.expected is not None else accept.judging_correctness()
        return None if journey.last else self.config.accept_for(journey.next_tier)  # a hop's own per_hop policy


def _batch_error(poll: BatchPoll) -> ProviderError:
    """The error of a request a batch's results leave out: the batch expired, was cancelled or failed."""
    if poll.status == "expired":
        return ProviderError("expired", "expired: the batch's completion window ended before this request ran")
    if poll.status in ("cancelled", "canceled"):
        return ProviderError("canceled", "canceled: the batch was cancelled before this request ran")
    if poll.error is not None:
        return ProviderError("batch_failed", f"the batch failed: {poll.error}")
    return ProviderError("missing", f"the batch ended ({poll.status}) without a result for this request")


def _count_router_tokens(text: str) -> int:
    return count_text(text, ROUTER_ENCODING)
