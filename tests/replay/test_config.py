"""Router configs for replay: every cross-field rule's error names file, line and key; good configs build right."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from routecli.cli import app
from routecli.errors import InputError, InvalidValueError
from routecli.pricing.price_files import load_price_files
from routecli.providers.openai import OpenAIProvider
from routecli.replay.config import ProviderConfig, RouterConfig
from routecli.replay.config_file import load_router_config
from routecli.replay.evaluators import DEFAULT_HEDGING_PHRASES, FormatEvaluator, HedgingEvaluator, LogprobEvaluator
from routecli.replay.routing.complexity import DEFAULT_WEIGHTS, ComplexityRouter
from routecli.replay.routing.judge import JudgeRouter
from routecli.replay.routing.rules import FixedRouter, RulesRouter
from routecli.replay.run import api_key
from tests.helpers.files import write
from tests.helpers.paths import REPO

ROUTER_DOC = REPO / "docs" / "router.md"

LOCAL = "providers:\n  local: {base_url: http://127.0.0.1:8080/v1}\ntiers:\n"
"""Lines 1-3 of a config with one provider, up to its tiers."""

HEAD = """\
providers:
  local: {base_url: http://127.0.0.1:8080/v1}
tiers:
  small: {provider: local, model: gpt-4o-mini}
  large: {provider: local, model: gpt-4.1}
"""
"""Lines 1-5 of most cases: two tiers priced by their model names."""

THREE = HEAD + "  medium: {provider: local, model: gpt-4.1-mini}\n"
"""HEAD plus a third tier on line 6 (listed last, so it is the top tier)."""

PRICE_HINT = "(see `routecli pricing list`, or set price: a price-table id or inline prices)"

# Each case: the file's text and the whole message, "router.yaml:LINE: KEY.PATH: what was expected".
ERRORS: dict[str, tuple[str, str]] = {
    "unknown tier, with a near name": (
        HEAD + "routing: {type: fixed, tier: lage}\n",
        "router.yaml:6: routing.tier: unknown tier 'lage'; did you mean 'large'?",
    ),
    "a scenario's models: near-missed": (
        LOCAL.replace("tiers:", "model:") + "  small: {provider: local, model: gpt-4o}\n",
        "router.yaml:3: model: unknown key 'model'; did you mean 'tiers'?",
    ),
    "a scenario's strategies": (
        HEAD + "strategies: []\n",
        "router.yaml:6: strategies: unknown key 'strategies'; did you mean 'routing'?",
    ),
    "a scenario's model: in a fixed routing": (
        HEAD + "routing: {type: fixed, model: large}\n",
        "router.yaml:6: routing.model: unknown key 'model'; did you mean 'tier'?",
    ),
    "models: and tiers: both": (
        HEAD + "models:\n  big: {provider: local, model: gpt-4.1}\n",
        "router.yaml:6: models: give 'tiers' or 'models' (the same thing), not both",
    ),
    "a double-quoted \\b in a regex": (
        HEAD
        + 'routing:\n  type: rules\n  default: small\n  rules:\n    - {tier: large, when: {regex: "\\bprove\\b"}}\n',
        "router.yaml:10: routing.rules[0].when.regex: the regular expression holds the control character '\\x08' "
        "(in double quotes YAML reads \\b as a backspace); write it in single quotes, '\\bword\\b', where a "
        "backslash is itself",
    ),
    "unknown tier, nothing near": (
        HEAD + "routing: {type: fixed, tier: xl}\n",
        "router.yaml:6: routing.tier: unknown tier 'xl'; tiers: small, large",
    ),
    "unknown tier in a judge evaluator": (
        HEAD + "cascade:\n  chain: [small, large]\n  accept:\n    all:\n      - {type: judge, tier: larg}\n",
        "router.yaml:10: cascade.accept.all[0].tier: unknown tier 'larg'; did you mean 'large'?",
    ),
    "unknown provider": (
        LOCAL + "  small: {provider: locl, model: gpt-4o-mini}\n",
        "router.yaml:4: tiers.small.provider: unknown provider 'locl'; did you mean 'local'?",
    ),
    "a routed tier missing from the chain": (
        THREE
        + "routing:\n  type: rules\n  rules:\n    - {tier: medium, when: {has_code: true}}\n  default: small\n"
        + "cascade:\n  chain: [small, large]\n  accept:\n    all: [{type: hedging}]\n",
        "router.yaml:7: routing: the router can pick medium, which the cascade chain lacks; "
        "routed tiers are where requests enter the chain",
    ),
    "complexity thresholds without a 0": (
        HEAD + "routing:\n  type: complexity\n  thresholds: {small: 0.1, large: 0.5}\n",
        "router.yaml:8: routing.thresholds: one tier's threshold must be 0, so that every score has a tier",
    ),
    "complexity weights all 0": (
        HEAD + "routing:\n  type: complexity\n  thresholds: {small: 0}\n"
        "  weights: {length: 0, code: 0, reasoning: 0, multi_step: 0, questions: 0}\n",
        "router.yaml:9: routing.weights: at least one weight must be above 0",
    ),
    "a rule without conditions": (
        HEAD + "routing:\n  type: rules\n  rules:\n    - {tier: large, when: {}}\n  default: small\n",
        "router.yaml:9: routing.rules[0].when: give at least one condition",
    ),
    "a bad regex in a rule": (
        HEAD + "routing:\n  type: rules\n  rules:\n"
        "    - {tier: large, when: {has_code: true}}\n"
        "    - tier: large\n      when: {regex: '(unclosed'}\n"
        "  default: small\n",
        "router.yaml:11: routing.rules[1].when.regex: not a valid regular expression: "
        "missing ), unterminated subpattern at position 0",
    ),
    "a bad regex in a format evaluator": (
        HEAD + "cascade:\n  chain: [small, large]\n  accept:\n    any:\n"
        "      - {type: hedging}\n      - {type: format, regex: '[a-'}\n",
        "router.yaml:11: cascade.accept.any[1].regex: not a valid regular expression: "
        "unterminated character set at position 0",
    ),
    "an invalid JSON Schema": (
        HEAD + "cascade:\n  chain: [small, large]\n  accept:\n    all:\n"
        "      - type: format\n        json_schema: {type: objekt}\n",
        "router.yaml:11: cascade.accept.all[0].json_schema: not a valid JSON Schema: "
        "'objekt' is not valid under any of the given schemas",
    ),
    "json_schema_file missing": (
        HEAD + "cascade:\n  chain: [small, large]\n  accept:\n    all:\n"
        "      - {type: format, json_schema_file: answer.schema.json}\n",
        "router.yaml:10: cascade.accept.all[0].json_schema_file: "
        "JSON Schema file not found (looked for answer.schema.json)",
    ),
    "a format evaluator that checks nothing": (
        HEAD + "cascade:\n  chain: [small, large]\n  accept:\n    all: [{type: format}]\n",
        "router.yaml:9: cascade.accept.all[0]: give regex, json: true, json_schema or json_schema_file",
    ),
    "both all and any": (
        HEAD + "cascade:\n  chain: [small, large]\n  accept:\n    all: [{type: hedging}]\n    any: [{type: hedging}]\n",
        "router.yaml:8: cascade.accept: give exactly one of all and any",
    ),
    "logprob with no threshold": (
        HEAD
        + "cascade:\n  chain: [small, large]\n  accept:\n    all:\n      - {type: hedging}\n      - {type: logprob}\n",
        "router.yaml:11: cascade.accept.all[1]: give min_mean, min_token_prob or both",
    ),
    "length with min above max": (
        HEAD + "cascade:\n  chain: [small, large]\n  accept:\n    all:\n"
        "      - {type: length, min_chars: 50, max_chars: 10}\n",
        "router.yaml:10: cascade.accept.all[0]: min_chars 50 is above max_chars 10",
    ),
    "a tier twice in the chain": (
        HEAD + "cascade:\n  chain: [small, small]\n  accept: {all: [{type: hedging}]}\n",
        "router.yaml:7: cascade.chain: a tier appears twice in the chain",
    ),
    "base_url without http": (
        "providers:\n  local: {base_url: 127.0.0.1:8080/v1}\ntiers:\n  small: {provider: local, model: gpt-4o-mini}\n",
        "router.yaml:2: providers.local.base_url: expected an http:// or https:// URL, got '127.0.0.1:8080/v1'",
    ),
    "a model no price table has": (
        LOCAL + "  small: {provider: local, model: smollm2}\n",
        "router.yaml:4: tiers.small.model: unknown model 'smollm2': no price table has it " + PRICE_HINT,
    ),
    "several tiers and nothing to choose between them": (
        HEAD,
        "router.yaml: with several tiers, give routing, cascade or both "
        "(routing: {type: fixed, tier: …} sends all to one)",
    ),
    "an unknown condition": (
        HEAD + "routing:\n  type: rules\n  rules:\n    - {tier: large, when: {has_cod: true}}\n  default: small\n",
        "router.yaml:9: routing.rules[0].when.has_cod: unknown key 'has_cod'; did you mean 'has_code'?",
    ),
}


def load(text: str, name: str = "router.yaml") -> RouterConfig:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    return load_router_config(write(path, text))


def error_of(text: str) -> str:
    with pytest.raises(InvalidValueError) as caught:
        load(text)
    return str(caught.value)


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(("text", "message"), ERRORS.values(), ids=ERRORS.keys())
def test_a_bad_config_names_file_line_key_and_what_was_expected(text: str, message: str) -> None:
    assert error_of(text) == message


def test_an_unknown_price_id_names_the_closest_models() -> None:
    text = (
        "providers:\n  local: {base_url: http://127.0.0.1:8080/v1}\n"
        "tiers:\n  small: {provider: local, model: smollm2, price: gpt-4o-mni}\n"
    )
    message = error_of(text)
    assert message.startswith("router.yaml:4: tiers.small.price: unknown model 'gpt-4o-mni': no price table has it; ")
    assert re.search(r"closest: [^(]*\bgpt-4o-mini\b", message)
    assert message.endswith(PRICE_HINT)


@pytest.mark.parametrize(("text", "message"), list(ERRORS.values())[:3], ids=list(ERRORS)[:3])
def test_the_cli_exits_2_with_the_message_and_no_traceback(runner: CliRunner, text: str, message: str) -> None:
    write(Path("router.yaml"), text)
    write(Path("p.jsonl"), '{"prompt": "hi"}\n')
    result = runner.invoke(app, ["replay", "p.jsonl", "-c", "router.yaml", "--dry-run"])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {message}\n"
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_the_documented_error_messages_are_the_real_ones(runner: CliRunner) -> None:
    """Every ``Error:`` line in docs/router.md's validation section comes out of the CLI for one of ERRORS."""
    section = ROUTER_DOC.read_text().split("## Validation and error messages", 1)[1].split("\n## ", 1)[0]
    shown = [line for block in re.findall(r"```text\n(.*?)```", section, re.S) for line in block.splitlines()]
    assert len(shown) >= 10
    unset = ProviderConfig(
        name="openai", type="openai", base_url="https://api.openai.com/v1", api_key_env="NO_SUCH_VAR"
    )
    with pytest.raises(InputError) as caught:
        api_key(unset)
    real = {f"Error: {message}" for _, message in ERRORS.values()}
    real.add(f"Error: {caught.value.located('router.yaml', 5)}".replace("NO_SUCH_VAR", "OPENAI_API_KEY"))
    assert [line for line in shown if line not in real] == []


def test_a_json_schema_file_is_read_relative_to_the_config() -> None:
    cascade = "cascade:\n  chain: [small, large]\n  accept:\n    all: [{type: format, json_schema_file: s/a.json}]\n"
    with pytest.raises(InvalidValueError) as caught:
        load(HEAD + cascade, "configs/router.yaml")
    assert caught.value.message == "JSON Schema file not found (looked for configs/s/a.json)"
    Path("configs/s").mkdir()
    write(Path("configs/s/a.json"), '{"type": "object"}')
    config = load(HEAD + cascade, "configs/router.yaml")
    assert config.accept is not None
    assert config.accept.evaluators == (FormatEvaluator(json_schema={"type": "object"}),)


def test_an_unreadable_json_schema_file_says_why() -> None:
    write(Path("bad.json"), "{not json")
    cascade = "cascade:\n  chain: [small, large]\n  accept:\n    all: [{type: format, json_schema_file: bad.json}]\n"
    message = error_of(HEAD + cascade)
    assert message.startswith(
        "router.yaml:9: cascade.accept.all[0].json_schema_file: cannot read the JSON Schema bad.json: "
    )


def test_a_missing_price_table_named_by_the_config() -> None:
    assert error_of("pricing: [negotiated.yaml]\n" + HEAD + "routing: {type: fixed, tier: small}\n") == (
        "router.yaml:1: pricing[0]: price table 'negotiated.yaml' not found (looked for negotiated.yaml)"
    )


# ---------------------------------------------------------- what builds


def test_a_double_quoted_regex_with_a_backslash_d_gets_the_single_quote_hint(runner: CliRunner) -> None:
    write(
        Path("router.yaml"),
        HEAD + "routing:\n  type: rules\n  default: small\n  rules:\n"
        '    - {tier: large, when: {regex: "\\d{3}-\\d{4}"}}\n',
    )
    write(Path("p.jsonl"), '{"prompt": "hi"}\n')
    result = runner.invoke(app, ["replay", "p.jsonl", "-c", "router.yaml", "--dry-run"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: router.yaml:10: YAML syntax error: ")
    assert "write a regular expression in single quotes, '\\d+', where a backslash is itself" in result.stderr


def test_models_is_accepted_for_tiers_as_in_a_scenario() -> None:
    config = load(HEAD.replace("tiers:", "models:") + "routing: {type: fixed, tier: large}\n")
    assert list(config.tiers) == ["small", "large"]
    assert error_of(
        HEAD.replace("tiers:", "models:").replace("local, model: gpt-4.1}", "nowhere, model: gpt-4.1}")
    ) == ("router.yaml:5: models.large.provider: unknown provider 'nowhere'; providers: local")


def test_tiers_keep_the_files_order_first_is_bottom_last_is_top() -> None:
    config = load(THREE + "routing: {type: fixed, tier: large}\n")
    assert list(config.tiers) == ["small", "large", "medium"]  # the file's order, not the prices'
    assert config.bottom.name == "small"


def test_entry_tiers_climb_the_chain_from_where_they_enter() -> None:
    config = load(THREE + "cascade:\n  chain: [small, medium, large]\n  accept: {all: [{type: hedging}]}\n")
    assert config.path_from("small") == ("small", "medium", "large")
    assert config.path_from("medium") == ("medium", "large")
    assert config.path_from("large") == ("large",)
    assert config.entry_without_router() == "small"


def test_a_fixed_router_may_pick_a_tier_outside_the_chain_which_then_answers_alone() -> None:
    config = load(
        THREE + "routing: {type: fixed, tier: medium}\n"
        "cascade:\n  chain: [small, large]\n  accept: {all: [{type: hedging}]}\n"
    )
    assert isinstance(config.router, FixedRouter)
    assert config.path_from("medium") == ("medium",)


CASCADE_TEXT = "cascade:\n  chain: [small, large]\n  accept: {all: [{type: hedging}]}\n"
RULES_TEXT = "routing:\n  type: rules\n  rules:\n    - {tier: large, when: {has_code: true}}\n  default: small\n"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("providers:\n  p: {base_url: http://h/v1}\ntiers:\n  only: {provider: p, model: gpt-4.1}\n", "single"),
        (HEAD + "routing: {type: fixed, tier: large}\n", "single"),
        (HEAD + RULES_TEXT, "route"),
        (HEAD + CASCADE_TEXT, "cascade"),
        (HEAD + RULES_TEXT + CASCADE_TEXT, "route+cascade"),
        (HEAD + "routing: {type: fixed, tier: small}\n" + CASCADE_TEXT, "cascade"),
        (HEAD + "routing: {type: judge, tier: small, levels: [small, large], fallback: large}\n", "route"),
    ],
    ids=["one tier", "fixed", "rules", "cascade", "rules+cascade", "fixed+cascade", "judge"],
)
def test_kind_names_the_setup(text: str, kind: str) -> None:
    assert load(text).kind() == kind


@pytest.mark.parametrize(
    ("evaluators", "needed"),
    [
        ("[{type: logprob, min_mean: -0.5}]", True),
        ("[{type: hedging}, {type: logprob, min_token_prob: 0.1}]", True),
        ("[{type: hedging}, {type: length, max_chars: 10}, {type: judge, tier: large}]", False),
    ],
)
def test_logprobs_are_needed_only_by_a_logprob_evaluator(evaluators: str, needed: bool) -> None:
    config = load(HEAD + f"cascade:\n  chain: [small, large]\n  accept:\n    any: {evaluators}\n")
    assert config.accept is not None
    assert config.accept.needs_logprobs is needed


def test_judge_evaluators_are_kept_apart_from_local_ones_whatever_their_position() -> None:
    config = load(
        HEAD + "cascade:\n  chain: [small, large]\n  accept:\n    all:\n"
        "      - {type: judge, tier: large}\n      - {type: length, min_chars: 1}\n"
    )
    assert config.accept is not None
    assert [evaluator.name for evaluator in config.accept.evaluators] == ["length"]
    assert [judge.tier for judge in config.accept.judges] == ["large"]
    assert config.accept.mode == "all"


def test_hedging_phrases_replace_or_extend_the_defaults() -> None:
    config = load(
        HEAD + "cascade:\n  chain: [small, large]\n  accept:\n    all:\n"
        "      - {type: hedging, extra_phrases: [as of my last update]}\n"
        "      - {type: hedging, phrases: [no idea], extra_phrases: [beats me]}\n"
    )
    assert config.accept is not None
    extended, replaced = config.accept.evaluators
    assert isinstance(extended, HedgingEvaluator)
    assert isinstance(replaced, HedgingEvaluator)
    assert extended.phrases == (*DEFAULT_HEDGING_PHRASES, "as of my last update")
    assert replaced.phrases == ("no idea", "beats me")


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("openai/gpt-4-0613", "cl100k_base"),
        ("gpt-4o", "o200k_base"),
        ("gpt-4.1-mini", "o200k_base"),
        ("llama-3.3-70b", "o200k_base"),
    ],
)
def test_the_tokenizer_defaults_by_model_name(model: str, encoding: str) -> None:
    config = load(
        "providers:\n  p: {base_url: http://h/v1}\n"
        f"tiers:\n  only: {{provider: p, model: {model}, price: {{input_per_mtok: 1, output_per_mtok: 2}}}}\n"
    )
    assert config.tiers["only"].tokenizer == encoding


