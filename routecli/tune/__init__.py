"""Tuning and evaluating routers offline: outcomes, their readers, thresholds, metrics and write-back."""

__all__: list[str] = []
