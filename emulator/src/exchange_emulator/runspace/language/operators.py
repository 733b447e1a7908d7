"""PowerShell's operators on values (about_Comparison_Operators, about_Arithmetic_Operators, about_Join,
about_Split, about_Logical_Operators).

Comparisons are case-insensitive unless written with `c` (`-ceq`); the right operand is converted to
the left operand's type (`'False' -eq $false` is true, `$false -eq 'False'` is not: a non-empty string
is true). With a collection on the left, comparison operators return the elements that match and
-replace/-split apply to each element. -match on a single value sets `$Matches`.
"""

from __future__ import annotations

import datetime
import re
import typing

from .values import ScriptRuntimeError, is_collection, is_true, items_of, to_number, to_text, type_name

FILTERS = ("eq", "ne", "gt", "ge", "lt", "le", "like", "notlike", "match", "notmatch")


def split_operator(operator: str) -> tuple[str, bool]:
    """`-ceq` → ("eq", case-sensitive), `-ieq`/`-eq` → ("eq", case-insensitive)."""
    name = operator[1:]
    if name[0] in "ci" and name[1:] in (*FILTERS, "contains", "notcontains", "in", "notin", "replace", "split"):
        return name[1:], name[0] == "c"
    return name, False


# ---------------------------------------------------------------------------------------------- equality, order
def fold(text: str, case_sensitive: bool) -> str:
    return text if case_sensitive else text.casefold()


def equals(left: typing.Any, right: typing.Any, case_sensitive: bool = False) -> bool:
    """LanguagePrimitives.Equals: the right value converted to the left one's type."""
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool):
        return left == is_true(right)
    if isinstance(left, str):
        return fold(left, case_sensitive) == fold(to_text(right), case_sensitive)
    if isinstance(left, (int, float)):
        try:
            return bool(left == to_number(right))
        except ScriptRuntimeError:
            return False
    if isinstance(right, str) and not isinstance(left, datetime.datetime):
        return fold(to_text(left), case_sensitive) == fold(right, case_sensitive)
    return bool(left == right)


def compare(left: typing.Any, right: typing.Any, case_sensitive: bool = False) -> int:
    """LanguagePrimitives.Compare: negative, zero or positive; $null sorts before everything."""
    if left is None or right is None:
        return (left is not None) - (right is not None)
    try:
        if isinstance(left, bool):
            a: typing.Any = left
            b: typing.Any = is_true(right)
        elif isinstance(left, (int, float)):
            a, b = left, to_number(right)
        elif isinstance(left, datetime.datetime) and isinstance(right, datetime.datetime):
            a, b = left, right
        else:
            a, b = fold(to_text(left), case_sensitive), fold(to_text(right), case_sensitive)
    except ScriptRuntimeError as failed:
        raise ScriptRuntimeError(f'Could not compare "{to_text(left)}" to "{to_text(right)}". Error: '
                                 f'"{failed.record.message}"', "ComparisonFailure") from None
    return int((a > b) - (a < b))


