"""How numbers read: exact strings for machines, rounded ones (half up) for people."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

from routecli.pricing.prices import decimal_text as decimal_str

__all__ = ["counted", "decimal_str", "fixed", "money", "percent", "plain_number", "probability"]


def fixed(value: Decimal, digits: int) -> Decimal:
    """``value`` rounded half up to ``digits`` decimals, however large it is."""
    with localcontext() as context:
        context.prec = max(60, value.adjusted() + digits + 2)
        return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def money(value: Decimal, currency: str = "USD") -> str:
    """Money for people: cents from a dollar up, four significant digits below."""
    sign = "-" if value < 0 else ""
    amount = abs(value)
    digits = 2 if amount >= 1 or not amount else max(2, 3 - amount.adjusted())
    text = f"{fixed(amount, digits):,.{digits}f}"
    if digits > 2:
        whole, fraction = text.split(".")
        text = f"{whole}.{fraction.rstrip('0').ljust(2, '0')}"
    symbol = "$" if currency == "USD" else f"{currency} "
    return f"{sign}{symbol}{text}"


def percent(value: Decimal | None, digits: int = 1) -> str:
    """A percentage already scaled to 0–100."""
    return "—" if value is None else f"{fixed(value, digits):.{digits}f}%"


def probability(value: Decimal | None, digits: int = 3) -> str:
    """A probability in [0, 1], or a dash when unknown."""
    return "—" if value is None else f"{fixed(value, digits):.{digits}f}"


def counted(value: int, noun: str) -> str:
    """``1 prompt``, ``1,200 prompts``: a count and its noun, plural unless one."""
    return f"{plain_number(Decimal(value))} {noun}{'' if value == 1 else 's'}"


def plain_number(value: Decimal, digits: int = 0) -> str:
    """A count or duration with thousands separators."""
    return f"{fixed(value, digits):,.{digits}f}"
