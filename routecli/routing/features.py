"""What routers look at in a prompt: length, code, reasoning and multi-step wording, questions.

Each detector is one compiled regex, so a routing decision costs microseconds.
"""

from __future__ import annotations

import re

__all__ = [
    "MULTI_STEP_MARKERS",
    "REASONING_MARKERS",
    "count_multi_step",
    "count_questions",
    "count_reasoning",
    "has_code",
]

REASONING_MARKERS: tuple[str, ...] = (
    "why",
    "explain",
    "prove",
    "proof",
    "derive",
    "analyse",
    "analyze",
    "analysis",
    "compare",
    "evaluate",
    "justify",
    "reason",
    "reasoning",
    "trade-off",
    "tradeoff",
    "step by step",
    "calculate",
    "solve",
    "optimize",
    "optimise",
)
"""Words that ask for reasoning rather than recall (whole words, any case)."""

MULTI_STEP_MARKERS: tuple[str, ...] = (
    "first",
    "second",
    "third",
    "then",
    "next",
    "finally",
    "after that",
    "afterwards",
)
"""Words that sequence several tasks; numbered and bulleted lines count too."""

_CODE = re.compile(
    r"```|~~~"  # a fenced block
    r"|^[ \t]*(?:def |class |import |from \S+ import |function |const |let |var |public |private |#include"
    r"|SELECT |INSERT |UPDATE |CREATE TABLE)"
    r"|[{;][ \t]*$",  # a line ending like C, Java, JavaScript or CSS
    re.MULTILINE,
)
_REASONING = re.compile(r"\b(?:" + "|".join(re.escape(word) for word in REASONING_MARKERS) + r")\b", re.IGNORECASE)
_MULTI_STEP = re.compile(
    r"\b(?:" + "|".join(re.escape(word) for word in MULTI_STEP_MARKERS) + r")\b"
    r"|^[ \t]*(?:\d+[.)]|[-*•])[ \t]+",
    re.IGNORECASE | re.MULTILINE,
)


def has_code(text: str) -> bool:
    """A fenced block, or a line that starts or ends like source code."""
    return _CODE.search(text) is not None


def count_reasoning(text: str) -> int:
    """How many reasoning markers the text has."""
    return len(_REASONING.findall(text))


def count_multi_step(text: str) -> int:
    """How many sequencing words and list items the text has."""
    return len(_MULTI_STEP.findall(text))


def count_questions(text: str) -> int:
    """How many questions the text asks (question marks)."""
    return text.count("?")
