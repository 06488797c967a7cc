"""Where the repository, its scenarios and the shared reference data are, for tests run from any directory."""

from __future__ import annotations

from pathlib import Path

__all__ = ["EXAMPLE", "LITELLM", "REPO", "SCENARIOS", "SHARED"]

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
"""Reference data beside the repository; tests that need it skip when it is absent."""
SCENARIOS = REPO / "scenarios"
EXAMPLE = SCENARIOS / "example.yaml"
LITELLM = SHARED / "reference" / "litellm-1.110.2-model_prices_and_context_window.json"
