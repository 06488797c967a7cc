"""Options several commands share, and writing the chart file ``--chart`` names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from routecli.errors import InputFileError

if TYPE_CHECKING:
    from routecli.render.charts import ChartFormat

__all__ = ["save_chart"]


def save_chart(path: Path, render: Callable[[ChartFormat], bytes]) -> None:
    """Draw a chart in the format ``path``'s suffix names and write it there."""
    from routecli.render.charts import check_chart_path  # the cost model and sweeps, only once a chart is asked for

    data = render(check_chart_path(path))
    try:
        path.write_bytes(data)
    except OSError as error:
        raise InputFileError(f"cannot write chart: {error.strerror}", source=str(path)) from None
