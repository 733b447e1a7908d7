"""Lab files: the organisation, servers, users, authentication and faults an emulator run serves.

A lab file is YAML (see `exchange-emulator example-lab`). Initial settings are applied by running the
same cmdlets an administrator would (New-RemoteDomain, Set-RecipientFilterConfig, …) against the new
organisation, so a lab file is validated exactly as those cmdlets validate their parameters. Every
error names the field of the lab file it comes from.
"""

from __future__ import annotations

import contextlib
import dataclasses
import pathlib
import typing

import yaml

from .exchange import recipients as recipient_model
from .exchange import setup
from .exchange.cmdlet import VERSION_ORDER
from .exchange.organization import ServerContext, State
from .exchange.records import Record
from .exchange.servers import LEGACY_VERSIONS, VERSIONS, parse_roles
from .http.auth import AuthPolicy, AuthSettings, KerberosSettings
from .runspace.configurations import ExchangeManagement
from .runspace.model import CommandCall, ErrorRecordInfo, InvocationDetails, TerminatingError
from .runspace.runspace import Runspace

ROLES = ("Mailbox", "Edge")  # 2013 and later; 2007/2010 see servers.parse_roles


class LabError(ValueError):
    """A lab file that cannot be used; the message names the field and what is allowed."""


@dataclasses.dataclass
class UserSpec:
    name: str
    password: str
    roles: list[str] | None = None  # RBAC roles; None = every role


@dataclasses.dataclass
class ServerSpec:
    name: str
    role: str = "Mailbox"
    version: str = "2019"
    fqdn: str | None = None
    port: int = 0
    https_port: int | None = None
    smtp_port: int | None = 0  # the SMTP front (port 25 of the server); 0 = a free port, None = none
    edge_subscribed: bool = False
    antispam_agents: bool = False
    receive_connectors: dict[str, dict[str, typing.Any]] = dataclasses.field(default_factory=dict)
    settings: dict[str, typing.Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Lab:
    organization: dict[str, typing.Any]
    servers: list[ServerSpec]
    users: list[UserSpec]
    auth: AuthPolicy
    faults: dict[str, typing.Any]
    smtp: dict[str, typing.Any] = dataclasses.field(default_factory=dict)  # smart_host: "HOST:PORT"

    @property
    def org_name(self) -> str:
        return str(self.organization.get("name", "Contoso"))

    @property
    def domain(self) -> str:
        return str(self.organization.get("domain", "contoso.com")).lower()

    @property
    def netbios(self) -> str:
        return str(self.organization.get("netbios") or self.domain.split(".")[0]).upper()


# ---------------------------------------------------------------------------------------------- loading
def _expect(value: typing.Any, kind: type, field: str) -> typing.Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise LabError(f"{field}: expected {kind.__name__}, got {type(value).__name__} ({value!r})")
    return value


def _fields(data: dict[str, typing.Any], allowed: typing.Iterable[str], where: str) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise LabError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}; allowed: "
                       f"{', '.join(sorted(allowed))}")


ORG_FIELDS = ("name", "domain", "netbios", "domain_controller", "accepted_domains", "remote_domains",
              "recipient_filter", "transport_config", "recipients")
SETTINGS_FIELDS = ("accepted_domains", "remote_domains", "recipient_filter", "transport_config")
SERVER_FIELDS = tuple(f.name for f in dataclasses.fields(ServerSpec))


