# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The recipient filter (EXCHANGE.md §4): one object per organisation, or per Edge server.

It works only where the Recipient Filter agent is installed and enabled, and recipient validation
covers only accepted domains with AddressBookEnabled; the role and server_info say so, this resource
sets the configuration.
"""

from __future__ import annotations

import typing

from .. import values
from ..commands import Command
from ..desired_state import Plan, Setting, compare, desired_values
from .base import Connections, Resource

SETTINGS = (
    Setting("enabled", "Enabled", description="Whether the Recipient Filter agent acts at all."),
    Setting("external_mail_enabled", "ExternalMailEnabled", description="Filter mail from unauthenticated senders."),
    Setting("internal_mail_enabled", "InternalMailEnabled", description="Filter mail from authenticated senders."),
    Setting("block_list_enabled", "BlockListEnabled", description="Reject the addresses in blocked_recipients."),
    Setting("recipient_validation_enabled", "RecipientValidationEnabled",
            description="Reject recipients that do not exist in the directory at RCPT TO."),
    Setting("blocked_recipients", "BlockedRecipients", "list", maximum=800, element=values.smtp_address),
)
GET = Command("Get-RecipientFilterConfig")


def view(config: typing.Dict[str, typing.Any]) -> typing.Dict[str, typing.Any]:
    return {s.option: s.normalise_actual(config.get(s.prop)) for s in SETTINGS}


class RecipientFilter(Resource):
    kind = "recipient_filter"
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
        return Plan("update", [Command("Set-RecipientFilterConfig", difference.parameters, idempotent=True)],
                    before=difference.before, after=difference.after)

    def current(self, connections: Connections) -> typing.Optional[typing.Dict[str, typing.Any]]:
        return view(connections.read(GET)[0])


def gather(connections: Connections, params: typing.Dict[str, typing.Any]) -> typing.Dict[str, typing.Any]:
    return view(connections.read(GET)[0])
