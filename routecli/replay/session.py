"""``routecli replay`` as library calls: what a command line asks for, planned, run or estimated, and kept.

The decisions the command would otherwise make live here: which prompts a
(resumed) run replays, where its log, report and outcomes file go, whether an
``--all-tiers`` run's answers can be judged, and what a dry run writes. The CLI
parses options, calls these, renders what they return and maps the stop reason
to an exit code (``routecli.errors.STOP_EXIT_CODES``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from routecli.errors import InputFileError, InvalidValueError
from routecli.replay.all_tiers import OutcomesWritten, write_outcomes
from routecli.replay.batch import DEFAULT_POLL_S, NO_PROGRESS, check_batchable, progress_from_log, with_batch_prices
from routecli.replay.config import RouterConfig
from routecli.replay.config_file import check_labels, load_router_config
from routecli.replay.dryrun import dry_run
from routecli.replay.log import DecisionLog, read_log
from routecli.replay.prompt_file import read_prompts
from routecli.replay.prompts import Prompt, PromptFile, select_prompts
from routecli.replay.records import Decision, RunInfo
from routecli.replay.report import ReplayReport, build_report
from routecli.replay.resume import ResumedRun, resume_run
from routecli.replay.run import RunResult, default_run_dir, provider_keys, replay_prompts, run_info

__all__ = [
    "FinishedRun",
    "ReplayPlan",
    "RunTarget",
    "estimate",
    "finish_run",
    "plan_replay",
    "run_replay",
    "start_run",
]


class ReplayPlan(NamedTuple):
    """The config and the prompts a replay was asked for, and how they were chosen."""

    config: RouterConfig
    asked: RouterConfig
    """What the run asks: ``config`` without its router and cache for ``--all-tiers``."""
    prompt_file: PromptFile
    selected: list[Prompt]
    limit: int | None
    sample: int | None
    seed: int
    all_tiers: bool
    resumed: ResumedRun | None
    """The stopped run ``--resume`` continues: its log, header and what it spent."""
    batch: bool = False
    """``--batch``: through the providers' batch APIs, ``config`` and ``asked`` priced at batch rates."""


def plan_replay(
    prompts: Path,
    config: Path,
    pricing: Sequence[Path] = (),
    *,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    skip_invalid: bool = False,
    all_tiers: bool = False,
    resume: Path | None = None,
    batch: bool = False,
) -> ReplayPlan:
    """Read the config and prompts, and choose the prompts: a resumed run keeps the ones it chose, whatever this
    command line says. Errors (a label no tier has, a run that would not compare, answers nothing can judge, what
    ``--batch`` cannot do) come before anything is called or written. With ``batch`` the tiers bill batch prices."""
    router_config = load_router_config(config, pricing)
    if batch:
        check_batchable(router_config, all_tiers)
        router_config = with_batch_prices(router_config)
    prompt_file = read_prompts(prompts, skip_invalid=skip_invalid, default_match=router_config.match)
    check_labels(prompt_file, router_config)
    asked = router_config.without_routing() if all_tiers else router_config  # --all-tiers: no router or cache
    resumed = None if resume is None else resume_run(resume, asked, all_tiers, batch)
    if resumed is not None:
        limit, sample, seed = resumed.run.limit, resumed.run.sample, resumed.run.seed
    selected = select_prompts(prompt_file.prompts, limit=limit, sample=sample, seed=seed)
    if all_tiers:
        _check_judgeable(selected, router_config, prompts)
    return ReplayPlan(router_config, asked, prompt_file, selected, limit, sample, seed, all_tiers, resumed, batch)


def _check_judgeable(selected: Sequence[Prompt], config: RouterConfig, prompts: Path) -> None:
    """Before any call: every answer of an --all-tiers run must be judgeable, by an expected answer or evaluators."""
    if config.accept is not None and config.accept.judging_correctness() is not None:
        return  # logprob evaluators alone cannot judge: their threshold is what tuning sets
    unjudged = [prompt for prompt in selected if prompt.expected is None]
    if unjudged:
        others = len(unjudged) - 1
        more = f" (and {others:,} more prompt{'' if others == 1 else 's'})" if others else ""
        raise InvalidValueError(
            "--all-tiers needs expected answers or cascade evaluators to judge answers: this prompt has no "
            f"expected answer{more}, and {config.source or 'the config'} has no cascade accept evaluators "
            "other than logprob ones (a confidence, not a judgement)",
            source=str(prompts),
            line=unjudged[0].line,
        )


def estimate(plan: ReplayPlan, output_tokens: int, log: Path | None = None) -> ReplayReport:
    """``--dry-run``: route and price the chosen prompts, calling nothing; the decisions go to ``log`` if given."""
    run = run_info(
        plan.config,
        plan.prompt_file,
        len(plan.selected),
        dry_run=True,
        output_tokens=output_tokens,
        sample=plan.sample,
        seed=plan.seed,
        limit=plan.limit,
    )
    decisions = dry_run(plan.config, plan.selected, output_tokens)
    if log is not None:
        with DecisionLog(log, run) as written:
            for decision in decisions:
                written.write(decision)
    return build_report(run, decisions)


