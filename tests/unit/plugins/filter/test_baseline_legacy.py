"""The role's decisions on Exchange 2007 and 2010 servers: Hub Transport servers take the place of 2013+ Mailbox
servers (anti-spam agents, recipient filtering, the "Default <server>" connector), servers without Hub Transport get
no transport items, an Exchange 2007 organisation host leaves out what 2007's Set-RemoteDomain lacks, and the
organisation host is a 2013+ server when the play has one (docs/exchange-versions.md)."""

from __future__ import annotations

import pytest

from ansible_collections.mailhygiene.exchange.plugins.filter.baseline import (
    baseline_resources, needs_antispam_agents, organization_host, validates_recipients,
)
from ansible_collections.mailhygiene.exchange.tests.unit.plugins.filter.test_baseline_matrix import ACCEPTED, settle


def facts(name, version, role, roles=None, is_edge=False, hub=True, subscribed=False):
    return {"name": name, "version": version, "role": role, "roles": roles or [role], "is_edge": is_edge,
            "hub_transport": hub, "edge_subscribed": subscribed, "accepted_domains": ACCEPTED}


HUB2010 = facts("HUB2010", "2010", "HubTransport")
MULTI2010 = facts("EX2010", "2010", "HubTransport", ["Mailbox", "ClientAccess", "HubTransport"])
MBX2010 = facts("MBX2010", "2010", "Mailbox", hub=False)
HUB2007 = facts("HUB2007", "2007", "HubTransport")
MBX2016 = facts("MBX2016", "2016", "Mailbox")
EDGE2019 = facts("EDGE2019", "2019", "Edge", is_edge=True, hub=False, subscribed=True)


def kinds(items):
    return [(i["kind"], i.get("domain_name") or i.get("name")) for i in items]


def test_a_2010_hub_transport_organisation_host():
    items = baseline_resources(settle("rfc"), HUB2010, True)
    assert kinds(items) == [("remote_domain", "*"), ("receive_connector", "Default HUB2010")]
    # Exchange 2010's Set-RemoteDomain has NDRDiagnosticInfoEnabled: the rfc profile's value is kept.
    assert items[0]["ndr_diagnostic_info_enabled"] is False


def test_a_2007_organisation_host_leaves_out_what_2007_lacks():
    settings = settle("rfc", partners=["fabrikam.com"])
    items = baseline_resources(settings, HUB2007, True)
    assert kinds(items) == [("remote_domain", "*"), ("remote_domain", "fabrikam.com"),
                            ("receive_connector", "Default HUB2007")]
    assert all("ndr_diagnostic_info_enabled" not in i for i in items)
    assert items[0] == {"kind": "remote_domain", "domain_name": "*", "ndr_enabled": True,
                        "delivery_report_enabled": False}


def test_the_hub_connector_can_be_named():
    items = baseline_resources(dict(settle("rfc"), hub_connector="Internet {server}"), MULTI2010, False)
    assert kinds(items) == [("receive_connector", "Internet EX2010")]


def test_a_2010_server_without_hub_transport_gets_no_transport_items():
    assert baseline_resources(settle("rfc"), MBX2010, False) == []
    settings = settle("seed", recipient_filter_on_mailbox=True)
    assert not needs_antispam_agents(settings, MBX2010)
    assert not validates_recipients(settings, MBX2010)


@pytest.mark.parametrize("server", [HUB2010, MULTI2010, HUB2007])
def test_hub_transport_servers_get_the_agents_and_validate_as_2013_mailbox_servers_do(server):
    assert needs_antispam_agents(settle("seed"), server)
    assert not needs_antispam_agents(settle("rfc"), server)
    settings = settle("rfc", recipient_filter_on_mailbox=True)
    assert needs_antispam_agents(settings, server) and validates_recipients(settings, server)
    assert ("recipient_filter", None) in kinds(baseline_resources(settings, server, True))


def hostvars(*servers):
    return [{"inventory_hostname": s["name"].lower(), "backscatter_baseline__facts": {"server": s}} for s in servers]


@pytest.mark.parametrize("servers, chosen", [
    ((HUB2010, MBX2016, EDGE2019), "mbx2016"),
    ((EDGE2019, MBX2016, HUB2010), "mbx2016"),
    ((HUB2007, MBX2010, EDGE2019), "mbx2010"),
    ((HUB2007, EDGE2019), "hub2007"),
    ((HUB2010, HUB2007), "hub2010"),
    ((EDGE2019,), ""),
    ((), ""),
])
def test_the_organisation_host(servers, chosen):
    assert organization_host(hostvars(*servers)) == chosen


def test_2013_and_later_facts_without_the_new_keys_decide_as_before():
    old = {"name": "EX01", "is_edge": False, "edge_subscribed": False, "accepted_domains": ACCEPTED}
    assert kinds(baseline_resources(settle("rfc"), old, False)) == [("receive_connector", "Default Frontend EX01")]
    assert needs_antispam_agents(settle("seed"), old)
