"""``routecli replay`` and ``routecli report``: real prompts through a configured router, and their report."""

from __future__ import annotations

import os
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from routecli.cli.options import OutputOption, PricingOption, monthly_volume
from routecli.cli.output import REPORT_FORMAT_HELP, OutputFormat, ReportFormat, check_outputs, emit
from routecli.errors import EXIT_FAILED, STOP_EXIT_CODES, InvalidValueError, ProviderUnusableError
from routecli.replay import DEFAULT_CONCURRENCY, DEFAULT_OUTPUT_TOKENS

if TYPE_CHECKING:
    from routecli.ci.drift import TierShares
    from routecli.replay.records import Decision
    from routecli.replay.report import ReplayReport

__all__ = ["register"]

STOP_REASONS = {
    "budget": "the --max-spend budget was reached",
    "interrupted": "interrupted",
    "terminated": "terminated",
}
ReportFormatOption = Annotated[
    ReportFormat | None, typer.Option("--format", "-f", help=REPORT_FORMAT_HELP, show_default=False)
]


ProjectOption = Annotated[
    Decimal | None,
    typer.Option(
        "--project",
        parser=monthly_volume,
        metavar="REQUESTS",
        help="Add the spend per prompt scaled to this many requests a month (3000000, 3M, 100k/day, 2.5M/month; a "
        "day is 1/30 of a month), with a bootstrap 95% interval over the prompts.",
        show_default=False,
    ),
]


def _usd(text: str) -> Decimal:
    """A non-negative amount of money, exactly as written."""

    try:
        value = Decimal(text.strip().lstrip("$"))
    except InvalidOperation:
        raise typer.BadParameter(f"expected an amount in USD such as 25 or 2.50, got {text!r}") from None
    if not value.is_finite() or value < 0:
        raise typer.BadParameter(f"expected an amount of at least 0, got {text!r}")
    return value


def _points(text: str) -> Decimal:
    """Percentage points: 5%, 0.05 and (as before shares were read here) 5 alike (docs/cli.md, Conventions)."""
    from routecli.spec import percent_from_text

    value = percent_from_text(text)
    if value is None:
        raise typer.BadParameter(f"expected percentage points such as 5% or 0.05, got {text!r}")
    if value < 0:
        raise typer.BadParameter(f"expected percentage points of at least 0, got {text!r}")
    return value


