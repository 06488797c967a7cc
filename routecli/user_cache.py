"""Where routecli keeps what it can always make again: parsed price tables and YAML files, tiktoken's files."""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

__all__ = ["read_entry", "user_cache_dir", "write_entry"]


def user_cache_dir() -> Path:
    """``$ROUTECLI_CACHE_DIR``, else ``$XDG_CACHE_HOME/routecli``, else ``~/.cache/routecli``.

    Nothing there is needed: whatever is missing, unreadable or damaged is made again.
    """
    root = os.environ.get("ROUTECLI_CACHE_DIR")
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = os.path.join(xdg, "routecli") if xdg else os.path.join(os.path.expanduser("~"), ".cache", "routecli")
    return Path(root)


def read_entry(entry: Path) -> bytes | None:
    """What ``write_entry`` stored in ``entry``; None when it is missing, unreadable or damaged (checksum)."""
    try:
        stored = entry.read_bytes()
    except OSError:
        return None
    checksum, payload = stored[:32], stored[32:]
    return payload if hashlib.sha256(payload).digest() == checksum else None


def write_entry(entry: Path, payload: bytes) -> None:
    """Store ``payload`` in ``entry`` with its checksum, atomically; a cache that cannot be written is no error."""
    temporary = entry.with_name(f".{entry.name}.{os.getpid()}")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(hashlib.sha256(payload).digest() + payload)
        os.replace(temporary, entry)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
