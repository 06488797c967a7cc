"""Router config files for ``routecli replay``: the spec and the loader, building the model in ``config``.

Data flows one way: YAML → ``ROUTER_SPEC.check`` (shape, key paths) →
``build_router_config`` (cross-references, prices, routers and evaluators
built) → ``RouterConfig``. The file format is documented in docs/router.md.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from routecli.errors import InputFileError, InvalidValueError, KeyPath
from routecli.loading import YamlDocument, decode_text, read_yaml
from routecli.pricing.lookup import (
    OWN_PRICE_FILES,
    add_own_price_files,
    deprecation_warnings,
    known_name,
    lookup_price,
    model_price,
)
from routecli.pricing.price_files import PRICE_FIELDS, load_price_files
from routecli.pricing.prices import ModelPrice, PriceSource, PriceTable
from routecli.replay.config import (
    DEFAULT_EMBEDDING_DIMENSIONS,
    DEFAULT_TIMEOUT_S,
    CacheSettings,
    CooldownSettings,
    EmbedderConfig,
    EndpointEmbedder,
    LexicalEmbedderConfig,
    ProviderConfig,
    RetrySettings,
    RouterConfig,
    TierConfig,
)
from routecli.replay.evaluators import (
    DEFAULT_HEDGING_PHRASES,
    AcceptPolicy,
    Evaluator,
    FormatEvaluator,
    HedgingEvaluator,
    JudgeEvaluator,
    LengthEvaluator,
    LogprobEvaluator,
)
from routecli.replay.quality import MATCH_MODES
from routecli.replay.routing import Router
from routecli.replay.routing.complexity import DEFAULT_LENGTH_TOKENS, DEFAULT_WEIGHTS, FEATURES, ComplexityRouter
from routecli.replay.routing.judge import JudgeRouter
from routecli.replay.routing.rules import FixedRouter, Rule, RulesRouter, conditions_from
from routecli.replay.tokens import ENCODINGS, encoding_for_model
from routecli.spec import Bool, Choice, Field, Int, List, Map, Num, Obj, OneOf, Raw, Share, Spec, Str, Tagged

if TYPE_CHECKING:
    from routecli.replay.prompts import PromptFile

__all__ = [
    "REASONING_EFFORTS",
    "ROUTER_PRICES",
    "ROUTER_SPEC",
    "build_router_config",
    "check_labels",
    "load_router_config",
]

ROUTER_PRICES = PriceSource("inline", None, "prices given in the router config", "router config")
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
"""OpenAI's ``reasoning_effort`` values (which a model takes varies: gpt-5 has minimal, gpt-5.1 none)."""
ANTHROPIC_MIN_THINKING_BUDGET = 1024
"""Anthropic's smallest ``thinking.budget_tokens``."""

# ------------------------------------------------------------------ the spec

