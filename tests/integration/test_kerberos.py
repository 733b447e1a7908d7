"""Every module over Kerberos, through ansible-playbook as a user runs it: a throwaway MIT realm on loopback
(the kerberos_realm fixture), an emulated organisation whose /PowerShell/ accepts Kerberos only (as a
default Exchange install), and Kerberos settings given as a user gives them: KRB5_CONFIG and KRB5CCNAME in
ansible-playbook's environment, the rest in the inventory. Skipped, naming what to install, without a KDC."""

from __future__ import annotations

import pathlib
import time
import typing

import pytest
import yaml

from exchange_emulator.kerberos import missing_requirements

from conftest import Ansible

pytestmark = pytest.mark.skipif(missing_requirements() is not None,
                                reason="Kerberos tests need a local KDC: %s" % missing_requirements())

PRINCIPAL = "ansible@CONTOSO.COM"
PASSWORD = "Password123!"
SETTERS = [  # (module, options) run in check mode, then for real, then again
    ("mailhygiene.exchange.remote_domain", {"name": "KerbPartner", "domain_name": "kerb.example",
                                            "auto_reply_enabled": False}),
    ("mailhygiene.exchange.accepted_domain", {"domain_name": "kerb-relay.example", "domain_type": "InternalRelay"}),
    ("mailhygiene.exchange.recipient_filter", {"recipient_validation_enabled": True}),
    ("mailhygiene.exchange.transport_config", {"internal_smtp_servers": ["10.0.1.10"]}),
    ("mailhygiene.exchange.receive_connector", {"name": "Default Frontend EX01", "tarpit_interval": 10}),
    ("mailhygiene.exchange.transport_agent", {"identity": "Malware Agent", "enabled": False}),
    ("mailhygiene.exchange.config", {"resources": [{"kind": "remote_domain", "name": "KerbConfig",
                                                    "domain_name": "kerb-config.example"}]}),
]
READERS = ["server_info", "remote_domain_info", "accepted_domain_info", "recipient_filter_info",
           "transport_agent_info"]


class KerberosAnsible(Ansible):
    """ansible-playbook against the Kerberos lab: inventory with ansible_psrp_auth kerberos, the user's
    principal and password, and negotiate_hostname_override (the inventory addresses servers by IP)."""

    def __init__(self, lab: typing.Any, workdir: pathlib.Path, realm: typing.Any, https: bool = False,
                 password: bool = True) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        super().__init__(lab, workdir)
        inventory = yaml.safe_load(self.inventory.read_text())
        for server in lab.endpoints["servers"]:
            host = inventory["all"]["hosts"][server["name"].lower()]
            port = server["https_port"] if https else server["port"]
            host.update({"ansible_psrp_auth": "kerberos", "ansible_user": PRINCIPAL, "ansible_port": port,
                         "exchange_port": port, "ansible_psrp_protocol": "https" if https else "http",
                         "exchange_protocol": "https" if https else "http",
                         "exchange_negotiate_hostname_override": server["fqdn"].lower()})
            if https:
                host["ansible_psrp_cert_validation"] = "ignore"
            if not password:
                del host["ansible_password"]
        self.inventory.write_text(yaml.safe_dump(inventory), encoding="utf-8")
        self.realm = realm
        self.ccache = workdir / "ccache"

    def kerberos_env(self, **extra: str) -> typing.Dict[str, str]:
        return dict({"KRB5_CONFIG": str(self.realm.krb5_conf), "KRB5CCNAME": "FILE:%s" % self.ccache}, **extra)


def every_module(steps: typing.Sequence[str]) -> typing.List[typing.Dict[str, typing.Any]]:
    """Each setting module once per step ("plan" in check mode, "apply", "again"), then every reader."""
    tasks: typing.List[typing.Dict[str, typing.Any]] = []
    for module, options in SETTERS:
        short = module.rsplit(".", 1)[1]
        for step in steps:
            tasks.append({"name": "%s %s" % (step, short), module: options, "check_mode": step == "plan"})
    tasks += [{"name": name, "mailhygiene.exchange." + name: {}} for name in READERS]
    return tasks


def assert_every_module(run: typing.Any, lab: typing.Any, mark: int, steps: typing.Sequence[str]) -> None:
    assert run.returncode == 0, run.output[-3000:]
    for module in (setter[0] for setter in SETTERS):
        short = module.rsplit(".", 1)[1]
        for step in steps:
            # plan (check mode) reports a change and writes nothing: apply, right after it, still changes;
            # again is idempotent.
            assert run.task("%s %s" % (step, short))["changed"] is (step != "again"), (step, short)
    assert run.task("server_info")["server"]["name"] == "EX01"
    entries = lab.commands_since(mark)
    assert entries and {e["user"] for e in entries} == {PRINCIPAL}  # the Kerberos principal, as the ticket names it


@pytest.fixture(scope="module")
def lab(exchange_kerberos_lab: typing.Any) -> typing.Any:
    return exchange_kerberos_lab


def test_every_module_with_a_password_over_sealed_http_then_https(lab, kerberos_realm, tmp_path):
    http = KerberosAnsible(lab, tmp_path / "http", kerberos_realm)
    mark = lab.mark()
    steps = ("plan", "apply", "again")
    assert_every_module(http.play(every_module(steps), env=http.kerberos_env()), lab, mark, steps)
    https = KerberosAnsible(lab, tmp_path / "https", kerberos_realm, https=True)
    mark = lab.mark()
    assert_every_module(https.play(every_module(["again"]), env=https.kerberos_env()), lab, mark, ["again"])
    assert lab.mutating_since(mark) == []


