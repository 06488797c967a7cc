"""The decision log: a JSON Lines file, one run header then one line per prompt, flushed as each finishes.

A crash or Ctrl-C loses nothing already answered; ``routecli report`` reads
the file back without calling anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from routecli.errors import InputFileError, InvalidValueError
from routecli.replay.records import (
    LOG_SCHEMA_VERSION,
    Decision,
    RunInfo,
    decision_from_json,
    decision_to_json,
    run_from_json,
    run_to_json,
)

__all__ = ["DecisionLog", "read_log"]


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
        self._file.write(_line(decision_to_json(decision)))
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> DecisionLog:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def read_log(path: Path) -> tuple[RunInfo, list[Decision]]:
    """The run and its decisions (a prompt logged twice keeps its last line); errors name the line."""
    try:
        handle = path.open(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError("decision log not found", source=str(path)) from None
    except (IsADirectoryError, OSError) as error:
        raise InputFileError(f"cannot read the decision log: {error}", source=str(path)) from None
    run: RunInfo | None = None
    decisions: dict[str, Decision] = {}
    with handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                document = json.loads(text)
                kind = document.get("kind") if isinstance(document, dict) else None
                if number == 1 or run is None:
                    if kind != "run":
                        raise ValueError("expected the run header (a routecli decision log starts with one)")
                    version = document.get("schema_version")
                    if version != LOG_SCHEMA_VERSION:
                        raise ValueError(f"schema_version {version!r}; this routecli reads {LOG_SCHEMA_VERSION}")
                    run = run_from_json(document)
                elif kind == "decision":
                    decision = decision_from_json(document)
                    decisions[decision.id] = decision
                else:
                    raise ValueError(f"unknown line kind {kind!r}")
            except (ValueError, KeyError, TypeError, ArithmeticError) as error:
                reason = f"missing key {error}" if isinstance(error, KeyError) else str(error)
                raise InvalidValueError(f"not a decision log line: {reason}", source=str(path), line=number) from None
    if run is None:
        raise InvalidValueError("the decision log is empty", source=str(path))
    return run, list(decisions.values())