_NAME = Str(doc="A name defined under tiers.")
_PROVIDER = Obj(
    {
        "type": Field(Choice(("openai", "anthropic"), doc="The API the endpoint speaks."), default="openai"),
        "base_url": Field(
            Str(doc="The API's base URL, up to and including /v1, e.g. https://api.openai.com/v1."), required=True
        ),
        "api_key_env": Field(Str(doc="Environment variable holding the API key (sent as a Bearer token).")),
        "headers": Field(Map(Str(), doc="Extra HTTP headers sent with every request."), default={}),
        "timeout_s": Field(
            Num(minimum=0, maximum=3600, exclusive_minimum=True, doc="Seconds before a request times out."),
            default=DEFAULT_TIMEOUT_S,
        ),
        "retry": Field(
            Obj(
                {
                    "max_attempts": Field(
                        Int(minimum=1, doc="Tries in all, the first included (default 4)."), default=4
                    ),
                    "initial_backoff_s": Field(
                        Num(minimum=0, maximum=600, doc="Wait before the first retry, at most (default 1)."),
                        default=Decimal(1),
                    ),
                    "max_backoff_s": Field(
                        Num(minimum=0, maximum=3600, doc="Longest wait between tries (default 30)."),
                        default=Decimal(30),
                    ),
                },
                doc="Retries of 429, 5xx, timeouts, resets and malformed replies, with jittered exponential backoff.",
            ),
            default={},
        ),
        "cooldown": Field(
            Obj(
                {
                    "failures": Field(Int(minimum=1, doc="Failures that trip it."), required=True),
                    "window_s": Field(Num(minimum=0, maximum=86400, exclusive_minimum=True), required=True),
                    "skip_s": Field(Num(minimum=0, maximum=86400, exclusive_minimum=True), required=True),
                },
                doc="Skip a provider that keeps failing for a while (its tiers' fallbacks answer meanwhile).",
            )
        ),
        "rate_limit": Field(
            Obj(
                {
                    "requests_per_minute": Field(Num(minimum=0, exclusive_minimum=True, maximum=10**9)),
                    "tokens_per_minute": Field(Num(minimum=0, exclusive_minimum=True, maximum=10**12)),
                },
                doc="Client-side limits shared by all workers (token buckets).",
            )
        ),
    },
    doc="An endpoint: OpenAI-compatible (OpenAI, vLLM, llama.cpp, Ollama, OpenRouter, Together, Groq …) or Anthropic.",
)
_TIER = Obj(
    {
        "provider": Field(Str(doc="A name defined under providers."), required=True),
        "model": Field(Str(doc="The model name sent to the API."), required=True),
        "price": Field(
            OneOf(
                (
                    Str(doc="A price-table id or alias."),
                    Obj(PRICE_FIELDS, doc="Inline prices, laid over the table's entry for the model if it has one."),
                ),
                doc="A price-table id, or inline prices (default: the model name looked up in the price tables).",
            )
        ),
        "params": Field(
            Map(Raw(), doc="Request parameters sent as given: temperature, max_tokens, top_p, seed …"), default={}
        ),
        "tokenizer": Field(
            Choice(ENCODINGS, doc="tiktoken encoding for counts the API does not report (default: by model name).")
        ),
        "reasoning": Field(
            Bool(
                doc="A reasoning model: sent max_completion_tokens, no temperature but 1, no logprobs "
                "(default: the price table's reasoning flag)."
            )
        ),
        "reasoning_effort": Field(
            Choice(REASONING_EFFORTS, doc="How hard a reasoning model thinks, sent as reasoning_effort (OpenAI).")
        ),
        "logprobs": Field(
            Bool(doc="Whether the model returns token logprobs (default: yes, but not reasoning or Anthropic models).")
        ),
    }
)
_CONDITIONS = Obj(
    {
        "min_tokens": Field(Int(doc="Prompt tokens (o200k_base) at least this.")),
        "max_tokens": Field(Int(doc="Prompt tokens (o200k_base) at most this.")),
        "min_chars": Field(Int(doc="Prompt characters at least this.")),
        "max_chars": Field(Int(doc="Prompt characters at most this.")),
        "keywords": Field(List(Str(), min_items=1, doc="Any of these words or phrases (whole words, any case).")),
        "regex": Field(Str(doc="A Python regular expression the prompt text matches (re.search).")),
        "has_code": Field(Bool(doc="The prompt has (true) or has no (false) code.")),
        "min_messages": Field(Int(doc="Chat messages at least this.")),
        "max_messages": Field(Int(doc="Chat messages at most this.")),
        "metadata": Field(
            Map(Raw(("string", "number", "boolean", "array")), doc="Metadata fields equal to these values."),
        ),
    },
    doc="Conditions that must all hold.",
)
_RULE = Obj(
    {
        "tier": Field(_NAME, required=True),
        "when": Field(_CONDITIONS, required=True),
        "name": Field(Str(doc="Shown in the decision log's reason.")),
    }
)


def _variant(kind: str, fields: dict[str, Field], doc: str, synonyms: dict[str, str] | None = None) -> Obj:
    return Obj({"type": Field(Choice((kind,)), required=True), **fields}, doc=doc, synonyms=synonyms)