def test_a_tokenizer_given_wins_over_the_models() -> None:
    config = load(LOCAL + "  only: {provider: local, model: gpt-4o, tokenizer: cl100k_base}\n")
    assert config.tiers["only"].tokenizer == "cl100k_base"


def test_an_inline_price_is_laid_over_the_table_price_of_the_model() -> None:
    table = load_price_files().lookup("gpt-4.1")
    config = load(
        "providers:\n  p: {base_url: http://h/v1}\n"
        "tiers:\n  only: {provider: p, model: gpt-4.1, price: {input_per_mtok: 1.5}}\n"
    )
    price = config.tiers["only"].price
    assert price.standard.input == Decimal("1.5")
    assert price.standard.output == table.standard.output
    assert price.standard.cached_input == table.standard.cached_input
    assert (price.id, price.provider) == (table.id, table.provider)


def test_a_price_table_id_prices_a_model_of_another_name() -> None:
    config = load(
        "providers:\n  p: {base_url: http://h/v1}\ntiers:\n  only: {provider: p, model: smollm2, price: gpt-4o-mini}\n"
    )
    price = config.tiers["only"].price
    assert price == load_price_files().lookup("gpt-4o-mini")
    assert config.tiers["only"].model == "smollm2"


def test_an_inline_price_alone_prices_a_model_no_table_has() -> None:
    config = load(
        "providers:\n  p: {base_url: http://h/v1}\n"
        "tiers:\n  only: {provider: p, model: smollm2, price: {input_per_mtok: 0.1, output_per_mtok: 0.3}}\n"
    )
    price = config.tiers["only"].price
    assert (price.id, price.standard.input, price.standard.output) == ("smollm2", Decimal("0.1"), Decimal("0.3"))


