"""The test suite's own shape: shared code lives in tests/helpers, and the CLI outcome helpers mean one thing.

A test module importing another ties the two together (a test or fixture imported with it also runs twice), and
pytest discourages importing conftest.py, which holds fixtures only. So every ``tests.*`` import, and every
``pytest_plugins`` entry, names a ``tests.helpers`` module. ``ok``, ``ok_json``, ``fails`` and ``refused`` are
defined once, in tests/helpers/cli.py, so that ``fails`` means exit 1 everywhere and ``refused`` exit 2.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import tests.helpers.cli
from tests.helpers.paths import REPO

TESTS = REPO / "tests"
HELPERS = "tests.helpers"
OUTCOME_HELPERS = frozenset(tests.helpers.cli.__all__)


def python_files() -> list[Path]:
    return sorted(path for path in TESTS.rglob("*.py") if "__pycache__" not in path.parts)


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_helper(module: str) -> bool:
    return module == HELPERS or module.startswith(HELPERS + ".")


def imported_modules(path: Path, tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Every module ``path`` imports (at any depth, relative imports resolved), with its line."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], *filter(None, [node.module])])
            if base == "tests" or (node.level and not node.module):
                yield from ((node.lineno, f"{base}.{alias.name}") for alias in node.names)
            else:
                yield node.lineno, base


def plugin_modules(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """The modules a ``pytest_plugins = [...]`` at module level loads."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "pytest_plugins" for target in node.targets
        ):
            for value in ast.walk(node.value):
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    yield node.lineno, value.value


def outcome_helper_definitions(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Functions (at any depth) and module-level names called like one of tests/helpers/cli.py's helpers."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in OUTCOME_HELPERS:
            yield node.lineno, node.name
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id in OUTCOME_HELPERS:
                    yield node.lineno, target.id
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.asname in OUTCOME_HELPERS and alias.name != alias.asname:
                    yield node.lineno, alias.asname


def test_the_walk_finds_the_suite() -> None:
    names = {module_name(path) for path in python_files()}
    assert {"tests.conftest", "tests.helpers.cli", "tests.replay.test_engine", __name__} <= names


def test_only_helpers_are_imported_from_tests() -> None:
    wrong = []
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for line, module in [*imported_modules(path, tree), *plugin_modules(tree)]:
            if (module == "tests" or module.startswith("tests.")) and not is_helper(module):
                wrong.append(f"{path.relative_to(REPO)}:{line}: {module}")
    assert not wrong, "\n".join(["move what is shared to tests/helpers/ or a fixture, and import that:", *wrong])


def test_the_outcome_helpers_are_defined_once() -> None:
    home = TESTS / "helpers" / "cli.py"
    wrong = []
    for path in python_files():
        if path != home:
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            wrong += [f"{path.relative_to(REPO)}:{line}: {name}" for line, name in outcome_helper_definitions(tree)]
    assert not wrong, "\n".join(["use ok, ok_json, fails (exit 1), refused (exit 2) of tests.helpers.cli:", *wrong])


def test_every_test_folder_is_a_package() -> None:
    folders = {path.parent for path in python_files()}
    assert sorted(str(f.relative_to(REPO)) for f in folders if not (f / "__init__.py").exists()) == []