def parse_lab(data: typing.Any) -> Lab:
    data = _expect(data or {}, dict, "lab")
    _fields(data, ("organization", "servers", "users", "auth", "faults", "smtp"), "lab")
    organization = _expect(data.get("organization") or {}, dict, "organization")
    _fields(organization, ORG_FIELDS, "organization")
    servers = []
    for index, raw in enumerate(_expect(data.get("servers") or [], list, "servers")):
        where = f"servers[{index}]"
        raw = _expect(raw, dict, where)
        _fields(raw, SERVER_FIELDS, where)
        if "name" not in raw:
            raise LabError(f"{where}.name: required")
        spec = ServerSpec(**raw)
        spec.version = str(spec.version)
        if spec.version not in VERSIONS:
            raise LabError(f"{where}.version: {spec.version!r} is not one of {', '.join(VERSIONS)}")
        _expect(spec.role, str, f"{where}.role")
        try:
            spec.role = parse_roles(spec.role, spec.version)
        except ValueError as error:
            raise LabError(f"{where}.role: {error}") from None
        _expect(spec.port, int, f"{where}.port")
        if spec.smtp_port is not None:
            _expect(spec.smtp_port, int, f"{where}.smtp_port")
        if spec.version == "2003":
            # An Exchange 2003 server is only an object in the directory that Get-ExchangeServer lists: it
            # has no WinRM, no PowerShell and no SMTP front in the emulator.
            given = sorted(k for k in raw if k not in ("name", "version", "fqdn", "role"))
            if given:
                raise LabError(f"{where}: an Exchange 2003 server only takes name, version and fqdn (it has no "
                               f"endpoints, SMTP front or settings in the emulator); remove {', '.join(given)}")
            spec.smtp_port = None
        elif spec.version in LEGACY_VERSIONS and spec.role not in ("Edge",) and \
                "HubTransport" not in spec.role:
            # Only Hub Transport (and Edge) servers of 2007/2010 answer SMTP.
            if raw.get("smtp_port") is not None:
                raise LabError(f"{where}.smtp_port: an Exchange {spec.version} {spec.role} server has no SMTP "
                               "service; only HubTransport and Edge servers take smtp_port")
            spec.smtp_port = None
        if spec.edge_subscribed and spec.role != "Edge":
            raise LabError(f"{where}.edge_subscribed: only an Edge server can be subscribed")
        if spec.antispam_agents and spec.role == "Edge":
            raise LabError(f"{where}.antispam_agents: Edge servers have the anti-spam agents already")
        if spec.antispam_agents and spec.version in LEGACY_VERSIONS and "HubTransport" not in spec.role:
            raise LabError(f"{where}.antispam_agents: on Exchange {spec.version} the anti-spam agents are "
                           "installed on HubTransport servers only")
        _fields(_expect(spec.settings, dict, f"{where}.settings"), SETTINGS_FIELDS, f"{where}.settings")
        servers.append(spec)
    if not servers:
        raise LabError("servers: a lab needs at least one server")
    names = [s.name.lower() for s in servers]
    if len(set(names)) != len(names):
        raise LabError("servers: server names must be unique")
    if any(s.version == "2003" for s in servers) and not any(s.version in LEGACY_VERSIONS for s in servers):
        raise LabError("servers: an Exchange 2003 server can only coexist with Exchange 2007 or 2010 (later "
                       "versions cannot join an organisation that still has one); add a 2007 or 2010 server")
    # Real Setup refuses Exchange 2019 in an organisation that still has Exchange 2010 (and 2016 with
    # 2007); the emulator allows such mixes on purpose, so that one lab can hold every version under test.
    users = []
    for index, raw in enumerate(_expect(data.get("users") or [], list, "users")):
        where = f"users[{index}]"
        raw = _expect(raw, dict, where)
        _fields(raw, ("name", "password", "roles"), where)
        if not raw.get("name") or not raw.get("password"):
            raise LabError(f"{where}: name and password are required")
        users.append(UserSpec(str(raw["name"]), str(raw["password"]), raw.get("roles")))
    if not users:
        raise LabError("users: a lab needs at least one user")
    auth = parse_auth(_expect(data.get("auth") or {}, dict, "auth"))
    faults = _expect(data.get("faults") or {}, dict, "faults")
    smtp = _expect(data.get("smtp") or {}, dict, "smtp")
    _fields(smtp, ("smart_host",), "smtp")
    if smtp.get("smart_host") is not None:
        from .smtp.outbound import SmartHost, SmartHostError

        try:
            SmartHost.parse(smtp["smart_host"], "smtp.smart_host")
        except SmartHostError as error:
            raise LabError(str(error)) from None
    return Lab(organization, servers, users, auth, faults, smtp)


AUTH_PATHS = ("/powershell", "/wsman")


def _auth_flags(raw: dict[str, typing.Any], where: str, base: AuthSettings) -> AuthSettings:
    flags = {k: v for k, v in raw.items() if k in AuthSettings.FIELDS}
    for name, value in flags.items():
        _expect(value, bool, f"{where}.{name}")
    return base.merged(flags)


def parse_auth(raw: dict[str, typing.Any]) -> AuthPolicy:
    """auth: the flags of AuthSettings, `kerberos_keytab` and `kerberos_realm` (needed with kerberos: true
    anywhere), and `paths` with per-path flags ("/PowerShell", "/wsman")."""
    _fields(raw, (*AuthSettings.FIELDS, "paths", "kerberos_keytab", "kerberos_realm"), "auth")
    default = _auth_flags(raw, "auth", AuthSettings())
    paths = {}
    for path, flags in _expect(raw.get("paths") or {}, dict, "auth.paths").items():
        key = str(path).lower().rstrip("/")
        if key not in AUTH_PATHS:
            raise LabError(f"auth.paths: {path!r} is not one of /PowerShell, /wsman")
        where = f"auth.paths[{path!r}]"
        flags = _expect(flags or {}, dict, where)
        _fields(flags, AuthSettings.FIELDS, where)
        paths[key] = _auth_flags(flags, where, default)
    kerberos = None
    if any(s.kerberos for s in (default, *paths.values())):
        keytab, realm = raw.get("kerberos_keytab"), raw.get("kerberos_realm")
        if not keytab or not realm:
            raise LabError("auth.kerberos_keytab and auth.kerberos_realm: required when kerberos is true (the keytab "
                           "with HOST/, HTTP/ and WSMAN/<fqdn> of every server, and the realm in upper case)")
        kerberos = KerberosSettings(pathlib.Path(_expect(keytab, str, "auth.kerberos_keytab")),
                                    _expect(realm, str, "auth.kerberos_realm").upper())
    return AuthPolicy(default, paths, kerberos)


