"""A running lab: every server of a lab file on loopback, in one process, sharing one organisation.

This module wires the layers together (HTTP → WSMan → PSRP/WinRS → runspace → Exchange model) and
supplies what crosses them: state persistence, the audit log, injected faults and latency.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import pathlib
import secrets
import threading
import time
import typing

from . import audit, faults
from .exchange.organization import ServerContext
from .http.auth import Authenticator
from .http.server import EmulatorHTTPServer, Site
from .http.tls import ensure_certificate, server_context
from .lab import Lab, ServerSpec, initial_state
from .psrp.shell import PSRPShell
from .runspace.command_line import CommandLineHost
from .runspace.configurations import ExchangeManagement, HostShell
from .runspace.runspace import Runspace
from .smtp.outbound import SmartHost
from .smtp.server import OUTBOUND_DIR, FrontSpec, SmtpFront
from .state import StateStore
from .wsman.envelope import CMD_SHELL_URI, POWERSHELL_URI_PREFIX
from .wsman.service import Endpoint, WSManService
from .wsman.shells import ShellRequest
from .wsman.winrs import WinRSShell

log = logging.getLogger(__name__)

ENDPOINTS_FILE = "endpoints.json"
EXCHANGE_URI = POWERSHELL_URI_PREFIX + "microsoft.exchange"
HOST_URI = POWERSHELL_URI_PREFIX + "microsoft.powershell"
PATH_NAMES = {"/powershell": "Microsoft.Exchange", "/wsman": "Microsoft.PowerShell"}


class LabCredentials:
    """The lab's users as Windows names them: NETBIOS\\user; Basic also accepts user and user@domain."""

    def __init__(self, lab: Lab) -> None:
        self.netbios = lab.netbios
        self.domain = lab.domain
        self.users = {u.name.lower(): u for u in lab.users}

    def _find(self, principal: str) -> str | None:
        name = principal.strip()
        if "\\" in name:
            domain, _, name = name.partition("\\")
            if domain.upper() not in (self.netbios, self.domain.upper()):
                return None
        elif "@" in name:
            name, _, domain = name.partition("@")
            if domain.lower() != self.domain:
                return None
        return name.lower() if name.lower() in self.users else None

    def check_password(self, username: str, password: str) -> str | None:
        key = self._find(username)
        if key is None or not secrets.compare_digest(self.users[key].password, password):
            return None
        return self.canonical(username)

    def canonical(self, principal: str) -> str | None:
        key = self._find(principal)
        return f"{self.netbios}\\{self.users[key].name}" if key is not None else None

    def roles(self, user: str) -> frozenset[str] | None:
        key = self._find(user)
        roles = self.users[key].roles if key is not None else []
        return None if roles is None else frozenset(roles)

    def write_ntlm_file(self, path: pathlib.Path) -> None:
        """pyspnego's NTLM acceptor reads users from NTLM_USER_FILE (DOMAIN:USER:PASSWORD lines); write every
        form a client may send the name in."""
        lines = []
        for user in self.users.values():
            for domain in ("", self.netbios, self.domain.upper()):
                lines.append(f"{domain}:{user.name}:{user.password}")
            lines.append(f":{user.name}@{self.domain}:{user.password}")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        path.chmod(0o600)


class ServerEnvironment:
    """What a runspace on one server needs (runspace.runspace.Environment)."""

    def __init__(self, lab: "LabServer", server_name: str, endpoint: str, user: str) -> None:
        self.lab = lab
        self.server_name = server_name
        self.endpoint = endpoint
        self.user = user
        self.user_roles = lab.credentials.roles(user)

    @contextlib.contextmanager
    def transaction(self, mutating: bool) -> typing.Iterator[ServerContext]:
        with self.lab.store.transaction(mutating) as state:
            server = next(s for s in state["servers"] if s["Name"] == self.server_name)
            yield ServerContext(state, server)

    def audit(self, entry: dict[str, typing.Any]) -> None:
        self.lab.audit.append(entry)

    def before_command(self, name: str) -> None:
        delay = self.lab.faults.command_latency
        if delay:
            time.sleep(delay)


class SessionAccounting:
    """Session latency and counters of one server (wsman.service.SessionPolicy)."""

    def __init__(self, lab: "LabServer", server_name: str) -> None:
        self.lab = lab
        self.server_name = server_name
        self.opened = 0
        self._lock = threading.Lock()

    def before_open(self, endpoint: str, user: str) -> None:
        delay = self.lab.faults.session_open_latency
        if delay:
            time.sleep(delay)

    def session_event(self, event: str, endpoint: str, user: str, shell_id: str, resource_uri: str) -> None:
        if event == "session_open":
            with self._lock:
                self.opened += 1
        self.lab.audit.append({"event": event, "server": self.server_name,
                               "endpoint": PATH_NAMES.get(endpoint, endpoint),
                               "user": user, "shell_id": shell_id,
                               "configuration": resource_uri.rsplit("/", 1)[-1]})


