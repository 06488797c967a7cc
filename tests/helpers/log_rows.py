"""Fixture log files read into format ``Row``s the simple way, so a format module is tested without the container
layer: JSON Lines by line, a JSON array by item (from 1), CSV by row (the header is line 1)."""

from __future__ import annotations

import csv
import json

from routecli.analyze.formats import Row
from tests.helpers.paths import REPO

__all__ = ["FIXTURES", "first_rows", "rows"]

FIXTURES = REPO / "tests" / "analyze" / "fixtures"


def rows(name: str) -> list[Row]:
    """The rows of ``tests/analyze/fixtures/NAME``, by its suffix."""
    path = FIXTURES / name
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [Row(number, json.loads(line)) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if path.suffix == ".csv":
        return [Row(number, row) for number, row in enumerate(csv.DictReader(text.splitlines()), 2)]
    document = json.loads(text)
    if isinstance(document, list):
        return [Row(number, item) for number, item in enumerate(document, 1)]
    return [Row(1, document)]


def first_rows(*, excluding: str) -> dict[str, Row]:
    """The first row of every fixture whose name does not start with ``excluding``: what another format's sniff must
    refuse."""
    return {path.name: rows(path.name)[0] for path in sorted(FIXTURES.iterdir()) if not path.name.startswith(excluding)}
