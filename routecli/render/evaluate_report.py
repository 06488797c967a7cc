"""``routecli evaluate``'s result as a terminal table, JSON, Markdown, CSV and a chart: one ``EvaluateResult`` for
all."""

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
from routecli.tune.choice import EvaluateResult
from routecli.tune.compat import ROUTELLM_BINS, RouteLlmFigures, RouteLlmRouter, RouterBenchFigures
from routecli.tune.evaluate import Evaluation, PgrMetrics

__all__ = [
    "EVALUATE_SCHEMA_VERSION",
    "evaluate_chart",
    "evaluate_csv",
    "evaluate_document",
    "evaluate_json",
    "evaluate_markdown",
    "evaluate_renderable",
]

EVALUATE_SCHEMA_VERSION = 1
ROUTER_CURVE_POINTS = 11
"""Router curve points listed in JSON: the nearest to evenly spaced strong shares."""


def _usd(value: float) -> str:
    return money(Decimal(repr(value)))


def _share(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value * 100:.1f}%"


def _number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) or math.isinf(value) else value


def _pgr_text(pgr: PgrMetrics) -> str:
    if pgr.apgr is None:
        return f"APGR — ({pgr.undefined_reason})"
    return f"APGR {pgr.apgr:.3f}, CPT(50%) {_share(pgr.cpt_50)}, CPT(80%) {_share(pgr.cpt_80)}"


def _summary(report: EvaluateResult) -> list[str]:
    result = report.evaluation
    oracle = result.oracle
    picks = ", ".join(f"{name} {count:,}" for name, count in oracle.picks.items() if count)
    lines = [f"Evaluate: {counted(result.prompts, 'prompt')} from {result.source}."]
    if report.skipped:
        lines.append("Skipped rows: " + ", ".join(f"{reason} {count:,}" for reason, count in report.skipped.items()))
    lines.append(f"Oracle: quality {oracle.quality:.4f}, cost {_usd(oracle.cost)} (picks: {picks}).")
    lines.append(f"AIQ of the models alone: {result.models_aiq:.4f}.")
    random = result.random
    lines.append(f"Random routing {random.weak} → {random.strong}: AIQ {random.aiq:.4f}, {_pgr_text(random.pgr)}.")
    router = result.router
    if router is None:
        lines.append("Router: none (no score; --score complexity scores the prompt texts).")
    else:
        lines.append(
            f"Router ({report.score} score) {router.weak} → {router.strong}: AIQ {router.aiq:.4f}, "
            f"{_pgr_text(router.pgr)}; {len(router.curve):,} thresholds."
        )
    if len(result.models) > 2:
        lines.append("Pareto frontier of the models: " + " → ".join(result.frontier) + ".")
    tiered = result.tier_router
    if tiered is not None:
        lines.append(
            f"{len(tiered.tiers)}-tier router ({report.score} score) {' → '.join(tiered.tiers)}: AIQ {tiered.aiq:.4f}; "
            f"bands of 1/{tiered.steps} of the prompts, {tiered.points:,} choices, {len(tiered.frontier):,} on "
            "the frontier."
        )
    if report.excluded:
        lines.append(f"Excluded: {counted(report.excluded, 'prompt')} (--exclude).")
    if isinstance(report.compat, RouteLlmFigures):
        lines += _routellm_lines(report.compat, report.score)
    elif isinstance(report.compat, RouterBenchFigures):
        lines += _routerbench_lines(report.compat)
    return lines


def _routellm_text(figures: RouteLlmRouter) -> str:
    apgr = "—" if figures.apgr is None else f"{figures.apgr:.3f}"
    cpts = ", ".join(
        f"CPT({level}) {_share(value)}"
        for level, value in (("20%", figures.cpt_20), ("50%", figures.cpt_50), ("80%", figures.cpt_80))
    )
    return f"APGR {apgr}, {cpts}"


def _routellm_lines(figures: RouteLlmFigures, score: str | None) -> list[str]:
    lines = [
        f"RouteLLM's procedure (--compat routellm: {ROUTELLM_BINS} qcut bins, {ROUTELLM_BINS + 1} thresholds): "
        f"{figures.weak} {figures.weak_accuracy / 100:.4f}, {figures.strong} {figures.strong_accuracy / 100:.4f}.",
        f"  Random ({figures.runs} runs, seed {figures.seed}): {_routellm_text(figures.random)}.",
    ]
    if figures.router is not None:
        lines.append(f"  Router ({score} score): {_routellm_text(figures.router)}.")
    return lines