def wildcard_regex(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    """A -like pattern (`*`, `?`, `[a-z]`, backtick escapes) as a regular expression matching the whole text."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "`" and index + 1 < len(pattern):
            index += 1
            out.append(re.escape(pattern[index]))
        elif char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end < 0:
                out.append(re.escape(char))
            else:
                out.append("[" + pattern[index + 1:end].replace("\\", "\\\\") + "]")
                index = end
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out), re.DOTALL | (0 if case_sensitive else re.IGNORECASE))


def dotnet_regex(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    """A .NET regular expression in Python's dialect (named groups `(?<name>…)` → `(?P<name>…)`)."""
    translated = re.sub(r"\(\?<(?![=!])(\w+)>", r"(?P<\1>", pattern)
    try:
        return re.compile(translated, 0 if case_sensitive else re.IGNORECASE)
    except re.error as failed:
        raise ScriptRuntimeError(f'The regular expression pattern {pattern} is not valid: {failed}.',
                                 "InvalidRegularExpression", "InvalidOperation") from None


def test(name: str, left: typing.Any, right: typing.Any, case_sensitive: bool,
         matches: typing.Callable[[re.Match[str]], None] | None = None) -> bool:
    """One scalar comparison."""
    if name == "eq":
        return equals(left, right, case_sensitive)
    if name == "ne":
        return not equals(left, right, case_sensitive)
    if name in ("gt", "ge", "lt", "le"):
        order = compare(left, right, case_sensitive)
        return {"gt": order > 0, "ge": order >= 0, "lt": order < 0, "le": order <= 0}[name]
    if name in ("like", "notlike"):
        found = wildcard_regex(to_text(right), case_sensitive).fullmatch(to_text(left)) is not None
        return found == (name == "like")
    found_match = dotnet_regex(to_text(right), case_sensitive).search(to_text(left))
    if found_match is not None and matches is not None:
        matches(found_match)
    return (found_match is not None) == (name == "match")


def comparison(operator: str, left: typing.Any, right: typing.Any,
               matches: typing.Callable[[re.Match[str]], None]) -> typing.Any:
    name, case_sensitive = split_operator(operator)
    if name in ("contains", "notcontains"):
        found = any(equals(item, right, case_sensitive) for item in items_of(left))
        return found == (name == "contains")
    if name in ("in", "notin"):
        found = any(equals(item, left, case_sensitive) for item in items_of(right))
        return found == (name == "in")
    if name == "replace":
        return replace(left, right, case_sensitive)
    if name == "split":
        return split(left, right, case_sensitive)
    if is_collection(left):
        return [item for item in items_of(left) if test(name, item, right, case_sensitive)]
    return test(name, left, right, case_sensitive, matches)


# ---------------------------------------------------------------------------------------------- text operators
def dotnet_replacement(template: str) -> typing.Callable[[re.Match[str]], str]:
    """A .NET replacement (`$1`, `${name}`, `$0`, `$&`, `$$`) as a function of the match."""
    def expand(match: re.Match[str]) -> str:
        def group(found: re.Match[str]) -> str:
            token = found.group()
            if token == "$$":
                return "$"
            key = token[2:-1] if token.startswith("${") else token[1:]
            if key == "&":
                key = "0"
            try:
                return match.group(int(key) if key.isdigit() else key) or ""
            except (IndexError, re.error):
                return token
        return re.sub(r"\$\$|\$\{\w+\}|\$\d+|\$&", group, template)
    return expand


def replace(left: typing.Any, right: typing.Any, case_sensitive: bool) -> typing.Any:
    operands = items_of(right) if is_collection(right) else [right]
    if len(operands) > 2:
        raise ScriptRuntimeError("The -replace operator allows only two elements to follow it, not "
                                 f"{len(operands)}.", "BadReplaceArgument", "InvalidOperation")
    pattern = dotnet_regex(to_text(operands[0]), case_sensitive)
    replacement = dotnet_replacement(to_text(operands[1]) if len(operands) == 2 else "")
    if is_collection(left):
        return [pattern.sub(replacement, to_text(item)) for item in items_of(left)]
    return pattern.sub(replacement, to_text(left))


def split(left: typing.Any, right: typing.Any, case_sensitive: bool) -> list[str]:
    operands = items_of(right) if is_collection(right) else [right]
    pattern = dotnet_regex(to_text(operands[0]), case_sensitive)
    limit = int(to_number(operands[1])) if len(operands) > 1 else 0
    parts: list[str] = []
    for item in items_of(left):
        pieces = pattern.split(to_text(item), maxsplit=max(limit - 1, 0))
        parts.extend(p if p is not None else "" for p in pieces)
    return parts


def unary(operator: str, value: typing.Any) -> typing.Any:
    if operator == "-not":
        return not is_true(value)
    if operator in ("-split", "-isplit", "-csplit"):
        return [part for item in items_of(value) for part in to_text(item).split()]
    if operator == "-join":
        return "".join(to_text(item) for item in items_of(value))
    number = to_number(value)
    return -number if operator == "-" else number


# ---------------------------------------------------------------------------------------------- arithmetic
def arithmetic(operator: str, left: typing.Any, right: typing.Any) -> typing.Any:
    """+ - * / % and the range operator; `+` joins strings and arrays, `*` repeats them."""
    if operator == "..":
        start, end = int(to_number(left)), int(to_number(right))
        return list(range(start, end + 1) if start <= end else range(start, end - 1, -1))
    if operator == "+" and is_collection(left):
        return [*items_of(left), *(items_of(right) if is_collection(right) else [right])]
    if operator == "+" and isinstance(left, str):
        return left + to_text(right)
    if operator == "*" and isinstance(left, str):
        return left * int(to_number(right))
    if operator == "*" and is_collection(left):
        return items_of(left) * int(to_number(right))
    if left is None and operator in "+-":
        left = 0
    if not isinstance(left, (int, float)):
        method = {"+": "op_Addition", "-": "op_Subtraction", "*": "op_Multiply", "/": "op_Division"}.get(operator,
                                                                                                     "op_Modulus")
        raise ScriptRuntimeError(f"Method invocation failed because [{type_name(left)}] does not contain a method "
                                 f"named '{method}'.", "MethodNotFound")
    a, b = to_number(left), to_number(right)
    if operator == "+":
        return a + b
    if operator == "-":
        return a - b
    if operator == "*":
        return a * b
    if b == 0:
        raise ScriptRuntimeError("Attempted to divide by zero.", "RuntimeException", "NotSpecified")
    if operator == "/":
        quotient = a / b
        return int(quotient) if quotient.is_integer() and isinstance(a, int) and isinstance(b, int) else quotient
    return a % b if isinstance(a, int) and isinstance(b, int) else a - b * int(a / b)
