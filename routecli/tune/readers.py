"""Reading logged outcomes (docs/outcomes.md) into ``Outcomes``: routecli's JSONL, replay decision logs,
RouterBench CSV and RouteLLM CSV.

The format is told from the first line, not the file name: a JSON object is
routecli's outcomes JSONL (or, with ``"kind": "run"``, a decision log), a CSV
header with ``<model>|total_cost`` columns is RouterBench, one with a
``prompt`` column is RouteLLM. Rows that cannot be compared across models
(a model missing, an empty cell, a repeated id) are skipped and counted by
reason rather than failing the read: the public benchmarks have such rows.
Anything malformed is an ``InputError`` naming the file, line and key.

Built for millions of rows: an outcomes JSONL file of the plain shape has its
values gathered into columns with no per-value test and checked whole, as numpy
arrays (``_plain_jsonl``); any other file, or one that fails a check, is read
line by line with a type test or two per value, which names the first bad one.
A RouterBench file's rows with empty cells are kept aside (``Cells``) for
RouterBench's own per-model means.
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, NoReturn, TextIO

import numpy as np
import orjson
from numpy.typing import NDArray

from routecli._gc import no_collection
from routecli.errors import InputFileError, InvalidValueError, KeyPath
from routecli.loading import decode_text, not_text
from routecli.pricing.prices import ModelPrice, PriceTable, usage_pricer
from routecli.replay.all_tiers import TierOutcome, tier_outcomes
from routecli.replay.log import read_log
from routecli.replay.records import Attempt, Decision
from routecli.tune.outcomes import Cells, Outcomes

__all__ = ["read_outcomes"]

Format = Literal["outcomes JSONL", "decision log", "RouterBench CSV", "RouteLLM CSV"]

_SUFFIXES = (".csv", ".jsonl")
"""The files a directory is read for."""

_REPEATED_ID = "repeated id"
_NOT_EVERY_MODEL = "not every model answered"
_EMPTY_CELL = "empty cell"
_NO_QUALITY = "no quality"
_CUT_OFF_LINE = "cut-off last line"

_COST_SUFFIX = "|total_cost"
_ANSWER_SUFFIX = "_response"
_CSV_FIELD_LIMIT = 2**31 - 1  # RouterBench cells hold whole few-shot prompts and answers; the C long limit
_NAN = math.nan
_INF = math.inf
_EMPTY_CELLS = frozenset({"", "nan"})
_BOOLS = {"True": 1.0, "False": 0.0, "true": 1.0, "false": 0.0, "TRUE": 1.0, "FALSE": 0.0}
_QUALITY = "true/false or a number from 0 to 1"
_COST_OR_TOKENS = 'a "cost" in USD, or "input_tokens" and "output_tokens" to price'

Floats = NDArray[np.float64]


def read_outcomes(
    paths: Sequence[Path],
    *,
    costs: Mapping[str, Decimal] | None = None,
    table: PriceTable | None = None,
) -> Outcomes:
    """Every prompt's outcome per model from ``paths`` (files, or directories of ``*.csv``/``*.jsonl`` files).

    Files read together must have the same models; their ids are prefixed
    with ``<file stem>:`` so they never collide. ``costs`` (USD per prompt,
    by model) prices RouteLLM files, which have no costs; ``table`` prices
    token counts in outcomes JSONL (the shipped price tables when None).
    """
    files = _files(paths)
    several = len(files) > 1
    if several:
        _check_stems(files)
    given = dict(costs or {})
    pricing = _Pricing(table)
    parts: list[_Part] = []
    for path, kind in files:
        part = _read_file(path, kind, given, pricing)
        if several:
            part.ids = [f"{path.stem}:{key}" for key in part.ids]
            if part.cells is not None:
                part.cells = replace(part.cells, ids=tuple(f"{path.stem}:{key}" for key in part.cells.ids))
        parts.append(part)
    source = ", ".join(str(path) for path in paths)
    _check_costs_used(given, parts, source)
    return _joined(parts, source)


# ------------------------------------------------------------------ files and formats


def _files(paths: Sequence[Path]) -> list[tuple[Path, Format]]:
    """Each file to read with its format; a directory's files in name order, all of one format."""
    if not paths:
        raise InputFileError("no outcome files given")
    files: list[tuple[Path, Format]] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                (item for item in path.iterdir() if item.suffix.lower() in _SUFFIXES and item.is_file()),
                key=lambda item: item.name,
            )
            if not found:
                raise InputFileError("no *.csv or *.jsonl files in this directory", source=str(path))
            first, first_kind = found[0], _detect(found[0])
            files.append((first, first_kind))
            for item in found[1:]:
                kind = _detect(item)
                if kind != first_kind:
                    raise InvalidValueError(
                        f"its format is {kind}, but {first.name} in the same directory is {first_kind} "
                        "(a directory's files must all be of one format)",
                        source=str(item),
                    )
                files.append((item, kind))
        elif path.is_file():
            files.append((path, _detect(path)))
        elif path.exists():
            raise InputFileError("not a file or a directory", source=str(path))
        else:
            raise InputFileError("outcome file not found", source=str(path))
    return files