_EMBEDDER = Tagged(
    "type",
    {
        "lexical": _variant(
            "lexical",
            {
                "dimensions": Field(
                    Int(minimum=1, doc="Columns of each vector (default 1024)."),
                    default=DEFAULT_EMBEDDING_DIMENSIONS,
                )
            },
            "Hashed word, word-pair and character-trigram counts: no model needed.",
        ),
        "endpoint": _variant(
            "endpoint",
            {
                "provider": Field(_NAME, required=True),
                "model": Field(Str(doc="The embedding model the endpoint is asked for."), required=True),
                "price": Field(
                    OneOf(
                        (
                            Str(doc="A price-table id or alias."),
                            Obj(PRICE_FIELDS, doc="Inline prices; only input_per_mtok applies to embeddings."),
                        )
                    ),
                ),
                "batch_size": Field(
                    Int(minimum=1, doc="Texts per request when exemplars are embedded (default 256)."),
                    default=256,
                ),
                "tokenizer": Field(
                    Choice(ENCODINGS, doc="Counts input tokens when the endpoint reports none (default o200k_base)."),
                ),
            },
            "An OpenAI-compatible /embeddings endpoint of one of the providers (OpenAI, llama.cpp, vLLM, Ollama …).",
        ),
    },
    doc="How prompts and exemplars become vectors.",
)
_WEIGHTS = Obj({name: Field(Num(minimum=0, maximum=1000, doc=meaning)) for name, meaning in FEATURES.items()})
_ROUTING = Tagged(
    "type",
    {
        "rules": _variant(
            "rules",
            {"rules": Field(List(_RULE), default=[]), "default": Field(_NAME, required=True)},
            "Ordered rules; the first that holds picks the tier, else the default.",
        ),
        "complexity": _variant(
            "complexity",
            {
                "thresholds": Field(
                    Map(Num(minimum=0, maximum=1), min_items=1, doc="Tier name to the lowest score it takes."),
                    required=True,
                ),
                "weights": Field(_WEIGHTS, default={}),
                "length_tokens": Field(
                    Int(minimum=1, doc="Prompt tokens at which the length feature reaches 1 (default 1000)."),
                    default=DEFAULT_LENGTH_TOKENS,
                ),
            },
            "A weighted score of prompt features; each tier takes scores from its threshold up.",
        ),
        "judge": _variant(
            "judge",
            {
                "tier": Field(_NAME, required=True),
                "levels": Field(List(_NAME, min_items=2, doc="Tier for difficulty 1, 2, … N."), required=True),
                "fallback": Field(_NAME, required=True),
            },
            "A cheap tier rates each prompt's difficulty 1..N.",
        ),
        "embedding": _variant(
            "embedding",
            {
                "embedder": Field(_EMBEDDER, default={"type": "lexical"}),
                "exemplars": Field(
                    Map(List(Str(), min_items=1), doc="Tier name to example prompts that belong to it.")
                ),
                "exemplars_file": Field(
                    Str(doc='A JSONL file of {"tier": …, "prompt": …} lines, relative to this config.')
                ),
                "k": Field(
                    Int(minimum=1, doc="A tier's score uses the prompt's k most similar exemplars (default 3)."),
                    default=3,
                ),
                "aggregate": Field(
                    Choice(("mean", "max"), doc="How the k similarities make the score (default mean)."),
                    default="mean",
                ),
                "thresholds": Field(
                    Map(
                        Num(minimum=-1, maximum=2),
                        doc="Tier name to the lowest score it takes (default 0; above 1 no prompt reaches it).",
                    ),
                    default={},
                ),
                "default": Field(_NAME, required=True),
            },
            "The tier whose exemplar prompts the prompt most resembles; the default when none is close enough.",
        ),
        "fixed": _variant(
            "fixed",
            {"tier": Field(_NAME, required=True)},
            "Every prompt to one tier: the baseline.",
            synonyms={"model": "tier"},  # a scenario's single strategy says model:
        ),
    },
    doc="How a prompt's first tier is chosen.",
)
_PROBABILITY = Share(noun="a probability")
_EVALUATOR = Tagged(
    "type",
    {
        "logprob": _variant(
            "logprob",
            {
                "min_mean": Field(Num(maximum=0, noun="a logprob", doc="Mean token logprob at least this.")),
                "min_token_prob": Field(_PROBABILITY),
            },
            "Confidence from the answer's token logprobs.",
        ),
        "hedging": _variant(
            "hedging",
            {
                "phrases": Field(List(Str(), doc="Replace the default phrases.")),
                "extra_phrases": Field(List(Str(), doc="Add to the default phrases."), default=[]),
            },
            "Fail answers that refuse or hedge.",
        ),
        "format": _variant(
            "format",
            {
                "regex": Field(Str(doc="A regular expression the answer matches (re.search).")),
                "json": Field(Bool(doc="The answer is valid JSON."), default=False),
                "json_schema": Field(Raw(("object",), doc="A JSON Schema the answer's JSON is valid against.")),
                "json_schema_file": Field(Str(doc="A JSON Schema file, relative to this config.")),
            },
            "The answer has the required form.",
        ),
        "length": _variant(
            "length",
            {
                "min_chars": Field(Int(doc="At least this many characters.")),
                "max_chars": Field(Int(doc="At most this many characters.")),
            },
            "The answer's length in characters.",
        ),
        "judge": _variant(
            "judge",
            {"tier": Field(_NAME, required=True)},
            "Another tier says whether the answer is correct and complete.",
        ),
    },
)
_CASCADE = Obj(
    {
        "chain": Field(
            List(_NAME, min_items=2, doc="Tier names in escalation order; the last always answers."), required=True
        ),
        "accept": Field(
            Obj(
                {
                    "all": Field(List(_EVALUATOR, min_items=1, doc="Accept when every evaluator passes.")),
                    "any": Field(List(_EVALUATOR, min_items=1, doc="Accept when one evaluator passes.")),
                },
                doc="When a tier's answer is accepted: give all or any.",
            ),
            required=True,
        ),
        "per_hop": Field(
            Map(
                Obj(
                    {
                        "min_mean": Field(
                            Num(maximum=0, noun="a logprob", doc="This tier's logprob min_mean."), required=True
                        )
                    },
                    doc="What differs when this tier's answer is judged.",
                ),
                doc="By chain tier (any but the last): the min_mean of accept's logprob evaluators for that tier's "
                "answers, in place of the one they give (what `routecli tune --chain --write` sets).",
            )
        ),
    },
    doc="Escalate along the chain while answers are not accepted.",
)

