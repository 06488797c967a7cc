"""What people read of a replay: the terminal report, the Markdown one for pull requests, and CSV for spreadsheets.

The terminal and Markdown reports say the same things from the same cells; only
the CSV keeps money exact, as the JSON report does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal

from rich.console import Group, RenderableType
from rich.text import Text

from routecli.render.markdown import markdown_table
from routecli.render.numbers import counted, decimal_str, money, percent, plain_number
from routecli.render.summary import latency
from routecli.render.terminal import FitTable, compact_table, wide_table
from routecli.replay.report import Counterfactual, Quality, ReplayReport, Routing
from routecli.replay.stats import Percentiles, rate

__all__ = [
    "CSV_COLUMNS",
    "FAILED_IDS_SHOWN",
    "HOP_HEADERS",
    "TIER_HEADERS",
    "replay_csv",
    "replay_markdown",
    "replay_renderable",
]

TIER_HEADERS = ("Tier", "Calls", "Served", "Spend", "Quality", "Input tokens", "Output tokens", "P50", "P95")
"""Columns of the tier table, money first (a narrow terminal splits it after Quality).

Served and Spend read ``812 (81.2%)`` and ``$1.23 (45.6%)``; P50 and P95 are latency per call.
"""

HOP_HEADERS = ("Hop", "Tried", "Escalated", "Rate")
"""Columns of the escalation table, before its Reasons column."""

CSV_COLUMNS = (
    "tier",
    "model",
    "requests",
    "answered",
    "answer_share",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "spend",
    "spend_share",
    "errors",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "quality_checked",
    "quality_correct",
    "saved",
)

FAILED_IDS_SHOWN = 10
"""Failed prompt ids listed by the table and Markdown reports (the JSON report has them all)."""


# ------------------------------------------------------------------ cells


def _share(value: float | None) -> str:
    """A 0–1 share as ``81.2%``, or a dash when there was nothing to divide by."""
    return percent(None if value is None else Decimal(value) * 100)


def _count(value: int) -> str:
    return plain_number(Decimal(value))


def _ms(value: float) -> str:
    return latency(Decimal(value))


def _with_share(figure: str, share: float | None) -> str:
    return figure if share is None else f"{figure} ({_share(share)})"


def _quality_cell(quality: Quality | None) -> str:
    if quality is None:
        return "—"
    return f"{_share(quality.accuracy)} ({quality.correct:,}/{quality.checked:,})"


def _measured(report: ReplayReport, values: Percentiles | None) -> Percentiles | None:
    """Latency worth showing: a dry run times nothing, so its zeros are left out."""
    return None if report.run.dry_run else values


def _latency_cells(values: Percentiles | None) -> list[str]:
    return ["—", "—"] if values is None else [_ms(values.p50), _ms(values.p95)]


def _tier_rows(report: ReplayReport) -> list[list[str]]:
    """One row per tier, cheapest first, in ``TIER_HEADERS`` order."""
    return [
        [
            f"{tier.name} ({tier.model})",
            _count(tier.requests),
            _with_share(_count(tier.answered), tier.answer_share),
            _with_share(money(tier.spend), tier.spend_share),
            _quality_cell(tier.quality),
            _count(tier.input_tokens),
            _count(tier.output_tokens),
            *_latency_cells(_measured(report, tier.latency_ms)),
        ]
        for tier in report.tiers
    ]


def _tier_table(report: ReplayReport) -> tuple[tuple[str, ...], list[list[str]]]:
    """``TIER_HEADERS`` and ``_tier_rows``, with Reasoning tokens (part of the output tokens) after Output tokens
    when any tier reported some."""
    rows = _tier_rows(report)
    if not any(tier.reasoning_tokens for tier in report.tiers):
        return TIER_HEADERS, rows
    at = TIER_HEADERS.index("Output tokens") + 1
    headers = (*TIER_HEADERS[:at], "Reasoning tokens", *TIER_HEADERS[at:])
    cells = [_count(tier.reasoning_tokens) for tier in report.tiers]
    return headers, [[*row[:at], cell, *row[at:]] for row, cell in zip(rows, cells, strict=True)]


def _hop_rows(report: ReplayReport) -> list[list[str]]:
    """Per hop: ``HOP_HEADERS`` cells, then the reasons (``judge 12, error 2``)."""
    return [
        [
            f"{hop.from_tier} → {hop.to_tier}",
            _count(hop.attempted),
            _count(hop.escalated),
            _share(hop.rate),
            ", ".join(f"{reason} {count:,}" for reason, count in hop.reasons.items()) or "—",
        ]
        for hop in report.hops
    ]


def _banner(report: ReplayReport) -> str | None:
    run = report.run
    if run.all_tiers:
        return (
            "All tiers: every prompt was asked of every tier, with no routing or escalation. Quality is each tier's "
            "own, over all its answers; the top tier's answer counts as the one served."
        )
    if not run.dry_run:
        return None
    assumed = run.output_tokens_assumed
    output = "" if assumed is None else f" and {assumed:,} assumed output tokens per answer"
    return (
        f"Dry run: no model was called. Costs are estimates: tiktoken input counts{output}; "
        "escalations are not estimated."
    )


def _savings_clause(alone: Counterfactual) -> str:
    """``saves $Y (Z%)``, ``costs $Y more (Z% more)`` or ``costs the same``: this setup against one tier alone."""
    pct = alone.savings_pct
    if not alone.savings:
        return "costs the same"
    if alone.savings > 0:
        return f"saves {money(alone.savings)}" + ("" if pct is None else f" ({percent(Decimal(pct))})")
    return f"costs {money(-alone.savings)} more" + ("" if pct is None else f" ({percent(Decimal(-pct))} more)")


def _headline(report: ReplayReport) -> str:
    """Setup, prompts answered and failed, total spend, and savings against the top tier."""
    line = (
        f"Replay ({_setup(report)}): {counted(report.requests, 'prompt')}, {_count(report.answered)} answered, "
        f"{_count(report.failed)} failed; spend {money(report.total_spend)}"
    )
    top = report.counterfactual_top
    if top is not None:
        line += f", which {_savings_clause(top)} against all on {top.tier}"
    return line


def _setup(report: ReplayReport) -> str:
    """What the run did: the config's setup, or ``all tiers`` when it asked every tier instead."""
    return "all tiers" if report.run.all_tiers else report.run.setup


