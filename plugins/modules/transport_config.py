#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: transport_config
short_description: Configure Exchange organisation transport settings (internal SMTP servers, DSNs)
version_added: 0.1.0
description:
  - Sets organisation-wide transport settings (C(Set-TransportConfig)).
  - I(internal_smtp_servers) lists the internal relays that Sender ID and connection filtering must not judge; the
    anti-spam agents need it whenever mail reaches Exchange through another internal server.
  - Lists are changed with Exchange's add/remove; C(append) (the default) only adds.
  - On an EdgeSync-subscribed Edge server these settings come from the organisation and cannot be changed.
extends_documentation_fragment:
  - mailhygiene.exchange.connection
  - mailhygiene.exchange.attributes
options:
  internal_smtp_servers:
    description:
      - Internal relays, as addresses, CIDR ranges or start-end ranges. (Exchange property
        C(InternalSMTPServers).)
      - Values are compared case-insensitively; I(internal_smtp_servers_mode) decides what happens to values
        not listed.
    type: list
    elements: str
  internal_smtp_servers_mode:
    description:
      - C(append) adds the values of I(internal_smtp_servers) that are missing; C(replace) also removes the
        values not listed.
    type: str
    choices: [append, replace]
    default: append
  external_dsn_send_html:
    description:
      - Whether delivery status notifications (NDRs, delay and delivery reports) to senders outside the
        organisation are HTML rather than plain text (Exchange property C(ExternalDsnSendHtml)).
      - Exchange 2010 and later. Exchange 2007 keeps the four DSN settings per server (C(Set-TransportServer));
        there the task fails before anything is sent when one of them is set.
    type: bool
  internal_dsn_send_html:
    description:
      - The same for senders inside the organisation (C(InternalDsnSendHtml)).
    type: bool
  external_delay_dsn_enabled:
    description:
      - Whether a delay notification is created for an external message that could not be delivered at once
        (C(ExternalDelayDsnEnabled)). It goes to the message's sender.
    type: bool
  internal_delay_dsn_enabled:
    description:
      - The same for internal messages (C(InternalDelayDsnEnabled)).
    type: bool
  max_recipient_envelope_limit:
    description:
      - The most recipients one message may have, a distribution group counting as one (Exchange property
        C(MaxRecipientEnvelopeLimit)); a number or C(Unlimited).
    type: raw
"""

EXAMPLES = r"""
- name: Tell Sender ID about the internal relays
  mailhygiene.exchange.transport_config:
    internal_smtp_servers:
      - 10.0.1.10
      - 10.0.2.0/24

- name: Exactly these relays
  mailhygiene.exchange.transport_config:
    internal_smtp_servers: [10.0.1.10]
    internal_smtp_servers_mode: replace
"""

RETURN = r"""
action:
  description: What was done (or, in check mode, would be done).
  returned: always
  type: str
  sample: update
commands:
  description: The commands sent, or in check mode the commands that would be sent, as readable text.
  returned: always
  type: list
  elements: str
diff:
  description: The managed options before and after.
  returned: always
  type: dict
transport_config:
  description: The managed transport settings afterwards (in check mode, as they would be).
  returned: success
  type: dict
  sample:
    internal_smtp_servers: [10.0.1.10, 10.0.2.0/24]
    external_dsn_send_html: true
"""

from ansible_collections.mailhygiene.exchange.plugins.module_utils.module import ResourceTask
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.transport_config import TransportConfig


TASK = ResourceTask(TransportConfig, "transport_config")


def main() -> None:
    TASK.run_as_module()


if __name__ == "__main__":
    main()