ROUTER_SPEC: Spec = Obj(
    {
        "description": Field(Str()),
        "pricing": Field(OWN_PRICE_FILES),
        "providers": Field(Map(_PROVIDER, min_items=1, doc="Endpoints by name."), required=True),
        "tiers": Field(Map(_TIER, min_items=1, doc="Tiers by name, cheapest first (or write models:)."), required=True),
        "fallbacks": Field(
            Map(
                List(_NAME, min_items=1),
                doc="Tier name to the tiers that answer for it, in order, on 429, 5xx, timeouts, resets "
                "or a prompt too long for it.",
            ),
            default={},
        ),
        "routing": Field(_ROUTING),
        "cascade": Field(_CASCADE),
        "cache": Field(
            Obj(
                {
                    "similarity": Field(
                        Num(
                            minimum=0,
                            maximum=1,
                            doc="Lowest cosine similarity to a prompt already answered that reuses its answer.",
                        ),
                        required=True,
                    ),
                    "embedder": Field(_EMBEDDER, default={"type": "lexical"}),
                },
                doc="Semantic cache: a prompt like one already answered in this run gets its answer, with no call.",
            )
        ),
        "quality": Field(
            Obj(
                {
                    "match": Field(
                        Choice(MATCH_MODES, doc="How answers are compared with a prompt's expected answer."),
                        default="exact",
                    )
                },
            ),
            default={},
        ),
    },
    title="routecli router config",
    doc="Providers, tiers, routing and cascade for `routecli replay`.",
    aliases={"models": "tiers"},  # a scenario's word for its tiers
    synonyms={"strategies": "routing", "routes": "routing", "chain": "cascade"},
)


# --------------------------------------------------------------- the builder


def _tier_ref(name: str, tiers: Mapping[str, Any], path: KeyPath) -> str:
    return known_name("tier", name, tiers, path, "tiers")


def _build_tiers(
    tiers: Mapping[str, dict[str, Any]], providers: Mapping[str, ProviderConfig], table: PriceTable, key: str
) -> dict[str, TierConfig]:
    """The tiers (``key``: the word the file uses, tiers or models)."""
    built = {}
    for name, item in tiers.items():
        path: KeyPath = (key, name)
        provider = item["provider"]
        known_name("provider", provider, providers, (*path, "provider"), "providers")
        _check_params(item["params"], (*path, "params"))
        price = _tier_price(item, table, path)
        kind = providers[provider].type
        reasoning = bool(price.reasoning) if item["reasoning"] is None else item["reasoning"]
        if item["logprobs"] and kind == "anthropic":
            raise InvalidValueError("Anthropic's Messages API returns no logprobs", path=(*path, "logprobs"))
        built[name] = TierConfig(
            name=name,
            provider=provider,
            model=item["model"],
            price=price,
            params=_reasoning_params(item, reasoning, kind, path),
            tokenizer=item["tokenizer"] or encoding_for_model(item["model"]),
            reasoning=reasoning,
            logprobs=not reasoning and kind != "anthropic" if item["logprobs"] is None else item["logprobs"],
            thinking=_thinking(item["params"], kind, (*path, "params")),
        )
    return built


def _reasoning_params(item: dict[str, Any], reasoning: bool, kind: str, path: KeyPath) -> dict[str, Any]:
    """The tier's params with its ``reasoning_effort`` key added, which only an OpenAI reasoning tier can take."""
    effort, params = item["reasoning_effort"], dict(item["params"])
    if effort is None:
        return params
    where = (*path, "reasoning_effort")
    if kind == "anthropic":
        raise InvalidValueError(
            "Anthropic models think with params: {thinking: {type: enabled, budget_tokens: N}}", path=where
        )
    if not reasoning:
        raise InvalidValueError("reasoning_effort is for reasoning models: set reasoning: true as well", path=where)
    if "reasoning_effort" in params:
        raise InvalidValueError("reasoning_effort is given in params too: give it once", path=where)
    return {**params, "reasoning_effort": effort}


def _thinking(params: Mapping[str, Any], kind: str, path: KeyPath) -> bool:
    """Whether ``params`` turn Anthropic's extended thinking on; its budget checked as the API checks it."""
    thinking = params.get("thinking")
    if thinking is None or kind != "anthropic":
        return False
    where = (*path, "thinking")
    if not isinstance(thinking, Mapping) or not isinstance(thinking.get("type"), str):
        raise InvalidValueError("expected {type: enabled, budget_tokens: N} (or {type: disabled})", path=where)
    if thinking["type"] != "enabled":
        return bool(thinking["type"] != "disabled")
    budget = thinking.get("budget_tokens")
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < ANTHROPIC_MIN_THINKING_BUDGET:
        raise InvalidValueError(
            f"expected a whole number of tokens, at least {ANTHROPIC_MIN_THINKING_BUDGET}",
            path=(*where, "budget_tokens"),
        )
    key = "max_tokens" if params.get("max_tokens") is not None else "max_completion_tokens"  # as the request has it
    limit = params.get(key)
    if isinstance(limit, int) and limit <= budget:
        raise InvalidValueError(
            f"{limit} must exceed thinking.budget_tokens ({budget}): the thinking counts in it", path=(*path, key)
        )
    return True