def _check_stems(files: list[tuple[Path, Format]]) -> None:
    """Ids are prefixed with the file name when several files are read: two files of one name would collide."""
    seen: dict[str, Path] = {}
    for path, _ in files:
        other = seen.get(path.stem)
        seen[path.stem] = path
        if other is not None:
            clash = "the file is read twice" if other == path else f"{other} has the same name; rename one"
            raise InvalidValueError(f"{clash} (each file's ids are prefixed with its name)", source=str(path))


def _detect(path: Path) -> Format:
    """The file's format, from its first non-blank line (the file name only decides which error to give)."""
    number, stripped = _first_line(path)
    if stripped == "{":  # a pretty-printed JSON document, not one object per line
        _refuse_json_document(path)
    if stripped.startswith("{") or path.suffix.lower() == ".jsonl":
        try:
            first = json.loads(stripped)
        except ValueError:
            first = None
        return "decision log" if isinstance(first, dict) and first.get("kind") == "run" else "outcomes JSONL"
    header = next(csv.reader([stripped]))
    if any(name.endswith(_COST_SUFFIX) for name in header):
        return "RouterBench CSV"
    if "prompt" in header:
        return "RouteLLM CSV"
    raise InvalidValueError(
        "not an outcomes file: expected routecli outcomes JSONL (a JSON object per line), a decision log, "
        f"a RouterBench CSV (a header with <model>{_COST_SUFFIX} columns) or a RouteLLM CSV (a header with a "
        "prompt column)",
        source=str(path),
        line=number,
    )


_REPORT_KINDS = {
    "replay": "this is a replay report; give the decision log (decisions.jsonl in the run's folder) or the "
    "outcomes file of replay --all-tiers",
    "simulation": "this is a simulate report; tune and evaluate read logged outcomes (docs/outcomes.md)",
}


def _refuse_json_document(path: Path) -> NoReturn:
    """A JSON document where one object per line was expected: a report given in place of its log, most likely."""
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, OSError):
        document = None
    kind = document.get("kind") if isinstance(document, dict) else None
    message = _REPORT_KINDS.get(kind) if isinstance(kind, str) else None
    raise InvalidValueError(
        message or "a JSON document spread over lines; outcome files hold one JSON object per line (JSON Lines)",
        source=str(path),
    )


def _first_line(path: Path) -> tuple[int, str]:
    """The first line with anything on it, stripped, and its number."""
    with _opened(path) as handle:
        try:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    return number, line.strip()
        except UnicodeDecodeError as error:
            raise _not_utf8(path, error) from None
    raise InvalidValueError("the file is empty", source=str(path))


def _opened(path: Path, *, newline: str | None = None) -> TextIO:
    try:
        return path.open(encoding="utf-8-sig", newline=newline)  # a byte-order mark from Windows tools is dropped
    except OSError as error:
        raise InputFileError(f"cannot read the file: {error.strerror or error}", source=str(path)) from None


def _not_utf8(path: Path, error: UnicodeDecodeError) -> InputFileError:
    """The shared "not a text file" message, its offset found in the whole file (``error``'s is a chunk's)."""
    try:
        found = not_text(path.read_bytes(), str(path))
    except OSError:
        found = None
    return found or InputFileError(f"not a text file (UTF-8): {error.reason}", source=str(path))


def _read_file(path: Path, kind: Format, costs: dict[str, Decimal], pricing: _Pricing) -> _Part:
    if kind == "outcomes JSONL":
        return _read_jsonl(path, pricing)
    if kind == "decision log":
        return _read_decision_log(path)
    if kind == "RouterBench CSV":
        return _read_routerbench(path)
    return _read_routellm(path, costs)


# ------------------------------------------------------------------ one file's outcomes


@dataclass(eq=False)
class _Part:
    """One file's outcomes, columns in ``models`` order, before files are joined."""

    source: str
    kind: Format
    ids: list[str]
    models: tuple[str, ...]
    quality: Floats
    cost: Floats
    confidence: Floats | None
    score: Floats | None
    texts: list[str] | None
    skipped: Counter[str]
    cells: Cells | None = None


