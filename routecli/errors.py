"""Every error routecli raises on purpose, and every exit code the CLI uses.

Only the CLI layer turns these into messages and exit codes; the core raises
them and knows nothing of terminals::

    RouteCliError                 exit 1: the run could not finish
    ├── InputError                exit 2: the user's input is wrong
    │   ├── InputFileError        a file is missing or unreadable
    │   ├── YamlSyntaxError       a file is not valid YAML (with its line)
    │   ├── InvalidValueError     a key or value is wrong (with its key path)
    │   │   └── UnknownModelError a model id or alias is in no price table
    │   └── ProviderUnusableError ``replay``: a provider never answered (no connection; 401/403/404)
    └── ProviderError             a request got no usable reply (defined in routecli.providers, the
                                  HTTP edge; replay records it against the call, elsewhere it stops the run)

Exit codes (README lists them for users):

    0    EXIT_OK           success; ``check`` and ``replay --baseline``: every limit held
    1    EXIT_FAILED       the run failed: a ``check`` rule failed, ``tune`` found no threshold
                           reaching the floor, a ``replay`` prompt got no answer, a tier's
                           share moved more than ``--tolerance``
    2    EXIT_INPUT        bad input (``InputError``) or bad usage (typer's own)
    3    EXIT_BUDGET       ``replay`` stopped at its ``--max-spend`` budget
    130  EXIT_INTERRUPTED  ``replay`` interrupted (SIGINT, Ctrl-C): 128 + 2, as shells report it
    143  EXIT_TERMINATED   ``replay`` terminated (SIGTERM): 128 + 15
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "EXIT_BUDGET",
    "EXIT_FAILED",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TERMINATED",
    "STOP_EXIT_CODES",
    "InputError",
    "InputFileError",
    "InvalidValueError",
    "KeyPath",
    "ProviderUnusableError",
    "RouteCliError",
    "UnknownModelError",
    "YamlSyntaxError",
    "format_key_path",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INPUT = 2
EXIT_BUDGET = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
STOP_EXIT_CODES = {"budget": EXIT_BUDGET, "interrupted": EXIT_INTERRUPTED, "terminated": EXIT_TERMINATED}
"""The exit code of a ``replay`` that stopped early, by why it stopped (``RunResult.stopped``)."""

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

    exit_code = EXIT_FAILED


class InputError(RouteCliError):
    """The user's input is wrong; the message says where and what was expected."""

    exit_code = EXIT_INPUT

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


class ProviderUnusableError(InputError):
    """A provider that has never answered cannot be reached, or refuses every model: its config is wrong, so
    ``replay`` stops rather than retry every prompt against it."""
