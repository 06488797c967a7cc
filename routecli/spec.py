"""Declarative specs for routecli's YAML files.

One spec describes a file's shape once and serves twice: ``check`` validates
loaded YAML data (returning it normalised, numbers as ``Decimal``) and raises
``InvalidValueError`` with the key path of the first problem; ``json_schema``
exports the same shape for editors. Cross-field rules (shares summing to 1, a
route naming a defined tier) belong to the builders that use the checked data.
pydantic would do this too, but importing it costs more than the whole
``simulate`` start-up budget.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from routecli.errors import InvalidValueError, KeyPath

__all__ = [
    "Bool",
    "Choice",
    "Date",
    "Field",
    "Int",
    "List",
    "Map",
    "Num",
    "Obj",
    "OneOf",
    "Raw",
    "Share",
    "Spec",
    "Str",
    "Tagged",
    "closest",
    "describe",
    "did_you_mean",
    "percent_from_text",
    "share_from_text",
    "to_decimal",
]


def closest(word: str, options: Sequence[str], n: int = 1) -> list[str]:
    """The options that look most like ``word``, for "did you mean" hints."""
    import difflib  # only on the error path

    by_lower = {option.lower(): option for option in options}
    matches = difflib.get_close_matches(word.lower(), list(by_lower), n=n, cutoff=0.6)
    return [by_lower[match] for match in matches]


def did_you_mean(
    word: str, options: Sequence[str], otherwise: str = "", synonyms: Mapping[str, str] | None = None
) -> str:
    """``did you mean 'x'?`` for the option that looks most like ``word``, else ``otherwise``: every hint's wording.

    ``synonyms`` maps other words (another file format's, an accepted alias) to the option they stand for: a
    near-miss on one of them suggests that option.
    """
    words = {**(synonyms or {}), **{option: option for option in options}}
    near = closest(word, list(words))
    return f"did you mean {words[near[0]]!r}?" if near else otherwise


def describe(value: Any) -> str:
    """A short name for what the user wrote, for error messages."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float, Decimal)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def to_decimal(value: int | float | Decimal) -> Decimal:
    """Exact Decimal for a YAML number: ``0.1`` stays ``0.1``, not its binary twin."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


_HUNDRED = Decimal(100)
_SHOWN_MAXIMUM = 1000  # larger bounds only guard against absurd input; "at least 0" reads better


def _looks_numeric(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


class Spec:
    """The shape of one value in a file."""

    doc: str = ""

    def check(self, value: Any, path: KeyPath) -> Any:
        """Validate ``value`` found at ``path``; return it normalised."""
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        """This spec as JSON Schema (draft 2020-12)."""
        raise NotImplementedError

    def expected(self) -> str:
        """What a value of this shape is, in words."""
        raise NotImplementedError

    def accepts_type(self, value: Any) -> bool:
        """Whether ``value`` is of the right kind for this spec (before checks)."""
        raise NotImplementedError

    def _with_doc(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.doc:
            schema["description"] = self.doc
        return schema

    def _fail(self, value: Any, path: KeyPath) -> InvalidValueError:
        return InvalidValueError(f"expected {self.expected()}, got {describe(value)}", path=path)


class Str(Spec):
    """A non-empty string."""

    def __init__(self, doc: str = "") -> None:
        self.doc = doc

    def accepts_type(self, value: Any) -> bool:
        return isinstance(value, str)

    def expected(self) -> str:
        return "text"

    def check(self, value: Any, path: KeyPath) -> str:
        if not isinstance(value, str):
            raise self._fail(value, path)
        if not value.strip():
            raise InvalidValueError("expected non-empty text", path=path)
        return value

    def json_schema(self) -> dict[str, Any]:
        return self._with_doc({"type": "string", "minLength": 1})


class Bool(Spec):
    """true or false."""

    def __init__(self, doc: str = "") -> None:
        self.doc = doc

    def accepts_type(self, value: Any) -> bool:
        return isinstance(value, bool)

    def expected(self) -> str:
        return "true or false"

    def check(self, value: Any, path: KeyPath) -> bool:
        if not isinstance(value, bool):
            raise self._fail(value, path)
        return value

    def json_schema(self) -> dict[str, Any]:
        return self._with_doc({"type": "boolean"})


class Date(Spec):
    """A date, ``2026-11-23``; returned as ISO text."""

    def __init__(self, doc: str = "") -> None:
        self.doc = doc

    def accepts_type(self, value: Any) -> bool:
        return isinstance(value, (dt.date, str))

    def expected(self) -> str:
        return "a date (YYYY-MM-DD)"

    def check(self, value: Any, path: KeyPath) -> str:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        raise self._fail(value, path)

    def json_schema(self) -> dict[str, Any]:
        return self._with_doc({"type": "string", "format": "date"})


class Choice(Spec):
    """One of a fixed set of words."""

    def __init__(self, options: tuple[str, ...], doc: str = "") -> None:
        self.options = options
        self.doc = doc

    def accepts_type(self, value: Any) -> bool:
        return isinstance(value, str)

    def expected(self) -> str:
        return "one of " + ", ".join(self.options)

    def check(self, value: Any, path: KeyPath) -> str:
        if value in self.options:
            return str(value)
        message = f"expected {self.expected()}, got {describe(value)}"
        if isinstance(value, str) and (hint := did_you_mean(value, self.options)):
            message += f"; {hint}"
        raise InvalidValueError(message, path=path)

    def json_schema(self) -> dict[str, Any]:
        return self._with_doc({"enum": list(self.options)})


class Num(Spec):
    """A number within bounds, returned as an exact ``Decimal``."""

    def __init__(
        self,
        minimum: Decimal | int | None = None,
        maximum: Decimal | int | None = None,
        exclusive_minimum: bool = False,
        doc: str = "",
        noun: str = "a number",
    ) -> None:
        self.minimum = minimum
        self.maximum = maximum
        self.exclusive_minimum = exclusive_minimum
        self.doc = doc
        self.noun = noun

    def accepts_type(self, value: Any) -> bool:
        return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)

    def expected(self) -> str:
        low = None
        if self.minimum is not None:
            low = f"{'greater than' if self.exclusive_minimum else 'at least'} {self.minimum}"
        if self._shows_maximum():
            if low is None:
                return f"{self.noun} of at most {self.maximum}"
            if not self.exclusive_minimum:
                return f"{self.noun} from {self.minimum} to {self.maximum}"
            return f"{self.noun} {low} and at most {self.maximum}"
        return self.noun if low is None else f"{self.noun} {low}"

    def _shows_maximum(self) -> bool:
        return self.maximum is not None and self.maximum <= _SHOWN_MAXIMUM

    def check(self, value: Any, path: KeyPath) -> Decimal:
        if isinstance(value, str) and _looks_numeric(value):
            raise InvalidValueError(
                f"expected {self.expected()}, got the text {value!r} (YAML reads a number with an exponent "
                "as text unless it has a dot, like 1.0e6; or write it out)",
                path=path,
            )
        if not self.accepts_type(value):
            raise self._fail(value, path)
        try:
            number = to_decimal(value)
        except InvalidOperation:
            raise self._fail(value, path) from None
        if not number.is_finite():
            raise self._fail(value, path)
        too_low = self.minimum is not None and (
            number <= self.minimum if self.exclusive_minimum else number < self.minimum
        )
        if too_low or (self.maximum is not None and number > self.maximum and self._shows_maximum()):
            raise InvalidValueError(f"expected {self.expected()}, got {value}", path=path)
        if self.maximum is not None and number > self.maximum:  # a guard bound, too large to name up front
            raise InvalidValueError(f"expected {self.noun} of at most {self.maximum:,}, got {value}", path=path)
        return number

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "number"}
        if self.minimum is not None:
            key = "exclusiveMinimum" if self.exclusive_minimum else "minimum"
            schema[key] = float(self.minimum)
        if self.maximum is not None:
            schema["maximum"] = float(self.maximum)
        return self._with_doc(schema)


class Share(Num):
    """A share, rate, probability or quality from 0 to 1, written ``0.95`` or ``"95%"`` (the same value).

    The one reading of "N%" in routecli: files and command-line options alike (docs/cli.md, Conventions).
    """

    def __init__(self, doc: str = "", noun: str = "a share") -> None:
        super().__init__(minimum=0, maximum=1, doc=doc, noun=noun)

    def accepts_type(self, value: Any) -> bool:
        return super().accepts_type(value) or isinstance(value, str)

    def expected(self) -> str:
        return f"{super().expected()} or a percentage like 95%"

    def check(self, value: Any, path: KeyPath) -> Decimal:
        if not (isinstance(value, str) and value.strip().endswith("%")):
            return super().check(value, path)
        try:
            percent = Decimal(value.strip().removesuffix("%").strip())
        except InvalidOperation:
            raise self._fail(value, path) from None
        if not percent.is_finite() or not 0 <= percent <= _HUNDRED:
            raise InvalidValueError(f"expected a percentage from 0% to 100%, got {value.strip()}", path=path)
        return percent / _HUNDRED

    def json_schema(self) -> dict[str, Any]:
        return self._with_doc(
            {"anyOf": [super().json_schema(), {"type": "string", "pattern": r"^\s*[0-9]+(\.[0-9]+)?\s*%\s*$"}]}
        )


def share_from_text(text: Any, where: str | KeyPath, noun: str = "a share") -> Decimal:
    """A share typed on the command line (``0.95`` or ``95%``), read as ``Share`` reads one in a file.

    ``where`` is the option (``--quality-floor``) or key path the errors name; numbers pass through.
    """
    value = text
    if isinstance(text, str):
        value = text.strip()
        if not value.endswith("%") and _looks_numeric(value):  # else left as text: Share says what it expected
            value = Decimal(value)
    return Share(noun=noun).check(value, (where,) if isinstance(where, str) else where)


def percent_from_text(value: Any) -> Decimal | None:
    """Percent (or percentage points) where a share is read too: ``30%``, ``0.3`` and ``30`` all give 30.

    A bare number below 1 (in size) is a share; one of 1 or more was percent before shares were accepted here, and
    stays percent so that existing CI files keep working (docs/cli.md, Conventions). ``None`` when there is no number.
    """
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number, percent = to_decimal(value), False
    elif isinstance(value, str):
        text = value.strip()
        percent = text.endswith("%")
        text = text.removesuffix("%").strip()
        if not _looks_numeric(text):
            return None
        number = Decimal(text)
    else:
        return None
    if not number.is_finite():
        return None
    return number if percent or abs(number) >= 1 else number * _HUNDRED


class Int(Spec):
    """A whole number of at least ``minimum``."""

    def __init__(self, minimum: int = 0, doc: str = "") -> None:
        self.minimum = minimum
        self.doc = doc

    def accepts_type(self, value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    def expected(self) -> str:
        return f"a whole number of at least {self.minimum}"

    def check(self, value: Any, path: KeyPath) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not self.accepts_type(value) or value < self.minimum:
            raise self._fail(value, path)
        return int(value)

    def json_schema(self) -> dict[str, Any]:
        return self._with_doc({"type": "integer", "minimum": self.minimum})


class List(Spec):
    """A list of items of one spec."""

    def __init__(self, item: Spec, min_items: int = 0, doc: str = "") -> None:
        self.item = item
        self.min_items = min_items
        self.doc = doc

    def accepts_type(self, value: Any) -> bool:
        return isinstance(value, list)

    def expected(self) -> str:
        if self.min_items == 1:
            return "a non-empty list"
        if self.min_items:
            return f"a list of at least {self.min_items} items"
        return "a list"

    def check(self, value: Any, path: KeyPath) -> list[Any]:
        if not isinstance(value, list) or len(value) < self.min_items:
            raise self._fail(value, path)
        return [self.item.check(item, (*path, index)) for index, item in enumerate(value)]

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": self.item.json_schema()}
        if self.min_items:
            schema["minItems"] = self.min_items
        return self._with_doc(schema)


class Map(Spec):
    """A mapping from names the user picks to values of one spec."""

    def __init__(self, value: Spec, min_items: int = 0, doc: str = "") -> None:
        self.value = value
        self.min_items = min_items
        self.doc = doc

    def accepts_type(self, value: Any) -> bool:
        return isinstance(value, Mapping)

    def expected(self) -> str:
        return "a non-empty mapping of names to values" if self.min_items else "a mapping of names to values"

    def check(self, value: Any, path: KeyPath) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise self._fail(value, path)
        if len(value) < self.min_items:
            raise InvalidValueError(f"expected {self.expected()}, got an empty mapping", path=path)
        checked: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidValueError(f"expected a name as key, got {describe(key)}", path=(*path, str(key)))
            checked[key] = self.value.check(item, (*path, key))
        return checked

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "object",
            "additionalProperties": self.value.json_schema(),
        }
        if self.min_items:
            schema["minProperties"] = self.min_items
        return self._with_doc(schema)


class Raw(Spec):
    """Any value of the given JSON kinds, passed through as written (e.g. extra request parameters)."""

    _KINDS: ClassVar[dict[str, tuple[type, ...]]] = {
        "object": (Mapping,),
        "string": (str,),
        "number": (int, float, Decimal),
        "boolean": (bool,),
        "array": (list,),
    }

    def __init__(
        self, kinds: tuple[str, ...] = ("object", "string", "number", "boolean", "array"), doc: str = ""
    ) -> None:
        self.kinds = kinds
        self.doc = doc

    def accepts_type(self, value: Any) -> bool:
        return any(isinstance(value, self._KINDS[kind]) for kind in self.kinds)

    def expected(self) -> str:
        return "a JSON " + " or ".join(self.kinds)

    def check(self, value: Any, path: KeyPath) -> Any:
        if not self.accepts_type(value):
            raise self._fail(value, path)
        return value

    def json_schema(self) -> dict[str, Any]:
        return self._with_doc({"type": list(self.kinds) if len(self.kinds) > 1 else self.kinds[0]})


class Field:
    """One key of an ``Obj``."""

    def __init__(self, spec: Spec, required: bool = False, default: Any = None) -> None:
        self.spec = spec
        self.required = required
        self.default = default


class Obj(Spec):
    """A mapping with known keys; unknown keys are errors with a suggestion.

    ``aliases`` maps a second accepted word to its key (the other file format's word for the same thing): the
    checked data holds the key. ``synonyms`` maps words this mapping does not accept to the key a user who wrote
    them meant (the other format's word for something this one spells differently), for the unknown-key hint.
    """

    def __init__(
        self,
        fields: dict[str, Field],
        doc: str = "",
        title: str = "",
        aliases: Mapping[str, str] | None = None,
        synonyms: Mapping[str, str] | None = None,
    ) -> None:
        self.fields = fields
        self.doc = doc
        self.title = title
        self.aliases = dict(aliases or {})
        self.synonyms = {**(synonyms or {}), **self.aliases}

    def accepts_type(self, value: Any) -> bool:
        return isinstance(value, Mapping)

    def expected(self) -> str:
        return "a mapping with keys " + ", ".join(self.fields)

    def written_key(self, value: Mapping[Any, Any], key: str) -> str:
        """The word ``value`` spells ``key`` with: the key itself or its alias (the key when neither is given)."""
        return next((alias for alias, meant in self.aliases.items() if meant == key and alias in value), key)

    def check(self, value: Any, path: KeyPath) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise self._fail(value, path)
        for key in value:
            if key in self.aliases:
                if self.aliases[key] in value:
                    meant = self.aliases[key]
                    raise InvalidValueError(f"give {meant!r} or {key!r} (the same thing), not both", path=(*path, key))
            elif key not in self.fields:
                allowed = "allowed keys: " + ", ".join(self.fields)
                hint = did_you_mean(key, list(self.fields), allowed, self.synonyms) if isinstance(key, str) else allowed
                raise InvalidValueError(f"unknown key {key!r}; {hint}", path=(*path, str(key)))
        checked: dict[str, Any] = {}
        for key, spec_field in self.fields.items():
            written = self.written_key(value, key)
            if written in value and value[written] is not None:
                checked[key] = spec_field.spec.check(value[written], (*path, written))
            elif spec_field.required:
                what = spec_field.spec.doc or spec_field.spec.expected()
                raise InvalidValueError(f"missing required key {key!r} ({what})", path=path)
            elif isinstance(spec_field.default, dict):  # a nested mapping's defaults, filled in
                checked[key] = spec_field.spec.check(spec_field.default, (*path, key))
            else:
                checked[key] = spec_field.default
        return checked

    def json_schema(self) -> dict[str, Any]:
        properties = {key: f.spec.json_schema() for key, f in self.fields.items()}
        properties.update({alias: properties[key] for alias, key in self.aliases.items()})
        schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
        required = [key for key, f in self.fields.items() if f.required and key not in self.aliases.values()]
        if required:
            schema["required"] = required
        either = [
            {"anyOf": [{"required": [key]}, {"required": [alias]}]}
            for alias, key in self.aliases.items()
            if self.fields[key].required
        ]
        both = [{"required": [key, alias]} for alias, key in self.aliases.items()]
        if either:
            schema["allOf"] = either
        if both:
            schema["not"] = {"anyOf": both} if len(both) > 1 else both[0]
        if self.title:
            schema["title"] = self.title
        return self._with_doc(schema)


class OneOf(Spec):
    """One of several specs, told apart by the kind of value (number, mapping …)."""

    def __init__(self, options: tuple[Spec, ...], doc: str = "") -> None:
        self.options = options
        self.doc = doc

    def accepts_type(self, value: Any) -> bool:
        return any(option.accepts_type(value) for option in self.options)

    def expected(self) -> str:
        return " or ".join(option.expected() for option in self.options)

    def check(self, value: Any, path: KeyPath) -> Any:
        for option in self.options:
            if option.accepts_type(value):
                return option.check(value, path)
        raise self._fail(value, path)

    def json_schema(self) -> dict[str, Any]:
        return self._with_doc({"anyOf": [option.json_schema() for option in self.options]})


class Tagged(Spec):
    """A mapping whose ``tag`` key (e.g. ``type``) picks which ``Obj`` it must match."""

    def __init__(self, tag: str, variants: dict[str, Obj], doc: str = "") -> None:
        self.tag = tag
        self.variants = variants
        self.doc = doc
        self._tag_choice = Choice(tuple(variants))

    def accepts_type(self, value: Any) -> bool:
        return isinstance(value, Mapping)

    def expected(self) -> str:
        return f"a mapping with {self.tag!r}: " + ", ".join(self.variants)

    def check(self, value: Any, path: KeyPath) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise self._fail(value, path)
        if self.tag not in value:
            raise InvalidValueError(
                f"missing required key {self.tag!r} ({self._tag_choice.expected()})",
                path=path,
            )
        kind = self._tag_choice.check(value[self.tag], (*path, self.tag))
        return self.variants[kind].check(value, path)

    def json_schema(self) -> dict[str, Any]:
        branches = []
        for kind, variant in self.variants.items():
            schema = variant.json_schema()
            schema["properties"][self.tag] = {"const": kind}
            schema["required"] = sorted({*schema.get("required", []), self.tag})
            branches.append(schema)
        return self._with_doc({"oneOf": branches})