def _routerbench_lines(figures: RouterBenchFigures) -> list[str]:
    router = "" if figures.router_aiq is None else f", router {figures.router_aiq:.4f}"
    chain = " → ".join(figures.cascades[0].chain) if figures.cascades else ""
    lines = [
        f"RouterBench's procedure (--compat routerbench): calc_AIQ up to {_usd(figures.aiq_cost)}: "
        f"models {figures.models_aiq:.4f}, random {figures.random_aiq:.4f}{router}.",
        f"  Oracle cost {_usd(figures.oracle_cost)} ({counted(figures.unsolved, 'prompt')} no model solves, "
        "charged 0).",
        "  Models over their own answered prompts: "
        + "; ".join(
            f"{m.model} {m.quality:.4f}, {_usd(m.cost)} ({counted(m.prompts, 'prompt')})" for m in figures.models
        )
        + ".",
    ]
    if figures.cascades:
        order = "by list price" if figures.chain_by_price else "as given"
        lines.append(f"  Cascade {order}: {chain}.")
        lines += [
            f"  Judge error {c.epsilon:g}: quality {c.quality:.4f}, cost {_usd(c.cost)}, AIQ {c.aiq:.4f}."
            for c in figures.cascades
        ]
    return lines


_MODEL_HEADERS = ("Model", "Quality", "Cost", "Per prompt")
_CASCADE_HEADERS = ("Cascade (judge error)", "Quality", "Cost", "AIQ")
_JUDGED_HEADERS = ("Judge error", "Quality", "Cost", "AIQ")


def _model_rows(result: Evaluation) -> list[list[str]]:
    rows = [[m.name, f"{m.quality:.4f}", _usd(m.cost), _usd(m.cost_per_prompt)] for m in result.models]
    oracle = result.oracle
    rows.append(["oracle", f"{oracle.quality:.4f}", _usd(oracle.cost), _usd(oracle.cost_per_prompt)])
    return rows


def _cascade_rows(result: Evaluation) -> list[list[str]]:
    return [
        [f"{' → '.join(c.chain)} ({c.epsilon:g})", f"{c.quality:.4f}", _usd(c.cost), f"{c.aiq:.4f}"]
        for c in result.cascades
    ]


def evaluate_renderable(report: EvaluateResult) -> RenderableType:
    result = report.evaluation
    models = compact_table("Each model alone, and the oracle", _MODEL_HEADERS)
    for row in _model_rows(result):
        models.add_row(*row)
    # the chain once, above: eleven models in every row's first cell wrapped each row over seven lines
    chain = " → ".join(result.cascades[0].chain) if result.cascades else ""
    cascades = compact_table(f"Cascade {chain}, with a simulated judge", _JUDGED_HEADERS)
    for c in result.cascades:
        cascades.add_row(f"{c.epsilon:g}", f"{c.quality:.4f}", _usd(c.cost), f"{c.aiq:.4f}")
    return Group(*(Text(line) for line in _summary(report)), Text(""), models, Text(""), cascades)


def evaluate_markdown(report: EvaluateResult) -> str:
    result = report.evaluation
    parts = ["## routecli evaluate", "", *(f"{line}  " for line in _summary(report)), ""]
    parts += [markdown_table(_MODEL_HEADERS, _model_rows(result)), ""]
    parts += [markdown_table(_CASCADE_HEADERS, _cascade_rows(result))]
    return "\n".join(parts) + "\n"


def _pgr_json(pgr: PgrMetrics) -> dict[str, Any]:
    return {"apgr": pgr.apgr, "cpt_50": pgr.cpt_50, "cpt_80": pgr.cpt_80, "undefined_reason": pgr.undefined_reason}


