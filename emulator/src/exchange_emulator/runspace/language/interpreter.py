"""Running parsed statements: variables and scopes, expressions, pipelines, if/else, exit.

Commands are run by a `CommandRunner` (the host: it binds arguments, runs the runspace and reports
errors); everything else here. As in PowerShell, an error that terminates a command ends its statement
only (the script goes on with the next one and `$?` is false), unless -ErrorAction Stop made it end the
script; `exit N` ends the script with that exit code.
"""

from __future__ import annotations

import re
import typing

from ...exchange.records import MultiValued
from . import operators
from .syntax import (
    ArrayLiteral,
    AssignmentAst,
    BinaryOperation,
    CommaList,
    CommandAst,
    EnvVariable,
    ExpandableString,
    Extent,
    HashLiteral,
    IfAst,
    IndexAccess,
    Literal,
    MemberAccess,
    MethodCall,
    Node,
    ParenExpression,
    PipelineAst,
    ScriptBlockLiteral,
    Statement,
    SubExpression,
    UnaryOperation,
    Variable,
)
from .values import (
    ScriptBlock,
    ScriptRuntimeError,
    call_method,
    get_index,
    get_member,
    is_collection,
    is_true,
    items_of,
    to_number,
    to_text,
    unwrap,
)

Output = typing.Callable[[typing.Any], None]


class StatementFailure(Exception):
    """A command's terminating error, carried to the statement it ends; `context` is the runner's."""

    def __init__(self, record: typing.Any, context: typing.Any) -> None:
        super().__init__(str(record))
        self.record = record
        self.context = context


