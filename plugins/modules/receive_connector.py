#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: receive_connector
short_description: Configure a receive connector of an Exchange server (tarpit interval)
version_added: 0.1.0
description:
  - Sets a receive connector of the server the module connects to (C(Set-ReceiveConnector)).
  - The tarpit interval delays the answer to a rejected recipient, which slows down directory harvest attacks
    against recipient validation; authenticated sessions are not delayed.
extends_documentation_fragment:
  - mailhygiene.exchange.connection
  - mailhygiene.exchange.attributes
options:
  name:
    description:
      - The connector's name (e.g. C(Default Frontend EX01)) or its identity (C(EX01\Default Frontend EX01)).
    type: str
    required: true
  tarpit_interval:
    description:
      - Delay before answering a rejected RCPT, in seconds or as hh:mm:ss, from 0 to 10 minutes. (Exchange
        property C(TarpitInterval).)
    type: raw
  enabled:
    description:
      - Enabled (Exchange property C(Enabled).)
    type: bool
  max_recipients_per_message:
    description:
      - MaxRecipientsPerMessage (Exchange property C(MaxRecipientsPerMessage).)
    type: int
"""

EXAMPLES = r"""
- name: Slow down directory harvesting on the Internet-facing connector
  mailhygiene.exchange.receive_connector:
    name: "Default Frontend {{ inventory_hostname | upper }}"
    tarpit_interval: "00:00:10"
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
receive_connector:
  description: The connector afterwards (in check mode, as it would be).
  returned: success
  type: dict
  sample:
    name: Default Frontend EX01
    identity: EX01\Default Frontend EX01
    tarpit_interval: "00:00:10"
    enabled: true
    max_recipients_per_message: 200
"""

from ansible_collections.mailhygiene.exchange.plugins.module_utils.module import ResourceTask
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.receive_connector import ReceiveConnector


TASK = ResourceTask(ReceiveConnector, "receive_connector")


def main() -> None:
    TASK.run_as_module()


if __name__ == "__main__":
    main()
