"""The replay engine: route each prompt, walk the cascade, price every call, hand back a ``Decision``.

asyncio with a fixed pool of workers pulling prompts from one iterator, so a
100,000-prompt file costs no more memory than ``concurrency`` requests in flight.
Each result goes to ``on_result`` the moment it is complete (the CLI logs and
flushes it there).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from routecli.cascade import Answer, JudgeEvaluator, Verdict
from routecli.prompts import Prompt
from routecli.providers import Completion
from routecli.quality import is_correct
from routecli.replay import DEFAULT_CONCURRENCY
from routecli.replay.calls import Provider, TierCaller
from routecli.replay.records import Attempt, Decision, Escalation, decision_for
from routecli.router_config import RouterConfig
from routecli.routing import ROUTER_ENCODING, RouteDecision
from routecli.routing.judge import JUDGE_PARAMS, JudgeRouter
from routecli.tokens import count_text

__all__ = ["Provider", "Replayer"]

SIGNAL_STOPS = ("interrupted", "terminated")
DEFAULT_GRACE_S = 30.0
"""Seconds prompts in flight get to finish after a stop (Ctrl-C, SIGTERM, the budget)."""


class Replayer:
    """Replays prompts through ``config`` using ``providers`` (by provider name)."""

    def __init__(
        self,
        config: RouterConfig,
        providers: Mapping[str, Provider],
        *,
        log_content: bool = False,
        max_spend: Decimal | None = None,
        grace_s: float = DEFAULT_GRACE_S,
        caller: TierCaller | None = None,
    ) -> None:
        self.config = config
        self.log_content = log_content
        self.caller = caller or TierCaller(config, providers, log_content=log_content)
        self.max_spend = max_spend
        self.grace_s = grace_s
        self.stopped: str | None = None
        """Why the run stopped starting prompts early: ``budget``, ``interrupted`` or ``terminated``."""
        self._stop = asyncio.Event()
        self._hurry = False

    def stop(self, reason: str) -> None:
        """Start no more prompts; those in flight get ``grace_s`` to finish (a second signal cancels them)."""
        if self._stop.is_set():
            if reason in SIGNAL_STOPS:
                self._hurry = True
            return
        self.stopped = reason
        self._stop.set()

    async def run(
        self,
        prompts: Iterable[Prompt],
        on_result: Callable[[Decision], None],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> str | None:
        """Replay every prompt, ``concurrency`` at a time; ``on_result`` gets each decision as it completes.

        Returns why the run stopped early (None when every prompt was replayed).
        After a stop, prompts in flight get the grace period to finish; any still
        running then are cancelled and not logged (their ids replay on --resume).
        """
        pending = iter(prompts)

        async def worker() -> None:
            for prompt in pending:  # one shared iterator: each prompt goes to exactly one worker
                if self._stop.is_set():
                    return
                if self._over_budget():
                    self.stop("budget")
                    return
                try:
                    decision = await self.replay(prompt)
                except Exception as error:  # one prompt's surprise must not stop the others; it is logged as failed
                    decision = _failed(prompt, f"internal error: {type(error).__name__}: {error}")
                on_result(decision)

        tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
        everything = asyncio.gather(*tasks)
        stopping = asyncio.create_task(self._stop.wait())
        first: set[asyncio.Future[Any]] = {everything, stopping}
        await asyncio.wait(first, return_when=asyncio.FIRST_COMPLETED)
        cut_short = not everything.done() and await self._wind_down(tasks, everything)
        stopping.cancel()
        if cut_short:  # workers cancelled at the end of the grace period: their gather holds that cancellation
            if not everything.cancelled():
                everything.exception()
            return self.stopped
        await everything  # a worker's error (a log that cannot be written) surfaces here
        return self.stopped

    async def _wind_down(self, tasks: list[asyncio.Task[None]], everything: asyncio.Future[list[None]]) -> bool:
        """Give the requests in flight the grace period (cut short by a second stop), then cancel the rest.

        True when some had to be cancelled.
        """
        deadline = time.monotonic() + self.grace_s
        while not everything.done() and time.monotonic() < deadline and not self._hurry:
            await asyncio.wait({everything}, timeout=min(0.1, max(0.0, deadline - time.monotonic())))
        if everything.done():
            return False
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return True

    def _over_budget(self) -> bool:
        return self.max_spend is not None and self.caller.spent >= self.max_spend

    async def replay(self, prompt: Prompt) -> Decision:
        """One prompt, start to finish: route, then answer and escalate until accepted or out of tiers."""
        started = time.perf_counter()
        attempts: list[Attempt] = []
        route = await self._route(prompt, attempts)
        entry = route.tier if route is not None else self.config.entry_without_router()
        path = self.config.path_from(entry)
        escalations: list[Escalation] = []
        final: str | None = None
        answer_text: str | None = None
        error: str | None = None
        params_override = {} if prompt.max_tokens is None else {"max_tokens": prompt.max_tokens}
        policy = self.config.accept
        for index, name in enumerate(path):
            tier = self.config.tiers[name]
            last = index == len(path) - 1
            evaluating = None if last else policy  # the last tier always answers: nothing to evaluate
            call = await self.caller.call(
                tier,
                "answer",
                prompt.messages,
                params_override,
                logprobs=evaluating is not None and evaluating.needs_logprobs,
            )
            if call.completion is None:
                attempts.extend(call.attempts)
                if last:
                    error = call.attempts[-1].error if call.attempts else "no attempt could be made"
                else:
                    escalations.append(Escalation(name, path[index + 1], ("error",)))
                continue
            if evaluating is None:
                attempts.extend(call.attempts)
                final, answer_text = name, call.completion.text
                break
            judged: list[Attempt] = []
            accepted, verdicts = await self._evaluate(prompt, call.completion, judged)
            *tries, answered = call.attempts
            attempts.extend((*tries, _with_verdicts(answered, verdicts, accepted)))
            attempts.extend(judged)  # in the order they were made: the answer, then its judges
            if accepted:
                final, answer_text = name, call.completion.text
                break
            failed = tuple(verdict.evaluator for verdict in verdicts if not verdict.passed)
            escalations.append(Escalation(name, path[index + 1], failed))
        expected = prompt.expected
        return decision_for(
            prompt,
            route=route,
            attempts=tuple(attempts),
            final_tier=final,
            escalations=tuple(escalations),
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
            correct=None if expected is None or answer_text is None else is_correct(expected, answer_text),
            error=error,
            messages=prompt.messages if self.log_content else None,
            answer=answer_text if self.log_content else None,
        )

    async def _route(self, prompt: Prompt, attempts: list[Attempt]) -> RouteDecision | None:
        router = self.config.router
        if router is None:
            return None
        if isinstance(router, JudgeRouter):
            judge = self.config.tiers[router.tier]
            call = await self.caller.call(judge, "route_judge", router.messages(prompt), JUDGE_PARAMS)
            attempts.extend(call.attempts)
            if call.completion is None:
                kind = call.attempts[-1].error_kind if call.attempts else "error"
                return RouteDecision(router.fallback, f"judge failed ({kind}), fallback")
            return router.decide_from(call.completion.text)
        tokens = count_text(prompt.text, ROUTER_ENCODING) if router.needs_tokens else None
        return router.decide(prompt, tokens)

    async def _evaluate(
        self, prompt: Prompt, completion: Completion, judged: list[Attempt]
    ) -> tuple[bool, list[Verdict]]:
        """Local evaluators first; judges (their calls go to ``judged``) only while the verdict is still open."""
        policy = self.config.accept
        assert policy is not None
        answer = Answer(completion.text, completion.logprobs)
        verdicts = policy.check(answer)
        settled = policy.settled(verdicts)
        for judge in policy.judges:
            if settled is not None:
                break
            verdicts.append(await self._judge(judge, prompt, answer, judged))
            settled = policy.settled(verdicts)
        return bool(settled), verdicts

    async def _judge(self, judge: JudgeEvaluator, prompt: Prompt, answer: Answer, attempts: list[Attempt]) -> Verdict:
        tier = self.config.tiers[judge.tier]
        call = await self.caller.call(tier, "accept_judge", judge.messages(prompt, answer), JUDGE_PARAMS)
        attempts.extend(call.attempts)
        if call.completion is None:
            kind = call.attempts[-1].error_kind if call.attempts else "error"
            return Verdict(judge.name, False, f"the judge call failed ({kind})")
        return judge.verdict_from(call.completion.text)


def _failed(prompt: Prompt, error: str) -> Decision:
    return decision_for(prompt, error=error)


def _with_verdicts(attempt: Attempt, verdicts: Sequence[Verdict], accepted: bool) -> Attempt:
    return attempt._replace(verdicts=tuple(verdicts), accepted=accepted)