def _source_line(report: ReplayReport) -> str | None:
    run = report.run
    parts = [f"{name}: {value}" for name, value in (("Prompts", run.prompts), ("config", run.config)) if value]
    if run.started:
        parts.append(f"started {run.started}")
    return "; ".join(parts) or None


def _overview_lines(report: ReplayReport) -> list[str]:
    """Escalation (where there is a chain), latency per prompt and quality; a dry run estimates only quality."""
    lines = []
    if report.hops and report.requests and not report.run.dry_run:
        lines.append(
            f"Escalated: {_count(report.escalated)} of {counted(report.requests, 'prompt')} "
            f"({_share(report.escalation_rate)})"
        )
    values = _measured(report, report.latency_ms)
    if values is not None:
        lines.append(
            f"Latency per prompt: p50 {_ms(values.p50)}, p95 {_ms(values.p95)}, p99 {_ms(values.p99)}, "
            f"mean {_ms(values.mean)}"
        )
    if report.quality is not None:
        lines.append(_quality_line(report.quality))
    return lines


def _quality_line(quality: Quality) -> str:
    """The run's quality, saying so when prompts that got no answer are in it: none is not a wrong model."""
    missing = quality.unanswered
    if missing == quality.checked:
        return f"Quality: no answers to check ({counted(missing, 'prompt')} failed)"
    share = _share(quality.accuracy)
    if not missing:
        return f"Quality: {_count(quality.correct)} of {counted(quality.checked, 'checked answer')} correct ({share})"
    checked = counted(quality.checked, "checked prompt")
    wrong = "the one with no answer counts" if missing == 1 else f"the {_count(missing)} with no answer count"
    return f"Quality: {_count(quality.correct)} of {checked} correct ({share}; {wrong} as wrong)"


