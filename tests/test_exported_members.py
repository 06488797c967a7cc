"""Every module says what it exports, and exports only what exists."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import routecli

MODULES = sorted(
    name for _, name, _ in pkgutil.walk_packages(routecli.__path__, "routecli.") if not name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_all_is_declared_and_real(name: str) -> None:
    module = importlib.import_module(name)
    if not hasattr(module, "__all__"):
        assert name.endswith("render"), f"{name} has no __all__"
        return
    for member in module.__all__:
        assert hasattr(module, member), f"{name}.__all__ names missing {member}"


def test_cli_start_imports_no_core() -> None:
    """`routecli --help` must not pay for YAML, the cost model or rich tables."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from routecli.cli import app\n"
        "try:\n"
        "    app(['--help'], prog_name='routecli')\n"
        "except SystemExit:\n"
        "    print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    loaded = set(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stderr.split()
    )
    assert not loaded & {
        "yaml",
        "routecli.simulate.costmodel",
        "routecli.simulate.scenario",
        "rich.table",
        "routecli.pricing.prices",
    }
