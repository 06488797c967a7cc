"""routecli: what LLM routing and cascading would cost, before and after you ship it."""

__version__ = "0.1.0"

__all__ = ["__version__"]
