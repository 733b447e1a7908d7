# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every resource shares: the connections it reads and writes through, and its contract.

A resource is one kind of Exchange object (a remote domain, the recipient filter, …). It validates
the user's parameters when constructed (before anything is sent), plans against what it reads, and
reports the object afterwards. Single-object modules and the batch `config` module use the same
classes; `Connections` opens each endpoint's session once, on first use, and reads each distinct
command once, which is what makes a batch cost one session per server
(docs/docsite/rst/architecture.rst, "Sessions and speed").
"""

from __future__ import annotations

import typing

from .. import values
from ..commands import Command
from ..desired_state import Plan, Setting, compare, desired_values, settings_view
from ..errors import EmptyResult, EndpointNotConfigured
from ..session import Endpoint, Result, Session, WinRSSession

ArgumentSpec = typing.Dict[str, typing.Dict[str, typing.Any]]


class Connections(object):
    """Sessions to one server's endpoints, opened lazily, always closed; reads are cached per task.

    One Connections serves one task (an ordinary module process), or every task of a play on that server (the
    persistent session: start_task() before each task), so a host costs one management session however many
    tasks use it.
    """

    def __init__(self, management: Endpoint, host: typing.Optional[Endpoint], check_mode: bool,
                 host_transport: str = "psrp", retries: int = 3, server_name: typing.Optional[str] = None) -> None:
        self.endpoints = {"management": management, "host": host}
        # The server's name as Exchange knows it, when the user gave it (else asked of Exchange).
        self.server_name = server_name
        self.check_mode = check_mode
        self.host_transport = host_transport
        self.retries = retries
        self.sessions: typing.Dict[str, typing.Any] = {}
        self._reads: typing.Dict[typing.Tuple[str, str], typing.List[typing.Dict[str, typing.Any]]] = {}
        self.warnings: typing.List[str] = []
        self._used: typing.Set[int] = set()  # sessions this task used (by id)
        self._opened_now: typing.Set[int] = set()  # sessions this task opened (by id)

    def start_task(self, check_mode: bool) -> None:
        """Begin the next task on the same sessions: its own check mode, reads, warnings and counts."""
        self.check_mode = check_mode
        self._reads.clear()
        self.warnings = []
        self._used.clear()
        self._opened_now.clear()

    @property
    def sessions_opened(self) -> int:
        """Sessions this task opened."""
        return len(self._opened_now)

    @property
    def sessions_reused(self) -> int:
        """Sessions this task used that an earlier task opened."""
        return len(self._used - self._opened_now)

    def session(self, endpoint: str) -> typing.Any:
        if endpoint not in self.sessions:
            target = self.endpoints[endpoint]
            if target is None:
                raise EndpointNotConfigured("A command is for the %s endpoint, and the connection options describe "
                                            "none (host_port, host_protocol, host_path)." % endpoint, option="host_port")
            management = self.endpoints["management"]
            if endpoint == "host" and self.host_transport == "psrp" and management is not None \
                    and target.same_place(management):
                # Managing through the host endpoint already (Edge): one session serves both.
                return self.session("management")
            if endpoint == "host" and self.host_transport == "winrm":
                session: typing.Any = WinRSSession(target, self.check_mode)
            else:
                session = Session(target, self.check_mode, retries=self.retries)
                session.open()
                self._opened_now.add(id(session))
            self.sessions[endpoint] = session
        session = self.sessions[endpoint]
        session.check_mode = self.check_mode  # the session layer refuses changes in check mode
        self._used.add(id(session))
        return session

    def host_has_snapin(self) -> bool:
        """Whether host commands run in the management session that already added the Exchange snap-in."""
        management, host = self.endpoints["management"], self.endpoints["host"]
        return bool(management is not None and host is not None and management.snapin and self.host_transport == "psrp"
                    and host.same_place(management))

    def run(self, *commands: Command, endpoint: str = "management", pipe: bool = True) -> Result:
        result = self.session(endpoint).run(*commands, pipe=pipe)
        self.warnings.extend(result.warnings)
        return typing.cast(Result, result)

    def read(self, command: Command, endpoint: str = "management") -> typing.List[typing.Dict[str, typing.Any]]:
        key = (endpoint, command.describe())
        if key not in self._reads:
            self._reads[key] = self.run(command, endpoint=endpoint).objects
        return self._reads[key]

    def forget(self) -> None:
        """Drop cached reads after a change, so what is reported afterwards is read again."""
        self._reads.clear()

    def close(self) -> None:
        for session in self.sessions.values():
            session.close() if hasattr(session, "close") else None
        self.sessions.clear()

    def __enter__(self) -> "Connections":
        return self

    def __exit__(self, *exc_info: typing.Any) -> None:
        self.close()


class Resource(object):
    """One kind of Exchange object. Subclasses set `kind`, `settings`, `identity_spec` and implement
    plan() and current()."""

    kind = ""
    settings: typing.Tuple[Setting, ...] = ()
    identity_spec: ArgumentSpec = {}

    def __init__(self, params: typing.Dict[str, typing.Any]) -> None:
        self.params = params

    @classmethod
    def argument_spec(cls) -> ArgumentSpec:
        spec: ArgumentSpec = dict(cls.identity_spec)
        for setting in cls.settings:
            spec.update(setting.argument_spec())
        return spec

    def plan(self, connections: Connections) -> Plan:
        raise NotImplementedError

    def apply(self, connections: Connections, plan: Plan) -> None:
        """Send the plan's commands (never called in check mode)."""
        for command in plan.commands:
            connections.run(command, endpoint=command.endpoint)

    def current(self, connections: Connections) -> typing.Optional[typing.Dict[str, typing.Any]]:
        """The object as it is now (for the module's return value)."""
        raise NotImplementedError


