"""Log formats ``routecli analyze`` reads: one module per tool, each turning that tool's rows into ``LogRecord``s.

File side. ``containers`` splits a file into rows (JSON Lines, a JSON document,
CSV, Parquet); a format module says whether a row is its own (``sniff``) and turns
its rows into records (``records``). ``detect`` picks the format from a file's
first row unless ``--input-format`` names one.

A format module defines::

    NAME: str                     # what --input-format takes
    DESCRIPTION: str              # one line for --help and docs/analyze.md
    def sniff(row: Mapping[str, Any]) -> bool
    def records(source: str, rows: Iterable[Row], options: ReadOptions) -> Iterator[LogRecord]

``FORMATS`` lists them in the order detection tries them (most specific first).
"""
