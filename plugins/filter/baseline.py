# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters the backscatter_baseline role decides with: which settings apply to a server, and which of
the role's inputs are malformed (checked before any connection is made)."""

from __future__ import annotations

import typing

from ansible.errors import AnsibleFilterError
from ansible_collections.mailhygiene.exchange.plugins.module_utils import values, versions
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.remote_domain import SETTINGS as REMOTE_DOMAIN

# The connector the tarpit interval is set on, by the server's baseline role, when the settings name none:
# 2013+ Mailbox servers take Internet mail on the Front End Transport's connector, 2007/2010 Hub Transport
# servers on their "Default <server>" connector.
HUB_CONNECTOR = "Default {server}"


def invalid_domain_names(domains: typing.Iterable[typing.Any]) -> typing.List[str]:
    """The entries that are not domain names (contoso.com or *.contoso.com)."""
    bad = []
    for domain in domains or []:
        try:
            values.domain_name("domain", domain, wildcards=True)
            if str(domain).strip() == "*":
                bad.append(str(domain))
        except values.InvalidValue:
            bad.append(str(domain))
    return bad


def invalid_ip_ranges(ranges: typing.Iterable[typing.Any]) -> typing.List[str]:
    """The entries that are not an IP address, CIDR range or start-end range."""
    bad = []
    for item in ranges or []:
        try:
            values.ip_range("relay", item)
        except values.InvalidValue:
            bad.append(str(item))
    return bad


def partner_list(partners: typing.Iterable[typing.Any]) -> typing.List[typing.Dict[str, str]]:
    """Partners given as domains or as {domain_name, name} dictionaries, as dictionaries. A name is kept
    only when given: without one an existing remote domain keeps its name (and a new one is named after
    its domain)."""
    result = []
    for partner in partners or []:
        if isinstance(partner, dict):
            if "domain_name" not in partner:
                raise AnsibleFilterError("a partner needs domain_name: %r" % (partner,))
            entry = {"domain_name": str(partner["domain_name"]).lower()}
            if partner.get("name"):
                entry["name"] = str(partner["name"])
            result.append(entry)
        else:
            result.append({"domain_name": str(partner).lower()})
    return result


def baseline_resources(settings: typing.Dict[str, typing.Any], server: typing.Dict[str, typing.Any],
                       organization_host: bool) -> typing.List[typing.Dict[str, typing.Any]]:
    """The config module's items for one server.

    settings: the profile's values merged with the user's overrides (see the role's vars/main.yml).
    server: server_info's facts. organization_host: this host writes the organisation's settings.

    - Organisation settings (remote domains, accepted domains, internal relays) are written once per
      organisation, by its organisation host; a standalone Edge writes its own copies; a subscribed Edge
      gets them from EdgeSync and is never written to.
    - The recipient filter is configured on Edge servers, and for the Mailbox servers (by the organisation
      host) only when the user opted in (Microsoft advises against it there).
    - Tarpit intervals are set on the server's Internet-facing receive connector.
    """
    items: typing.List[typing.Dict[str, typing.Any]] = []
    is_edge = bool(server.get("is_edge"))
    writes_organisation = (organization_host and not is_edge) or (is_edge and not server.get("edge_subscribed"))
    if writes_organisation:
        default_domain = remote_domain_options(settings["default_domain"], server)
        partner_domain = remote_domain_options(settings["partner_domain"], server)
        items.append(dict({"kind": "remote_domain", "domain_name": "*"}, **default_domain))
        for partner in partner_list(settings.get("partners") or []):
            items.append(dict({"kind": "remote_domain"}, **partner, **partner_domain))
        accepted = {str(d.get("domain_name", "")).lower() for d in server.get("accepted_domains") or []}
        for domain in settings.get("validated_domains") or []:
            domain = str(domain).lower()
            if domain not in accepted:
                # Validation is switched on for accepted domains; the baseline never creates one (a typo
                # would become an authoritative domain).
                raise AnsibleFilterError("backscatter_baseline_validated_domains: %s is not an accepted domain of %s "
                                         "(its accepted domains: %s)" % (domain, server.get("name"),
                                                                         ", ".join(sorted(accepted))))
            items.append({"kind": "accepted_domain", "domain_name": domain, "address_book_enabled": True})
        if settings.get("internal_relays"):
            items.append({"kind": "transport_config", "internal_smtp_servers": list(settings["internal_relays"])})
    # The organisation's recipient filter object is shared by its Mailbox servers (an Edge has its own),
    # so one host writes it; each Mailbox server still gets its own agents (needs_antispam_agents).
    filter_here = is_edge or (settings.get("recipient_filter_on_mailbox") and writes_organisation)
    if filter_here:
        items.append({"kind": "recipient_filter", "enabled": True,
                      "recipient_validation_enabled": _recipient_validation(settings, is_edge, server)})
    if settings.get("tarpit_interval") is not None and (is_edge or hub_transport(server)):
        connector = connector_name(settings, server)
        items.append({"kind": "receive_connector", "name": connector, "tarpit_interval": settings["tarpit_interval"]})
    return items


