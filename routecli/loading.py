"""Reading YAML files, with errors that name the file, the line and the key path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from routecli.errors import InputError, InputFileError, KeyPath, YamlSyntaxError

__all__ = ["YamlDocument", "parse_yaml", "read_yaml"]

T = TypeVar("T")

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """The safe loader (libyaml's where installed), refusing a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        first_line: dict[str, int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                line = key_node.start_mark.line + 1
                if key_node.value in first_line:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"duplicate key {key_node.value!r} (first given on line {first_line[key_node.value]})",
                        key_node.start_mark,
                    )
                first_line[key_node.value] = line
        mapping: dict[object, object] = super().construct_mapping(node, deep=deep)
        return mapping


_TAB_HINT = "; YAML indents with spaces, not tabs"


class YamlDocument:
    """A parsed YAML file that can say on which line a key path stands."""

    def __init__(self, path: Path, text: str, data: Any) -> None:
        self.path = path
        self.text = text
        self.data = data

    @property
    def name(self) -> str:
        return str(self.path)

    def line_of(self, key_path: KeyPath) -> int | None:
        """The 1-based line of the deepest part of ``key_path`` found in the file."""
        node: yaml.Node | None = yaml.compose(self.text, Loader=_Loader)
        line = None
        for part in key_path:
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == str(part):
                        line = key_node.start_mark.line + 1
                        node = value_node
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    return line
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    def build(self, builder: Callable[[Any], T]) -> T:
        """Run ``builder`` on the data; locate any ``InputError`` it raises in this file."""
        try:
            return builder(self.data)
        except InputError as error:
            if error.source is None:
                error.located(self.name, self.line_of(error.path))
            raise


def read_yaml(path: Path, what: str = "file") -> YamlDocument:
    """Read and parse one YAML file; missing files and syntax errors are ``InputError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(f"{what} not found", source=str(path)) from None
    except IsADirectoryError:
        raise InputFileError(f"expected a {what}, got a directory", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(f"cannot read {what}: {error}", source=str(path)) from None
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path) -> YamlDocument:
    """Parse YAML text read from ``path``; syntax errors name the file and line."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        problem = error.problem or "invalid YAML"
        if error.context:
            problem = f"{error.context}, {problem}"
        lines = text.splitlines()
        if line is not None and 0 < line <= len(lines) and "\t" in lines[line - 1]:
            problem += _TAB_HINT
        raise YamlSyntaxError(f"YAML syntax error: {problem}", source=str(path), line=line) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(f"YAML syntax error: {error}", source=str(path)) from None
    if data is None:
        raise InputFileError("the file is empty (or only comments)", source=str(path))
    return YamlDocument(path, text, data)
