"""``routecli tune --write``: the chosen threshold put into a router config, its comments and layout kept.

PyYAML's composer knows where each scalar starts and ends in the text, so the
one value changes in place and every other byte of the file stays. A key that
is not in the file yet cannot be placed that way (where it goes is a matter of
taste), so the change is printed for the user to make instead — except a
cascade's ``per_hop``, which has one natural place (after the cascade's last
key, indented as its keys) and is added there. The changed
file is loaded as a router config before it replaces the old one: a threshold
the config cannot take is an error, and the file is left as it was.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from routecli.errors import InputError, InputFileError, InvalidValueError, KeyPath, format_key_path
from routecli.loading import read_yaml
from routecli.tune.threshold import ThresholdStrategy, TuneResult
from routecli.tune.tiers import TieredResult

if TYPE_CHECKING:
    from routecli.replay.routing.complexity import ComplexityRouter

__all__ = [
    "check_hops_target",
    "check_target",
    "check_tiers_target",
    "config_scorer",
    "write_hops",
    "write_threshold",
    "write_thresholds",
]


def check_target(
    path: Path, strategy: ThresholdStrategy, score: str, weak: str, strong: str, middle: Sequence[str] = ()
) -> KeyPath:
    """Where the threshold goes in the config at ``path``, checked before any tuning: a complexity router's
    threshold for the strong tier, or a cascade's logprob ``min_mean``.

    The config must choose between the tuned models only (a router with another
    tier's band, or a longer chain, would not do what was tuned); ``middle`` are
    the tiers between ``weak`` and ``strong`` of an N-tier route or cascade.
    """
    document = read_yaml(path, "router config").data
    if strategy == "route":
        routing = document.get("routing") if isinstance(document, dict) else None
        kind = routing.get("type") if isinstance(routing, dict) else None
        if not isinstance(routing, dict) or kind != "complexity":
            has = "no routing" if routing is None else f"routing.type {kind}"
            raise InvalidValueError(
                "--write puts a route threshold into a complexity router (routing.type complexity); this config "
                f"has {has}: give a config with a complexity router, or --strategy cascade for a logprob cascade",
                source=str(path),
            )
        if score != "complexity":
            raise InvalidValueError(
                f"--write puts a route threshold into a complexity router, which scores prompts itself; a "
                f"threshold tuned on --score {score} is not one of its scores: tune with --score complexity",
                source=str(path),
            )
        # a router config names its tiers under tiers: or, as a scenario does, models:
        tiers = document.get("tiers", document.get("models")) if isinstance(document, dict) else None
        if not isinstance(tiers, dict) or strong not in tiers:
            shown = ", ".join(tiers) if isinstance(tiers, dict) else "none"
            raise InvalidValueError(
                f"--write: the strong model {strong!r} is not a tier of this config (tiers: {shown}); "
                "tune outcomes whose models are the config's tiers (replay --all-tiers writes such)",
                source=str(path),
            )
        thresholds = routing.get("thresholds")
        others = sorted(set(thresholds or {}) - {weak, strong, *middle}) if isinstance(thresholds, dict) else []
        if others:
            raise InvalidValueError(
                f"--write: tune chose between {weak} and {strong}, but this router also sends prompts to "
                f"{', '.join(others)}; its threshold would not do what was tuned",
                source=str(path),
            )
        return ("routing", "thresholds", strong)
    cascade = document.get("cascade") if isinstance(document, dict) else None
    if not isinstance(cascade, dict):
        raise InvalidValueError(
            f"--write puts a cascade threshold into cascade.accept's logprob evaluator; this config has no cascade: "
            f"add cascade: {{chain: [{', '.join([weak, *middle, strong])}], accept: {{all: [{{type: logprob, "
            "min_mean: -1}]}}",
            source=str(path),
        )
    chain = cascade.get("chain")
    tuned = [weak, *middle, strong]
    if chain != tuned:
        raise InvalidValueError(
            f"--write: tune cascaded {' to '.join(tuned)}; this config's cascade.chain is {chain!r}, "
            f"and its thresholds would not do what was tuned (use chain: [{', '.join(tuned)}])",
            source=str(path),
        )
    accept = cascade.get("accept") if isinstance(cascade, dict) else None
    for mode in ("all", "any"):
        evaluators = accept.get(mode) if isinstance(accept, dict) else None
        for index, evaluator in enumerate(evaluators or ()):
            if isinstance(evaluator, dict) and evaluator.get("type") == "logprob":
                return ("cascade", "accept", mode, index, "min_mean")
    raise InvalidValueError(
        "--write puts a cascade threshold (the weak answer's mean logprob) into a logprob evaluator; "
        "this config's cascade.accept has none: add {type: logprob, min_mean: -1} to cascade.accept.all",
        source=str(path),
    )


def check_hops_target(path: Path, chain: Sequence[str]) -> None:
    """A cascade of three tiers or more: the config must cascade along exactly ``chain`` and judge with a logprob
    evaluator, whose ``min_mean`` each hop's ``cascade.per_hop`` entry replaces; checked before any tuning."""
    check_target(path, "cascade", "confidence", chain[0], chain[-1], chain[1:-1])


def write_hops(path: Path, result: TieredResult, pricing: Sequence[Path] = ()) -> None:
    """Set ``cascade.per_hop.<tier>.min_mean`` of every tier but the last to its hop's chosen threshold; a
    ``per_hop`` the cascade lacks is added at its end, indented as its other keys."""
    choice = result.chosen
    if choice is None:
        return
    extreme = [
        f"{'no' if value > 0 else 'every'} answer of {tier}"
        for tier, value in zip(result.tiers, choice.thresholds, strict=False)
        if math.isinf(value)
    ]
    if extreme:
        raise InvalidValueError(
            f"--write: the chosen thresholds accept {' and '.join(extreme)}: no min_mean to write "
            f"(tune without {'that tier' if len(extreme) == 1 else 'those tiers'})"
        )
    changes = [
        (("cascade", "per_hop", tier, "min_mean"), repr(value))
        for tier, value in zip(result.tiers, choice.thresholds, strict=False)
    ]
    text = path.read_text(encoding="utf-8")
    root = yaml.compose(text)
    cascade = None if root is None else _node(root, ("cascade",))
    if (
        isinstance(cascade, yaml.MappingNode)
        and not cascade.flow_style
        and cascade.value
        and _node(cascade, ("per_hop",)) is None
    ):
        indent = " " * cascade.value[0][0].start_mark.column
        lines = [f"{indent}per_hop:", *(f"{indent}  {key[2]}: {{min_mean: {value}}}" for key, value in changes)]
        end = _innermost_last(cascade).end_mark.index  # after the cascade's last value, on to its line's end
        if end and text[end - 1] != "\n":
            newline = text.find("\n", end)
            end = len(text) if newline < 0 else newline + 1
        block = "\n".join(lines) + "\n"
        _set_values(path, [], pricing, insert=(end, block if end == 0 or text[end - 1] == "\n" else "\n" + block))
        return
    _set_values(path, changes, pricing)


def config_scorer(path: Path, score: str, pricing: Sequence[Path] = ()) -> ComplexityRouter | None:
    """The complexity router of the config at ``path``, so that ``--score complexity`` scores texts as it will
    (its weights and length_tokens); None for another score or router."""
    if score != "complexity":
        return None
    from routecli.replay.config_file import load_router_config
    from routecli.replay.routing.complexity import ComplexityRouter

    configured = load_router_config(path, pricing).router
    return configured if isinstance(configured, ComplexityRouter) else None


def write_threshold(path: Path, key: KeyPath, result: TuneResult, pricing: Sequence[Path] = ()) -> None:
    """Set the chosen threshold at ``key`` in the config at ``path``, or print the change when the key is missing."""
    choice = result.choice
    if choice is None:
        return
    if math.isinf(choice.threshold):
        sends = "no prompt" if choice.threshold > 0 else "every prompt"
        raise InvalidValueError(
            f"--write: the chosen threshold sends {sends} on to {result.strong}: no threshold to write "
            f"(use routing: {{type: fixed}} for one model)"
        )
    _set_values(path, [(key, repr(choice.threshold))], pricing)


def check_tiers_target(path: Path, tiers: Sequence[str], score: str) -> list[KeyPath]:
    """Where N tiers' thresholds go in the config at ``path``, checked before any tuning: its complexity router's
    threshold of every tier but the first (whose 0 stays), and the router must route over exactly these tiers."""
    key = check_target(path, "route", score, tiers[0], tiers[-1], tiers[1:-1])
    routing = read_yaml(path, "router config").data["routing"]
    thresholds = routing.get("thresholds")
    names = set(thresholds) if isinstance(thresholds, dict) else set()
    if names != set(tiers):
        raise InvalidValueError(
            f"--write: tune routed over {', '.join(tiers)}, but this complexity router's thresholds name "
            f"{', '.join(sorted(names)) or 'no tier'}; give it a threshold per tuned tier "
            f"(routing.thresholds: {{{tiers[0]}: 0, {', '.join(f'{tier}: …' for tier in tiers[1:])}}})",
            source=str(path),
        )
    if not isinstance(thresholds.get(tiers[0]), int | float) or thresholds[tiers[0]] != 0:
        raise InvalidValueError(
            f"--write: the first tier, {tiers[0]}, takes every score below the others' thresholds: its "
            f"routing.thresholds.{tiers[0]} must be 0",
            source=str(path),
        )
    return [(*key[:-1], tier) for tier in tiers[1:]]


def write_thresholds(path: Path, keys: Sequence[KeyPath], result: TieredResult, pricing: Sequence[Path] = ()) -> None:
    """Set each chosen threshold at its key (``check_tiers_target``'s) in the config at ``path``, all at once."""
    choice = result.chosen
    if choice is None:
        return
    # a tier whose threshold is inf, or the next one's (its band empty), gets no prompt; a router would still
    # route to it on a tie of thresholds, so there is no threshold to write
    after = [*choice.thresholds[1:], math.inf]
    empty = [
        tier
        for tier, value, following in zip(result.tiers[1:], choice.thresholds, after, strict=True)
        if math.isinf(value) or value == following
    ]
    if empty:
        raise InvalidValueError(
            f"--write: the chosen thresholds send no prompt to {', '.join(empty)}: no threshold to write "
            "(tune without that tier)"
        )
    _set_values(path, [(key, repr(value)) for key, value in zip(keys, choice.thresholds, strict=True)], pricing)


def _set_values(
    path: Path, changes: Sequence[tuple[KeyPath, str]], pricing: Sequence[Path], insert: tuple[int, str] | None = None
) -> None:
    """Put each value at its key in the file's text (or ``insert``'s lines at its offset), load the result as a router
    config, then replace the file."""
    from routecli.replay.config_file import load_router_config

    text = path.read_text(encoding="utf-8")
    root = yaml.compose(text)  # read_yaml in check_target parsed it already
    found = [(key, value, None if root is None else _find(root, key)) for key, value in changes]
    missing = [(format_key_path(key), value) for key, value, node in found if node is None]
    if missing:
        shown = ", ".join(f"{name}: {value}" for name, value in missing)
        print(f"{path}: no {', '.join(name for name, _ in missing)} to set; add it by hand: {shown}", file=sys.stderr)
        return
    spans = sorted(
        ((node.start_mark.index, node.end_mark.index, key, value) for key, value, node in found if node is not None),
        reverse=True,
    )
    changed_text = text
    for start, end, _, value in spans:  # from the end, so earlier offsets hold
        changed_text = changed_text[:start] + value + changed_text[end:]
    shown = ", ".join(f"{format_key_path(key)}: {value}" for _, _, key, value in reversed(spans))
    if insert is not None:
        at, lines = insert
        changed_text = changed_text[:at] + lines + changed_text[at:]
        shown = "the lines " + " / ".join(line.strip() for line in lines.strip("\n").split("\n"))
    changed = path.with_name(f".{path.name}.routecli-tune")
    try:
        changed.write_text(changed_text, encoding="utf-8")
        try:
            load_router_config(changed, pricing)
        except InputError as error:
            raise InvalidValueError(
                f"--write: {shown} would not load ({error.message}); the file is left as it was",
                source=str(path),
            ) from None
        os.replace(changed, path)
    except OSError as error:
        raise InputFileError(f"cannot write the router config: {error.strerror or error}", source=str(path)) from None
    finally:
        changed.unlink(missing_ok=True)
    for start, end, key, value in reversed(spans):
        print(f"{path}: {format_key_path(key)} set to {value} (was {text[start:end]})", file=sys.stderr)
    if insert is not None:
        print(f"{path}: added {shown.removeprefix('the lines ')}", file=sys.stderr)


def _find(node: yaml.Node, key: KeyPath) -> yaml.ScalarNode | None:
    """The scalar at ``key`` in a composed document, or None when a step is missing or not a scalar at the end."""
    found = _node(node, key)
    return found if isinstance(found, yaml.ScalarNode) else None


def _innermost_last(node: yaml.Node) -> yaml.Node:
    """The last scalar or flow collection of a block collection: where its text ends (a block's own end lies past
    the comments after it)."""
    while not getattr(node, "flow_style", True) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node


def _node(node: yaml.Node, key: KeyPath) -> yaml.Node | None:
    """The node at ``key`` in a composed document, or None when a step is missing."""
    for step in key:
        found: Any = None
        if isinstance(node, yaml.MappingNode):
            found = next((value for name, value in node.value if getattr(name, "value", None) == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            found = node.value[step]
        if found is None:
            return None
        node = found
    return node
