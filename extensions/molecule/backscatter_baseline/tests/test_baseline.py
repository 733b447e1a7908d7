"""Verify the seed baseline on the lab, as an administrator would check it: through the collection's
_info modules (testinfra's ansible backend) and through powershell.exe over WinRS (winrm backend)."""

from __future__ import annotations

import json
import os
import pathlib

import pytest
import testinfra

LAB = pathlib.Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / ".tmp" / "molecule-lab"
INVENTORY = LAB / "inventory" / "hosts.yml"
ENDPOINTS = json.loads((LAB / "state" / "endpoints.json").read_text())
SNAPIN = "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn"

testinfra_hosts = [f"ansible://{name}?ansible_inventory={INVENTORY}" for name in ("ex01", "ex02", "edge01")]


def module(host, name, args=""):
    return host.ansible(name, args, check=False)


def winrm(server):
    endpoint = next(s for s in ENDPOINTS["servers"] if s["name"] == server)
    user = ENDPOINTS["users"][0]
    return testinfra.get_host(f"winrm://{user['name']}:{user['password']}@127.0.0.1:{endpoint['port']}?no_ssl=true")


def powershell(server, text):
    result = winrm(server).run(f'powershell -NoProfile -Command "{SNAPIN}; {text}"')
    assert result.rc == 0, result.stderr
    return result.stdout


def list_values(text):
    """Format-List output as a dict."""
    values = {}
    for line in text.splitlines():
        name, sep, value = line.partition(" : ")
        if sep:
            values[name.strip()] = value.strip()
    return values


def test_server_roles(host):
    server = module(host, "mailhygiene.exchange.server_info")["server"]
    assert server["role"] == ("Edge" if host.backend.get_hostname() == "edge01" else "Mailbox")


def test_default_remote_domain_sends_no_ndrs_or_delivery_reports(host):
    if host.backend.get_hostname() == "edge01":
        pytest.skip("a subscribed Edge takes remote domains from the organisation")
    [default] = module(host, "mailhygiene.exchange.remote_domain_info", "domain_name=*")["remote_domains"]
    assert default["ndr_enabled"] is False and default["delivery_report_enabled"] is False


def test_partner_keeps_ndrs(host):
    domains = module(host, "mailhygiene.exchange.remote_domain_info", "domain_name=fabrikam.example")
    [partner] = domains["remote_domains"]
    assert partner["name"] == "Fabrikam" and partner["ndr_enabled"] and partner["delivery_report_enabled"]


def test_mailbox_servers_have_enabled_antispam_agents(host):
    server = module(host, "mailhygiene.exchange.server_info")["server"]
    assert server["antispam_agents_installed"] and server["antispam_agents_enabled"]
    recipient_filter = [a for a in server["transport_agents"] if a["identity"] == "Recipient Filter Agent"]
    assert recipient_filter and recipient_filter[0]["enabled"]


def test_edge_validates_recipients_at_rcpt(host):
    if host.backend.get_hostname() != "edge01":
        pytest.skip("the recipient filter runs on Edge")
    config = module(host, "mailhygiene.exchange.recipient_filter_info")["recipient_filter"]
    assert config["enabled"] and config["recipient_validation_enabled"]


def test_what_an_administrator_sees_in_powershell():
    shown = "Get-RemoteDomain Default | Format-List Name,NDREnabled,DeliveryReportEnabled"
    default = list_values(powershell("EX01", shown))
    assert default == {"Name": "Default", "NDREnabled": "False", "DeliveryReportEnabled": "False"}
    relays = powershell("EX02", "Get-TransportConfig | Select-Object -ExpandProperty InternalSMTPServers")
    assert relays.split() == ["10.0.1.10", "10.0.2.0/24"]
    edge = list_values(powershell("EDGE01", "Get-RecipientFilterConfig | Format-List RecipientValidationEnabled"))
    assert edge == {"RecipientValidationEnabled": "True"}
    tarpit = list_values(powershell("EDGE01", "Get-ReceiveConnector | Format-List TarpitInterval"))
    assert tarpit == {"TarpitInterval": "00:00:10"}
    agents = powershell("EX01", "Get-TransportAgent | Format-Table -AutoSize Identity,Enabled")
    assert "Recipient Filter Agent" in agents