def _matrix(columns: Sequence[list[float]]) -> Floats:
    """Per-model lists of values as a prompts × models array."""
    array: Floats = np.array(columns, dtype=np.float64).T
    return array


def _texts(texts: list[str | None]) -> list[str] | None:
    """The prompt texts, kept only when every prompt has one: a scorer given gaps would score them as empty."""
    if any(text is None for text in texts):
        return None
    return [text for text in texts if text is not None]


def _joined(parts: list[_Part], source: str) -> Outcomes:
    """One ``Outcomes`` from each file's, with the first file's model order."""
    first = parts[0]
    models = first.models
    for part in parts[1:]:
        if set(part.models) != set(models):
            missing = [model for model in models if model not in part.models]
            extra = [model for model in part.models if model not in models]
            differences = ([f"no {', '.join(missing)}"] if missing else []) + (
                [f"{', '.join(extra)}, which {first.source} has not"] if extra else []
            )
            raise InvalidValueError(
                f"its models differ from those of {first.source}: {'; '.join(differences)} "
                "(files read together must have the same models)",
                source=part.source,
            )
    ordered = [[part.models.index(model) for model in models] for part in parts]
    prompts = [len(part.ids) for part in parts]

    def stacked(arrays: list[Floats | None], shape: tuple[int, ...]) -> Floats | None:
        if all(array is None for array in arrays):
            return None
        filled = [
            np.full((rows, *shape), _NAN) if array is None else array
            for array, rows in zip(arrays, prompts, strict=True)
        ]
        return np.concatenate(filled) if len(filled) > 1 else filled[0]

    skipped: Counter[str] = Counter()
    for part in parts:
        skipped.update(part.skipped)
    return Outcomes(
        ids=tuple(key for part in parts for key in part.ids),
        models=models,
        quality=np.concatenate([part.quality[:, order] for part, order in zip(parts, ordered, strict=True)]),
        cost=np.concatenate([part.cost[:, order] for part, order in zip(parts, ordered, strict=True)]),
        texts=None
        if any(part.texts is None for part in parts)
        else tuple(text for part in parts for text in part.texts or ()),
        score=stacked([part.score for part in parts], ()),
        confidence=stacked(
            [
                None if part.confidence is None else part.confidence[:, order]
                for part, order in zip(parts, ordered, strict=True)
            ],
            (len(models),),
        ),
        source=source,
        skipped=dict(sorted(skipped.items())),
        cells=None
        if any(part.cells is None for part in parts)
        else Cells(
            tuple(key for part in parts if part.cells is not None for key in part.cells.ids),
            np.concatenate(
                [part.cells.quality[:, order] for part, order in zip(parts, ordered, strict=True) if part.cells]
            ),
            np.concatenate(
                [part.cells.cost[:, order] for part, order in zip(parts, ordered, strict=True) if part.cells]
            ),
        ),
    )


def _check_costs_used(costs: dict[str, Decimal], parts: list[_Part], source: str) -> None:
    """``--cost`` for a model no RouteLLM file has is a typo or a mistake, not something to ignore."""
    if not costs:
        return
    priced = {model for part in parts if part.kind == "RouteLLM CSV" for model in part.models}
    if not priced:
        raise InvalidValueError(
            f"--cost given, but {source} has costs of its own (--cost is for RouteLLM CSV files, which have none)"
        )
    unknown = [model for model in costs if model not in priced]
    if unknown:
        raise InvalidValueError(
            f"--cost {', '.join(unknown)}: no such model in {source} (its models: {', '.join(sorted(priced))})"
        )


def _fail(path: Path, line: int | None, key: KeyPath, message: str) -> NoReturn:
    raise InvalidValueError(message, source=str(path), line=line, path=key)


