"""pytest fixtures for testing against an emulated Exchange lab (installed as a pytest plugin).

    def test_ndr_off(exchange_lab):
        ex01 = exchange_lab.server("EX01")          # host, port, management_url, …
        mark = exchange_lab.mark()
        ...                                        # run your playbook or client against ex01["port"]
        assert exchange_lab.mutating_since(mark) == []

`exchange_lab` is a module-scoped lab started from the example lab file (two Mailbox servers, one
subscribed Edge, user ansible / Password123!); `exchange_lab_factory(lab)` starts others from a dict
or a file. Each lab runs in its own `exchange-emulator` process and is stopped after the tests.
"""

from __future__ import annotations

import email.message
import json
import os
import pathlib
import subprocess
import sys
import typing

import pytest
import yaml

from . import audit
from .admin import AdminClient
from .app import ENDPOINTS_FILE
from .kerberos import LabRealm, missing_requirements
from .lab import EXAMPLE_LAB


class RunningLab:
    def __init__(self, state_dir: pathlib.Path) -> None:
        self.state_dir = state_dir
        self.endpoints: dict[str, typing.Any] = json.loads((state_dir / ENDPOINTS_FILE).read_text())
        self.admin = AdminClient(state_dir)

    # ------------------------------------------------------------------ where to connect
    def server(self, name: str) -> dict[str, typing.Any]:
        for server in self.endpoints["servers"]:
            if server["name"].lower() == name.lower():
                return typing.cast(dict[str, typing.Any], server)
        raise KeyError(f"no server {name!r} in this lab")

    @property
    def username(self) -> str:
        return typing.cast(str, self.endpoints["users"][0]["name"])

    @property
    def password(self) -> str:
        return typing.cast(str, self.endpoints["users"][0]["password"])

    # ------------------------------------------------------------------ what happened
    @property
    def audit_path(self) -> pathlib.Path:
        return self.state_dir / audit.AUDIT_FILE

    def mark(self) -> int:
        """A position in the audit log; pass it to `commands_since` to see only what came after."""
        return len(audit.read(self.audit_path))

    def commands_since(self, mark: int = 0, **filters: typing.Any) -> list[audit.Entry]:
        return [e for e in audit.read(self.audit_path)[mark:] if "event" not in e and audit.matches(e, **filters)]

    def mutating_since(self, mark: int = 0, **filters: typing.Any) -> list[audit.Entry]:
        return [e for e in self.commands_since(mark, **filters) if audit.is_mutating(e)]

    def sessions_since(self, mark: int = 0, server: str | None = None) -> list[audit.Entry]:
        return [e for e in audit.read(self.audit_path)[mark:]
                if e.get("event") == "session_open" and (server is None or e["server"].lower() == server.lower())]

    # ------------------------------------------------------------------ SMTP
    def smtp_address(self, name: str) -> tuple[str, int]:
        """(host, port) of a server's SMTP front."""
        server = self.server(name)
        if server.get("smtp_port") is None:
            raise KeyError(f"server {name!r} has no SMTP front (smtp_port: null in the lab file)")
        return str(server["host"]), int(server["smtp_port"])

    def outbound_messages(self) -> list[email.message.EmailMessage]:
        """What the built-in capture sink received (NDRs, DSNs, automatic replies), in arrival order."""
        from .smtp.sink import read_captured

        directory = self.endpoints.get("smtp", {}).get("outbound_dir")
        return [c.message for c in read_captured(pathlib.Path(directory))] if directory else []

    def smtp_events_since(self, mark: int = 0, event: str | None = None,
                          server: str | None = None) -> list[audit.Entry]:
        """SMTP audit events after `mark`: smtp_transaction, report_generated, report_sent,
        report_deleted, report_failed."""
        return [e for e in audit.read(self.audit_path)[mark:]
                if str(e.get("event", "")).startswith(("smtp_", "report_"))
                and (event is None or e["event"] == event)
                and (server is None or e.get("server", "").lower() == server.lower())]

    def state(self) -> dict[str, typing.Any]:
        return typing.cast(dict[str, typing.Any], json.loads((self.state_dir / "state.json").read_text()))

    def status(self) -> typing.Any:
        return self.admin.status()

    def set_faults(self, **settings: typing.Any) -> typing.Any:
        return self.admin.set_faults(settings)

    def stop(self) -> None:
        subprocess.run([sys.executable, "-m", "exchange_emulator", "stop", "--state", str(self.state_dir)],
                       check=True, capture_output=True)


