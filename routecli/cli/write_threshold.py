"""``routecli tune --write``: the chosen threshold put into a router config, its comments and layout kept.

PyYAML's composer knows where each scalar starts and ends in the text, so the
one value changes in place and every other byte of the file stays. A key that
is not in the file yet cannot be placed that way (where it goes is a matter of
taste), so the change is printed for the user to make instead.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import yaml

from routecli.errors import InputFileError, InvalidValueError
from routecli.tune import TuneResult

__all__ = ["target_key", "write_threshold"]


def target_key(document: Any, result: TuneResult) -> tuple[Any, ...]:
    """Where ``result``'s threshold belongs in a config: a complexity router's threshold for the strong tier, or a
    cascade's logprob ``min_mean``; ``InvalidValueError`` saying what the config lacks."""
    if result.strategy == "route":
        routing = document.get("routing") if isinstance(document, dict) else None
        if result.score != "complexity" or not isinstance(routing, dict) or routing.get("type") != "complexity":
            raise InvalidValueError(
                "--write puts a route threshold into a complexity router (routing.type complexity) tuned with "
                "--score complexity; this config or score does not match"
            )
        return ("routing", "thresholds", result.strong)
    cascade = document.get("cascade") if isinstance(document, dict) else None
    accept = cascade.get("accept") if isinstance(cascade, dict) else None
    for mode in ("all", "any"):
        evaluators = accept.get(mode) if isinstance(accept, dict) else None
        for index, evaluator in enumerate(evaluators or ()):
            if isinstance(evaluator, dict) and evaluator.get("type") == "logprob":
                return ("cascade", "accept", mode, index, "min_mean")
    raise InvalidValueError(
        "--write puts a cascade threshold (the weak answer's mean logprob) into a logprob evaluator; "
        "this config's cascade.accept has none"
    )


def write_threshold(path: Path, result: TuneResult) -> None:
    """Set the chosen threshold in the config at ``path``, or print the change when the key is not there yet."""
    choice = result.choice
    if choice is None:
        return
    try:
        text = path.read_text(encoding="utf-8")
        document = yaml.safe_load(text)
        root = yaml.compose(text)
    except OSError as error:
        raise InputFileError(f"cannot read the router config: {error.strerror or error}", source=str(path)) from None
    except yaml.YAMLError as error:
        raise InputFileError(f"not valid YAML: {error}", source=str(path)) from None
    try:
        key = target_key(document, result)
    except InvalidValueError as error:
        raise error.located(str(path), None) from None
    value = _yaml_number(choice.threshold)
    node = None if root is None else _find(root, key)
    shown = ".".join(str(part) for part in key)
    if node is None:
        print(f"{path}: no {shown} to set; add it by hand: {shown}: {value}", file=sys.stderr)
        return
    start, end = node.start_mark.index, node.end_mark.index
    try:
        path.write_text(text[:start] + value + text[end:], encoding="utf-8")
    except OSError as error:
        raise InputFileError(f"cannot write the router config: {error.strerror or error}", source=str(path)) from None
    print(f"{path}: {shown} set to {value} (was {text[start:end]})", file=sys.stderr)


def _yaml_number(value: float) -> str:
    """The shortest text that reads back as ``value`` (``.inf`` for infinity, as YAML spells it)."""
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    return repr(value)


def _find(node: yaml.Node, key: tuple[Any, ...]) -> yaml.ScalarNode | None:
    """The scalar at ``key`` in a composed document, or None when a step is missing or not a scalar at the end."""
    for step in key:
        if isinstance(node, yaml.MappingNode):
            found = next((value for name, value in node.value if getattr(name, "value", None) == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            found = node.value[step]
        else:
            return None
        if found is None:
            return None
        node = found
    return node if isinstance(node, yaml.ScalarNode) else None
