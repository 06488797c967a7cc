"""``routecli analyze`` as one call: logs read, segmented, analysed and priced. File side.

The router of ``--segment-by router:FILE`` and the price tables are read here, so
that the analysis itself stays pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from routecli._gc import no_collection
from routecli.analyze.analysis import NO_MODEL, Accumulator, Analysis, long_above
from routecli.analyze.read import LogReader, ReadOptions, ReadStats
from routecli.analyze.records import LogRecord
from routecli.analyze.segments import NO_VALUE, parse_segment_by, segmenter
from routecli.errors import InvalidValueError
from routecli.pricing.price_files import load_price_files
from routecli.replay.routing import OfflineRouter

__all__ = ["analyze_logs"]


def analyze_logs(
    paths: Sequence[str],
    options: ReadOptions,
    *,
    segment_by: str = "model",
    pricing: Sequence[Path] = (),
    progress: Callable[[ReadStats], None] | None = None,
    tap: Callable[[Iterable[LogRecord], Callable[[LogRecord], str]], Iterable[LogRecord]] | None = None,
) -> Analysis:
    """The analysis of every request in ``paths``, with what was read as which format and what was skipped.

    ``tap`` sees the records on their way, with the function naming each one's segment (``--write-scenario``,
    ``--write-prompts``: ``analyze.write``).
    """
    spec = parse_segment_by(segment_by)
    table = load_price_files(pricing)
    router = None
    if spec.kind == "router":
        assert spec.argument is not None
        router = _offline_router(Path(spec.argument), pricing)
    reader = LogReader(paths, options, progress)
    segment_of = segmenter(spec, router)
    accumulator = Accumulator(segment_by, segment_of, long_above=long_above(table))
    records: Iterable[LogRecord] = reader.records()
    if tap is not None:
        records = tap(records, segment_of or _by_model)
    with no_collection():  # a million records and their dicts, none in a cycle: no collector passes over them
        accumulator.feed(records)
    analysis = accumulator.finish(table)
    if spec.kind == "metadata" and analysis.segments and all(item.name == NO_VALUE for item in analysis.segments):
        analysis = analysis._replace(segments_note=f"no request has {segment_by}: one segment")
    stats = reader.stats
    return analysis._replace(
        formats=tuple(stats.formats.items()), skipped=tuple(sorted(stats.skipped.items(), key=lambda item: -item[1]))
    )


def _by_model(record: LogRecord) -> str:
    return record.model or NO_MODEL


def _offline_router(path: Path, pricing: Sequence[Path]) -> OfflineRouter:
    """The router of a router config, if it decides from the prompt alone (rules, complexity, fixed)."""
    from routecli.replay.config_file import load_router_config

    router = load_router_config(path, pricing).router
    if not isinstance(router, OfflineRouter):
        kind = "none" if router is None else router.kind
        raise InvalidValueError(
            f"--segment-by router: the router is {kind}; analyze segments by a router that decides from the prompt "
            "alone (rules, complexity, fixed), calling nothing",
            source=str(path),
        )
    return router
