"""The decision log: a JSON Lines file, one run header then one line per prompt, flushed as each finishes.

A crash or Ctrl-C loses nothing already answered; ``routecli report`` reads
the file back without calling anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NamedTuple

from routecli.errors import InputFileError, InvalidValueError, RouteCliError
from routecli.replay.records import (
    LOG_SCHEMA_VERSION,
    Decision,
    RunInfo,
    decision_from_json,
    decision_to_json,
    run_from_json,
    run_to_json,
)

__all__ = ["DecisionLog", "LogContents", "read_log"]


def _line(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


class DecisionLog:
    """Writes the run header on open and each decision as it comes, flushed to the OS at once."""

    def __init__(self, path: Path, run: RunInfo) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file: IO[str] = path.open("w", encoding="utf-8")
        except OSError as error:
            raise InputFileError(
                f"cannot write the decision log: {error.strerror or error}", source=str(path)
            ) from None
        self._file.write(_line(run_to_json(run)))
        self._file.flush()

    def write(self, decision: Decision) -> None:
        try:
            self._file.write(_line(decision_to_json(decision)))
            self._file.flush()
        except OSError as error:  # a full disk: stop the run rather than lose results unnoticed
            raise RouteCliError(f"{self.path}: cannot write the decision log: {error.strerror or error}") from None

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> DecisionLog:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class LogContents(NamedTuple):
    """A decision log read back: its run, its decisions, and the line left half-written by a crash, if any."""

    run: RunInfo
    decisions: list[Decision]
    truncated_line: int | None = None


def read_log(path: Path) -> LogContents:
    """The run and its decisions (a prompt logged twice keeps its last line); errors name the line.

    A last line cut off mid-write (a run killed while writing it) is left out and
    reported in ``truncated_line``: every line before it is a finished result.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError("decision log not found", source=str(path)) from None
    except UnicodeDecodeError:
        raise InputFileError("not a decision log: the file is not UTF-8 text", source=str(path)) from None
    except OSError as error:
        raise InputFileError(f"cannot read the decision log: {error.strerror or error}", source=str(path)) from None
    lines = text.split("\n")
    truncated = None
    if lines and lines[-1].strip() and not _parses(lines[-1]):
        truncated = len(lines)
        lines = lines[:-1]
    run: RunInfo | None = None
    decisions: dict[str, Decision] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
            kind = document.get("kind") if isinstance(document, dict) else None
            if run is None:
                run = _header(document, kind)
            elif kind == "decision":
                decision = decision_from_json(document)
                _check_tiers(decision, run)
                decisions[decision.id] = decision
            else:
                raise ValueError(f"unknown line kind {kind!r}")
        except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError) as error:
            reason = f"missing key {error}" if isinstance(error, KeyError) else str(error)
            raise InvalidValueError(f"not a decision log line: {reason}", source=str(path), line=number) from None
    if run is None:
        raise InvalidValueError("the decision log is empty", source=str(path))
    return LogContents(run, list(decisions.values()), truncated)


def _parses(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def _header(document: Any, kind: Any) -> RunInfo:
    if kind != "run":
        raise ValueError("expected the run header (a routecli decision log starts with one)")
    version = document.get("schema_version")
    if version != LOG_SCHEMA_VERSION:
        raise ValueError(f"schema_version {version!r}; this routecli reads {LOG_SCHEMA_VERSION}")
    return run_from_json(document)


def _check_tiers(decision: Decision, run: RunInfo) -> None:
    known = {tier.name for tier in run.tiers}
    for attempt in decision.attempts:
        if attempt.tier not in known:
            raise ValueError(f"tier {attempt.tier!r} is not in the run header's tiers ({', '.join(sorted(known))})")
