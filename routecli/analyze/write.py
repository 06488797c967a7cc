"""``analyze --write-scenario`` and ``--write-prompts``: the files a log's analysis writes. File side.

``LogWriters.tap`` watches the records as the analysis reads them (one pass, so
stdin works too): each request's segment and token counts go to a scratch file
beside the scenario (bounded memory), its prompt to the sampler. ``finish`` then
writes the prompt file and the scenario: the plan of ``scenario_writer`` as
commented YAML, its ``tokens_from`` file, and the baseline's prompt-caching shares
solved with the simulator itself, so that the baseline costs what the log's
requests cost at routecli's prices. The written scenario is read back through the
scenario spec before ``finish`` returns.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from routecli.analyze.analysis import NO_MODEL, Analysis
from routecli.analyze.prompt_sample import PromptSampler
from routecli.analyze.records import LogRecord
from routecli.analyze.scenario_writer import (
    BASELINE,
    SOLVED,
    MixSums,
    Note,
    ScenarioPlan,
    plan_scenario,
    solve_share,
    without_dearer,
)
from routecli.errors import InputFileError, InvalidValueError
from routecli.pricing.lookup import today
from routecli.pricing.price_files import load_price_files

__all__ = ["LogWriters", "scenario_yaml", "tokens_path"]

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-/]*")
_RESERVED = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n"})
_SHARE_PLACES = Decimal("0.000001")
_TOLERANCE = Decimal("0.005")
"""How far the baseline may miss the log's priced spend before stderr and the header say so."""


def tokens_path(scenario: Path) -> Path:
    """Where a scenario's ``tokens_from`` file goes: beside it, ``NAME.tokens.jsonl``."""
    return scenario.with_name(f"{scenario.stem}.tokens.jsonl")


