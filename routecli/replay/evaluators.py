"""Cascade evaluators: decide whether a tier's answer is accepted or the request escalates.

Pure: evaluators read an answer (its text and token logprobs); the judge
evaluator only builds its question and reads the reply, the replay engine makes
the call. An ``AcceptPolicy`` combines evaluators with all/any and says when the
verdicts so far already settle it, so a judge is asked only when it matters.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol

if TYPE_CHECKING:
    from routecli.replay.prompts import Prompt

__all__ = [
    "DEFAULT_HEDGING_PHRASES",
    "JUDGE_EVALUATOR_PROMPT",
    "AcceptPolicy",
    "Answer",
    "Evaluator",
    "FormatEvaluator",
    "HedgingEvaluator",
    "JudgeEvaluator",
    "LengthEvaluator",
    "LogprobEvaluator",
    "LogprobStats",
    "Verdict",
    "logprob_stats",
    "unfenced",
]


class Answer(NamedTuple):
    """What a tier replied: its text and, when asked for, each output token's logprob."""

    text: str
    logprobs: tuple[float, ...] | None = None


class Verdict(NamedTuple):
    """One evaluator's decision on one answer, with the measured value behind it."""

    evaluator: str
    passed: bool
    detail: str


class LogprobStats(NamedTuple):
    mean: float
    min_prob: float


def logprob_stats(logprobs: Sequence[float] | None) -> LogprobStats | None:
    """Mean token logprob and the lowest token probability; None without logprobs."""
    if not logprobs:
        return None
    return LogprobStats(math.fsum(logprobs) / len(logprobs), math.exp(min(logprobs)))


class Evaluator(Protocol):
    """A check on an answer that needs no model call."""

    @property
    def name(self) -> str: ...

    @property
    def needs_logprobs(self) -> bool: ...

    def check(self, answer: Answer) -> Verdict: ...


@dataclass(frozen=True, slots=True)
class LogprobEvaluator:
    """Confident answers: mean token logprob and lowest token probability at least their thresholds.

    An answer without logprobs fails: the provider gave nothing to be confident about.
    """

    min_mean: float | None = None
    min_token_prob: float | None = None
    name: str = "logprob"
    needs_logprobs: bool = True

    def check(self, answer: Answer) -> Verdict:
        stats = logprob_stats(answer.logprobs)
        if stats is None:
            return Verdict(self.name, False, "the provider returned no logprobs")
        if self.min_mean is not None and stats.mean < self.min_mean:
            return Verdict(self.name, False, f"mean logprob {stats.mean:.3f} < {self.min_mean:g}")
        if self.min_token_prob is not None and stats.min_prob < self.min_token_prob:
            return Verdict(self.name, False, f"lowest token probability {stats.min_prob:.3g} < {self.min_token_prob:g}")
        return Verdict(self.name, True, f"mean logprob {stats.mean:.3f}, lowest token probability {stats.min_prob:.3g}")


DEFAULT_HEDGING_PHRASES: tuple[str, ...] = (
    "i'm not sure",
    "i am not sure",
    "i'm not certain",
    "i am not certain",
    "i don't know",
    "i do not know",
    "i cannot",
    "i can't",
    "i'm unable",
    "i am unable",
    "i'm sorry",
    "i apologize",
    "as an ai",
    "not enough information",
    "cannot be determined",
    "hard to say",
    "it's unclear",
    "it is unclear",
)
"""Refusal and uncertainty phrases (matched case-insensitively); ``phrases`` in the config replaces them."""


def _plain_quotes(text: str) -> str:
    return text.replace("’", "'")


@dataclass(frozen=True)
class HedgingEvaluator:
    """Answers that refuse or hedge fail: any phrase as whole words, in any case, curly or straight apostrophes."""

    phrases: tuple[str, ...] = DEFAULT_HEDGING_PHRASES
    name: str = "hedging"
    needs_logprobs: bool = False
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        phrases = sorted({_plain_quotes(phrase.casefold()) for phrase in self.phrases if phrase.strip()})
        alternatives = "|".join(re.escape(phrase) for phrase in phrases)
        object.__setattr__(self, "_pattern", re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if phrases else None)

    def check(self, answer: Answer) -> Verdict:
        found = self._pattern.search(_plain_quotes(answer.text.casefold())) if self._pattern else None
        if found:
            return Verdict(self.name, False, f"hedges: {found.group()!r}")
        return Verdict(self.name, True, "no hedging phrase")


_FENCE = re.compile(r"\A\s*(?:```|~~~)[\w-]*[ \t]*\n(.*?)\n?(?:```|~~~)\s*\Z", re.DOTALL)


def unfenced(text: str) -> str:
    """The body of an answer wrapped in one code fence (```json … ```), else the text."""
    found = _FENCE.match(text)
    return found.group(1) if found else text


