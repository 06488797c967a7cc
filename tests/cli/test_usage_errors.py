"""Bad option values and usage get routecli's one-line ``Error:`` and exit 2, never click's ``Usage:`` block."""

from __future__ import annotations

import pytest

from tests.helpers.cli import refused
from tests.helpers.paths import EXAMPLE, SCENARIOS

OUTCOMES = str(SCENARIOS / "outcomes" / "example.jsonl")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["simulate", str(EXAMPLE), "--samples", "1e6"], "--samples: expected a whole number, got '1e6'"),
        (
            ["tune", OUTCOMES, "--holdout", "1.5"],
            "--holdout: expected a share from 0 to 1 or a percentage like 95%, got 1.5",
        ),
        (
            ["simulate", str(EXAMPLE), "--format", "pdf"],
            "--format: expected one of table, json, markdown, csv, html, got 'pdf'",
        ),
        (["tune", OUTCOMES, "--strategy", "chain"], "--strategy: expected one of route, cascade, got 'chain'"),
        (["simulate", str(EXAMPLE), "--seed", "x"], "--seed: expected a whole number, got 'x'"),
        (["simulate", str(EXAMPLE), "--samples"], "Option '--samples' requires an argument."),
        (["simulate", str(EXAMPLE), "--bogus"], "No such option: --bogus"),
        (["simulate"], "Missing argument 'SCENARIO'."),
    ],
)
def test_bad_values_and_usage_are_one_error_line(args: list[str], message: str) -> None:
    assert refused(*args) == message
