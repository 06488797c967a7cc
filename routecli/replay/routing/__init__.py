"""Routers: pick the tier a prompt goes to before any model answers it.

Every router answers one call, ``Router.route``, on a ``PromptView``: the
prompt with what routers measure in it (its token count, its vectors), each
computed the first time a router asks and kept, so that a prompt is counted
and embedded once however many parts of a run look at it (the semantic cache
shares the view's vectors). Pure: what a view cannot make offline (a model's
reply, an embeddings endpoint's vector) it asks of whoever built it, the
replay engine; a dry run builds views that call nothing, and refuses routers
whose ``calls`` say they need a call.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple

from routecli.replay.config import LexicalEmbedderConfig

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from routecli.replay.config import EmbedderConfig, EndpointEmbedder
    from routecli.replay.prompts import Prompt

    Vector = NDArray[np.float32]

__all__ = [
    "ROUTER_ENCODING",
    "Calls",
    "EmbedTexts",
    "Failed",
    "OfflineRouter",
    "PromptView",
    "RouteDecision",
    "Router",
]

ROUTER_ENCODING = "o200k_base"
"""The tiktoken encoding routers count a prompt's tokens in (``min_tokens``, the complexity length feature)."""

Calls = Literal["model", "embeddings"]
"""What a router calls to decide: a model (the judge), or an embeddings endpoint."""
EmbedTexts = Callable[["EndpointEmbedder", list[str]], Awaitable["NDArray[np.float32]"]]
"""Embeds texts by an embeddings endpoint, one row each (a router's exemplars, before the first prompt)."""


class RouteDecision(NamedTuple):
    """Which tier a prompt goes to, and why (logged for every request)."""

    tier: str
    reason: str
    score: float | None = None
    features: dict[str, float] | None = None


class Failed(NamedTuple):
    """A call made for a view that gave nothing: the error kind of its last attempt (``error`` when none was made)."""

    kind: str


class PromptView:
    """A prompt as routers see it: the prompt itself (messages, metadata), its text, and its token count and
    vectors, each computed once, when first asked.

    ``tokens`` comes from the count given, else from ``count`` (the caller's
    tiktoken counter: routing itself reads no files). This view calls nothing:
    it embeds with the lexical vectorizer only, and ``ask`` refuses; the replay
    engine's views make those calls (and bill them).
    """

    __slots__ = ("_count", "_tokens", "_vectors", "prompt", "text")

    def __init__(self, prompt: Prompt, *, tokens: int | None = None, count: Callable[[str], int] | None = None) -> None:
        self.prompt = prompt
        self.text = prompt.text
        self._tokens = tokens
        self._count = count
        self._vectors: dict[EmbedderConfig, Vector | Failed] | None = None

    @property
    def tokens(self) -> int:
        """The text's tokens in ``ROUTER_ENCODING``, counted on first use."""
        if self._tokens is None:
            if self._count is None:
                raise RuntimeError("this view was given neither a token count nor a counter")
            self._tokens = self._count(self.text)
        return self._tokens

    @property
    def counted(self) -> int | None:
        """The token count if it is known already, without counting."""
        return self._tokens

    async def vector(self, embedder: EmbedderConfig) -> Vector | Failed:
        """The text's vector by ``embedder``, made on first use (a failed embedding is not tried again)."""
        vectors = self._vectors
        if vectors is None:
            vectors = self._vectors = {}
        found = vectors.get(embedder)
        if found is None:
            found = vectors[embedder] = await self._embed(embedder)
        return found

    def has_vector(self, embedder: EmbedderConfig) -> bool:
        return self._vectors is not None and embedder in self._vectors

    def remember(self, embedder: EmbedderConfig, vector: Vector) -> None:
        """Keep a vector made elsewhere (a batch embedded at once) as this view's by ``embedder``."""
        if self._vectors is None:
            self._vectors = {}
        self._vectors[embedder] = vector

    async def ask(self, tier: str, messages: list[dict[str, str]], params: Mapping[str, Any]) -> str | Failed:
        """``tier``'s reply to ``messages`` (a router's own question about the prompt, such as the judge's)."""
        raise RuntimeError("this prompt view calls no model")

    async def _embed(self, embedder: EmbedderConfig) -> Vector | Failed:
        if not isinstance(embedder, LexicalEmbedderConfig):
            raise RuntimeError("this prompt view calls no embeddings endpoint")
        from routecli.replay.routing import lexical  # numpy: only for embedding runs

        vector: Vector = lexical.LexicalEmbedder(embedder.dimensions).embed([self.text])[0]
        return vector


class Router(ABC):
    """Picks a prompt's first tier: one call, ``route``, on a view of the prompt."""

    kind: ClassVar[str]
    """The config's ``routing: type``, as the report names the router."""
    tiers: tuple[str, ...]
    """Every tier the router can pick."""
    calls: Calls | None = None
    """What ``route`` calls besides the view's offline work: a dry run, which calls nothing, refuses such a router."""
    needs_tokens: bool = False
    """Whether ``route`` reads the prompt's token count (a run loads the encoding before its first prompt)."""
    embedder: EmbedderConfig | None = None
    """How the router makes a prompt's vector, if it uses one (views share it with a cache of the same embedder)."""

    @abstractmethod
    async def route(self, view: PromptView) -> RouteDecision:
        """The tier for the prompt ``view`` shows."""

    async def route_all(self, views: Sequence[PromptView]) -> list[RouteDecision]:
        """``route`` for each view, in order; a router that works faster on a batch (embedding it at once) does so."""
        return [await self.route(view) for view in views]

    async def ready(self, embed: EmbedTexts) -> Router:
        """The router ready for its first prompt: itself, unless it must first have something embedded by ``embed``."""
        return self


class OfflineRouter(Router):
    """A router that decides from the prompt alone and never waits: ``decide`` is its one method."""

    @abstractmethod
    def decide(self, view: PromptView) -> RouteDecision:
        """The tier for the prompt ``view`` shows, from the prompt alone."""

    async def route(self, view: PromptView) -> RouteDecision:
        return self.decide(view)

    async def route_all(self, views: Sequence[PromptView]) -> list[RouteDecision]:
        decide = self.decide
        return [decide(view) for view in views]
