"""Sweeps: simulate a scenario again and again with one or two of its values varied.

A parameter is a key path into the scenario file, with list items picked by
name: ``strategies.cascade.accept.light`` is the ``accept.light`` of the
strategy named ``cascade``. Each variation is the file's data with the value
replaced, validated and built afresh — so a value the file could not hold is
an error naming the path and the value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import product
from typing import Any, NamedTuple

from routecli.errors import InvalidValueError
from routecli.simulate.costmodel import SimulationResult, StrategyResult
from routecli.simulate.params import Param, ScenarioData, param_note, resolve_param, simulate_with, typed_value

__all__ = [
    "MAX_POINTS",
    "Axis",
    "SweepPoint",
    "SweepResult",
    "parse_values",
    "read_vary",
    "run_sweep",
]

MAX_POINTS = 10_000
"""Most simulations one sweep may ask for (about half a millisecond each)."""


class Axis(NamedTuple):
    """One varied parameter: its key path as given and the values it takes."""

    path: str
    values: tuple[Decimal, ...]


class SweepPoint(NamedTuple):
    """One simulation of the sweep: the axes' values (in axis order) and its result."""

    values: tuple[Decimal, ...]
    result: SimulationResult


@dataclass(frozen=True, slots=True)
class SweepResult:
    """Every point of a one- or two-parameter sweep.

    ``points`` run through the first axis' values, and for each of them through
    the second's (row-major). ``focus`` names the strategies a grid or heatmap
    shows; ``shown`` the ones every view shows when ``--strategy`` named them
    (empty: all); ``notes`` say what else changed with a value (shares rescaled …).
    """

    scenario: str
    baseline: str
    currency: str
    axes: tuple[Axis, ...]
    points: tuple[SweepPoint, ...]
    focus: tuple[str, ...]
    notes: tuple[str, ...] = ()
    shown: tuple[str, ...] = ()

    @property
    def strategies(self) -> tuple[str, ...]:
        """The strategies the tables, charts and files show."""
        return self.shown or tuple(strategy.name for strategy in self.points[0].result.strategies)

    def picked(self, point: SweepPoint) -> tuple[StrategyResult, ...]:
        """``point``'s results of the strategies shown."""
        return tuple(point.result.strategy(name) for name in self.strategies)

    def grid(self) -> list[list[SweepPoint]]:
        """Two-parameter sweeps: rows by the first axis' values, columns by the second's."""
        width = len(self.axes[-1].values)
        return [list(self.points[start : start + width]) for start in range(0, len(self.points), width)]


def _number(text: str, what: str, spec: str, share: bool) -> Decimal:
    value = typed_value(text, share, spec.partition("=")[0].strip(), f"--vary {spec}")
    if value is None:
        raise InvalidValueError(f"--vary {spec}: {what} {text.strip()!r} is not a number")
    return value


def parse_values(spec: str, share: bool = False) -> tuple[str, tuple[Decimal, ...]]:
    """``PATH=START:STOP:STEP`` (STOP included when a step lands on it) or ``PATH=V1,V2,…``.

    Values are exact decimals: 0.5:1.0:0.05 gives 0.50, 0.55, … 1.00 with no drift. Where the parameter is a
    share (``share``, from ``Param.share``: see ``read_vary``), a value may be a percentage: 40% is 0.4.
    """
    path, sep, values = spec.partition("=")
    if not sep or not path.strip() or not values.strip():
        raise InvalidValueError(f"--vary {spec!r}: expected PATH=START:STOP:STEP or PATH=V1,V2,...")
    if ":" not in values:
        return path.strip(), tuple(_number(part, "value", spec, share) for part in values.split(","))
    bounds = values.split(":")
    if len(bounds) != 3:
        raise InvalidValueError(f"--vary {spec!r}: expected START:STOP:STEP, three numbers")
    start, stop, step = (
        _number(part, name, spec, share) for part, name in zip(bounds, ("start", "stop", "step"), strict=True)
    )
    if step <= 0:
        raise InvalidValueError(f"--vary {spec!r}: the step must be above 0")
    if stop < start:
        raise InvalidValueError(f"--vary {spec!r}: stop {stop} is below start {start}")
    count = int((stop - start) / step) + 1
    if count > MAX_POINTS:
        raise InvalidValueError(f"--vary {spec!r}: {count:,} values; at most {MAX_POINTS:,}")
    return path.strip(), tuple(start + step * index for index in range(count))


def read_vary(source: ScenarioData, specs: Sequence[str]) -> list[tuple[str, tuple[Decimal, ...]]]:
    """The ``--vary`` options' paths and values, each read once its path is resolved: 40% is 0.4 for a share."""
    _check_axes(len(specs))
    varied = []
    for spec in specs:
        path, sep, _ = spec.partition("=")
        share = bool(sep and path.strip()) and resolve_param(source.data, path.strip(), source.spec).share
        varied.append(parse_values(spec, share))
    return varied


def _check_axes(count: int) -> None:
    if not 1 <= count <= 2:
        raise InvalidValueError(f"give one or two --vary options, not {count}")


def _named_strategy(param: Param, data: Any) -> str | None:
    """The strategy a parameter belongs to, if it is one strategy's."""
    if param.key_path[0] != "strategies":
        return None
    name: str = data["strategies"][param.key_path[1]]["name"]
    return name


def run_sweep(
    source: ScenarioData, varied: Sequence[tuple[str, Sequence[Decimal]]], focus: Sequence[str] = ()
) -> SweepResult:
    """Simulate every combination of the varied parameters' values (at most two parameters).

    ``focus`` picks the strategies grids show; by default the ones the parameters
    belong to, else every strategy but the baseline.
    """
    _check_axes(len(varied))
    data = source.data
    params = [resolve_param(data, path, source.spec) for path, _ in varied]
    if len(params) == 2 and params[0].key_path == params[1].key_path:
        raise InvalidValueError(f"--vary names {params[0].text!r} twice")
    axes = tuple(Axis(param.text, tuple(values)) for param, (_, values) in zip(params, varied, strict=True))
    total = 1
    for axis in axes:
        total *= len(axis.values)
    if total > MAX_POINTS:
        raise InvalidValueError(f"the sweep has {total:,} points; at most {MAX_POINTS:,}")
    written = source.build()  # the file as written: its strategy names, checked before any simulation
    names = [strategy.name for strategy in written.strategies]
    for name in focus:
        if name not in names:
            raise InvalidValueError(f"--strategy: unknown strategy {name!r}; defined: {', '.join(names)}")
    chosen = list(dict.fromkeys(focus)) or [
        name for name in dict.fromkeys(_named_strategy(param, data) for param in params) if name
    ]
    if not chosen:
        chosen = [name for name in names if name != written.baseline]
    points = tuple(
        SweepPoint(tuple(combo), simulate_with(source, list(zip(params, combo, strict=True))))
        for combo in product(*(axis.values for axis in axes))
    )
    first = points[0].result
    notes = [note for param in params if (note := param_note(param))]
    return SweepResult(
        scenario=first.scenario,
        baseline=first.baseline,
        currency=first.currency,
        axes=axes,
        points=points,
        focus=tuple(chosen),
        notes=tuple(notes),
        shown=tuple(dict.fromkeys(focus)),
    )
