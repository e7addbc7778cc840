"""Dates, times and counts the way a Dutch reader expects them, in the visitor's own
time zone (the browser reports it; Streamlit passes it on as ``st.context.timezone``)."""
from __future__ import annotations

import re
from datetime import datetime, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS = ["jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."]
MONTHS_LONG = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
               "oktober", "november", "december"]
DEFAULT_ZONE = "Europe/Amsterdam"  # the board's own; used when the browser does not say


def zone(name: str | None) -> tzinfo:
    for candidate in (name, DEFAULT_ZONE):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return timezone.utc


def parse_time(value: str | datetime | None) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value or ""))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def when(value: str | datetime | None, tz: tzinfo, now: datetime | None = None) -> str:
    """"vandaag 14:05", "gisteren 09:12", "3 nov. 14:05", "3 nov. 2025 14:05"."""
    moment = parse_time(value)
    if moment is None:
        return "onbekend"
    local = moment.astimezone(tz)
    today = (now or datetime.now(timezone.utc)).astimezone(tz).date()
    clock = local.strftime("%H:%M")
    days = (today - local.date()).days
    if days == 0:
        return f"vandaag {clock}"
    if days == 1:
        return f"gisteren {clock}"
    year = "" if local.year == today.year else f" {local.year}"
    return f"{local.day} {MONTHS[local.month - 1]}{year} {clock}"


def document_date(value: str | None) -> str:
    """A document's date as written in Dutch: "2023", "mei 2023", "1 mei 2023"."""
    value = (value or "").strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value[:10] if len(value) > 10 else value)
    if not m:
        return value
    year, month, day = m.groups()
    if not month or not 1 <= int(month) <= 12:
        return year
    text = f"{MONTHS_LONG[int(month) - 1]} {year}"
    return f"{int(day)} {text}" if day else text


def count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def number(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # 3.000, not 3,000
