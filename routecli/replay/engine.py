"""The replay engine: route each prompt, walk the cascade, price every call, hand back a ``Decision``.

asyncio with a fixed pool of workers pulling prompts from one iterator, so a
100,000-prompt file costs no more memory than ``concurrency`` requests in flight.
Each result goes to ``on_result`` the moment it is complete (the CLI logs and
flushes it there).

With a semantic cache, a prompt is looked up when it starts and stored when it
gets an answer, so under concurrency it can only hit prompts that finished
before it started: which prompts hit depends on the order results complete in.
An exact repeat of a prompt still in flight waits for its answer instead.

Embeddings (for an embedding router, the cache, or both) are made once per
prompt and embedder: the lexical vectorizer's for free, an endpoint's as a
billed ``embed`` attempt. An endpoint router's exemplars are embedded by
``prepare`` before the first prompt.

``all_tiers`` (``replay --all-tiers``) asks every tier every prompt instead,
one tier after another, and judges each answer: by the expected answer when
the prompt has one, else by the cascade's evaluators. Nothing is routed,
escalated or cached; the decisions are what ``routecli tune`` learns from.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from routecli.errors import ProviderUnusableError
from routecli.providers import Completion
from routecli.replay import DEFAULT_CONCURRENCY
from routecli.replay.calls import Call, Embeddings, Provider, TierCaller
from routecli.replay.config import EndpointEmbedder, RouterConfig, TierConfig
from routecli.replay.evaluators import AcceptPolicy, Answer, Verdict
from routecli.replay.prompts import Prompt
from routecli.replay.quality import is_correct
from routecli.replay.records import Attempt, CacheHit, Decision, Escalation, decision_for
from routecli.replay.routing import ROUTER_ENCODING, EmbedTexts, Failed, PromptView, Router
from routecli.replay.routing.judge import JUDGE_PARAMS
from routecli.replay.tokens import count_text

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from routecli.replay.cache import Hit, SemanticCache
    from routecli.replay.config import EmbedderConfig

    Vector = NDArray[np.float32]

__all__ = ["Provider", "Replayer", "cache_key", "cache_shape"]

SIGNAL_STOPS = ("interrupted", "terminated")
_LOOKUPS_IN_A_THREAD_FROM = 4096
"""Stored prompts from which a cache lookup (about 0.5 ms here) is worth a thread hop (about 50 µs)."""
DEFAULT_GRACE_S = 30.0
"""Seconds prompts in flight get to finish after a stop (Ctrl-C, SIGTERM, the budget)."""


class _Judged(NamedTuple):
    """The cascade's evaluators on one answer."""

    accepted: bool
    verdicts: list[Verdict]
    judge_failed: bool
    """A judge call got no reply (its verdict then fails the answer without having looked at it)."""


