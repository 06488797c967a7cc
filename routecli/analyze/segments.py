"""``--segment-by``: which kind of request a logged request is. Pure: a router comes in already built.

``model`` (the default) groups by the logged model; ``metadata.KEY`` by a value of
the log's own metadata (a dotted path inside it); ``complexity`` by routecli's
complexity score of the prompt text, in three bands; ``router:ROUTER.yaml`` by the
tier an offline router (rules, complexity, fixed) picks. The last two read the prompt
text: a request whose log keeps none falls in the segment ``NO_TEXT``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from routecli.analyze.analysis import NO_TEXT, Segmenter
from routecli.analyze.records import LogRecord
from routecli.errors import InvalidValueError
from routecli.replay.prompts import Prompt
from routecli.replay.routing import OfflineRouter, PromptView
from routecli.replay.routing.complexity import ComplexityRouter

__all__ = ["COMPLEXITY_BANDS", "NO_TEXT", "NO_VALUE", "SegmentSpec", "parse_segment_by", "segmenter"]

NO_VALUE = "(none)"
"""The segment of requests whose metadata lacks the key."""
COMPLEXITY_BANDS = (("complex", 0.5), ("medium", 0.25), ("simple", 0.0))
"""``--segment-by complexity``: the band a prompt's complexity score (0 to 1, routecli's complexity router with its
default weights) falls in."""
_HELP = "expected model, metadata.KEY, complexity or router:ROUTER.yaml"


class SegmentSpec(NamedTuple):
    """``--segment-by`` parsed: its kind (model, metadata, complexity, router) and its argument (KEY, file)."""

    kind: str
    argument: str | None = None

    @property
    def needs_text(self) -> bool:
        return self.kind in ("complexity", "router")


def parse_segment_by(value: str) -> SegmentSpec:
    """``--segment-by``'s value, checked."""
    if value in ("model", "complexity"):
        return SegmentSpec(value)
    kind, separator, argument = value.partition(":" if value.startswith("router") else ".")
    if separator and argument and kind in ("metadata", "router"):
        return SegmentSpec(kind, argument)
    raise InvalidValueError(f"--segment-by {value}: {_HELP}")


def segmenter(spec: SegmentSpec, router: OfflineRouter | None = None) -> Segmenter | None:
    """The function naming a record's segment; None for ``model`` (the accumulator's own, fastest, path).

    ``router`` is the router config's router, for ``router:FILE``.
    """
    if spec.kind == "model":
        return None
    if spec.kind == "metadata":
        assert spec.argument is not None
        return _metadata_segmenter(spec.argument.split("."))
    if spec.kind == "complexity":
        router = ComplexityRouter([(name, threshold) for name, threshold in COMPLEXITY_BANDS])
    if router is None:
        raise InvalidValueError(f"--segment-by {spec.kind}: {_HELP}")
    return _router_segmenter(router)


def _metadata_segmenter(keys: list[str]) -> Segmenter:
    def segment(record: LogRecord) -> str:
        value: Any = record.metadata
        for key in keys:
            if not isinstance(value, Mapping):
                return NO_VALUE
            value = value.get(key)
        return NO_VALUE if value is None or isinstance(value, Mapping | list) else str(value)

    return segment


def _router_segmenter(router: OfflineRouter) -> Segmenter:
    """The tier ``router`` picks for each request's prompt; its token count is the log's input tokens (where the log
    has none, about four characters a token)."""
    decide = router.decide

    def segment(record: LogRecord) -> str:
        if not record.messages:
            return NO_TEXT
        messages = tuple(dict(message) for message in record.messages)
        text = "\n\n".join(piece for piece in map(_content_text, messages) if piece)
        prompt = Prompt(record.id or str(record.line), record.line, messages, text, metadata=record.metadata or {})
        tokens = record.input_tokens or len(text) // 4
        return decide(PromptView(prompt, tokens=tokens)).tier

    return segment


def _content_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return "\n\n".join(
            part["text"] for part in content if isinstance(part, Mapping) and isinstance(part.get("text"), str)
        )
    return content if isinstance(content, str) else ""
