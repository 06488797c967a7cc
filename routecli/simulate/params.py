"""Parameters: numbers in a scenario file named by key path, and the scenario simulated with them changed.

``strategies.cascade.accept.light`` walks the file's data key by key; list items
(strategies, segments) are picked by ``name`` (or by index). Paths are checked
against the scenario spec, so a value the file does not set yet (a router's
``accuracy``, say) can still be varied. Each variation is the file's data with
values replaced, validated and built afresh. Pure: data in, results out — the
spec and the builder come with the data (``ScenarioData``), from the file side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple, Protocol

from routecli.errors import InputError, InvalidValueError, KeyPath
from routecli.simulate.costmodel import SimulationResult, simulate
from routecli.simulate.scenario import Scenario
from routecli.spec import Field, List, Map, Num, Obj, OneOf, Share, Spec, Tagged, did_you_mean, to_decimal

__all__ = ["Param", "ScenarioData", "param_note", "resolve_param", "simulate_with", "typed_value", "with_values"]

ZERO = Decimal(0)
ONE = Decimal(1)
_HUNDRED = Decimal(100)
_SHARE_PATH = ("traffic", "segments", None, "share")  # None: any segment


class ScenarioData(Protocol):
    """A scenario as data to vary: the data as written, the spec its key paths follow, and its builder.

    ``routecli.simulate.scenario_file.ScenarioSource`` is one: it read the file; the core only varies and builds.
    """

    @property
    def data(self) -> Any: ...

    @property
    def spec(self) -> Spec: ...

    @property
    def name(self) -> str: ...

    def build(self, data: Any = None) -> Scenario:
        """The scenario from the data as written, or from ``data`` (a variation of it)."""
        ...


class Param(NamedTuple):
    """A number in the scenario: its path as written, where it is, its value now and its bounds."""

    text: str
    key_path: KeyPath
    current: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None
    per_segment: Mapping[str, Any] | None = None
    """The per-segment values a single number replaces (for every segment alike)."""
    share: bool = False
    """A share, rate or probability (``Share`` in the spec): values typed for it may be percentages."""

    @property
    def rescales_shares(self) -> bool:
        """A segment's share: setting it rescales the other segments' shares."""
        return len(self.key_path) == 4 and all(
            want is None or want == part for want, part in zip(_SHARE_PATH, self.key_path, strict=True)
        )


def _error(text: str, message: str) -> InvalidValueError:
    return InvalidValueError(f"parameter {text!r}: {message}")


def _pick_item(items: Sequence[Any], part: str, text: str, walked: str) -> int:
    """The index of the list item named ``part``, else (for digits) at index ``part``."""
    names = [item.get("name") for item in items if isinstance(item, Mapping)]
    for index, item in enumerate(items):
        if isinstance(item, Mapping) and str(item.get("name")) == part:
            return index
    if part.isdigit():
        index = int(part)
        if index >= len(items):
            raise _error(text, f"{walked} has {len(items)} items and none named {part!r}")
        return index
    hint = did_you_mean(part, [str(name) for name in names if name is not None], f"names: {', '.join(map(str, names))}")
    raise _error(text, f"{walked} has no item named {part!r}; {hint}")


def _choose(spec: Spec, value: Any, more: bool) -> Spec:
    """The branch of a OneOf or Tagged spec that ``value`` (or, if absent, the rest of the path) takes."""
    if isinstance(spec, OneOf):
        if value is not None:
            fitting = [option for option in spec.options if option.accepts_type(value)]
            return _choose(fitting[0], value, more) if fitting else spec
        for option in spec.options:
            if isinstance(option, Num) != more:
                return _choose(option, value, more)
        return spec
    if isinstance(spec, Tagged) and isinstance(value, Mapping) and value.get(spec.tag) in spec.variants:
        return spec.variants[value[spec.tag]]
    return spec


def resolve_param(data: Any, text: str, spec: Spec) -> Param:
    """Find the number ``text`` names in the scenario ``data`` (following ``spec``); errors say which part is wrong."""
    parts = list(text.split("."))
    if not text or any(not part for part in parts):
        raise _error(text, "expected a dotted key path like strategies.cascade.accept.light")
    written: Spec = spec
    node: Any = data
    key_path: list[str | int] = []
    for position, part in enumerate(parts):
        more = position < len(parts) - 1
        walked = ".".join(parts[:position]) or "the scenario"
        spec = _choose(spec, node, True)
        if isinstance(spec, List):
            if not isinstance(node, list):
                raise _error(text, f"{walked} is not set in the file, so it has no item {part!r}")
            index = _pick_item(node, part, text, walked)
            key_path.append(index)
            node, spec = node[index], spec.item
            continue
        if isinstance(spec, Obj):
            key = spec.aliases.get(part, part)
            field: Field | None = spec.fields.get(key)
            if field is None:
                hint = did_you_mean(part, list(spec.fields), f"keys: {', '.join(spec.fields)}", spec.synonyms)
                raise _error(text, f"{walked} has no key {part!r}; {hint}")
            if isinstance(node, Mapping):  # the word the file spells the key with (models or its alias tiers)
                part = spec.written_key(node, key)
            spec = field.spec
        elif isinstance(spec, Map):
            if isinstance(node, Mapping) and node and part not in node:  # a misspelt tier must not add a new one
                hint = did_you_mean(part, [str(key) for key in node], f"names: {', '.join(map(str, node))}")
                raise _error(text, f"{walked} has no key {part!r}; {hint}")
            spec = spec.value
        else:
            raise _error(text, f"{walked} is a single value; it has no key {part!r}")
        key_path.append(part)
        node = node.get(part) if isinstance(node, Mapping) else None
        written = spec
        spec = _choose(spec, node, more)
    number = _number_option(written)
    per_segment = None
    if isinstance(node, Mapping) and isinstance(written, OneOf) and number is not None and isinstance(spec, Map):
        per_segment, node, spec = node, None, number  # one number for every segment instead of a mapping
    if isinstance(node, Mapping) and "measured" in node and number is not None:
        node, spec = node["measured"], number  # a measured rate varies as its rate; a value set replaces it whole
    if isinstance(node, list):
        raise _error(text, "is not a number but a list")
    if isinstance(node, Mapping):
        keys = ", ".join(str(key) for key in node)
        raise _error(text, f"is not a number but a mapping; vary one of its keys ({keys})")
    if not isinstance(spec, Num):
        raise _error(text, "does not name a number")
    current = None if node is None else spec.check(node, tuple(key_path))
    minimum = None if spec.minimum is None else to_decimal(spec.minimum)
    maximum = None if spec.maximum is None else to_decimal(spec.maximum)
    return Param(text, tuple(key_path), current, minimum, maximum, per_segment, isinstance(spec, Share))


def typed_value(text: str, share: bool, path: str, option: str) -> Decimal | None:
    """A value typed for the parameter ``path``: a number as in the file or, for a share, a percentage (50% is 0.5).

    ``None`` when ``text`` is no number; a percentage for a parameter that is not a share is refused, naming ``option``
    (the parameter's kind is known only once its path is resolved, so values stay text until then).
    """
    written = text.strip()
    percent = written.endswith("%")
    try:
        value = Decimal(written.removesuffix("%").strip())
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    if not percent:
        return value
    if not share:
        raise InvalidValueError(
            f"{option}: {path} is not a share, so it takes no percentage ({written}): write its value as in the "
            "scenario file"
        )
    return value / _HUNDRED


def _number_option(spec: Spec) -> Num | None:
    if isinstance(spec, Num):
        return spec
    if isinstance(spec, OneOf):
        return next((option for option in spec.options if isinstance(option, Num)), None)
    return None


def _replaced(node: Any, key_path: KeyPath, value: Any) -> Any:
    """A copy of ``node`` with ``value`` at ``key_path``; only the containers on the path are copied."""
    if not key_path:
        return value
    head, rest = key_path[0], key_path[1:]
    if isinstance(node, list):
        assert isinstance(head, int)
        items = list(node)
        items[head] = _replaced(items[head], rest, value)
        return items
    mapping = dict(node) if isinstance(node, Mapping) else {}
    mapping[head] = _replaced(mapping.get(head), rest, value)
    return mapping


def _rescaled_shares(data: Any, shares: Sequence[tuple[Param, Decimal]]) -> Any:
    """The segments' shares set, and the other segments' scaled in proportion so that all sum to 1."""
    segments = data["traffic"]["segments"]
    fixed = {param.key_path[2]: value for param, value in shares}
    given = sum(fixed.values(), ZERO)
    text = " + ".join(param.text for param, _ in shares)
    if given > ONE:
        raise _error(text, f"the shares set add up to {given}, more than 1")
    others = [i for i in range(len(segments)) if i not in fixed]
    written = {
        i: Share().check(segments[i]["share"], ("traffic", "segments", i, "share")) for i in others
    }  # 0.3 or "30%"
    total = sum(written.values(), ZERO)
    if given != ONE and not total:
        rest = "there is no other segment" if not others else "the other segments' shares are all 0"
        raise _error(text, f"the shares set add up to {given}, not 1, and {rest} to make up the rest")
    for i, share in written.items():
        data = _replaced(data, ("traffic", "segments", i, "share"), share * (ONE - given) / total if total else ZERO)
    for index, value in fixed.items():
        data = _replaced(data, ("traffic", "segments", index, "share"), value)
    return data


def with_values(data: Any, assignments: Sequence[tuple[Param, Decimal]]) -> Any:
    """The scenario data with each parameter set to its value.

    Segment shares set together; the other segments' shares rescale in proportion to make up the rest.
    """
    shares = [(param, value) for param, value in assignments if param.rescales_shares]
    if shares:
        data = _rescaled_shares(data, shares)
    for param, value in assignments:
        if not param.rescales_shares:
            data = _replaced(data, param.key_path, value)
    return data


def simulate_with(
    source: ScenarioData,
    assignments: Sequence[tuple[Param, Decimal]],
    data: Any = None,
    only: Sequence[str] = (),
) -> SimulationResult:
    """Simulate the scenario with each parameter set to its value; errors say which values.

    ``only`` limits the simulation to those strategies (the whole file is still validated).
    """
    varied = with_values(source.data if data is None else data, assignments)
    try:
        scenario = source.build(varied)
        if only:
            scenario = replace(scenario, strategies=tuple(s for s in scenario.strategies if s.name in only))
        return simulate(scenario)
    except InputError as error:
        setting = ", ".join(f"{param.text} = {value}" for param, value in assignments)
        error.message = f"with {setting}: {error.message}"
        raise


def param_note(param: Param) -> str | None:
    """What else changes when ``param`` does, for the report."""
    if param.rescales_shares:
        return f"{param.text} varies; the other segments' shares rescale in proportion so all shares still sum to 1"
    if param.per_segment is not None:
        given = ", ".join(f"{name} {value}" for name, value in param.per_segment.items())
        return f"{param.text} is one value for every segment here (the file gives {given})"
    return None