class SingleObject(Resource):
    """A settings object Exchange keeps one of (per organisation, or per Edge server): no identity, read
    with Get-<noun> and changed with Set-<noun>. Subclasses set `kind`, `noun` and `settings`."""

    noun = ""

    def __init__(self, params: typing.Dict[str, typing.Any]) -> None:
        super().__init__(params)
        self.desired, self.modes = desired_values(self.settings, params)

    def read(self, connections: Connections) -> typing.Dict[str, typing.Any]:
        return read_one(connections, Command("Get-" + self.noun))

    def plan(self, connections: Connections) -> Plan:
        difference = compare(self.settings, self.desired, self.read(connections), self.modes)
        if not difference.changed:
            return Plan(before=difference.before, after=difference.after)
        return Plan("update", [Command("Set-" + self.noun, difference.parameters, idempotent=True)],
                    before=difference.before, after=difference.after)

    def current(self, connections: Connections) -> typing.Optional[typing.Dict[str, typing.Any]]:
        return settings_view(self.settings, self.read(connections))


class DomainObject(Resource):
    """An object Exchange keeps one of per SMTP domain and finds by its DomainName (remote and accepted domains):
    present with the settings given, or absent. Subclasses set `kind`, `settings` and `get` (the command that lists
    them all) and refuse in check_domain() what Exchange would refuse."""

    identity_spec = {
        "domain_name": {"type": "str", "required": True},
        "name": {"type": "str"},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    }
    get: typing.ClassVar[Command]

    def __init__(self, params: typing.Dict[str, typing.Any]) -> None:
        super().__init__(params)
        self.domain_name = values.domain_name("domain_name", params["domain_name"], wildcards=True)
        self.name: typing.Optional[str] = params.get("name")
        self.state = params.get("state") or "present"
        self.desired, self.modes = desired_values(self.settings, params)
        self.check_domain()
        if self.state == "absent" and self.desired:
            raise values.InvalidValue("state=absent removes the %s; these options make no sense with it: %s."
                                      % (self.kind.replace("_", " "), ", ".join(sorted(self.desired))))

    def check_domain(self) -> None:
        """Refuse (InvalidValue) what Exchange would refuse, before anything is read."""

    def find(self, connections: Connections) -> typing.Optional[typing.Dict[str, typing.Any]]:
        return next((domain for domain in connections.read(self.get)
                     if str(domain.get("DomainName", "")).lower() == self.domain_name), None)


def domain_view(settings: typing.Sequence[Setting], domain: typing.Dict[str, typing.Any]) -> typing.Dict[str, typing.Any]:
    """A remote or accepted domain as the modules return it: its name, domain and every managed setting."""
    view = {"name": domain.get("Name"), "domain_name": domain.get("DomainName")}
    view.update(settings_view(settings, domain))
    return view


def read_one(connections: Connections, command: Command) -> typing.Dict[str, typing.Any]:
    """The object of a read that Exchange always answers with exactly one (the organisation's, or the Edge
    server's, settings object)."""
    found = connections.read(command)
    if not found:
        raise EmptyResult("%s returned no object, though Exchange always keeps one. The account may lack the "
                          "management role that reads it (View-Only Configuration), or the session is not an "
                          "Exchange management session (check management_endpoint and configuration_name)."
                          % command.describe(), command=command.name)
    return found[0]
