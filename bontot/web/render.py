"""Jinja2 for the pages: autoescape always on, Vietnamese formats for dates and numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bontot.models import CRITERION_NAMES, Rating
from bontot.vnformat import number

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def when(value: dt.datetime | None) -> str:
    """A moment in Vietnam's time: 27/11/2026 14:05."""
    if value is None:
        return ""
    return value.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


def day(value: dt.date | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y")


def num(value: Any) -> str:
    return number(value) if isinstance(value, int) and not isinstance(value, bool) else str(value)


def size(value: int) -> str:
    if value >= 1024 * 1024:
        return f"{value / (1024 * 1024):.1f} MB".replace(".", ",")
    return f"{max(1, value // 1024)} KB"


def rating(value: str | None) -> str:
    try:
        return Rating(value).label
    except ValueError:
        return value or ""


def shown(value: Any) -> str:
    """A stored field value as a clerk reads it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có / Đạt" if value else "Không / Không đạt"
    return num(value)


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=when, day=day, num=num, size=size, rating=rating, shown=shown)
    env.globals.update(CRITERION_NAMES=CRITERION_NAMES)
    return env