def test_provider_defaults_and_a_trailing_slash() -> None:
    config = load(
        "providers:\n  p: {base_url: 'https://openrouter.ai/api/v1/', headers: {X-Title: routecli}}\n"
        "tiers:\n  only: {provider: p, model: gpt-4.1}\n"
    )
    assert config.providers["p"] == ProviderConfig(
        name="p", type="openai", base_url="https://openrouter.ai/api/v1", headers={"X-Title": "routecli"}
    )
    assert config.providers["p"].timeout_s == 60.0


def test_routers_are_built_as_configured() -> None:
    judge = load(HEAD + "routing: {type: judge, tier: small, levels: [small, large], fallback: large}\n").router
    assert isinstance(judge, JudgeRouter)
    assert (judge.tier, judge.levels, judge.fallback) == ("small", ("small", "large"), "large")
    complexity = load(
        HEAD
        + "routing:\n  type: complexity\n  thresholds: {small: 0, large: 0.4}\n  weights: {code: 3, questions: 0}\n"
    ).router
    assert isinstance(complexity, ComplexityRouter)
    assert complexity.thresholds == [("large", 0.4), ("small", 0.0)]
    # weights given replace those defaults; the others keep theirs, and a 0 drops the feature
    assert complexity.weights == {"length": 1.0, "code": 3.0, "reasoning": 1.0, "multi_step": 1.0}
    assert complexity.total_weight == 6.0
    assert DEFAULT_WEIGHTS["questions"] == 0.5
    rules = load(HEAD + RULES_TEXT).router
    assert isinstance(rules, RulesRouter)
    assert (rules.tiers, rules.needs_tokens) == (("large", "small"), False)


