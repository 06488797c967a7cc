"""``routecli tune``'s result as a terminal table, JSON, Markdown, CSV and a chart: one ``TuneResult`` for all."""

from __future__ import annotations

import csv
import io
import json
import math
from decimal import Decimal
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from routecli import __version__
from routecli.render.charts import ChartFormat, ChartSeries, Marked, curves_chart, thinned
from routecli.render.markdown import markdown_table
from routecli.render.numbers import counted, money
from routecli.render.terminal import compact_table
from routecli.tune.threshold import Held, Point, TuneResult
from routecli.tune.tiers import TieredResult, TierPoint

__all__ = [
    "CURVE_COLUMNS",
    "CURVE_ROWS",
    "TUNE_SCHEMA_VERSION",
    "curve_rows",
    "tiered_chart",
    "tiered_csv",
    "tiered_document",
    "tiered_json",
    "tiered_markdown",
    "tiered_renderable",
    "tiered_unreached",
    "tune_chart",
    "tune_csv",
    "tune_json",
    "tune_markdown",
    "tune_renderable",
    "unreached",
]

TUNE_SCHEMA_VERSION = 1
CURVE_ROWS = 11
"""Curve points shown in tables and listed in JSON: evenly spaced by strong share, plus the chosen one."""
CURVE_COLUMNS = ("threshold", "strong_share", "quality", "cost", "savings_pct")
_HEADERS = ("Threshold", "Strong share", "Quality", "Cost", "Saves")


def curve_rows(result: TuneResult, rows: int = CURVE_ROWS) -> list[int]:
    """Indexes of the curve points to show: the nearest to evenly spaced strong shares, and the chosen one."""
    curve = result.curve
    wanted = {int(abs(curve.strong_share - share).argmin()) for share in (i / (rows - 1) for i in range(rows))}
    if result.chosen is not None:
        wanted.add(result.chosen)
    return sorted(wanted)


def _threshold_text(value: float) -> str:
    if math.isinf(value):
        return "none" if value > 0 else "all"
    return f"{value:.6g}"


def _pct(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value + 0.0:.{digits}f}%".replace("-0.0%", "0.0%")  # float noise around 0 is no loss


def _usd(value: float) -> str:
    return money(Decimal(repr(value)))


def _row(result: TuneResult, point: Point) -> list[str]:
    return [
        _threshold_text(point.threshold),
        _pct(point.strong_share * 100),
        f"{point.quality:.4f}",
        _usd(point.cost),
        _pct(result.savings_for(point.cost)),
    ]


def _meaning(result: TuneResult) -> str:
    if result.strategy == "route":
        return f"prompts whose {result.score} score is at least the threshold go to {result.strong}"
    return f"{result.weak}'s answers less confident than the threshold go on to {result.strong}"


def _summary(result: TuneResult) -> list[str]:
    lines = [
        f"Tune ({result.strategy}): {counted(result.prompts, 'prompt')}; {_meaning(result)}.",
        f"Alone: {result.weak} quality {result.weak_alone.quality:.4f}, {_usd(result.weak_alone.cost)}; "
        f"{result.strong} quality {result.strong_alone.quality:.4f}, {_usd(result.strong_alone.cost)}.",
    ]
    if result.skipped:
        shown = ", ".join(f"{reason} {count:,}" for reason, count in result.skipped.items())
        lines.append(f"Skipped rows: {shown}.")
    choice = result.choice
    goal = f"strong share {result.target_share:.1%}" if result.target_share is not None else _floor(result)
    if choice is None:
        lines.append(unreached(result))
        return lines
    lines.append(
        f"Chosen for the {goal}: threshold {_threshold_text(choice.threshold)} — quality {choice.quality:.4f}, "
        f"cost {_usd(choice.cost)}, saving {_pct(result.savings_pct)} against {result.strong} alone; "
        f"{_pct(choice.strong_share * 100)} of prompts reach {result.strong}."
    )
    held = result.held
    if held is not None:
        lines.append(_held_line(held, f"{_pct(held.strong_share * 100)} strong"))
    return lines


def _held_line(held: Held, split: str) -> str:
    """The held-out prompts' figures in one sentence, ending with how they split (``split``)."""
    return (
        f"Held out ({counted(held.held_out, 'prompt')}, tuned on {held.tuned_on:,}, seed {held.seed}): "
        f"quality {held.quality.estimate:.4f} [{held.quality.low:.4f}, {held.quality.high:.4f}], "
        f"cost {_usd(held.cost.estimate)} [{_usd(held.cost.low)}, {_usd(held.cost.high)}] (95% bootstrap), "
        f"saving {_pct(held.savings_pct)}; {split}."
    )


