"""The cache of parsed YAML files: the same data and the same line for every key path as parsing, or no cache."""

from __future__ import annotations

import hashlib
import marshal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import routecli.loading as loading
from routecli.errors import InputError, InvalidValueError, KeyPath, YamlSyntaxError
from routecli.loading import YamlDocument, read_yaml
from tests.helpers.files import write

REPO = Path(__file__).resolve().parents[1]

TEXT = """\
name: x   # a comment
when: 2026-01-02
stamps: [2026-01-02 03:04:05, 2026-01-02T03:04:05.25+05:30, 2026-01-02t03:04:05Z]
base: &base {a: 1, b: [1, 2.5, -.inf, .nan]}
merged:
  <<: *base
  c: {d: 2026-03-04}
again: *base
flags: [yes, no, ~, true, 0x1F, 1_000, "2026-01-02", !!binary aGk=]
items:
  - {a: 1}
  - a: 2
    b:
      c: 3
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ROUTECLI_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "yaml"


def _composed_line_of(node: yaml.Node | None, key_path: KeyPath) -> int | None:
    """How a document found a key path's line before the cache: in the nodes of the text composed again."""
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


def _key_paths(data: Any, path: KeyPath = (), depth: int = 0) -> list[KeyPath]:
    """Every key path in ``data``, each with a part that is not there after it."""
    paths = [path, (*path, "no such key"), (*path, 10_000)]
    if depth < 8:
        items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
        for key, value in items:
            paths.extend(_key_paths(value, (*path, key), depth + 1))
    return paths


def _refuse_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("parsed the YAML")

    monkeypatch.setattr(loading, "parse_yaml", refuse)


def _same(cached: YamlDocument, parsed: YamlDocument) -> None:
    assert repr(cached.data) == repr(parsed.data)
    assert cached.text == parsed.text
    root = yaml.compose(parsed.text, Loader=yaml.SafeLoader)
    for key_path in _key_paths(parsed.data):
        assert cached.line_of(key_path) == parsed.line_of(key_path) == _composed_line_of(root, key_path)


def _repo_yaml(folder: Path) -> list[Path]:
    """The repository's YAML files, and each YAML block of its docs written to ``folder``."""
    blocks = [
        block.split("\n", 1)[1]
        for doc in sorted([REPO / "README.md", *(REPO / "docs").glob("*.md")])
        for block in doc.read_text(encoding="utf-8").split("```")[1::2]
        if block.startswith("yaml\n")
    ]
    return [
        *sorted(path for folder in ("scenarios", "pricing", "tests") for path in (REPO / folder).rglob("*.yaml")),
        *(write(folder / f"block-{index}.yaml", block) for index, block in enumerate(blocks)),
    ]


