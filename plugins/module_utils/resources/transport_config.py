# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Organisation transport settings (EXCHANGE.md §5, §6): the internal SMTP servers Sender ID and
connection filtering must skip, and the DSN settings that shape non-delivery reports."""

from __future__ import annotations

import typing

from .. import values
from ..commands import Command
from ..desired_state import Plan, Setting, compare, desired_values
from .base import Connections, Resource

SETTINGS = (
    Setting("internal_smtp_servers", "InternalSMTPServers", "list", maximum=10000, element=values.ip_range,
            description="Internal relays, as addresses, CIDR ranges or start-end ranges."),
    Setting("external_dsn_send_html", "ExternalDsnSendHtml"),
    Setting("internal_dsn_send_html", "InternalDsnSendHtml"),
    Setting("external_delay_dsn_enabled", "ExternalDelayDsnEnabled"),
    Setting("internal_delay_dsn_enabled", "InternalDelayDsnEnabled"),
    Setting("max_recipient_envelope_limit", "MaxRecipientEnvelopeLimit", "unlimited", minimum=0, maximum=2147483647),
)
GET = Command("Get-TransportConfig")


class TransportConfig(Resource):
    kind = "transport_config"
    settings = SETTINGS
    identity_spec: typing.Dict[str, typing.Dict[str, typing.Any]] = {}

    def __init__(self, params: typing.Dict[str, typing.Any]) -> None:
        super().__init__(params)
        self.desired, self.modes = desired_values(SETTINGS, params)

    def plan(self, connections: Connections) -> Plan:
        config = connections.read(GET)[0]
        difference = compare(SETTINGS, self.desired, config, self.modes)
        if not difference.changed:
            return Plan(before=difference.before, after=difference.after)
        return Plan("update", [Command("Set-TransportConfig", difference.parameters, idempotent=True)],
                    before=difference.before, after=difference.after)

    def current(self, connections: Connections) -> typing.Optional[typing.Dict[str, typing.Any]]:
        config = connections.read(GET)[0]
        return {s.option: s.normalise_actual(config.get(s.prop)) for s in SETTINGS}
