"""Prices: the model price types and usage math (``prices``), price-table files (``price_files``),
the LiteLLM import (``litellm``) and what changed between two tables (``price_diff``)."""

__all__: list[str] = []
