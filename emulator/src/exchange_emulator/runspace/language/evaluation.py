"""Values of parsed expressions."""

from __future__ import annotations

import typing

from ..formatting import display_text
from .syntax import ArrayLiteral, CommaList, EnvVariable, ExpandableString, Literal, Node


def evaluate(node: Node, environment: dict[str, str]) -> typing.Any:
    """A parsed value with `$env:` variables looked up (a missing variable is $null)."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, EnvVariable):
        return environment.get(node.name.lower())
    if isinstance(node, ExpandableString):
        return "".join(p if isinstance(p, str) else display_text(evaluate(p, environment)) for p in node.parts)
    if isinstance(node, CommaList):
        return [evaluate(item, environment) for item in node.items]
    if isinstance(node, ArrayLiteral):
        values: list[typing.Any] = []
        for statement in node.statements:
            value = evaluate(statement, environment)
            values.extend(value if isinstance(value, list) else [value])
        return values
    return {key: evaluate(value, environment) for key, value in node.entries}
