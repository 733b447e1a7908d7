"""How powershell.exe turns objects into text when WinRS redirects its output (Windows PowerShell 5.1).

Out-Default formats what a command line outputs: strings and numbers as their text; objects through a
default view (a table for types with one, see DEFAULT_TABLE_VIEWS), else a table when they have four
properties or fewer and a list otherwise. Format-Table, Format-List, ConvertTo-Json and Out-String are
declared here as the commands an administrator pipes into. Layout follows PowerShell 5.1: a table is a
blank line, header, dashes, rows and two blank lines; columns without a width are sized to their
content; a list pads names to the longest and wraps long values; the console width is 80 columns, of
which PowerShell never writes the last. Errors are rendered in the Windows error view.

Values arrive as the Exchange model produces them (exchange.records): enums and Exchange value types
are already strings, multi-valued properties are `MultiValued`.

The package is split by view: values (a value's text), layout (wrapping, column widths), views (table
views and shapes), render (tables and lists as lines), out_default, json_text, error_view, and the
commands.
"""

from .commands import FORMATTING_COMMANDS
from .error_view import category_chunks, error_view
from .json_text import to_json
from .layout import Align, fit_cell, fit_columns, wrap_to_window, wrap_words
from .out_default import OutDefault
from .render import FormattedOutput, ListEntry, TableRow, TextLine, render_list_entry, render_table
from .values import CONSOLE_COLUMNS, CRLF, LINE_WIDTH, display_text
from .views import TableShape

__all__ = ["CONSOLE_COLUMNS", "CRLF", "FORMATTING_COMMANDS", "LINE_WIDTH", "Align", "FormattedOutput", "ListEntry",
           "OutDefault", "TableRow", "TableShape", "TextLine", "category_chunks", "display_text", "error_view",
           "fit_cell", "fit_columns", "render_list_entry", "render_table", "to_json", "wrap_to_window", "wrap_words"]