def application_private_data() -> dict[str, typing.Any]:
    """What a Windows PowerShell 5.1 server sends in APPLICATION_PRIVATE_DATA: PSVersionTable is a
    PSPrimitiveDictionary (like the outer dictionary) and PSCompatibleVersions a System.Version[]."""
    from psrpcore.types import PSList, PSPrimitiveDictionary, PSVersion

    compatible = PSList(PSVersion(v) for v in ("1.0", "2.0", "3.0", "4.0", "5.0", "5.1.17763.1"))
    compatible.PSObject.type_names = ["System.Version[]", "System.Array", "System.Object"]
    return {"PSVersionTable": PSPrimitiveDictionary({
        "PSVersion": PSVersion("5.1.17763.1"), "PSEdition": "Desktop", "PSCompatibleVersions": compatible,
        "CLRVersion": PSVersion("4.0.30319.42000"), "BuildVersion": PSVersion("10.0.17763.1"),
        "WSManStackVersion": PSVersion("3.0"), "PSRemotingProtocolVersion": PSVersion("2.3"),
        "SerializationVersion": PSVersion("1.1.0.1"),
    })}


def has_remote_powershell(spec: ServerSpec) -> bool:
    """Whether the server has the /PowerShell/ virtual directory (configuration Microsoft.Exchange).

    Edge Transport servers run no IIS: they are managed through the Exchange snap-in on the server itself
    (the host endpoint). Exchange 2010 introduced remote PowerShell (on every role but Edge; a real 2010
    server allows only Kerberos on that directory by default, the lab's auth settings decide here as for
    the other versions). Exchange 2007 has none, so its servers answer 404 there, and a 2003 server has no
    endpoints at all."""
    return spec.role != "Edge" and spec.version not in ("2003", "2007")


def is_served(spec: ServerSpec) -> bool:
    """Exchange 2003 servers exist only as directory objects: no HTTP, WinRM or SMTP."""
    return spec.version != "2003"