def _shown(value: Any) -> str:
    """What the file held, for error messages: text quoted, JSON's literals as JSON writes them."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return str(value)


# ------------------------------------------------------------------ outcomes JSONL


class _Pricing:
    """Token counts priced with the price tables, each model looked up once (the tables loaded only if needed)."""

    def __init__(self, table: PriceTable | None) -> None:
        self._table = table
        self._pricers: dict[str, Callable[[int, int, int, int], Decimal]] = {}

    def cost(self, path: Path, line: int, model: str, outcome: dict[str, Any]) -> float:
        key: KeyPath = ("outcomes", model)
        counts = []
        for name, required in (
            ("input_tokens", True),
            ("output_tokens", True),
            ("cached_tokens", False),
            ("cache_write_tokens", False),
        ):
            value = outcome.get(name)
            if value is None and not required:
                value = 0
            elif value is None:
                _fail(path, line, key, f"expected {_COST_OR_TOKENS}")
            elif type(value) is not int or value < 0:
                _fail(path, line, (*key, name), f"expected a whole number of tokens (0 or more), got {_shown(value)}")
            counts.append(value)
        tokens_in, tokens_out, cached, written = counts
        if cached + written > tokens_in:
            _fail(
                path,
                line,
                key,
                f"cached_tokens and cache_write_tokens ({cached + written:,} together) are part of input_tokens "
                f"({tokens_in:,}), so cannot be more",
            )
        pricer = self._pricers.get(model)
        if pricer is None:
            pricer = self._pricers[model] = usage_pricer(self._price(path, line, model))
        return float(pricer(tokens_in, tokens_out, cached, written))

    def _price(self, path: Path, line: int, model: str) -> ModelPrice:
        if self._table is None:
            from routecli.pricing.price_files import load_price_files

            self._table = load_price_files()
        price = self._table.get(model)
        if price is None:
            from routecli.spec import closest

            near = closest(model, [entry.id for entry in self._table], n=3)
            hint = f" (closest: {', '.join(near)})" if near else ""
            _fail(
                path,
                line,
                ("outcomes", model),
                f'no price table has model {model!r}{hint} to price its token counts: give a "cost" in USD, '
                "or a price table with --pricing (see `routecli pricing list`)",
            )
        return price


def _read_jsonl(path: Path, pricing: _Pricing) -> _Part:
    """routecli's outcomes JSONL: the columns gathered and checked whole (``_plain_jsonl``) when every line is as
    expected; otherwise line by line, each value checked as it comes, to name the first bad one and to read what
    the whole-column pass does not (blank lines, repeated ids, token counts, decimal strings, NaN)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputFileError(f"cannot read the file: {error.strerror or error}", source=str(path)) from None
    plain = _plain_jsonl(path, data)
    if plain is not None:
        return plain
    try:  # decoded once; decode_text decodes twice, to name a bad byte: only for a file that has one
        text = data.decode()
    except UnicodeDecodeError:
        text = decode_text(data, str(path))
    if "\0" in text:
        decode_text(data, str(path))  # a NUL byte: not a text file, as decode_text says
    text = text.removeprefix("\ufeff")  # a byte-order mark (Windows editors write one)
    loads = orjson.loads  # ~2.5× json.loads; what it refuses, json.loads reads again (below)
    first_line: dict[str, int] = {}  # the kept lines' ids, in order
    texts: list[str | None] = []
    scores: list[float] = []
    columns: dict[str, tuple[list[float], list[float], list[float]]] = {}
    skipped: Counter[str] = Counter()
    any_score = any_confidence = False
    kept = 0
    with no_collection():
        # Only "\n" ends a line: str.splitlines would also split at U+2028, which JSON strings may hold.
        for number, line in enumerate(text.split("\n"), start=1):
            if not line or line.isspace():
                continue
            try:
                document: Any = loads(line)
            except orjson.JSONDecodeError:
                document = _stdlib_loads(path, number, line)
            if type(document) is not dict:
                _fail(path, number, (), f'expected a JSON object with "outcomes", got {_shown(document)}')
            key = document.get("id")
            if key is None:
                key = str(number)
            elif type(key) is int:
                key = str(key)
            elif type(key) is not str or not key:
                key = _big_id(path, number, line, key)
            if key in first_line:
                skipped[_REPEATED_ID] += 1
                continue
            first_line[key] = number
            outcomes = document.get("outcomes")
            if type(outcomes) is not dict:
                _fail(
                    path, number, ("outcomes",), f"expected an object of model name -> outcome, got {_shown(outcomes)}"
                )
            for model, outcome in outcomes.items():
                if type(outcome) is not dict:
                    _fail(
                        path,
                        number,
                        ("outcomes", model),
                        f'expected an object with "quality" and "cost", got {_shown(outcome)}',
                    )
                mark: Any = outcome.get("quality")
                kind = type(mark)
                if kind is float or kind is int:
                    if not 0 <= mark <= 1:
                        _fail(path, number, ("outcomes", model, "quality"), f"expected {_QUALITY}, got {_shown(mark)}")
                elif kind is bool:
                    mark = 1.0 if mark else 0.0
                else:
                    _fail(path, number, ("outcomes", model, "quality"), f"expected {_QUALITY}, got {_shown(mark)}")
                usd: Any = outcome.get("cost")
                kind = type(usd)
                if kind is float:
                    if not 0 <= usd < _INF:
                        _fail(path, number, ("outcomes", model, "cost"), _cost_message(usd))
                elif usd is None:
                    usd = pricing.cost(path, number, model, outcome)
                else:
                    usd = _other_cost(path, number, model, usd)
                sure: Any = outcome.get("confidence")
                if sure is None:
                    sure = _NAN
                else:
                    kind = type(sure)
                    if (kind is not float and kind is not int) or not -_INF < sure < _INF:
                        _fail(
                            path,
                            number,
                            ("outcomes", model, "confidence"),
                            f"expected a number (higher: surer), got {_shown(sure)}",
                        )
                    any_confidence = True
                column = columns.get(model)
                if column is None:
                    column = columns[model] = ([_NAN] * kept, [_NAN] * kept, [_NAN] * kept)
                column[0].append(mark)
                column[1].append(usd)
                column[2].append(sure)
            if len(outcomes) < len(columns):  # the models this line lacks: NaN, and the line is skipped below
                for column in columns.values():
                    if len(column[0]) == kept:
                        column[0].append(_NAN)
                        column[1].append(_NAN)
                        column[2].append(_NAN)
            prompt = document.get("prompt")
            if prompt is not None and type(prompt) is not str:
                _fail(path, number, ("prompt",), f"expected the prompt's text, got {_shown(prompt)}")
            score: Any = document.get("score")
            if score is None:
                score = _NAN
            else:
                kind = type(score)
                if (kind is not float and kind is not int) or not -_INF < score < _INF:
                    _fail(
                        path,
                        number,
                        ("score",),
                        f"expected a number (higher: needs a stronger model), got {_shown(score)}",
                    )
                any_score = True
            texts.append(prompt)
            scores.append(score)
            kept += 1
    if not columns:
        raise InvalidValueError("no outcomes in the file", source=str(path))
    models = tuple(columns)
    ids = list(first_line)
    quality = _matrix([column[0] for column in columns.values()])
    cost = _matrix([column[1] for column in columns.values()])
    confidence = _matrix([column[2] for column in columns.values()]) if any_confidence else None
    score_array = np.array(scores, dtype=np.float64) if any_score else None
    answered = ~np.isnan(quality).any(axis=1)
    if not answered.all():
        skipped[_NOT_EVERY_MODEL] += int((~answered).sum())
        rows = np.flatnonzero(answered).tolist()
        ids = [ids[row] for row in rows]
        texts = [texts[row] for row in rows]
        quality, cost = quality[answered], cost[answered]
        confidence = None if confidence is None else confidence[answered]
        score_array = None if score_array is None else score_array[answered]
    return _Part(
        str(path), "outcomes JSONL", ids, models, quality, cost, confidence, score_array, _texts(texts), skipped
    )


