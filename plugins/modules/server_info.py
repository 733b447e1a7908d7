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
  - Knows Exchange 2007, 2010, 2013, 2016, 2019 and Subscription Edition from the server's C(AdminDisplayVersion), and
    reads the transport settings with the version's cmdlet (C(Get-TransportServer) on 2007 and 2010,
    C(Get-TransportService) on 2013 and later).
  - Fails, changing nothing, when the server (the one connected to, or the one O(server_name) names) runs Exchange 2003,
    which has no PowerShell; the collection's docs/exchange-versions.md, section "Exchange 2003", shows how its
    recipient filtering and non-delivery report settings map to the ones this collection manages. Fails too, naming
    the string, for a version it does not know.
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

- name: Learn about an Exchange 2007 Hub Transport server (no remote PowerShell there)
  mailhygiene.exchange.server_info:
    management_endpoint: host_snapin
  register: hub
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
      description:
        - The role the baseline decides on. C(Edge) for an Edge Transport server; C(Mailbox) for an Exchange 2013 or
          later Mailbox server.
        - On Exchange 2007 and 2010, C(HubTransport) for a server with the Hub Transport role (alone or with others),
          else its first role (C(Mailbox) or C(ClientAccess)).
      type: str
      sample: HubTransport
    roles:
      description: The server's roles, from C(ServerRole) (2007 and 2010 servers may hold several).
      type: list
      elements: str
      sample: [Mailbox, ClientAccess, HubTransport]
    server_role:
      description: The C(ServerRole) Exchange reports.
      type: str
      sample: Mailbox, ClientAccess, HubTransport
    version:
      description: C(2007), C(2010), C(2013), C(2016), C(2019) or C(SE), from the C(AdminDisplayVersion).
      type: str
      sample: "2010"
    hub_transport:
      description:
        - Whether the server runs the transport that the baseline configures besides Edge (the anti-spam agents, the
          Internet-facing receive connector).
        - True for an Exchange 2013 or later Mailbox server and for a 2007/2010 server with the Hub Transport role;
          false for Edge servers and for 2007/2010 servers without Hub Transport (these have no transport agents
          or receive connectors, so the facts about them are empty).
      type: bool
    snapin:
      description:
        - The Exchange management snap-in of the server's version (C(Microsoft.Exchange.Management.PowerShell.Admin)
          for 2007, C(Microsoft.Exchange.Management.PowerShell.E2010) for 2010,
          C(Microsoft.Exchange.Management.PowerShell.SnapIn) for 2013 and later).
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
      description: C(AntispamAgentsEnabled) of the server's transport (C(Get-TransportService), or C(Get-TransportServer)
        on 2007 and 2010).
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
