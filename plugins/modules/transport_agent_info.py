#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: transport_agent_info
short_description: Read the transport agents of an Exchange server
version_added: 0.1.0
description:
  - Returns the transport agents of the server connected to, by priority. Changes nothing.
extends_documentation_fragment:
  - mailhygiene.exchange.connection
  - mailhygiene.exchange.attributes.info_module
  - mailhygiene.exchange.transport_service
options: {}
seealso:
  - module: mailhygiene.exchange.transport_agent
"""

EXAMPLES = r"""
- name: List the agents
  mailhygiene.exchange.transport_agent_info:
  register: agents
"""

RETURN = r"""
transport_agents:
  description: The agents, by priority.
  returned: success
  type: list
  elements: dict
  sample:
    - identity: Transport Rule Agent
      enabled: true
      priority: 1
"""

from ansible_collections.mailhygiene.exchange.plugins.module_utils.module import InfoTask
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.transport_agent import (
    TRANSPORT_SERVICE_SPEC, gather,
)


TASK = InfoTask(gather, "transport_agents", TRANSPORT_SERVICE_SPEC)


def main() -> None:
    TASK.run_as_module()


if __name__ == "__main__":
    main()
