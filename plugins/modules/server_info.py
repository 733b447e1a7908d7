#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: server_info
short_description: Read what a backscatter baseline decides on about an Exchange server
version_added: 0.1.0
description:
  - Returns the server's name, role, version, Edge subscription, transport agents, anti-spam state, recipient filter,
    accepted domains and receive connectors, reading each object type once. Changes nothing.
  - The role mailhygiene.exchange.backscatter_baseline uses it to choose what applies to each server.
extends_documentation_fragment:
  - mailhygiene.exchange.connection
  - mailhygiene.exchange.attributes.info_module
options: {}
seealso:
  - module: mailhygiene.exchange.antispam_agents
"""

EXAMPLES = r"""
- name: Learn the topology
  mailhygiene.exchange.server_info:
  register: server

- name: Report it
  ansible.builtin.debug:
    msg: "{{ server.server.name }} is an {{ server.server.role }} server ({{ server.server.version }})"
"""

RETURN = r"""
server:
  description: Facts about the server.
  returned: success
  type: dict
  contains:
    name:
      description: The server's Exchange name.
      type: str
    fqdn:
      description: Its fully qualified domain name.
      type: str
    role:
      description: C(Mailbox) or C(Edge).
      type: str
    server_role:
      description: The C(ServerRole) Exchange reports.
      type: str
    version:
      description: C(2013), C(2016), C(2019) or C(SE), from the C(AdminDisplayVersion).
      type: str
    admin_display_version:
      description: The version as Exchange reports it.
      type: str
    edition:
      description: The edition.
      type: str
    is_edge:
      description: Whether this is an Edge Transport server.
      type: bool
    edge_subscribed:
      description: Whether this Edge server is subscribed to an organisation through EdgeSync.
      type: bool
    transport_agents:
      description: The transport agents with their state and priority.
      type: list
      elements: dict
    antispam_agents_installed:
      description: Whether the five anti-spam agents are installed.
      type: bool
    antispam_agents_enabled:
      description: The transport service's C(AntispamAgentsEnabled).
      type: bool
    recipient_filter:
      description: Whether the recipient filter, its agent and recipient validation are on.
      type: dict
    accepted_domains:
      description: The accepted domains with their type and C(AddressBookEnabled).
      type: list
      elements: dict
    receive_connectors:
      description: The server's receive connectors with their tarpit interval.
      type: list
      elements: dict
"""

from ansible_collections.mailhygiene.exchange.plugins.module_utils.module import InfoTask
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.server import gather


TASK = InfoTask(gather, "server")


def main() -> None:
    TASK.run_as_module()


if __name__ == "__main__":
    main()