def _projection_lines(report: ReplayReport) -> list[str]:
    """``--project``: the monthly spend at that volume, its interval, and the prompts it rests on."""
    projected = report.projection
    if projected is None:
        return []
    volume = projected.requests_per_month
    requests = plain_number(volume, 0 if volume == volume.to_integral_value() else 2)
    estimated = "estimated" if report.run.dry_run else "measured"
    return [
        f"Projected at {requests} requests a month: {money(projected.monthly_spend)} a month "
        f"(95% interval {money(projected.low)}–{money(projected.high)})",
        f"Rests on {counted(projected.prompts, 'prompt')}: {money(projected.spend_per_prompt)} a prompt on average "
        f"({estimated}); the interval resamples those prompts",
    ]


def _counterfactual_lines(report: ReplayReport) -> list[str]:
    """``All on heavy (gpt-4o): $X — this setup saves $Y (Z%)``, for the top tier and the bottom one."""
    lines = []
    seen: set[str] = set()
    for alone in (report.counterfactual_top, report.counterfactual_bottom):
        if alone is None or alone.tier in seen:
            continue
        seen.add(alone.tier)
        lines.append(f"All on {alone.tier} ({alone.model}): {money(alone.spend)} — this setup {_savings_clause(alone)}")
    return lines


def _routing_lines(report: ReplayReport, routing: Routing) -> list[str]:
    lines = []
    if routing.routed:
        shares = ", ".join(
            f"{tier} {_count(count)} ({_share(rate(count, routing.routed))})"
            for tier, count in routing.distribution.items()
        )
        lines.append(f"Routed: {shares}")
    if routing.labelled:
        # Without a router a label is compared with the tier that answered (``Decision.decided_tier``).
        what = "Router accuracy" if report.run.router is not None else "Labels matching the final tier"
        lines.append(
            f"{what}: {_share(routing.accuracy)} ({_count(routing.agreed)} of "
            f"{counted(routing.labelled, 'labelled prompt')})"
        )
    return lines


def _confusion(report: ReplayReport, routing: Routing) -> tuple[list[str], list[list[str]]]:
    """Labels down, decided tiers across (every tier of the run, cheapest first); empty without labels."""
    if not routing.confusion:
        return [], []
    tier_order = [tier.name for tier in report.tiers]
    decided = {tier for row in routing.confusion.values() for tier in row}
    columns = tier_order + sorted(decided - set(tier_order))
    labels = [name for name in tier_order if name in routing.confusion]
    labels += sorted(set(routing.confusion) - set(labels))
    rows = [[label, *(_count(routing.confusion[label].get(tier, 0)) for tier in columns)] for label in labels]
    return ["Label \\ decided", *columns], rows


def _error_lines(report: ReplayReport) -> list[str]:
    lines = []
    if report.errors:
        lines.append("Errors: " + ", ".join(f"{kind} {count:,}" for kind, count in report.errors.items()))
    if report.failed_ids:
        shown = ", ".join(report.failed_ids[:FAILED_IDS_SHOWN])
        more = len(report.failed_ids) - FAILED_IDS_SHOWN
        what = "Some tier gave no answer for" if report.run.all_tiers else "No answer for"
        lines.append(
            f"{what} {counted(report.failed, 'prompt')}: {shown}" + (f" and {more:,} more" if more > 0 else "")
        )
    return lines


_STOPPED = {
    "budget": "the --max-spend budget was reached",
    "interrupted": "the run was interrupted",
    "terminated": "the run was terminated",
    "provider": "a provider could not be reached or refused every model",
}


