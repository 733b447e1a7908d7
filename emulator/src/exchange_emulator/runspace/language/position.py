"""Where an error is: PowerShell's `At line:N char:M` text with the line and an underline."""

from __future__ import annotations

from .syntax import Extent


def line_at(text: str, offset: int) -> tuple[int, int, str]:
    """Line number and column (both from 1) of an offset, and that line's text."""
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = min((i for i in (text.find("\n", line_start), text.find("\r", line_start)) if i >= 0),
                   default=len(text))
    return text.count("\n", 0, offset) + 1, offset - line_start + 1, text[line_start:line_end]


def position_message(text: str, extent: Extent) -> str:
    """`At line:N char:M`, the line and a `~` underline, shortened around the error when the line is long
    (PowerShell 5.1 shows at most 69 characters of it)."""
    line, column, source = line_at(text, extent.start)
    end_line, end_column, _ = line_at(text, max(extent.end, extent.start))
    source = source.rstrip()
    before = column - 1
    length = end_column - column if end_line == line and end_column <= len(source) + 1 else len(source) - before
    if "\t" in source:
        head, marked = source[:before].replace("\t", "    "), source[before:before + length].replace("\t", "    ")
        source = head + marked + source[before + length:].replace("\t", "    ")
        before, length = len(head), len(marked)
    if not source:
        return f"At line:{line} char:{column}\n+ "
    shown, before, length, cut_before, cut_after = window(source, before, length)
    underline = " " * (before + (4 if cut_before else 0)) + "~" * max(length, 1)
    shown = ("... " if cut_before else "") + shown + (" ..." if cut_after else "")
    return f"At line:{line} char:{column}\n+ {shown}\n+ {underline}"


POSITION_LINE_LIMIT = 69


def window(source: str, before: int, length: int) -> tuple[str, int, int, bool, bool]:
    """The part of a long line shown around the error: up to 12 characters before it and 8 after."""
    limit = POSITION_LINE_LIMIT
    if len(source) <= limit:
        return source, before, length, False, False
    shown_before, after = min(before, 12), len(source) - length - before
    shown_after = min(after, 8)
    if shown_before + length + shown_after >= limit:
        if shown_before + length >= limit:
            length = limit - shown_before
        cut_after = True
    else:
        shown_before += min(before - shown_before, limit - (shown_before + length + shown_after))
        total = shown_before + length + shown_after
        if total < limit and after > 0:
            shown_after += min(after, limit - total)
        cut_after = shown_after < after
    cut_before = shown_before < before
    start = max(before - shown_before, 0)
    before = min(before, shown_before)
    return source[start:start + limit], before, min(length, limit - before), cut_before, cut_after
