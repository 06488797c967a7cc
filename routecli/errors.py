"""Every error routecli raises on purpose.

Only the CLI layer turns these into messages and exit codes; the core raises
them and knows nothing of terminals::

    RouteCliError                 exit 1: the run could not finish
    └── InputError                exit 2: the user's input is wrong
        ├── InputFileError        a file is missing or unreadable
        ├── YamlSyntaxError       a file is not valid YAML (with its line)
        └── InvalidValueError     a key or value is wrong (with its key path)
            └── UnknownModelError a model id or alias is in no price table
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "InputError",
    "InputFileError",
    "InvalidValueError",
    "KeyPath",
    "RouteCliError",
    "UnknownModelError",
    "YamlSyntaxError",
    "format_key_path",
]

KeyPath = tuple[str | int, ...]


def format_key_path(path: Sequence[str | int]) -> str:
    """Render ``("strategies", 1, "routes")`` as ``strategies[1].routes``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


class RouteCliError(Exception):
    """Base of routecli's errors; ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class InputError(RouteCliError):
    """The user's input is wrong; the message says where and what was expected."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        path: KeyPath = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.path = path

    def located(self, source: str, line: int | None) -> InputError:
        """Attach the file (and line) the error was found in."""
        self.source = source
        self.line = line
        return self

    def __str__(self) -> str:
        where = ""
        if self.source:
            where = self.source + (f":{self.line}" if self.line else "")
        key = format_key_path(self.path)
        prefix = ": ".join(part for part in (where, key) if part)
        return f"{prefix}: {self.message}" if prefix else self.message


class InputFileError(InputError):
    """A file could not be found or read."""


class YamlSyntaxError(InputError):
    """A file is not valid YAML."""


class InvalidValueError(InputError):
    """A key or value in validated input is wrong."""


class UnknownModelError(InvalidValueError):
    """A model id or alias is in no loaded price table."""
