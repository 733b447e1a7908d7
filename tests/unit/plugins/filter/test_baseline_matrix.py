"""The role's decisions per server, over a topology x profile matrix with overrides: which items
baseline_resources gives the config module, and what needs_antispam_agents and validates_recipients say.

Profiles come from the role itself (roles/backscatter_baseline/vars/main.yml) and are settled with the
overrides as tasks/settings.yml does; the expected values below are written out by hand from the profiles'
documentation (docs/profiles.md, docs/edge-vs-mailbox.md and docs/docsite/rst/architecture.rst,
"The baseline role and its filters")."""

from __future__ import annotations

import pathlib
import re

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.mailhygiene.exchange.plugins.filter.baseline import (
    baseline_resources, needs_antispam_agents, validates_recipients,
)

ROLE = pathlib.Path(__file__).resolve().parents[4] / "roles" / "backscatter_baseline"


def load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


PROFILES = load(ROLE / "vars" / "main.yml")["backscatter_baseline__profiles"]
DEFAULTS = load(ROLE / "defaults" / "main.yml")


def settle(profile, **variables):
    """The role's settings for a profile and the user's variables (given without the role prefix), as
    tasks/settings.yml computes them: a null or 'profile' variable means the profile's value."""
    given = {key[len("backscatter_baseline_"):]: value for key, value in DEFAULTS.items()}
    given.update(variables)
    chosen = PROFILES[profile]

    def either(name, unset=None):
        return chosen[name] if given[name] == unset else given[name]
    return dict(chosen, default_domain=dict(chosen["default_domain"], **given["default_domain"]),
                partner_domain=dict(chosen["partner_domain"], **given["partner_domain"]),
                partners=given["partners"], internal_relays=given["internal_relays"],
                validated_domains=given["validated_domains"],
                recipient_filter_on_mailbox=given["recipient_filter_on_mailbox"],
                recipient_validation=either("recipient_validation"),
                recipient_validation_edge=either("recipient_validation_edge"),
                tarpit_interval=either("tarpit_interval"), antispam_agents=either("antispam_agents", "profile"),
                mailbox_connector=given["mailbox_connector"], edge_connector=given["edge_connector"])


ACCEPTED = [{"domain_name": "contoso.com"}, {"domain_name": "sales.contoso.com"}]
EX01 = {"name": "EX01", "is_edge": False, "edge_subscribed": False, "accepted_domains": ACCEPTED}
EX02 = {"name": "EX02", "is_edge": False, "edge_subscribed": False, "accepted_domains": ACCEPTED}
EDGE01 = {"name": "EDGE01", "is_edge": True, "edge_subscribed": True, "accepted_domains": ACCEPTED}
EDGE02 = {"name": "EDGE02", "is_edge": True, "edge_subscribed": False, "accepted_domains": ACCEPTED}
# Topologies: (server, is it the organisation host); the organisation host is the first Mailbox server.
TOPOLOGIES = {
    "mailbox-only": [(EX01, True), (EX02, False)],
    "edge-subscribed": [(EX01, True), (EDGE01, False)],
    "edge-standalone": [(EDGE02, False)],
    "mixed": [(EX01, True), (EX02, False), (EDGE01, False), (EDGE02, False)],
}
# What each profile writes to the `*` remote domain (docs/profiles.md).
DEFAULT_DOMAIN = {
    "rfc": {"ndr_enabled": True, "ndr_diagnostic_info_enabled": False, "delivery_report_enabled": False},
    "seed": {"ndr_enabled": False, "delivery_report_enabled": False},
    "stig": {"ndr_enabled": False, "delivery_report_enabled": False, "auto_reply_enabled": False,
             "auto_forward_enabled": False},
}
CONNECTOR = {"EX01": "Default Frontend EX01", "EX02": "Default Frontend EX02",
             "EDGE01": "Default internal receive connector EDGE01",
             "EDGE02": "Default internal receive connector EDGE02"}


def items_by_kind(items):
    found = {}
    for item in items:
        found.setdefault(item["kind"], []).append({k: v for k, v in item.items() if k != "kind"})
    return found


def expected_items(server, organization_host, profile, recipient_filter_on_mailbox=False):
    """The items the baseline must give, by the rules of the role's documentation."""
    writes_organisation = (organization_host and not server["is_edge"]) or (
        server["is_edge"] and not server["edge_subscribed"])
    expected = {}
    if writes_organisation:
        expected["remote_domain"] = [dict({"domain_name": "*"}, **DEFAULT_DOMAIN[profile])]
    validation = {"rfc": True, "seed": True, "stig": True}[profile]
    validation_edge = {"rfc": True, "seed": True, "stig": False}[profile]
    if server["is_edge"]:
        expected["recipient_filter"] = [{"enabled": True, "recipient_validation_enabled":
                                         validation_edge and server["edge_subscribed"]}]
    elif recipient_filter_on_mailbox and organization_host:
        expected["recipient_filter"] = [{"enabled": True, "recipient_validation_enabled": validation}]
    expected["receive_connector"] = [{"name": CONNECTOR[server["name"]], "tarpit_interval": "00:00:05"}]
    return expected


MATRIX = [(topology, profile, on_mailbox) for topology in TOPOLOGIES for profile in ("rfc", "seed", "stig")
          for on_mailbox in (False, True)]


