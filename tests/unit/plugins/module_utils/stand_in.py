"""A stand-in for the server side of `resources.base.Connections`, for testing a resource's plan without a
server: it answers the reads a resource makes from a table of Exchange objects, and records what is run.

It offers only what resources use today: `read(command, endpoint)`, `run(*commands, endpoint, pipe)`,
`server_name`, `endpoints[...].server`, `host_has_snapin()` and `remember(key, learn)`, and what tasks report: `warnings`, `forget()` and
the session counts (no sessions). A read the table does not answer fails the
test with the command's text, so a resource that starts reading something new is noticed.
"""

from __future__ import annotations

import types
import typing

Objects = typing.List[typing.Dict[str, typing.Any]]


class StandInConnections(object):
    """answers: the command as `Command.describe()` writes it (pipelines joined with " | ") -> objects."""

    def __init__(self, answers: typing.Dict[str, Objects], server: str = "ex01.contoso.com",
                 server_name: typing.Optional[str] = None, host_has_snapin: bool = False) -> None:
        self.answers = answers
        self.server_name = server_name
        self.endpoints = {"management": types.SimpleNamespace(server=server),
                          "host": types.SimpleNamespace(server=server)}
        self._host_has_snapin = host_has_snapin
        self.reads: typing.List[typing.Tuple[str, str]] = []
        self.runs: typing.List[typing.Tuple[str, bool, typing.List[typing.Any]]] = []
        self.warnings: typing.List[str] = []
        self.sessions_opened = self.sessions_reused = 0
        self.remembered: typing.Dict[str, typing.Any] = {}

    def remember(self, key: str, learn: typing.Callable[[], typing.Any]) -> typing.Any:
        """As the sessions do: learn once, answer the same after."""
        if key not in self.remembered:
            self.remembered[key] = learn()
        return self.remembered[key]

    def forget(self) -> None:
        """Reads are answered from the table every time: nothing is cached to forget."""

    def host_has_snapin(self) -> bool:
        return self._host_has_snapin

    def _answer(self, text: str, endpoint: str) -> Objects:
        if text not in self.answers:
            raise AssertionError("the resource sent %r to the %s endpoint, which this test's server does not answer "
                                 "(it answers: %s)" % (text, endpoint, ", ".join(sorted(self.answers))))
        return [dict(obj) for obj in self.answers[text]]

    def read(self, command: typing.Any, endpoint: str = "management") -> Objects:
        self.reads.append((endpoint, command.describe()))
        return self._answer(command.describe(), endpoint)

    def run(self, *commands: typing.Any, endpoint: str = "management", pipe: bool = True) -> typing.Any:
        self.runs.append((endpoint, pipe, list(commands)))
        if any(command.mutates for command in commands):
            return types.SimpleNamespace(objects=[], warnings=[], errors=[])
        text = " | ".join(command.describe() for command in commands)
        return types.SimpleNamespace(objects=self._answer(text, endpoint), warnings=[], errors=[])

    @property
    def mutations(self) -> typing.List[str]:
        """Every mutating command run so far, as text."""
        return [command.describe() for _endpoint, _pipe, commands in self.runs for command in commands
                if command.mutates]