_NONE = type(None)
_NUMBERS = frozenset({float, int})
_OPTIONAL_NUMBERS = frozenset({float, int, _NONE})
_MARKS = frozenset({float, int, bool})


def _types(values: list[Any]) -> set[type]:
    return set(map(type, values))


def _filled(columns: list[list[Any]]) -> Floats:
    """Per-model lists of numbers (None: NaN) as a prompts × models array, each list converted straight into its
    column."""
    array: Floats = np.empty((len(columns[0]), len(columns)), dtype=np.float64)
    for index, values in enumerate(columns):
        array[:, index] = values
    return array


def _plain_jsonl(path: Path, data: bytes) -> _Part | None:
    """An outcomes file of the plain shape, read a million lines in about a second; None for any other file.

    Plain: no blank lines, every line an object with the same models, a
    quality and a numeric cost for each, ids text or whole numbers and none
    repeated. Each line is decoded and its values appended with no checks
    (a missing key or a wrong type ends the pass); types and ranges are then
    checked on whole columns, so a bad value anywhere hands the file to the
    line-by-line reader, which names it. What this accepts the other reads the
    same (tests/tune/test_readers.py holds the two alike).
    """
    with no_collection():  # millions of values, no cycles among them: a collection would only walk them
        return _plain_columns(path, data)