class Replayer:
    """Replays prompts through ``config`` using ``providers`` (by provider name); with ``all_tiers``, asks every
    tier every prompt instead, ignoring the config's router and cache."""

    def __init__(
        self,
        config: RouterConfig,
        providers: Mapping[str, Provider],
        *,
        log_content: bool = False,
        max_spend: Decimal | None = None,
        grace_s: float = DEFAULT_GRACE_S,
        caller: TierCaller | None = None,
        embeddings: Mapping[str, Embeddings] | None = None,
        all_tiers: bool = False,
    ) -> None:
        if all_tiers:  # nothing is routed or served from the cache: no exemplars to embed, no cache to fill
            config = config.without_routing()
        self.config = config
        self.all_tiers = all_tiers
        self.log_content = log_content
        self.caller = caller or TierCaller(config, providers, log_content=log_content, embeddings=embeddings)
        self.max_spend = max_spend
        self.grace_s = grace_s
        self.stopped: str | None = None
        """Why the run stopped starting prompts early: ``budget``, ``interrupted``, ``terminated`` or ``provider``."""
        self.unusable: ProviderUnusableError | None = None
        """What stopped the run as ``provider``: a provider that never answered cannot be reached or refuses all."""
        self._stop = asyncio.Event()
        self._hurry = False
        self.cache: SemanticCache | None = None
        if config.cache is not None:  # numpy, only for runs with a cache
            from routecli.replay.cache import SemanticCache

            self.cache = SemanticCache(config.cache.similarity)
        self._in_flight: dict[str, asyncio.Event] = {}
        """Exact cache keys of prompts being answered: a repeat waits for the answer rather than asking again."""
        self._router: Router | None = config.router
        """The config's router, once ``prepare`` made it ready (an endpoint's exemplars embedded)."""
        self._ready = False

    async def prepare(self, attempts: list[Attempt], answered: Sequence[tuple[Prompt, Decision]] = ()) -> int | None:
        """Before the first prompt: embed an endpoint router's exemplars, then put a resumed run's logged answers
        back in the cache. Each request made goes to ``attempts``.

        A stop (a signal, or a budget already spent) cancels it at once, and
        ``run`` then replays nothing. Returns how many answers went back in the
        cache (None without a cache, or when stopped). ``RouteCliError`` when
        the exemplars cannot be embedded: a run cannot route without them.
        """
        if self._over_budget():
            self.stop("budget")
        if self._stop.is_set():
            return None
        work = asyncio.create_task(self._set_up(attempts, answered))
        stopping = asyncio.create_task(self._stop.wait())
        try:
            await asyncio.wait({work, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not work.done():
                work.cancel()
                await asyncio.gather(work, return_exceptions=True)
        return None if work.cancelled() else work.result()

    async def _set_up(self, attempts: list[Attempt], answered: Sequence[tuple[Prompt, Decision]]) -> int | None:
        if self._router is not None and not self._ready:
            self._router = await self._router.ready(self._exemplar_embedder(attempts))
            self._ready = True
        return await self._seed_cache(answered, attempts)

    def _exemplar_embedder(self, attempts: list[Attempt]) -> EmbedTexts:
        """Embeds a router's exemplars in batches, each request to ``attempts``; an error when some got no vector."""

        async def embed(embedder: EndpointEmbedder, texts: list[str]) -> Vector:
            embedded = await self.caller.embed_batches(embedder, "exemplars", texts)
            attempts.extend(embedded.attempts)
            if embedded.vectors is None or not embedded.complete:
                raise embedded.failure(self.config.source, "routing.embedder", "the exemplars")
            return embedded.vectors

        return embed

    async def _seed_cache(self, answered: Sequence[tuple[Prompt, Decision]], attempts: list[Attempt]) -> int | None:
        """Store the answers a resumed run's log holds (logged with --log-content), so they can hit again.

        An endpoint embedder embeds them in batches; when one fails, the cache
        keeps those embedded before it. Returns how many were stored.
        """
        cache, settings = self.cache, self.config.cache
        if cache is None or settings is None:
            return None
        entries: list[tuple[str, Prompt, str, str, str]] = []
        for prompt, decision in answered:
            key = cache_key(prompt)
            if key is None or decision.answer is None or decision.final_tier is None or decision.cache is not None:
                continue  # not cacheable, no logged answer, or itself a hit (its source is stored)
            entries.append((key, prompt, decision.id, decision.answer, decision.final_tier))
        if not entries:
            return 0
        texts = [prompt.text for _, prompt, *_ in entries]
        embedder = settings.embedder
        if isinstance(embedder, EndpointEmbedder):
            embedded = await self.caller.embed_batches(embedder, "embed", texts)
            attempts.extend(embedded.attempts)
            vectors = embedded.vectors
        else:
            from routecli.replay.routing import lexical  # numpy: only for runs with a cache

            vectors = lexical.LexicalEmbedder(embedder.dimensions).embed(texts)
        if vectors is None:
            return 0
        for (key, prompt, decision_id, answer, tier), vector in zip(entries, vectors, strict=False):  # batches embedded
            cache.store(key, vector, cache_shape(prompt), decision_id, answer, tier)
        return len(vectors)

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
                except ProviderUnusableError as error:  # not logged: --resume replays it once the config is fixed
                    self.unusable = self.unusable or error
                    self.stop("provider")
                    return
                except Exception as error:  # one prompt's surprise must not stop the others; it is logged as failed
                    decision = _failed(prompt, f"internal error: {type(error).__name__}: {error}")
                if decision is not None:
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

    async def replay(self, prompt: Prompt) -> Decision | None:
        """One prompt, start to finish: route, then answer and escalate until accepted or out of tiers.

        None when it never started: an exact repeat waited for its twin, which
        failed after the run stopped (the run starts no calls then).
        """
        started = time.perf_counter()
        if self.all_tiers:
            return await self._ask_every_tier(prompt, started)
        key = None if self.cache is None else cache_key(prompt)
        if key is None:
            return await self._answer(prompt, started, None)
        assert self.cache is not None
        from routecli.replay.cache import normalise

        exact = normalise(key)
        while (answering := self._in_flight.get(exact)) is not None:
            await answering.wait()  # the same prompt is being answered: wait for its answer
        hit = self.cache.exact(key)
        if hit is not None:
            return self._from_cache(prompt, hit, started, [])
        if self._stop.is_set():
            return None  # its twin failed after the run stopped: not started, so --resume replays it
        done = self._in_flight[exact] = asyncio.Event()
        try:
            return await self._answer(prompt, started, key)
        finally:
            del self._in_flight[exact]
            done.set()

    async def _answer(self, prompt: Prompt, started: float, key: str | None) -> Decision:
        """A prompt not answered from the cache by its exact text: looked up by its vector, else routed and asked.

        One view of the prompt serves the cache and the router: its vector by an embedder both use is made once.
        """
        attempts: list[Attempt] = []
        view = _CallingView(prompt, self.caller, self.config.tiers, attempts)
        vector = None
        if key is not None and self.cache is not None and self.config.cache is not None:
            found = await view.vector(self.config.cache.embedder)
            vector = None if isinstance(found, Failed) else found
            hit = None if vector is None else await self._nearest(self.cache, vector, cache_shape(prompt))
            if hit is not None:
                return self._from_cache(prompt, hit, started, attempts)
        route = None if self._router is None else await self._router.route(view)
        entry = route.tier if route is not None else self.config.entry_without_router()
        path = self.config.path_from(entry)
        escalations: list[Escalation] = []
        final: str | None = None
        answer_text: str | None = None
        error: str | None = None
        params_override = {} if prompt.max_tokens is None else {"max_tokens": prompt.max_tokens}
        for index, name in enumerate(path):
            tier = self.config.tiers[name]
            last = index == len(path) - 1
            evaluating = None if last else self.config.accept_for(name)  # the last tier always answers
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
                    error = _call_error(call)
                else:
                    escalations.append(Escalation(name, path[index + 1], ("error",)))
                continue
            made = _marked(call, prompt)
            if evaluating is None:
                attempts.extend(made)
                final, answer_text = name, call.completion.text
                break
            judged: list[Attempt] = []
            judgement = await self._evaluate(prompt, call.completion, judged, evaluating)
            *tries, answered = made
            attempts.extend((*tries, _with_verdicts(answered, judgement.verdicts, judgement.accepted)))
            attempts.extend(judged)  # in the order they were made: the answer, then its judges
            if judgement.accepted:
                final, answer_text = name, call.completion.text
                break
            failed = tuple(verdict.evaluator for verdict in judgement.verdicts if not verdict.passed)
            escalations.append(Escalation(name, path[index + 1], failed))
        if self.cache is not None and key is not None and vector is not None and final is not None:
            assert answer_text is not None
            self.cache.store(key, vector, cache_shape(prompt), prompt.id, answer_text, final)
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

    async def _ask_every_tier(self, prompt: Prompt, started: float) -> Decision:
        """``--all-tiers``: each tier in the config's order answers (no fallback stands in), and each answer is judged.

        Logprobs are asked of every answer: they are the confidence tuning reads. With an expected answer the
        answer is marked correct or not; without one the cascade's evaluators decide (their judge calls follow it
        in the attempts), and a rejection that rests on a failed judge call leaves ``accepted`` None: not judged.
        The top tier's answer stands as the prompt's; a tier that gave no answer fails the prompt.
        """
        overrides = {} if prompt.max_tokens is None else {"max_tokens": prompt.max_tokens}
        accept = self.config.accept
        policy = None if prompt.expected is not None or accept is None else accept.judging_correctness()
        attempts: list[Attempt] = []
        problems: list[str] = []
        answer_text: str | None = None
        for tier in self.config.tiers.values():
            call = await self.caller.call(tier, "answer", prompt.messages, overrides, logprobs=True, fallbacks=False)
            if call.completion is None:
                attempts.extend(call.attempts)
                problems.append(f"{tier.name}: {_call_error(call)}")
                continue
            *tries, answered = _marked(call, prompt)
            judged: list[Attempt] = []
            if policy is not None:
                judgement = await self._evaluate(prompt, call.completion, judged, policy)
                accepted = None if judgement.judge_failed and not judgement.accepted else judgement.accepted
                answered = answered._replace(verdicts=tuple(judgement.verdicts), accepted=accepted)
            attempts.extend((*tries, answered, *judged))
            answer_text = call.completion.text  # the loop ends at the top tier: its answer stands
        final = None if problems else list(self.config.tiers)[-1]
        expected = prompt.expected
        return decision_for(
            prompt,
            attempts=tuple(attempts),
            final_tier=final,
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
            correct=None
            if expected is None or final is None or answer_text is None
            else is_correct(expected, answer_text),
            error="; ".join(problems) or None,
            messages=prompt.messages if self.log_content else None,
            answer=answer_text if self.log_content and final is not None else None,
        )

    def _from_cache(self, prompt: Prompt, hit: Hit, started: float, attempts: list[Attempt]) -> Decision:
        """The stored answer, served with no model call: nothing routed; the embedding (if billed) is all it cost."""
        expected = prompt.expected
        return decision_for(
            prompt,
            attempts=tuple(attempts),
            final_tier=hit.final_tier,
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
            correct=None if expected is None else is_correct(expected, hit.answer),
            messages=prompt.messages if self.log_content else None,
            answer=hit.answer if self.log_content else None,
            cache=CacheHit(hit.source, hit.similarity),
        )

    async def _nearest(self, cache: SemanticCache, vector: Vector, shape: str) -> Hit | None:
        """``cache.nearest``, in a worker thread once the cache is large enough for a lookup to stall the others.

        A lookup reads every stored vector of its shape (about 13 ms at 100,000
        prompts of 1024 dimensions); numpy lets go of the GIL meanwhile, so the
        requests in flight go on.
        """
        if len(cache) < _LOOKUPS_IN_A_THREAD_FROM:
            return cache.nearest(vector, shape)
        return await asyncio.to_thread(cache.nearest, vector, shape)

    async def _evaluate(
        self, prompt: Prompt, completion: Completion, judged: list[Attempt], policy: AcceptPolicy | None = None
    ) -> _Judged:
        """Local evaluators first; judges (their calls go to ``judged``) only while the verdict is still open.

        ``policy`` defaults to the config's.
        """
        policy = policy or self.config.accept
        assert policy is not None
        answer = Answer(completion.text, completion.logprobs)
        verdicts = policy.check(answer)
        settled = policy.settled(verdicts)
        judge_failed = False
        for judge in policy.judges:
            if settled is not None:
                break
            call = await self.caller.call(
                self.config.tiers[judge.tier], "accept_judge", judge.messages(prompt, answer), JUDGE_PARAMS
            )
            judged.extend(call.attempts)
            if call.completion is None:
                judge_failed = True
                kind = call.attempts[-1].error_kind if call.attempts else "error"
                verdicts.append(Verdict(judge.name, False, f"the judge call failed ({kind})"))
            else:
                verdicts.append(judge.verdict_from(call.completion.text))
            settled = policy.settled(verdicts)
        return _Judged(bool(settled), verdicts, judge_failed)


class _CallingView(PromptView):
    """A prompt view that makes the calls a router asks for (the judge's model, an embeddings endpoint).

    Every request goes to the prompt's ``attempts``, billed; tokens are counted when a router first asks.
    """

    __slots__ = ("_caller", "_tiers", "attempts")

    def __init__(
        self, prompt: Prompt, caller: TierCaller, tiers: Mapping[str, TierConfig], attempts: list[Attempt]
    ) -> None:
        super().__init__(prompt, count=_count_router_tokens)
        self._caller = caller
        self._tiers = tiers
        self.attempts = attempts

    async def ask(self, tier: str, messages: list[dict[str, str]], params: Mapping[str, Any]) -> str | Failed:
        call = await self._caller.call(self._tiers[tier], "route_judge", messages, params)
        self.attempts.extend(call.attempts)
        if call.completion is None:
            return Failed(str(call.attempts[-1].error_kind if call.attempts else "error"))
        return call.completion.text

    async def _embed(self, embedder: EmbedderConfig) -> Vector | Failed:
        if not isinstance(embedder, EndpointEmbedder):
            return await super()._embed(embedder)
        embedded = await self._caller.embed(embedder, "embed", [self.text])
        self.attempts.extend(embedded.attempts)
        if embedded.vectors is None:
            return Failed(str(self.attempts[-1].error_kind if self.attempts else "error"))
        vector: Vector = embedded.vectors[0]
        return vector


def _count_router_tokens(text: str) -> int:
    return count_text(text, ROUTER_ENCODING)


def cache_shape(prompt: Prompt) -> str:
    """What a cached answer must share with a prompt besides similar text: its messages' roles and max_tokens.

    The vector is of the text alone, so the same words as a system message, or
    with a smaller max_tokens, would otherwise match at similarity 1.0.
    """
    roles = ",".join(str(message.get("role")) for message in prompt.messages)
    return f"{roles}|{prompt.max_tokens}"


def cache_key(prompt: Prompt) -> str | None:
    """What a prompt is cached under: every message's role and text, and its max_tokens.

    None (not cached) for a prompt with anything but text (images, audio, files):
    two such prompts with the same words may ask different things.
    """
    lines = [] if prompt.max_tokens is None else [f"max_tokens: {prompt.max_tokens}"]
    for message in prompt.messages:
        content = message.get("content")
        if isinstance(content, list):
            if any(not isinstance(part, Mapping) or part.get("type") != "text" for part in content):
                return None
            content = "\n".join(str(part.get("text", "")) for part in content)
        lines.append(f"{message.get('role')}: {content or ''}")
    return "\n".join(lines)


def _marked(call: Call, prompt: Prompt) -> list[Attempt]:
    """An answered call's attempts, its answer (the last) marked correct or not when the prompt has an expected one."""
    expected = prompt.expected
    if call.completion is None or expected is None:
        return list(call.attempts)
    *tries, answered = call.attempts
    return [*tries, answered._replace(correct=is_correct(expected, call.completion.text))]


def _call_error(call: Call) -> str:
    """Why a call got no answer: its last attempt's error."""
    return (call.attempts[-1].error if call.attempts else None) or "no attempt could be made"


def _failed(prompt: Prompt, error: str) -> Decision:
    return decision_for(prompt, error=error)


def _with_verdicts(attempt: Attempt, verdicts: Sequence[Verdict], accepted: bool) -> Attempt:
    return attempt._replace(verdicts=tuple(verdicts), accepted=accepted)
