"""Cascade evaluators: each check's pass/fail boundary and detail, and when an accept policy is settled."""

from __future__ import annotations

import json
import math
from typing import Literal

import pytest

from routecli.replay.evaluators import (
    AcceptPolicy,
    Answer,
    FormatEvaluator,
    HedgingEvaluator,
    JudgeEvaluator,
    LengthEvaluator,
    LogprobEvaluator,
    LogprobStats,
    Verdict,
    logprob_stats,
    unfenced,
)
from routecli.replay.prompts import parse_prompt

# ----------------------------------------------------------------- logprobs


def test_logprob_stats_by_hand() -> None:
    stats = logprob_stats([-0.1, -0.3])
    assert stats is not None
    assert stats.mean == pytest.approx(-0.2)
    assert stats.min_prob == pytest.approx(math.exp(-0.3))
    assert logprob_stats([-0.5, -1.5, 0.0]) == LogprobStats(-2 / 3, math.exp(-1.5))


@pytest.mark.parametrize("logprobs", [None, [], ()])
def test_logprob_stats_without_logprobs(logprobs: list[float] | None) -> None:
    assert logprob_stats(logprobs) is None


def test_mean_exactly_at_the_threshold_passes() -> None:
    answer = Answer("ok", (-0.5, -1.5))  # mean exactly -1.0
    assert LogprobEvaluator(min_mean=-1.0).check(answer).passed
    failed = LogprobEvaluator(min_mean=-0.999).check(answer)
    assert failed == Verdict("logprob", False, "mean logprob -1.000 < -0.999")


def test_mean_of_tenths_at_the_threshold_passes() -> None:
    answer = Answer("ok", (-0.1, -0.3))  # mean -0.2, summed without rounding drift
    assert LogprobEvaluator(min_mean=-0.2).check(answer).passed
    assert LogprobEvaluator(min_mean=-0.1).check(answer) == Verdict("logprob", False, "mean logprob -0.200 < -0.1")


def test_lowest_token_probability_exactly_at_the_threshold_passes() -> None:
    answer = Answer("ok", (-0.1, -0.3))
    lowest = math.exp(-0.3)  # 0.7408…
    assert LogprobEvaluator(min_token_prob=lowest).check(answer).passed
    assert not LogprobEvaluator(min_token_prob=math.nextafter(lowest, 1.0)).check(answer).passed
    failed = LogprobEvaluator(min_token_prob=0.75).check(answer)
    assert failed == Verdict("logprob", False, "lowest token probability 0.741 < 0.75")


def test_both_thresholds_must_hold() -> None:
    evaluator = LogprobEvaluator(min_mean=-0.25, min_token_prob=0.7)
    assert evaluator.check(Answer("ok", (-0.1, -0.3))) == Verdict(
        "logprob", True, "mean logprob -0.200, lowest token probability 0.741"
    )
    assert not evaluator.check(Answer("ok", (0.0, -0.4))).passed  # mean -0.2 passes, exp(-0.4) = 0.670 fails
    assert not evaluator.check(Answer("ok", (-0.3, -0.3))).passed  # mean -0.3 fails


@pytest.mark.parametrize("logprobs", [None, ()])
def test_missing_logprobs_fail(logprobs: tuple[float, ...] | None) -> None:
    verdict = LogprobEvaluator().check(Answer("ok", logprobs))
    assert verdict == Verdict("logprob", False, "the provider returned no logprobs")


def test_only_the_logprob_evaluator_needs_logprobs() -> None:
    assert LogprobEvaluator().needs_logprobs
    assert not HedgingEvaluator().needs_logprobs
    assert not FormatEvaluator().needs_logprobs
    assert not LengthEvaluator().needs_logprobs
    assert not JudgeEvaluator("big").needs_logprobs


# ----------------------------------------------------------------- hedging


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("I'm not sure, maybe 4.", "i'm not sure"),
        ("I’m not sure, maybe 4.", "i'm not sure"),  # a curly apostrophe, as models often write
        ("I DON’T KNOW.", "i don't know"),
        ("As an AI language model, I cannot browse.", "as an ai"),
        ("Sorry, there is not enough information.", "not enough information"),
        ("It is unclear.", "it is unclear"),
    ],
)
def test_default_phrases_fail_hedging_answers(text: str, phrase: str) -> None:
    assert HedgingEvaluator().check(Answer(text)) == Verdict("hedging", False, f"hedges: {phrase!r}")


