"""Counted nouns as a person writes them: `1 restart`, `3 restarts`."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
