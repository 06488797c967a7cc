"""Replay: send real prompts through a configured router and cascade, record every decision, report."""

__all__: list[str] = []
