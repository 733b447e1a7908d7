# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    # The transport agent modules: which transport service's agents.
    DOCUMENTATION = r"""
options:
  transport_service:
    description:
      - The transport service whose agents are meant. Defaults to C(Hub) on Mailbox servers and C(Edge) on Edge
        servers.
      - Exchange 2013 and later only. Exchange 2007 and 2010 have one transport per server and no such parameter;
        there the task fails before anything is sent when this is set.
    type: str
    choices: [Hub, FrontEnd, Edge]
"""