class ExitScript(BaseException):
    """`exit N`: BaseException so that it passes through a cmdlet running a script block."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class ScriptStopped(BaseException):
    """A script-terminating error (-ErrorAction Stop) was reported: nothing more runs."""


class CommandRunner(typing.Protocol):
    @property
    def failures(self) -> int:
        """Errors written or thrown by commands so far (for `$?`)."""
        ...

    def run_commands(self, commands: list[CommandAst], pipeline_input: list[typing.Any],
                     evaluate: typing.Callable[[Node], typing.Any], output: Output) -> None: ...

    def environment_variables(self) -> dict[str, str]: ...

    def report_failure(self, failure: StatementFailure) -> bool:
        """Write the error; True when it ends the script."""
        ...

    def report_runtime_error(self, error: ScriptRuntimeError, extent: Extent) -> None: ...


class Scope:
    """Variables by lower-case name; a script block's scope reads its parent's and writes its own."""

    def __init__(self, parent: Scope | None = None, variables: dict[str, typing.Any] | None = None) -> None:
        self.parent = parent
        self.variables = variables or {}

    def get(self, name: str) -> typing.Any:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.variables:
                return scope.variables[name]
            scope = scope.parent
        return None

    def set(self, name: str, value: typing.Any) -> None:
        self.variables[name] = value


class Interpreter:
    def __init__(self, runner: CommandRunner) -> None:
        self.runner = runner
        self.scope = Scope()
        self.last_succeeded = True
        self._environment: dict[str, str] | None = None

    # ------------------------------------------------------------------ statements
    def run(self, statements: list[Statement], output: Output) -> int:
        """Run a whole script; its exit code: `exit N`, else 1 when the last statement failed."""
        try:
            self.execute_all(statements, self.scope, output)
        except ExitScript as exit_:
            return exit_.code
        except ScriptStopped:
            return 1
        return 0 if self.last_succeeded else 1

    def execute_all(self, statements: list[Statement], scope: Scope, output: Output) -> None:
        for statement in statements:
            self.execute(statement, scope, output)

    def execute(self, statement: Statement, scope: Scope, output: Output) -> None:
        mark = self.runner.failures
        try:
            self.execute_statement(statement, scope, output)
            succeeded = self.runner.failures == mark
        except StatementFailure as failure:
            succeeded = False
            if self.runner.report_failure(failure):
                self.last_succeeded = False
                raise ScriptStopped() from None
        except ScriptRuntimeError as error:
            succeeded = False
            self.runner.report_runtime_error(error, statement.extent)
        if not isinstance(statement, IfAst):
            self.last_succeeded = succeeded

    def execute_statement(self, statement: Statement, scope: Scope, output: Output) -> None:
        if isinstance(statement, PipelineAst):
            self.run_pipeline(statement, scope, output)
        elif isinstance(statement, AssignmentAst):
            self.assign(statement, scope)
        elif isinstance(statement, IfAst):
            for condition, body in statement.clauses:
                if is_true(unwrap(self.collect(condition, scope))):
                    self.execute_all(body, scope, output)
                    return
            if statement.otherwise is not None:
                self.execute_all(statement.otherwise, scope, output)
        else:
            code = 0 if statement.value is None else unwrap(self.collect(statement.value, scope))
            raise ExitScript(int(to_number(code)) if code is not None else 0)

    def assign(self, statement: AssignmentAst, scope: Scope) -> None:
        value = unwrap(self.collect(statement.value, scope))
        name = statement.variable.lower()
        if statement.operator != "=":
            value = operators.arithmetic(statement.operator[0], scope.get(name), value)
        scope.set(name, value)

    def run_pipeline(self, pipeline: PipelineAst, scope: Scope, output: Output) -> None:
        values: list[typing.Any] = []
        if pipeline.leading is not None:
            value = self.evaluate(pipeline.leading, scope)
            values = [v for v in (items_of(value) if is_collection(value) else [value]) if v is not None]
        if not pipeline.commands:
            for value in values:
                output(value)
            return
        self.runner.run_commands(pipeline.commands, values, lambda node: self.evaluate(node, scope), output)

    def collect(self, pipeline: PipelineAst, scope: Scope) -> list[typing.Any]:
        out: list[typing.Any] = []
        self.run_pipeline(pipeline, scope, out.append)
        return out

    def collect_statements(self, statements: list[Statement], scope: Scope) -> list[typing.Any]:
        out: list[typing.Any] = []
        for statement in statements:
            self.execute_statement(statement, scope, out.append)
        return out

    def invoke_block(self, block: ScriptBlock, item: typing.Any) -> list[typing.Any]:
        """A script block run for one pipeline object (`$_`, `$PSItem`), its output collected."""
        scope = Scope(block.scope, {"_": item, "psitem": item})
        out: list[typing.Any] = []
        self.execute_all(block.statements, scope, out.append)
        return out

    # ------------------------------------------------------------------ expressions
    def evaluate(self, node: Node, scope: Scope) -> typing.Any:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Variable):
            return self.variable(node.name, scope)
        if isinstance(node, EnvVariable):
            return self.environment().get(node.name.lower())
        if isinstance(node, ExpandableString):
            return "".join(p if isinstance(p, str) else to_text(self.evaluate(p, scope)) for p in node.parts)
        if isinstance(node, CommaList):
            return [self.evaluate(item, scope) for item in node.items]
        if isinstance(node, ArrayLiteral):
            return self.collect_statements(node.statements, scope)
        if isinstance(node, SubExpression):
            return unwrap(self.collect_statements(node.statements, scope))
        if isinstance(node, ParenExpression):
            return unwrap(self.collect(node.pipeline, scope))
        if isinstance(node, HashLiteral):
            return {key: self.evaluate(value, scope) for key, value in node.entries}
        if isinstance(node, ScriptBlockLiteral):
            return ScriptBlock(node.statements, node.text, self, scope)
        if isinstance(node, MemberAccess):
            return get_member(self.evaluate(node.target, scope), to_text(self.evaluate(node.member, scope)))
        if isinstance(node, MethodCall):
            return call_method(self.evaluate(node.target, scope), node.name,
                               [self.evaluate(argument, scope) for argument in node.arguments])
        if isinstance(node, IndexAccess):
            return get_index(self.evaluate(node.target, scope), self.evaluate(node.index, scope))
        if isinstance(node, UnaryOperation):
            return operators.unary(node.operator, self.evaluate(node.operand, scope))
        return self.binary(node, scope)

    def binary(self, node: BinaryOperation, scope: Scope) -> typing.Any:
        operator = node.operator
        left = self.evaluate(node.left, scope)
        if operator in ("-and", "-or"):
            if is_true(left) == (operator == "-or"):
                return operator == "-or"
            return is_true(self.evaluate(node.right, scope))
        right = self.evaluate(node.right, scope)
        if operator == "-xor":
            return is_true(left) != is_true(right)
        if operator == "-join":
            return to_text(right).join(to_text(item) for item in items_of(left))
        if operator.startswith("-"):
            return operators.comparison(operator, left, right, lambda match: self.set_matches(match, scope))
        return operators.arithmetic(operator, left, right)

    def variable(self, name: str, scope: Scope) -> typing.Any:
        if name == "?":
            return self.last_succeeded
        return scope.get(name.lower())

    def set_matches(self, match: re.Match[str], scope: Scope) -> None:
        groups: dict[typing.Any, typing.Any] = {0: match.group(0)}
        for index, text in enumerate(match.groups(), start=1):
            if text is not None:
                groups[index] = text
        groups.update({k: v for k, v in match.groupdict().items() if v is not None})
        scope.set("matches", groups)

    def environment(self) -> dict[str, str]:
        if self._environment is None:
            self._environment = self.runner.environment_variables()
        return self._environment


def enumerate_output(value: typing.Any) -> list[typing.Any]:
    """What writing a value to a pipeline sends: a collection's elements, anything else itself."""
    if isinstance(value, MultiValued) or is_collection(value):
        return items_of(value)
    return [value]
