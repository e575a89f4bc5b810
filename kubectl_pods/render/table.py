"""Plain aligned columns, the way kubectl prints tables."""

from __future__ import annotations


def table(headers: list[str], rows: list[list[str]], indent: str = "") -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = []
    for row in [headers, *rows]:
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths)]
        lines.append((indent + "   ".join(cells)).rstrip())
    return "\n".join(lines)