class RunTarget(NamedTuple):
    """Where a paid run's results go, and what it still has to do."""

    run: RunInfo
    log_path: Path
    prompts: list[Prompt]
    """The chosen prompts the log has no result for yet."""
    answered: list[tuple[Prompt, Decision]]
    """A resumed run's logged answers, which go back in the semantic cache."""
    outcomes_path: Path | None
    """Where an ``--all-tiers`` run writes its outcomes file."""
    own_folder: bool
    """The log is in a run folder routecli made (no ``--log``): its report is kept there too."""
    cache_starts_empty: bool
    """A resumed run has a cache, but its log holds no answer text to put back in it."""


def start_run(plan: ReplayPlan, log: Path | None, outcomes: Path | None, taken: Sequence[Path] = ()) -> RunTarget:
    """The run's header, log and outcomes file, once every API key is there (a missing one stops the run first).

    A resumed run appends to its own log, with its own header; a new one writes to ``log`` or a new run folder.
    ``taken`` are the files the outcomes file must not replace (inputs and outputs), besides the log.
    """
    provider_keys(plan.asked)
    resumed = plan.resumed
    answered: list[tuple[Prompt, Decision]] = []
    empty = False
    if resumed is None:
        run = run_info(
            plan.config,
            plan.prompt_file,
            len(plan.selected),
            sample=plan.sample,
            seed=plan.seed,
            limit=plan.limit,
            all_tiers=plan.all_tiers,
            batch=plan.batch,
        )
        log_path = log if log is not None else default_run_dir(plan.prompt_file.path) / "decisions.jsonl"
        remaining = plan.selected
    else:
        if plan.asked.cache is not None:  # the answers already logged go back into the cache
            answered = resumed.answered(plan.selected)
            empty = bool(answered) and all(done.prompt is None for _, done in answered)  # logged without content
        run, log_path, remaining = resumed.run, resumed.path, resumed.remaining(plan.selected)
    outcomes_path = None
    if plan.all_tiers:
        outcomes_path = outcomes if outcomes is not None else log_path.parent / "outcomes.jsonl"
        _check_outcomes_path(outcomes_path, (*taken, log_path))
    return RunTarget(run, log_path, remaining, answered, outcomes_path, log is None, empty)


def _check_outcomes_path(path: Path, taken: Sequence[Path]) -> None:
    """The outcomes file must not replace an input, the decision log or the report."""
    if path.resolve() in {other.resolve() for other in taken}:
        raise InputFileError(
            "the outcomes file would replace a file of this run; give --outcomes elsewhere", source=str(path)
        )
    if path.is_dir():
        raise InputFileError("is a directory; give --outcomes a file name", source=str(path))


def run_replay(
    plan: ReplayPlan,
    target: RunTarget,
    *,
    concurrency: int,
    log_content: bool = False,
    on_result: Callable[[Decision], None] = lambda decision: None,
    max_spend: Decimal | None = None,
    grace_s: float | None = None,
    batch_poll_s: float = DEFAULT_POLL_S,
) -> RunResult:
    """Replay the target's prompts (``routecli.replay.run.replay_prompts``, or with ``--batch``
    ``routecli.replay.batch_run.replay_batches``, polling every ``batch_poll_s``), continuing a resumed run's log
    and budget."""
    resumed = plan.resumed
    if plan.batch:
        from routecli.replay.batch_run import replay_batches  # httpx: only for paid runs

        return replay_batches(
            plan.config,
            target.prompts,
            target.run,
            target.log_path,
            poll_s=batch_poll_s,
            log_content=log_content,
            on_result=on_result,
            max_spend=max_spend,
            resume=resumed is not None,
            spent=Decimal(0) if resumed is None else resumed.spent,
            progress=NO_PROGRESS if resumed is None else progress_from_log(resumed.batches),
            all_tiers=plan.all_tiers,
        )
    return replay_prompts(
        plan.config,
        target.prompts,
        target.run,
        target.log_path,
        concurrency=concurrency,
        log_content=log_content,
        on_result=on_result,
        max_spend=max_spend,
        grace_s=grace_s,
        resume=plan.resumed is not None,
        spent=Decimal(0) if plan.resumed is None else plan.resumed.spent,
        answered=target.answered,
        all_tiers=plan.all_tiers,
    )


class FinishedRun(NamedTuple):
    """A paid run's report (of its whole log, a resumed run's earlier results too) and its outcomes file."""

    report: ReplayReport
    outcomes: OutcomesWritten | None


def finish_run(
    plan: ReplayPlan, target: RunTarget, result: RunResult, keep_report: Callable[[ReplayReport, Path], None]
) -> FinishedRun:
    """The report of every result in the log, built once; the outcomes file of an ``--all-tiers`` run.

    In routecli's own run folders the paid-for report is kept first, whatever happens to the output:
    ``keep_report`` writes it (as JSON, to ``report.json`` beside the log).
    """
    decisions, prelude = result.decisions, result.prelude
    if plan.resumed is not None:
        contents = read_log(target.log_path)  # the earlier runs' results with this one's
        decisions, prelude = contents.decisions, list(contents.prelude)
    report = build_report(target.run, decisions, result.stopped, prelude)
    log_path = target.log_path
    if target.own_folder and log_path.name == "decisions.jsonl" and log_path.parent.parent.name == "routecli-runs":
        keep_report(report, log_path.parent / "report.json")
    written = None
    if target.outcomes_path is not None:
        texts = {prompt.id: prompt.text for prompt in plan.prompt_file.prompts}
        written = write_outcomes(target.outcomes_path, decisions, [tier.name for tier in target.run.tiers], texts)
    return FinishedRun(report, written)