class LogWriters:
    """What ``--write-scenario`` and ``--write-prompts`` collect during the read, and write after it.

    A context manager: the scratch file of token counts is removed however the run ends.
    """

    def __init__(
        self,
        *,
        scenario: Path | None = None,
        prompts: Path | None = None,
        sample: int | None = None,
        seed: int = 0,
        stratify: bool = False,
        pricing: Sequence[Path] = (),
    ) -> None:
        self.scenario = scenario
        self.prompts = prompts
        self.pricing = tuple(pricing)
        self._mix = MixSums() if scenario is not None else None
        self._sampler = PromptSampler(sample, seed=seed, stratify=stratify) if prompts is not None else None
        self._scratch: Path | None = None
        self._prompt_scratch: Path | None = None

    def __enter__(self) -> LogWriters:
        return self

    def __exit__(self, *exc: object) -> None:
        for scratch in (self._scratch, self._prompt_scratch):
            if scratch is not None:
                scratch.unlink(missing_ok=True)

    def tap(self, records: Iterable[LogRecord], segment_of: Callable[[LogRecord], str]) -> Iterator[LogRecord]:
        """``records`` passed on unchanged, each one's segment and counts (and prompt) kept on the way."""
        mix, sampler = self._mix, self._sampler
        rows: IO[str] | None = None
        prompts: IO[str] | None = None
        if mix is not None:
            assert self.scenario is not None
            rows, self._scratch = _scratch(self.scenario)
        if sampler is not None and not sampler.sampling:
            assert self.prompts is not None
            prompts, self._prompt_scratch = _scratch(self.prompts)
        try:
            for record in records:
                segment = segment_of(record)
                if mix is not None and rows is not None:
                    mix.add(segment, record)
                    rows.write(
                        json.dumps([segment, record.model or NO_MODEL, record.input_tokens, record.output_tokens])
                    )
                    rows.write("\n")
                if sampler is not None:
                    line = sampler.offer(record, segment)
                    if line is not None and prompts is not None:
                        prompts.write(line)
                        prompts.write("\n")
                yield record
        finally:
            for scratch in (rows, prompts):
                if scratch is not None:
                    scratch.close()

    def finish(self, analysis: Analysis, logs: Sequence[str]) -> list[str]:
        """Write the files asked for; the lines to tell on stderr. Nothing is written when the prompts cannot be."""
        told = []
        sampler, prompts = self._sampler, self.prompts
        lines = self._prompt_lines(analysis, logs) if sampler is not None else []
        if self.scenario is not None:
            told += self._write_scenario(self.scenario, analysis, logs)
        if sampler is not None and prompts is not None:
            count = sampler.with_text
            if self._prompt_scratch is None:  # a sample: written now
                handle, self._prompt_scratch = _scratch(prompts)
                with handle:
                    handle.writelines(f"{line}\n" for line in lines)
                count = len(lines)
            try:  # moved into place, readable by its owner only (mkstemp's mode): it holds the prompts' text
                self._prompt_scratch.replace(prompts)
            except OSError as error:
                raise InputFileError(f"cannot write output: {error.strerror}", source=str(prompts)) from None
            told.append(f"Wrote {count} prompt{'' if count == 1 else 's'} with their text to {prompts}")
        return told

    def _prompt_lines(self, analysis: Analysis, logs: Sequence[str]) -> list[str]:
        sampler = self._sampler
        assert sampler is not None
        if not sampler.with_text and not sampler.left_out:
            formats = sorted({name for _, name in analysis.formats})
            kept = f" (format {', '.join(formats)} keeps none)" if formats else ""
            raise InvalidValueError(f"{', '.join(logs)} has no prompt text{kept}; nothing written")
        if not sampler.with_text:
            reason, count = sampler.left_out.most_common(1)[0]
            raise InvalidValueError(
                f"{', '.join(logs)}: replay cannot read any of its {sum(sampler.left_out.values())} prompts "
                f"({count} because: {reason}); nothing written"
            )
        return sampler.lines()

    def _write_scenario(self, path: Path, analysis: Analysis, logs: Sequence[str]) -> list[str]:
        from routecli.simulate.costmodel import simulate
        from routecli.simulate.scenario_file import read_scenario

        assert self._mix is not None
        assert self._scratch is not None
        if not analysis.requests:
            raise InvalidValueError("the logs hold no requests: no scenario to write; nothing written")
        table = load_price_files(self.pricing)
        tokens = tokens_path(path)
        pricing = [os.path.relpath(file.resolve(), path.resolve().parent) for file in self.pricing]
        shown = ["<stdin>" if log == "-" else log for log in logs]
        plan = plan_scenario(
            analysis, self._mix, table, logs=shown, tokens_from=tokens.name, pricing=pricing, today=today()
        )
        self._write_tokens(tokens, plan.segment_names)
        _write(path, scenario_yaml(plan))
        source = read_scenario(path)
        strategies = [item.get("name") for item in source.data["strategies"]]

        def cost(cached: Decimal, written: Decimal) -> Decimal:
            data = dict(source.data)
            data["strategies"] = [
                {**item, "prompt_caching": {"cached_share": cached, "write_share": written}} if name in SOLVED else item
                for name, item in zip(strategies, source.data["strategies"], strict=True)
            ]
            return simulate(source.build(data)).strategy(BASELINE).monthly_cost

        measured_cached = Decimal(repr(analysis.cached_share or 0.0))
        written_tokens = sum(model.cache_write_tokens for model in analysis.models)
        measured_written = Decimal(written_tokens) / analysis.input_tokens if analysis.input_tokens else Decimal(0)
        if plan.caching_target is None:
            cached, written = measured_cached, measured_written
        else:
            base = cost(Decimal(0), Decimal(0))
            per_written = cost(Decimal(0), Decimal(1)) - base  # cost is linear in each share
            per_cached = cost(Decimal(1), Decimal(0)) - base
            written = solve_share(Decimal(0), per_written, plan.write_premium, measured_written)
            cached = solve_share(base + written * per_written, per_cached, plan.caching_target, measured_cached)
            if per_written == 0:  # writes cost nothing above input here: the share cached tokens need wins
                written = min(written, 1 - cached)
            cached = min(cached, 1 - written)
        cached, written = cached.quantize(_SHARE_PLACES), written.quantize(_SHARE_PLACES)
        plan = _with_caching(plan, cached, written)
        _write(path, scenario_yaml(plan))
        result = simulate(read_scenario(path).build())
        first_header = plan.header
        plan, left_out = without_dearer(plan, {item.name: item.monthly_cost for item in result.strategies})
        told = [f"Wrote {path} (and {tokens.name} beside it)"]
        if plan.caching_target is not None:
            simulated = result.strategy(BASELINE).monthly_cost
            told.append(
                f"Its baseline '{BASELINE}' costs {_usd(simulated)} a month as simulated; the log's requests, "
                f"priced by routecli's tables: {_usd(plan.caching_target)}"
            )
            missed = _missed(simulated, plan.caching_target)
            if missed is not None:
                told.append(f"warning: {missed}")
                plan = plan._replace(header=(*plan.header, missed))
        if plan.header != first_header:  # the header says what was left out or missed
            _write(path, scenario_yaml(plan))
            read_scenario(path).build()
        return told + left_out

    def _write_tokens(self, tokens: Path, names: Mapping[tuple[str, str], str]) -> None:
        """The scratch rows as the ``tokens_from`` file, each with its segment's name in the scenario."""
        assert self._scratch is not None
        try:
            with self._scratch.open(encoding="utf-8") as rows, tokens.open("w", encoding="utf-8") as out:
                for row in rows:
                    segment, model, tokens_in, tokens_out = json.loads(row)
                    out.write(
                        json.dumps(
                            {
                                "segment": names[(segment, model)],
                                "input_tokens": tokens_in,
                                "output_tokens": tokens_out,
                            },
                            ensure_ascii=False,
                        )
                    )
                    out.write("\n")
        except OSError as error:
            raise InputFileError(f"cannot write output: {error.strerror}", source=str(tokens)) from None


