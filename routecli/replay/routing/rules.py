"""The rules router: ordered conditions on a prompt; the first rule that holds picks the tier."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from routecli.replay.routing import OfflineRouter, PromptView, RouteDecision
from routecli.replay.routing.features import has_code

__all__ = ["Condition", "FixedRouter", "Rule", "RulesRouter", "conditions_from"]

Test = Callable[[PromptView], bool]
Measure = Callable[[PromptView], int]


@dataclass(frozen=True, slots=True)
class Condition:
    """One test on a prompt, named as in the config (``min_tokens``, ``keywords`` …)."""

    name: str
    test: Test


def _at_least(value: int, measure: Measure) -> Test:
    return lambda view: measure(view) >= value


def _at_most(value: int, measure: Measure) -> Test:
    return lambda view: measure(view) <= value


def _tokens(view: PromptView) -> int:
    return view.tokens


def _chars(view: PromptView) -> int:
    return len(view.text)


def _messages(view: PromptView) -> int:
    return len(view.prompt.messages)


def _metadata_test(wanted: Mapping[str, Any]) -> Test:
    """Every key present with the value given (or one of the values listed)."""
    options = tuple((key, tuple(value) if isinstance(value, list) else (value,)) for key, value in wanted.items())

    def test(view: PromptView) -> bool:  # loops, not all/any over generators: it runs for every prompt
        metadata = view.prompt.metadata
        for key, values in options:
            if key not in metadata:
                return False
            found = metadata[key]
            for value in values:
                if _same(found, value):
                    break
            else:
                return False
        return True

    return test


def _same(found: Any, wanted: Any) -> bool:
    """Equal as JSON values: ``true`` is not ``1``, though Python says so."""
    return isinstance(found, bool) == isinstance(wanted, bool) and found == wanted


_BOUNDS: dict[str, tuple[Callable[[int, Measure], Test], Measure]] = {
    "min_tokens": (_at_least, _tokens),
    "max_tokens": (_at_most, _tokens),
    "min_chars": (_at_least, _chars),
    "max_chars": (_at_most, _chars),
    "min_messages": (_at_least, _messages),
    "max_messages": (_at_most, _messages),
}
"""Conditions that bound a measure of the prompt: the test and what it measures."""


def conditions_from(when: Mapping[str, Any]) -> tuple[Condition, ...]:
    """Conditions from a rule's validated ``when`` mapping (keys as in docs/router.md)."""
    made: list[Condition] = []
    for name, value in when.items():
        if value is None:
            continue
        test: Test
        if name in _BOUNDS:
            bound, measure = _BOUNDS[name]
            test = bound(value, measure)
        elif name == "keywords":
            test = _keywords(value)
        elif name == "regex":
            test = _searches(re.compile(value))
        elif name == "has_code":
            test = _code_is(bool(value))
        elif name == "metadata":
            test = _metadata_test(value)
        else:
            raise ValueError(f"unknown rule condition {name!r}")  # the config spec allows only the names above
        made.append(Condition(name, test))
    return tuple(made)


def _keywords(words: Sequence[str]) -> Test:
    """Any of ``words`` as whole words, in any case.

    Substring search then a look at the characters either side: several times
    faster than a regex alternation with word boundaries, which tries every position.
    """
    folded = tuple(word.casefold() for word in words)

    def test(view: PromptView) -> bool:
        text = view.text.casefold()
        return any(_has_word(text, word) for word in folded if word in text)

    return test


def _has_word(text: str, word: str) -> bool:
    """``word`` occurs in ``text`` with no word character (letter, digit, _) touching it."""
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not (_word_char(before) and _word_char(word[0])) and not (_word_char(after) and _word_char(word[-1])):
            return True
        start = text.find(word, start + 1)
    return False


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _searches(pattern: re.Pattern[str]) -> Test:
    return lambda view: pattern.search(view.text) is not None


def _code_is(wanted: bool) -> Test:
    return lambda view: has_code(view.text) is wanted


@dataclass(frozen=True, slots=True)
class Rule:
    """A tier and the conditions that must all hold for a prompt to go there."""

    tier: str
    conditions: tuple[Condition, ...]
    name: str | None = None

    def describe(self, index: int) -> str:
        """``rule 2 "long" (min_tokens, keywords)``: how the decision log names it."""
        label = f'rule {index} "{self.name}"' if self.name else f"rule {index}"
        return f"{label} ({', '.join(condition.name for condition in self.conditions)})"


class RulesRouter(OfflineRouter):
    """Ordered rules; a prompt no rule matches goes to the default tier."""

    kind = "rules"

    def __init__(self, rules: Sequence[Rule], default: str) -> None:
        self.rules = tuple(rules)
        self.default = default
        self.needs_tokens = any(c.name in ("min_tokens", "max_tokens") for rule in self.rules for c in rule.conditions)
        self.tiers = (*(rule.tier for rule in self.rules), default)
        self._checks = [
            (tuple(condition.test for condition in rule.conditions), rule.tier, rule.describe(index))
            for index, rule in enumerate(self.rules, start=1)
        ]
        """Each rule's tests, tier and reason (rules are numbered from 1), flat: routing runs these per prompt."""

    def decide(self, view: PromptView) -> RouteDecision:
        """The first rule that holds, else the default."""
        tier, reason = self.default, "default: no rule matched"
        for tests, rule_tier, rule_reason in self._checks:
            for test in tests:
                if not test(view):
                    break
            else:
                tier, reason = rule_tier, rule_reason
                break
        features: dict[str, float] = {"chars": len(view.text), "messages": len(view.prompt.messages)}
        tokens = view.tokens if self.needs_tokens else view.counted
        if tokens is not None:
            features["tokens"] = tokens
        return RouteDecision(tier, reason, features=features)


class FixedRouter(OfflineRouter):
    """Everything to one tier: the baseline a router is compared with."""

    kind = "fixed"

    def __init__(self, tier: str) -> None:
        self.tier = tier
        self.tiers = (tier,)
        self._decision = RouteDecision(tier, "fixed")

    def decide(self, view: PromptView) -> RouteDecision:
        return self._decision
