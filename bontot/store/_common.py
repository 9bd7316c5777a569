"""Small helpers shared by the store modules: the clock, JSON normalisation, "latest per group"."""

from __future__ import annotations

import datetime as dt
import enum
import json
from pathlib import PurePath
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute

from bontot.errors import InputError


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def jsonable(value: Any) -> Any:
    """``value`` as it will come back from a JSON column, so comparisons see what is stored.

    Dates become ISO strings, enums their values, tuples lists; anything else JSON cannot hold is
    refused here rather than half-written by the driver.
    """
    try:
        return json.loads(json.dumps(value, default=_default, ensure_ascii=False))
    except (TypeError, ValueError) as err:
        raise InputError(f"Dữ liệu không lưu được dưới dạng JSON: {err}") from err


def dumps(value: Any) -> str:
    """The engines' JSON serialiser: keeps Vietnamese readable in the database."""
    return json.dumps(value, ensure_ascii=False)


def latest_ids(id_column: InstrumentedAttribute[int], *group: InstrumentedAttribute[Any]) -> Select:
    """``SELECT max(id) … GROUP BY group``: ids only grow, so the largest is the latest row."""
    return select(func.max(id_column)).group_by(*group)


def require_text(value: str, what: str) -> str:
    """Refuse a blank string where a person must have written something."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"Thiếu {what}.")
    return value
