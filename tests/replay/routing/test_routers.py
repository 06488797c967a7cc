"""Routers: rule conditions, first-match order, complexity scores by hand, and reading the judge's level."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import pytest

from routecli.replay.prompts import Prompt, parse_prompt
from routecli.replay.routing import Failed, PromptView, RouteDecision, Router
from routecli.replay.routing.complexity import DEFAULT_WEIGHTS, ComplexityRouter
from routecli.replay.routing.features import count_multi_step, count_questions, count_reasoning, has_code
from routecli.replay.routing.judge import JUDGE_PARAMS, JudgeRouter
from routecli.replay.routing.rules import Condition, FixedRouter, Rule, RulesRouter, conditions_from
from routecli.replay.tokens import count_text


def prompt(text: str, **extra: Any) -> Prompt:
    """A one-message prompt, read as a line of the prompt file would be."""
    return parse_prompt(json.dumps({"prompt": text, **extra}), 1)


def chat(*contents: str) -> Prompt:
    """A prompt of several user messages."""
    return parse_prompt(json.dumps({"messages": [{"role": "user", "content": text} for text in contents]}), 1)


def view(subject: Prompt, tokens: int | None = None) -> PromptView:
    """A view of ``subject`` holding ``tokens``, else counting them with tiktoken when a router asks."""
    return PromptView(subject, tokens=tokens, count=count_text)


def holds(when: dict[str, Any], subject: Prompt, tokens: int | None = None) -> bool:
    """Whether a rule of ``when``'s conditions holds: a rules router with that one rule routes to its tier."""
    return _rule_holds(when, view(subject, tokens))


def _rule_holds(when: dict[str, Any], seen: PromptView) -> bool:
    router = RulesRouter([Rule("tier", conditions_from(when))], default="default")
    return asyncio.run(router.route(seen)).tier == "tier"


def decide(router: Router, subject: Prompt, tokens: int | None = None) -> RouteDecision:
    """The router's one call, on a view of ``subject``."""
    return asyncio.run(router.route(view(subject, tokens)))


# ----------------------------------------------------------------- rule conditions


@pytest.mark.parametrize(
    ("tokens", "expected"), [(99, False), (100, True), (101, True), (None, False)], ids=["below", "at", "above", "none"]
)
def test_min_tokens_uses_the_views_token_count(tokens: int | None, expected: bool) -> None:
    assert holds({"min_tokens": 100}, prompt("short text"), tokens) is expected  # none: counted, 2 tokens


@pytest.mark.parametrize(
    ("tokens", "expected"), [(99, True), (100, True), (101, False), (None, True)], ids=["below", "at", "above", "none"]
)
def test_max_tokens_uses_the_views_token_count(tokens: int | None, expected: bool) -> None:
    assert holds({"max_tokens": 100}, prompt("short text"), tokens) is expected  # none: counted, 2 tokens


def test_a_view_counts_tokens_once_and_only_when_asked() -> None:
    counted: list[str] = []

    def count(text: str) -> int:
        counted.append(text)
        return 7

    seen = PromptView(prompt("short text"), count=count)
    assert seen.counted is None
    assert _rule_holds({"max_chars": 100}, seen)
    assert counted == []  # no token condition: nothing counted
    assert (seen.tokens, seen.tokens, seen.counted) == (7, 7, 7)
    assert counted == ["short text"]


def test_chars_count_characters_not_bytes() -> None:
    text = "héllo"  # 5 characters, 6 bytes in UTF-8
    assert holds({"min_chars": 5}, prompt(text))
    assert not holds({"min_chars": 6}, prompt(text))
    assert holds({"max_chars": 5}, prompt(text))
    assert not holds({"max_chars": 4}, prompt(text))


def test_chars_count_the_joined_text_of_all_messages() -> None:
    # "ab" + "\n\n" + "cd" = 6 characters
    assert holds({"min_chars": 6, "max_chars": 6}, chat("ab", "cd"))


def test_messages_count_chat_messages() -> None:
    three = chat("a", "b", "c")
    assert holds({"min_messages": 3}, three)
    assert not holds({"min_messages": 4}, three)
    assert holds({"max_messages": 3}, three)
    assert not holds({"max_messages": 2}, three)
    assert holds({"max_messages": 1}, prompt("one"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please prove it.", True),
        ("PROVE that n² ≥ 0", True),
        ("prove", True),
        ("(prove)", True),
        ("It is proven.", False),
        ("Improve this essay.", False),
        ("disprove", False),
        ("Summarise this.", False),
    ],
)
def test_keywords_match_whole_words_in_any_case(text: str, expected: bool) -> None:
    assert holds({"keywords": ["prove"]}, prompt(text)) is expected