def _floor(result: TuneResult) -> str:
    """``quality floor 0.9000 (90%)``, or for a relative floor ``… (95% of gpt-4's 0.8000)``."""
    given = result.floor_given
    if result.floor_relative is not None:
        given = f"{given} of {result.strong}'s {result.strong_alone.quality:.4f}"
    return f"quality floor {result.floor:.4f}" + (f" ({given})" if given else "")


def unreached(result: TuneResult) -> str:
    """Why no threshold was chosen: the floor, and the best quality the curve has."""
    best = float(result.curve.quality.max()) if len(result.curve) else float("nan")
    return f"No threshold reaches the {_floor(result)}: the best quality on this curve is {best:.4f}."


def tune_renderable(result: TuneResult) -> RenderableType:
    """The summary and the curve, a row per evenly spaced strong share (the chosen row marked)."""
    rows = [[*_row(result, result.curve.point(i)), "←" if i == result.chosen else ""] for i in curve_rows(result)]
    table = compact_table("Cost–quality curve", [*_HEADERS, ""])
    for row in rows:
        table.add_row(*row)
    return Group(*(Text(line) for line in _summary(result)), Text(""), table)


def tune_markdown(result: TuneResult) -> str:
    rows = [
        [*_row(result, result.curve.point(i)), "**chosen**" if i == result.chosen else ""] for i in curve_rows(result)
    ]
    return (
        "\n".join(
            [
                "## routecli tune",
                "",
                *(f"{line}  " for line in _summary(result)),
                "",
                markdown_table([*_HEADERS, ""], rows),
            ]
        )
        + "\n"
    )


def _number(value: float) -> float | None:
    """JSON has no infinity or NaN: null stands for them (a threshold's meaning is documented)."""
    return None if math.isinf(value) or math.isnan(value) else value


def _point_json(result: TuneResult, point: Point) -> dict[str, Any]:
    savings = result.savings_for(point.cost)
    return {
        "threshold": _number(point.threshold),
        "threshold_is": _threshold_kind(point.threshold),
        "strong_share": point.strong_share,
        "quality": point.quality,
        "cost": point.cost,
        "savings_pct": None if savings is None else savings,
    }


def tune_document(result: TuneResult) -> dict[str, Any]:
    choice = result.choice
    held = result.held
    return {
        "schema_version": TUNE_SCHEMA_VERSION,
        "kind": "tune",
        "routecli_version": __version__,
        "strategy": result.strategy,
        "weak": result.weak,
        "strong": result.strong,
        "score": result.score,
        "prompts": result.prompts,
        "skipped": dict(result.skipped or {}),
        "quality_floor": None if result.floor is None else result.floor,
        "quality_floor_kind": None
        if result.floor is None
        else "absolute"
        if result.floor_relative is None
        else "relative",
        "relative_floor": result.floor_relative,
        "target_strong_share": result.target_share,
        "threshold": None if choice is None else _number(choice.threshold),
        "threshold_is": None if choice is None else _threshold_kind(choice.threshold),
        "quality": None if choice is None else choice.quality,
        "cost": None if choice is None else choice.cost,
        "savings_pct": result.savings_pct,
        "strong_share": None if choice is None else choice.strong_share,
        "models": {
            result.weak: {"quality": result.weak_alone.quality, "cost": result.weak_alone.cost},
            result.strong: {"quality": result.strong_alone.quality, "cost": result.strong_alone.cost},
        },
        "thresholds_swept": len(result.curve),
        "curve": [_point_json(result, result.curve.point(i)) for i in curve_rows(result)],
        "holdout": None
        if held is None
        else {
            "tuned_on": held.tuned_on,
            "held_out": held.held_out,
            "seed": held.seed,
            "quality": held.quality._asdict(),
            "cost": held.cost._asdict(),
            "strong_share": held.strong_share,
            "strong_cost": held.strong_cost,
        },
    }


def _threshold_kind(value: float) -> str:
    """What a threshold of null means in JSON: ``value``, or that no prompt (all prompts) passes."""
    if math.isinf(value):
        return "none" if value > 0 else "all"
    return "value"


def tune_json(result: TuneResult) -> str:
    return json.dumps(tune_document(result), indent=2, ensure_ascii=False) + "\n"


