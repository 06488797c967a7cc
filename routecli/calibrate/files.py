"""``routecli calibrate`` as one call: decision logs read, measured, and written as a scenario checked by loading it.

The logs are read by the replay's own reader (``routecli.replay.log``); segments
by a metadata key come from the prompt file the log's header names. The written
scenario is loaded back as a scenario before the command reports success, so a
file ``calibrate`` writes is one ``simulate`` reads.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from routecli.calibrate.edit import Change, filled
from routecli.calibrate.measure import Calibration, Run, measure
from routecli.calibrate.scenario_text import scenario_text
from routecli.errors import InputFileError, InvalidValueError
from routecli.loading import decode_text
from routecli.replay.log import read_log
from routecli.replay.prompt_file import read_prompts
from routecli.simulate.scenario_file import load_scenario

__all__ = ["Calibrated", "calibrate_files"]

_METADATA = "metadata."


class Calibrated(NamedTuple):
    """What ``calibrate`` measured and wrote, and the values it warns were measured on too few prompts."""

    calibration: Calibration
    written: Path
    warnings: list[str]
    """Key paths of the values measured on fewer than ``min_prompts``, each with its sample size."""
    min_prompts: int
    scenario: Path | None = None
    """The scenario filled in (``--scenario``), None when a new one was written."""
    changes: list[Change] = []  # noqa: RUF012 - a NamedTuple's default, never mutated
    """The values set in ``scenario``, in file order."""


def _metadata(runs: Sequence[Run], key: str) -> dict[str, str]:
    """Each prompt's value of metadata ``key``, by id, from the prompt files the logs name."""
    values: dict[str, str] = {}
    for run in runs:
        named = run.info.prompts
        path = Path(named)
        if not named or not path.is_file():
            raise InputFileError(
                f"--segment-by metadata.{key} reads the prompt file the log names ({named or 'none'}), "
                "which is not there: run calibrate where the replay ran",
                source=run.source,
            )
        for prompt in read_prompts(path, skip_invalid=True).prompts:
            value = prompt.metadata.get(key)
            if value is not None:
                values[prompt.id] = str(value)
    return values


def _read_text(path: Path) -> str:
    try:
        return decode_text(path.read_bytes(), str(path))
    except FileNotFoundError:
        raise InputFileError("scenario not found", source=str(path)) from None
    except OSError as error:
        raise InputFileError(f"cannot read the scenario: {error.strerror or error}", source=str(path)) from None


def _few(change: Change, min_prompts: int) -> bool:
    """Whether a change's note says it was measured on fewer than ``min_prompts``."""
    words = change.note.split()
    return words[0] == "measured:" and int(words[1]) < min_prompts


def calibrate_files(
    logs: Sequence[Path],
    output: Path,
    *,
    requests_per_month: Decimal | None = None,
    segment_by: str = "label",
    min_prompts: int = 30,
    scenario: Path | None = None,
) -> Calibrated:
    """Measure ``logs`` and write the scenario to ``output``: a new one, or ``scenario`` with the measured values
    that match its tiers, segments and chain set."""
    runs = []
    for path in logs:
        contents = read_log(path)
        runs.append(Run(str(path), contents.run, contents.decisions))
    metadata = None
    if segment_by.startswith(_METADATA):
        key = segment_by[len(_METADATA) :]
        if not key:
            raise InvalidValueError("--segment-by metadata.KEY needs a key after 'metadata.'")
        metadata = _metadata(runs, key)
    elif segment_by not in ("label", "router"):
        raise InvalidValueError(f"--segment-by: expected label, router or metadata.KEY, got {segment_by!r}")
    calibration = measure(runs, segment_by, metadata)
    changes: list[Change] = []
    if scenario is None:
        text, warnings = scenario_text(calibration, requests_per_month, min_prompts)
    else:
        if requests_per_month is not None:
            raise InvalidValueError(
                "--requests-per-month sets a new scenario's volume; with --scenario, the scenario's traffic stays"
            )
        original = _read_text(scenario)
        text, changes = filled(original, calibration, str(scenario))
        warnings = [f"{change.key} ({change.note.split()[1]})" for change in changes if _few(change, min_prompts)]
    partial = output.with_name(output.name + ".partial")
    try:
        partial.write_text(text, encoding="utf-8")
        load_scenario(partial)  # what simulate will read: refused here rather than there
        os.replace(partial, output)
    except OSError as error:
        raise InputFileError(f"cannot write the scenario: {error.strerror or error}", source=str(output)) from None
    finally:
        partial.unlink(missing_ok=True)
    return Calibrated(calibration, output, warnings, min_prompts, scenario, changes)