def test_keywords_match_any_word_or_phrase_listed() -> None:
    when = {"keywords": ["sql", "step by step"]}
    assert holds(when, prompt("Write SQL for this."))
    assert holds(when, prompt("Go Step By Step, please."))
    assert not holds(when, prompt("Take one step, then another."))
    assert not holds(when, prompt("Use mysql."))


def test_keywords_are_literal_text_not_patterns() -> None:
    assert holds({"keywords": ["node.js"]}, prompt("Use Node.js here."))
    assert not holds({"keywords": ["node.js"]}, prompt("Use nodeXjs here."))


@pytest.mark.parametrize("word", ["C++", "C#"])
def test_keywords_ending_in_symbols_match(word: str) -> None:
    assert holds({"keywords": [word]}, prompt(f"I write {word} daily."))


def test_regex_searches_the_text_case_sensitively() -> None:
    assert holds({"regex": r"\d{3}-\d{4}"}, prompt("Call 555-1234 now"))
    assert not holds({"regex": r"\d{3}-\d{4}"}, prompt("Call 55-1234 now"))
    assert not holds({"regex": "Hello"}, prompt("hello there"))
    assert holds({"regex": "(?i)Hello"}, prompt("hello there"))
    assert holds({"regex": "^second$"}, prompt("first\nsecond")) is False  # no MULTILINE: ^ is the text's start


@pytest.mark.parametrize(
    "text",
    [
        "Fix this:\n```\nx = 1\n```",
        "Fix this:\n~~~python\nx = 1\n~~~",
        "def add(a, b):\n    return a + b",
        "What does this do?\n    def f(): pass",
        "int main() {\n  return 0\n}",
        "Why does x = 1; fail?\nx = 1;",
        "x = 1;  ",
        "import os",
        "SELECT * FROM users",
    ],
)
def test_has_code_true_on_code(text: str) -> None:
    assert holds({"has_code": True}, prompt(text))
    assert not holds({"has_code": False}, prompt(text))


@pytest.mark.parametrize(
    "text",
    [
        "What is the capital of France?",
        "Define the word 'default'.",
        "Is a { b a valid expression, or a; b?",
        "Explain the def keyword",
    ],
)
def test_has_code_false_on_prose(text: str) -> None:
    assert holds({"has_code": False}, prompt(text))
    assert not holds({"has_code": True}, prompt(text))


def test_metadata_equality() -> None:
    subject = prompt("x", metadata={"lang": "fr", "priority": 2})
    assert holds({"metadata": {"lang": "fr"}}, subject)
    assert holds({"metadata": {"lang": "fr", "priority": 2}}, subject)
    assert not holds({"metadata": {"lang": "de"}}, subject)
    assert not holds({"metadata": {"lang": "fr", "priority": 3}}, subject)
    assert not holds({"metadata": {"team": "fr"}}, subject)  # a missing key never matches
    assert not holds({"metadata": {"lang": "fr"}}, prompt("x"))


def test_metadata_list_means_any_of_the_values() -> None:
    when = {"metadata": {"lang": ["fr", "de"]}}
    assert holds(when, prompt("x", metadata={"lang": "de"}))
    assert holds(when, prompt("x", metadata={"lang": "fr"}))
    assert not holds(when, prompt("x", metadata={"lang": "en"}))


def test_all_conditions_of_a_rule_must_hold() -> None:
    when = {"min_chars": 10, "keywords": ["prove"], "max_tokens": 50}
    assert holds(when, prompt("Please prove it."), 20)
    assert not holds(when, prompt("Prove it."), 20)  # 9 characters
    assert not holds(when, prompt("Please show it."), 20)
    assert not holds(when, prompt("Please prove it."), 51)


def test_conditions_keep_config_order_and_skip_nulls() -> None:
    conditions = conditions_from({"min_tokens": 5, "regex": None, "keywords": ["a"], "has_code": False})
    assert [condition.name for condition in conditions] == ["min_tokens", "keywords", "has_code"]
    assert all(isinstance(condition, Condition) for condition in conditions)


def test_an_unknown_condition_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown rule condition 'min_words'"):
        conditions_from({"min_words": 3})


# ----------------------------------------------------------------- the rules router


