"""``analyze --write-prompts``: a seeded sample of a log's prompts as lines of a replay prompt file. Pure: no I/O.

Reservoir sampling (Algorithm R) keeps at most N prompts whatever the log's size:
every prompt with text has the same chance, N/seen, and the same seed picks the
same prompts. ``--stratify`` keeps one reservoir of N per segment and, at the end,
gives each segment its proportional part of N: ``N × requests / all requests``
rounded down, the prompts left over going to the segments with the largest
remainders (ties to the larger segment, then by name), each part drawn at random
from its segment's reservoir. The sample is written in log order.

Values JSON has no type for (a Parquet log's timestamps and decimals in ``metadata``)
are written as their text. Each line is checked with replay's own line parser as it is offered, so the file
written is one ``routecli replay`` reads: a prompt replay cannot send (a role it does
not know, content it cannot read) is left out and counted by reason.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Mapping
from typing import Any

from routecli.analyze.records import LogRecord
from routecli.errors import InvalidValueError
from routecli.replay.prompts import parse_prompt

__all__ = ["PromptSampler", "allocate"]


class PromptSampler:
    """Prompts offered one by one; ``lines`` gives a sample as prompt-file lines (JSON text, no newline)."""

    def __init__(self, sample: int | None, *, seed: int = 0, stratify: bool = False) -> None:
        self._size = sample
        self._stratify = stratify
        self._random = random.Random(seed)
        self._seen: Counter[str] = Counter()
        self._kept: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self._order = 0
        self._ids: Counter[str] = Counter()
        self.offered = 0
        """Requests offered, with text or not."""
        self.left_out: Counter[str] = Counter()
        """Prompts with text that replay could not read, by reason."""

    @property
    def sampling(self) -> bool:
        """Whether a sample is drawn (``--sample N``), rather than every prompt taken as it comes."""
        return self._size is not None

    @property
    def with_text(self) -> int:
        return sum(self._seen.values())

    def offer(self, record: LogRecord, segment: str) -> str | None:
        """Consider one request: kept (for now) if it has text, a replayable line and wins its draw.

        Without a sample size every such prompt is taken, and its line (JSON text) is returned to be written at
        once: memory then holds only the ids seen.
        """
        self.offered += 1
        if not record.messages:
            return None
        line = _line(record, segment)
        try:
            parse_prompt(json.dumps(line, ensure_ascii=False, default=str), 1)
        except InvalidValueError as error:
            self.left_out[str(error)] += 1
            return None
        stratum = segment if self._stratify else ""
        self._seen[stratum] += 1
        if self._size is None:
            return self._unique(line)
        seen = self._seen[stratum]
        kept = self._kept.setdefault(stratum, [])
        self._order += 1
        if seen <= self._size:
            kept.append((self._order, line))
        else:
            slot = self._random.randrange(seen)
            if slot < self._size:
                kept[slot] = (self._order, line)
        return None

    def lines(self) -> list[str]:
        """The sample in log order (empty without a sample size: ``offer`` returned every line)."""
        chosen: list[tuple[int, dict[str, Any]]] = []
        if self._stratify and self._size is not None:
            parts = allocate(self._size, dict(self._seen))
            for stratum in sorted(self._kept):
                kept = self._kept[stratum]
                chosen += self._random.sample(kept, parts[stratum]) if parts[stratum] < len(kept) else kept
        else:
            chosen = [item for kept in self._kept.values() for item in kept]
        return [self._unique(line) for _, line in sorted(chosen, key=lambda item: item[0])]

    def _unique(self, line: dict[str, Any]) -> str:
        """The line as JSON text, its id made unique: a repeated id gets ``#2``, ``#3``, … appended."""
        self._ids[line["id"]] += 1
        if self._ids[line["id"]] > 1:
            line = {**line, "id": f"{line['id']}#{self._ids[line['id']]}"}
        return json.dumps(line, ensure_ascii=False, default=str)


def allocate(size: int, counts: Mapping[str, int]) -> dict[str, int]:
    """``size`` split over strata in proportion to ``counts``: largest remainders, ties to larger strata then names."""
    total = sum(counts.values())
    if size >= total:
        return dict(counts)
    parts = {name: size * count // total for name, count in counts.items()}
    left = size - sum(parts.values())
    order = sorted(counts, key=lambda name: (-(size * counts[name] % total), -counts[name], name))
    for name in order[:left]:
        parts[name] += 1
    return parts


def _line(record: LogRecord, segment: str) -> dict[str, Any]:
    """One prompt-file line: the messages as sent, the log's id, the segment and model, the expected answer."""
    line: dict[str, Any] = {
        "id": record.id if record.id else f"{record.source}:{record.line}",
        "messages": [dict(message) for message in record.messages or ()],
    }
    if record.expected is not None:
        line["expected"] = record.expected
    line["metadata"] = {**(record.metadata or {}), "segment": segment, "model": record.model}
    return line