@pytest.mark.parametrize("text", ["The answer is 4.", "Paris.", "I am sure: 42.", ""])
def test_default_phrases_pass_plain_answers(text: str) -> None:
    assert HedgingEvaluator().check(Answer(text)) == Verdict("hedging", True, "no hedging phrase")


def test_custom_phrases_replace_the_defaults() -> None:
    evaluator = HedgingEvaluator(phrases=("No idea", "PERHAPS"))
    assert evaluator.check(Answer("no idea, honestly")) == Verdict("hedging", False, "hedges: 'no idea'")
    assert not evaluator.check(Answer("Perhaps 4.")).passed
    assert evaluator.check(Answer("I'm not sure.")).passed


def test_custom_phrases_are_literal() -> None:
    evaluator = HedgingEvaluator(phrases=("n/a (?)",))
    assert not evaluator.check(Answer("Result: N/A (?)")).passed
    assert evaluator.check(Answer("Result: n/a")).passed


def test_no_phrases_pass_everything() -> None:
    evaluator = HedgingEvaluator(phrases=())
    assert evaluator.check(Answer("I'm sorry, I cannot help with that.")).passed
    assert evaluator.check(Answer("")).passed


def test_custom_phrase_with_a_curly_apostrophe_matches() -> None:
    evaluator = HedgingEvaluator(phrases=("I’m lost",))
    assert not evaluator.check(Answer("I’m lost here.")).passed
    assert not evaluator.check(Answer("I'm lost here.")).passed


@pytest.mark.parametrize("text", ["Wasabi can't grow in deserts.", "Hawaii cannot be reached by car.", "As an aide"])
def test_phrases_match_whole_words(text: str) -> None:
    assert HedgingEvaluator().check(Answer(text)).passed


# ----------------------------------------------------------------- format


def test_unfenced_takes_the_body_of_one_fence() -> None:
    assert unfenced('```json\n{"a": 1}\n```') == '{"a": 1}'
    assert unfenced("  ~~~\n[1,\n 2]\n~~~\n") == "[1,\n 2]"
    assert unfenced('```\n{"a": 1}```') == '{"a": 1}'
    assert unfenced('{"a": 1}') == '{"a": 1}'
    assert unfenced('Here:\n```json\n{"a": 1}\n```') == 'Here:\n```json\n{"a": 1}\n```'  # text outside the fence


def test_regex_searches_the_answer() -> None:
    evaluator = FormatEvaluator(regex="ANSWER: [A-D]")
    assert evaluator.check(Answer("Thinking…\nANSWER: C")) == Verdict("format", True, "well-formed")
    assert evaluator.check(Answer("answer: c")) == Verdict("format", False, "does not match 'ANSWER: [A-D]'")


@pytest.mark.parametrize("text", ['{"a": 1}', "  [1, 2]  ", "3", '```json\n{"a": 1}\n```', "~~~\n[true]\n~~~\n"])
def test_json_passes_json_fenced_or_not(text: str) -> None:
    assert FormatEvaluator(json=True).check(Answer(text)) == Verdict("format", True, "well-formed")


def test_json_fails_with_the_parser_message() -> None:
    verdict = FormatEvaluator(json=True).check(Answer('Sure: {"a": 1}'))
    assert verdict == Verdict("format", False, "not valid JSON: Expecting value: line 1 column 1 (char 0)")


def test_json_in_a_fence_fails_on_the_body() -> None:
    verdict = FormatEvaluator(json=True).check(Answer("```json\n{a: 1}\n```"))
    assert not verdict.passed
    assert verdict.detail == (
        "not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    )


SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name"],
}


def test_json_schema_passes_a_valid_document() -> None:
    assert FormatEvaluator(json_schema=SCHEMA).check(Answer('```json\n{"name": "Ada", "age": 36}\n```')).passed


