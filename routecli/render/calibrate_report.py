"""``routecli calibrate``'s summary: what was measured, what was written, and what rests on too few prompts."""

from __future__ import annotations

from routecli.calibrate.files import Calibrated
from routecli.calibrate.scenario_text import REPLAYED, TOP_TIER, replayed_type

__all__ = ["calibrate_summary"]

_BY = {"none": "one segment", "label": "label", "router": "the router's decision"}


def calibrate_summary(result: Calibrated) -> str:
    """Plain text: the file written, the setup and its strategies, the segments, the warnings."""
    calibration = result.calibration
    failed = f" ({calibration.failed} failed, left out)" if calibration.failed else ""
    logs = "1 decision log" if len(calibration.sources) == 1 else f"{len(calibration.sources)} decision logs"
    setup = "--all-tiers " + (calibration.setup or "run") if calibration.all_tiers else calibration.setup
    segments = ", ".join(f"{segment.name} {segment.prompts}" for segment in calibration.segments)
    measured = (
        f"measured from {logs} (run {'+'.join(calibration.runs)}), {calibration.prompts} prompts answered{failed}"
    )
    if result.scenario is not None:
        lines = [f"Wrote {result.written}: {result.scenario} with {len(result.changes)} values {measured}:"]
        lines += [f"  {change.key}: {change.old} → {change.new}  ({change.note})" for change in result.changes]
        if not result.changes:
            lines.append(
                "  (no value of it is one the replay measured: tier and segment names, and a cascade's chain, must "
                "be the replay's)"
            )
    else:
        lines = [
            f"Wrote {result.written}: {measured}.",
            f"Strategies: {REPLAYED} ({setup}, as type {replayed_type(calibration)}); {TOP_TIER} "
            f"({calibration.top}), the baseline.",
            f"Segments by {_BY.get(calibration.segment_by, calibration.segment_by)}: {segments}.",
        ]
    if result.warnings:
        lines.append(
            f"warning: {len(result.warnings)} values measured on fewer than {result.min_prompts} prompts or calls "
            f"(written, with wide intervals): {', '.join(result.warnings)}"
        )
    return "\n".join(lines) + "\n"
