# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin of the modules that talk to the network from the controller without an Exchange
session (smtp_probe, backscatter_listing; meta/runtime.yml routes them here): they run on the controller
with the task's arguments as they are, never on the Windows host."""

from __future__ import annotations

from ansible_collections.mailhygiene.exchange.plugins.plugin_utils.controller import RunLocally


class ActionModule(RunLocally):
    pass