@pytest.mark.parametrize(
    ("document", "detail"),
    [
        ({"name": "Ada", "age": "old"}, "age fails type: 'integer'"),
        ({"age": 3}, "(root) fails required: ['name']"),
        ([1], "(root) fails type: 'object'"),
    ],
)
def test_json_schema_failures_name_where(document: object, detail: str) -> None:
    verdict = FormatEvaluator(json_schema=SCHEMA).check(Answer(json.dumps(document)))
    assert verdict == Verdict("format", False, f"fails the JSON Schema: {detail}")


def test_json_schema_path_into_arrays() -> None:
    schema = {"type": "array", "items": {"type": "integer"}}
    verdict = FormatEvaluator(json_schema=schema).check(Answer('[1, "two"]'))
    assert verdict.detail == "fails the JSON Schema: 1 fails type: 'integer'"  # the answer's 'two' is not quoted


def test_json_schema_on_invalid_json_says_so() -> None:
    verdict = FormatEvaluator(json_schema=SCHEMA).check(Answer("name: Ada"))
    assert not verdict.passed
    assert verdict.detail.startswith("not valid JSON: ")


def test_regex_is_checked_before_json() -> None:
    evaluator = FormatEvaluator(regex="^\\{", json=True)
    assert evaluator.check(Answer("[1]")).detail == "does not match '^\\\\{'"
    assert evaluator.check(Answer("{oops")).detail.startswith("not valid JSON: ")
    assert evaluator.check(Answer('{"a": 1}')).passed


def test_format_without_requirements_passes() -> None:
    assert FormatEvaluator().check(Answer("anything at all")).passed


# ----------------------------------------------------------------- length


@pytest.mark.parametrize(
    ("evaluator", "verdict"),
    [
        (LengthEvaluator(min_chars=5), Verdict("length", True, "5 characters")),
        (LengthEvaluator(min_chars=6), Verdict("length", False, "5 characters < 6")),
        (LengthEvaluator(max_chars=5), Verdict("length", True, "5 characters")),
        (LengthEvaluator(max_chars=4), Verdict("length", False, "5 characters > 4")),
        (LengthEvaluator(min_chars=5, max_chars=5), Verdict("length", True, "5 characters")),
        (LengthEvaluator(), Verdict("length", True, "5 characters")),
    ],
)
def test_length_counts_characters_after_trimming(evaluator: LengthEvaluator, verdict: Verdict) -> None:
    assert evaluator.check(Answer("  héllo \n")) == verdict


def test_an_empty_answer_fails_a_minimum_of_one() -> None:
    assert LengthEvaluator(min_chars=1).check(Answer(" \n ")) == Verdict("length", False, "0 characters < 1")


# ----------------------------------------------------------------- judge evaluator


def test_judge_evaluator_messages_hold_the_prompt_and_the_answer() -> None:
    prompt = parse_prompt(json.dumps({"prompt": "What is 2+2?"}), 1)
    messages = JudgeEvaluator("big").messages(prompt, Answer("4"))
    assert len(messages) == 1
    assert messages[0]["role"] == "user"
    content = messages[0]["content"]
    assert "<<<\nWhat is 2+2?\n>>>" in content
    assert "<<<\n4\n>>>" in content
    assert content.index("What is 2+2?") < content.index("<<<\n4\n>>>")


@pytest.mark.parametrize(
    ("reply", "passed", "detail"),
    [
        ("Yes", True, "big says yes"),
        ("YES, it is complete.", True, "big says yes"),
        ("yes.", True, "big says yes"),
        ("No", False, "big says no"),
        ("no - the answer is 5", False, "big says no"),
        ("Maybe", False, "big answered neither yes nor no"),
        ("Nope", False, "big answered neither yes nor no"),
        ("Yesterday I knew", False, "big answered neither yes nor no"),
        ("  \n", False, "big answered neither yes nor no"),
    ],
)
def test_judge_verdict(reply: str, passed: bool, detail: str) -> None:
    assert JudgeEvaluator("big").verdict_from(reply) == Verdict("judge", passed, detail)