def evaluate_document(report: EvaluateResult) -> dict[str, Any]:
    result = report.evaluation
    router = result.router
    curve_points: list[dict[str, Any]] = []
    if router is not None:
        curve = router.curve
        shown = sorted(
            {int(abs(curve.strong_share - i / (ROUTER_CURVE_POINTS - 1)).argmin()) for i in range(ROUTER_CURVE_POINTS)}
        )
        curve_points = [
            {
                "threshold": _number(float(curve.threshold[i])),
                "strong_share": float(curve.strong_share[i]),
                "quality": float(curve.quality[i]),
                "cost": float(curve.cost[i]),
            }
            for i in shown
        ]
    return {
        "schema_version": EVALUATE_SCHEMA_VERSION,
        "kind": "evaluate",
        "routecli_version": __version__,
        "source": result.source,
        "prompts": result.prompts,
        "skipped": report.skipped,
        "excluded": report.excluded,
        "procedure": "routecli",
        "models": [
            {"name": m.name, "quality": m.quality, "cost": m.cost, "cost_per_prompt": m.cost_per_prompt}
            for m in result.models
        ],
        "models_aiq": result.models_aiq,
        "aiq_cost_range": list(result.cost_span),
        "models_frontier": list(result.frontier),
        "oracle": {
            "quality": result.oracle.quality,
            "cost": result.oracle.cost,
            "cost_per_prompt": result.oracle.cost_per_prompt,
            "picks": dict(result.oracle.picks),
        },
        "random": {
            "weak": result.random.weak,
            "strong": result.random.strong,
            "points": [point._asdict() for point in result.random.points],
            "aiq": result.random.aiq,
            **_pgr_json(result.random.pgr),
        },
        "cascades": [
            {
                "epsilon": c.epsilon,
                "chain": list(c.chain),
                "quality": c.quality,
                "cost": c.cost,
                "cost_per_prompt": c.cost_per_prompt,
                "calls": list(c.calls),
                "aiq": c.aiq,
            }
            for c in result.cascades
        ],
        "router": None
        if router is None
        else {
            "score": report.score,
            "weak": router.weak,
            "strong": router.strong,
            "thresholds": len(router.curve),
            "aiq": router.aiq,
            **_pgr_json(router.pgr),
            "curve": curve_points,
        },
        "aiq": None if router is None else router.aiq,
        "apgr": None if router is None else router.pgr.apgr,
        "cpt_50": None if router is None else router.pgr.cpt_50,
        "cpt_80": None if router is None else router.pgr.cpt_80,
        "tier_router": None
        if result.tier_router is None
        else {
            "score": report.score,
            "tiers": list(result.tier_router.tiers),
            "steps": result.tier_router.steps,
            "points": result.tier_router.points,
            "aiq": result.tier_router.aiq,
            "frontier": [point._asdict() for point in result.tier_router.frontier],
        },
        "compat": _compat_json(report),
    }


def _routellm_router_json(figures: RouteLlmRouter) -> dict[str, Any]:
    curve = figures.curve
    return {
        "apgr": figures.apgr,
        "cpt_20": figures.cpt_20,
        "cpt_50": figures.cpt_50,
        "cpt_80": figures.cpt_80,
        "points": [
            {"threshold": _number(float(threshold)), "strong_share": share / 100, "quality": accuracy / 100}
            for threshold, share, accuracy in zip(
                curve.threshold.tolist(), curve.strong_percentage.tolist(), curve.accuracy.tolist(), strict=True
            )
        ],
    }


def _compat_json(report: EvaluateResult) -> dict[str, Any] | None:
    """The figures ``--compat`` added, each made by the procedure the section names (docs/metrics.md)."""
    figures = report.compat
    if isinstance(figures, RouteLlmFigures):
        return {
            "procedure": "routellm",
            "weak": figures.weak,
            "strong": figures.strong,
            "weak_quality": figures.weak_accuracy / 100,
            "strong_quality": figures.strong_accuracy / 100,
            "random": {"runs": figures.runs, "seed": figures.seed, **_routellm_router_json(figures.random)},
            "router": None
            if figures.router is None
            else {"score": report.score, **_routellm_router_json(figures.router)},
        }
    if isinstance(figures, RouterBenchFigures):
        return {
            "procedure": "routerbench",
            "aiq_cost": figures.aiq_cost,
            "models_aiq": figures.models_aiq,
            "random_aiq": figures.random_aiq,
            "router_aiq": figures.router_aiq,
            "oracle": {"cost": figures.oracle_cost, "unsolved": figures.unsolved},
            "models": [
                {"name": m.model, "prompts": m.prompts, "quality": m.quality, "cost": m.cost} for m in figures.models
            ],
            "chain_by_price": figures.chain_by_price,
            "cascades": [
                {"epsilon": c.epsilon, "chain": list(c.chain), "quality": c.quality, "cost": c.cost, "aiq": c.aiq}
                for c in figures.cascades
            ],
        }
    return None


