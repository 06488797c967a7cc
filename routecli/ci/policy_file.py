"""A policy file of ``routecli check``: read and validated into the rules ``ci.policy`` holds a report to."""

from __future__ import annotations

from pathlib import Path

from routecli.ci.policy import PolicyRule, build_policy
from routecli.loading import read_yaml

__all__ = ["read_policy"]


def read_policy(path: Path) -> list[PolicyRule]:
    """Read and validate a policy file; errors name the file, line and key."""
    document = read_yaml(path, "policy file")
    return document.build(lambda data: build_policy(data, document.name, document.line_of))