def _build_embedder(
    item: dict[str, Any], providers: Mapping[str, ProviderConfig], table: PriceTable, path: KeyPath
) -> EmbedderConfig:
    """The lexical vectorizer, or an endpoint at one of the providers with the embedding model's price."""
    if item["type"] == "lexical":
        return LexicalEmbedderConfig(item["dimensions"])
    provider = item["provider"]
    known_name("provider", provider, providers, (*path, "provider"), "providers")
    if providers[provider].type != "openai":
        raise InvalidValueError(
            f"provider {provider!r} is of type {providers[provider].type}, which has no embeddings endpoint; "
            "use an OpenAI-compatible provider",
            path=(*path, "provider"),
        )
    return EndpointEmbedder(
        provider=provider,
        model=item["model"],
        price=_tier_price(item, table, path),
        batch_size=item["batch_size"],
        tokenizer=item["tokenizer"] or encoding_for_model(item["model"]),
    )


_PRICE_HINT = "(see `routecli pricing list`, or set price: a price-table id or inline prices)"
"""How an unknown model's error ends here: a router config's tier can name a price-table id or give prices."""


def _tier_price(item: dict[str, Any], table: PriceTable, path: KeyPath) -> ModelPrice:
    """The price-table entry named by ``price`` (or by the model), with inline prices laid over it."""
    price = item["price"]
    if isinstance(price, str):
        return lookup_price(table, price, (*path, "price"), _PRICE_HINT)
    return model_price(
        table, item["model"], price, path, inline_id=item["model"], source=ROUTER_PRICES, strict=False, hint=_PRICE_HINT
    )


def _build_router(
    routing: dict[str, Any],
    tiers: Mapping[str, TierConfig],
    base: Path,
    providers: Mapping[str, ProviderConfig],
    table: PriceTable,
) -> Router:
    path: KeyPath = ("routing",)
    kind = routing["type"]
    if kind == "embedding":
        embedder = _build_embedder(routing["embedder"], providers, table, (*path, "embedder"))
        return _build_embedding_router(routing, tiers, base, embedder)
    if kind == "fixed":
        return FixedRouter(_tier_ref(routing["tier"], tiers, (*path, "tier")))
    if kind == "judge":
        levels = [_tier_ref(name, tiers, (*path, "levels", i)) for i, name in enumerate(routing["levels"])]
        return JudgeRouter(
            _tier_ref(routing["tier"], tiers, (*path, "tier")),
            levels,
            _tier_ref(routing["fallback"], tiers, (*path, "fallback")),
        )
    if kind == "complexity":
        thresholds = routing["thresholds"]
        for name in thresholds:
            _tier_ref(name, tiers, (*path, "thresholds", name))
        repeated = sorted({str(v) for v in thresholds.values() if list(thresholds.values()).count(v) > 1})
        if repeated:
            raise InvalidValueError(
                f"two tiers share the threshold {repeated[0]}: only one of them could ever be picked",
                path=(*path, "thresholds"),
            )
        if min(thresholds.values()) != 0:
            raise InvalidValueError(
                "one tier's threshold must be 0, so that every score has a tier", path=(*path, "thresholds")
            )
        weights = {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in routing["weights"].items() if v is not None}}
        if not any(weights.values()):
            raise InvalidValueError("at least one weight must be above 0", path=(*path, "weights"))
        return ComplexityRouter(
            [(name, float(value)) for name, value in thresholds.items()], weights, routing["length_tokens"]
        )
    rules = []
    for index, rule in enumerate(routing["rules"]):
        rule_path: KeyPath = (*path, "rules", index)
        conditions = conditions_from(rule["when"])
        if not conditions:
            raise InvalidValueError("give at least one condition", path=(*rule_path, "when"))
        rules.append(Rule(_tier_ref(rule["tier"], tiers, (*rule_path, "tier")), conditions, rule["name"]))
    return RulesRouter(rules, _tier_ref(routing["default"], tiers, (*path, "default")))


def _build_embedding_router(
    routing: dict[str, Any], tiers: Mapping[str, TierConfig], base: Path, embedder: EmbedderConfig
) -> Router:
    """Exemplars read and checked; embedded now by the lexical vectorizer, or by an endpoint when a run starts.

    The embedding routers are imported here: numpy is loaded only for configs that use them.
    """
    path: KeyPath = ("routing",)
    given: dict[str, list[str]] = {}
    for name, texts in (routing["exemplars"] or {}).items():
        _tier_ref(name, tiers, (*path, "exemplars", name))
        given[name] = list(texts)
    if routing["exemplars_file"] is not None:
        file = base / routing["exemplars_file"]
        for name, text in _read_exemplars(file, tiers, (*path, "exemplars_file")):
            given.setdefault(name, []).append(text)
    if not given:
        raise InvalidValueError("give exemplars, exemplars_file or both", path=path)
    default = _tier_ref(routing["default"], tiers, (*path, "default"))
    thresholds = {}
    for name, value in routing["thresholds"].items():
        _tier_ref(name, tiers, (*path, "thresholds", name))
        if name not in given:
            raise InvalidValueError(
                f"{name} has no exemplars, so it has no score to compare with a threshold",
                path=(*path, "thresholds", name),
            )
        thresholds[name] = float(value)

    exemplars = {name: tuple(given[name]) for name in tiers if name in given}  # ties go to the cheaper tier
    if isinstance(embedder, EndpointEmbedder):
        from routecli.replay.routing.prompt_embedding import EndpointEmbeddingRouter

        return EndpointEmbeddingRouter(
            exemplars, embedder, default=default, k=routing["k"], aggregate=routing["aggregate"], thresholds=thresholds
        )
    from routecli.replay.routing.prompt_embedding import EmbeddingRouter

    return EmbeddingRouter.from_texts(
        exemplars,
        embedder,
        default=default,
        k=routing["k"],
        aggregate=routing["aggregate"],
        thresholds=thresholds,
    )


