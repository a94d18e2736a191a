"""Dialect-specific SQL pieces of the statistics: local months and days in Asia/Shanghai, and a planner hint.

Shanghai has kept UTC+8 all year since 1991, so a fixed offset is exact for every stored instant.
"""

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class local_month(FunctionElement[str]):
    """``YYYY-MM`` of a UTC instant in Asia/Shanghai."""

    type = String()
    inherit_cache = True
    name = "local_month"


@compiles(local_month, "sqlite")
def _local_month_sqlite(element: local_month, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)}, '+8 hours')"


@compiles(local_month, "postgresql")
def _local_month_pg(element: local_month, compiler: Any, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"


class local_days_between(FunctionElement[int]):
    """Shanghai calendar days from the day of the first instant to the day of the second (0 = same day)."""

    inherit_cache = True
    name = "local_days_between"


@compiles(local_days_between, "sqlite")
def _days_sqlite(element: local_days_between, compiler: Any, **kw: Any) -> str:
    # the local day number is floor(Julian day of local time + 0.5); one parse per instant
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return (f"(CAST(julianday({end}, '+8 hours') + 0.5 AS INTEGER) "
            f"- CAST(julianday({start}, '+8 hours') + 0.5 AS INTEGER))")


@compiles(local_days_between, "postgresql")
def _days_pg(element: local_days_between, compiler: Any, **kw: Any) -> str:
    # day numbers from epoch seconds shifted by 8 hours: twice as fast as AT TIME ZONE 'Asia/Shanghai'
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return (f"CAST(floor((date_part('epoch', {end}) + 28800) / 86400) "
            f"- floor((date_part('epoch', {start}) + 28800) / 86400) AS INTEGER)")


class unindexed(FunctionElement[Any]):
    """The column, kept from choosing an index on SQLite (unary ``+``, SQLite's documented way).

    Without statistics SQLite takes any equality on an indexed column as very selective, so ``department_id =
    ?`` or ``status = 'closed'`` would pick ``ix_hazard_department_id`` / ``ix_hazard_status_due_at`` and look
    up a fifth (or most) of the table row by row instead of range-scanning the covering index. PostgreSQL
    plans from its statistics and gets the column as is.
    """

    inherit_cache = True
    name = "unindexed"

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed(element: unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"
