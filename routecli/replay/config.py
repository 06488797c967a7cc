"""Router configs for ``routecli replay``: the validated model a replay runs from.

Types only: ``routecli.replay.config_file`` reads a file into them (the spec,
the builder and the loader). The file format is documented in docs/router.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

from routecli.pricing.prices import ModelPrice
from routecli.replay.evaluators import AcceptPolicy
from routecli.replay.quality import MatchMode

if TYPE_CHECKING:
    from routecli.replay.routing import Router

__all__ = [
    "DEFAULT_EMBEDDING_DIMENSIONS",
    "DEFAULT_TIMEOUT_S",
    "CacheSettings",
    "CooldownSettings",
    "EmbedderConfig",
    "EndpointEmbedder",
    "LexicalEmbedderConfig",
    "ProviderConfig",
    "RetrySettings",
    "RouterConfig",
    "TierConfig",
    "embedder_label",
]

DEFAULT_TIMEOUT_S = Decimal(60)
DEFAULT_EMBEDDING_DIMENSIONS = 1024
"""``routecli.replay.routing.lexical.DEFAULT_DIMENSIONS``, repeated so that loading a config does not import numpy."""


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """An endpoint (OpenAI-compatible or Anthropic); the key is read from ``api_key_env`` when a run starts."""

    name: str
    type: str
    base_url: str
    api_key_env: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = float(DEFAULT_TIMEOUT_S)
    retry: RetrySettings = field(default_factory=lambda: RetrySettings())
    cooldown: CooldownSettings | None = None
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    api_key_line: int | None = field(default=None, compare=False)
    """The config file's line of ``api_key_env``: where the message points when the variable is unset at run time."""


class RetrySettings(NamedTuple):
    """How often a failed request is tried again, and how long to wait in between (see docs/router.md)."""

    max_attempts: int = 4
    initial_backoff_s: float = 1.0
    max_backoff_s: float = 30.0


class CooldownSettings(NamedTuple):
    """A provider failing ``failures`` times within ``window_s`` is skipped for ``skip_s``."""

    failures: int
    window_s: float
    skip_s: float


@dataclass(frozen=True, slots=True)
class TierConfig:
    """A model at a provider, with its price and request parameters."""

    name: str
    provider: str
    model: str
    price: ModelPrice
    params: Mapping[str, Any] = field(default_factory=dict)
    tokenizer: str = "o200k_base"
    reasoning: bool = False
    """A reasoning model: on an OpenAI-compatible provider it is sent ``max_completion_tokens`` for ``max_tokens``
    and no ``temperature`` but 1 (``routecli.providers.openai.reasoning_params``)."""
    logprobs: bool = True
    """Whether the model returns token logprobs: not reasoning models, nor Anthropic's. A logprob evaluator on a
    tier without them is refused when the config is loaded, and no call to it asks for them."""
    thinking: bool = False
    """Anthropic extended thinking is enabled in ``params``: judge calls keep the tier's ``max_tokens``, which must
    exceed the thinking budget, and send no ``temperature``."""


class LexicalEmbedderConfig(NamedTuple):
    """The built-in lexical vectorizer (``routecli.replay.routing.lexical``): no model, no calls, no cost."""

    dimensions: int = DEFAULT_EMBEDDING_DIMENSIONS


@dataclass(frozen=True, slots=True)
class EndpointEmbedder:
    """Embeddings from a provider's OpenAI-compatible ``/embeddings`` endpoint, priced per input token."""

    provider: str
    model: str
    price: ModelPrice
    batch_size: int = 256
    tokenizer: str = "o200k_base"
    """Counts the input when the endpoint reports no usage."""

    name = "embedder"
    """What an embedding call's ``tier`` says in the decision log: it is no tier of the chain."""


EmbedderConfig: TypeAlias = "LexicalEmbedderConfig | EndpointEmbedder"


def embedder_label(embedder: EmbedderConfig) -> str:
    """How logs and messages name an embedder: vectors from another one do not compare."""
    if isinstance(embedder, EndpointEmbedder):
        return f"{embedder.model} at {embedder.provider}"
    return f"lexical, {embedder.dimensions} dimensions"


class CacheSettings(NamedTuple):
    """The semantic cache: the similarity that makes a hit, and how prompts become vectors."""

    similarity: float
    embedder: EmbedderConfig = LexicalEmbedderConfig()


@dataclass(frozen=True, slots=True)
class RouterConfig:
    """Everything a replay needs to know about where prompts go and when answers are accepted.

    ``tiers`` keep the file's order, cheapest first: the first is the bottom
    tier and the last the top tier of the report's counterfactuals.
    """

    providers: Mapping[str, ProviderConfig]
    tiers: Mapping[str, TierConfig]
    router: Router | None = None
    chain: tuple[str, ...] = ()
    accept: AcceptPolicy | None = None
    hop_accept: Mapping[str, AcceptPolicy] = field(default_factory=dict)
    """Chain tier to the policy its answers are judged by, where ``cascade.per_hop`` sets one; else ``accept``."""
    match: MatchMode = "exact"
    source: str = ""
    fallbacks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Tier name to the tiers that answer in its place, in order, when it keeps failing."""
    cache: CacheSettings | None = None
    warnings: tuple[str, ...] = ()
    """What a run should say before it starts: tiers whose model is retired or retires within 30 days."""

    def accept_for(self, tier: str) -> AcceptPolicy | None:
        """The policy that judges ``tier``'s answers in the cascade: its own ``per_hop`` one, else ``accept``."""
        return self.hop_accept.get(tier, self.accept)

    @property
    def bottom(self) -> TierConfig:
        return next(iter(self.tiers.values()))

    def path_from(self, entry: str) -> tuple[str, ...]:
        """The tiers a request tries in order when it enters at ``entry``: the chain from there, or just it."""
        if entry in self.chain:
            return self.chain[self.chain.index(entry) :]
        return (entry,)

    def entry_without_router(self) -> str:
        """Where requests start when nothing routes them: the chain's first tier, else the only tier."""
        return self.chain[0] if self.chain else self.bottom.name

    def without_routing(self) -> RouterConfig:
        """This config as ``--all-tiers`` uses it: no router and no cache, since every tier answers every prompt."""
        return replace(self, router=None, cache=None)

    def kind(self) -> str:
        """``route``, ``cascade``, ``route+cascade`` or ``single``: what the report calls this setup."""
        if self.router is not None and self.router.kind != "fixed":
            return "route+cascade" if self.chain else "route"
        entry = self.entry_without_router() if self.router is None else self.router.tiers[0]
        return "cascade" if len(self.path_from(entry)) > 1 else "single"