def replay(
    prompts: Annotated[
        Path, typer.Argument(help="Prompt file (JSON Lines); '-' for stdin.", show_default=False, metavar="PROMPTS")
    ],
    config: Annotated[
        Path, typer.Option("--config", "-c", help="Router config YAML (docs/router.md).", show_default=False)
    ],
    pricing: PricingOption = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=1024, help="Requests in flight at once.")
    ] = DEFAULT_CONCURRENCY,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Replay only the first N prompts.", show_default=False)
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option("--sample", min=1, help="Replay N prompts drawn at random (see --seed).", show_default=False),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for --sample; the same seed, the same prompts.")] = 0,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Count and report bad prompt lines instead of stopping.")
    ] = False,
    log: Annotated[
        Path | None,
        typer.Option(
            "--log",
            help="Decision log file [default: decisions.jsonl in a new routecli-runs/ folder].",
            show_default=False,
        ),
    ] = None,
    log_content: Annotated[
        bool, typer.Option("--log-content", help="Also log prompt and answer text (off: only ids and figures).")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Call no model: route, and estimate cost from token counts.")
    ] = False,
    output_tokens: Annotated[
        int, typer.Option("--output-tokens", min=0, help="Output tokens assumed per answer with --dry-run.")
    ] = DEFAULT_OUTPUT_TOKENS,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            metavar="BASE.json",
            help="With --dry-run: a replay JSON report to compare each tier's share of prompts with; exit code 1 "
            "when one moved more than --tolerance.",
            show_default=False,
        ),
    ] = None,
    tolerance: Annotated[
        Decimal | None,
        typer.Option(
            "--tolerance",
            parser=_points,
            metavar="PCT%",
            help="Percentage points a tier's share of prompts may move from --baseline's: 5% or 0.05 (the same); "
            "a bare number of 1 or more is points [default: 10%].",
            show_default=False,
        ),
    ] = None,
    all_tiers: Annotated[
        bool,
        typer.Option(
            "--all-tiers",
            help="Ask every tier every prompt (no routing or escalation) and judge each answer, for routecli tune.",
        ),
    ] = False,
    outcomes: Annotated[
        Path | None,
        typer.Option(
            "--outcomes",
            help="Where --all-tiers writes each tier's quality, cost and confidence per prompt (JSON Lines) "
            "[default: outcomes.jsonl beside the decision log].",
            show_default=False,
        ),
    ] = None,
    batch: Annotated[
        bool,
        typer.Option(
            "--batch",
            help="Send each round through the providers' batch APIs (OpenAI Batch, Anthropic Message Batches), "
            "billed at the tiers' batch prices; a cascade is one round per tier it reaches.",
        ),
    ] = False,
    batch_poll: Annotated[
        float | None,
        typer.Option(
            "--batch-poll",
            min=0,
            metavar="SECONDS",
            help="With --batch: seconds between two looks at a batch in flight [default: 30].",
            show_default=False,
        ),
    ] = None,
    max_spend: Annotated[
        Decimal | None,
        typer.Option(
            "--max-spend",
            parser=_usd,
            metavar="USD",
            help="Start no new prompt once this much has been spent (in-flight ones finish); exit code 3.",
            show_default=False,
        ),
    ] = None,
    grace: Annotated[
        float,
        typer.Option(
            "--grace",
            min=0,
            metavar="SECONDS",
            help="Seconds prompts in flight get to finish after Ctrl-C, SIGTERM or --max-spend.",
        ),
    ] = 30.0,
    resume: Annotated[
        Path | None,
        typer.Option(
            "--resume",
            metavar="RUN_DIR",
            help="Continue a stopped run: append to its decision log, skipping prompts it already has.",
            show_default=False,
        ),
    ] = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar on a terminal.")
    ] = True,
    project: ProjectOption = None,
    format: ReportFormatOption = None,
    output: OutputOption = None,
) -> None:
    """Send PROMPTS through the router and cascade in --config; report spend, escalations, latency and quality.

    Every prompt's route, attempts, tokens, cost, latency and evaluator
    verdicts go to a decision log, written as each finishes; `routecli report
    LOG` renders the report again from it. API keys are read from the
    environment variables the config names and never written anywhere.

    --all-tiers pays for every prompt on every tier: each answer is checked
    against the prompt's expected answer, else by the cascade's evaluators,
    and the outcomes file feeds `routecli tune` and `routecli evaluate`.

    --batch sends each round through the providers' batch APIs at batch
    prices: a route is one round, a cascade one round per tier it reaches,
    --all-tiers one round per tier. Batches are logged when submitted;
    after Ctrl-C they go on at the provider and --resume polls them.

    --dry-run --baseline BASE.json compares each tier's share of prompts
    with an earlier report's: a router change that moves traffic between
    tiers by more than --tolerance points exits 1.

    Exit codes: 0 every prompt was answered, 1 some got no answer (with
    --all-tiers: from some tier; with --baseline: a tier's share moved more
    than --tolerance), 2 bad config, prompts or baseline, or a provider
    that never answered cannot be reached or refuses every model (stopped
    within seconds), 3 --max-spend reached, 130 interrupted, 143 terminated
    (finished results stay in the log; --resume continues).

    \b
    Examples:
      routecli replay prompts.jsonl -c router.yaml
      routecli replay prompts.jsonl -c router.yaml --sample 200 --seed 1 --concurrency 16
      routecli replay prompts.jsonl -c router.yaml --dry-run
      routecli replay prompts.jsonl -c router.yaml --dry-run --baseline base.json --tolerance 5%
      routecli replay prompts.jsonl -c router.yaml --format json -o report.json
      routecli replay prompts.jsonl -c router.yaml --all-tiers --sample 500
      routecli replay prompts.jsonl -c router.yaml --sample 200 --project 3M
      routecli replay prompts.jsonl -c router.yaml --all-tiers --batch
    """
    from routecli.replay.session import estimate, finish_run, plan_replay, run_replay, start_run

    inputs = (prompts, config, *(pricing or ()), *((baseline,) if baseline is not None else ()))
    check_outputs(inputs=inputs, outputs=(log, outcomes, output), format=format)
    _check_modes(dry_run=dry_run, resume=resume, max_spend=max_spend, all_tiers=all_tiers, outcomes=outcomes)
    _check_batch(dry_run=dry_run, batch=batch, batch_poll=batch_poll)
    _check_baseline(dry_run=dry_run, baseline=baseline, tolerance=tolerance)
    base_shares = None if baseline is None else _baseline_shares(baseline)  # a bad baseline stops the run first
    plan = plan_replay(
        prompts,
        config,
        pricing or (),
        limit=limit,
        sample=sample,
        seed=seed,
        skip_invalid=skip_invalid,
        all_tiers=all_tiers,
        resume=resume,
        batch=batch,
    )
    for warning in plan.config.warnings:
        _note(f"warning: {warning}")
    if dry_run:
        estimated = estimate(plan, output_tokens, log)
        _emit_report(estimated, format, output, log, project)
        if base_shares is not None:
            _drift(
                base_shares, estimated, tolerance, sys.stdout if output is not None or format is None else sys.stderr
            )
        return
    target = start_run(plan, log, outcomes, (*inputs, *((output,) if output is not None else ())))
    if target.cache_starts_empty:
        _note("The semantic cache starts empty: this run's answers were not logged (--log-content keeps them)")
    log_path, selected = target.log_path, target.prompts
    if all_tiers:
        tiers = len(plan.config.tiers)
        _note(
            f"Replaying {_prompts(len(selected))} on all {tiers} tiers ({len(selected) * tiers:,} answers); "
            f"decision log: {log_path}"
        )
    else:
        _note(f"Replaying {_prompts(len(selected))}; decision log: {log_path}")
    with _Progress(len(selected), enabled=progress) as bar:
        try:
            result = run_replay(
                plan,
                target,
                concurrency=concurrency,
                log_content=log_content,
                on_result=bar.advance,
                max_spend=max_spend,
                grace_s=grace,
                **({} if batch_poll is None else {"batch_poll_s": batch_poll}),
            )
        except ProviderUnusableError:  # the message says which provider and why; this says what is kept
            bar.stop()
            _note(f"Stopped: {_results(bar.done)} in {log_path}; once the provider answers, continue with --resume")
            raise
        except KeyboardInterrupt:  # where signals cannot be handled gracefully (Windows): stop at once
            bar.stop()
            _note(f"Interrupted: {bar.done:,} results are in {log_path}; continue with --resume {log_path}")
            raise typer.Exit(STOP_EXIT_CODES["interrupted"]) from None
    if result.seeded is not None and any(done.answer is not None for _, done in target.answered):
        _note(f"The semantic cache started with {_answers(result.seeded)} from the log")
    finished = finish_run(plan, target, result, lambda built, path: _keep_report(_projected(built, project), path))
    if finished.outcomes is not None and target.outcomes_path is not None:
        written = finished.outcomes
        _note(f"Outcomes of {_prompts(written.lines)} ({written.complete:,} with every tier's): {target.outcomes_path}")
    report = _emit_report(finished.report, format, output, log_path, project)
    if result.stopped is not None:
        reason = STOP_REASONS[result.stopped]
        have = "has" if report.requests == 1 else "have"
        _note(f"Stopped early ({reason}): {_prompts(report.requests)} {have} results in {log_path}")
        budget = "" if max_spend is None else f" --max-spend {max_spend:f}"
        again = "" if not all_tiers else " --all-tiers" + ("" if outcomes is None else f" --outcomes {outcomes}")
        again += " --batch" if batch else ""
        _note(f"Continue with: routecli replay {prompts} -c {config} --resume {log_path}{again}{budget}")
        raise typer.Exit(STOP_EXIT_CODES[result.stopped])
    if report.failed:
        missing = "lack some tier's answer" if all_tiers else "got no answer"
        _note(f"{report.failed:,} of {_prompts(report.requests)} {missing}; see {log_path}")
        raise typer.Exit(EXIT_FAILED)


