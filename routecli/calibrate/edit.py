"""``calibrate --scenario IN.yaml``: the measured values put into an existing scenario, its comments and layout kept.

As ``routecli.tune.write_back`` does for a router config, PyYAML's composer gives
where each value starts and ends in the text, so only those characters change.
What is filled: a tier's ``quality`` (per segment, or one number: the pooled rate),
the ``accept`` rates of every cascade or hybrid strategy whose chain is the
replay's, and a tier's ``latency`` figures — where the file gives them. A value
the file does not give is left to the user (where it goes is a matter of taste).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NamedTuple

import yaml

from routecli.calibrate.measure import Calibration
from routecli.calibrate.rates import Rate
from routecli.errors import InvalidValueError
from routecli.pricing.prices import decimal_text

__all__ = ["Change", "filled"]

_OUR_COMMENTS = ("# measured:", "# fitted to")


class Change(NamedTuple):
    """One value set: its key path as text, the old and new text, and what it was measured on."""

    key: str
    old: str
    new: str
    note: str


def _rate_text(rate: Rate) -> str:
    return f"{{measured: {decimal_text(rate.value)}, n: {rate.n}, successes: {rate.successes}}}"


def _rate_note(rate: Rate, run: str) -> str:
    low, high = rate.interval()
    return f"measured: {rate.n} prompts, 95% CI {low:.2f}–{high:.2f}, run {run}"


def _get(node: yaml.Node, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((value for name, value in node.value if getattr(name, "value", None) == key), None)


def _replaceable(node: yaml.Node) -> bool:
    """A number, or a measured value written on one line (``{measured: …}``)."""
    return isinstance(node, yaml.ScalarNode) or (
        isinstance(node, yaml.MappingNode) and bool(node.flow_style) and _get(node, "measured") is not None
    )


def _per_segment(
    node: yaml.Node, rates: Mapping[str, Rate], pooled: Rate | None, where: str
) -> Iterator[tuple[yaml.Node, str, Rate]]:
    """The values of a per-segment key to fill: one number (the pooled rate), or each segment measured."""
    if _replaceable(node):
        if pooled is not None:
            yield node, where, pooled
        return
    if isinstance(node, yaml.MappingNode):
        for name, value in node.value:
            segment = getattr(name, "value", None)
            if isinstance(segment, str) and segment in rates and _replaceable(value):
                yield value, f"{where}.{segment}", rates[segment]


def _targets(root: yaml.Node, calibration: Calibration, source: str) -> Iterator[tuple[yaml.Node, str, str, str]]:
    """Every value of the scenario the calibration measured: node, key path, new text, note."""
    run = "+".join(calibration.runs)
    tiers = {tier.info.name: tier for tier in calibration.tiers}
    models_key = "models" if _get(root, "models") is not None else "tiers"
    models = _get(root, models_key)
    if isinstance(models, yaml.MappingNode):
        for name_node, model in models.value:
            tier = tiers.get(getattr(name_node, "value", None) or "")
            if tier is None:
                continue
            where = f"{models_key}.{tier.info.name}"
            model_node = _get(model, "model")
            written = getattr(model_node, "value", None)
            if model_node is not None and written not in (tier.info.model, tier.info.price.id):
                raise InvalidValueError(
                    f"{where}.model is {written}, but the replay's tier {tier.info.name!r} ran {tier.info.model} "
                    f"(priced as {tier.info.price.id}): its measurements are not this model's; name the tier "
                    "after what ran, or calibrate a new scenario (without --scenario)",
                    source=source,
                    line=model_node.start_mark.line + 1,
                )
            quality = _get(model, "quality")
            if quality is not None:
                for node, key, rate in _per_segment(quality, tier.quality, tier.quality_all, f"{where}.quality"):
                    yield node, key, _rate_text(rate), _rate_note(rate, run)
            latency = _get(model, "latency")
            if latency is not None and tier.latency is not None:
                calls = f"fitted to {tier.latency.calls.n} calls, run {run}"
                for field, value in (("ttft_ms", tier.latency.ttft_ms), ("tokens_per_s", tier.latency.tokens_per_s)):
                    figure = _get(latency, field)
                    if isinstance(figure, yaml.ScalarNode):
                        yield figure, f"{where}.latency.{field}", decimal_text(value), calls
    strategies = _get(root, "strategies")
    if not isinstance(strategies, yaml.SequenceNode) or calibration.all_tiers or len(calibration.chain) < 2:
        return
    for index, strategy in enumerate(strategies.value):
        chain = _get(strategy, "chain")
        names = [getattr(item, "value", None) for item in chain.value] if isinstance(chain, yaml.SequenceNode) else []
        accept = _get(strategy, "accept")
        if tuple(names) != calibration.chain or not isinstance(accept, yaml.MappingNode):
            continue
        label = getattr(_get(strategy, "name"), "value", None) or str(index)
        for step_node, value in accept.value:
            tier = tiers.get(getattr(step_node, "value", None) or "")
            if tier is None:
                continue
            where = f"strategies.{label}.accept.{tier.info.name}"
            for node, key, rate in _per_segment(value, tier.accept, tier.accept_all, where):
                yield node, key, _rate_text(rate), _rate_note(rate, run)


def filled(text: str, calibration: Calibration, source: str) -> tuple[str, list[Change]]:
    """``text`` (a scenario) with every value the calibration measured set, and the changes in file order.

    A value alone at the end of its line gets the measurement as a comment (replacing one an earlier calibration
    wrote); a comment of the user's stays as it is.
    """
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        raise InvalidValueError(f"YAML syntax error: {error}", source=source) from None
    if root is None:
        raise InvalidValueError("the scenario is empty", source=source)
    found = sorted(_targets(root, calibration, source), key=lambda target: target[0].start_mark.index)
    changes = []
    pieces = []
    position = 0
    for node, key, new, note in found:
        start, end = node.start_mark.index, node.end_mark.index
        line_end = text.find("\n", end)
        rest = text[end : len(text) if line_end < 0 else line_end]
        pieces += [text[position:start], new]
        position = end
        if not rest.strip() or rest.strip().startswith(_OUR_COMMENTS):  # a comment of ours is brought up to date
            pieces.append(f"  # {note}")
            position = end + len(rest)
        changes.append(Change(key, text[start:end], new, note))
    pieces.append(text[position:])
    return "".join(pieces), changes