def start_lab(lab: str | pathlib.Path | dict[str, typing.Any], state_dir: pathlib.Path,
              timeout: float = 30.0, env: dict[str, str] | None = None) -> RunningLab:
    """Start a lab (a lab file, or its content as a dict) in the background; returns when it serves."""
    state_dir.mkdir(parents=True, exist_ok=True)
    if isinstance(lab, dict):
        lab_file = state_dir / "lab.yml"
        lab_file.write_text(yaml.safe_dump(lab), encoding="utf-8")
    else:
        lab_file = pathlib.Path(lab)
    result = subprocess.run([sys.executable, "-m", "exchange_emulator", "start", "--lab", str(lab_file), "--state",
                             str(state_dir), "--timeout", str(timeout)], capture_output=True, text=True,
                            env=dict(os.environ, **env) if env else None)
    if result.returncode:
        raise RuntimeError(f"the Exchange emulator did not start: {result.stderr.strip()}")
    return RunningLab(state_dir)


def example_lab() -> dict[str, typing.Any]:
    return typing.cast(dict[str, typing.Any], yaml.safe_load(EXAMPLE_LAB))


@pytest.fixture
def exchange_lab_factory(tmp_path_factory: pytest.TempPathFactory) -> typing.Iterator[
        typing.Callable[..., RunningLab]]:
    started: list[RunningLab] = []

    def factory(lab: str | pathlib.Path | dict[str, typing.Any] | None = None) -> RunningLab:
        running = start_lab(lab if lab is not None else example_lab(), tmp_path_factory.mktemp("exchange-lab"))
        started.append(running)
        return running

    yield factory
    for running in started:
        running.stop()


@pytest.fixture(scope="module")
def exchange_lab(tmp_path_factory: pytest.TempPathFactory) -> typing.Iterator[RunningLab]:
    running = start_lab(example_lab(), tmp_path_factory.mktemp("exchange-lab"))
    yield running
    running.stop()


# ---------------------------------------------------------------------------------------------- Kerberos
def kerberos_lab(realm: LabRealm, lab: dict[str, typing.Any], keytab: pathlib.Path,
                 exchange_default: bool = True) -> dict[str, typing.Any]:
    """`lab` with Kerberos on: its users as principals (same passwords), every server's HOST/, HTTP/ and WSMAN/
    principals in `keytab`, and an HTTPS listener per server. With `exchange_default`, /PowerShell/ accepts
    Kerberos only (as a default Exchange install) while /wsman also takes NTLM (as WinRM does)."""
    lab = dict(lab)
    domain = str((lab.get("organization") or {}).get("domain", "contoso.com")).lower()
    if domain != realm.realm.lower():
        raise ValueError(f"the lab's domain {domain} and the realm {realm.realm} must match (user@REALM is how a "
                         "Kerberos client names the lab's users)")
    for user in lab.get("users") or []:
        realm.add_user(user["name"], str(user["password"]))
    servers = []
    for server in lab["servers"]:
        realm.add_services(server.get("fqdn") or f"{server['name'].lower()}.{domain}", keytab)
        servers.append(dict(server, https_port=server.get("https_port", 0)))
    lab["servers"] = servers
    # Sealed messages only over http, as a production WinRM (AllowUnencrypted false).
    auth = dict(lab.get("auth") or {}, kerberos=True, kerberos_keytab=str(keytab), kerberos_realm=realm.realm,
                allow_unencrypted=False)
    if exchange_default:
        auth["paths"] = {"/PowerShell": {"kerberos": True, "ntlm": False, "basic": False}}
    lab["auth"] = auth
    return lab


@pytest.fixture(scope="session")
def kerberos_realm() -> typing.Iterator[LabRealm]:
    """A throwaway MIT realm CONTOSO.COM on loopback (skips the test when the KDC tools are missing)."""
    reason = missing_requirements()
    if reason:
        pytest.skip(f"Kerberos tests need a local KDC: {reason}")
    realm = LabRealm("CONTOSO.COM")
    yield realm
    realm.stop()


@pytest.fixture(scope="module")
def exchange_kerberos_lab(kerberos_realm: LabRealm,
                          tmp_path_factory: pytest.TempPathFactory) -> typing.Iterator[RunningLab]:
    """The example lab with Kerberos (see kerberos_lab), its emulator using the realm's krb5.conf."""
    state_dir = tmp_path_factory.mktemp("exchange-kerberos-lab")
    lab = kerberos_lab(kerberos_realm, example_lab(), state_dir / "services.keytab")
    running = start_lab(lab, state_dir, env=kerberos_realm.env)
    yield running
    running.stop()
