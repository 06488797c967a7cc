"""routecli's own decision logs (``routecli replay``'s output): each answering attempt is one request.

Pure. The log's first line is the run header (``kind: run``); each
``kind: decision`` line expands into its attempts with ``role: answer`` (a
cascade's every step, fallbacks and failures included): model, tokens (input,
cached, cache-written, output), cost and latency as the run recorded them, an
error where the call failed. Judge and embedding calls, the header and the
``end`` line are no requests to a tier. The prompt's messages come along only
where the log holds them (``prompt``). A decision line has no time of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from routecli.analyze.formats import Row
from routecli.analyze.formats._values import count, money, text
from routecli.analyze.formats._values import messages as chat_messages
from routecli.analyze.records import LogRecord
from routecli.errors import InvalidValueError

__all__ = ["DESCRIPTION", "NAME", "expand", "record", "sniff"]

NAME = "routecli-log"
DESCRIPTION = "routecli replay decision logs: every answering attempt, with its tokens, cost and latency"


def sniff(data: Mapping[str, Any]) -> bool:
    return data.get("kind") == "run" and "tiers" in data and "schema_version" in data


def expand(row: Row) -> Iterable[Row]:
    """A decision line into one row per answering attempt; other lines as they are (``record`` drops them)."""
    data = row.data
    if data.get("kind") != "decision":
        yield row
        return
    attempts = data.get("attempts")
    if not isinstance(attempts, list):
        raise InvalidValueError("expected the decision's attempts (a list)", path=("attempts",))
    for index, attempt in enumerate(attempts):
        if not isinstance(attempt, dict):
            raise InvalidValueError("expected an attempt (an object)", path=("attempts", index))
        if attempt.get("role") == "answer":
            yield Row(row.line, {"kind": "attempt", "index": index, "attempt": attempt, "decision": data})


def record(source: str, row: Row) -> LogRecord | None:
    data = row.data
    if data.get("kind") != "attempt":
        return None
    attempt, decision, index = data["attempt"], data["decision"], data["index"]

    def at(key: str) -> tuple[str | int, ...]:
        return ("attempts", index, key)

    status = attempt.get("status")
    error = None
    if attempt.get("error") is not None:
        kind = attempt.get("error_kind")
        error = kind if isinstance(kind, str) and kind else "error"
        if isinstance(status, int) and status >= 400:
            error = f"http {status}"
    latency = attempt.get("latency_ms")
    if latency is not None and (not isinstance(latency, int | float) or isinstance(latency, bool) or latency < 0):
        raise InvalidValueError("expected milliseconds (a number ≥ 0)", path=at("latency_ms"))
    tier = text(attempt.get("tier"), at("tier"))
    return LogRecord(
        source,
        row.line,
        text(attempt.get("model"), at("model")),
        input_tokens=count(attempt.get("input_tokens"), at("input_tokens")),
        cached_tokens=count(attempt.get("cached_tokens"), at("cached_tokens")),
        cache_write_tokens=count(attempt.get("cache_write_tokens"), at("cache_write_tokens")),
        output_tokens=count(attempt.get("output_tokens"), at("output_tokens")),
        cost=money(attempt.get("cost"), at("cost")),
        latency_ms=None if latency is None else float(latency),
        error=error,
        messages=chat_messages(decision.get("prompt"), ("prompt",)),
        id=text(decision.get("id"), ("id",)),
        expected=text(decision.get("expected"), ("expected",)),
        metadata=None if tier is None else {"tier": tier},
    )