def _check_modes(
    *, dry_run: bool, resume: Path | None, max_spend: Decimal | None, all_tiers: bool, outcomes: Path | None
) -> None:
    """Options that do not go together, refused before anything is read or called."""

    if dry_run and (resume is not None or max_spend is not None):
        raise InvalidValueError("--dry-run spends nothing: --resume and --max-spend do not apply to it")
    if dry_run and all_tiers:
        raise InvalidValueError("--all-tiers judges real answers: it cannot be a --dry-run")
    if outcomes is not None and not all_tiers:
        raise InvalidValueError("--outcomes is written by --all-tiers runs only")


def _check_batch(*, dry_run: bool, batch: bool, batch_poll: float | None) -> None:
    """--batch sends real requests; --batch-poll is its polling."""
    if dry_run and batch:
        raise InvalidValueError("--dry-run calls no model: --batch does not apply to it")
    if batch_poll is not None and not batch:
        raise InvalidValueError("--batch-poll is how often a --batch run looks at its batches: give --batch too")


def _check_baseline(*, dry_run: bool, baseline: Path | None, tolerance: Decimal | None) -> None:

    if baseline is not None and not dry_run:
        raise InvalidValueError(
            "--baseline compares a --dry-run's routing with an earlier report's: add --dry-run "
            "(a paid replay's spend compares with routecli diff or routecli check --baseline)"
        )
    if tolerance is not None and baseline is None:
        raise InvalidValueError("--tolerance is the drift allowed from --baseline: give --baseline too")


