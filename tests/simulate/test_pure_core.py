"""The simulate core does no I/O: importing it loads none of YAML, the CLI, terminal, HTTP or chart libraries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import routecli

CORE = (
    "routecli.pricing.prices",
    "routecli.simulate.scenario",
    "routecli.simulate.distributions",
    "routecli.simulate.costmodel",
    "routecli.simulate.montecarlo",
    "routecli.simulate.params",
    "routecli.simulate.sweep",
    "routecli.simulate.breakeven",
    "routecli.simulate.pareto",
)
EDGES = {"yaml", "typer", "rich", "httpx", "matplotlib"}


def test_the_core_imports_no_edge_library() -> None:
    code = f"import sys; import {', '.join(CORE)}; print(' '.join(sorted(sys.modules)))"
    here = {**os.environ, "PYTHONPATH": str(Path(routecli.__file__).resolve().parents[1])}  # this checkout's routecli
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=here)
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    assert not loaded & EDGES
    assert "routecli.simulate.scenario_file" not in loaded