def test_ticket_from_kinit_keytab_delegation_and_both_host_transports(lab, kerberos_realm, tmp_path):
    ansible = KerberosAnsible(lab, tmp_path / "ticket", kerberos_realm, password=False)
    keytab = kerberos_realm.client_keytab("ansible", tmp_path / "ansible.keytab")
    kinit = kerberos_realm.kinit("ansible", keytab=keytab, ccache="FILE:%s" % ansible.ccache)
    assert kinit.returncode == 0, kinit.stderr
    mark = lab.mark()
    run = ansible.play([
        {"name": "server_info", "mailhygiene.exchange.server_info": {"negotiate_delegate": True}},
        # Installing and removing the agents runs scripts on the host endpoint: through WinRS, then PSRP.
        {"name": "winrm", "mailhygiene.exchange.antispam_agents": {"host_transport": "winrm", "restart": "never"}},
        {"name": "psrp", "mailhygiene.exchange.antispam_agents": {"host_transport": "psrp", "restart": "never",
                                                                  "state": "absent"}},
    ], hosts="ex02", env=ansible.kerberos_env())
    assert run.returncode == 0, run.output[-3000:]
    assert run.task("winrm", "ex02")["changed"] and run.task("psrp", "ex02")["changed"]
    entries = lab.commands_since(mark)
    assert {e["endpoint"] for e in entries} >= {"WinRS", "Microsoft.PowerShell"}
    assert {e["user"] for e in entries} == {PRINCIPAL}


def error_of(run: typing.Any, task: str, error_type: str) -> str:
    result = run.task(task)
    assert result.get("error_type") == error_type, result
    return str(result["msg"])


def test_kerberos_errors_name_what_to_fix(lab, kerberos_realm, tmp_path):
    ansible = KerberosAnsible(lab, tmp_path / "errors", kerberos_realm)
    info = "mailhygiene.exchange.remote_domain_info"
    on_ex01 = {"ignore_errors": True, "when": "inventory_hostname == 'ex01'"}
    run = ansible.play([
        dict(on_ex01, name="wrong password", **{info: {"password": "Wrong123"}}),
        dict(on_ex01, name="unknown spn", **{info: {"negotiate_hostname_override": "nosuch.contoso.com"}}),
        dict(on_ex01, name="realm unknown", **{info: {"username": "ansible@FABRIKAM.COM"}}),
        # What an inventory that addresses servers by IP asks for without the override: WSMAN/<address>.
        dict(on_ex01, name="address as name", **{info: {"negotiate_hostname_override": "127.0.0.1"}}),
        # A password in the inventory and no ticket: PSRP gets its own ticket, WinRS (pykerberos) cannot. EX02 has
        # no anti-spam agents, so even check mode reads their install path through WinRS.
        {"name": "winrs needs kinit", "mailhygiene.exchange.antispam_agents": {"host_transport": "winrm"},
         "check_mode": True, "ignore_errors": True, "when": "inventory_hostname == 'ex02'"},
    ], hosts="ex01:ex02", env=ansible.kerberos_env())
    wrong_password = error_of(run, "wrong password", "KerberosWrongPassword")
    assert "the KDC refused the password of ansible@CONTOSO.COM" in wrong_password
    unknown_spn = error_of(run, "unknown spn", "KerberosUnknownService")
    assert "no service principal WSMAN/nosuch.contoso.com" in unknown_spn
    assert "set negotiate_hostname_override" in unknown_spn
    winrs = run.task("winrs needs kinit", "ex02")
    assert winrs.get("error_type") == "KerberosNoCredentials", winrs
    assert "takes its ticket from the cache only: run kinit" in winrs["msg"]
    assert "no service principal WSMAN/127.0.0.1" in error_of(run, "address as name", "KerberosUnknownService")
    realm_unknown = error_of(run, "realm unknown", "KerberosRealmUnknown")
    assert "krb5.conf (KRB5_CONFIG) does not know the realm of ansible@FABRIKAM.COM" in realm_unknown

    no_password = KerberosAnsible(lab, tmp_path / "nocred", kerberos_realm, password=False)
    run = no_password.play([{"name": "no ticket", info: {}, "ignore_errors": True}], env=no_password.kerberos_env())
    no_ticket = error_of(run, "no ticket", "KerberosNoCredentials")
    assert "there is no Kerberos ticket and no password" in no_ticket

    assert kerberos_realm.kinit("ansible", PASSWORD, ccache="FILE:%s" % no_password.ccache,
                                lifetime="2s").returncode == 0
    time.sleep(3)
    run = no_password.play([{"name": "expired", info: {}, "ignore_errors": True}], env=no_password.kerberos_env())
    expired = error_of(run, "expired", "KerberosTicketExpired")
    assert "the Kerberos ticket in the cache (KRB5CCNAME) has expired" in expired

    unreachable = tmp_path / "krb5-unreachable.conf"
    unreachable.write_text(kerberos_realm.krb5_conf.read_text().replace(
        "127.0.0.1:%d" % kerberos_realm.kdc_port, "127.0.0.1:9"))
    run = ansible.play([{"name": "kdc down", info: {"retries": 0}, "ignore_errors": True}],
                       env=ansible.kerberos_env(KRB5_CONFIG=str(unreachable)))
    assert "no KDC of the realm answered" in error_of(run, "kdc down", "KerberosKdcUnreachable")