@pytest.mark.parametrize("topology, profile, on_mailbox", MATRIX)
def test_items_per_server(topology, profile, on_mailbox):
    settings = settle(profile, recipient_filter_on_mailbox=on_mailbox)
    for server, organization_host in TOPOLOGIES[topology]:
        items = items_by_kind(baseline_resources(settings, server, organization_host))
        assert items == expected_items(server, organization_host, profile, on_mailbox), server["name"]


@pytest.mark.parametrize("topology, profile, on_mailbox", MATRIX)
def test_agents_and_recipient_validation_per_server(topology, profile, on_mailbox):
    settings = settle(profile, recipient_filter_on_mailbox=on_mailbox)
    for server, _organization_host in TOPOLOGIES[topology]:
        agents = not server["is_edge"] and (profile == "seed" or on_mailbox)
        assert needs_antispam_agents(settings, server) is agents, server["name"]
        if server["is_edge"]:
            refuses = server["edge_subscribed"] and profile != "stig"
        else:
            refuses = on_mailbox
        assert validates_recipients(settings, server) is refuses, server["name"]


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_the_organisation_is_written_once_per_directory(topology):
    """One writer of the organisation's objects per copy of them: the organisation host for Active Directory,
    each standalone Edge for its own; a subscribed Edge never."""
    settings = settle("rfc")
    writers = [server["name"] for server, organization_host in TOPOLOGIES[topology]
               if any(i["kind"] == "remote_domain" for i in baseline_resources(settings, server, organization_host))]
    mailbox = [s["name"] for s, host in TOPOLOGIES[topology] if host]
    standalone = [s["name"] for s, _host in TOPOLOGIES[topology] if s["is_edge"] and not s["edge_subscribed"]]
    assert writers == mailbox + standalone


# ------------------------------------------------------------------------------------------ overrides
def organisation_items(profile="rfc", server=None, organization_host=True, **variables):
    return items_by_kind(baseline_resources(settle(profile, **variables), server or EX01, organization_host))


def test_default_domain_overrides_merge_into_the_profile():
    items = organisation_items("stig", default_domain={"ndr_enabled": True})
    assert items["remote_domain"] == [{"domain_name": "*", "ndr_enabled": True, "delivery_report_enabled": False,
                                       "auto_reply_enabled": False, "auto_forward_enabled": False}]


def test_partners_get_the_partner_settings_and_keep_their_names():
    items = organisation_items("seed", partners=["Fabrikam.com", {"domain_name": "woodgrove.com", "name": "Woodgrove"}],
                               partner_domain={"ndr_diagnostic_info_enabled": False})
    partner = {"ndr_enabled": True, "delivery_report_enabled": True, "ndr_diagnostic_info_enabled": False}
    assert items["remote_domain"][1:] == [dict({"domain_name": "fabrikam.com"}, **partner),
                                          dict({"domain_name": "woodgrove.com", "name": "Woodgrove"}, **partner)]


def test_validated_domains_and_relays():
    items = organisation_items(validated_domains=["Sales.Contoso.com"], internal_relays=["10.0.1.10", "10.0.0.0/24"])
    assert items["accepted_domain"] == [{"domain_name": "sales.contoso.com", "address_book_enabled": True}]
    assert items["transport_config"] == [{"internal_smtp_servers": ["10.0.1.10", "10.0.0.0/24"]}]


def test_a_domain_to_validate_must_be_accepted_already():
    with pytest.raises(AnsibleFilterError, match=re.escape("backscatter_baseline_validated_domains: fabrikam.com is "
                                                           "not an accepted domain of EX01")):
        organisation_items(validated_domains=["fabrikam.com"])


@pytest.mark.parametrize("variables, edge01, edge02, mailbox", [
    ({"recipient_validation_edge": True}, True, False, False),
    ({"recipient_validation_edge": False}, False, False, False),
    ({"recipient_filter_on_mailbox": True, "recipient_validation": False}, False, False, False),
    ({"recipient_filter_on_mailbox": True}, False, False, True),
])
def test_recipient_validation_overrides_on_stig(variables, edge01, edge02, mailbox):
    settings = settle("stig", **variables)
    assert validates_recipients(settings, EDGE01) is edge01
    assert validates_recipients(settings, EDGE02) is edge02  # never on a standalone Edge
    assert validates_recipients(settings, EX01) is mailbox


@pytest.mark.parametrize("profile, variables, agents", [
    ("seed", {"antispam_agents": "never"}, False),
    ("rfc", {"antispam_agents": "always"}, True),
    ("rfc", {"antispam_agents": "when_filtering"}, False),
    ("stig", {"antispam_agents": "when_filtering", "recipient_filter_on_mailbox": True}, True),
])
def test_antispam_agent_overrides(profile, variables, agents):
    assert needs_antispam_agents(settle(profile, **variables), EX01) is agents
    assert needs_antispam_agents(settle(profile, **variables), EDGE01) is False


def test_tarpit_and_connector_names_can_be_overridden():
    items = organisation_items(server=EX02, organization_host=False, tarpit_interval="00:00:10",
                               mailbox_connector="Internet {server}")
    assert items == {"receive_connector": [{"name": "Internet EX02", "tarpit_interval": "00:00:10"}]}
