"""Scenario texts several test modules build on."""

from __future__ import annotations

__all__ = ["LEVERS", "LEVERS_ACCEPT"]

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

LEVERS_ACCEPT = "strategies.cascade.accept.light"
"""The parameter path of the share of requests LEVERS' cascade accepts from light."""