def example_router() -> RulesRouter:
    return RulesRouter(
        [
            Rule("heavy", conditions_from({"has_code": True}), name="code"),
            Rule("mid", conditions_from({"min_tokens": 500, "keywords": ["prove"]}), name="long"),
            Rule("small", conditions_from({"max_chars": 20})),
        ],
        default="light",
    )


def test_first_matching_rule_wins() -> None:
    text = "Please prove this:\n```\nassert f(1) == 2\n```"  # rules 1 and 2 both hold
    decision = decide(example_router(), prompt(text), 600)
    assert decision == RouteDecision(
        "heavy", 'rule 1 "code" (has_code)', None, {"chars": len(text), "messages": 1, "tokens": 600}
    )


def test_reason_names_the_rule_and_its_conditions() -> None:
    text = "Please prove that the sum of two even numbers is even."
    decision = decide(example_router(), prompt(text), 600)
    assert decision.tier == "mid"
    assert decision.reason == 'rule 2 "long" (min_tokens, keywords)'
    assert decision.score is None


def test_an_unnamed_rule_is_named_by_its_number() -> None:
    decision = decide(example_router(), prompt("Hi there"), 3)
    assert (decision.tier, decision.reason) == ("small", "rule 3 (max_chars)")


def test_default_when_no_rule_matches() -> None:
    text = "Please prove that the sum of two even numbers is even."
    decision = decide(example_router(), prompt(text), 30)  # too few tokens for rule 2, too long for rule 3
    assert decision == RouteDecision(
        "light", "default: no rule matched", None, {"chars": 54, "messages": 1, "tokens": 30}
    )


def test_features_leave_out_tokens_when_uncounted() -> None:
    router = RulesRouter([Rule("small", conditions_from({"max_chars": 4}))], default="light")  # no token condition
    decision = decide(router, chat("ab", "cd"))
    assert decision.features == {"chars": 6, "messages": 2}


def test_features_hold_tokens_a_view_has_counted_already() -> None:
    router = RulesRouter([Rule("small", conditions_from({"max_chars": 4}))], default="light")
    assert decide(router, chat("ab", "cd"), 9).features == {"chars": 6, "messages": 2, "tokens": 9}


def test_tiers_are_the_rules_then_the_default() -> None:
    assert example_router().tiers == ("heavy", "mid", "small", "light")


@pytest.mark.parametrize(
    ("when", "needs"),
    [
        ({"min_tokens": 1}, True),
        ({"max_tokens": 1}, True),
        ({"min_chars": 1, "max_chars": 9, "keywords": ["a"], "regex": "a", "has_code": True}, False),
        ({"min_messages": 1, "max_messages": 2, "metadata": {"a": 1}}, False),
    ],
)
def test_needs_tokens_only_with_token_conditions(when: dict[str, Any], needs: bool) -> None:
    router = RulesRouter([Rule("a", conditions_from({"keywords": ["x"]})), Rule("b", conditions_from(when))], "c")
    assert router.needs_tokens is needs
    assert router.kind == "rules"


def test_a_router_without_rules_sends_everything_to_the_default() -> None:
    router = RulesRouter([], "only")
    assert router.needs_tokens is False
    assert decide(router, prompt("anything"), 5).tier == "only"


def test_fixed_router() -> None:
    router = FixedRouter("big")
    assert decide(router, prompt("x"), 10) == RouteDecision("big", "fixed")
    assert (router.kind, router.needs_tokens, router.tiers, router.calls) == ("fixed", False, ("big",), None)


# ----------------------------------------------------------------- features


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Explain why the proof holds.", 3),
        ("Go step by step.", 1),
        ("WHY?", 1),
        ("It is proven and derived.", 0),  # inflected forms are not markers
        ("Analyse and compare the trade-off.", 3),
    ],
)
def test_count_reasoning(text: str, count: int) -> None:
    assert count_reasoning(text) == count


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("First boil water, then add pasta.", 2),
        ("1. Boil\n2) Drain", 2),
        ("- a\n* b\n• c\n  - d", 4),
        ("Finally, after that, rest.", 2),
        ("Thence and firstly.", 0),
        ("-5 is negative", 0),  # a dash needs a space after it to be a bullet
    ],
)
def test_count_multi_step(text: str, count: int) -> None:
    assert count_multi_step(text) == count


def test_count_questions_and_has_code() -> None:
    assert count_questions("Is it red? Is it blue?") == 2
    assert count_questions("No question.") == 0
    assert has_code("a\n```\nb\n```")
    assert not has_code("Plain words only.")


# ----------------------------------------------------------------- the complexity router

