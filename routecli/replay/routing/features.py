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

_CODE_FENCES = ("```", "~~~")
_CODE_LINE_STARTS = (
    "def ",
    "class ",
    "import ",
    "function ",
    "const ",
    "let ",
    "var ",
    "public ",
    "private ",
    "#include",
    "SELECT ",
    "INSERT ",
    "UPDATE ",
    "CREATE TABLE",
)
_CODE_LINE_ENDS = ("{", ";")  # a line ending like C, Java, JavaScript or CSS
_FROM_IMPORT = re.compile(r"from \S+ import ")
# Matched against the lowercased text: a case-sensitive pattern scans several times faster than IGNORECASE.
_REASONING = re.compile(r"\b(?:" + "|".join(re.escape(word) for word in REASONING_MARKERS) + r")\b")
_MULTI_STEP = re.compile(
    r"\b(?:" + "|".join(re.escape(word) for word in MULTI_STEP_MARKERS) + r")\b"
    r"|^[ \t]*(?:\d+[.)]|[-*•])[ \t]+",
    re.MULTILINE,
)


def has_code(text: str) -> bool:
    """A fenced block, or a line that starts or ends like source code.

    Plain string tests line by line: a multiline regex doing the same costs
    several times more on prompts of a few hundred characters.
    """
    for fence in _CODE_FENCES:
        if fence in text:
            return True
    for line in text.splitlines():
        code = line.lstrip(" \t")
        if code.startswith(_CODE_LINE_STARTS) or code.rstrip(" \t").endswith(_CODE_LINE_ENDS):
            return True
        if code.startswith("from ") and _FROM_IMPORT.match(code):
            return True
    return False


def count_reasoning(text: str) -> int:
    """How many reasoning markers the text has."""
    return len(_REASONING.findall(text.lower()))


def count_multi_step(text: str) -> int:
    """How many sequencing words and list items the text has."""
    return len(_MULTI_STEP.findall(text.lower()))


def count_questions(text: str) -> int:
    """How many questions the text asks (question marks)."""
    return text.count("?")
