"""Reading log files the way ``routecli analyze`` does, for the tests of its readers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from routecli.analyze.read import LogReader, ReadOptions, ReadStats
from routecli.analyze.records import LogRecord
from tests.helpers.paths import REPO

__all__ = ["FIXTURES", "read"]

FIXTURES = REPO / "tests" / "analyze" / "fixtures"
"""Log files in exactly the shape each tool writes."""


def read(
    *paths: str | Path,
    input_format: str | None = None,
    mapping: Mapping[str, str] | None = None,
    skip_invalid: bool = False,
) -> tuple[list[LogRecord], ReadStats]:
    """Every record of ``paths`` and the reader's stats after the last."""
    options = ReadOptions(input_format, mapping or {}, skip_invalid)
    reader = LogReader([str(path) for path in paths], options)
    return list(reader.records()), reader.stats
