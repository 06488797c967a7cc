"""The layers of docs/architecture.md hold: what each package may import, and a core that does no I/O.

Imports are read from the source (every ``import`` in a module, lazy ones inside functions
too), so a rule is broken by any path a run could take, not only by what importing loads.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import routecli
from tests.helpers.paths import REPO

PACKAGE = Path(routecli.__file__).parent

LAYERS: dict[str, set[str]] = {
    # package: the routecli packages it may import, besides itself and the shared base modules
    "pricing": set(),
    "simulate": {"pricing"},
    "providers": set(),
    "replay": {"pricing", "providers"},
    "tune": {"pricing", "replay"},
    "ci": {"pricing"},
    "analyze": {"pricing", "simulate", "replay"},
    "calibrate": {"pricing", "simulate", "replay", "tune"},
    "render": {"pricing", "simulate", "replay", "tune", "ci", "analyze", "calibrate"},
    "cli": {"pricing", "simulate", "providers", "replay", "tune", "ci", "analyze", "calibrate", "render"},
}
BASE = {"errors", "spec", "loading", "provenance", "user_cache", "_gc"}
"""Modules at routecli's top level that every package may use; they import only each other."""

EDGE_LIBRARIES: dict[str, tuple[str, ...]] = {
    # library: the modules (or packages) that alone may import it
    "typer": ("routecli.cli",),
    "click": ("routecli.cli",),
    "rich": ("routecli.cli", "routecli.render"),
    "httpx": ("routecli.providers",),
    "matplotlib": ("routecli.render.charts",),
    "yaml": (
        "routecli.loading",
        "routecli.render",
        "routecli.pricing.litellm",
        "routecli.tune.write_back",
        "routecli.calibrate.edit",
    ),
}

CORE = [
    "routecli.pricing.prices",
    "routecli.analyze.records",
    "routecli.calibrate.rates",
    "routecli.calibrate.measure",
    "routecli.calibrate.scenario_text",
    "routecli.simulate.scenario",
    "routecli.simulate.costmodel",
    "routecli.simulate.montecarlo",
    "routecli.simulate.distributions",
    "routecli.simulate.params",
    "routecli.simulate.sweep",
    "routecli.simulate.breakeven",
    "routecli.simulate.pareto",
    "routecli.simulate.uncertainty",
    "routecli.replay.config",
    "routecli.replay.prompts",
    "routecli.replay.evaluators",
    "routecli.replay.quality",
    "routecli.replay.records",
    "routecli.replay.report",
    "routecli.replay.stats",
    "routecli.replay.cache",
    "routecli.replay.engine",
    "routecli.replay.dryrun",
    "routecli.replay.batch",
    "routecli.replay.routing",
    "routecli.replay.routing.rules",
    "routecli.replay.routing.complexity",
    "routecli.replay.routing.judge",
    "routecli.replay.routing.embedding",
    "routecli.replay.routing.prompt_embedding",
    "routecli.replay.routing.lexical",
    "routecli.replay.routing.fit",
    "routecli.tune.outcomes",
    "routecli.tune.threshold",
    "routecli.tune.tiers",
    "routecli.tune.hops",
    "routecli.tune.evaluate",
    "routecli.tune.compat",
    "routecli.tune.choice",
    "routecli.ci.policy",
    "routecli.ci.diff",
    "routecli.ci.drift",
    "routecli.analyze.records",
    "routecli.analyze.analysis",
    "routecli.analyze.duplicates",
    "routecli.analyze.segments",
    "routecli.analyze.scenario_writer",
    "routecli.analyze.prompt_sample",
    "routecli.analyze.timestamps",
    "routecli.analyze.formats._values",
    "routecli.analyze.formats.openai",
    "routecli.analyze.formats.openai_batch",
    "routecli.analyze.formats.anthropic",
    "routecli.analyze.formats.routecli_log",
    "routecli.analyze.formats.routecli_prompts",
    "routecli.analyze.formats.mapped",
]
"""The pure core: types, math and decisions. Their file reading lives beside them (``*_file``, ``readers``)."""

IO_CALL = re.compile(r"\bopen\(|\.(read_text|write_text|read_bytes|write_bytes|mkdir|unlink)\(|\bprint\(|sys\.std")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str) -> set[str]:
    """Every module an import statement of ``name`` names (``from a import b`` names ``a`` and ``a.b``)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _layer(name: str) -> str:
    """The package a routecli module belongs to, ``base`` for the shared modules, ``cli`` for ``__main__``."""
    parts = name.split(".")
    if len(parts) == 1 or parts[1] in BASE:
        return "base"
    return "cli" if parts[1] == "__main__" else parts[1]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_module_imports_only_the_layers_below_it(name: str) -> None:
    own = _layer(name)
    allowed = {own, "base"} | LAYERS.get(own, set())
    for imported in sorted(_imports(name)):
        top = imported.split(".")[0]
        if top in EDGE_LIBRARIES:
            assert name.startswith(EDGE_LIBRARIES[top]), f"{name} imports {imported}: only {EDGE_LIBRARIES[top]} may"
        if top == "routecli" and imported.count("."):
            target = _layer(imported)
            if target in LAYERS or target == "base":
                assert target in allowed, f"{name} ({own}) imports {imported} ({target}); it may use {sorted(allowed)}"


def test_the_layers_name_every_package() -> None:
    packages = {name.split(".")[1] for name in MODULES if name.count(".") >= 1} - BASE - {"__main__"}
    assert packages == set(LAYERS)


@pytest.mark.parametrize("name", CORE)
def test_the_core_loads_no_file_format_terminal_or_network_library(name: str) -> None:
    code = f"import sys, {name}; print(' '.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {module.split(".")[0] for module in result.stdout.split()}
    assert not loaded & {"yaml", "typer", "click", "rich", "httpx", "matplotlib"}


@pytest.mark.parametrize("name", CORE)
def test_the_core_reads_and_writes_nothing(name: str) -> None:
    source = MODULES[name].read_text(encoding="utf-8")
    calls = [line.strip() for line in source.splitlines() if IO_CALL.search(line) and not line.lstrip().startswith("#")]
    assert calls == []
    assert not {imported for imported in _imports(name) if imported.startswith("routecli.loading")}


def test_the_architecture_doc_names_every_module() -> None:
    """docs/architecture.md is the map: every module of routecli appears in it by its path."""
    doc = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [
        str(path.relative_to(PACKAGE.parent))
        for name, path in MODULES.items()
        if path.name != "__init__.py" and path.relative_to(PACKAGE).as_posix() not in doc
    ]
    assert missing == []
