"""Two JSON reports of the same kind side by side: each figure before and after, and what came or went.

``routecli diff`` reads two reports of ``routecli simulate`` (or two of ``routecli
replay``/``report``), written before and after a change, so a pull request shows
what the change does to cost. This module is the pure part: two
``ReportDocument`` (``routecli.ci.documents``) in, a ``ReportDiff`` out. Money is
read from the reports' exact decimal strings and other numbers from their JSON
text, all as ``Decimal``, so every change is exact: 0.91 − 0.9 is 0.01.

Malformed input raises ``InvalidValueError`` naming the report (its source) and
the key path, e.g. ``head.json: strategies[1].monthly_cost: expected …``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from routecli.ci.documents import DocumentReader, Kind, ReportDocument
from routecli.errors import InvalidValueError, KeyPath
from routecli.spec import did_you_mean

__all__ = [
    "Cheapest",
    "Entry",
    "Figure",
    "Group",
    "Headline",
    "HeadlineSource",
    "InputsChanged",
    "ReportDiff",
    "Row",
    "Unit",
    "diff_reports",
]

Unit = Literal["usd", "count", "ratio", "ms"]
HeadlineSource = Literal["baseline", "option", "cheapest-shared", "cheapest"]
"""How a simulation's headline strategy was chosen: HEAD's baseline (BASE's if HEAD's is new), ``--strategy``,
the cheapest strategy both reports have (neither baseline is in both), or each report's own cheapest (no
strategy is in both, the one case where two strategies are compared)."""
Group = Literal["strategy", "model", "total", "tier"]
"""Simulations have ``strategy`` and ``model`` rows (a strategy's spend on a tier); replays ``total`` and ``tier``."""

_UNITS: dict[str, Unit] = {
    "monthly_cost": "usd",
    "savings_vs_baseline": "usd",
    "quality": "ratio",
    "latency_p95_ms": "ms",
    "spend": "usd",
    "requests": "count",
    "answered": "count",
    "escalation_rate": "ratio",
}


class Figure(NamedTuple):
    """One number in the base report (``old``) and the head report (``new``); None where a report has no value."""

    metric: str
    unit: Unit
    old: Decimal | None
    new: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.old is None or self.new is None:
            return None
        return self.new - self.old

    @property
    def change_pct(self) -> Decimal | None:
        """The change as a percentage of the old value's size; None from 0, where no percentage means anything."""
        change = self.change
        if change is None or self.old is None or not self.old:
            return None
        return change / abs(self.old) * 100


class Row(NamedTuple):
    """A strategy, tier or strategy's spend on a model that both reports have, figure by figure.

    ``strategy`` is a ``model`` row's strategy; ``model`` the model id (old, new) of a
    ``model`` or ``tier`` row, which a change may have swapped.
    """

    group: Group
    name: str
    figures: tuple[Figure, ...]
    strategy: str | None = None
    model: tuple[str | None, str | None] | None = None

    def figure(self, metric: str) -> Figure | None:
        return next((figure for figure in self.figures if figure.metric == metric), None)


class Entry(NamedTuple):
    """A strategy, tier or strategy's model that only one report has, with what it costs there."""

    group: Group
    name: str
    cost: Decimal
    strategy: str | None = None
    model: str | None = None


class Headline(NamedTuple):
    """The number the verdict is about: a replay's total spend, or a strategy's monthly cost.

    ``strategies`` are the simulations' strategies compared (base's, head's): one strategy
    with itself, chosen as ``source`` says; two only when no strategy is in both reports.
    """

    figure: Figure
    strategies: tuple[str, str] | None = None
    source: HeadlineSource | None = None


class Cheapest(NamedTuple):
    """Each simulation's cheapest strategy and its monthly cost: told apart from the headline when it changed."""

    old: str
    new: str
    old_cost: Decimal
    new_cost: Decimal

    @property
    def changed(self) -> bool:
        return self.old != self.new


class InputsChanged(NamedTuple):
    """Which inputs differ, from the digests both reports recorded: the price tables, the rest (the setup)."""

    prices: bool
    setup: bool


class ReportDiff(NamedTuple):
    """What changed from the base report to the head report."""

    kind: Kind
    sources: tuple[str, str]
    names: tuple[str, str]
    """The scenarios' names (simulations) or router configs (replays), base and head."""
    headline: Headline
    cheapest: Cheapest | None
    """Simulations: each report's cheapest strategy; None for replays."""
    rows: tuple[Row, ...]
    added: tuple[Entry, ...]
    removed: tuple[Entry, ...]
    baseline: str | None
    """The head simulation's baseline strategy."""
    inputs_changed: InputsChanged | None
    """None unless both reports recorded their inputs."""
    notes: tuple[str, ...]


class _Item(NamedTuple):
    """One row of one report, before matching: its figures' values by metric."""

    group: Group
    name: str
    values: dict[str, Decimal | None]
    cost_metric: str
    strategy: str | None = None
    model: str | None = None

    @property
    def key(self) -> tuple[str, str | None, str]:
        return self.group, self.strategy, self.name


class _Report(NamedTuple):
    """What a diff needs of one report."""

    kind: Kind
    name: str
    items: tuple[_Item, ...]
    baseline: str | None
    requests: Decimal
    dry_run: bool
    digests: tuple[str, str] | None


def _simulation(report: ReportDocument) -> _Report:
    document, reader = report.data, report.reader
    strategies = reader.named(reader.get(document, "strategies", ()), ("strategies",), "strategy")
    models = reader.mapping(reader.get(document, "models", ()), ("models",))
    p95 = _latency_p95(document, reader)
    items: list[_Item] = []
    spends: list[_Item] = []
    for index, strategy, name in strategies:
        path: KeyPath = ("strategies", index)
        values: dict[str, Decimal | None] = {
            key: reader.money(reader.get(strategy, key, path), (*path, key))
            for key in ("monthly_cost", "savings_vs_baseline")
        }
        values["quality"] = reader.optional_number(reader.get(strategy, "quality", path), (*path, "quality"))
        if p95 is not None:
            values["latency_p95_ms"] = p95.get(name)
        items.append(_Item("strategy", name, values, "monthly_cost"))
        by_model = reader.mapping(reader.get(strategy, "spend_by_model", path), (*path, "spend_by_model"))
        for tier, spend in by_model.items():
            spend_value = reader.money(spend, (*path, "spend_by_model", tier))
            model = _model_id(models, tier, reader)
            spends.append(_Item("model", tier, {"spend": spend_value}, "spend", strategy=name, model=model))
    period = reader.mapping(reader.get(document, "period", ()), ("period",))
    return _Report(
        kind="simulation",
        name=reader.text(reader.get(document, "scenario", ()), ("scenario",)),
        items=(*items, *spends),
        baseline=reader.text(reader.get(document, "baseline", ()), ("baseline",)),
        requests=reader.money(reader.get(period, "requests", ("period",)), ("period", "requests")),
        dry_run=False,
        digests=report.digests(),
    )


def _latency_p95(document: Mapping[str, Any], reader: DocumentReader) -> dict[str, Decimal | None] | None:
    """Each strategy's P95 latency from the Monte Carlo part; None when the report has none (no --samples)."""
    spread = document.get("monte_carlo")
    if spread is None:
        return None
    path: KeyPath = ("monte_carlo", "strategies")
    strategies = reader.array(reader.get(reader.mapping(spread, ("monte_carlo",)), "strategies", path[:1]), path)
    p95: dict[str, Decimal | None] = {}
    for index, item in enumerate(strategies):
        strategy = reader.mapping(item, (*path, index))
        name = reader.text(reader.get(strategy, "name", (*path, index)), (*path, index, "name"))
        p95[name] = reader.optional_number(
            reader.get(strategy, "latency_p95_ms", (*path, index)), (*path, index, "latency_p95_ms")
        )
    return p95


def _model_id(models: Mapping[str, Any], tier: str, reader: DocumentReader) -> str | None:
    if tier not in models:
        return None
    model = reader.mapping(models[tier], ("models", tier))
    return reader.text(reader.get(model, "model", ("models", tier)), ("models", tier, "model"))


def _accuracy(value: Any, path: KeyPath, reader: DocumentReader) -> Decimal | None:
    """``quality.accuracy`` of a replay report or tier; None when nothing was checked."""
    if value is None:
        return None
    quality = reader.mapping(value, path)
    return reader.optional_number(reader.get(quality, "accuracy", path), (*path, "accuracy"))


def _replay(report: ReportDocument) -> _Report:
    document, reader = report.data, report.reader
    escalation: dict[str, Decimal | None] = {}
    hops = reader.array(reader.get(document, "hops", ()), ("hops",))
    for index, item in enumerate(hops):
        hop = reader.mapping(item, ("hops", index))
        start = reader.text(reader.get(hop, "from", ("hops", index)), ("hops", index, "from"))
        escalation[start] = reader.optional_number(reader.get(hop, "rate", ("hops", index)), ("hops", index, "rate"))
    total_spend = reader.money(reader.get(document, "total_spend", ()), ("total_spend",))
    requests = Decimal(reader.count(reader.get(document, "requests", ()), ("requests",)))
    items = [
        _Item(
            "total",
            "total",
            {
                "spend": total_spend,
                "requests": requests,
                "answered": Decimal(reader.count(reader.get(document, "answered", ()), ("answered",))),
                "quality": _accuracy(reader.get(document, "quality", ()), ("quality",), reader),
                "escalation_rate": reader.optional_number(
                    reader.get(document, "escalation_rate", ()), ("escalation_rate",)
                ),
            },
            "spend",
        )
    ]
    for index, tier, name in reader.named(reader.get(document, "tiers", ()), ("tiers",), "tier"):
        path: KeyPath = ("tiers", index)
        values: dict[str, Decimal | None] = {
            "spend": reader.money(reader.get(tier, "spend", path), (*path, "spend")),
            "requests": Decimal(reader.count(reader.get(tier, "requests", path), (*path, "requests"))),
            "answered": Decimal(reader.count(reader.get(tier, "answered", path), (*path, "answered"))),
            "quality": _accuracy(reader.get(tier, "quality", path), (*path, "quality"), reader),
            "escalation_rate": escalation.get(name),
        }
        model = reader.text(reader.get(tier, "model", path), (*path, "model"))
        items.append(_Item("tier", name, values, "spend", model=model))
    return _Report(
        kind="replay",
        name=reader.text(reader.get(document, "config", ()), ("config",)),
        items=tuple(items),
        baseline=None,
        requests=requests,
        dry_run=reader.flag(reader.get(document, "dry_run", ()), ("dry_run",)),
        digests=report.digests(),
    )


def _cheapest(report: _Report) -> _Item:
    strategies = [item for item in report.items if item.group == "strategy"]
    return min(strategies, key=_cost)  # min keeps the first of equals: scenario order


def _cost(item: _Item) -> Decimal:
    cost = item.values[item.cost_metric]
    assert cost is not None  # cost metrics are money, always present
    return cost


def _strategies(report: _Report) -> dict[str, _Item]:
    return {item.name: item for item in report.items if item.group == "strategy"}


def _headline(base: _Report, head: _Report, strategy: str | None, sources: tuple[str, str]) -> Headline:
    """One strategy's monthly cost in both reports (``HeadlineSource`` says which); a replay's total spend."""
    if base.kind == "replay":
        old, new = (next(item for item in report.items if item.group == "total") for report in (base, head))
        return Headline(Figure("spend", "usd", _cost(old), _cost(new)))
    old_items, new_items = _strategies(base), _strategies(head)
    shared = [name for name in new_items if name in old_items]
    source: HeadlineSource
    if strategy is not None:
        _check_strategy(strategy, old_items, new_items, sources)
        name, source = strategy, "option"
    elif baselines := [b for b in (head.baseline, base.baseline) if b in shared]:
        name, source = baselines[0], "baseline"
    elif shared:
        name, source = min(shared, key=lambda n: _cost(new_items[n])), "cheapest-shared"
    else:
        old, new = _cheapest(base), _cheapest(head)
        return Headline(Figure("monthly_cost", "usd", _cost(old), _cost(new)), (old.name, new.name), "cheapest")
    figure = Figure("monthly_cost", "usd", _cost(old_items[name]), _cost(new_items[name]))
    return Headline(figure, (name, name), source)


def _check_strategy(
    strategy: str, old_items: Mapping[str, _Item], new_items: Mapping[str, _Item], sources: tuple[str, str]
) -> None:
    """``--strategy`` must name a strategy both reports have: the headline compares it with itself."""
    shared = [name for name in new_items if name in old_items]
    both = f"both have {', '.join(shared)}" if shared else "they have no strategy in common"
    if strategy in old_items and strategy in new_items:
        return
    if strategy in old_items or strategy in new_items:
        has, lacks = (sources[0], sources[1]) if strategy in old_items else (sources[1], sources[0])
        raise InvalidValueError(
            f"strategy {strategy!r} is in {has} but not in {lacks}, so it has no change to head the diff; {both}"
        )
    everything = list(dict.fromkeys([*new_items, *old_items]))
    hint = did_you_mean(strategy, everything)
    raise InvalidValueError(f"no strategy {strategy!r} in either report" + (f"; {hint}" if hint else "") + f" ({both})")


def _cheapest_pair(base: _Report, head: _Report) -> Cheapest | None:
    if base.kind == "replay":
        return None
    old, new = _cheapest(base), _cheapest(head)
    return Cheapest(old.name, new.name, _cost(old), _cost(new))


def _row(old: _Item, new: _Item) -> Row:
    metrics = list(dict.fromkeys([*old.values, *new.values]))
    figures = tuple(Figure(m, _UNITS[m], old.values.get(m), new.values.get(m)) for m in metrics)
    model = None if old.group in ("strategy", "total") else (old.model, new.model)
    return Row(new.group, new.name, figures, strategy=new.strategy, model=model)


def _entry(item: _Item) -> Entry:
    return Entry(item.group, item.name, _cost(item), strategy=item.strategy, model=item.model)


def _match(base: _Report, head: _Report) -> tuple[tuple[Row, ...], tuple[Entry, ...], tuple[Entry, ...]]:
    """Rows in head order; added and removed strategies, tiers and models.

    A strategy only one report has is reported once, not again for each model it spends on.
    """
    old_items = {item.key: item for item in base.items}
    new_items = {item.key: item for item in head.items}
    rows = tuple(_row(old_items[key], item) for key, item in new_items.items() if key in old_items)

    def only(items: Iterable[_Item], other: Mapping[tuple[str, str | None, str], _Item]) -> tuple[Entry, ...]:
        strategies = {item.name for item in other.values() if item.group == "strategy"}
        return tuple(
            _entry(item)
            for item in items
            if item.key not in other and (item.strategy is None or item.strategy in strategies)
        )

    return rows, only(head.items, old_items), only(base.items, new_items)


def _notes(base: _Report, head: _Report, sources: tuple[str, str]) -> tuple[str, ...]:
    notes: list[str] = []
    if base.kind == "simulation":
        if base.requests != head.requests:
            notes.append(f"Traffic changed: {_plain(base.requests)} → {_plain(head.requests)} requests a month.")
        if base.baseline != head.baseline:
            notes.append(
                f"The baseline changed from {base.baseline} to {head.baseline}: "
                "savings are measured against different strategies."
            )
        return tuple(notes)
    if base.requests != head.requests:
        notes.append(
            f"The runs replayed different numbers of prompts ({_plain(base.requests)} → {_plain(head.requests)}): "
            "spend compares different workloads."
        )
    if base.dry_run and head.dry_run:
        notes.append("Both runs are dry runs: their costs are estimates.")
    elif base.dry_run or head.dry_run:
        dry = sources[0] if base.dry_run else sources[1]
        notes.append(f"Only {dry} is a dry run: its costs are estimates, the other's were billed.")
    return tuple(notes)


def _plain(value: Decimal) -> str:
    return f"{value:,f}"


def diff_reports(base: ReportDocument, head: ReportDocument, *, strategy: str | None = None) -> ReportDiff:
    """Compare two reports of the same kind; their sources name them in errors (file paths at the CLI).

    ``strategy`` picks the simulation strategy the headline follows; without it, the
    baseline (``HeadlineSource``). The headline never compares two strategies while
    both reports share one: a cheaper strategy in HEAD is ``cheapest``'s news, not a
    change in cost.
    """
    sources = base.source, head.source
    base_kind, head_kind = base.kind, head.kind
    if base_kind != head_kind:
        raise InvalidValueError(
            f"is a {head_kind} report but {sources[0]} is a {base_kind} report; diff two reports of the same kind",
            source=sources[1],
            path=("kind",),
        )
    read = _simulation if base_kind == "simulation" else _replay
    if strategy is not None and base_kind == "replay":
        raise InvalidValueError("only a simulation's headline follows a strategy; these are replay reports")
    old, new = read(base), read(head)
    rows, added, removed = _match(old, new)
    changed = None
    if old.digests is not None and new.digests is not None:
        changed = InputsChanged(prices=old.digests[0] != new.digests[0], setup=old.digests[1] != new.digests[1])
    return ReportDiff(
        kind=base_kind,
        sources=sources,
        names=(old.name, new.name),
        headline=_headline(old, new, strategy, sources),
        cheapest=_cheapest_pair(old, new),
        rows=rows,
        added=added,
        removed=removed,
        baseline=new.baseline,
        inputs_changed=changed,
        notes=_notes(old, new, sources),
    )
