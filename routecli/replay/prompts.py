"""The prompt file of ``routecli replay``: one JSON object per line.

A line holds either ``"prompt": "text"`` (sent as one user message) or
``"messages": [...]`` (OpenAI chat messages, sent as given), and optionally
``id`` (text or a whole number; the line number when absent), ``expected``
(the reference answer: text, a number, or ``{"answer": ..., "match": ...}``),
``label`` (the tier a person says the prompt needs), ``max_tokens`` and
``metadata`` (an object, for routing rules). A key set to null counts as
absent. Blank lines are skipped. Errors name the file and line.

Checked by hand rather than with a schema library: a replay file can hold a
hundred thousand lines, and ``json.loads`` plus a few type checks per line
reads that many in under a second. Pure: ``routecli.replay.prompt_file`` reads
the file.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from routecli.errors import InvalidValueError
from routecli.replay.quality import Expected, MatchMode, check_match_mode

__all__ = ["KEYS", "ROLES", "InvalidLine", "Prompt", "PromptFile", "parse_prompt", "select_prompts"]

KEYS = ("id", "prompt", "messages", "expected", "label", "max_tokens", "metadata")
ROLES = ("system", "user", "assistant", "tool", "developer")
_KEY_SET = frozenset(KEYS)
_EXPECTED_KEYS = ("answer", "match")
_PROMPT_OR_MESSAGES = 'expected "prompt" (text) or "messages" (a list of chat messages)'


@dataclass(frozen=True, slots=True)
class Prompt:
    """One line of the prompt file, checked."""

    id: str
    line: int
    """1-based line in the file."""
    messages: tuple[dict[str, Any], ...]
    """OpenAI chat format, sent as given."""
    text: str
    """All message text joined by blank lines: what routers look at."""
    expected: Expected | None = None
    label: str | None = None
    """The tier a person says the prompt needs."""
    max_tokens: int | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


class InvalidLine(NamedTuple):
    """A line skipped with ``skip_invalid``, and why."""

    line: int
    message: str


class PromptFile(NamedTuple):
    """The prompts of one file; ``invalid`` is only non-empty when reading with ``skip_invalid``."""

    path: Path
    prompts: list[Prompt]
    invalid: list[InvalidLine]


def select_prompts(prompts: list[Prompt], *, limit: int | None, sample: int | None, seed: int) -> list[Prompt]:
    """A seeded random sample (kept in file order), then the first ``limit``: the same seed, the same prompts."""
    chosen = prompts
    if sample is not None and sample < len(prompts):
        picked = sorted(random.Random(seed).sample(range(len(prompts)), sample))
        chosen = [prompts[index] for index in picked]
    return chosen if limit is None else chosen[:limit]


def parse_prompt(line_text: str, line: int, *, default_match: MatchMode = "exact") -> Prompt:
    """One line of a prompt file as a ``Prompt``; ``InvalidValueError`` (without the file) when it is wrong."""
    try:
        record = json.loads(line_text)
    except json.JSONDecodeError as error:
        raise InvalidValueError(f"not valid JSON: {error.msg} (column {error.colno})", line=line) from None
    if not isinstance(record, dict):
        raise InvalidValueError(f"expected a JSON object, got {_describe(record)}", line=line)
    if not record.keys() <= _KEY_SET:
        raise _unknown_key(next(key for key in record if key not in _KEY_SET), KEYS, (), line)

    prompt = record.get("prompt")
    raw_messages = record.get("messages")
    if prompt is not None and raw_messages is not None:
        raise InvalidValueError('expected "prompt" or "messages", not both', line=line)
    if prompt is not None:
        if not isinstance(prompt, str) or not prompt.strip():
            raise _wrong("prompt", "non-empty text", prompt, line)
        messages: tuple[dict[str, Any], ...] = ({"role": "user", "content": prompt},)
        text = prompt
    elif raw_messages is not None:
        messages, text = _check_messages(raw_messages, line)
    else:
        raise InvalidValueError(_PROMPT_OR_MESSAGES, line=line)

    prompt_id = record.get("id")
    if prompt_id is None:
        prompt_id = str(line)
    elif isinstance(prompt_id, int) and not isinstance(prompt_id, bool):
        prompt_id = str(prompt_id)
    elif not isinstance(prompt_id, str) or not prompt_id:
        raise _wrong("id", "non-empty text or a whole number", prompt_id, line)

    label = record.get("label")
    if label is not None and (not isinstance(label, str) or not label.strip()):
        raise _wrong("label", "a tier's name (non-empty text)", label, line)

    max_tokens = record.get("max_tokens")
    if max_tokens is not None:
        if isinstance(max_tokens, float) and max_tokens.is_integer():
            max_tokens = int(max_tokens)
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
            raise _wrong("max_tokens", "a whole number ≥ 1", max_tokens, line)

    metadata = record.get("metadata")
    if metadata is None:
        metadata = {}
    elif not isinstance(metadata, dict):
        raise _wrong("metadata", "a JSON object", metadata, line)

    expected = record.get("expected")
    return Prompt(
        id=prompt_id,
        line=line,
        messages=messages,
        text=text,
        expected=None if expected is None else _check_expected(expected, default_match, line),
        label=label,
        max_tokens=max_tokens,
        metadata=metadata,
    )


def _check_messages(value: Any, line: int) -> tuple[tuple[dict[str, Any], ...], str]:
    """The messages as given, and their text joined by blank lines."""
    if not isinstance(value, list) or not value:
        raise _wrong("messages", "a non-empty list of chat messages", value, line)
    pieces: list[str] = []
    for index, message in enumerate(value):
        if not isinstance(message, dict):
            raise _wrong(("messages", index), 'a chat message (an object with "role" and "content")', message, line)
        role = message.get("role")
        if role not in ROLES:
            raise _wrong(("messages", index, "role"), "one of " + ", ".join(ROLES), role, line)
        content = message.get("content")
        if isinstance(content, str):
            pieces.append(content)
        elif isinstance(content, list):
            pieces.extend(_check_parts(content, index, line))
        elif content is not None or role != "assistant" or not message.get("tool_calls"):
            what = "text or a list of content parts"
            if role == "assistant":
                what += " (null only with tool_calls)"
            raise _wrong(("messages", index, "content"), what, content, line)
    return tuple(value), "\n\n".join(piece for piece in pieces if piece)


def _check_parts(parts: list[Any], index: int, line: int) -> list[str]:
    """The text of a message's content parts; other parts (images, audio, files) pass as given."""
    texts = []
    for part_index, part in enumerate(parts):
        where = ("messages", index, "content", part_index)
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            raise _wrong(where, 'a content part (an object with a "type")', part, line)
        if part["type"] == "text":
            text = part.get("text")
            if not isinstance(text, str):
                raise _wrong((*where, "text"), "text", text, line)
            texts.append(text)
    return texts