ONLY = dict.fromkeys(DEFAULT_WEIGHTS, 0.0)


def only(**weights: float) -> dict[str, float]:
    """All features off except those given."""
    return {**ONLY, **weights}


def test_questions_scale_by_three() -> None:
    router = ComplexityRouter([("a", 0.0)])
    assert router.text_features("Is it red? Is it blue?", 100) == {
        "length": 0.1,
        "code": 0.0,
        "reasoning": 0.0,
        "multi_step": 0.0,
        "questions": pytest.approx(2 / 3),
    }
    assert router.text_features("a? b? c? d?", 0)["questions"] == 1.0  # saturates at 3


def test_reasoning_and_multi_step_scale_by_three() -> None:
    router = ComplexityRouter([("a", 0.0)])
    assert router.text_features("Explain it.", 1)["reasoning"] == pytest.approx(1 / 3)
    assert router.text_features("Analyse and compare.", 1)["reasoning"] == pytest.approx(2 / 3)
    assert router.text_features("Explain why, prove it, then compare.", 1)["reasoning"] == 1.0  # 4 saturates
    assert router.text_features("First boil, then drain.", 1)["multi_step"] == pytest.approx(2 / 3)
    assert router.text_features("- a\n- b\n- c\n- d", 1)["multi_step"] == 1.0


def test_code_is_zero_or_one() -> None:
    router = ComplexityRouter([("a", 0.0)])
    assert router.text_features("def f():\n    return 1", 1)["code"] == 1.0
    assert router.text_features("Just words.", 1)["code"] == 0.0


def test_length_is_tokens_over_length_tokens_at_most_one() -> None:
    router = ComplexityRouter([("a", 0.0)], length_tokens=200)
    assert router.text_features("x", 50)["length"] == 0.25
    assert router.text_features("x", 200)["length"] == 1.0
    assert router.text_features("x", 5000)["length"] == 1.0


def test_length_without_tokens_falls_back_to_four_characters_a_token() -> None:
    router = ComplexityRouter([("a", 0.0)], length_tokens=100)
    assert router.text_features("x" * 40, None)["length"] == 0.1  # 40 / 4 = 10 tokens, 10 / 100
    assert router.text_features("x" * 40, 0)["length"] == 0.0  # a count of 0 is used, not the estimate


def test_score_is_the_weighted_mean_with_the_default_weights() -> None:
    router = ComplexityRouter([("a", 0.0)])
    # length 100/1000 = 0.1 (weight 1), questions 2/3 (weight 0.5), the rest 0; total weight 4.5
    # (0.1 + 0.5 * 2/3) / 4.5 = (13/30) / (9/2) = 13/135
    decision = decide(router, prompt("Is it red? Is it blue?"), 100)
    assert decision.score == pytest.approx(13 / 135)
    assert router.total_weight == 4.5


def test_score_with_custom_weights() -> None:
    router = ComplexityRouter([("a", 0.0)], weights=only(length=2, reasoning=1, questions=1))
    # length 0.5 × 2 + reasoning 1/3 × 1 + questions 1/3 × 1, over 4 → (1 + 2/3) / 4 = 5/12
    assert decide(router, prompt("Explain it?"), 500).score == pytest.approx(5 / 12)


def test_a_weight_of_zero_drops_the_feature() -> None:
    router = ComplexityRouter([("a", 0.0)], weights=only(length=1, code=0))
    assert router.weights == {"length": 1}
    assert router.score({"length": 0.4}) == pytest.approx(0.4)  # the dropped features are not even read
    assert decide(router, prompt("def f():\n    return 1"), 400).score == pytest.approx(0.4)


def test_no_weight_scores_zero() -> None:
    router = ComplexityRouter([("a", 0.0)], weights=ONLY)
    assert router.score({}) == 0.0


THRESHOLDS = [("large", 0.6), ("small", 0.0), ("medium", 0.3)]  # order given does not matter


@pytest.mark.parametrize(
    ("tokens", "tier", "reason"),
    [
        (0, "small", "score 0.000 >= 0"),
        (299, "small", "score 0.299 >= 0"),
        (300, "medium", "score 0.300 >= 0.3"),  # a tie at the threshold reaches it
        (599, "medium", "score 0.599 >= 0.3"),
        (600, "large", "score 0.600 >= 0.6"),
        (1000, "large", "score 1.000 >= 0.6"),
    ],
)
def test_the_highest_threshold_reached_picks_the_tier(tokens: int, tier: str, reason: str) -> None:
    router = ComplexityRouter(THRESHOLDS, weights=only(length=1))
    decision = decide(router, prompt("x"), tokens)
    assert (decision.tier, decision.reason) == (tier, reason)
    assert decision.score == tokens / 1000
    assert decision.features is not None
    assert decision.features["length"] == tokens / 1000


