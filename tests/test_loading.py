"""YAML files: syntax errors with lines, and the line of any key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from routecli.errors import InputFileError, YamlSyntaxError
from routecli.loading import read_yaml
from tests.helpers.files import write

TEXT = """\
name: x
items:
  - {a: 1}
  - a: 2
    b:
      c: 3
"""


def test_line_of_key_paths(tmp_path: Path) -> None:
    document = read_yaml(write(tmp_path / "f.yaml", TEXT))
    assert document.line_of(("name",)) == 1
    assert document.line_of(("items", 0)) == 3
    assert document.line_of(("items", 1, "b", "c")) == 6
    assert document.line_of(("items", 1, "missing")) == 4  # the deepest part found
    assert document.line_of(("items", 7)) == 2


def test_syntax_error_has_line(tmp_path: Path) -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        read_yaml(write(tmp_path / "f.yaml", "a: [1, 2\nb: 3\n"))
    assert caught.value.line == 2
    assert str(caught.value).startswith(f"{tmp_path / 'f.yaml'}:2: YAML syntax error")


def test_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="scenario file not found"):
        read_yaml(tmp_path / "nope.yaml", "scenario file")
    with pytest.raises(InputFileError, match="got a directory"):
        read_yaml(tmp_path, "scenario file")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(InputFileError, match="cannot read"):
        read_yaml(path)
