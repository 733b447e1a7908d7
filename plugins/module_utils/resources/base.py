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

from .. import values, versions
from ..commands import Command
from ..desired_state import Plan, Setting, compare, desired_values, settings_view
from ..errors import EmptyResult, EndpointNotConfigured, ParameterNotInVersion, ServerNotIdentified, VersionUnsupported
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
        # What the sessions learnt once and keep for every task on them (the server's identity and version).
        self._remembered: typing.Dict[str, typing.Any] = {}

    def remember(self, key: str, learn: typing.Callable[[], typing.Any]) -> typing.Any:
        """`learn()` the first time `key` is asked for on these sessions; the same answer every time after."""
        if key not in self._remembered:
            self._remembered[key] = learn()
        return self._remembered[key]

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
        self._remembered.clear()

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
        refuse_missing_parameters(connections, "Set-" + self.noun, self.settings, self.desired)
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


# ------------------------------------------------------------------------------------------ the server
def _identify(connections: Connections) -> typing.Dict[str, typing.Any]:
    """The Get-ExchangeServer object of the server the sessions run on (or the server_name option names)."""
    servers = connections.read(Command("Get-ExchangeServer"))
    if connections.server_name:
        wanted = connections.server_name.strip().lower()
        found = next((s for s in servers if wanted in (str(s.get("Name", "")).lower(),
                                                       str(s.get("Fqdn", "")).lower())), None)
        if found is None:
            raise ServerNotIdentified("server_name: %r is not an Exchange server this session knows (%s). Set "
                                      "server_name to one of them." % (connections.server_name,
                                                                       ", ".join(str(s.get("Name")) for s in servers)),
                                      option="server_name")
        return found
    target = connections.endpoints["management"].server.strip().lower()  # type: ignore[union-attr]
    for server in servers:
        name = str(server.get("Name", "")).lower()
        if target in (str(server.get("Fqdn", "")).lower(), name) or target.split(".")[0] == name:
            return server
    raise ServerNotIdentified("server_name: cannot tell which Exchange server %s is; it matches none of %s. Set "
                              "server_name (or the host variable exchange_server_name) to the server's name."
                              % (target, ", ".join(str(s.get("Name")) for s in servers)), option="server_name")


def exchange_server(connections: Connections) -> typing.Dict[str, typing.Any]:
    """The connected server's Get-ExchangeServer object, read once per session (its name, role and version do
    not change while the sessions are open)."""
    return typing.cast(typing.Dict[str, typing.Any], connections.remember("exchange_server",
                                                                          lambda: _identify(connections)))


def version_of(server: typing.Dict[str, typing.Any]) -> str:
    """The version label of a Get-ExchangeServer object; VersionUnsupported for Exchange 2003 and unknown versions
    (docs/exchange-versions.md)."""
    text = str(server.get("AdminDisplayVersion") or "")
    try:
        version = versions.label(text)
    except versions.UnknownVersion as error:
        raise VersionUnsupported("%s: %s" % (server.get("Name"), error)) from None
    if version in versions.UNMANAGEABLE:
        raise VersionUnsupported(
            "%s runs Exchange 2003 (%s), which cannot be managed with PowerShell: it has no Exchange Management Shell "
            "and no remote PowerShell. Configure its recipient filtering and non-delivery reports by hand in Exchange "
            "System Manager as %s describes, or manage the organisation's Exchange 2007 or later servers instead."
            % (server.get("Name"), text, versions.DOCS_2003), version=version)
    return version


def server_version(connections: Connections) -> str:
    """The connected server's version (2007, 2010, 2013, 2016, 2019 or SE), learnt once per session."""
    return version_of(exchange_server(connections))


def refuse_missing_parameters(connections: Connections, cmdlet: str, settings: typing.Sequence[Setting],
                              desired: typing.Dict[str, typing.Any]) -> None:
    """Refuse, before anything is sent, options whose cmdlet parameter the server's version lacks. The version is
    read only when an option given maps to a parameter some version lacks."""
    refuse_missing_options(connections, cmdlet, {s.option: s.prop for s in settings if s.option in desired})


def refuse_missing_options(connections: Connections, cmdlet: str, options: typing.Dict[str, str]) -> None:
    """options: module option -> the cmdlet parameter it is sent as (only options the user gave)."""
    if not versions.limited(cmdlet, options.values()):
        return
    version = server_version(connections)
    lacking = versions.missing(cmdlet, options.values(), version)
    if not lacking:
        return
    by_parameter = {parameter: option for option, parameter in options.items()}
    parameter, first = lacking[0]
    elsewhere = versions.ELSEWHERE.get((cmdlet, parameter))
    others = "; also " + ", ".join("%s (%s)" % (by_parameter[p], p) for p, _f in lacking[1:]) if lacking[1:] else ""
    raise ParameterNotInVersion(
        "%s: the server runs Exchange %s, whose %s has no -%s parameter (Exchange %s added it%s). Leave %s out for "
        "this server%s. Nothing was changed." % (by_parameter[parameter], version, cmdlet, parameter, first,
                                                 "; " + elsewhere if elsewhere else "", by_parameter[parameter], others),
        option=by_parameter[parameter], parameter=parameter, cmdlet=cmdlet, version=version)
