"""Break-even points: where one strategy starts (or stops) paying against another, or meets a quality floor.

Solves g(x) = 0 over a parameter's range, where g is the cost difference of two
strategies (or a strategy's quality minus the floor). Most parameters enter the
model linearly — acceptance, router accuracy, a segment's share, a price — and
then g is a straight line: five exact (Decimal) evaluations prove it and one
division gives the exact root. Elsewhere (quality under tpr/fpr, long-context
thresholds) a scan finds sign changes and regula falsi narrows each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from routecli.errors import InvalidValueError
from routecli.simulate.costmodel import CURRENCY, SimulationResult
from routecli.simulate.params import Param, ScenarioData, param_note, resolve_param, simulate_with, typed_value

__all__ = ["BreakEven", "Crossing", "find_breakeven", "insights"]

ZERO = Decimal(0)
ONE = Decimal(1)
_PROBES = 5
_SCAN = 64
_PRECISION = Decimal("1e-12")  # a root is refined until it moves less than this share of the range
_MAX_STEPS = 200
_MAX_ROOTS = 5
_DEFAULT_SPAN = Decimal(10)  # unbounded parameters: search 0 … 10 × the current value


class Crossing(NamedTuple):
    """A value where g changes sign; ``rising`` when g goes from negative to positive."""

    value: Decimal
    rising: bool


class BreakEven(NamedTuple):
    """The answer, with what the two ends of the range look like.

    ``gap_low``/``gap_high`` are g at the range's ends: the cost of ``strategy``
    minus that of ``against`` (positive: it costs more), or its quality minus
    ``quality_floor``.
    """

    scenario: str
    strategy: str
    against: str | None
    quality_floor: Decimal | None
    param: str
    low: Decimal
    high: Decimal
    current: Decimal | None
    method: Literal["linear", "search"]
    crossings: tuple[Crossing, ...]
    gap_low: Decimal
    gap_high: Decimal
    currency: str
    notes: tuple[str, ...] = ()


def _with_baseline(data: Any, name: str) -> Any:
    """The scenario data with ``name`` the baseline.

    Every strategy stays at its index in the file, so key paths and error lines stay the file's.
    """
    return {**data, "baseline": name}


def _gap_function(
    source: ScenarioData, data: Any, param: Param, strategy: str, against: str | None, floor: Decimal | None
) -> Callable[[Decimal], Decimal]:
    compared = [strategy] if against is None else [strategy, against]

    def gap(value: Decimal) -> Decimal:
        result: SimulationResult = simulate_with(source, [(param, value)], data, only=compared)
        mine = result.strategy(strategy)
        if against is not None:
            return mine.monthly_cost - result.strategy(against).monthly_cost
        assert floor is not None
        if mine.quality is None:
            raise InvalidValueError(
                f"strategy {strategy!r} has no quality (give its models' quality) for --quality-floor"
            )
        return mine.quality - floor

    return gap


def _is_linear(points: Sequence[tuple[Decimal, Decimal]]) -> bool:
    """Equally spaced samples on one straight line (to Decimal's precision)."""
    values = [gap for _, gap in points]
    scale = max(abs(value) for value in values) or ONE
    tolerance = scale.scaleb(-20)
    return all(abs(values[i - 1] - 2 * values[i] + values[i + 1]) <= tolerance for i in range(1, len(values) - 1))


def _linear_root(low: Decimal, high: Decimal, g_low: Decimal, g_high: Decimal) -> tuple[Crossing, ...]:
    if g_low == g_high or (g_low > 0 and g_high > 0) or (g_low < 0 and g_high < 0):
        return ()
    root = low + (high - low) * g_low / (g_low - g_high)
    return (Crossing(root, g_high > g_low),)


def _refine(
    gap: Callable[[Decimal], Decimal], a: Decimal, b: Decimal, g_a: Decimal, g_b: Decimal, width: Decimal
) -> Decimal:
    """A root in [a, b], where g changes sign, by regula falsi with the Illinois fix.

    Each step cuts where the chord crosses zero; an end that stays put twice has
    its value halved, so both ends close in (superlinear, unlike plain bisection).
    """
    previous = c = a
    side = 0
    for _ in range(_MAX_STEPS):
        c = (a * g_b - b * g_a) / (g_b - g_a)
        g_c = gap(c)
        if g_c == 0 or abs(c - previous) <= width:
            return c
        previous = c
        if (g_c > 0) == (g_b > 0):
            b, g_b = c, g_c
            if side == -1:
                g_a /= 2
            side = -1
        else:
            a, g_a = c, g_c
            if side == 1:
                g_b /= 2
            side = 1
    return c


def _scan_roots(
    gap: Callable[[Decimal], Decimal], low: Decimal, high: Decimal, scan: int, precision: Decimal
) -> tuple[Crossing, ...]:
    step = (high - low) / scan
    width = (high - low) * precision
    xs = [low + step * index for index in range(scan)] + [high]
    gs = [gap(x) for x in xs]
    roots: list[Crossing] = []
    for (x0, g0), (x1, g1) in zip(zip(xs, gs, strict=True), zip(xs[1:], gs[1:], strict=True), strict=False):
        if g0 == 0:
            roots.append(Crossing(x0, g1 > 0))
        elif g1 != 0 and (g0 > 0) != (g1 > 0):
            roots.append(Crossing(_refine(gap, x0, x1, g0, g1, width), g1 > g0))
        if len(roots) == _MAX_ROOTS:
            break
    return tuple(roots)


def _typed_range(param: Param, text: str) -> tuple[Decimal, Decimal]:
    """``--range LOW:HIGH`` as typed, read once the parameter is known: ``0%:50%`` where it is a share."""
    low, sep, high = text.partition(":")
    if sep:
        low_value, high_value = (typed_value(end, param.share, param.text, "--range") for end in (low, high))
        if low_value is not None and high_value is not None:
            return low_value, high_value
    raise InvalidValueError(f"--range {text!r}: expected LOW:HIGH, e.g. 0:1")


def _range(param: Param, given: tuple[Decimal, Decimal] | str | None) -> tuple[Decimal, Decimal]:
    if isinstance(given, str):
        given = _typed_range(param, given)
    if given is not None:
        low, high = given
        if high <= low:
            raise InvalidValueError(f"--range: the high end {high} must be above the low end {low}")
        for end in given:
            if (param.minimum is not None and end < param.minimum) or (
                param.maximum is not None and end > param.maximum
            ):
                raise InvalidValueError(
                    f"--range: {end} is outside what {param.text} may be ({param.minimum} to {param.maximum})"
                )
        return given
    low = param.minimum if param.minimum is not None else ZERO
    if param.maximum is not None and param.maximum <= ONE:
        return low, param.maximum
    if param.current is None or not param.current:
        raise InvalidValueError(f"{param.text} has no upper bound here: give --range LOW:HIGH")
    high = param.current * _DEFAULT_SPAN
    if param.maximum is not None:
        high = min(high, param.maximum)
    return low, high


def find_breakeven(
    source: ScenarioData,
    strategy: str,
    path: str,
    *,
    against: str | None = None,
    quality_floor: Decimal | None = None,
    value_range: tuple[Decimal, Decimal] | str | None = None,
    scan: int = _SCAN,
    precision: Decimal = _PRECISION,
) -> BreakEven:
    """Where ``strategy`` costs the same as ``against`` (or its quality meets ``quality_floor``) as ``path`` varies.

    Without a floor, ``against`` defaults to the scenario's baseline. Probability-like
    parameters are searched over 0 … 1, others over ``value_range`` or 0 … 10 × their
    current value. ``value_range`` as typed (``LOW:HIGH``) is read once the parameter's
    kind is known: ``0%:50%`` is 0 … 0.5 for a share and refused for a price. Where ``g``
    is not linear, ``scan`` equal steps look for sign changes and each is narrowed to
    ``precision`` of the range. A cost gap proportional to the parameter (traffic: both
    strategies scale together) has no break-even but 0.
    """
    if against is not None and quality_floor is not None:
        raise InvalidValueError("give --against STRATEGY or --quality-floor Q, not both")
    names = [item.get("name") for item in source.data["strategies"] if isinstance(item, dict)]
    if against is None and quality_floor is None:
        against = str(source.data.get("baseline") or names[0])
        if against == strategy:
            raise InvalidValueError(
                f"{strategy!r} is the scenario's baseline, the default --against: give --against STRATEGY "
                "or --quality-floor Q"
            )
    for name in (strategy, against):
        if name is not None and name not in names:
            raise InvalidValueError(f"unknown strategy {name!r}; defined: {', '.join(map(str, names))}")
    if against == strategy:
        raise InvalidValueError(f"--against names {strategy!r}, the strategy itself")
    data = _with_baseline(source.data, against or strategy)
    param = resolve_param(data, path, source.spec)
    if param.key_path[0] == "strategies":
        owner = data["strategies"][param.key_path[1]].get("name")
        if owner not in (strategy, against):
            raise InvalidValueError(
                f"{param.text} belongs to strategy {owner!r}, which is not compared here: it cannot move the break-even"
            )
    low, high = _range(param, value_range)
    evaluate = _gap_function(source, data, param, strategy, against, quality_floor)
    seen: dict[Decimal, Decimal] = {}

    def gap(value: Decimal) -> Decimal:  # the probes fall on the scan's grid: simulate each point once
        if value not in seen:
            seen[value] = evaluate(value)
        return seen[value]

    step = (high - low) / (_PROBES - 1)
    probes = [(x, gap(x)) for x in (low + step * index for index in range(_PROBES - 1))]
    probes.append((high, gap(high)))
    linear = _is_linear(probes)
    g_low, g_high = probes[0][1], probes[-1][1]
    crossings = _linear_root(low, high, g_low, g_high) if linear else _scan_roots(gap, low, high, scan, precision)
    notes = [note] if (note := param_note(param)) else []
    if against is not None and linear and low == 0 and g_low == 0 and g_high != 0:
        crossings = ()  # g = k·x: the costs meet only at 0, where both are nothing
        notes.insert(
            0,
            f"{strategy} and {against} scale together with {param.text}: each costs in proportion to it, so they "
            "meet only at 0, where both cost nothing; there is no meaningful break-even",
        )
    return BreakEven(
        scenario=source.name,
        strategy=strategy,
        against=against,
        quality_floor=quality_floor,
        param=param.text,
        low=low,
        high=high,
        current=param.current,
        method="linear" if linear else "search",
        crossings=crossings,
        gap_low=g_low,
        gap_high=g_high,
        currency=CURRENCY,
        notes=tuple(notes),
    )


# ------------------------------------------------------------------ insights


class _Lever(NamedTuple):
    """The parameter a strategy's savings hang on most, and words for it."""

    path: str
    subject: str  # "light accepts" / "the evaluator accepts" / "router accuracy"
    of: str  # what the accepted share is of; empty for accuracy


def _lever(item: dict[str, Any]) -> _Lever | None:
    name, kind = item.get("name"), item.get("type")
    if kind in ("cascade", "hybrid"):
        accept = item.get("accept")
        chain = item.get("chain") or []
        if isinstance(accept, dict) and chain and chain[0] in accept:
            return _Lever(f"strategies.{name}.accept.{chain[0]}", f"{chain[0]} accepts", "of requests")
        evaluator = item.get("evaluator")
        if isinstance(evaluator, dict) and evaluator.get("tpr") is not None:
            return _Lever(f"strategies.{name}.evaluator.tpr", "the evaluator accepts", "of good answers (tpr)")
        return None
    router = item.get("router")
    if kind == "route" and not (isinstance(router, dict) and router.get("confusion") is not None):
        return _Lever(f"strategies.{name}.router.accuracy", "router accuracy", "")
    return None


def _percent(value: Decimal) -> str:
    return f"{value * 100:.1f}%"


def _insight(found: BreakEven, lever: _Lever, savings: Decimal, every_segment: bool) -> str:
    """``cascade stops saving once light accepts fewer than 31.0% of requests``, and its kin."""
    name, against = found.strategy, found.against
    saves_now = savings > 0
    if not found.crossings:
        verdict = (
            f"saves against {against}"
            if saves_now
            else f"costs more than {against}"
            if savings < 0 or found.gap_low or found.gap_high
            else f"costs the same as {against}"
        )
        what = (
            f"whatever share {lever.subject.removesuffix(' accepts')} accepts"
            if lever.of
            else f"at any {lever.subject}"
        )
        return f"{name} {verdict} {what}"
    crossing = found.crossings[0]
    saves_above = not crossing.rising  # the cost gap falls through zero: cheaper above the crossing
    point = _percent(crossing.value)
    action = "stops saving" if saves_now else "would start saving"
    toward_saving = saves_above != saves_now  # which side of the crossing the sentence speaks of
    if lever.of:
        # One share standing in for per-segment ones: "of requests" would read as the overall share.
        of = "in every segment" if every_segment and lever.of == "of requests" else lever.of
        more = "more" if toward_saving else "fewer"
        return f"{name} {action} once {lever.subject} {more} than {point} {of}"
    return f"{name} {action} {'above' if toward_saving else 'below'} {point} {lever.subject}"


def insights(source: ScenarioData, result: SimulationResult) -> tuple[str, ...]:
    """One line per strategy whose savings hang on one number: where they stop (or would start)."""
    lines = []
    baseline = result.baseline
    for item in source.data["strategies"]:
        if not isinstance(item, dict) or item.get("name") == baseline:
            continue
        lever = _lever(item)
        if lever is None:
            continue
        try:
            param = resolve_param(source.data, lever.path, source.spec)
        except InvalidValueError:  # a name with a dot, which a dotted key path cannot address: no insight
            continue
        # Shown to 0.1%: the probes as the scan and 1e-5 of the range are plenty, and keep simulate quick.
        found = find_breakeven(
            source, item["name"], lever.path, against=baseline, scan=_PROBES - 1, precision=Decimal("1e-5")
        )
        savings = result.strategy(item["name"]).savings_vs_baseline
        lines.append(_insight(found, lever, savings, param.per_segment is not None))
    return tuple(lines)
