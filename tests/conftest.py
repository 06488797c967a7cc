"""Shared fixtures: a clean environment and a CLI runner. Shared constants and helpers live in tests/helpers/."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.register_assert_rewrite("tests.helpers")  # the helpers' asserts report their values like a test's own
pytest_plugins = ["tests.helpers.llama_server"]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No colour settings or debug flags leak in; relative paths land in tmp_path."""
    for name in ("NO_COLOR", "FORCE_COLOR", "ROUTECLI_DEBUG", "COLUMNS", "TERM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
