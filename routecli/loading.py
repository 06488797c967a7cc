"""Reading YAML files, with errors that name the file, the line and the key path.

A file read before, with the same text, comes from the user's cache of parsed
files (``yaml/`` in ``user_cache_dir()``): its data and the line of every key
path, so that every message reads as if it had been parsed. Importing PyYAML
and parsing cost more than building and simulating a scenario; a cached file
needs neither.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from routecli import __version__
from routecli.errors import InputError, InputFileError, KeyPath, YamlSyntaxError
from routecli.user_cache import read_entry, user_cache_dir, write_entry

if TYPE_CHECKING:
    import yaml

__all__ = ["YamlDocument", "decode_text", "not_text", "parse_yaml", "read_yaml"]

T = TypeVar("T")

Lines: TypeAlias = "dict[str, tuple[int, Lines]] | list[tuple[int, Lines]] | None"
"""Where each key path stands: a mapping's keys or a sequence's items, each with its 1-based line and what it holds."""


@functools.cache
def _loader() -> type[yaml.SafeLoader]:
    """The safe loader (libyaml's where installed), refusing a key given twice in one mapping."""
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc,valid-type]
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

    return Loader


_TAB_HINT = "; YAML indents with spaces, not tabs"
_ESCAPE_HINT = (
    r"; in double quotes a backslash starts an escape (\d is none): write a regular expression in single quotes, "
    r"'\d+', where a backslash is itself"
)


class YamlDocument:
    """A parsed YAML file that can say on which line a key path stands."""

    def __init__(self, path: Path, text: str, data: Any, lines: Lines) -> None:
        self.path = path
        self.text = text
        self.data = data
        self._lines = lines

    @property
    def name(self) -> str:
        return str(self.path)

    def line_of(self, key_path: KeyPath) -> int | None:
        """The 1-based line of the deepest part of ``key_path`` found in the file."""
        lines = self._lines
        line = None
        for part in key_path:
            if isinstance(lines, dict):
                found = lines.get(str(part))
                if found is None:
                    return line
            elif isinstance(lines, list) and isinstance(part, int):
                if part >= len(lines):
                    return line
                found = lines[part]
            else:
                return line
            line, lines = found
        return line

    def build(self, builder: Callable[[Any], T]) -> T:
        """Run ``builder`` on the data; locate any ``InputError`` it raises in this file."""
        try:
            return builder(self.data)
        except InputError as error:
            if error.source is None:
                error.located(self.name, self.line_of(error.path))
            raise


_BOM = b"\xef\xbb\xbf"


