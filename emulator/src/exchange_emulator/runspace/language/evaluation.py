"""Values of parsed expressions outside a running script: what a literal argument, an `$env:` variable or
an array literal stands for (used where no command can run, e.g. to show what a command line means)."""

from __future__ import annotations

import typing

from .interpreter import Interpreter, Output, StatementFailure
from .syntax import CommandAst, Extent, Node
from .values import ScriptRuntimeError


class NoCommands:
    """A runner for expressions alone: commands inside them are an error."""

    failures = 0

    def __init__(self, environment: dict[str, str]) -> None:
        self.environment = environment

    def run_commands(self, commands: list[CommandAst], pipeline_input: list[typing.Any],
                     evaluate: typing.Callable[[Node], typing.Any], output: Output) -> None:
        raise ScriptRuntimeError("Commands do not run here.", "CommandsNotRun")

    def environment_variables(self) -> dict[str, str]:
        return self.environment

    def report_failure(self, failure: StatementFailure) -> bool:
        return True

    def report_runtime_error(self, error: ScriptRuntimeError, extent: Extent) -> None:
        raise error


def evaluate(node: Node, environment: dict[str, str]) -> typing.Any:
    """A parsed value with `$env:` variables looked up (a missing variable is $null)."""
    interpreter = Interpreter(NoCommands({k.lower(): v for k, v in environment.items()}))
    return interpreter.evaluate(node, interpreter.scope)