def load_lab(path: pathlib.Path) -> Lab:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise LabError(f"{path}: {error}") from None
    lab = parse_lab(data)
    if lab.auth.kerberos is not None and not lab.auth.kerberos.keytab.is_absolute():
        lab.auth.kerberos.keytab = path.parent / lab.auth.kerberos.keytab  # relative to the lab file
    return lab


# ---------------------------------------------------------------------------------------------- initial state
class _SetupEnvironment:
    """Runs setup cmdlets straight against an in-memory state (not audited: no client sent them)."""

    endpoint = "lab-setup"
    user = "lab-setup"
    user_roles: frozenset[str] | None = None

    def __init__(self, state: State, server: dict[str, typing.Any]) -> None:
        self.state = state
        self.server = server
        self.server_name = server["Name"]

    @contextlib.contextmanager
    def transaction(self, mutating: bool) -> typing.Iterator[ServerContext]:
        yield ServerContext(self.state, self.server)

    def audit(self, entry: dict[str, typing.Any]) -> None:
        pass

    def before_command(self, name: str) -> None:
        pass


class _CollectingSink:
    def __init__(self) -> None:
        self.errors: list[ErrorRecordInfo] = []
        self.outputs: list[typing.Any] = []

    def output(self, value: typing.Any) -> None:
        self.outputs.append(value)

    def error(self, record: ErrorRecordInfo) -> None:
        self.errors.append(record)

    def warning(self, message: str, invocation: InvocationDetails | None) -> None:
        pass

    def verbose(self, message: str, invocation: InvocationDetails | None) -> None:
        pass

    def information(self, message: str, source: str) -> None:
        pass

    def host_line(self, text: str) -> None:
        pass


def _run(runspace: Runspace, field: str, name: str, **parameters: typing.Any) -> list[typing.Any]:
    sink = _CollectingSink()
    try:
        runspace.invoke([CommandCall(name, [(k, v) for k, v in parameters.items()])], sink)
    except TerminatingError as failure:
        raise LabError(f"{field}: {failure.record.message}") from None
    if sink.errors:
        raise LabError(f"{field}: {sink.errors[0].message}")
    return sink.outputs


def _apply_settings(runspace: Runspace, settings: dict[str, typing.Any], where: str) -> None:
    for index, domain in enumerate(settings.get("accepted_domains") or []):
        field = f"{where}.accepted_domains[{index}]"
        domain = _expect(domain, dict, field)
        _fields(domain, ("name", "domain", "type", "address_book_enabled", "default"), field)
        name = str(domain.get("name") or domain.get("domain"))
        _run(runspace, field, "New-AcceptedDomain", Name=name, DomainName=domain.get("domain"),
             DomainType=domain.get("type", "Authoritative"))
        extra = {}
        if "address_book_enabled" in domain:
            extra["AddressBookEnabled"] = domain["address_book_enabled"]
        if domain.get("default"):
            extra["MakeDefault"] = True
        if extra:
            _run(runspace, field, "Set-AcceptedDomain", Identity=name, WarningAction="SilentlyContinue", **extra)
    for index, domain in enumerate(settings.get("remote_domains") or []):
        field = f"{where}.remote_domains[{index}]"
        domain = _expect(domain, dict, field)
        _fields(domain, ("name", "domain", "settings"), field)
        if domain.get("domain") == "*":
            found = _run(runspace, field, "Get-RemoteDomain")
            name = next(r.to_string for r in found if isinstance(r, Record) and r.get("DomainName") == "*")
        else:
            name = str(domain.get("name") or domain.get("domain"))
            _run(runspace, field, "New-RemoteDomain", Name=name, DomainName=domain.get("domain"))
        values = _expect(domain.get("settings") or {}, dict, f"{field}.settings")
        if values:
            _run(runspace, f"{field}.settings", "Set-RemoteDomain", Identity=name, WarningAction="SilentlyContinue",
                 **values)
    for key, cmdlet in (("recipient_filter", "Set-RecipientFilterConfig"), ("transport_config", "Set-TransportConfig")):
        values = _expect(settings.get(key) or {}, dict, f"{where}.{key}")
        if values:
            _run(runspace, f"{where}.{key}", cmdlet, WarningAction="SilentlyContinue", **values)


