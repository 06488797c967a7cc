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
from typing import Any, Protocol

from routecli.cascade import Answer, JudgeEvaluator, Verdict, logprob_stats
from routecli.pricing import usage_cost
from routecli.prompts import Prompt
from routecli.providers import Completion, ProviderError
from routecli.quality import is_correct
from routecli.replay import DEFAULT_CONCURRENCY
from routecli.replay.records import Attempt, Decision, Escalation
from routecli.router_config import RouterConfig, TierConfig
from routecli.routing import ROUTER_ENCODING, RouteDecision
from routecli.routing.judge import JUDGE_PARAMS, JudgeRouter
from routecli.tokens import count_messages, count_text

__all__ = ["Provider", "Replayer"]

NOT_BILLED = Decimal(0)  # providers do not bill a request that got no reply


class Provider(Protocol):
    """What the engine needs of a provider (``routecli.providers.openai.OpenAIProvider``, or a test's)."""

    async def complete(
        self, model: str, messages: Sequence[Mapping[str, Any]], params: Mapping[str, Any], *, logprobs: bool = False
    ) -> Completion: ...


class _Call:
    """An attempt's record together with the reply it got (None when the call failed)."""

    __slots__ = ("attempt", "completion")

    def __init__(self, attempt: Attempt, completion: Completion | None) -> None:
        self.attempt = attempt
        self.completion = completion


class Replayer:
    """Replays prompts through ``config`` using ``providers`` (by provider name)."""

    def __init__(self, config: RouterConfig, providers: Mapping[str, Provider], *, log_content: bool = False) -> None:
        self.config = config
        self.providers = providers
        self.log_content = log_content

    async def run(
        self,
        prompts: Iterable[Prompt],
        on_result: Callable[[Decision], None],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        """Replay every prompt, ``concurrency`` at a time; ``on_result`` gets each decision as it completes."""
        pending = iter(prompts)

        async def worker() -> None:
            for prompt in pending:  # one shared iterator: each prompt goes to exactly one worker
                try:
                    decision = await self.replay(prompt)
                except Exception as error:  # one prompt's surprise must not stop the others; it is logged as failed
                    decision = _failed(prompt, f"internal error: {type(error).__name__}: {error}")
                on_result(decision)

        await asyncio.gather(*(worker() for _ in range(concurrency)))

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
            call = await self._call(
                tier,
                "answer",
                prompt.messages,
                {**tier.params, **params_override},
                logprobs=evaluating is not None and evaluating.needs_logprobs,
            )
            if call.completion is None:
                attempts.append(call.attempt)
                if last:
                    error = call.attempt.error
                else:
                    escalations.append(Escalation(name, path[index + 1], ("error",)))
                continue
            if evaluating is None:
                attempts.append(call.attempt)
                final, answer_text = name, call.completion.text
                break
            judged: list[Attempt] = []
            accepted, verdicts = await self._evaluate(prompt, call.completion, judged)
            attempts.append(_with_verdicts(call.attempt, verdicts, accepted))
            attempts.extend(judged)  # in the order they were made: the answer, then its judges
            if accepted:
                final, answer_text = name, call.completion.text
                break
            failed = tuple(verdict.evaluator for verdict in verdicts if not verdict.passed)
            escalations.append(Escalation(name, path[index + 1], failed))
        expected = prompt.expected
        return Decision(
            id=prompt.id,
            line=prompt.line,
            route=route,
            attempts=tuple(attempts),
            final_tier=final,
            escalations=tuple(escalations),
            latency_ms=_elapsed_ms(started),
            label=prompt.label,
            expected=None if expected is None else expected.value,
            match=None if expected is None else expected.match,
            correct=None if expected is None or answer_text is None else is_correct(expected, answer_text),
            error=error,
            prompt=prompt.messages if self.log_content else None,
            answer=answer_text if self.log_content else None,
        )

    async def _route(self, prompt: Prompt, attempts: list[Attempt]) -> RouteDecision | None:
        router = self.config.router
        if router is None:
            return None
        if isinstance(router, JudgeRouter):
            judge = self.config.tiers[router.tier]
            call = await self._call(judge, "route_judge", router.messages(prompt), {**judge.params, **JUDGE_PARAMS})
            attempts.append(call.attempt)
            if call.completion is None:
                return RouteDecision(router.fallback, f"judge failed ({call.attempt.error_kind}), fallback")
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
        call = await self._call(tier, "accept_judge", judge.messages(prompt, answer), {**tier.params, **JUDGE_PARAMS})
        attempts.append(call.attempt)
        if call.completion is None:
            return Verdict(judge.name, False, f"the judge call failed ({call.attempt.error_kind})")
        return judge.verdict_from(call.completion.text)

    async def _call(
        self,
        tier: TierConfig,
        role: str,
        messages: Sequence[Mapping[str, Any]],
        params: Mapping[str, Any],
        *,
        logprobs: bool = False,
    ) -> _Call:
        """One request to ``tier``, priced from the API's usage (or a tiktoken estimate, marked so)."""
        provider = self.providers[tier.provider]
        started = time.perf_counter()
        try:
            completion = await provider.complete(tier.model, messages, params, logprobs=logprobs)
        except ProviderError as failure:
            latency = _elapsed_ms(started)
            attempt = Attempt(
                role=role,
                tier=tier.name,
                model=tier.model,
                status=failure.status,
                input_tokens=0,
                output_tokens=0,
                cached_tokens=0,
                estimated=False,
                cost=NOT_BILLED,
                latency_ms=latency,
                error=str(failure),
                error_kind=failure.kind,
            )
            return _Call(attempt, None)
        latency = _elapsed_ms(started)
        usage = completion.usage
        if usage is None:
            input_tokens = count_messages(messages, tier.tokenizer)
            output_tokens = count_text(completion.text, tier.tokenizer)
            cached = 0
        else:
            input_tokens, output_tokens, cached = usage
        attempt = Attempt(
            role=role,
            tier=tier.name,
            model=tier.model,
            status=completion.status,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cached_tokens=cached,
            estimated=usage is None,
            cost=usage_cost(tier.price, input_tokens, output_tokens, cached),
            latency_ms=latency,
            logprob=logprob_stats(completion.logprobs),
            response=completion.text if self.log_content else None,
        )
        return _Call(attempt, completion)


def _failed(prompt: Prompt, error: str) -> Decision:
    expected = prompt.expected
    return Decision(
        id=prompt.id,
        line=prompt.line,
        route=None,
        attempts=(),
        final_tier=None,
        escalations=(),
        latency_ms=0.0,
        label=prompt.label,
        expected=None if expected is None else expected.value,
        match=None if expected is None else expected.match,
        error=error,
    )


def _elapsed_ms(started: float) -> float:
    """Milliseconds since ``started``, to the microsecond: the precision the decision log keeps."""
    return round((time.perf_counter() - started) * 1000, 3)


def _with_verdicts(attempt: Attempt, verdicts: Sequence[Verdict], accepted: bool) -> Attempt:
    return attempt._replace(verdicts=tuple(verdicts), accepted=accepted)
