# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Organisation transport settings: the internal SMTP servers Sender ID and connection filtering
must skip, and the DSN settings that shape non-delivery reports
(docs/docsite/rst/exchange_behaviour.rst, "Organisation transport settings")."""

from __future__ import annotations

from .. import values
from ..desired_state import Setting
from .base import SingleObject

SETTINGS = (
    Setting("internal_smtp_servers", "InternalSMTPServers", "list", maximum=10000, element=values.ip_range),
    Setting("external_dsn_send_html", "ExternalDsnSendHtml"),
    Setting("internal_dsn_send_html", "InternalDsnSendHtml"),
    Setting("external_delay_dsn_enabled", "ExternalDelayDsnEnabled"),
    Setting("internal_delay_dsn_enabled", "InternalDelayDsnEnabled"),
    Setting("max_recipient_envelope_limit", "MaxRecipientEnvelopeLimit", "unlimited", minimum=0, maximum=2147483647),
)


class TransportConfig(SingleObject):
    kind = "transport_config"
    noun = "TransportConfig"
    settings = SETTINGS
