"""Fixtures the CLI tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.files import write
from tests.helpers.scenarios import LEVERS


@pytest.fixture
def levers(tmp_path: Path) -> Path:
    """``LEVERS`` written to a file: the scenario ``sweep``, ``breakeven`` and the insights are tried on."""
    return write(tmp_path / "levers.yaml", LEVERS)