def _plain_columns(path: Path, data: bytes) -> _Part | None:
    lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")  # a byte-order mark, from Windows editors
    if lines[-1] == b"":
        lines.pop()
    if not lines:
        return None
    loads = orjson.loads
    ids: list[Any] = []
    scores: list[Any] = []
    prompts: list[Any] = []
    try:
        models = tuple(loads(lines[0])["outcomes"])
        columns: list[tuple[list[Any], list[Any], list[Any]]] = [([], [], []) for _ in models]
        plan = list(zip(models, columns, strict=True))
        width = len(models)
        for line in lines:
            document = loads(line)
            outcomes = document["outcomes"]
            if len(outcomes) != width:
                return None
            ids.append(document.get("id"))
            scores.append(document.get("score"))
            prompts.append(document.get("prompt"))
            for model, (marks, usds, sure) in plan:
                outcome = outcomes[model]
                marks.append(outcome["quality"])
                usds.append(outcome.get("cost"))
                sure.append(outcome.get("confidence"))
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
        return None
    id_types, prompt_types = _types(ids), _types(prompts)
    if not models or not id_types <= {str, int} or not prompt_types <= {str, _NONE}:
        return None
    keys: list[str] = ids if id_types == {str} else [str(key) for key in ids]
    if len(set(keys)) != len(keys) or "" in keys:
        return None
    score_types = _types(scores)
    confidence_types = set().union(*(_types(sure) for _, _, sure in columns))
    if not score_types <= _OPTIONAL_NUMBERS or not confidence_types <= _OPTIONAL_NUMBERS:
        return None
    if any(not _types(marks) <= _MARKS or not _types(usds) <= _NUMBERS for marks, usds, _ in columns):
        return None
    quality = _filled([marks for marks, _, _ in columns])
    cost = _filled([usds for _, usds, _ in columns])
    score = np.array(scores, dtype=np.float64) if score_types != {_NONE} else None  # None becomes NaN
    confidence = _filled([sure for _, _, sure in columns]) if confidence_types != {_NONE} else None
    within = bool(((quality >= 0) & (quality <= 1)).all() and ((cost >= 0) & (cost < _INF)).all())
    if not within or any(array is not None and np.isinf(array).any() for array in (score, confidence)):
        return None
    texts = None if _NONE in prompt_types else prompts
    return _Part(str(path), "outcomes JSONL", keys, models, quality, cost, confidence, score, texts, Counter())