def _scratch(beside: Path) -> tuple[IO[str], Path]:
    """A scratch file in ``beside``'s folder (the same file system: renamed into place at the end), open to write."""
    try:
        handle, name = tempfile.mkstemp(prefix=f".{beside.name}.", suffix=".partial", dir=beside.parent)
    except OSError as error:
        raise InputFileError(f"cannot write output: {error.strerror}", source=str(beside)) from None
    return os.fdopen(handle, "w", encoding="utf-8"), Path(name)


def _missed(simulated: Decimal, target: Decimal) -> str | None:
    """What to say when the baseline misses the log's priced spend by more than 0.5%; None within it."""
    if abs(simulated - target) <= abs(target) * _TOLERANCE:
        return None
    off = f"{(simulated - target) / target:+.1%}" if target else "a spend of $0"
    return (
        f"the baseline '{BASELINE}' misses the log's priced spend ({off}): one prompt-caching share per strategy "
        "cannot match every model's cached tokens; compare before trusting a saving"
    )


def _usd(amount: Decimal) -> str:
    """Whole cents from a dollar up, else six decimals: enough to compare the two figures on one line."""
    return f"${amount:,.2f}" if abs(amount) >= 1 else f"${amount:.6f}"


def _with_caching(plan: ScenarioPlan, cached: Decimal, written: Decimal) -> ScenarioPlan:
    """The plan with the solved shares in today's strategies (without prompt caching where both are 0)."""
    strategies = []
    for item in plan.data["strategies"]:
        if item["name"] in SOLVED:
            note = item["prompt_caching"]
            item = {key: value for key, value in item.items() if key != "prompt_caching"}
            if cached or written:
                item["prompt_caching"] = Note({"cached_share": cached, "write_share": written}, note.comment)
        strategies.append(item)
    return plan._replace(data={**plan.data, "strategies": strategies})


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputFileError(f"cannot write output: {error.strerror}", source=str(path)) from None


def scenario_yaml(plan: ScenarioPlan) -> str:
    """The plan as a YAML scenario: its header as comments, each note beside its value or above its block."""
    lines = [f"# {line}" for line in plan.header]
    _block(plan.data, 0, lines)
    return "\n".join(lines) + "\n"


def _block(data: Mapping[str, Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for key, item in data.items():
        comment = None
        if isinstance(item, Note):
            item, comment = item.value, item.comment
        if (isinstance(item, Mapping) and item) or (isinstance(item, list) and item and isinstance(item[0], Mapping)):
            if comment:
                lines.append(f"{pad}# {comment}")
            lines.append(f"{pad}{_scalar(key)}:")
            if isinstance(item, Mapping):
                _block(item, indent + 2, lines)
            else:
                for entry in item:
                    start = len(lines)
                    _block(entry, indent + 4, lines)
                    lines[start] = f"{pad}  - {lines[start][indent + 4 :]}"
            continue
        text = f"{pad}{_scalar(key)}: {_scalar(item)}"
        lines.append(f"{text}  # {comment}" if comment else text)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_scalar(key)}: {_scalar(item)}" for key, item in value.items()) + "}"
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED and not _numeric(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