def _read_exemplars(file: Path, tiers: Mapping[str, TierConfig], path: KeyPath) -> list[tuple[str, str]]:
    """``(tier, prompt)`` of each line of a JSONL exemplars file; errors name the file, line and key."""
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"exemplars file not found (looked for {file})", path=path) from None
    except OSError as error:
        raise InputFileError(f"cannot read the exemplars file {file}: {error}", path=path) from None
    text = decode_text(data, str(file))
    exemplars = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            raise InvalidValueError(f"not valid JSON: {error}", source=str(file), line=number) from None
        if not isinstance(record, dict) or set(record) != {"tier", "prompt"}:
            raise InvalidValueError(
                'expected an object with exactly the keys "tier" and "prompt"', source=str(file), line=number
            )
        for key in ("tier", "prompt"):
            if not isinstance(record[key], str) or not record[key].strip():
                raise InvalidValueError("expected non-empty text", source=str(file), line=number, path=(key,))
        try:
            _tier_ref(record["tier"], tiers, ("tier",))
        except InvalidValueError as error:
            raise error.located(str(file), number) from None
        exemplars.append((record["tier"], record["prompt"]))
    if not exemplars:
        raise InvalidValueError(f"no exemplars in {file}", path=path)
    return exemplars


def _compiled(pattern: str, path: KeyPath) -> None:
    """``pattern`` compiles, and holds no control character: ``"\\b"`` in double quotes is a backspace to YAML."""
    if control := next((char for char in pattern if ord(char) < 32 and char not in "\t\n"), None):
        raise InvalidValueError(
            f"the regular expression holds the control character {control!r} (in double quotes YAML reads \\b "
            "as a backspace); write it in single quotes, '\\bword\\b', where a backslash is itself",
            path=path,
        )
    try:
        re.compile(pattern)
    except re.error as error:
        raise InvalidValueError(f"not a valid regular expression: {error}", path=path) from None


def _check_patterns(routing: dict[str, Any] | None) -> None:
    """Regexes compile (errors name the rule) before the router is built."""
    for index, rule in enumerate((routing or {}).get("rules") or []):
        pattern = rule["when"].get("regex")
        if pattern is not None:
            _compiled(pattern, ("routing", "rules", index, "when", "regex"))


def _build_evaluator(
    item: dict[str, Any], tiers: Mapping[str, TierConfig], path: KeyPath, base: Path
) -> Evaluator | JudgeEvaluator:
    kind = item["type"]
    if kind == "logprob":
        if item["min_mean"] is None and item["min_token_prob"] is None:
            raise InvalidValueError("give min_mean, min_token_prob or both", path=path)
        return LogprobEvaluator(
            min_mean=None if item["min_mean"] is None else float(item["min_mean"]),
            min_token_prob=None if item["min_token_prob"] is None else float(item["min_token_prob"]),
        )
    if kind == "hedging":
        phrases = DEFAULT_HEDGING_PHRASES if item["phrases"] is None else tuple(item["phrases"])
        return HedgingEvaluator(phrases=(*phrases, *item["extra_phrases"]))
    if kind == "length":
        low, high = item["min_chars"], item["max_chars"]
        if low is None and high is None:
            raise InvalidValueError("give min_chars, max_chars or both", path=path)
        if low is not None and high is not None and low > high:
            raise InvalidValueError(f"min_chars {low} is above max_chars {high}", path=path)
        return LengthEvaluator(low, high)
    if kind == "judge":
        return JudgeEvaluator(_tier_ref(item["tier"], tiers, (*path, "tier")))
    return _build_format(item, path, base)


def _build_format(item: dict[str, Any], path: KeyPath, base: Path) -> FormatEvaluator:
    regex, schema = item["regex"], item["json_schema"]
    if regex is not None:
        _compiled(regex, (*path, "regex"))
    if item["json_schema_file"] is not None:
        if schema is not None:
            raise InvalidValueError("give json_schema or json_schema_file, not both", path=path)
        schema = _read_schema(base / item["json_schema_file"], (*path, "json_schema_file"))
    if schema is not None:
        _check_schema(schema, (*path, "json_schema"))
    if regex is None and not item["json"] and schema is None:
        raise InvalidValueError("give regex, json: true, json_schema or json_schema_file", path=path)
    return FormatEvaluator(regex=regex, json=item["json"], json_schema=schema)


def _read_schema(file: Path, path: KeyPath) -> Any:
    try:
        return json.loads(decode_text(file.read_bytes(), str(file)))
    except FileNotFoundError:
        raise InvalidValueError(f"JSON Schema file not found (looked for {file})", path=path) from None
    except (OSError, ValueError) as error:
        raise InvalidValueError(f"cannot read the JSON Schema {file}: {error}", path=path) from None


