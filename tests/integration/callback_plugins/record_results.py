# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: writes every task result to the JSON lines file named by RECORD_RESULTS_FILE, so the
integration tests can assert on real ansible-playbook runs."""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: record_results
type: aggregate
short_description: Record task results as JSON lines (integration tests)
description:
  - Appends one JSON line per task result to the file named by the environment variable C(RECORD_RESULTS_FILE).
options: {}
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record_results"
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, status: str, result: object) -> None:
        path = os.environ.get("RECORD_RESULTS_FILE")
        if not path:
            return
        entry = {"status": status, "host": result._host.get_name(), "task": result._task.get_name(),
                 "action": result._task.action, "result": result._result}
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")

    def v2_runner_on_ok(self, result: object) -> None:
        self._record("ok", result)

    def v2_runner_on_failed(self, result: object, ignore_errors: bool = False) -> None:
        self._record("failed", result)

    def v2_runner_on_skipped(self, result: object) -> None:
        self._record("skipped", result)

    def v2_runner_on_unreachable(self, result: object) -> None:
        self._record("unreachable", result)