def test_the_quality_match_default_is_exact_and_can_be_set() -> None:
    assert load(HEAD + RULES_TEXT).match == "exact"
    assert load(HEAD + RULES_TEXT + "quality: {match: number}\n").match == "number"


# ------------------------------------------------------------------ API keys

SECRET = "sk-test-0123456789abcdefSECRET"
KEY_CONFIG = """\
providers:
  api:
    base_url: https://api.example.test/v1
    api_key_env: ROUTECLI_TEST_KEY
tiers:
  small: {provider: api, model: gpt-4o-mini}
  large: {provider: api, model: gpt-4.1}
cascade:
  chain: [small, large]
  accept: {all: [{type: hedging}]}
"""


def test_an_unset_key_variable_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROUTECLI_TEST_KEY", raising=False)
    provider = ProviderConfig(
        name="openai", type="openai", base_url="https://api.openai.com/v1", api_key_env="ROUTECLI_TEST_KEY"
    )
    with pytest.raises(InputError) as caught:
        api_key(provider)
    assert str(caught.value) == (
        "providers.openai.api_key_env: environment variable ROUTECLI_TEST_KEY is not set or empty "
        "(it is named here as the API key)"
    )
    monkeypatch.setenv("ROUTECLI_TEST_KEY", SECRET)
    assert api_key(provider) == SECRET
    assert api_key(ProviderConfig(name="local", type="openai", base_url="http://127.0.0.1:8080/v1")) is None