def _check_schema(schema: Any, path: KeyPath) -> None:
    import jsonschema

    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.exceptions.SchemaError as error:
        raise InvalidValueError(f"not a valid JSON Schema: {error.message}", path=path) from None


def _build_accept(accept: dict[str, Any], tiers: Mapping[str, TierConfig], base: Path) -> AcceptPolicy:
    given = [mode for mode in ("all", "any") if accept[mode] is not None]
    if len(given) != 1:
        raise InvalidValueError("give exactly one of all and any", path=("cascade", "accept"))
    mode = given[0]
    local: list[Evaluator] = []
    judges: list[JudgeEvaluator] = []
    for index, item in enumerate(accept[mode]):
        built = _build_evaluator(item, tiers, ("cascade", "accept", mode, index), base)
        if isinstance(built, JudgeEvaluator):
            judges.append(built)
        else:
            local.append(built)
    return AcceptPolicy(tuple(local), tuple(judges), "all" if mode == "all" else "any")


def _check_logprobs(
    accept: dict[str, Any],
    judged: Sequence[str],
    tiers: Mapping[str, TierConfig],
    providers: Mapping[str, ProviderConfig],
) -> None:
    """A logprob evaluator on a tier whose model returns none would escalate every answer: refused."""
    mode = "all" if accept["all"] is not None else "any"
    blind = [tiers[name] for name in judged if not tiers[name].logprobs]
    for index, item in enumerate(accept[mode]):
        if item["type"] != "logprob" or not blind:
            continue
        tier = blind[0]
        if providers[tier.provider].type == "anthropic":
            why, way = "Anthropic's API has none", "use another evaluator"
        else:
            why = "a reasoning model" if tier.reasoning else "the tier sets logprobs: false"
            way = "use another evaluator, or set logprobs: true on the tier if its endpoint does return them"
        raise InvalidValueError(
            f"the logprob evaluator cannot judge tier {tier.name!r}: {tier.model} returns no logprobs ({why}); {way}",
            path=("cascade", "accept", mode, index),
        )


def _build_per_hop(
    per_hop: Mapping[str, dict[str, Any]], chain: Sequence[str], accept: AcceptPolicy
) -> dict[str, AcceptPolicy]:
    """Each named tier's policy: ``accept`` with its logprob evaluators' ``min_mean`` replaced by the tier's own."""
    if per_hop and not any(isinstance(evaluator, LogprobEvaluator) for evaluator in accept.evaluators):
        raise InvalidValueError(
            "per_hop sets the min_mean of cascade.accept's logprob evaluator, and accept has none: add "
            "{type: logprob, min_mean: -1} to it",
            path=("cascade", "per_hop"),
        )
    policies = {}
    for tier, settings in per_hop.items():
        if tier not in chain[:-1]:
            where = "is the chain's last, whose answer is always taken" if tier == chain[-1] else "is not in the chain"
            raise InvalidValueError(
                f"{tier} {where}: per_hop names the tiers whose answers are judged ({', '.join(chain[:-1])})",
                path=("cascade", "per_hop", tier),
            )
        min_mean = float(settings["min_mean"])
        evaluators = tuple(
            replace(evaluator, min_mean=min_mean) if isinstance(evaluator, LogprobEvaluator) else evaluator
            for evaluator in accept.evaluators
        )
        policies[tier] = replace(accept, evaluators=evaluators)
    return policies


def _providers(
    data: Mapping[str, dict[str, Any]], line_of: Callable[[KeyPath], int | None]
) -> dict[str, ProviderConfig]:
    providers = {}
    for name, item in data.items():
        url = item["base_url"].rstrip("/")
        if not url.startswith(("http://", "https://")) or not _parses_as_url(url):
            raise InvalidValueError(
                f"expected an http:// or https:// URL, got {url!r}", path=("providers", name, "base_url")
            )
        for header, value in item["headers"].items():
            if not (header + value).isascii():
                raise InvalidValueError("HTTP headers must be ASCII text", path=("providers", name, "headers", header))
        retry, cooldown, limits = item["retry"], item["cooldown"], item["rate_limit"] or {}
        providers[name] = ProviderConfig(
            name=name,
            type=item["type"],
            base_url=url,
            api_key_env=item["api_key_env"],
            api_key_line=None if item["api_key_env"] is None else line_of(("providers", name, "api_key_env")),
            headers=item["headers"],
            timeout_s=float(item["timeout_s"]),
            retry=RetrySettings(
                retry["max_attempts"], float(retry["initial_backoff_s"]), float(retry["max_backoff_s"])
            ),
            cooldown=None
            if cooldown is None
            else CooldownSettings(cooldown["failures"], float(cooldown["window_s"]), float(cooldown["skip_s"])),
            requests_per_minute=_float_or_none(limits.get("requests_per_minute")),
            tokens_per_minute=_float_or_none(limits.get("tokens_per_minute")),
        )
    return providers


