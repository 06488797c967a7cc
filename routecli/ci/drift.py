"""Router regression: how a router change moves prompts between tiers, from two replay reports.

``routecli replay --dry-run --baseline BASE.json`` compares each tier's share of
prompts in this run with the baseline report's; a tier that moved more than the
tolerance (percentage points) is drift. Pure: the baseline's ``ReportDocument``
(``routecli.ci.documents``) and this run's prompts per entry tier in, ``TierDrift`` out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

from routecli.ci.documents import DocumentReader, ReportDocument
from routecli.errors import KeyPath

__all__ = ["DEFAULT_TOLERANCE", "TierDrift", "TierShares", "TierShift", "entry_shares", "run_drift", "tier_drift"]

DEFAULT_TOLERANCE = Decimal(10)
"""Percentage points a tier's share of prompts may move from --baseline's."""


class TierShares(NamedTuple):
    """How many prompts entered each tier in one replay report: what a router change moves."""

    source: str
    counts: dict[str, int]
    """Prompts by entry tier: the router's pick (``routing.distribution``), else the tier that answered."""
    tiers: tuple[str, ...]
    """The configured tiers, in the report's order."""
    prompts: str
    """The prompt file: its sha256 when the report recorded it, else its path."""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, tier: str) -> Fraction:
        """The tier's share of prompts in percent, exact (so a move equal to the tolerance is not above it)."""
        return Fraction(100 * self.counts.get(tier, 0), self.total) if self.total else Fraction(0)


class TierShift(NamedTuple):
    """One tier's share of prompts in percent, in the baseline (``old``) and now (``new``)."""

    tier: str
    old: Fraction
    new: Fraction

    @property
    def change(self) -> Fraction:
        return self.new - self.old


class TierDrift(NamedTuple):
    """Each tier's share before and after, and which moved more than ``tolerance`` percentage points."""

    tolerance: Decimal
    shifts: tuple[TierShift, ...]
    notes: tuple[str, ...]

    @property
    def drifted(self) -> tuple[TierShift, ...]:
        return tuple(shift for shift in self.shifts if abs(shift.change) > Fraction(self.tolerance))

    @property
    def passed(self) -> bool:
        return not self.drifted


def entry_shares(report: ReportDocument) -> TierShares:
    """The prompts per entry tier of a replay report (``replay --format json``); errors name its source."""
    document, reader, source = report.data, report.reader, report.source
    if report.kind != "replay":
        raise reader.fail("is a simulation report; compare against a replay report (replay --format json)", ("kind",))
    tiers = reader.named(reader.get(document, "tiers", ()), ("tiers",), "tier")
    counts: dict[str, int] = {}
    routing = reader.get(document, "routing", ())
    if routing is not None:
        path: KeyPath = ("routing", "distribution")
        distribution = reader.mapping(reader.get(reader.mapping(routing, path[:1]), "distribution", path[:1]), path)
        counts = {str(tier): reader.count(count, (*path, str(tier))) for tier, count in distribution.items()}
    if not counts:  # no router (a cascade enters at its first tier): each prompt enters where a dry run answers it
        counts = {
            name: reader.count(reader.get(tier, "answered", ("tiers", index)), ("tiers", index, "answered"))
            for index, tier, name in tiers
        }
    return TierShares(source, counts, tuple(name for _, _, name in tiers), _prompt_file(document, reader))


def _prompt_file(document: Mapping[str, Any], reader: DocumentReader) -> str:
    inputs = document.get("inputs")
    files = inputs.get("files") if isinstance(inputs, Mapping) else None
    for item in files if isinstance(files, list) else ():
        if isinstance(item, Mapping) and item.get("role") == "prompts" and isinstance(item.get("sha256"), str):
            return str(item["sha256"])
    return reader.text(reader.get(document, "prompts", ()), ("prompts",))


def tier_drift(base: TierShares, head: TierShares, tolerance: Decimal) -> TierDrift:
    """Each tier's share of prompts in ``base`` and ``head`` (a tier only one has is 0% in the other).

    Reports of other tiers or another prompt file are compared anyway, with a note.
    """
    tiers = list(dict.fromkeys([*head.tiers, *head.counts, *base.tiers, *base.counts]))
    shifts = tuple(TierShift(tier, base.share(tier), head.share(tier)) for tier in tiers)
    notes: list[str] = []
    if base.tiers != head.tiers:
        notes.append(
            f"The tiers differ ({base.source}: {', '.join(base.tiers)}; {head.source}: {', '.join(head.tiers)}): "
            "a tier only one has counts as 0% in the other."
        )
    if base.prompts != head.prompts:
        notes.append(f"{base.source} replayed another prompt file: the shares compare different prompts.")
    elif base.total != head.total:
        notes.append(f"{base.source} routed {base.total:,} prompts, {head.source} {head.total:,}.")
    return TierDrift(tolerance, shifts, tuple(notes))


def run_drift(
    base: TierShares, counts: Mapping[str, int], tiers: Sequence[str], prompts: str, tolerance: Decimal | None = None
) -> TierDrift:
    """How far this run's prompts per entry tier (``counts``, of configured ``tiers``) moved from ``base``.

    ``prompts`` names this run's prompt file as a report would (its sha256, else its path); ``tolerance`` is
    ``DEFAULT_TOLERANCE`` unless given.
    """
    head = TierShares("this run", dict(counts), tuple(tiers), prompts)
    return tier_drift(base, head, DEFAULT_TOLERANCE if tolerance is None else tolerance)