def _check_expected(value: Any, default_match: MatchMode, line: int) -> Expected:
    if isinstance(value, dict):
        for key in value:
            if key not in _EXPECTED_KEYS:
                raise _unknown_key(key, _EXPECTED_KEYS, ("expected",), line)
        answer = value.get("answer")
        if answer is None:
            raise InvalidValueError(
                'missing "answer" (the reference answer: text or a number)', line=line, path=("expected",)
            )
        path: tuple[str, ...] = ("expected", "answer")
        match = value.get("match")
        if match is not None:
            try:
                match = check_match_mode(match)
            except InvalidValueError as error:
                raise InvalidValueError(error.message, line=line, path=("expected", "match")) from None
    else:
        answer, path, match = value, ("expected",), None

    if type(answer) in (int, float):  # not bool, which JSON's true would be
        text = str(answer) if isinstance(answer, int) else format(Decimal(repr(answer)), "f")  # 1e20 in full
        mode: MatchMode = match or "number"
    elif isinstance(answer, str):
        if not answer.strip():
            raise _wrong(path, "a non-empty reference answer", answer, line)
        text, mode = answer, match or default_match
    else:
        what = "text or a number" if isinstance(value, dict) else 'text, a number or {"answer": ..., "match": ...}'
        raise _wrong(path, f"the reference answer as {what}", answer, line)
    try:
        return Expected(text, mode)
    except InvalidValueError as error:
        raise InvalidValueError(error.message, line=line, path=path) from None


def _wrong(path: str | tuple[str | int, ...], what: str, value: Any, line: int) -> InvalidValueError:
    key_path = (path,) if isinstance(path, str) else path
    return InvalidValueError(f"expected {what}, got {_describe(value)}", line=line, path=key_path)


def _unknown_key(key: str, allowed: tuple[str, ...], path: tuple[str, ...], line: int) -> InvalidValueError:
    from routecli.spec import did_you_mean  # only on the error path

    message = f"unknown key {key!r}"
    if hint := did_you_mean(key, allowed):
        message += f" ({hint})"
    message += "; allowed keys: " + ", ".join(allowed)
    return InvalidValueError(message, line=line, path=path)


def _describe(value: Any) -> str:
    from routecli.spec import describe  # only on the error path

    if isinstance(value, dict):
        return "an object"
    if value == []:
        return "an empty list"
    return describe(value)
