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
    with pytest.raises(InputFileError) as caught:
        read_yaml(path)
    assert str(caught.value) == f"{path}: not a text file (UTF-8): byte 0xff at offset 6 is not UTF-8"


def test_a_binary_file_is_not_text_though_valid_utf8(tmp_path: Path) -> None:
    """A NUL byte is UTF-8, but no YAML file holds one: a gzip, an image, a parquet file does."""
    path = tmp_path / "f.yaml"
    path.write_bytes(b"name: x\n\x00\x01\x02")
    with pytest.raises(InputFileError) as caught:
        read_yaml(path)
    assert str(caught.value) == f"{path}: not a text file (UTF-8): a NUL byte at offset 8"


def test_a_byte_order_mark_is_dropped_and_counted_in_the_offset(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: x\n")
    assert read_yaml(path).data == {"name": "x"}
    path.write_bytes(b"\xef\xbb\xbfname: \xe9\n")
    with pytest.raises(InputFileError, match="byte 0xe9 at offset 9 is not UTF-8"):
        read_yaml(path)


def test_a_double_quoted_regex_escape_gets_the_single_quote_hint(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text('routing:\n  when: {regex: "\\d{3}"}\n')
    with pytest.raises(YamlSyntaxError) as caught:
        read_yaml(path)
    assert str(caught.value).startswith(f"{path}:2: YAML syntax error: ")
    assert str(caught.value).endswith(
        "unknown escape character; in double quotes a backslash starts an escape (\\d is none): "
        "write a regular expression in single quotes, '\\d+', where a backslash is itself"
    )
