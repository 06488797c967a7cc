"""Cost-regression checks for CI: report documents, policies, diffs and drift."""

__all__: list[str] = []