def _notes(report: ReplayReport) -> list[str]:
    notes = []
    if report.run.prompt_count > report.requests:
        why = _STOPPED.get(report.stopped or "", "the run was stopped")
        notes.append(
            f"Incomplete: {report.requests:,} of {counted(report.run.prompt_count, 'prompt')} have results "
            f"({why}); figures cover those only."
        )
    if report.retries:
        notes.append(f"Retried {counted(report.retries, 'request')} (429, 5xx, timeouts, resets, malformed replies).")
    for tier, backups in report.fallbacks.items():
        shown = ", ".join(f"{backup} {count:,}" for backup, count in backups.items())
        notes.append(f"Fallbacks answered for {tier}: {shown}.")
    if report.cache is not None:
        notes.append(
            f"Semantic cache: {counted(report.cache.hits, 'hit')} ({_share(report.cache.hit_rate)}), "
            f"saving {money(report.cache.saved)}."
        )
    if report.embeddings is not None:
        embedded = report.embeddings
        exemplars = f", {money(embedded.exemplar_spend)} of it for the exemplars" if embedded.exemplar_spend else ""
        failed = f"; {counted(embedded.errors, 'failed')}" if embedded.errors else ""
        notes.append(
            f"Embeddings: {counted(embedded.requests, 'request')}, {_count(embedded.input_tokens)} tokens, "
            f"{money(embedded.spend)}{exemplars}{failed}."
        )
    if report.invalid:
        notes.append(f"Skipped {counted(report.invalid, 'invalid prompt line')}.")
    if report.estimated_requests and not report.run.dry_run:
        notes.append(
            f"Token counts of {_count(report.estimated_requests)} of {counted(report.calls, 'call')} are tiktoken "
            "estimates (the endpoint reported no usage)."
        )
    return notes


# ---------------------------------------------------------------- terminal


def _hop_table(report: ReplayReport) -> FitTable:
    rows = _hop_rows(report)
    table = compact_table("Escalation by hop", HOP_HEADERS)
    table.add_column("Reasons", justify="left")
    for row in rows:
        table.add_row(*row)
    return table


def _plain_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> FitTable:
    table = compact_table(title, headers)
    for row in rows:
        table.add_row(*row)
    return table


def replay_renderable(report: ReplayReport) -> RenderableType:
    """Everything a replay measured, for the terminal."""
    parts: list[RenderableType] = []
    banner = _banner(report)
    if banner is not None:
        parts.append(Text(banner, style="bold yellow"))
    parts.append(Text(_headline(report), style="bold"))
    source = _source_line(report)
    if source is not None:
        parts.append(Text(source, style="dim"))
    parts.append(wide_table("", *_tier_table(report), section_at=None))
    parts += [Text(line) for line in _overview_lines(report)]
    if report.hops and not report.run.dry_run:
        parts += [Text(""), _hop_table(report)]
    routing = report.routing
    if routing is not None:
        parts.append(Text(""))
        parts += [Text(line) for line in _routing_lines(report, routing)]
        headers, rows = _confusion(report, routing)
        if rows:
            parts.append(_plain_table("Labels × decided tier", headers, rows))
    counterfactuals = _counterfactual_lines(report)
    if counterfactuals:
        parts += [Text(""), *(Text(line) for line in counterfactuals)]
    projection = _projection_lines(report)
    if projection:
        parts += [Text(""), *(Text(line, style="bold" if not index else "") for index, line in enumerate(projection))]
    errors = _error_lines(report)
    if errors:
        parts += [Text(""), *(Text(line, style="red") for line in errors)]
    parts += [Text(note, style="dim") for note in _notes(report)]
    return Group(*parts)


# ---------------------------------------------------------------- Markdown