def _stdlib_loads(path: Path, number: int, line: str) -> Any:
    """A line orjson refused, read by the standard library as before: it takes what orjson does not (NaN, whole
    numbers past 64 bits, lone surrogates), which the checks then judge, and words its errors as ever."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        _fail(path, number, (), f"not valid JSON: {error.msg} (column {error.colno})")


def _big_id(path: Path, number: int, line: str, key: Any) -> str:
    """An id that is neither text nor a whole number as orjson read it: orjson reads a whole number past 64 bits
    as a float, so the standard library reads the line again to tell such a number from a real float."""
    exact = json.loads(line).get("id") if type(key) is float else key
    if type(exact) is not int:
        _fail(path, number, ("id",), f"expected text or a whole number, got {_shown(key)}")
    return str(exact)


def _cost_message(cost: Any) -> str:
    return f"expected a cost in USD (a number or a decimal string, 0 or more), got {_shown(cost)}"


def _other_cost(path: Path, line: int, model: str, cost: Any) -> float:
    """A cost written as a whole number or a decimal string (the float case is checked inline)."""
    value = -1.0
    if type(cost) is int or type(cost) is str:
        try:
            exact = Decimal(cost)
        except InvalidOperation:
            exact = Decimal(-1)
        value = float(exact) if exact.is_finite() else -1.0
    if not 0 <= value < _INF:
        _fail(path, line, ("outcomes", model, "cost"), _cost_message(cost))
    return value


# ------------------------------------------------------------------ decision logs


def _read_decision_log(path: Path) -> _Part:
    """A replay's decision log: each tier's answer to each prompt, with its correctness, cost and confidence."""
    contents = read_log(path)
    models = tuple(tier.name for tier in contents.run.tiers)
    ids: list[str] = []
    texts: list[str | None] = []
    scores: list[float] = []
    quality: list[list[float]] = [[] for _ in models]
    cost: list[list[float]] = [[] for _ in models]
    confidence: list[list[float]] = [[] for _ in models]
    skipped: Counter[str] = Counter()
    if contents.truncated_line is not None:
        skipped[_CUT_OFF_LINE] += 1
    for decision in contents.decisions:
        judged = _judged(decision, contents.run.all_tiers)
        if any(model not in judged for model in models):
            skipped[_NOT_EVERY_MODEL] += 1
            continue
        if any(judged[model] is None for model in models):
            skipped[_NO_QUALITY] += 1
            continue
        for column, model in enumerate(models):
            outcome = judged[model]
            assert outcome is not None
            quality[column].append(float(outcome.quality))
            cost[column].append(float(outcome.cost))
            confidence[column].append(_NAN if outcome.confidence is None else outcome.confidence)
        route_score = None if decision.route is None else decision.route.score
        ids.append(decision.id)
        texts.append(None if decision.prompt is None else _message_text(decision.prompt))
        scores.append(_NAN if route_score is None else float(route_score))
    confidences = _matrix(confidence)
    return _Part(
        str(path),
        "decision log",
        ids,
        models,
        _matrix(quality),
        _matrix(cost),
        None if np.isnan(confidences).all() else confidences,
        None if all(math.isnan(score) for score in scores) else np.array(scores, dtype=np.float64),
        _texts(texts),
        skipped,
    )


def _judged(decision: Decision, all_tiers: bool) -> dict[str, TierOutcome | None]:
    """Each tier's answer to the prompt, judged (None: answered, but not known to be right or wrong).

    An ``--all-tiers`` log is read exactly as its outcomes file was written
    (``tier_outcomes``: quality from the expected answer or the evaluators,
    cost with the judge calls). Another log has each tier's own answer (rather
    than one it gave standing in for a failed tier), right or wrong by its
    ``correct``; logs written before each answer was checked have that for
    the served answer only.
    """
    if all_tiers:
        judged_tiers: dict[str, TierOutcome | None] = dict(tier_outcomes(decision))
        for attempt in decision.attempts:  # answered, but neither expected answer nor evaluators judged it
            if attempt.role == "answer" and attempt.error is None and attempt.tier not in judged_tiers:
                judged_tiers[attempt.tier] = None
        return judged_tiers
    answers: dict[str, Attempt] = {}
    for attempt in decision.attempts:
        if (
            attempt.role == "answer"
            and attempt.error is None
            and (attempt.fallback_for is None or attempt.tier not in answers)
        ):
            answers[attempt.tier] = attempt
    served = decision.final_answer()
    judged: dict[str, TierOutcome | None] = {}
    for tier, attempt in answers.items():
        right = attempt.correct if attempt.correct is not None else decision.correct if attempt is served else None
        confidence = None if attempt.logprob is None else attempt.logprob.mean
        judged[tier] = None if right is None else TierOutcome(int(right), attempt.cost, confidence)
    return judged


def _message_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """The messages' text joined by blank lines, as replay's routers see a prompt."""
    pieces: list[str] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            pieces.append(content)
        elif isinstance(content, list):
            pieces.extend(
                part["text"]
                for part in content
                if isinstance(part, Mapping) and part.get("type") == "text" and isinstance(part.get("text"), str)
            )
    return "\n\n".join(piece for piece in pieces if piece)


# ------------------------------------------------------------------ CSV


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank record with the line it starts on (a quoted cell may span lines)."""
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    with _opened(path, newline="") as handle:
        reader = csv.reader(handle, strict=True)  # a stray quote is an error, not a cell swallowing the file
        start = 1
        try:
            for row in reader:
                if row:
                    yield start, row
                start = reader.line_num + 1
        except csv.Error as error:
            raise InvalidValueError(f"not valid CSV: {error}", source=str(path), line=start) from None
        except UnicodeDecodeError as error:
            raise _not_utf8(path, error) from None


def _header(path: Path, rows: Iterator[tuple[int, list[str]]]) -> list[str]:
    header = next(rows)[1]
    for index, name in enumerate(header):
        if name and name in header[:index]:
            _fail(path, 1, (), f"column {name!r} appears twice in the header")
    return header


def _number(path: Path, line: int, column: str, cell: str, *, quality: bool) -> float:
    try:
        value = float(cell)
    except ValueError:
        value = _NAN
    if quality and not 0 <= value <= 1:
        _fail(path, line, (column,), f"expected a number from 0 to 1, got {cell!r}")
    if not quality and not 0 <= value < _INF:
        _fail(path, line, (column,), f"expected a cost in USD (a number, 0 or more), got {cell!r}")
    return value


