"""Shared fixtures: a clean environment, a CLI runner, and the repo's paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest_plugins = ["tests.helpers.llama_server"]

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SCENARIOS = REPO / "scenarios"
EXAMPLE = SCENARIOS / "example.yaml"

LEVERS = """\
name: levers
traffic:
  requests_per_month: 100000
  input_tokens: 1000
  output_tokens: 100
  segments:
    - {name: easy, share: 0.8}
    - {name: hard, share: 0.2}
models:
  light: {price: {input_per_mtok: 1, output_per_mtok: 5}, quality: {easy: 0.9, hard: 0.5}}
  heavy: {price: {input_per_mtok: 4, output_per_mtok: 20}, quality: 0.95}
strategies:
  - {name: all-heavy, type: single, model: heavy}
  - name: routed
    type: route
    routes: {easy: light, hard: heavy}
    router: {accuracy: 0.9, cost_per_request: 0.00225}
  - name: cascade
    type: cascade
    chain: [light, heavy]
    accept: {light: 0.8}
    evaluator: {cost_per_request: 0.0003}
baseline: all-heavy
"""
"""Two segments, two tiers, a route and a cascade: each strategy with one lever to vary."""


@pytest.fixture(scope="session")
def _cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("routecli-cache")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, _cache_root: Path) -> None:
    """No colour settings or debug flags leak in; relative paths land in tmp_path; caches in the session's folder."""
    for name in ("NO_COLOR", "FORCE_COLOR", "ROUTECLI_DEBUG", "COLUMNS", "TERM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("ROUTECLI_CACHE_DIR", str(_cache_root))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` and return the path."""
    path.write_text(text, encoding="utf-8")
    return path