def _baseline_shares(path: Path) -> TierShares:
    """The baseline report's prompts per tier; errors name the file."""
    from routecli.ci.documents import read_document
    from routecli.ci.drift import entry_shares

    return entry_shares(read_document(path))


def _drift(base: TierShares, estimated: ReplayReport, tolerance: Decimal | None, stream: TextIO) -> None:
    """How far each tier's share moved from the baseline's; exit code 1 when one moved more than --tolerance."""
    from routecli.ci.drift import run_drift
    from routecli.render.check_report import drift_annotations, drift_lines
    from routecli.replay.report import entry_counts

    drift = run_drift(base, *entry_counts(estimated), tolerance)
    stream.write(drift_lines(drift))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        stream.write(drift_annotations(drift))
    if not drift.passed:
        raise typer.Exit(EXIT_FAILED)  # a tier's share drifted past --tolerance


def report(
    log: Annotated[Path, typer.Argument(help="A decision log written by replay.", show_default=False, metavar="LOG")],
    project: ProjectOption = None,
    format: ReportFormatOption = None,
    output: OutputOption = None,
) -> None:
    """Render a replay's report again from its decision log, calling nothing.

    \b
    Examples:
      routecli report routecli-runs/20261124T101500Z-prompts/decisions.jsonl
      routecli report decisions.jsonl --format markdown -o summary.md
      routecli report decisions.jsonl --project 100k/day
    """
    from routecli.replay.log import read_log
    from routecli.replay.report import build_report

    check_outputs(inputs=(log,), outputs=(output,), format=format)
    contents = read_log(log)
    if contents.truncated_line is not None:
        _note(f"{log}:{contents.truncated_line}: left out a line cut off mid-write (the run was stopped while logging)")
    built = build_report(contents.run, contents.decisions, contents.stopped, contents.prelude)
    _emit_report(built, format, output, project=project)


def _answers(count: int) -> str:
    from routecli.render.numbers import counted

    return counted(count, "answer")


def _results(count: int) -> str:
    from routecli.render.numbers import counted

    return counted(count, "result") + (" is" if count == 1 else " are")


def _prompts(count: int) -> str:
    from routecli.render.numbers import counted

    return counted(count, "prompt")


def _projected(built: ReplayReport, project: Decimal | None) -> ReplayReport:
    """The report with --project's projection, when asked."""
    from routecli.replay.report import with_projection

    return built if project is None else with_projection(built, project)


def _emit_report(
    built: ReplayReport,
    format: ReportFormat | None,
    output: Path | None,
    log: Path | None = None,
    project: Decimal | None = None,
) -> ReplayReport:
    from rich.console import RenderableType

    built = _projected(built, project)

    def table() -> RenderableType:
        from routecli.render.replay_report import replay_renderable

        return replay_renderable(built)

    def json() -> str:
        from routecli.render.replay_json import replay_json

        return replay_json(built)

    def markdown() -> str:
        from routecli.render.replay_report import replay_markdown

        return replay_markdown(built)

    def csv() -> str:
        from routecli.render.replay_report import replay_csv

        return replay_csv(built)

    emit(None if format is None else OutputFormat(format), output, table=table, json=json, markdown=markdown, csv=csv)
    if log is not None and format is None and output is None:
        _note(f"Decision log: {log}")
    return built


def _keep_report(built: ReplayReport, path: Path) -> None:
    """A paid run's report as JSON, kept in routecli's own run folder."""
    from routecli.cli.output import write_text
    from routecli.render.replay_json import replay_json

    write_text(replay_json(built), path)


def _note(message: str) -> None:
    print(message, file=sys.stderr)


class _Progress:
    """A progress bar on stderr with live spend, escalation rate and errors (only on a terminal)."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console(stderr=True)
        self.done = self.escalated = self.failed = 0
        self.spend = Decimal(0)
        self._progress = Progress(
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=console,
            disable=not enabled or not console.is_terminal,
            transient=False,
        )
        self._task = self._progress.add_task("replay", total=total, status="")

    def __enter__(self) -> _Progress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def stop(self) -> None:
        self._progress.stop()

    def advance(self, decision: Decision) -> None:
        from routecli.render.numbers import money

        self.done += 1
        self.escalated += decision.escalated
        self.failed += decision.failed
        self.spend += sum(attempt.cost for attempt in decision.attempts)
        status = f"{money(self.spend)} · escalated {self.escalated / self.done:.0%} · failed {self.failed}"
        self._progress.update(self._task, advance=1, status=status)


def register(app: typer.Typer) -> None:
    app.command()(replay)
    app.command()(report)
