"""Reading ``evaluate --exclude FILE``: the prompt ids to leave out (RouteLLM drops contaminated prompts so).

One id per line, as the outcomes name their prompts (a RouteLLM CSV's row
number, ``mmlu_anatomy:12`` when several files are read); blank lines and lines
starting with ``#`` are skipped, spaces around an id dropped.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from routecli.errors import InputFileError, InvalidValueError
from routecli.loading import decode_text

__all__ = ["Exclusions", "read_exclusions"]


class Exclusions(NamedTuple):
    """The ids listed in ``source``, each with the line that lists it."""

    source: str
    lines: dict[str, int]


def read_exclusions(path: Path) -> Exclusions:
    """The ids ``path`` lists; ``InputFileError`` when it cannot be read, ``InvalidValueError`` (file and line)
    when an id repeats or it lists none."""
    source = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError("exclude file not found", source=source) from None
    except OSError as error:
        raise InputFileError(f"cannot read the exclude file: {error.strerror or error}", source=source) from None
    lines: dict[str, int] = {}
    for number, text in enumerate(decode_text(data, source).split("\n"), start=1):
        prompt_id = text.strip()
        if not prompt_id or prompt_id.startswith("#"):
            continue
        if prompt_id in lines:
            first = lines[prompt_id]
            message = f"prompt id {prompt_id!r} is listed twice (first on line {first})"
            raise InvalidValueError(message, source=source, line=number)
        lines[prompt_id] = number
    if not lines:
        raise InvalidValueError("no prompt ids in the exclude file (one a line)", source=source)
    return Exclusions(source, lines)
