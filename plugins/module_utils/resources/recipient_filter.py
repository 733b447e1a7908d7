# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The recipient filter: one object per organisation, or per Edge server
(docs/docsite/rst/exchange_behaviour.rst, "The recipient filter").

It works only where the Recipient Filter agent is installed and enabled, and recipient validation
covers only accepted domains with AddressBookEnabled; the role and server_info say so, this resource
sets the configuration.
"""

from __future__ import annotations

import typing

from .. import values
from ..desired_state import Setting, settings_view
from .base import Connections, SingleObject

SETTINGS = (
    Setting("enabled", "Enabled"),
    Setting("external_mail_enabled", "ExternalMailEnabled"),
    Setting("internal_mail_enabled", "InternalMailEnabled"),
    Setting("block_list_enabled", "BlockListEnabled"),
    Setting("recipient_validation_enabled", "RecipientValidationEnabled"),
    Setting("blocked_recipients", "BlockedRecipients", "list", maximum=800, element=values.smtp_address),
)


class RecipientFilter(SingleObject):
    kind = "recipient_filter"
    noun = "RecipientFilterConfig"
    settings = SETTINGS


def gather(connections: Connections, params: typing.Dict[str, typing.Any]) -> typing.Dict[str, typing.Any]:
    return settings_view(SETTINGS, RecipientFilter({}).read(connections))
