"""Continuing a stopped replay (``--resume``): its log, what it spent, and whether this config still compares.

A run continues only with the tiers, models, prices and semantic cache it
started with, and asking every tier if it did: otherwise its figures and the
new ones would not add up to one report.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from routecli.errors import InputFileError
from routecli.pricing.prices import price_to_json
from routecli.replay.config import RouterConfig, embedder_label
from routecli.replay.log import read_log
from routecli.replay.prompts import Prompt
from routecli.replay.records import Decision, RunInfo

__all__ = ["ResumedRun", "resume_run"]


class ResumedRun(NamedTuple):
    """A stopped run's log, read back: where it is, its run, its decisions and what it spent."""

    path: Path
    run: RunInfo
    decisions: list[Decision]
    """Each id once, answered or failed: those prompts are not replayed again."""
    spent: Decimal
    batches: tuple[dict[str, Any], ...] = ()
    """A ``--batch`` run's batch lines: what was submitted, and what ended."""

    def remaining(self, selected: Sequence[Prompt]) -> list[Prompt]:
        """The prompts of ``selected`` the log has no result for."""
        done = {decision.id for decision in self.decisions}
        return [prompt for prompt in selected if prompt.id not in done]

    def answered(self, selected: Sequence[Prompt]) -> list[tuple[Prompt, Decision]]:
        """Each logged decision of a prompt in ``selected``, with the prompt: what goes back in a semantic cache."""
        by_id = {prompt.id: prompt for prompt in selected}
        return [(by_id[done.id], done) for done in self.decisions if done.id in by_id]


def resume_run(resume: Path, config: RouterConfig, all_tiers: bool, batch: bool = False) -> ResumedRun:
    """The log in ``resume`` (a run's folder or its decision log), read back.

    ``InputFileError`` when there is none, when ``config`` would not compare
    (other tiers, models, prices or cache), or when the run asked every tier,
    or went through batch APIs, and this one would not (or the other way round).
    """
    log_path = resume / "decisions.jsonl" if resume.is_dir() else resume
    if not log_path.is_file():
        raise InputFileError(
            "no decision log to resume (give the run's folder or its decisions.jsonl)", source=str(log_path)
        )
    contents = read_log(log_path)
    if contents.run.all_tiers != all_tiers:
        did, how = ("asked", "with") if contents.run.all_tiers else ("did not ask", "without")
        raise InputFileError(f"this run {did} every tier: continue it {how} --all-tiers", source=str(log_path))
    if contents.run.batch != batch:
        did, how = ("went", "with") if contents.run.batch else ("did not go", "without")
        raise InputFileError(f"this run {did} through batch APIs: continue it {how} --batch", source=str(log_path))
    logged = [(tier.name, tier.model, price_to_json(tier.price)) for tier in contents.run.tiers]
    configured = [(tier.name, tier.model, price_to_json(tier.price)) for tier in config.tiers.values()]
    if [entry[:2] for entry in logged] != [entry[:2] for entry in configured]:
        shown = ", ".join(f"{name} ({model})" for name, model, _ in logged)
        raise InputFileError(
            f"this run used tiers {shown}; {config.source} has others, so its results would not compare",
            source=str(log_path),
        )
    if [_rates(entry[2]) for entry in logged] != [_rates(entry[2]) for entry in configured]:
        raise InputFileError(
            f"{config.source} prices the tiers differently from this run; its results would not compare",
            source=str(log_path),
        )
    configured_cache = (
        None if config.cache is None else (config.cache.similarity, embedder_label(config.cache.embedder))
    )
    run = contents.run
    logged_cache = None if run.cache_similarity is None else (run.cache_similarity, run.cache_embedder)
    if configured_cache != logged_cache:
        raise InputFileError(
            f"this run had {_cache_phrase(logged_cache)}; {config.source} has {_cache_phrase(configured_cache)}, "
            "so its results would not compare",
            source=str(log_path),
        )
    attempts = [attempt for decision in contents.decisions for attempt in decision.attempts]
    spent = sum((attempt.cost for attempt in (*contents.prelude, *attempts)), Decimal(0))
    return ResumedRun(log_path, contents.run, contents.decisions, spent, contents.batches)


def _cache_phrase(cache: tuple[float, str | None] | None) -> str:
    return "no semantic cache" if cache is None else f"a semantic cache at similarity {cache[0]} ({cache[1]})"


def _rates(price: dict[str, Any]) -> dict[str, Any]:
    """The parts of a price that bill a request (not where it was read from)."""
    return {key: value for key, value in price.items() if key not in ("source", "as_of", "aliases", "provider")}
