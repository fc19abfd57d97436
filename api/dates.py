"""Dates as people read them: 'september 2022', '17 september 2024', 'ongeveer december 2021'."""

from __future__ import annotations

_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december")


def date_label(date: str | None, estimated: bool = False) -> str | None:
    if not date:
        return None
    parts = [int(p) for p in date.split("-")]
    if len(parts) == 1:
        label = str(parts[0])
    elif len(parts) == 2:
        label = f"{_MONTHS[parts[1] - 1]} {parts[0]}"
    else:
        label = f"{parts[2]} {_MONTHS[parts[1] - 1]} {parts[0]}"
    return f"ongeveer {label}" if estimated else label
