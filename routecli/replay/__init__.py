"""Replay: send real prompts through a configured router and cascade, record every decision, report.

The defaults live here, import-light, so the CLI can show them without loading the engine.
"""

__all__ = ["DEFAULT_CONCURRENCY", "DEFAULT_OUTPUT_TOKENS"]

DEFAULT_CONCURRENCY = 8
"""Requests in flight at once."""
DEFAULT_OUTPUT_TOKENS = 256
"""Output tokens a dry run assumes per answer."""