def replay_markdown(report: ReplayReport) -> str:
    """The report as GitHub Markdown, for a pull-request comment."""
    parts = [f"## Replay: {_setup(report)}", ""]
    banner = _banner(report)
    if banner is not None:
        label, _, rest = banner.partition(": ")
        parts += [f"> **{label}:** {rest}", ""]
    parts += [_headline(report) + ".", ""]
    source = _source_line(report)
    if source is not None:
        parts += [source + ".", ""]
    parts += [markdown_table(*_tier_table(report)), ""]
    overview = _overview_lines(report)
    if overview:
        parts += [f"- {line}" for line in overview] + [""]
    if report.hops and not report.run.dry_run:
        hop_table = markdown_table((*HOP_HEADERS, "Reasons"), _hop_rows(report))
        parts += ["### Escalation by hop", "", hop_table, ""]
    routing = report.routing
    if routing is not None:
        parts += ["### Routing", ""] + [f"- {line}" for line in _routing_lines(report, routing)] + [""]
        labels, rows = _confusion(report, routing)
        if rows:
            parts += [markdown_table(labels, rows), ""]
    counterfactuals = _counterfactual_lines(report)
    if counterfactuals:
        parts += ["### Against one tier alone", ""] + [f"- {line}" for line in counterfactuals] + [""]
    projection = _projection_lines(report)
    if projection:
        parts += ["### Projection", ""] + [f"- {line}" for line in projection] + [""]
    errors = _error_lines(report)
    if errors:
        parts += ["### Errors", ""] + [f"- {line}" for line in errors] + [""]
    for note in _notes(report):
        parts += [f"_{note}_", ""]
    return "\n".join(parts).rstrip("\n") + "\n"


# --------------------------------------------------------------------- CSV


def _cell(value: float | None) -> str:
    return "" if value is None else repr(value)


def _latency_csv(values: Percentiles | None) -> list[str]:
    return ["", "", ""] if values is None else [_cell(values.p50), _cell(values.p95), _cell(values.p99)]


def _quality_csv(quality: Quality | None) -> list[int]:
    return [0, 0] if quality is None else [quality.checked, quality.correct]


def replay_csv(report: ReplayReport) -> str:
    """One row per tier (cheapest first), then ``embeddings`` and ``cache`` when the run had them, then ``total``.

    Columns in ``CSV_COLUMNS`` order; money as exact decimals. Tier latency is
    per call; the total row's is per prompt, end to end; a dry run leaves it
    empty. The cache row's ``answered`` are its hits (also counted in the tiers
    that gave the stored answers) and ``saved`` what their source prompts cost.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for tier in report.tiers:
        writer.writerow(
            [
                tier.name,
                tier.model,
                tier.requests,
                tier.answered,
                _cell(tier.answer_share),
                tier.input_tokens,
                tier.output_tokens,
                tier.cached_tokens,
                decimal_str(tier.spend),
                _cell(tier.spend_share),
                tier.errors,
                *_latency_csv(_measured(report, tier.latency_ms)),
                *_quality_csv(tier.quality),
                "",
            ]
        )
    embedded = report.embeddings
    if embedded is not None:
        writer.writerow(
            [
                *("embeddings", "", embedded.requests, 0, "", embedded.input_tokens, 0, 0),
                *(decimal_str(embedded.spend), _cell(report.embedding_spend_share), embedded.errors),
                *("", "", "", 0, 0, ""),
            ]
        )
    if report.cache is not None:
        hits = report.cache.hits
        writer.writerow(
            [
                *("cache", "", 0, hits, _cell(report.cache_answer_share), 0, 0, 0, "", "", 0),
                *("", "", "", 0, 0, decimal_str(report.cache.saved)),
            ]
        )
    writer.writerow(
        [
            "total",
            "",
            report.calls,
            report.answered,
            _cell(1.0 if report.answered else None),
            report.input_tokens,
            report.output_tokens,
            report.cached_tokens,
            decimal_str(report.total_spend),
            _cell(1.0 if report.total_spend else None),
            report.call_errors,
            *_latency_csv(_measured(report, report.latency_ms)),
            *_quality_csv(report.quality),
            "" if report.cache is None else decimal_str(report.cache.saved),
        ]
    )
    return out.getvalue()