def _read_routerbench(path: Path) -> _Part:
    """RouterBench: a 0/1 score column and a ``<model>|total_cost`` column per model, ``sample_id``, ``prompt``."""
    rows = _csv_rows(path)
    header = _header(path, rows)
    names = set(header)
    for name in header:
        if name.endswith(_COST_SUFFIX) and name.removesuffix(_COST_SUFFIX) not in names:
            _fail(
                path, 1, (name,), f"a cost column without its model's score column {name.removesuffix(_COST_SUFFIX)!r}"
            )
    models = tuple(name for name in header if name + _COST_SUFFIX in names)
    score_at = [header.index(model) for model in models]
    cost_at = [header.index(model + _COST_SUFFIX) for model in models]
    id_at = header.index("sample_id") if "sample_id" in names else None
    prompt_at = header.index("prompt") if "prompt" in names else None
    ids: list[str] = []
    texts: list[str] = []
    quality: list[list[float]] = [[] for _ in models]
    cost: list[list[float]] = [[] for _ in models]
    every_id: list[str] = []  # every row, gaps kept: RouterBench's per-model means (outcomes.Cells)
    every_quality: list[list[float]] = [[] for _ in models]
    every_cost: list[list[float]] = [[] for _ in models]
    seen: set[str] = set()
    skipped: Counter[str] = Counter()
    for row_number, (line, row) in enumerate(rows, start=1):
        _check_width(path, line, row, header)
        key = str(row_number) if id_at is None else row[id_at]
        if not key:
            _fail(path, line, ("sample_id",), "expected the prompt's id, got an empty cell")
        if key in seen:
            skipped[_REPEATED_ID] += 1
            continue
        seen.add(key)
        gap = False
        for column, (model, scored, costed) in enumerate(zip(models, score_at, cost_at, strict=True)):
            mark, usd = row[scored], row[costed]
            mark_value = _NAN if _empty(mark) else _number(path, line, model, mark, quality=True)
            usd_value = _NAN if _empty(usd) else _number(path, line, header[costed], usd, quality=False)
            gap = gap or math.isnan(mark_value) or math.isnan(usd_value)
            every_quality[column].append(mark_value)
            every_cost[column].append(usd_value)
        every_id.append(key)
        if gap:
            skipped[_EMPTY_CELL] += 1
            continue
        for column in range(len(models)):
            quality[column].append(every_quality[column][-1])
            cost[column].append(every_cost[column][-1])
        ids.append(key)
        if prompt_at is not None:
            texts.append(row[prompt_at])
    cells = Cells(tuple(every_id), _matrix(every_quality), _matrix(every_cost))
    return _Part(
        str(path),
        "RouterBench CSV",
        ids,
        models,
        _matrix(quality),
        _matrix(cost),
        None,
        None,
        None if prompt_at is None else texts,
        skipped,
        cells,
    )


def _empty(cell: str) -> bool:
    """Nothing in the cell: pandas writes a missing value as nothing, or as NaN when asked to."""
    return cell.strip().lower() in _EMPTY_CELLS


def _check_width(path: Path, line: int, row: list[str], header: list[str]) -> None:
    if len(row) != len(header):
        _fail(path, line, (), f"expected {len(header)} cells, as the header has, got {len(row)}")


def _read_routellm(path: Path, costs: Mapping[str, Decimal]) -> _Part:
    """RouteLLM: ``prompt`` and a True/False column per model (``*_response`` columns are the answers); costs
    come from ``costs``, as the file has none."""
    rows = _csv_rows(path)
    header = _header(path, rows)
    models = tuple(name for name in header if name and name != "prompt" and not name.endswith(_ANSWER_SUFFIX))
    if not models:
        _fail(path, 1, (), "no model columns: expected one True/False column per model beside prompt")
    missing = [model for model in models if model not in costs]
    if missing:
        _fail(
            path,
            1,
            (),
            "a RouteLLM file has no costs: give each model's USD per prompt with --cost MODEL=USD "
            f"(missing: {', '.join(missing)})",
        )
    at = [header.index(model) for model in models]
    prompt_at = header.index("prompt")
    ids: list[str] = []
    texts: list[str] = []
    quality: list[list[float]] = [[] for _ in models]
    skipped: Counter[str] = Counter()
    for row_number, (line, row) in enumerate(rows, start=1):
        _check_width(path, line, row, header)
        cells = [row[index] for index in at]
        if any(_empty(cell) for cell in cells):
            skipped[_EMPTY_CELL] += 1
            continue
        for column, (model, cell) in enumerate(zip(models, cells, strict=True)):
            value = _BOOLS.get(cell)
            if value is None:
                value = _routellm_number(path, line, model, cell)
            quality[column].append(value)
        ids.append(str(row_number))
        texts.append(row[prompt_at])
    per_prompt = np.array([float(costs[model]) for model in models], dtype=np.float64)
    return _Part(
        str(path),
        "RouteLLM CSV",
        ids,
        models,
        _matrix(quality),
        np.tile(per_prompt, (len(ids), 1)),
        None,
        None,
        texts,
        skipped,
    )


def _routellm_number(path: Path, line: int, model: str, cell: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        value = _NAN
    if not 0 <= value <= 1:
        _fail(path, line, (model,), f"expected True/False or a number from 0 to 1, got {cell!r}")
    return value
