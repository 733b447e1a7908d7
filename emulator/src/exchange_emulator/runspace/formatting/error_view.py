"""The Windows error view: how powershell.exe prints an error record."""

from __future__ import annotations

from ..model import ErrorRecordInfo
from .layout import wrap_words
from .values import CONSOLE_COLUMNS, LINE_WIDTH

ERROR_VIEW_INDENT = 4


def category_chunks(label: str, text: str) -> str:
    """The error view's `+ CategoryInfo` and `+ FullyQualifiedErrorId` lines: cut every (console width
    - 6) characters and joined with four spaces, exactly as PowerShell 5.1's view script does."""
    chunk = CONSOLE_COLUMNS - ERROR_VIEW_INDENT - 2
    line = f"+ {label}: {text}"
    pieces = [line[start:start + chunk] for start in range(0, len(line), chunk)]
    return "".join(" " * ERROR_VIEW_INDENT + piece for piece in pieces)


def error_view(record: ErrorRecordInfo, prefix: str, position: str) -> list[str]:
    """An error record as powershell.exe prints it: `<command> : <message>`, the position, the category
    and the error id, then a line holding one space; wrapped to the console width."""
    if record.category == "ParserError" and not prefix:
        text = f"{position}\n{record.message}" if position else record.message
    else:
        text = (f"{prefix} : " if prefix else "") + record.message + (f"\n{position}" if position else "")
    text += "\n" + category_chunks("CategoryInfo          ", record.category_line)
    text += "\n" + category_chunks("FullyQualifiedErrorId ", record.error_id)
    text += "\n "
    return wrap_words(text, LINE_WIDTH)
