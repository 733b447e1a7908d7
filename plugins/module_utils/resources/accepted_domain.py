# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Accepted domains (docs/docsite/rst/exchange_behaviour.rst, "Accepted domains").
Recipient validation covers only accepted domains with
AddressBookEnabled true (the default for Authoritative, not for relay domains). Found by DomainName."""

from __future__ import annotations

import typing

from .. import values
from ..commands import Command
from ..desired_state import Plan, Setting, compare
from .base import Connections, DomainObject, domain_view, refuse_missing_parameters

DOMAIN_TYPES = ["Authoritative", "InternalRelay", "ExternalRelay"]
SETTINGS = (
    Setting("domain_type", "DomainType", "choice", DOMAIN_TYPES),
    Setting("address_book_enabled", "AddressBookEnabled"),
)
GET = Command("Get-AcceptedDomain")


def view(domain: typing.Dict[str, typing.Any]) -> typing.Dict[str, typing.Any]:
    return dict(domain_view(SETTINGS, domain), default=domain.get("Default"))


class AcceptedDomain(DomainObject):
    kind = "accepted_domain"
    settings = SETTINGS
    get = GET

    def check_domain(self) -> None:
        if self.domain_name == "*":
            raise values.InvalidValue("domain_name: '*' is not an accepted domain; use a domain such as contoso.com "
                                      "or *.contoso.com.")

    def plan(self, connections: Connections) -> Plan:
        refuse_missing_parameters(connections, "Set-AcceptedDomain", SETTINGS, self.desired)
        domain = self.find(connections)
        if self.state == "absent":
            if domain is None:
                return Plan()
            if domain.get("Default"):
                raise values.InvalidValue("state=absent: %s is the default accepted domain and cannot be removed; make "
                                          "another accepted domain the default first." % self.domain_name)
            return Plan("remove", [Command("Remove-AcceptedDomain", {"Identity": domain["Name"], "Confirm": False})],
                        before=view(domain), after={})
        if domain is None:
            name = self.name or self.domain_name
            create = {"Name": name, "DomainName": self.domain_name}
            if "domain_type" in self.desired:
                create["DomainType"] = self.desired["domain_type"]
            commands = [Command("New-AcceptedDomain", create)]
            domain_type = self.desired.get("domain_type", "Authoritative")
            address_book = self.desired.get("address_book_enabled")
            if address_book is not None and address_book != (domain_type == "Authoritative"):
                commands.append(Command("Set-AcceptedDomain", {"Identity": name, "AddressBookEnabled": address_book},
                                        idempotent=True))
            after = {"name": name, "domain_name": self.domain_name, "domain_type": domain_type,
                     "address_book_enabled": address_book if address_book is not None
                     else domain_type == "Authoritative"}
            return Plan("create", commands, before={}, after=after)
        difference = compare(SETTINGS, self.desired, domain, self.modes)
        parameters = dict(difference.parameters)
        before = {"name": domain["Name"], "domain_name": self.domain_name, **difference.before}
        after = {"name": self.name or domain["Name"], "domain_name": self.domain_name, **difference.after}
        if self.name and self.name != domain["Name"]:
            parameters["Name"] = self.name
        if not parameters:
            return Plan(before=before, after=after)
        return Plan("update", [Command("Set-AcceptedDomain", dict({"Identity": domain["Name"]}, **parameters),
                                       idempotent=True)], before=before, after=after)

    def current(self, connections: Connections) -> typing.Optional[typing.Dict[str, typing.Any]]:
        domain = self.find(connections)
        return view(domain) if domain is not None else None


def gather(connections: Connections, params: typing.Dict[str, typing.Any]) -> typing.List[typing.Dict[str, typing.Any]]:
    """Accepted domains; `recipients_validated` says whether recipient validation covers the domain."""
    domains = []
    for domain in connections.read(GET):
        item = view(domain)
        item["recipients_validated"] = bool(domain.get("AddressBookEnabled"))
        domains.append(item)
    return domains