def test_every_yaml_file_comes_back_the_same(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Data, dates, merge keys, aliases and the line of every key path, for every YAML file and block in the repo."""
    files = [*_repo_yaml(tmp_path), write(tmp_path / "dates.yaml", TEXT)]
    parsed = {}
    for path in files:
        try:
            parsed[path] = read_yaml(path)
        except InputError:
            continue  # a broken input of some test
    assert len(parsed) > 50
    _refuse_parsing(monkeypatch)
    for path, document in parsed.items():
        _same(read_yaml(path), document)


def test_dates_and_aliases(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "f.yaml", TEXT)
    parsed = read_yaml(path)
    _refuse_parsing(monkeypatch)
    cached = read_yaml(path)
    assert repr(cached.data) == repr(parsed.data)  # nan is not equal to itself: compare what each shows
    assert cached.data["again"] is cached.data["base"]
    assert [type(value) for value in cached.data["stamps"]] == [type(value) for value in parsed.data["stamps"]]
    assert repr(cached.data["stamps"]) == repr(parsed.data["stamps"])
    assert repr(cached.data["merged"]["c"]["d"]) == "datetime.date(2026, 3, 4)"
    assert cached.line_of(("merged", "<<", "b", 1)) == parsed.line_of(("merged", "<<", "b", 1)) == 4


def test_errors_read_the_same_from_the_cache(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "f.yaml", TEXT)

    def fail(data: Any) -> None:
        raise InvalidValueError("must be a number", path=("items", 1, "b", "c"))

    messages = []
    for _ in range(2):
        with pytest.raises(InvalidValueError) as caught:
            read_yaml(path).build(fail)
        messages.append(str(caught.value))
        _refuse_parsing(monkeypatch)
    assert messages[0] == messages[1]
    assert messages[0].startswith(f"{path}:14: ")


def test_a_cached_file_imports_no_yaml(cache: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "f.yaml", TEXT)
    script = (
        "import sys; from pathlib import Path; from routecli.loading import read_yaml; "
        f"read_yaml(Path({str(path)!r})); print('yaml' in sys.modules)"
    )
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True) for _ in "12"]
    assert [run.stdout for run in runs] == ["True\n", "False\n"]


def test_syntax_errors_and_empty_files_are_not_cached(cache: Path, tmp_path: Path) -> None:
    for text in ("a: [1, 2\nb: 3\n", "# only a comment\n"):
        for _ in range(2):
            with pytest.raises((YamlSyntaxError, loading.InputFileError)):
                read_yaml(write(tmp_path / "f.yaml", text))
    assert not cache.exists()


@pytest.mark.parametrize(
    "text",
    ["{2026-01-02: a}", "!!set {2026-01-02}", "!!omap [{a: 2026-01-02}]"],
    ids=["date key", "set of dates", "pairs"],
)
def test_data_marshal_cannot_store_is_parsed_each_time(cache: Path, tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "f.yaml", text)
    first = repr(read_yaml(path).data)
    assert repr(read_yaml(path).data) == first
    assert not cache.exists()


def test_an_edited_file_is_parsed_again(cache: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "f.yaml", TEXT)
    assert read_yaml(path).data["name"] == "x"
    write(path, TEXT.replace("name: x", "name: y"))
    assert read_yaml(path).data["name"] == "y"
    assert len(list(cache.iterdir())) == 2


def _checksummed(payload: bytes) -> bytes:
    return hashlib.sha256(payload).digest() + payload


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-7],
        lambda data: b"",
        lambda data: data[:40] + bytes([data[40] ^ 1]) + data[41:],
        lambda data: _checksummed(b"\x00"),
        lambda data: _checksummed(marshal.dumps([1])),
        lambda data: _checksummed(marshal.dumps(({"a": 1}, None, [(("b",), "a", False, "2026-01-02")]))),
        lambda data: _checksummed(marshal.dumps(({"a": 1}, None, [((), "a", False, "x")]))),
    ],
    ids=["truncated", "empty", "flipped bit", "garbage", "not a document", "date outside the data", "bad date"],
)
def test_a_damaged_entry_is_ignored_and_replaced(cache: Path, tmp_path: Path, damage: Any) -> None:
    path = write(tmp_path / "f.yaml", TEXT)
    expected = read_yaml(path)
    (entry,) = cache.iterdir()
    good = entry.read_bytes()
    entry.write_bytes(damage(good))
    _same(read_yaml(path), expected)
    assert entry.read_bytes() == good


def test_an_unwritable_cache_is_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = write(tmp_path / "not-a-folder", "")
    monkeypatch.setenv("ROUTECLI_CACHE_DIR", str(blocker))
    path = write(tmp_path / "f.yaml", TEXT)
    assert read_yaml(path).data["name"] == read_yaml(path).data["name"] == "x"
    assert blocker.read_text() == ""


def test_a_change_to_the_reader_is_a_new_key(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = loading._cache_entry(TEXT)
    loading._reader_digest.cache_clear()
    monkeypatch.setattr(loading, "_CACHE_FORMAT", loading._CACHE_FORMAT + 1)
    try:
        assert loading._cache_entry(TEXT) != before
    finally:
        loading._reader_digest.cache_clear()