def evaluate_json(report: EvaluateResult) -> str:
    return json.dumps(evaluate_document(report), indent=2, ensure_ascii=False) + "\n"


def evaluate_csv(report: EvaluateResult) -> str:
    """One row per model, the oracle, each cascade, random routing and the router: kind, name, quality, cost, aiq."""
    result = report.evaluation
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kind", "name", "quality", "cost", "aiq", "apgr"])
    for m in result.models:
        writer.writerow(["model", m.name, repr(m.quality), repr(m.cost), "", ""])
    writer.writerow(["oracle", "oracle", repr(result.oracle.quality), repr(result.oracle.cost), "", ""])
    for c in result.cascades:
        name = f"{' > '.join(c.chain)} (judge error {c.epsilon:g})"
        writer.writerow(["cascade", name, repr(c.quality), repr(c.cost), repr(c.aiq), ""])
    random = result.random
    writer.writerow(["random", f"{random.weak} > {random.strong}", "", "", repr(random.aiq), _cell(random.pgr.apgr)])
    if result.router is not None:
        router = result.router
        name = f"{report.score}: {router.weak} > {router.strong}"
        writer.writerow(["router", name, "", "", repr(router.aiq), _cell(router.pgr.apgr)])
    tiered = result.tier_router
    if tiered is not None:
        writer.writerow(["tier-router", f"{report.score}: {' > '.join(tiered.tiers)}", "", "", repr(tiered.aiq), ""])
    for row in _compat_rows(report):
        writer.writerow(row)
    return out.getvalue()


def _compat_rows(report: EvaluateResult) -> list[list[str]]:
    """``--compat``'s figures as CSV rows, their kind prefixed with the procedure that made them."""
    figures = report.compat
    if isinstance(figures, RouteLlmFigures):
        pair = f"{figures.weak} > {figures.strong}"
        rows = [["routellm-random", pair, "", "", "", _cell(figures.random.apgr)]]
        if figures.router is not None:
            rows.append(["routellm-router", f"{report.score}: {pair}", "", "", "", _cell(figures.router.apgr)])
        return rows
    if isinstance(figures, RouterBenchFigures):
        rows = [
            ["routerbench-oracle", "oracle", "", repr(figures.oracle_cost), "", ""],
            ["routerbench-models", "models", "", "", repr(figures.models_aiq), ""],
            ["routerbench-random", "random", "", "", repr(figures.random_aiq), ""],
        ]
        if figures.router_aiq is not None:
            rows.append(["routerbench-router", f"{report.score}", "", "", repr(figures.router_aiq), ""])
        rows += [
            [
                "routerbench-cascade",
                f"{' > '.join(c.chain)} (judge error {c.epsilon:g})",
                repr(c.quality),
                repr(c.cost),
                repr(c.aiq),
                "",
            ]
            for c in figures.cascades
        ]
        return rows
    return []


def _cell(value: float | None) -> str:
    return "" if value is None else repr(value)


def evaluate_chart(report: EvaluateResult, format: ChartFormat) -> bytes:
    result = report.evaluation
    curves = []
    if result.router is not None:
        curve = result.router.curve
        points = thinned(len(curve))
        costs, qualities = [float(curve.cost[i]) for i in points], [float(curve.quality[i]) for i in points]
        curves.append(ChartSeries(f"router ({report.score})", costs, qualities))
    tiered = result.tier_router
    if tiered is not None:
        front = tiered.frontier
        label = f"{len(tiered.tiers)}-tier router"
        curves.append(ChartSeries(label, [p.cost for p in front], [p.quality for p in front]))
    random = result.random
    curves.append(ChartSeries("random", [p.cost for p in random.points], [p.quality for p in random.points]))
    marks = [Marked(m.name, m.cost, m.quality) for m in result.models]
    marks.append(Marked("oracle", result.oracle.cost, result.oracle.quality))
    return curves_chart(f"routecli evaluate: {result.source}", curves, marks, format)