def _float_or_none(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _parses_as_url(url: str) -> bool:
    """A host, and a port that is a number if given (urllib, not httpx: a dry run never loads httpx)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        return bool(parts.hostname) and (parts.port is None or parts.port > 0)
    except ValueError:
        return False


def _check_params(params: Mapping[str, Any], path: KeyPath) -> None:
    """Request parameters go out as JSON: no NaN or infinity, no dates or other YAML-only values."""
    for key, value in params.items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            raise InvalidValueError(
                f"expected a JSON value (text, a finite number, true/false, a list or mapping), got {value!r}",
                path=(*path, key),
            ) from None


def _build_fallbacks(data: Mapping[str, list[str]], tiers: Mapping[str, TierConfig]) -> dict[str, tuple[str, ...]]:
    fallbacks = {}
    for name, chain in data.items():
        path: KeyPath = ("fallbacks", name)
        _tier_ref(name, tiers, path)
        for index, other in enumerate(chain):
            _tier_ref(other, tiers, (*path, index))
        if name in chain:
            raise InvalidValueError(f"{name} cannot be its own fallback", path=path)
        if len(set(chain)) != len(chain):
            raise InvalidValueError("a tier appears twice in the fallback chain", path=path)
        fallbacks[name] = tuple(chain)
    return fallbacks


def build_router_config(
    data: Any,
    table: PriceTable,
    base: Path = Path(),
    source: str = "",
    line_of: Callable[[KeyPath], int | None] = lambda _: None,
    today: dt.date | None = None,
) -> RouterConfig:
    """A validated ``RouterConfig`` from a file's loaded data; ``base`` is the folder side files are relative to.

    ``line_of`` finds a key path's line in the file, for errors found only when a run starts (an unset key);
    ``today`` is the date models' deprecation dates are checked against (default: ``pricing.lookup.today()``).
    """
    checked = ROUTER_SPEC.check(data, ())
    providers = _providers(checked["providers"], line_of)
    assert isinstance(ROUTER_SPEC, Obj)
    tiers = _build_tiers(checked["tiers"], providers, table, ROUTER_SPEC.written_key(data, "tiers"))
    routing = checked["routing"]
    if routing is None and checked["cascade"] is None and len(tiers) > 1:
        raise InvalidValueError(
            "with several tiers, give routing, cascade or both (routing: {type: fixed, tier: …} sends all to one)"
        )
    _check_patterns(routing)
    router = None if routing is None else _build_router(routing, tiers, base, providers, table)
    chain: tuple[str, ...] = ()
    accept = None
    hop_accept: dict[str, AcceptPolicy] = {}
    if checked["cascade"] is not None:
        cascade = checked["cascade"]
        chain = tuple(_tier_ref(name, tiers, ("cascade", "chain", i)) for i, name in enumerate(cascade["chain"]))
        if len(set(chain)) != len(chain):
            raise InvalidValueError("a tier appears twice in the chain", path=("cascade", "chain"))
        accept = _build_accept(cascade["accept"], tiers, base)
        # the last tier always answers: nothing to judge there
        _check_logprobs(cascade["accept"], chain[:-1], tiers, providers)
        hop_accept = _build_per_hop(cascade["per_hop"] or {}, chain, accept)
        if router is not None:
            outside = [tier for tier in router.tiers if tier not in chain]
            if outside and router.kind != "fixed":
                raise InvalidValueError(
                    f"the router can pick {', '.join(sorted(set(outside)))}, which the cascade chain lacks; "
                    "routed tiers are where requests enter the chain",
                    path=("routing",),
                )
    fallbacks = _build_fallbacks(checked["fallbacks"], tiers)
    cache = checked["cache"]
    if cache is not None:
        embedder = _build_embedder(cache["embedder"], providers, table, ("cache", "embedder"))
        cache = CacheSettings(float(cache["similarity"]), embedder)
    return RouterConfig(
        cache=cache,
        fallbacks=fallbacks,
        providers=providers,
        tiers=tiers,
        router=router,
        chain=chain,
        accept=accept,
        hop_accept=hop_accept,
        match=checked["quality"]["match"],
        source=source,
        warnings=tuple(deprecation_warnings(((name, tier.price) for name, tier in tiers.items()), today)),
    )


def load_router_config(path: Path, pricing: Sequence[Path] = ()) -> RouterConfig:
    """Read and validate a router config file, with the price tables it names; errors name file and line."""
    document: YamlDocument = read_yaml(path, "router config")
    table = load_price_files(pricing)
    add_own_price_files(table, document)
    return document.build(lambda d: build_router_config(d, table, path.parent, str(path), document.line_of))


def check_labels(prompt_file: PromptFile, config: RouterConfig) -> None:
    """A label names the tier a prompt needs: one the config does not have is a typo, not a miss."""
    for prompt in prompt_file.prompts:
        if prompt.label is not None and prompt.label not in config.tiers:
            raise InvalidValueError(
                f"label {prompt.label!r} is not a tier of {config.source} (tiers: {', '.join(config.tiers)})",
                source=str(prompt_file.path),
                line=prompt.line,
                path=("label",),
            )
