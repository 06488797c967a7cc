"""Reading terminal output in tests."""

from __future__ import annotations

__all__ = ["words"]


def words(text: str) -> str:
    """Terminal output with its line wrapping undone."""
    return " ".join(text.split())
