"""Reading a prompt file for ``routecli replay``: every line checked by ``prompts.parse_prompt``, errors naming the
file and line."""

from __future__ import annotations

import sys
from pathlib import Path

from routecli._gc import no_collection
from routecli.errors import InputFileError, InvalidValueError
from routecli.loading import decode_text
from routecli.replay.prompts import InvalidLine, Prompt, PromptFile, parse_prompt
from routecli.replay.quality import MatchMode

__all__ = ["read_prompts"]


def read_prompts(path: Path, *, skip_invalid: bool = False, default_match: MatchMode = "exact") -> PromptFile:
    """Read and check every line of a prompt file.

    The first bad line raises ``InvalidValueError`` with the file and line;
    with ``skip_invalid`` bad lines (duplicate ids among them) are collected in
    ``invalid`` instead. A file with no valid prompt is an error either way.
    ``default_match`` is how a plain-text ``expected`` is compared. ``-`` reads the prompts on standard input
    (named ``<stdin>`` in errors).
    """
    stdin = str(path) == "-"
    source = "<stdin>" if stdin else str(path)
    try:
        data = sys.stdin.buffer.read() if stdin else path.read_bytes()
    except FileNotFoundError:
        raise InputFileError("prompt file not found", source=source) from None
    except OSError as error:
        raise InputFileError(f"cannot read the prompt file: {error.strerror or error}", source=source) from None
    text = decode_text(data, source)  # editors on Windows may start the file with a byte-order mark: dropped

    with no_collection():
        prompts, invalid = _parse_lines(text, source, skip_invalid, default_match)
    if not prompts:
        if invalid:
            first_bad = invalid[0]
            raise InvalidValueError(
                f"no valid prompts in the file: all {len(invalid)} lines are invalid "
                f"(the first, on line {first_bad.line}: {first_bad.message})",
                source=source,
            )
        raise InvalidValueError("no prompts in the file", source=source)
    return PromptFile(path, prompts, invalid)


def _parse_lines(
    text: str, source: str, skip_invalid: bool, default_match: MatchMode
) -> tuple[list[Prompt], list[InvalidLine]]:
    """The file's valid prompts and, with ``skip_invalid``, its bad lines; otherwise the first bad line raises."""
    prompts: list[Prompt] = []
    invalid: list[InvalidLine] = []
    first_line_of: dict[str, int] = {}
    # Only "\n" ends a line: str.splitlines would also split at U+2028, which JSON strings may hold.
    for number, line_text in enumerate(text.split("\n"), start=1):
        if not line_text or line_text.isspace():
            continue
        try:
            prompt = parse_prompt(line_text, number, default_match=default_match)
            first = first_line_of.setdefault(prompt.id, number)
            if first != number:
                raise InvalidValueError(f"duplicate id {prompt.id!r}, first used on line {first}", path=("id",))
        except InvalidValueError as error:
            if not skip_invalid:
                raise error.located(source, number) from None
            invalid.append(InvalidLine(number, str(error)))
            continue
        prompts.append(prompt)
    return prompts, invalid