def initial_state(lab: Lab) -> State:
    """A new organisation as setup leaves it, then the lab's settings applied with cmdlets."""
    state = setup.new_organization(lab.org_name, lab.domain, lab.netbios, lab.organization.get("domain_controller"))
    servers = {}
    for spec in lab.servers:
        servers[spec.name] = setup.add_server(state, spec.name, spec.role, spec.version, spec.fqdn,
                                              spec.edge_subscribed, spec.antispam_agents)
    for index, raw in enumerate(lab.organization.get("recipients") or []):
        field = f"organization.recipients[{index}]"
        raw = _expect(raw, dict, field)
        _fields(raw, ("name", "address", "type", "alias", "addresses", "auto_reply", "mailbox_full"), field)
        if not raw.get("name") or not raw.get("address"):
            raise LabError(f"{field}: name and address are required")
        if "mailbox_full" in raw:
            _expect(raw["mailbox_full"], bool, f"{field}.mailbox_full")
        auto_reply = raw.get("auto_reply")
        if auto_reply is not None:
            _expect(auto_reply, dict, f"{field}.auto_reply")
            _fields(auto_reply, recipient_model.AUTO_REPLY_FIELDS, f"{field}.auto_reply")
        try:
            state["directory"].setdefault("Recipient", []).append(recipient_model.new_recipient(
                raw["name"], raw["address"], raw.get("type", "UserMailbox"), raw.get("alias"),
                raw.get("addresses") or (), auto_reply=auto_reply, mailbox_full=bool(raw.get("mailbox_full"))))
        except ValueError as error:
            raise LabError(f"{field}: {error}") from None

    # Organisation settings are applied from a server inside the organisation (any role but Edge).
    # The newest one, so that settings a 2007/2010 cmdlet lacks can still be given in a mixed lab.
    inside = [s for s in lab.servers if s.role != "Edge" and s.version != "2003"]
    mailbox = max(inside, key=lambda s: VERSION_ORDER.index(s.version), default=None)
    if mailbox is not None:
        runspace = Runspace(ExchangeManagement(), _SetupEnvironment(state, servers[mailbox.name]))
        _apply_settings(runspace, lab.organization, "organization")
    elif any(lab.organization.get(k) for k in SETTINGS_FIELDS):
        raise LabError("organization: organisation settings need a Mailbox server; put an Edge server's own "
                       "settings under servers[].settings")
    for index, spec in enumerate(lab.servers):
        if spec.version == "2003":
            continue
        runspace = Runspace(ExchangeManagement(), _SetupEnvironment(state, servers[spec.name]))
        if spec.settings:
            if spec.role != "Edge":
                raise LabError(f"servers[{index}].settings: only Edge servers keep settings of their own")
            if spec.edge_subscribed and set(spec.settings) - {"recipient_filter"}:
                raise LabError(f"servers[{index}].settings: a subscribed Edge takes its configuration from the "
                               "organisation through EdgeSync; only recipient_filter is kept locally")
            _apply_settings(runspace, spec.settings, f"servers[{index}].settings")
        for name, values in spec.receive_connectors.items():
            field = f"servers[{index}].receive_connectors[{name!r}]"
            _run(runspace, field, "Set-ReceiveConnector", Identity=f"{spec.name}\\{name}",
                 WarningAction="SilentlyContinue", **_expect(values, dict, field))
    return state


EXAMPLE_LAB = """\
# An Exchange organisation for the emulator: two Mailbox servers and one EdgeSync-subscribed Edge.
organization:
  name: Contoso
  domain: contoso.com
  accepted_domains:
    - {name: fabrikam.com, domain: fabrikam.com, type: InternalRelay}
  remote_domains:
    - {name: Partner, domain: partner.example, settings: {AutoReplyEnabled: false}}
  recipients:
    - {name: Alice Adams, address: alice@contoso.com}
    - {name: Bob Brown, address: bob@contoso.com}
servers:
  - {name: EX01, role: Mailbox, version: "2019", port: 0}
  - {name: EX02, role: Mailbox, version: "2016", port: 0}
  - {name: EDGE01, role: Edge, version: "2019", edge_subscribed: true, port: 0}
users:
  - {name: ansible, password: "Password123!"}
auth:
  basic: true
  negotiate: true
  allow_unencrypted: true     # plaintext Basic over http, as a lab WinRM with AllowUnencrypted=true
faults:
  session_open_latency: 0
  command_latency: 0
  session_cap: 18
"""
