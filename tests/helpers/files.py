"""Writing the small input files tests build in ``tmp_path``."""

from __future__ import annotations

from pathlib import Path

__all__ = ["write"]


def write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` and return the path."""
    path.write_text(text, encoding="utf-8")
    return path