def hub_transport(server: typing.Dict[str, typing.Any]) -> bool:
    """Whether the server runs the transport the baseline configures besides Edge: a 2013+ Mailbox server, a 2007/2010
    Hub Transport server (server_info's hub_transport; facts without it are of a 2013+ server)."""
    return bool(server.get("hub_transport", not server.get("is_edge")))


def connector_name(settings: typing.Dict[str, typing.Any], server: typing.Dict[str, typing.Any]) -> str:
    """The receive connector that takes the server's Internet mail, by its role and version."""
    if server.get("is_edge"):
        template = settings["edge_connector"]
    elif server.get("role") == "HubTransport":
        template = settings.get("hub_connector") or HUB_CONNECTOR
    else:
        template = settings["mailbox_connector"]
    return str(template).replace("{server}", str(server["name"]))


def remote_domain_options(options: typing.Dict[str, typing.Any], server: typing.Dict[str, typing.Any]
                          ) -> typing.Dict[str, typing.Any]:
    """The remote domain options the server's version has: on Exchange 2007 the baseline leaves out what its
    Set-RemoteDomain lacks (ndr_diagnostic_info_enabled: 2007's NDRs have no such switch)."""
    version = server.get("version")
    if version not in versions.VERSIONS:
        return dict(options)
    parameters = {setting.option: setting.prop for setting in REMOTE_DOMAIN}
    lacking = {parameter for parameter, _first in versions.missing(
        "Set-RemoteDomain", [parameters[o] for o in options if o in parameters], str(version))}
    return {option: value for option, value in options.items() if parameters.get(option) not in lacking}


def organization_host(hosts: typing.Iterable[typing.Any]) -> str:
    """The host that writes the organisation's settings, among the play's hosts (hostvars with server_info's facts
    in backscatter_baseline__facts): the first server of Exchange 2013 or later that is not an Edge server; when
    there is none, the newest 2007/2010 server (its cmdlets have the fewest parameters missing); '' when every
    host is an Edge server."""
    candidates = []
    for index, host in enumerate(hosts or []):
        facts = host["backscatter_baseline__facts"]["server"]
        if facts.get("is_edge"):
            continue
        version = facts.get("version")
        rank = versions.VERSIONS.index(version) if version in versions.VERSIONS else len(versions.VERSIONS)
        modern = rank >= versions.VERSIONS.index("2013")
        candidates.append((0 if modern else 1, 0 if modern else -rank, index, str(host["inventory_hostname"])))
    return min(candidates)[3] if candidates else ""


def _recipient_validation(settings: typing.Dict[str, typing.Any], is_edge: bool, server: typing.Dict[str, typing.Any]
                          ) -> bool:
    """The RecipientValidationEnabled the baseline sets in the recipient filter that governs this server."""
    if is_edge:
        # A standalone Edge has no recipients to look up (EdgeSync brings them), so validation there cannot
        # tell a real recipient from a made-up one; Microsoft documents no behaviour for it: left off.
        return bool(settings["recipient_validation_edge"]) and bool(server.get("edge_subscribed"))
    return bool(settings["recipient_validation"])


def validates_recipients(settings: typing.Dict[str, typing.Any], server: typing.Dict[str, typing.Any]) -> bool:
    """Whether, with the baseline applied, this server refuses nonexistent recipients at RCPT TO: an Edge where
    validation is on, a Mailbox server where the user opted in to the recipient filter there (its agents are
    installed on every such server, and the organisation's filter object has validation on)."""
    is_edge = bool(server.get("is_edge"))
    if not is_edge and not (settings.get("recipient_filter_on_mailbox") and hub_transport(server)):
        return False
    return _recipient_validation(settings, is_edge, server)


def needs_antispam_agents(settings: typing.Dict[str, typing.Any], server: typing.Dict[str, typing.Any]) -> bool:
    """Whether this Mailbox server (2013+) or Hub Transport server (2007/2010) must have the anti-spam agents:
    always (profile or user), or when the recipient filter is to run on it (the agent does the filtering). Edge
    servers have them built in; 2007/2010 servers without Hub Transport cannot have them."""
    if server.get("is_edge") or not hub_transport(server):
        return False
    wanted = settings.get("antispam_agents", "when_filtering")
    return wanted == "always" or (wanted == "when_filtering" and bool(settings.get("recipient_filter_on_mailbox")))


class FilterModule(object):
    def filters(self) -> typing.Dict[str, typing.Callable[..., typing.Any]]:
        return {
            "baseline_resources": baseline_resources,
            "needs_antispam_agents": needs_antispam_agents,
            "validates_recipients": validates_recipients,
            "invalid_domain_names": invalid_domain_names,
            "invalid_ip_ranges": invalid_ip_ranges,
            "partner_list": partner_list,
            "organization_host": organization_host,
        }