class LabServer:
    def __init__(self, lab: Lab, state_dir: pathlib.Path, host: str = "127.0.0.1") -> None:
        self.lab = lab
        self.state_dir = state_dir
        self.host = host
        self.store = StateStore(state_dir, lambda: initial_state(lab))
        self.audit = audit.AuditLog(state_dir / audit.AUDIT_FILE)
        self.faults = faults.Faults(**lab.faults)
        self.credentials = LabCredentials(lab)
        ntlm_file = state_dir / "ntlm_users"
        self.credentials.write_ntlm_file(ntlm_file)
        os.environ["NTLM_USER_FILE"] = str(ntlm_file)  # read by pyspnego's NTLM acceptor
        self.authenticator = Authenticator(lab.auth, self.credentials)
        self.http_servers: list[EmulatorHTTPServer] = []
        self.services: dict[str, WSManService] = {}
        self.accounting: dict[str, SessionAccounting] = {}
        self.private_data = application_private_data()
        self.smtp: SmtpFront | None = None

    # ------------------------------------------------------------------ wiring
    def _psrp_factory(self, server: str, configuration: typing.Any) -> typing.Callable[[ShellRequest], PSRPShell]:
        def create(request: ShellRequest) -> PSRPShell:
            environment = ServerEnvironment(self, server, configuration.name, request.user)
            return PSRPShell(request, Runspace(configuration, environment), self.private_data)
        return create

    def _winrs_factory(self, server: str) -> typing.Callable[[ShellRequest], WinRSShell]:
        def create(request: ShellRequest) -> WinRSShell:
            environment = ServerEnvironment(self, server, "WinRS", request.user)
            return WinRSShell(request, CommandLineHost(environment).run)
        return create

    def _service(self, spec: ServerSpec) -> WSManService:
        server = spec.name
        accounting = SessionAccounting(self, server)
        self.accounting[server] = accounting
        endpoints = [
            Endpoint("/wsman", {HOST_URI: self._psrp_factory(server, HostShell()),
                                CMD_SHELL_URI: self._winrs_factory(server)},
                     lambda: self.faults.host_session_cap),
        ]
        if has_remote_powershell(spec):
            endpoints.append(Endpoint("/powershell", {EXCHANGE_URI: self._psrp_factory(server, ExchangeManagement())},
                                      lambda: self.faults.session_cap))
        return WSManService(server, endpoints, accounting)

    def start(self) -> None:
        tls_context = None
        fronts = [FrontSpec(s.name, s.smtp_port) for s in self.lab.servers if s.smtp_port is not None]
        if fronts or any(s.https_port is not None for s in self.lab.servers):
            # The same self-signed certificate serves HTTPS and SMTP STARTTLS.
            names = [s.fqdn or f"{s.name.lower()}.{self.lab.domain}" for s in self.lab.servers]
            tls_context = server_context(*ensure_certificate(self.state_dir, names))
        if fronts:
            smart_host = self.lab.smtp.get("smart_host")
            self.smtp = SmtpFront(self.store, self.audit, self.credentials, fronts,
                                  SmartHost.parse(smart_host) if smart_host else None,
                                  self.state_dir / OUTBOUND_DIR, self.host, tls_context)
            self.smtp.start()
        for spec in self.lab.servers:
            if not is_served(spec):
                continue
            service = self._service(spec)
            self.services[spec.name] = service
            principals = self._service_names(spec)
            site = Site(spec.name, service, self.authenticator, self.faults.on_request, service_names=principals)
            self.http_servers.append(EmulatorHTTPServer((self.host, spec.port), site))
            if spec.https_port is not None:
                tls_site = Site(spec.name, service, self.authenticator, self.faults.on_request, tls=True,
                                service_names=principals)
                self.http_servers.append(EmulatorHTTPServer((self.host, spec.https_port), tls_site, tls_context))
        for http in self.http_servers:
            http.start()
        self.write_endpoints()
        log.info("lab started: %s", ", ".join(f"{h.site.name}:{h.port}" for h in self.http_servers))

    def _service_names(self, spec: ServerSpec) -> frozenset[str]:
        """The Kerberos principals of the server's computer account (HOST/, HTTP/, WSMAN/ on its FQDN)."""
        if self.lab.auth.kerberos is None:
            return frozenset()
        fqdn = (spec.fqdn or f"{spec.name}.{self.lab.domain}").lower()
        realm = self.lab.auth.kerberos.realm.lower()
        return frozenset(f"{service}/{fqdn}@{realm}" for service in ("host", "http", "wsman"))

    def stop(self) -> None:
        # shutdown() waits for the serve loop's next poll (up to half a second); a lab of fifty
        # servers stops in one poll, not fifty, when they are shut down side by side.
        stoppers = [threading.Thread(target=http.shutdown) for http in self.http_servers]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()
        for http in self.http_servers:
            http.server_close()
        self.http_servers.clear()
        if self.smtp is not None:
            self.smtp.stop()
            self.smtp = None
        self.store.close()

    # ------------------------------------------------------------------ what clients need to know
    def endpoints(self) -> dict[str, typing.Any]:
        servers = []
        state = self.store.snapshot()
        for spec in self.lab.servers:
            server = next(s for s in state["servers"] if s["Name"] == spec.name)
            if not is_served(spec):
                servers.append({
                    "name": spec.name, "fqdn": server["Fqdn"], "role": server["ServerRole"], "version": spec.version,
                    "edge_subscribed": False, "host": None, "port": None, "https_port": None, "smtp_port": None,
                    "management_url": None, "host_url": None,
                })
                continue
            ports = [h for h in self.http_servers if h.site.name == spec.name]
            http = next(h.port for h in ports if not h.site.tls)
            https = next((h.port for h in ports if h.site.tls), None)
            servers.append({
                "name": spec.name, "fqdn": server["Fqdn"], "role": spec.role, "version": spec.version,
                "edge_subscribed": spec.edge_subscribed, "host": self.host, "port": http, "https_port": https,
                "smtp_port": self.smtp.ports.get(spec.name) if self.smtp is not None else None,
                "management_url": f"http://{self.host}:{http}/PowerShell/" if has_remote_powershell(spec) else None,
                "host_url": f"http://{self.host}:{http}/wsman",
            })
        return {
            "pid": os.getpid(),
            "state_dir": str(self.state_dir),
            "audit_log": str(self.state_dir / audit.AUDIT_FILE),
            "organization": self.lab.org_name,
            "domain": self.lab.domain,
            "netbios": self.lab.netbios,
            "users": [{"name": u.name, "password": u.password} for u in self.lab.users],
            "auth": {**dataclasses.asdict(self.lab.auth.default),
                     "paths": {path: dataclasses.asdict(s) for path, s in self.lab.auth.paths.items()},
                     "kerberos_realm": self.lab.auth.kerberos.realm if self.lab.auth.kerberos else None},
            "certificate": str(self.state_dir / "tls.crt") if (self.state_dir / "tls.crt").exists() else None,
            "servers": servers,
            "smtp": self.smtp.describe() if self.smtp is not None else {"smart_host": None, "outbound_dir": None},
        }

    def status(self) -> dict[str, typing.Any]:
        return {"servers": {name: {"open_sessions": service.open_shells,
                                   "sessions_opened": self.accounting[name].opened}
                            for name, service in self.services.items()},
                "faults": self.faults.describe()}

    def write_endpoints(self, extra: dict[str, typing.Any] | None = None) -> None:
        data = self.endpoints()
        data.update(extra or {})
        target = self.state_dir / ENDPOINTS_FILE
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        tmp.chmod(0o600)
        os.replace(tmp, target)
