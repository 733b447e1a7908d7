# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's one action plugin. meta/runtime.yml routes every module to it (it is named after the
config module so that module documents it); it runs the module on the controller with connection
settings from the inventory (plugins/plugin_utils/controller.py)."""

from __future__ import annotations

from ansible_collections.mailhygiene.exchange.plugins.plugin_utils.controller import RunOnController


class ActionModule(RunOnController):
    pass