def test_below_every_threshold_goes_to_the_lowest() -> None:
    router = ComplexityRouter([("b", 0.5), ("a", 0.2)], weights=only(length=1))
    decision = decide(router, prompt("x"), 100)
    assert (decision.tier, decision.reason) == ("a", "score 0.100 below every threshold")


def test_complexity_router_attributes() -> None:
    router = ComplexityRouter(THRESHOLDS)
    assert router.tiers == ("large", "small", "medium")
    assert (router.kind, router.needs_tokens) == ("complexity", True)


# ----------------------------------------------------------------- the judge router


def judge() -> JudgeRouter:
    return JudgeRouter("cheap", ["light", "medium", "heavy"], fallback="medium")


class Replying(PromptView):
    """A view whose ``ask`` gets ``reply``, and keeps what was asked."""

    def __init__(self, subject: Prompt, reply: str | Failed) -> None:
        super().__init__(subject)
        self.reply = reply
        self.asked: list[tuple[str, list[dict[str, str]], Mapping[str, Any]]] = []

    async def ask(self, tier: str, messages: list[dict[str, str]], params: Mapping[str, Any]) -> str | Failed:
        self.asked.append((tier, messages, params))
        return self.reply


def judged(reply: str | Failed, subject: Prompt | None = None) -> RouteDecision:
    """The judge router's decision when its tier replies ``reply``."""
    return asyncio.run(judge().route(Replying(subject or prompt("x"), reply)))


def test_the_judge_asks_its_tier_with_its_messages() -> None:
    asked = Replying(chat("Be brief.", "Sum 2 and 2"), "1")
    assert asyncio.run(judge().route(asked)).tier == "light"
    assert asked.asked == [("cheap", judge().messages("Be brief.\n\nSum 2 and 2"), JUDGE_PARAMS)]


def test_a_failed_judge_call_falls_back() -> None:
    assert judged(Failed("timeout")) == RouteDecision("medium", "judge failed (timeout), fallback")


def test_judge_messages_hold_the_prompt_and_the_number_of_levels() -> None:
    messages = judge().messages(chat("Be brief.", "Sum 2 and 2").text)
    assert [message["role"] for message in messages] == ["system", "user"]
    assert "from 1 to 3" in messages[0]["content"]
    assert "Be brief.\n\nSum 2 and 2" in messages[1]["content"]
    assert "3 = hardest" in messages[1]["content"]
    assert messages[1]["content"].endswith("Difficulty (1-3):")


def test_judge_messages_follow_the_number_of_levels() -> None:
    router = JudgeRouter("cheap", ["a", "b", "c", "d", "e"], fallback="e")
    assert "from 1 to 5" in router.messages("x")[0]["content"]


@pytest.mark.parametrize(
    ("reply", "tier", "level"),
    [("3", "heavy", 3), ("Level: 2.", "medium", 2), (" 1\n", "light", 1), ("2 (moderate)", "medium", 2)],
)
def test_judge_level_picks_the_tier(reply: str, tier: str, level: int) -> None:
    assert judged(reply) == RouteDecision(tier, f"judge: level {level}", float(level))


@pytest.mark.parametrize(("reply", "shown"), [("hard", "'hard'"), ("", "''"), ("level?", "'level?'")])
def test_judge_answer_without_a_number_falls_back(reply: str, shown: str) -> None:
    assert judged(reply) == RouteDecision("medium", "judge: no level in the answer, fallback")


@pytest.mark.parametrize(("reply", "level"), [("0", 0), ("7", 7), ("  10 \n", 10), ("-1", -1)])
def test_judge_level_out_of_range_falls_back(reply: str, level: int) -> None:
    assert judged(reply) == RouteDecision("medium", f"judge: level {level} is not 1-3, fallback")


def test_judge_fallback_reason_shows_at_most_forty_characters() -> None:
    decision = judged("my secret reply")
    assert "secret" not in decision.reason  # replies reach the decision log only with --log-content


def test_judge_router_attributes() -> None:
    router = judge()
    assert router.tiers == ("light", "medium", "heavy", "medium")
    assert (router.kind, router.needs_tokens, router.tier, router.calls) == ("judge", False, "cheap", "model")