def not_text(data: bytes, source: str, *, at: int = 0) -> InputFileError | None:
    """Why ``data`` is not a text file, naming the first offending byte's offset; None when it is UTF-8 text.

    A NUL byte counts as binary: it is valid UTF-8, but no text file of ours holds one (an image, a gzip or a
    parquet file does). Every reader of a user's text file says it this one way, not with a codec's message.
    ``at`` is where ``data`` starts in the file, for readers that check a file line by line (a byte-order mark
    is only skipped at the file's start).
    """
    start = len(_BOM) if at == 0 and data.startswith(_BOM) else 0
    try:
        data[start:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = start + error.start
        return InputFileError(
            f"not a text file (UTF-8): byte 0x{data[offset]:02x} at offset {at + offset} is not UTF-8", source=source
        )
    if (offset := data.find(b"\0")) >= 0:
        return InputFileError(f"not a text file (UTF-8): a NUL byte at offset {at + offset}", source=source)
    return None


def decode_text(data: bytes, source: str) -> str:
    """``data`` as text, a leading byte-order mark (Windows editors write one) dropped; else ``not_text``'s error."""
    error = not_text(data, source)
    if error is not None:
        raise error
    return data[len(_BOM) :].decode() if data.startswith(_BOM) else data.decode()


def read_yaml(path: Path, what: str = "file") -> YamlDocument:
    """Read and parse one YAML file (or take it from the cache); missing files and syntax errors are ``InputError``.

    A binary file is refused before the cache is asked: its key is the decoded text.
    ``-`` is the document on standard input (``routecli simulate -``), named ``<stdin>`` in errors.
    """
    if str(path) == "-":
        return parse_yaml(sys.stdin.read(), Path("<stdin>"))
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{what} not found", source=str(path)) from None
    except IsADirectoryError:
        raise InputFileError(f"expected a {what}, got a directory", source=str(path)) from None
    except OSError as error:
        raise InputFileError(f"cannot read {what}: {error}", source=str(path)) from None
    text = decode_text(data, str(path))
    entry = _cache_entry(text)
    cached = None if entry is None else _read_cached(entry)
    if cached is not None:
        return YamlDocument(path, text, *cached)
    document = parse_yaml(text, path)
    if entry is not None:
        _write_cached(entry, document)
    return document


def parse_yaml(text: str, path: Path) -> YamlDocument:
    """Parse YAML text read from ``path``; syntax errors name the file and line."""
    import yaml

    loader = _loader()(text)
    try:
        node = loader.get_single_node()
        lines = _line_map(node)  # before constructing: merge keys (<<) rewrite the mapping nodes
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        problem = error.problem or "invalid YAML"
        if error.context:
            problem = f"{error.context}, {problem}"
        text_lines = text.splitlines()
        if line is not None and 0 < line <= len(text_lines) and "\t" in text_lines[line - 1]:
            problem += _TAB_HINT
        if "unknown escape character" in problem:
            problem += _ESCAPE_HINT
        raise YamlSyntaxError(f"YAML syntax error: {problem}", source=str(path), line=line) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(f"YAML syntax error: {error}", source=str(path)) from None
    finally:
        loader.dispose()
    if data is None:
        raise InputFileError("the file is empty (or only comments)", source=str(path))
    return YamlDocument(path, text, data, lines)


def _line_map(root: yaml.Node | None) -> Lines:
    """The line of every key path under ``root``; a node reached twice (an alias) is mapped once, and shared."""
    import yaml

    made: dict[int, Lines] = {}
    todo: list[yaml.Node] = []

    def lines_of(node: yaml.Node | None) -> Lines:
        if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            return None
        if id(node) not in made:
            made[id(node)] = {} if isinstance(node, yaml.MappingNode) else []
            todo.append(node)
        return made[id(node)]

    top = lines_of(root)
    while todo:
        node = todo.pop()
        lines = made[id(node)]
        if isinstance(lines, dict):
            for key_node, value_node in node.value:
                if isinstance(key_node.value, str) and key_node.value not in lines:  # the first of equal keys
                    lines[key_node.value] = (key_node.start_mark.line + 1, lines_of(value_node))
        elif isinstance(lines, list):
            lines.extend((item.start_mark.line + 1, lines_of(item)) for item in node.value)
    return top


# ------------------------------------------------------------------ the cache of parsed files

_CACHE_FORMAT = 1
"""Raise when the stored form of a document changes."""


@functools.cache
def _reader_digest() -> bytes | None:
    """One hash of routecli's version and this module, which reads the files (None: it cannot be read)."""
    digest = hashlib.sha256(f"{_CACHE_FORMAT}\0{__version__}\0".encode())
    try:
        digest.update(Path(__file__).read_bytes())
    except OSError:
        return None
    return digest.digest()


def _cache_entry(text: str) -> Path | None:
    """The cache file of the YAML ``text``, keyed by it and by the code that reads it."""
    reader = _reader_digest()
    if reader is None:
        return None
    key = hashlib.sha256(reader + text.encode()).hexdigest()
    return user_cache_dir() / "yaml" / f"{key}.marshal"


_Dated = list[tuple[tuple[Any, ...], Any, bool, str]]
"""Each date in the data: the keys to its mapping or sequence, its key there, whether it has a time, its ISO text."""


def _dates(data: Any) -> list[tuple[tuple[Any, ...], Any, Any, date]]:
    """Every date and timestamp that is a mapping's value or a sequence's item (``marshal`` stores neither).

    Each with the keys to its mapping or sequence, that container, and its key there.
    """
    found = []
    seen: set[int] = set()
    todo: list[tuple[tuple[Any, ...], Any]] = [((), data)] if isinstance(data, dict | list) else []
    while todo:
        path, container = todo.pop()
        if id(container) in seen:
            continue  # an alias: the stored data shares it too
        seen.add(id(container))
        items = container.items() if isinstance(container, dict) else enumerate(container)
        for key, value in items:
            if isinstance(value, date):
                found.append((path, container, key, value))
            elif isinstance(value, dict | list):
                todo.append(((*path, key), value))
    return found


def _write_cached(entry: Path, document: YamlDocument) -> None:
    """Store ``document``'s data and lines in ``entry``; data ``marshal`` cannot store is not cached."""
    found = _dates(document.data)
    dated: _Dated = [(path, key, isinstance(value, datetime), value.isoformat()) for path, _, key, value in found]
    try:
        for _, container, key, _ in found:
            container[key] = None  # for marshal; put back below
        payload = marshal.dumps((document.data, document._lines, dated))
    except ValueError:  # a set, pairs or a mapping's key holding a date, or nesting too deep
        return
    finally:
        for _, container, key, value in found:
            container[key] = value
    write_entry(entry, payload)


def _read_cached(entry: Path) -> tuple[Any, Lines] | None:
    """The data and lines stored in ``entry``; None when it is missing, unreadable or damaged."""
    payload = read_entry(entry)
    if payload is None:
        return None
    try:
        data, lines, dated = marshal.loads(payload)
        for path, key, timed, text in dated:
            _at(data, path)[key] = _date(timed, text)
    except (EOFError, ValueError, TypeError, KeyError, IndexError):
        return None
    return data, lines


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _date(timed: bool, text: str) -> date:
    return datetime.fromisoformat(text) if timed else date.fromisoformat(text)
