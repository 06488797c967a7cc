"""Where routecli keeps what it can always make again: parsed price tables, tiktoken's files."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["user_cache_dir"]


def user_cache_dir() -> Path:
    """``$ROUTECLI_CACHE_DIR``, else ``$XDG_CACHE_HOME/routecli``, else ``~/.cache/routecli``.

    Nothing there is needed: whatever is missing, unreadable or damaged is made again.
    """
    root = os.environ.get("ROUTECLI_CACHE_DIR")
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = os.path.join(xdg, "routecli") if xdg else os.path.join(os.path.expanduser("~"), ".cache", "routecli")
    return Path(root)