# ----------------------------------------------------------------- accept policies

PASS_LOCAL = Answer("The answer is 42.")  # length ≥ 10 and no hedging
HEDGES = Answer("I'm sorry, it is 42.")  # long enough, but hedges
SHORT_HEDGE = Answer("I'm sorry")  # 9 characters, and hedges


def policy(mode: Literal["all", "any"], judges: int = 1) -> AcceptPolicy:
    return AcceptPolicy(
        (LengthEvaluator(min_chars=10), HedgingEvaluator()),
        tuple(JudgeEvaluator(f"judge{index}") for index in range(judges)),
        mode,
    )


def test_check_runs_the_local_evaluators_in_order() -> None:
    assert policy("all").check(PASS_LOCAL) == [
        Verdict("length", True, "17 characters"),
        Verdict("hedging", True, "no hedging phrase"),
    ]


def test_all_mode_settles_false_on_a_local_failure_before_judges() -> None:
    assert policy("all").settled(policy("all").check(HEDGES)) is False


def test_all_mode_waits_for_judges_when_local_checks_pass() -> None:
    all_mode = policy("all")
    verdicts = all_mode.check(PASS_LOCAL)
    assert all_mode.settled(verdicts) is None
    assert all_mode.settled([*verdicts, JudgeEvaluator("judge0").verdict_from("yes")]) is True
    assert all_mode.settled([*verdicts, JudgeEvaluator("judge0").verdict_from("no")]) is False


def test_all_mode_with_two_judges_settles_on_the_first_no() -> None:
    all_mode = policy("all", judges=2)
    verdicts = all_mode.check(PASS_LOCAL)
    yes = Verdict("judge", True, "judge0 says yes")
    no = Verdict("judge", False, "judge0 says no")
    assert all_mode.settled([*verdicts, yes]) is None
    assert all_mode.settled([*verdicts, no]) is False
    assert all_mode.settled([*verdicts, yes, yes]) is True


def test_any_mode_settles_true_on_a_local_pass_before_judges() -> None:
    any_mode = policy("any")
    assert any_mode.settled(any_mode.check(HEDGES)) is True  # length passes
    assert any_mode.settled(any_mode.check(PASS_LOCAL)) is True


def test_any_mode_waits_for_judges_when_local_checks_fail() -> None:
    any_mode = policy("any")
    verdicts = any_mode.check(SHORT_HEDGE)
    assert [verdict.passed for verdict in verdicts] == [False, False]
    assert any_mode.settled(verdicts) is None
    assert any_mode.settled([*verdicts, Verdict("judge", True, "judge0 says yes")]) is True
    assert any_mode.settled([*verdicts, Verdict("judge", False, "judge0 says no")]) is False


def test_without_judges_the_local_verdicts_settle_it() -> None:
    assert policy("all", judges=0).settled(policy("all", judges=0).check(PASS_LOCAL)) is True
    assert policy("any", judges=0).settled(policy("any", judges=0).check(SHORT_HEDGE)) is False


def test_partial_local_verdicts_are_not_settled() -> None:
    assert policy("all", judges=0).settled([Verdict("length", True, "")]) is None
    assert policy("any", judges=0).settled([Verdict("length", False, "")]) is None


def test_policy_needs_logprobs_only_with_a_logprob_evaluator() -> None:
    assert not policy("all").needs_logprobs
    assert AcceptPolicy((HedgingEvaluator(), LogprobEvaluator(min_mean=-1.0))).needs_logprobs
    assert not AcceptPolicy((), (JudgeEvaluator("big"),)).needs_logprobs


def test_judging_correctness_leaves_out_the_logprob_evaluators() -> None:
    """replay --all-tiers judges answers without them: their threshold is what tuning sets."""
    hedging, logprob = HedgingEvaluator(), LogprobEvaluator(min_mean=-0.5)
    policy = AcceptPolicy((hedging, logprob), mode="any")
    judging = policy.judging_correctness()
    assert judging is not None
    assert (judging.evaluators, judging.judges, judging.mode) == ((hedging,), (), "any")
    assert AcceptPolicy((logprob,)).judging_correctness() is None
