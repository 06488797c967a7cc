"""What a report was computed from: each input file's SHA-256, and one digest for the prices and one for the rest.

Two reports whose ``prices_sha256`` differ were priced from different tables;
two whose ``setup_sha256`` differ came from a different scenario, router
config or prompt file. ``routecli diff`` reads them to say where a change came
from. Hashing reads the files, so it happens at the edges (the CLI), and the
result is carried by the report objects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["PRICE_TABLE", "InputFile", "Inputs", "hash_inputs", "inputs_from_json", "inputs_to_json"]

PRICE_TABLE = "price table"
"""The role of a price-table file; every other role is part of the setup."""


class InputFile(NamedTuple):
    """One file a report was computed from: what it was (``role``), where, and its SHA-256 (None: unreadable)."""

    role: str
    path: str
    sha256: str | None


class Inputs(NamedTuple):
    """Every input file of a report, in the order given."""

    files: tuple[InputFile, ...]

    @property
    def prices_sha256(self) -> str:
        return _digest(file for file in self.files if file.role == PRICE_TABLE)

    @property
    def setup_sha256(self) -> str:
        return _digest(file for file in self.files if file.role != PRICE_TABLE)


def _digest(files: Iterable[InputFile]) -> str:
    """One hash of files' roles and contents (not their paths: a moved file is the same input), order-free."""
    lines = sorted(f"{file.role}\t{file.sha256 or '-'}" for file in files)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def hash_inputs(files: Iterable[tuple[str, Path]]) -> Inputs:
    """The SHA-256 of each ``(role, path)`` (each path once, first role wins); an unreadable file hashes to None."""
    seen: set[Path] = set()
    hashed: list[InputFile] = []
    for role, path in files:
        key = path.resolve()
        if key in seen:
            continue
        seen.add(key)
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digest = None
        hashed.append(InputFile(role, str(path), digest))
    return Inputs(tuple(hashed))


def inputs_to_json(inputs: Inputs) -> dict[str, Any]:
    return {
        "files": [{"role": file.role, "path": file.path, "sha256": file.sha256} for file in inputs.files],
        "prices_sha256": inputs.prices_sha256,
        "setup_sha256": inputs.setup_sha256,
    }


def inputs_from_json(document: Mapping[str, Any]) -> Inputs:
    """The inputs a report or log recorded (``ValueError``/``KeyError`` when malformed, for the reader to locate)."""
    return Inputs(
        tuple(InputFile(str(item["role"]), str(item["path"]), item.get("sha256")) for item in document["files"])
    )
