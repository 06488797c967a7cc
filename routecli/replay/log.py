"""The decision log: a JSON Lines file, one run header then one line per prompt, flushed as each finishes.

Append-only: a run writes its header, then each decision as it finishes
(flushed at once, synced to disk at least every second), then an ``end`` line
saying whether and why it stopped early. ``--resume`` appends to the same file,
first cutting off a line left half-written by a killed run. A crash loses
nothing already answered; ``routecli report`` reads the file back without
calling anything.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NamedTuple

from routecli.errors import InputFileError, InvalidValueError, RouteCliError
from routecli.loading import decode_text
from routecli.replay.batch import progress_from_log
from routecli.replay.records import (
    EMBEDDING_ROLES,
    LOG_SCHEMA_VERSION,
    Attempt,
    Decision,
    RunInfo,
    attempt_from_json,
    attempt_to_json,
    decision_from_json,
    decision_to_json,
    run_from_json,
    run_to_json,
)

__all__ = ["DecisionLog", "LogContents", "read_log"]


def _line(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


SYNC_EVERY_S = 1.0
"""At most this long between syncs to disk: a power cut loses at most the last second of results."""


class DecisionLog:
    """Writes the run header on open (or, resuming, appends after the last whole line) and each decision as it comes.

    Each line is flushed at once (a killed process loses nothing written); the
    file is synced to disk when a line comes a second or more after the last
    sync, and when the log is closed.
    """

    def __init__(self, path: Path, run: RunInfo, *, resume: bool = False) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if resume:
                _cut_torn_tail(path)
            self._file: IO[str] = path.open("a" if resume else "w", encoding="utf-8")
        except OSError as error:
            raise InputFileError(
                f"cannot write the decision log: {error.strerror or error}", source=str(path)
            ) from None
        self._synced = time.monotonic()
        if not resume:
            self._put(run_to_json(run))

    def write(self, decision: Decision) -> None:
        self._put(decision_to_json(decision))

    def prelude(self, attempts: list[Attempt]) -> None:
        """Requests made before the first prompt (embedding the router's exemplars): billed, but no prompt's."""
        if attempts:
            self._put({"kind": "prelude", "attempts": [attempt_to_json(attempt) for attempt in attempts]})

    def batch(self, document: dict[str, Any]) -> None:
        """A ``--batch`` run's batch, submitted or ended (``routecli.replay.batch``): what ``--resume`` polls."""
        self._put(document)

    def end(self, stopped: str | None) -> None:
        """The run is over: finished, or stopped early for ``stopped`` (budget, interrupted, terminated)."""
        self._put({"kind": "end", "stopped": stopped, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})

    def _put(self, document: dict[str, Any]) -> None:
        try:
            self._file.write(_line(document))
            self._file.flush()
            if time.monotonic() - self._synced >= SYNC_EVERY_S:
                os.fsync(self._file.fileno())
                self._synced = time.monotonic()
        except OSError as error:  # a full disk: stop the run rather than lose results unnoticed
            raise RouteCliError(f"{self.path}: cannot write the decision log: {error.strerror or error}") from None

    def close(self) -> None:
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError:
            pass  # closing anyway; write() already reported any failure
        self._file.close()

    def __enter__(self) -> DecisionLog:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def _cut_torn_tail(path: Path) -> None:
    """Make the file end on a whole line before appending to it.

    A last line left half-written by a killed run is cut off (never the header:
    the cut stops after the first line). A last line that is whole JSON and only
    lacks its newline is kept, as ``read_log`` keeps it, and gets the newline.
    """
    with path.open("rb+") as handle:
        size = handle.seek(0, os.SEEK_END)
        if not size:
            return
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        start = _last_line_start(handle, size)
        handle.seek(start)
        if start == 0 or _parses(handle.read().decode("utf-8", "replace")):
            handle.seek(0, os.SEEK_END)
            handle.write(b"\n")
        else:
            handle.truncate(start)


def _last_line_start(handle: IO[bytes], size: int, chunk: int = 65536) -> int:
    """Where the file's last line starts: scanning back from the end a chunk at a time, however long it is."""
    end = size
    while end > 0:
        begin = max(0, end - chunk)
        handle.seek(begin)
        found = handle.read(end - begin).rfind(b"\n")
        if found >= 0:
            return begin + found + 1
        end = begin
    return 0


class LogContents(NamedTuple):
    """A decision log read back: its run, its decisions, the line left half-written by a crash, and how it ended."""

    run: RunInfo
    decisions: list[Decision]
    truncated_line: int | None = None
    stopped: str | None = None
    """Why the last run on this log stopped early; None when it finished (or never said)."""
    prelude: tuple[Attempt, ...] = ()
    """Requests each run on this log made before its first prompt (embedding exemplars)."""
    batches: tuple[dict[str, Any], ...] = ()
    """A ``--batch`` run's batch lines, in order (``routecli.replay.batch.progress_from_log`` reads them)."""


def read_log(path: Path) -> LogContents:
    """The run and its decisions (a prompt logged twice keeps its last line); errors name the line.

    A last line cut off mid-write (a run killed while writing it) is left out and
    reported in ``truncated_line``: every line before it is a finished result.
    """
    try:
        text = decode_text(path.read_bytes(), str(path))
    except FileNotFoundError:
        raise InputFileError("decision log not found", source=str(path)) from None
    except InputFileError as error:
        error.message = f"not a decision log: {error.message}"
        raise
    except OSError as error:
        raise InputFileError(f"cannot read the decision log: {error.strerror or error}", source=str(path)) from None
    lines = text.split("\n")
    truncated = None
    if lines and lines[-1].strip() and not _parses(lines[-1]):
        truncated = len(lines)
        lines = lines[:-1]
    run: RunInfo | None = None
    decisions: dict[str, Decision] = {}
    prelude: list[Attempt] = []
    batches: list[dict[str, Any]] = []
    stopped: str | None = None
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
            elif kind == "prelude":
                prelude.extend(attempt_from_json(item) for item in document["attempts"])
            elif kind == "batch":
                progress_from_log([document])  # its shape checked here, where the line is known
                batches.append(document)
            elif kind == "end":
                stopped = document.get("stopped")
            else:
                raise ValueError(f"unknown line kind {kind!r}")
        except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError) as error:
            reason = f"missing key {error}" if isinstance(error, KeyError) else str(error)
            raise InvalidValueError(f"not a decision log line: {reason}", source=str(path), line=number) from None
    if run is None:
        raise InvalidValueError("the decision log is empty", source=str(path))
    return LogContents(run, list(decisions.values()), truncated, stopped, tuple(prelude), tuple(batches))


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
        if attempt.tier not in known and attempt.role not in EMBEDDING_ROLES:
            raise ValueError(f"tier {attempt.tier!r} is not in the run header's tiers ({', '.join(sorted(known))})")