@dataclass(frozen=True)
class FormatEvaluator:
    """Answers of the required form: matching a regex, valid JSON, valid against a JSON Schema.

    JSON checks read the body of a single surrounding code fence, as models often add one.
    """

    regex: str | None = None
    json: bool = False
    json_schema: Mapping[str, Any] | None = None
    name: str = "format"
    needs_logprobs: bool = False
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if self.regex is not None:
            object.__setattr__(self, "_pattern", re.compile(self.regex))

    def check(self, answer: Answer) -> Verdict:
        if self._pattern is not None and not self._pattern.search(answer.text):
            return Verdict(self.name, False, f"does not match {self.regex!r}")
        if self.json or self.json_schema is not None:
            try:
                document = json.loads(unfenced(answer.text))
            except ValueError as error:
                return Verdict(self.name, False, f"not valid JSON: {error}")
            if self.json_schema is not None:
                problem = _schema_problem(document, self.json_schema)
                if problem:
                    return Verdict(self.name, False, f"fails the JSON Schema: {problem}")
        return Verdict(self.name, True, "well-formed")


def _schema_problem(document: Any, schema: Mapping[str, Any]) -> str | None:
    """Where the answer breaks the schema and which keyword it fails.

    Never the answer's own values: they reach the decision log only with --log-content.
    """
    import jsonschema  # only when a schema is configured: importing it is slow

    error = jsonschema.exceptions.best_match(jsonschema.validators.validator_for(schema)(schema).iter_errors(document))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path)
    return f"{where or '(root)'} fails {error.validator}: {error.validator_value!r}"


@dataclass(frozen=True, slots=True)
class LengthEvaluator:
    """Answers with at least ``min_chars`` and at most ``max_chars`` characters (after trimming)."""

    min_chars: int | None = None
    max_chars: int | None = None
    name: str = "length"
    needs_logprobs: bool = False

    def check(self, answer: Answer) -> Verdict:
        length = len(answer.text.strip())
        if self.min_chars is not None and length < self.min_chars:
            return Verdict(self.name, False, f"{length} characters < {self.min_chars}")
        if self.max_chars is not None and length > self.max_chars:
            return Verdict(self.name, False, f"{length} characters > {self.max_chars}")
        return Verdict(self.name, True, f"{length} characters")


JUDGE_EVALUATOR_PROMPT = (
    "Here is a request and an answer to it.\n\n"
    "Request:\n<<<\n{prompt}\n>>>\n\n"
    "Answer:\n<<<\n{answer}\n>>>\n\n"
    "Is this answer correct and complete? Reply with yes or no only."
)
_YES_NO = re.compile(r"\b(yes|no)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class JudgeEvaluator:
    """Another tier answers yes/no to "is this answer correct and complete?"; anything else fails."""

    tier: str
    name: str = "judge"
    needs_logprobs: bool = False

    def messages(self, prompt: Prompt, answer: Answer) -> list[dict[str, str]]:
        return [{"role": "user", "content": JUDGE_EVALUATOR_PROMPT.format(prompt=prompt.text, answer=answer.text)}]

    def verdict_from(self, reply: str) -> Verdict:
        found = _YES_NO.search(reply)
        if found is None:
            return Verdict(self.name, False, f"{self.tier} answered neither yes nor no")
        passed = found.group(1).lower() == "yes"
        return Verdict(self.name, passed, f"{self.tier} says {'yes' if passed else 'no'}")


@dataclass(frozen=True, slots=True)
class AcceptPolicy:
    """Evaluators combined with ``all`` (every one passes) or ``any`` (one is enough)."""

    evaluators: tuple[Evaluator, ...] = ()
    judges: tuple[JudgeEvaluator, ...] = ()
    mode: Literal["all", "any"] = "all"

    @property
    def needs_logprobs(self) -> bool:
        return any(evaluator.needs_logprobs for evaluator in self.evaluators)

    def judging_correctness(self) -> AcceptPolicy | None:
        """The policy without its logprob evaluators: what can say an answer is right (``replay --all-tiers``).

        A logprob threshold is a confidence signal, the very thing tuning sets;
        judging correctness by it would tune it against itself. None when
        nothing else is left.
        """
        kept = tuple(evaluator for evaluator in self.evaluators if not evaluator.needs_logprobs)
        if not kept and not self.judges:
            return None
        return AcceptPolicy(kept, self.judges, self.mode)

    def check(self, answer: Answer) -> list[Verdict]:
        """The verdicts of the evaluators that need no model call."""
        return [evaluator.check(answer) for evaluator in self.evaluators]

    def settled(self, verdicts: Sequence[Verdict]) -> bool | None:
        """Accepted (True) or not (False) already, or None while judges could still decide it."""
        if self.mode == "all":
            if any(not verdict.passed for verdict in verdicts):
                return False
        elif any(verdict.passed for verdict in verdicts):
            return True
        if len(verdicts) < len(self.evaluators) + len(self.judges):
            return None
        return self.mode == "all" or not verdicts