def tune_csv(result: TuneResult) -> str:
    """Every point of the curve (not only the shown ones), one row each, in order of strong share."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CURVE_COLUMNS, "chosen"])
    curve = result.curve
    for index in range(len(curve)):
        threshold = float(curve.threshold[index])
        writer.writerow(
            [
                repr(threshold),  # inf and -inf as Python and most CSV readers write them
                repr(float(curve.strong_share[index])),
                repr(float(curve.quality[index])),
                repr(float(curve.cost[index])),
                _cell(result.savings_for(float(curve.cost[index]))),
                "1" if index == result.chosen else "",
            ]
        )
    return out.getvalue()


def _cell(value: float | None) -> str:
    return "" if value is None else repr(value)


def tune_chart(result: TuneResult, format: ChartFormat) -> bytes:
    curve = result.curve
    marks: list[Marked] = [
        Marked(result.weak, result.weak_alone.cost, result.weak_alone.quality),
        Marked(result.strong, result.strong_alone.cost, result.strong_alone.quality),
    ]
    choice = result.choice
    if choice is not None:
        marks.append(Marked(f"chosen ({_threshold_text(choice.threshold)})", choice.cost, choice.quality))
    points = thinned(len(curve))
    line = ChartSeries(
        result.strategy, [float(curve.cost[i]) for i in points], [float(curve.quality[i]) for i in points]
    )
    return curves_chart(f"routecli tune: {result.strategy}, {result.weak} → {result.strong}", [line], marks, format)


# ------------------------------------------------------------------ N tiers (tune --tiers)


def _thresholds_text(values: tuple[float, ...]) -> str:
    return ", ".join(_threshold_text(value) for value in values)


def _shares_text(shares: tuple[float, ...]) -> str:
    return " / ".join(_pct(share * 100) for share in shares)


def _tiered_summary(result: TieredResult) -> list[str]:
    how = {"exact": "every one weighed", "search": "searched", "grid": "weighed on a grid of quantiles"}[result.method]
    if result.strategy == "cascade":
        meaning = (
            f"{' → '.join(result.tiers)}: an answer at least as confident as its hop's threshold is taken, else the "
            "next tier answers (the last always does), and every tier visited is paid"
        )
    else:
        meaning = f"each goes to the first of {', '.join(result.tiers)} whose band holds its {result.score} score"
    lines = [
        f"Tune ({result.strategy}, {len(result.tiers)} tiers): {counted(result.prompts, 'prompt')}; {meaning} "
        f"({result.choices:,} choices of thresholds, {how}).",
        "Alone: "
        + "; ".join(
            f"{tier} quality {point.quality:.4f}, {_usd(point.cost)}"
            for tier, point in zip(result.tiers, result.alone, strict=True)
        )
        + ".",
    ]
    if result.skipped:
        shown = ", ".join(f"{reason} {count:,}" for reason, count in result.skipped.items())
        lines.append(f"Skipped rows: {shown}.")
    choice = result.chosen
    if choice is None:
        lines.append(tiered_unreached(result))
        return lines
    goal = (
        f"target shares {_shares_text(result.target_shares)}"
        if result.target_shares is not None
        else _tiered_floor(result)
    )
    lines.append(
        f"Chosen for the {goal}: thresholds {_thresholds_text(choice.thresholds)} — quality {choice.quality:.4f}, "
        f"cost {_usd(choice.cost)}, saving {_pct(result.savings_pct)} against {result.strongest} alone; "
        f"shares {_shares_text(choice.shares)}."
    )
    if result.held is not None:
        held = result.held.held
        lines.append(_held_line(held, f"shares {_shares_text(result.held.shares)}"))
    return lines


def _tiered_floor(result: TieredResult) -> str:
    given = result.floor_given
    if result.floor_relative is not None:
        given = f"{given} of {result.strongest}'s {result.alone[-1].quality:.4f}"
    return f"quality floor {result.floor:.4f}" + (f" ({given})" if given else "")


def tiered_unreached(result: TieredResult) -> str:
    """Why no thresholds were chosen: the floor, and the best quality any choice has."""
    best = max((point.quality for point in result.curve), default=float("nan"))
    return f"No thresholds reach the {_tiered_floor(result)}: the best quality of any choice is {best:.4f}."


_TIERED_HEADERS = ("Thresholds", "Shares", "Quality", "Cost", "Saves")


def _tiered_rows(result: TieredResult) -> list[list[str]]:
    return [
        [
            _thresholds_text(point.thresholds),
            _shares_text(point.shares),
            f"{point.quality:.4f}",
            _usd(point.cost),
            _pct(result.savings_for(point.cost)),
            "←" if point == result.chosen else "",
        ]
        for point in result.curve
    ]


def tiered_renderable(result: TieredResult) -> RenderableType:
    """The summary and the Pareto curve, by cost (the chosen row marked)."""
    table = compact_table("Cost–quality curve (Pareto set)", [*_TIERED_HEADERS, ""])
    for row in _tiered_rows(result):
        table.add_row(*row)
    return Group(*(Text(line) for line in _tiered_summary(result)), Text(""), table)


def tiered_markdown(result: TieredResult) -> str:
    rows = [[*row[:-1], "**chosen**" if row[-1] else ""] for row in _tiered_rows(result)]
    lines = ["## routecli tune", "", *(f"{line}  " for line in _tiered_summary(result)), ""]
    return "\n".join([*lines, markdown_table([*_TIERED_HEADERS, ""], rows)]) + "\n"


def _tiered_point(result: TieredResult, point: TierPoint) -> dict[str, Any]:
    return {
        "thresholds": [_number(value) for value in point.thresholds],
        "thresholds_are": [_threshold_kind(value) for value in point.thresholds],
        "shares": dict(zip(result.tiers, point.shares, strict=True)),
        "quality": point.quality,
        "cost": point.cost,
        "savings_pct": result.savings_for(point.cost),
    }


def tiered_document(result: TieredResult) -> dict[str, Any]:
    choice = result.chosen
    held = result.held
    return {
        "schema_version": TUNE_SCHEMA_VERSION,
        "kind": "tune",
        "routecli_version": __version__,
        "strategy": result.strategy,
        "tiers": list(result.tiers),
        "score": result.score,
        "prompts": result.prompts,
        "skipped": dict(result.skipped or {}),
        "quality_floor": result.floor,
        "quality_floor_kind": None
        if result.floor is None
        else "absolute"
        if result.floor_relative is None
        else "relative",
        "relative_floor": result.floor_relative,
        "target_shares": None if result.target_shares is None else list(result.target_shares),
        "choices": result.choices,
        "method": result.method,
        "chosen": None if choice is None else _tiered_point(result, choice),
        "models": {
            tier: {"quality": point.quality, "cost": point.cost}
            for tier, point in zip(result.tiers, result.alone, strict=True)
        },
        "curve": [_tiered_point(result, point) for point in result.curve],
        "holdout": None
        if held is None
        else {
            "tuned_on": held.held.tuned_on,
            "held_out": held.held.held_out,
            "seed": held.held.seed,
            "quality": held.held.quality._asdict(),
            "cost": held.held.cost._asdict(),
            "shares": dict(zip(result.tiers, held.shares, strict=True)),
            "strong_cost": held.held.strong_cost,
        },
    }


def tiered_json(result: TieredResult) -> str:
    return json.dumps(tiered_document(result), indent=2, ensure_ascii=False) + "\n"


def tiered_csv(result: TieredResult) -> str:
    """Every point of the Pareto curve, one row each, by cost: thresholds and shares a column per cut and tier."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    cuts = [f"threshold_{index}" for index in range(1, len(result.tiers))]
    writer.writerow([*cuts, *(f"share_{tier}" for tier in result.tiers), "quality", "cost", "savings_pct", "chosen"])
    for point in result.curve:
        writer.writerow(
            [
                *(repr(value) for value in point.thresholds),
                *(repr(share) for share in point.shares),
                repr(point.quality),
                repr(point.cost),
                _cell(result.savings_for(point.cost)),
                "1" if point == result.chosen else "",
            ]
        )
    return out.getvalue()


def tiered_chart(result: TieredResult, format: ChartFormat) -> bytes:
    marks = [Marked(tier, point.cost, point.quality) for tier, point in zip(result.tiers, result.alone, strict=True)]
    if result.chosen is not None:
        marks.append(
            Marked(f"chosen ({_thresholds_text(result.chosen.thresholds)})", result.chosen.cost, result.chosen.quality)
        )
    line = ChartSeries("Pareto set", [point.cost for point in result.curve], [point.quality for point in result.curve])
    return curves_chart(f"routecli tune: {result.strategy} over {', '.join(result.tiers)}", [line], marks, format)
