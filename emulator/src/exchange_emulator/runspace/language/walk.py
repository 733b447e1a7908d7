"""Walking a parsed script: every statement, nested ones included (in `( … )`, `$( … )`, script blocks, if)."""

from __future__ import annotations

import dataclasses
import typing

from .syntax import (
    ArrayLiteral,
    AssignmentAst,
    ExitAst,
    IfAst,
    ParenExpression,
    ScriptBlockLiteral,
    Statement,
    SubExpression,
)


def nested_statements(statements: list[Statement]) -> typing.Iterator[Statement]:
    for statement in statements:
        yield statement
        yield from _inner(statement)


def _inner(node: typing.Any) -> typing.Iterator[Statement]:
    if isinstance(node, (ArrayLiteral, SubExpression, ScriptBlockLiteral)):
        yield from nested_statements(node.statements)
    elif isinstance(node, ParenExpression):
        yield from nested_statements([node.pipeline])
    elif isinstance(node, IfAst):
        for condition, body in node.clauses:
            yield from nested_statements([condition, *body])
        yield from nested_statements(node.otherwise or [])
    elif isinstance(node, AssignmentAst):
        yield from nested_statements([node.value])
    elif isinstance(node, ExitAst):
        yield from nested_statements([node.value] if node.value else [])
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from _inner(item)
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        for field in dataclasses.fields(node):
            yield from _inner(getattr(node, field.name))
