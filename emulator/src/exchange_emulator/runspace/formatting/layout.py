"""Text layout: wrapping words to a width, the console host's own wrapping, table cells and column widths."""

from __future__ import annotations

import enum
import re

from .values import ELLIPSIS, LINE_WIDTH


def split_lines(text: str) -> list[str]:
    """Lines of a value as the formatter sees them: carriage returns dropped, split at line feeds."""
    return text.replace("\r", "").split("\n")


def word_pieces(line: str) -> list[str]:
    """Words, each with the space or tab that ended it."""
    pieces: list[str] = []
    current = ""
    for char in line:
        current += char
        if char in " \t":
            pieces.append(current)
            current = ""
    pieces.append(current)
    return pieces


def wrap_words(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters, broken after spaces (words longer than a line are cut),
    as PowerShell wraps list values, wrapped table cells and error text in English cultures."""
    lines: list[str] = []
    for line in split_lines(text):
        if len(line) <= width:
            lines.append(line)
            continue
        current, room = "", width
        for piece in word_pieces(line):
            if len(piece) > width:
                for char in piece:
                    if room < 1:
                        lines.append(current)
                        current, room = "", width
                    current += char
                    room -= 1
            elif len(piece) > room:
                lines.append(current)
                current, room = piece, width - len(piece)
            else:
                current += piece
                room -= len(piece)
        lines.append(current)
    return lines


def host_words(text: str, width: int) -> list[str]:
    """Runs of spaces, runs of other characters (each cut to `width`) and line feeds, as the console host
    splits text it wraps itself (warnings, verbose messages)."""
    words: list[str] = []
    for match in re.finditer(r"\n| +|[^ \n]+", text.replace("\t", " ")):
        run = match.group()
        words.extend([run] if run == "\n" else [run[i:i + width] for i in range(0, len(run), width)])
    return words


def wrap_to_window(text: str, width: int = LINE_WIDTH) -> list[str]:
    """The console host's own wrapping (WrapToCurrentWindowWidth): a word that does not fit starts a new
    line; spaces that do not fit are split across the break."""
    lines: list[str] = []
    current = ""
    for word in host_words(text, width):
        if word == "\n":
            lines.append(current)
            current = ""
        elif len(current) + len(word) <= width:
            current += word
        elif word.startswith(" "):
            room = width - len(current)
            lines.append(current + word[:room])
            current = word[room:]
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


class Align(enum.Enum):
    LEFT = "left"
    RIGHT = "right"


def fit_cell(value: str, width: int, align: Align) -> str:
    """One table cell on one line: cut at a line break, padded, or shortened with an ellipsis."""
    for index, char in enumerate(value):
        if char in "\r\n":
            value = value[:index] + ELLIPSIS
            break
    if len(value) < width:
        return value.rjust(width) if align is Align.RIGHT else value.ljust(width)
    if len(value) == width:
        return value
    keep = width - len(ELLIPSIS)
    if keep <= 0:
        return value[-width:] if align is Align.RIGHT else value[:width]
    return ELLIPSIS + value[-keep:] if align is Align.RIGHT else value[:keep] + ELLIPSIS


def pad_cell(value: str, width: int, align: Align) -> str:
    return value.rjust(width) if align is Align.RIGHT else value.ljust(width)


def fit_columns(widths: list[int], table_width: int) -> list[int]:
    """Column widths that fit the line: unsized columns share the room left; when too wide, the last
    visible column shrinks or is hidden (width -1), as PowerShell's ColumnWidthManager does."""
    widths = list(widths)
    if all(w > 0 for w in widths):
        if visible_width(widths) <= table_width:
            return widths
    else:
        unsized = [k for k, w in enumerate(widths) if w <= 0]
        for k in unsized:
            widths[k] = 1
        room = table_width - visible_width(widths)
        if room >= 0:
            for step in range(room):
                widths[unsized[step % len(unsized)]] += 1
            return widths
    return trim_to_fit(widths, table_width)


def visible_width(widths: list[int]) -> int:
    shown = [w for w in widths if w > 0]
    return sum(shown) + max(len(shown) - 1, 0)


def trim_to_fit(widths: list[int], table_width: int) -> list[int]:
    while visible_width(widths) > table_width:
        last = next((k - 1 for k, w in enumerate(widths) if w < 0), len(widths) - 1)
        if last < 0:
            break
        shrunk = widths[last] - (visible_width(widths) - table_width)
        widths[last] = shrunk if shrunk >= 1 else -1
    return widths
