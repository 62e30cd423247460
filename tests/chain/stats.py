"""Counters the differential tests fill and pytest's terminal summary prints."""

from __future__ import annotations

from collections import Counter

COUNTERS: dict[str, Counter[str]] = {}


def counter(name: str) -> Counter[str]:
    return COUNTERS.setdefault(name, Counter())


def summary_lines() -> list[str]:
    lines = []
    for name, c in sorted(COUNTERS.items()):
        lines.append(f"{name}:")
        for key, value in sorted(c.items()):
            lines.append(f"  {key:<46} {value}")
    return lines