def test_replay_stops_before_any_call_when_a_key_is_missing(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROUTECLI_TEST_KEY", raising=False)
    write(Path("router.yaml"), KEY_CONFIG)
    write(Path("p.jsonl"), '{"prompt": "hi"}\n')
    result = runner.invoke(app, ["replay", "p.jsonl", "-c", "router.yaml", "--no-progress"])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: router.yaml:4: providers.api.api_key_env: environment variable ROUTECLI_TEST_KEY is not set or empty "
        "(it is named here as the API key)\n"
    )
    assert not Path("routecli-runs").exists()


def _chat(text: str, usage: tuple[int, int]) -> dict[str, Any]:
    return {
        "choices": [{"message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1]},
    }


def test_the_api_key_is_sent_but_never_written(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real replay through the CLI: small's endpoint echoes the key in a 401, large answers; the key is nowhere."""
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        if json.loads(request.content)["model"] == "gpt-4o-mini":
            return httpx.Response(401, json={"error": {"message": f"Incorrect API key provided: {SECRET}"}})
        return httpx.Response(200, json=_chat(f"Paris. (Your key is not {SECRET[:6]}…)", (12, 9)))

    def provider_with_mock_transport(base_url: str, **options: Any) -> OpenAIProvider:
        return OpenAIProvider(base_url, transport=httpx.MockTransport(handler), **options)

    monkeypatch.setattr("routecli.providers.openai.OpenAIProvider", provider_with_mock_transport)
    monkeypatch.setenv("ROUTECLI_TEST_KEY", SECRET)
    write(Path("router.yaml"), KEY_CONFIG)
    write(Path("p.jsonl"), '{"id": "q1", "prompt": "Capital of France?", "expected": "Paris"}\n')
    result = runner.invoke(
        app, ["replay", "p.jsonl", "-c", "router.yaml", "--no-progress", "--log-content", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert seen == [f"Bearer {SECRET}", f"Bearer {SECRET}"]
    (run_dir,) = Path("routecli-runs").iterdir()
    log_text = (run_dir / "decisions.jsonl").read_text()
    report_text = (run_dir / "report.json").read_text()
    decision = json.loads(log_text.splitlines()[1])
    assert decision["attempts"][0]["error"] == "HTTP 401: the body is not shown: it may quote the key"
    assert decision["escalations"] == [{"from": "small", "to": "large", "reasons": ["error"]}]
    assert decision["final_tier"] == "large"
    for written in (log_text, report_text, result.output):
        assert SECRET not in written


def test_two_complexity_tiers_cannot_share_a_threshold() -> None:
    routing = "routing:\n  type: complexity\n  thresholds: {small: 0, big: 0.5, huge: 0.5}\n"
    text = LOCAL + "  small: {provider: local, model: gpt-4o-mini}\n  big: {provider: local, model: gpt-4o}\n"
    text += "  huge: {provider: local, model: gpt-4.1}\n" + routing
    assert error_of(text) == (
        "router.yaml:9: routing.thresholds: two tiers share the threshold 0.5: only one of them could ever be picked"
    )


def test_a_fixed_tier_outside_the_chain_is_a_single_setup() -> None:
    text = LOCAL + "  small: {provider: local, model: gpt-4o-mini}\n  big: {provider: local, model: gpt-4o}\n"
    text += "  solo: {provider: local, model: gpt-4.1}\n"
    text += "routing: {type: fixed, tier: solo}\n"
    text += "cascade: {chain: [small, big], accept: {all: [{type: length, min_chars: 1}]}}\n"
    assert load(text).kind() == "single"


@pytest.mark.parametrize(
    ("tier", "key", "expected"),
    [
        ("{provider: local, model: gpt-4o, params: {temperature: .nan}}", "tiers.small.params.temperature", "nan"),
        ("{provider: local, model: gpt-4o, params: {stop: [2026-11-24]}}", "tiers.small.params.stop", "datetime"),
    ],
)
def test_params_must_be_json_values(tier: str, key: str, expected: str) -> None:
    message = error_of(LOCAL + f"  small: {tier}\n")
    assert message.startswith(f"router.yaml:4: {key}: expected a JSON value")
    assert expected in message


def test_a_yaml_date_is_not_a_parameter_value() -> None:
    message = error_of(LOCAL + "  small: {provider: local, model: gpt-4o, params: {seed: 2026-11-24}}\n")
    assert message == (
        "router.yaml:4: tiers.small.params.seed: "
        "expected a JSON object or string or number or boolean or array, got date"
    )


def test_a_url_that_does_not_parse_is_refused() -> None:
    text = 'providers:\n  local: {base_url: "http://[::1"}\ntiers:\n  small: {provider: local, model: gpt-4o}\n'
    assert error_of(text) == (
        "router.yaml:2: providers.local.base_url: expected an http:// or https:// URL, got 'http://[::1'"
    )


def test_headers_must_be_ascii() -> None:
    text = 'providers:\n  local: {base_url: "http://x/v1", headers: {X-Team: "équipe"}}\n'
    text += "tiers:\n  small: {provider: local, model: gpt-4o}\n"
    assert error_of(text) == "router.yaml:2: providers.local.headers.X-Team: HTTP headers must be ASCII text"


def test_a_key_an_http_header_cannot_carry_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTECLI_ODD_KEY", "sk-é")
    provider = ProviderConfig(name="api", type="openai", base_url="http://x/v1", api_key_env="ROUTECLI_ODD_KEY")
    with pytest.raises(InputError) as caught:
        api_key(provider)
    assert "sk-" not in str(caught.value)
    assert str(caught.value).startswith("providers.api.api_key_env: environment variable ROUTECLI_ODD_KEY holds")


def test_per_hop_sets_each_judged_tiers_logprob_min_mean() -> None:
    config = load(
        THREE + "cascade:\n  chain: [small, medium, large]\n  accept:\n    all: [{type: logprob, min_mean: -1, "
        "min_token_prob: 0.1}, {type: hedging}]\n  per_hop:\n    medium: {min_mean: -0.25}\n"
    )
    small, medium = config.accept_for("small"), config.accept_for("medium")
    assert small is config.accept
    assert medium is not None
    assert [type(evaluator).__name__ for evaluator in medium.evaluators] == ["LogprobEvaluator", "HedgingEvaluator"]
    assert medium.evaluators[0] == LogprobEvaluator(min_mean=-0.25, min_token_prob=0.1)
    assert medium.mode == "all"


@pytest.mark.parametrize(
    ("per_hop", "accept", "expected"),
    [
        (
            "large: {min_mean: -0.5}",
            "{type: logprob, min_mean: -1}",
            "router.yaml:12: cascade.per_hop.large: large is the chain's last, whose answer is always taken: per_hop "
            "names the tiers whose answers are judged (small, medium)",
        ),
        (
            "tiny: {min_mean: -0.5}",
            "{type: logprob, min_mean: -1}",
            "router.yaml:12: cascade.per_hop.tiny: tiny is not in the chain: per_hop names the tiers whose answers "
            "are judged (small, medium)",
        ),
        (
            "small: {min_mean: -0.5}",
            "{type: hedging}",
            "router.yaml:11: cascade.per_hop: per_hop sets the min_mean of cascade.accept's logprob evaluator, and "
            "accept has none: add {type: logprob, min_mean: -1} to it",
        ),
        (
            "small: {min_mean: 0.5}",
            "{type: logprob, min_mean: -1}",
            "router.yaml:12: cascade.per_hop.small.min_mean: expected a logprob of at most 0, got 0.5",
        ),
    ],
)
def test_per_hop_errors(per_hop: str, accept: str, expected: str) -> None:
    text = (
        THREE
        + f"cascade:\n  chain: [small, medium, large]\n  accept:\n    all: [{accept}]\n  per_hop:\n    {per_hop}\n"
    )
    with pytest.raises(InputError) as caught:
        load(text)
    assert str(caught.value) == expected
