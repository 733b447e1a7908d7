# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remote domains (docs/docsite/rst/exchange_behaviour.rst, "Remote domains").

Found by DomainName by listing (Identity matches Name, never DomainName). DomainName cannot change:
a remote domain whose name now stands for another domain is removed and created again, and reported
as a replacement. The default domain `*` can be updated but never removed. AllowedOOFType and
IsInternal share storage, so they are never sent in the same call.
"""

from __future__ import annotations

import typing

from .. import values
from ..commands import Command
from ..desired_state import Plan, Setting, compare
from .base import Connections, DomainObject, domain_view, refuse_missing_parameters

SETTINGS = (
    Setting("ndr_enabled", "NDREnabled"),
    Setting("ndr_diagnostic_info_enabled", "NDRDiagnosticInfoEnabled"),
    Setting("delivery_report_enabled", "DeliveryReportEnabled"),
    Setting("auto_reply_enabled", "AutoReplyEnabled"),
    Setting("auto_forward_enabled", "AutoForwardEnabled"),
    Setting("allowed_oof_type", "AllowedOOFType", "choice", ["External", "ExternalLegacy", "InternalLegacy", "None"]),
    Setting("is_internal", "IsInternal"),
    Setting("target_delivery_domain", "TargetDeliveryDomain"),
    Setting("meeting_forward_notification_enabled", "MeetingForwardNotificationEnabled"),
    Setting("content_type", "ContentType", "choice", ["MimeHtmlText", "MimeText", "MimeHtml"]),
    Setting("display_sender_name", "DisplaySenderName"),
    Setting("character_set", "CharacterSet", "charset"),
    Setting("non_mime_character_set", "NonMimeCharacterSet", "charset"),
    Setting("byte_encoder_type_for_7bit_charsets", "ByteEncoderTypeFor7BitCharsets", "choice",
            ["Use7Bit", "UseQP", "UseBase64", "UseQPHtmlDetectTextPlain", "UseBase64HtmlDetectTextPlain",
             "UseQPHtml7BitTextPlain", "UseBase64Html7BitTextPlain", "Undefined"]),
    Setting("preferred_internet_code_page_for_shift_jis", "PreferredInternetCodePageForShiftJis", "choice",
            ["Undefined", "Iso2022Jp", "Esc2022Jp", "Sio2022Jp"]),
    Setting("required_charset_coverage", "RequiredCharsetCoverage", "int", minimum=0, maximum=100),
    Setting("tnef_enabled", "TNEFEnabled", "three_state"),
    Setting("line_wrap_size", "LineWrapSize", "unlimited", minimum=1, maximum=132),
    Setting("trusted_mail_inbound_enabled", "TrustedMailInboundEnabled"),
    Setting("trusted_mail_outbound_enabled", "TrustedMailOutboundEnabled"),
    Setting("use_simple_display_name", "UseSimpleDisplayName"),
    Setting("message_count_threshold", "MessageCountThreshold", "int", minimum=0, maximum=2147483647),
)
DEFAULT_DOMAIN = "*"
GET = Command("Get-RemoteDomain")


def list_domains(connections: Connections) -> typing.List[typing.Dict[str, typing.Any]]:
    return connections.read(GET)


def find(domains: typing.List[typing.Dict[str, typing.Any]], key: str, value: str
         ) -> typing.Optional[typing.Dict[str, typing.Any]]:
    for domain in domains:
        if str(domain.get(key, "")).lower() == value.lower():
            return domain
    return None


def present_view(domain: typing.Dict[str, typing.Any]) -> typing.Dict[str, typing.Any]:
    return domain_view(SETTINGS, domain)


class RemoteDomain(DomainObject):
    kind = "remote_domain"
    settings = SETTINGS
    get = GET

    def check_domain(self) -> None:
        if self.name is not None and not 0 < len(self.name) <= 64:
            raise values.InvalidValue("name: must be 1 to 64 characters, got %d." % len(self.name))
        if self.state == "absent" and self.domain_name == DEFAULT_DOMAIN:
            raise values.InvalidValue("state=absent: the default remote domain (*) cannot be removed; set its "
                                      "options instead.")
        if self.desired.get("target_delivery_domain") and "*" in self.domain_name:
            raise values.InvalidValue("target_delivery_domain: cannot be true for %r; the target delivery domain "
                                      "must be a domain without wildcards." % self.domain_name)
        oof, internal = self.desired.get("allowed_oof_type"), self.desired.get("is_internal")
        if oof is not None and internal is not None and (oof == "InternalLegacy") != internal:
            raise values.InvalidValue(
                "allowed_oof_type=%s contradicts is_internal=%s: Exchange stores them together "
                "(InternalLegacy means internal). Set one of them." % (oof, internal))

    def plan(self, connections: Connections) -> Plan:
        refuse_missing_parameters(connections, "Set-RemoteDomain", SETTINGS, self.desired)
        domains = list_domains(connections)
        by_domain = find(domains, "DomainName", self.domain_name)
        by_name = find(domains, "Name", self.name) if self.name else None

        if self.state == "absent":
            if by_domain is None:
                return Plan()
            return Plan("remove", [Command("Remove-RemoteDomain", {"Identity": by_domain["Name"], "Confirm": False})],
                        before=present_view(by_domain), after={})

        if by_domain is not None:
            return self._update(by_domain, domains)
        name = self.name or self.domain_name
        commands = []
        warnings = []
        action = "create"
        before: typing.Dict[str, typing.Any] = {}
        if by_name is not None:
            # DomainName is read-only after creation: the only way to change it is remove + create.
            action = "replace"
            before = present_view(by_name)
            warnings.append("Remote domain %r stood for %s; it is removed and created again for %s (settings not "
                            "managed by this task return to their defaults)." % (name, by_name["DomainName"],
                                                                                 self.domain_name))
            commands.append(Command("Remove-RemoteDomain", {"Identity": by_name["Name"], "Confirm": False}))
        commands.append(Command("New-RemoteDomain", {"Name": name, "DomainName": self.domain_name}))
        # New-RemoteDomain takes only the name and domain; every setting the user gave follows in a Set.
        difference = compare(SETTINGS, self.desired, {}, self.modes)
        commands.extend(self._set_commands(name, difference.parameters))
        after = {"name": name, "domain_name": self.domain_name}
        after.update(difference.after)
        return Plan(action, commands, before=before, after=after, warnings=warnings)

    def _update(self, domain: typing.Dict[str, typing.Any], domains: typing.List[typing.Dict[str, typing.Any]]) -> Plan:
        difference = compare(SETTINGS, self.desired, domain, self.modes)
        identity = domain["Name"]
        parameters = dict(difference.parameters)
        before = {"name": identity, "domain_name": domain["DomainName"]}
        after = dict(before)
        if self.name and self.name != identity:
            if find(domains, "Name", self.name) is not None:
                raise values.InvalidValue("name: another remote domain is already called %r." % self.name)
            parameters["Name"] = self.name
            after["name"] = self.name
        before.update(difference.before)
        after.update(difference.after)
        if not parameters:
            return Plan(before=before, after=after)
        return Plan("update", self._set_commands(identity, parameters), before=before, after=after)

    @staticmethod
    def _set_commands(identity: str, parameters: typing.Dict[str, typing.Any]) -> typing.List[Command]:
        """One Set-RemoteDomain, or two when both coupled properties change (never in the same call)."""
        if not parameters:
            return []
        first = dict(parameters)
        second = {}
        if "AllowedOOFType" in first and "IsInternal" in first:
            second["AllowedOOFType"] = first.pop("AllowedOOFType")
        commands = [Command("Set-RemoteDomain", dict({"Identity": identity}, **first), idempotent=True)]
        if second:
            commands.append(Command("Set-RemoteDomain", dict({"Identity": parameters.get("Name", identity)}, **second),
                                    idempotent=True))
        return commands

    def current(self, connections: Connections) -> typing.Optional[typing.Dict[str, typing.Any]]:
        domain = self.find(connections)
        return present_view(domain) if domain is not None else None


def gather(connections: Connections, params: typing.Dict[str, typing.Any]) -> typing.List[typing.Dict[str, typing.Any]]:
    """Every remote domain, or the one of `domain_name`."""
    wanted = params.get("domain_name")
    domains = [present_view(d) for d in list_domains(connections)]
    if wanted:
        domain = values.domain_name("domain_name", wanted, wildcards=True)
        domains = [d for d in domains if str(d["domain_name"]).lower() == domain]
    return domains
