"""Shared fixtures: a clean environment and a CLI runner. Shared constants and helpers live in tests/helpers/."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.register_assert_rewrite("tests.helpers")  # the helpers' asserts report their values like a test's own
pytest_plugins = ["tests.helpers.llama_server"]


@pytest.fixture(scope="session")
def _cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("routecli-cache")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, _cache_root: Path) -> None:
    """No colour settings or debug flags leak in; relative paths land in tmp_path; caches in the session's folder.

    "Today" is a fixed day before any shipped model's 30-day deprecation notice, so that outputs do not change
    with the calendar; the tests of deprecation warnings give their own dates.
    """
    for name in ("NO_COLOR", "FORCE_COLOR", "ROUTECLI_DEBUG", "COLUMNS", "TERM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("ROUTECLI_CACHE_DIR", str(_cache_root))
    monkeypatch.setenv("ROUTECLI_TODAY", "2026-10-01")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
