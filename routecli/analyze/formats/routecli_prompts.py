"""routecli's own prompt files (``routecli replay``'s input): the text of each prompt, no usage.

Pure. Each line is checked as ``replay`` checks it (``replay.prompts.parse_prompt``):
its messages, id, expected answer and metadata become the record's; a prompt
file has no model, tokens or times.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from routecli.analyze.formats import Row
from routecli.analyze.records import LogRecord
from routecli.replay.prompts import KEYS, parse_prompt

__all__ = ["DESCRIPTION", "NAME", "record", "sniff"]

NAME = "routecli-prompts"
DESCRIPTION = "routecli prompt files (replay's input): prompt text, no usage"

_KEYS = frozenset(KEYS)


def sniff(data: Mapping[str, Any]) -> bool:
    return ("prompt" in data or "messages" in data) and data.keys() <= _KEYS


def record(source: str, row: Row) -> LogRecord:
    prompt = parse_prompt(json.dumps(row.data), row.line)  # replay's own checks, so both read a file alike
    return LogRecord(
        source,
        row.line,
        None,
        messages=prompt.messages,
        id=prompt.id,
        expected=None if prompt.expected is None else prompt.expected.value,
        metadata=prompt.metadata or None,
    )
